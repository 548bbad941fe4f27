// Show Value graph at cursor: which micrograd root the editor's cursor picks, on the roots of a
// real run (examples/micrograd.ts) and on notebook-like roots spread over cells.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { noValueMessage, valueAtCursor, type CursorPlace } from "../../src/extension/valueAtCursor";
import type { ValueRoot } from "../../src/protocol/trace";
import { executeScript } from "../../src/runner/execute";

const repo = path.resolve(__dirname, "../..");

describe("Show Value graph at cursor: picking the root", () => {
  const file = path.join(repo, "examples/micrograd.ts");
  const lines = fs.readFileSync(file, "utf8").split("\n");
  /** the trace's place (from 1) of the first line containing `text`, cursor at `col` (from 1) */
  const on = (text: string, col = 1, word?: string): CursorPlace => ({ line: lines.findIndex((l) => l.includes(text)) + 1, column: col, word });
  let roots: ValueRoot[];
  before(() => {
    const t = executeScript({ file });
    assert.equal(t.status, "ok", JSON.stringify(t.error));
    roots = t.valueRoots ?? [];
    assert.ok(roots.length > 5, "the demo has roots");
  });

  it("the Value assigned on the cursor's line", () => {
    assert.equal(valueAtCursor(roots, on("const x1w1 = x1.mul(w1)"))?.name, "x1w1");
    assert.equal(valueAtCursor(roots, on("const o = n.tanh()", 14))?.name, "o");
    const o = valueAtCursor(roots, on("const o = n.tanh()"))!;
    assert.equal(o.nodes, 10, "o = tanh(x1·w1 + x2·w2 + b): ten Values");
    // a line inside the training loop: the loss assigned there
    assert.equal(valueAtCursor(roots, on("const total = dataLoss.add(reg)"))?.name, "total");
  });

  it("off an assignment, the word under the cursor: its binding nearest above", () => {
    // `o.backward();` assigns nothing; the cursor on `o` names the neuron's output
    assert.equal(valueAtCursor(roots, on("o.backward();", 1, "o"))?.name, "o");
    // the console.log line mentions x1 after its binding
    assert.equal(valueAtCursor(roots, on("console.log(`o = ", 40, "x1"))?.name, "x1");
  });

  it("nothing on a line without a Value, with a message that lists the run's Values", () => {
    const at = on("// ---- one neuron, by hand");
    assert.equal(valueAtCursor(roots, at), undefined);
    const msg = noValueMessage(roots, at);
    assert.match(msg, new RegExp(`no micrograd Value is assigned on line ${at.line}\\.`));
    assert.match(msg, /x1 \(line 6\)/); // examples/micrograd.ts line 6: const x1 = new Value(2.0, ...)
    assert.match(noValueMessage([], at), /made no micrograd Values/);
  });

  it("notebooks: only the cursor's cell's lines, and the nearest binding above across cells", () => {
    const root = (name: string, cell: number, line: number, column = 1): ValueRoot =>
      ({ id: `v${cell}${line}${column}`, name, kind: "named", nodes: 3, whole: true, cell, line, column });
    const nb = [root("a", 0, 2), root("L", 0, 5), root("L", 2, 1), root("b", 2, 1, 10), root("d", 3, 5)];
    assert.equal(valueAtCursor(nb, { cell: 0, line: 5, column: 1 })?.id, nb[1].id, "cell 0's L, not cell 2's");
    assert.equal(valueAtCursor(nb, { cell: 1, line: 5, column: 1 }), undefined, "line 5 of another cell");
    // two Values on one line: the word under the cursor, else the nearest to the cursor
    assert.equal(valueAtCursor(nb, { cell: 2, line: 1, column: 11, word: "L" })?.name, "L");
    assert.equal(valueAtCursor(nb, { cell: 2, line: 1, column: 11 })?.name, "b");
    assert.equal(valueAtCursor(nb, { cell: 2, line: 1, column: 2 })?.name, "L");
    // `L` in cell 1 is cell 0's; in cell 3 it is cell 2's
    assert.equal(valueAtCursor(nb, { cell: 1, line: 3, column: 1, word: "L" })?.id, nb[1].id);
    assert.equal(valueAtCursor(nb, { cell: 3, line: 1, column: 1, word: "L" })?.id, nb[2].id);
    // a name only bound below the cursor: that binding
    assert.equal(valueAtCursor(nb, { cell: 0, line: 1, column: 1, word: "d" })?.id, nb[4].id);
    assert.match(noValueMessage(nb, { cell: 1, line: 5, column: 1 }), /cell 2, line 5.*a \(cell 1, line 2\)/);
  });
});
