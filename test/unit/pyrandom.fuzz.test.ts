import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { PyRandom } from "../../src/engine/random/pyrandom";
import { needShared, readSharedJson } from "../support/sharedData";

// Randomised call sequences recorded from CPython by test/fixtures/rng/gen_pyrandom_fuzz.py.
interface Call {
  call: string;
  k?: number;
  n?: number;
  args?: number[];
  out?: number | string | number[];
  sha256?: string;
  error?: string;
}
const fixture: { python: string; cases: { seed: string; calls: Call[] }[] } = JSON.parse(
  fs.readFileSync(path.join(__dirname, "../fixtures/rng/pyrandom_fuzz.json"), "utf8"),
);

const shared = readSharedJson("torch-rng-vectors.json");

describe("PyRandom on the shared vectors' Python case", () => {
  it(shared?.python_random.call ?? "the shared vectors' random.shuffle case", function () {
    needShared(this, "torch-rng-vectors.json");
    // the recorded call is exactly: random.seed(42); w=list(range(20)); random.shuffle(w)
    assert.equal(shared!.python_random.call, "random.seed(42); w=list(range(20)); random.shuffle(w)");
    const r = new PyRandom(42);
    const w = Array.from({ length: 20 }, (_, i) => i);
    r.shuffle(w);
    assert.deepEqual(w, shared!.python_random.result);
  });
});

describe(`PyRandom on randomised CPython ${fixture.python} call sequences`, () => {
  for (const c of fixture.cases) {
    it(`seed ${c.seed}: ${c.calls.length} calls`, () => {
      const r = new PyRandom(BigInt(c.seed));
      for (const [i, call] of c.calls.entries()) {
        const where = `call ${i}: ${call.call}(${call.args ?? call.k ?? call.n ?? ""})`;
        switch (call.call) {
          case "random":
            assert.equal(r.random(), call.out, where);
            break;
          case "getrandbits":
            assert.equal(r.getrandbits(call.k!), BigInt(call.out as string), where);
            break;
          case "randrange1":
          case "randrange2":
          case "randrange3": {
            const [a, b, step] = call.args!;
            const draw = () => r.randrange(a, b, step);
            if (call.error) assert.throws(draw, RangeError, where);
            else assert.equal(call.call === "randrange1" ? r.randrange(a) : draw(), call.out, where);
            break;
          }
          case "randint":
            assert.equal(r.randint(call.args![0], call.args![1]), call.out, where);
            break;
          case "choice":
            assert.equal(r.choice(Array.from({ length: call.n! }, (_, j) => j)), call.out, where);
            break;
          case "shuffle": {
            const xs = Array.from({ length: call.n! }, (_, j) => j);
            r.shuffle(xs);
            if (call.sha256) assert.equal(createHash("sha256").update(xs.join(",")).digest("hex"), call.sha256, where);
            else assert.deepEqual(xs, call.out, where);
            break;
          }
          default:
            throw new Error(`unknown call ${call.call}`);
        }
      }
    });
  }
});
