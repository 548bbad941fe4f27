// The notebook's trace kept across cell runs (src/extension/notebookTrace.ts): a re-run cell's rows
// replace its earlier ones, other cells' stay, rows are numbered in notebook order, and the trace
// names the cell whose run it ends with.
import assert from "node:assert/strict";
import { mergeCellTrace } from "../../src/extension/notebookTrace";
import type { Trace, TraceComparison } from "../../src/protocol/trace";

/** A cell run's trace with cmp rows named `names` on lines 1, 2, ... (only what merging reads). */
function cellRun(names: string[], totalMs: number): Trace {
  const comparisons = names.map((name, i) => ({ name, line: i + 1, column: 1, index: i, status: "exact" }) as unknown as TraceComparison);
  return {
    version: 1, file: "/nb.ipynb", language: "notebook", sourceHash: "", status: "ok", startedAt: new Date(0).toISOString(),
    timings: { totalMs, prepareMs: 0, runMs: totalMs, traceMs: 0 }, tensors: [], values: [], graph: null, comparisons,
    output: [], outputTruncated: false, droppedOutputBytes: 0, series: [], notes: [],
  } as unknown as Trace;
}

describe("notebook trace: cells merged into one trace", function () {
  it("a re-run cell replaces its rows, keeps the other cells' and names the cell that ran last", function () {
    let t = mergeCellTrace(undefined, cellRun(["a", "b"], 5), 4, 1);
    t = mergeCellTrace(t, cellRun(["c"], 7), 6, 2);
    assert.equal(t.ranCell, 6);
    assert.deepEqual(t.comparisons.map((c) => [c.name, c.cell, c.index]), [["a", 4, 0], ["b", 4, 1], ["c", 6, 2]]);
    // cell 4 again, now with one row: cell 6's row stays after it
    t = mergeCellTrace(t, cellRun(["a2"], 3), 4, 3);
    assert.equal(t.ranCell, 4);
    assert.equal(t.timings.totalMs, 3, "the timings are the last cell run's");
    assert.equal(t.documentVersion, 3);
    assert.deepEqual(t.comparisons.map((c) => [c.name, c.cell, c.index]), [["a2", 4, 0], ["c", 6, 1]]);
  });
});
