// The notebook kernel on the user's own Python and PyTorch (#22): one Debian python3 process per
// session, globals kept between cells, Stop as KeyboardInterrupt, a crash or a restart ending the
// session. Expected cmp verdicts come from the same interpreter's torch, computed in the cells.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RunEvent } from "../../src/protocol/trace";
import { CELL_END, CellStream, EVENT_FRAME, MEMORY_KEPT, NativeKernelSession, type CellState } from "../../src/runner/nativeKernel";
import { RunRecorder } from "../../src/runner/record";
import { SESSION_LOST } from "../../src/runner/runner";
import { interpreterOrSkip, PYTHON } from "./nativeInterpreter";


describe("native notebook kernel (the user's own PyTorch)", function () {
  this.timeout(120_000);
  let dir: string;
  let file: string;
  const sessions: NativeKernelSession[] = [];

  before(async function () {
    await interpreterOrSkip(this);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "bpn-native-kernel-"));
    file = path.join(dir, "nb.ipynb");
    fs.writeFileSync(file, "{}");
  });
  after(async () => {
    await Promise.all(sessions.map((s) => s.dispose()));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const open = (opts: { interruptGraceMs?: number; maxOutputBytes?: number } = {}) => {
    const s = new NativeKernelSession(file, { python: PYTHON, ...opts });
    sessions.push(s);
    return s;
  };
  /** onEvent that calls `act` once, at the cell's first output */
  const atFirstOutput = (act: () => void) => {
    let done = false;
    return (e: RunEvent) => {
      if (e.type === "output" && !done) { done = true; act(); }
    };
  };
  const stdout = (t: { output: { stream: string; text: string }[] }) => t.output.filter((o) => o.stream === "stdout").map((o) => o.text).join("");

  it("keeps globals between cells; shows the last expression; cmp rows and tensors of the session", async () => {
    const k = open();
    const events: RunEvent[] = [];
    const t1 = await k.runCell({ index: 0, source: "import torch\ntorch.manual_seed(0)\nx = torch.randn(3, 4, requires_grad=True)\nprint('hello')" }, (e) => events.push(e)).trace;
    assert.equal(t1.status, "ok", t1.error?.stack);
    assert.equal(stdout(t1), "hello\n");
    assert.equal(events.map((e) => (e.type === "output" ? e.chunk.text : "")).join(""), "hello\n", "the output streamed");
    assert.match(t1.engine ?? "", /^PyTorch \d/);
    const session = k.session;
    const t2 = await k.runCell({ index: 1, source: "y = (x * x).sum()\ny.backward()\ndx = 2 * x\ncmp = lambda *a: None\ncmp('x', dx, x)\nx.shape" }, (e) => events.push(e)).trace;
    assert.equal(t2.status, "ok", t2.error?.stack);
    assert.equal(k.session, session, "the same session");
    assert.deepEqual(events.filter((e) => e.type === "display").map((e) => (e as { text: string }).text), ["torch.Size([3, 4])"]);
    assert.deepEqual(t2.comparisons.map((c) => [c.name, c.status, c.cell, c.line]), [["x", "exact", 1, 5]]);
    assert.deepEqual(t2.tensors.map((t) => t.name).sort(), ["dx", "x", "y"], "earlier cells' bindings too");
    assert.equal(t2.graph?.source, "backward");
  });

  it("IPython's magics and shell lines are left out with a note; a cell magic's cell is skipped", async () => {
    const k = open();
    // the first cell of the micrograd lecture, then a line after the magic to show the lines stay put
    const t = await k.runCell({ index: 0, source: "import math\n%matplotlib inline\n!ls\nprint(math.pi > 3)\nraise ValueError('line 5')" }).trace;
    assert.equal(stdout(t), "True\n");
    assert.deepEqual([t.error?.name, t.error?.place?.line], ["ValueError", 5], "the cell's own line numbers");
    assert.deepEqual(t.notes.filter((n) => n.startsWith("cell 1")), [
      "cell 1, line 2: `%matplotlib inline` ignored (IPython syntax)", "cell 1, line 3: `!ls` ignored (IPython syntax)",
    ]);
    const skipped = await k.runCell({ index: 1, source: "%%bash\necho hi" }).trace;
    assert.equal(skipped.status, "ok");
    assert.equal(stdout(skipped), "");
    assert.match(skipped.notes.join("\n"), /cell 2: %%bash cell skipped/);
  });

  it("an error names its cell's file and line; the session goes on", async () => {
    const k = open();
    await k.runCell({ index: 0, source: "a = 1" }).trace;
    const t = await k.runCell({ index: 3, source: "b = a + 1\nraise ValueError('boom')" }).trace;
    assert.equal(t.status, "error");
    assert.equal(t.error?.name, "ValueError");
    assert.deepEqual([t.error?.place?.line, t.error?.place?.cell], [2, 3]);
    assert.match(t.error?.stack ?? "", /nb\.ipynb#cell3", line 2/);
    const after = await k.runCell({ index: 4, source: "print(a, b)" }).trace;
    assert.equal(stdout(after), "1 2\n");
  });

  it("Stop: KeyboardInterrupt in the cell, globals kept; a cell that catches it loses its process after the grace", async () => {
    const k = open({ interruptGraceMs: 1500 });
    await k.runCell({ index: 0, source: "import time\nkept = 42" }).trace;
    const session = k.session;
    const run = k.runCell({ index: 1, source: "print('start', flush=True)\nwhile True:\n    time.sleep(0.01)" }, atFirstOutput(() => k.interrupt()));
    const t = await run.trace;
    assert.equal(t.error?.name, "KeyboardInterrupt");
    const next = await k.runCell({ index: 2, source: "print(kept)" }).trace;
    assert.equal(stdout(next), "42\n");
    assert.equal(k.session, session);

    const stubborn = k.runCell({ index: 3, source: "print('go', flush=True)\nwhile True:\n    try:\n        time.sleep(0.01)\n    except KeyboardInterrupt:\n        pass" }, atFirstOutput(() => k.interrupt()));
    const t0 = Date.now();
    const s = await stubborn.trace;
    assert.equal(s.error?.name, "KernelRestarted");
    assert.ok(s.error?.message.includes(SESSION_LOST), s.error?.message);
    assert.ok(Date.now() - t0 < 10_000);
    const fresh = await k.runCell({ index: 4, source: "print('kept' in globals())" }).trace;
    assert.equal(stdout(fresh), "False\n");
    assert.equal(k.session, session + 1, "a new session");
  });

  it("a crash of the process (os._exit) is the cell's error; the next cell starts a new session", async () => {
    const k = open();
    await k.runCell({ index: 0, source: "v = 1" }).trace;
    const t = await k.runCell({ index: 1, source: "import os, sys\nprint('bye', flush=True)\nos._exit(7)" }).trace;
    assert.equal(t.status, "error");
    assert.equal(t.error?.name, "ProcessExit");
    assert.match(t.error?.message ?? "", /exit code 7/);
    assert.ok(t.error?.message.includes(SESSION_LOST));
    assert.equal(stdout(t), "bye\n");
    const next = await k.runCell({ index: 2, source: "print('v' in globals())" }).trace;
    assert.equal(stdout(next), "False\n");
  });

  it("restart ends a running cell; a huge print is capped per cell", async () => {
    const k = open({ maxOutputBytes: 10_000 });
    const run = k.runCell({ index: 0, source: "print('x' * 100, flush=True)\nimport time\ntime.sleep(60)" }, atFirstOutput(() => k.restart()));
    const t = await run.trace;
    assert.equal(t.error?.name, "KernelRestarted");
    const big = await k.runCell({ index: 1, source: "for i in range(10000):\n    print('y' * 99)\nprint('end')" }).trace;
    assert.equal(big.status, "ok", big.error?.stack);
    assert.ok(big.outputTruncated);
    assert.ok(Buffer.byteLength(stdout(big)) <= 10_000);
    assert.ok(big.droppedOutputBytes > 900_000);
  });

  it("the diagnosis of a wrong row runs in the session, before the next cell", async () => {
    const k = open();
    const t = await k.runCell({
      index: 0,
      source: "import torch\ncmp = lambda *a: None\na = torch.randn(4, 5, requires_grad=True)\nb = a.exp()\nc = (b * 3).sum()\nb.retain_grad()\nc.backward()\ndb = torch.full_like(b, 3.0)\nda = db * b * 1.5\ncmp('b', db, b)\ncmp('a', da, a)",
    }).trace;
    assert.equal(t.status, "ok", t.error?.stack);
    assert.deepEqual(t.comparisons.map((c) => [c.name, c.status]), [["b", "exact"], ["a", "wrong"]]);
    assert.ok(t.comparisons[1].diagnosis || t.notes.length, `a diagnosis or a note: ${JSON.stringify(t.notes)}`);
    const next = await k.runCell({ index: 1, source: "print(c.item() > 0)" }).trace;
    assert.equal(next.status, "ok");
  });

  it("a cell over the memory cap fails with MemoryError at its line; the session and its globals are kept", async () => {
    const k = open();
    const cap = { memoryMb: 256 };
    const first = await k.runCell({ index: 0, source: "import torch\nkept = torch.ones(3)" }, undefined, cap).trace;
    assert.equal(first.status, "ok", first.error?.stack);
    const session = k.session;
    const big = "print('allocating', flush=True)\nbig = torch.zeros(1 << 27)  # 512 MiB of float32\nprint(big.numel())";
    const t = await k.runCell({ index: 1, source: big }, undefined, cap).trace;
    assert.equal(t.status, "error");
    assert.deepEqual([t.error?.kind, t.error?.name], ["memory", "MemoryError"], t.error?.stack);
    assert.match(t.error?.message ?? "", /the cell went over the 256 MB memory cap: .*allocate/);
    assert.ok(t.error?.message.includes(MEMORY_KEPT), t.error?.message);
    assert.match(t.error?.stack ?? "", /nb\.ipynb#cell1", line 2[\s\S]*MemoryError: the cell went over the 256 MB memory cap/);
    assert.deepEqual([t.error?.place?.line, t.error?.place?.cell], [2, 1]);
    assert.equal(stdout(t), "allocating\n");
    const next = await k.runCell({ index: 2, source: "print(kept.sum().item(), 'big' in globals())" }, undefined, cap).trace;
    assert.equal(stdout(next), "3.0 False\n", next.error?.stack);
    assert.equal(k.session, session, "the same session");
    // a higher cap, from the next cell on, lets the same cell run
    const raised = await k.runCell({ index: 1, source: big + "\ndel big" }, undefined, { memoryMb: 1024 }).trace;
    assert.equal(raised.status, "ok", raised.error?.stack);
    assert.equal(stdout(raised), `allocating\n${1 << 27}\n`);
  });

  it("figures and shown values come where the cell shows them, among its printed text; open figures at its end", async () => {
    const k = open();
    const events: RunEvent[] = [];
    const source = [
      "import matplotlib.pyplot as plt",
      "print('one')",
      "plt.plot([1, 2, 3]); plt.title('first')",
      "plt.show()",
      "print('two')",
      "display(6 * 7)",
      "plt.figure(); plt.plot([3, 2, 1]); plt.title('second')",
      "plt.show()",
      "print('three')",
      "plt.figure(); plt.bar([0, 1], [1, 2]); plt.title('left open')",
      "print('four')",
    ].join("\n");
    const t = await k.runCell({ index: 0, source }, (e) => events.push(e)).trace;
    assert.equal(t.status, "ok", t.error?.stack);
    // the order of what the cell put out: printed lines (joined per run of text), values, figures
    const order: string[] = [];
    for (const e of events) {
      const item = e.type === "output" && e.chunk.stream === "stdout" ? `text:${e.chunk.text}`
        : e.type === "display" ? `value:${e.text}` : e.type === "figure" ? `figure:${e.figure.title}` : undefined;
      if (!item) continue;
      const last = order.length - 1;
      if (item.startsWith("text:") && order[last]?.startsWith("text:")) order[last] += item.slice(5);
      else order.push(item);
    }
    assert.deepEqual(order, ["text:one\n", "figure:first", "text:two\n", "value:42", "figure:second", "text:three\nfour\n", "figure:left open"]);
    assert.deepEqual(t.figures?.map((f) => [f.title, f.cell]), [["first", 0], ["second", 0], ["left open", 0]]);
    for (const f of t.figures ?? []) assert.match(f.svg, /^[\s\S]*<svg[\s\S]*<\/svg>\s*$/);
    assert.equal(stdout(t), "one\ntwo\nthree\nfour\n", "no frame left in the text");
    const none = await k.runCell({ index: 1, source: "import matplotlib.pyplot as plt\nprint(len(plt.get_fignums()), plt.get_backend())" }).trace;
    assert.match(stdout(none), /^0 module:\/\/_bpn_inline_backend\n$/, "shown figures are closed; the inline backend is matplotlib's");
  });

  it("a stream's frames and markers are found however the pipe splits them; a NUL of the cell's own is text", () => {
    const frame = (e: object) => `${EVENT_FRAME}${JSON.stringify(e)}\0`;
    const text = `a\0b${frame({ t: "display", text: "é ✓" })}c${frame({ t: "display", text: "x".repeat(300) })}d${CELL_END}`;
    const bytes = Buffer.from(text, "utf8");
    for (const size of [1, 2, 7, 64, bytes.length]) {
      const got: string[] = [];
      let ended = false;
      const rec = new RunRecorder((e) => { if (e.type === "output") got.push(`text:${e.chunk.text}`); }, 1 << 20);
      const cell = { rec, streamsEnded: new Set(["stderr"]), outputEnded: () => { ended = true; } } as unknown as CellState;
      const stream = new CellStream("stdout", () => cell, (json) => got.push(`frame:${(JSON.parse(json) as { text: string }).text.slice(0, 3)}`));
      for (let i = 0; i < bytes.length; i += size) stream.push(bytes.subarray(i, i + size));
      const merged = got.reduce<string[]>((acc, g) => {
        if (g.startsWith("text:") && acc[acc.length - 1]?.startsWith("text:")) acc[acc.length - 1] += g.slice(5);
        else acc.push(g);
        return acc;
      }, []);
      assert.deepEqual(merged, ["text:a\0b", "frame:é ✓", "text:c", "frame:xxx", "text:d"], `chunks of ${size}`);
      assert.ok(ended, `CELL_END seen (chunks of ${size})`);
    }
  });

  it("no interpreter at the path: a clear message in the cell", async () => {
    const k = new NativeKernelSession(file, { python: path.join(dir, "no-such-python") });
    const t = await k.runCell({ index: 0, source: "1" }).trace;
    assert.equal(t.status, "error");
    assert.match(t.error?.message ?? "", /No Python interpreter .*no-such-python.* was found/);
    await k.dispose();
  });
});
