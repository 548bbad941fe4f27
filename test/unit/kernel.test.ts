// The notebook kernel without VS Code: a KernelSession runs cells in one Pyodide session in its own
// worker, globals kept between cells, interrupts that keep the session, restarts that drop it.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KernelSession } from "../../src/runner/runner";
import type { RunEvent, Trace } from "../../src/protocol/trace";

interface CellRun {
  trace: Trace;
  events: RunEvent[];
  ms: number;
}

async function run(k: KernelSession, index: number, source: string): Promise<CellRun> {
  const events: RunEvent[] = [];
  const t0 = performance.now();
  const trace = await k.runCell({ index, source }, (e) => events.push(e)).trace;
  return { trace, events, ms: performance.now() - t0 };
}

const printed = (r: CellRun) => r.events.flatMap((e) => (e.type === "output" ? [e.chunk.text] : [])).join("");
const results = (r: CellRun) => r.events.flatMap((e) => (e.type === "display" ? [e.text] : []));

describe("notebook kernel: cells in one persistent Python session", function () {
  this.timeout(120_000);
  let dir: string;
  let kernel: KernelSession;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "bpn-kernel-"));
    kernel = new KernelSession(path.join(dir, "nb.ipynb"));
  });
  after(() => {
    kernel.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("keeps globals between cells; a cell's last expression is its result, not printed output", async () => {
    const a = await run(kernel, 0, "%matplotlib inline\nimport torch\nx = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\nprint('made x')");
    assert.equal(a.trace.status, "ok", a.trace.error?.message);
    assert.equal(printed(a), "made x\n");
    assert.ok(a.trace.notes.some((n) => n.includes("%matplotlib inline")), a.trace.notes.join("; "));
    const b = await run(kernel, 1, "loss = (x * x).sum()\nloss.backward()\nx.grad");
    assert.equal(b.trace.status, "ok", b.trace.error?.message);
    assert.equal(printed(b), "");
    assert.deepEqual(results(b), ["tensor([2., 4., 6.])"]);
    assert.equal(kernel.session, 1);
  });

  it("a cell ending in ';' displays nothing, as in IPython (makemore's `torch.manual_seed(42);`)", async () => {
    const quiet = await run(kernel, 2, "torch.manual_seed(42);  # seed");
    assert.equal(quiet.trace.status, "ok", quiet.trace.error?.message);
    assert.deepEqual(results(quiet), []);
    const shown = await run(kernel, 2, "x.sum().item()");
    assert.deepEqual(results(shown), ["6.0"]);
  });

  it("cmp rows carry the cell's index and line; the trace names tensors bound in earlier cells", async () => {
    const r = await run(kernel, 3, "def cmp(s, dt, t):\n    pass\n\ncmp('x', 2 * x, x)\ncmp('x', x, x)");
    assert.equal(r.trace.status, "ok", r.trace.error?.message);
    assert.deepEqual(r.trace.comparisons.map((c) => [c.status, c.cell, c.line]), [["exact", 3, 4], ["wrong", 3, 5]]);
    assert.deepEqual(r.trace.tensors.map((t) => t.name).sort(), ["loss", "x"]);
  });

  it("an error points at the cell's line; the session survives it", async () => {
    const r = await run(kernel, 4, "y = 1\nz = undefined_name + 1");
    assert.equal(r.trace.status, "error");
    assert.equal(r.trace.error?.name, "NameError");
    assert.deepEqual(r.trace.error?.place, { line: 2, column: 5, cell: 4 });
    assert.match(r.trace.error?.stack ?? "", /nb\.ipynb#cell4", line 2/);
    const after = await run(kernel, 5, "y + 1");
    assert.deepEqual(results(after), ["2"]);
  });

  it("an interrupt stops a cell that never ends and keeps the session", async () => {
    const handle = kernel.runCell({ index: 6, source: "i = 0\nwhile True:\n    i += 1" });
    await new Promise((r) => setTimeout(r, 500)); // let the loop start: the interrupt must land inside it
    kernel.interrupt();
    const t = await handle.trace;
    assert.equal(t.status, "cancelled");
    assert.equal(t.error?.name, "KeyboardInterrupt");
    const after = await run(kernel, 7, "i > 0, y");
    assert.deepEqual(results(after), ["(True, 1)"]);
    assert.equal(kernel.session, 1);
  });

  it("re-running a cell is fast; a restart drops the globals", async () => {
    const r = await run(kernel, 1, "loss = (x * x).sum()\nloss.backward()\nx.grad");
    assert.equal(r.trace.status, "ok");
    assert.ok(r.ms < 1000, `a warm cell took ${r.ms.toFixed(0)} ms`);
    kernel.restart();
    const gone = await run(kernel, 8, "x");
    assert.equal(gone.trace.error?.name, "NameError");
    assert.equal(kernel.session, 2);
  });
});
