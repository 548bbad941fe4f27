// A training loop's length as the extension reads it from the source (status bar: step n/total, time left).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { loopLength } from "../../src/extension/trainingLength";

const examples = path.resolve(__dirname, "../../examples");

describe("loopLength (src/extension/trainingLength.ts)", () => {
  it("reads max_steps of the training examples, with their environment override", () => {
    const ts = readFileSync(path.join(examples, "train_ninja.ts"), "utf8");
    const py = readFileSync(path.join(examples, "python/train_ninja.py"), "utf8");
    assert.equal(loopLength(ts, {}), 200_000);
    assert.equal(loopLength(py, {}), 200_000);
    assert.equal(loopLength(ts, { BPN_MAX_STEPS: "500" }), 500);
    assert.equal(loopLength(py, { BPN_MAX_STEPS: "300" }), 300);
    assert.equal(loopLength(py, { BPN_MAX_STEPS: "lots" }), 200_000, "an unreadable override falls back to the literal");
  });

  it("reads the usual spellings and says nothing when there is no such line", () => {
    assert.equal(loopLength("let maxSteps: number = 1_000;\n", {}), 1000);
    assert.equal(loopLength("num_steps = 50\nfor i in range(num_steps): pass\n", {}), 50);
    assert.equal(loopLength("for i in range(100): pass\n", {}), undefined);
    assert.equal(loopLength("const steps_done = 5;\n", {}), undefined);
  });
});
