// The second Python backend (#22): scripts and notebooks run by Debian's python3 with real PyTorch,
// under src/python/native/bpn_native.py. The expected cmp table is what the same interpreter prints
// for the plain, uninstrumented script in this test — nothing here is a stored number.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RunEvent, Trace } from "../../src/protocol/trace";
import { probeInterpreter, runNative, type InterpreterInfo } from "../../src/runner/nativePython";
import { needShared } from "../support/sharedData";
import { interpreterOrSkip, PYTHON } from "./nativeInterpreter";

const repoRoot = path.resolve(__dirname, "../..");
const CMP_LINE = /^(\S+)\s+\| exact: (True|False)\s*\| approximate: (True|False)\s*\| maxdiff: (\S+)$/;

/** `name | exact: … | approximate: … | maxdiff: …` lines of a printed cmp table. */
function cmpTable(stdout: string): { name: string; exact: boolean; approximate: boolean; maxdiff: number }[] {
  return stdout.split("\n").map((l) => CMP_LINE.exec(l)).filter((m): m is RegExpExecArray => !!m)
    .map((m) => ({ name: m[1], exact: m[2] === "True", approximate: m[3] === "True", maxdiff: Number(m[4]) }));
}

const stdoutOf = (t: Trace): string => t.output.filter((o) => o.stream === "stdout").map((o) => o.text).join("");

describe("native Python backend (the user's own PyTorch)", function () {
  this.timeout(180_000);
  let info: InterpreterInfo;
  let dir: string;

  before(async function () {
    info = await interpreterOrSkip(this);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "bpn-native-"));
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  const script = (name: string, text: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  it("probes the interpreter once: torch version and device", async () => {
    assert.match(info.torch, /^\d+\.\d+/);
    assert.ok(info.device === "cpu" || info.device === "cuda");
    assert.equal(await probeInterpreter(PYTHON), info, "the second probe is the cached answer");
  });

  it("the exercise: cmp rows are PyTorch's own table, tensors named", async function () {
    const names = needShared(this, "names.txt");
    const file = path.join(dir, "backprop_ninja.py");
    fs.copyFileSync(path.join(repoRoot, "examples/python/backprop_ninja.py"), file);
    fs.copyFileSync(names, path.join(dir, "names.txt"));
    const plain = spawnSync(PYTHON, [file], { cwd: dir, encoding: "utf8", maxBuffer: 1 << 26 });
    assert.equal(plain.status, 0, plain.stderr);
    const expected = cmpTable(plain.stdout);
    assert.ok(expected.length >= 26, "the plain run printed its cmp table");

    const events: { at: number; e: RunEvent }[] = [];
    const trace = await runNative(file, { python: PYTHON, onEvent: (e) => events.push({ at: Date.now(), e }) }).trace;
    assert.equal(trace.status, "ok", trace.error?.stack);
    assert.equal(trace.language, "python");
    assert.match(trace.engine ?? "", new RegExp(`PyTorch ${info.torch.replace(/[.+]/g, "\\$&")}`));
    assert.deepEqual(trace.comparisons.map((c) => ({ name: c.name, exact: c.exact, approximate: c.approximate, maxdiff: c.maxdiff })), expected);
    assert.deepEqual(cmpTable(stdoutOf(trace)), expected, "the learner's own cmp printed the same table");
    const exact = expected.slice(0, 26).filter((r) => r.exact).length;
    console.log(`      exercise 1 on PyTorch ${info.torch}: ${exact}/26 exact (the built-in engine: 26/26)`);
    assert.equal(trace.comparisons.slice(0, 26).filter((c) => c.status === "exact").length, exact);

    const row = trace.comparisons.find((c) => c.name === "logits")!;
    assert.equal(row.manualName, "dlogits");
    assert.equal(row.tensorName, "logits");
    assert.deepEqual([row.manual?.rows, row.manual?.cols, row.grad?.rows, row.diff?.cols], [32, 27, 32, 27]);
    const logits = trace.tensors.find((t) => t.name === "logits")!;
    assert.deepEqual([logits.shape, logits.dtype, logits.pair, logits.gradFn], [[32, 27], "float32", "dlogits", "AddBackward0"]);
    assert.ok(logits.grad && logits.grad.stats.numel === 32 * 27, "a retained grad is summarized");
    const C = trace.tensors.find((t) => t.name === "C")!;
    assert.equal(C.value.sample.values.length, C.value.sample.rows * C.value.sample.cols);

    assert.equal(events.filter((x) => x.e.type === "comparison").length, expected.length);

    // the graph of loss.backward(), with the script's names on its nodes and each row on its node
    const g = trace.graph!;
    assert.equal(g.source, "backward");
    const byId = new Map(g.nodes.map((n) => [n.id, n]));
    assert.equal(byId.get(g.root!)?.op, "NegBackward0");
    for (const c of trace.comparisons) assert.equal(byId.get(c.nodeId!)?.name, c.name, `${c.name}'s node`);
    assert.deepEqual([byId.get(logits.nodeId!)?.op, byId.get(logits.nodeId!)?.shape, byId.get(logits.nodeId!)?.tensorId], ["AddBackward0", [32, 27], logits.id]);
    assert.ok(byId.get(C.nodeId!)?.leaf, "a parameter is a leaf node");
    for (const e of g.edges) assert.ok(byId.has(e.from) && byId.has(e.to), `edge ${e.from} → ${e.to}`);
  });

  it("the graph of the last backward: names, shapes, and autograd's gradient of named tensors PyTorch did not keep", async () => {
    // h keeps no .grad in PyTorch (no retain_grad); the trace gets it from a replay of the retained graph.
    // The expected numbers are what the same interpreter prints with h.retain_grad() in a plain run.
    const body = ["import torch", "torch.manual_seed(1)", "x = torch.randn(5, 4)", "W = torch.randn(4, 3, requires_grad=True)",
      "b = torch.randn(3, requires_grad=True)", "h = (x @ W + b).tanh()", "loss = (h ** 2).mean()"];
    const file = script("graph.py", [...body, "loss.backward()", ""].join("\n"));
    const plain = spawnSync(PYTHON, ["-c", [...body, "h.retain_grad()", "loss.backward()", "import json",
      "g = h.grad.double()", "print(json.dumps([g.min().item(), g.max().item(), g.mean().item(), g.numel()]))"].join("\n")], { encoding: "utf8" });
    assert.equal(plain.status, 0, plain.stderr);
    const [min, max, mean, numel] = JSON.parse(plain.stdout);
    const trace = await runNative(file, { python: PYTHON }).trace;
    assert.equal(trace.status, "ok", trace.error?.stack);
    const h = trace.tensors.find((t) => t.name === "h")!;
    assert.deepEqual([h.grad?.stats.min, h.grad?.stats.max, h.grad?.stats.mean, h.grad?.stats.numel], [min, max, mean, numel]);
    assert.deepEqual([h.grad?.sample.rows, h.grad?.sample.cols], [5, 3]);
    const g = trace.graph!;
    const byId = new Map(g.nodes.map((n) => [n.id, n]));
    assert.deepEqual(["loss", "h", "W", "b"].map((n) => byId.get(trace.tensors.find((t) => t.name === n)!.nodeId!)?.name), ["loss", "h", "W", "b"]);
    assert.equal(g.root, trace.tensors.find((t) => t.name === "loss")!.nodeId);
    // the broadcast add: b's path goes through AddBackward0 whose output is [5, 3]
    const add = g.nodes.find((n) => n.op === "AddBackward0")!;
    assert.deepEqual(add.shape, [5, 3]);
    assert.ok(g.edges.some((e) => e.from === trace.tensors.find((t) => t.name === "b")!.nodeId && e.to === add.id));
  });

  it("streams printed output while the script runs", async () => {
    // the script itself waits 1.5 s after its first line, so the gap does not depend on the machine
    const file = script("stream.py", "import time\nprint('first', flush=True)\ntime.sleep(1.5)\nprint('second')\n");
    const seen: { at: number; text: string }[] = [];
    const trace = await runNative(file, { python: PYTHON, onEvent: (e) => e.type === "output" && seen.push({ at: Date.now(), text: e.chunk.text }) }).trace;
    const ended = Date.now();
    assert.equal(trace.status, "ok", trace.error?.stack);
    const first = seen.find((x) => x.text.includes("first"));
    assert.ok(first && ended - first.at >= 1000, `'first' arrived ${first ? ended - first.at : "never"} ms before the end`);
    assert.match(seen.map((x) => x.text).join(""), /first\nsecond\n/);
  });

  it("reports an error with the traceback at the user's line", async () => {
    const file = script("broken.py", [
      "import torch",
      "def f(a):",
      "    return a @ torch.zeros(3, 2)",
      "print('before')",
      "y = f(torch.zeros(2, 4))",
      "",
    ].join("\n"));
    const trace = await runNative(file, { python: PYTHON }).trace;
    assert.equal(trace.status, "error");
    assert.equal(trace.error?.name, "RuntimeError");
    assert.equal(trace.error?.place?.line, 3);
    assert.match(trace.error?.stack ?? "", /line 5, in <module>[\s\S]*line 3, in f/);
    assert.doesNotMatch(trace.error?.stack ?? "", /bpn_native/);
    assert.equal(stdoutOf(trace), "before\n");
  });

  it("Stop interrupts the process; the time limit ends a script that never ends", async () => {
    const file = script("forever.py", "import time\nprint('started', flush=True)\nwhile True:\n    time.sleep(0.01)\n");
    let handle: ReturnType<typeof runNative> | undefined = undefined;
    const started = new Promise<void>((res) => {
      handle = runNative(file, { python: PYTHON, onEvent: (e) => { if (e.type === "output" && /started/.test(e.chunk.text)) res(); } });
    });
    await started;
    handle!.cancel("stopped by the test");
    const stopped = await handle!.trace; // resolves on the child's "close": the process has exited
    assert.equal(stopped.status, "cancelled");
    // a place means Python raised KeyboardInterrupt there: SIGINT was enough (SIGTERM leaves none)
    // (in the loop: at the sleep, or between two of them on the `while`)
    assert.ok([3, 4].includes(stopped.error?.place?.line ?? 0), `KeyboardInterrupt found the script at line ${stopped.error?.place?.line}`);

    const limited = await runNative(file, { python: PYTHON, timeoutMs: 1500 }).trace;
    assert.equal(limited.status, "error");
    assert.equal(limited.error?.kind, "timeout");
  });

  it("a notebook: code cells in order, rows and errors mapped to cells, the last expression shown", async () => {
    const cell = (cell_type: string, source: string) => ({ cell_type, source, metadata: {}, ...(cell_type === "code" ? { outputs: [], execution_count: null } : {}) });
    const nb = {
      nbformat: 4, nbformat_minor: 5, metadata: {},
      cells: [
        cell("code", "%matplotlib inline\nimport torch\ntorch.manual_seed(0)\nx = torch.randn(4, 3, requires_grad=True)"),
        cell("markdown", "# the check"),
        cell("code", "def cmp(s, dt, t):\n    ex = torch.all(dt == t.grad).item()\n    print(s, ex)\n\nloss = (x * x).sum()\nloss.backward()\ndx = 2 * x\ncmp('x', dx, x)\ndx.shape"),
        cell("code", "undefined_name + 1"),
      ],
    };
    const file = script("check.ipynb", JSON.stringify(nb));
    const displays: RunEvent[] = [];
    const trace = await runNative(file, { python: PYTHON, onEvent: (e) => e.type === "display" && displays.push(e) }).trace;
    assert.equal(trace.language, "notebook");
    assert.equal(trace.comparisons.length, 1);
    const [row] = trace.comparisons;
    assert.deepEqual([row.name, row.cell, row.line, row.manualName, row.tensorName], ["x", 2, 8, "dx", "x"]);
    // the same three numbers as torch computes them here, printed by the learner's cmp
    assert.match(stdoutOf(trace), new RegExp(`^x ${row.exact ? "True" : "False"}$`, "m"));
    assert.deepEqual(displays, [{ type: "display", cell: 2, text: "torch.Size([4, 3])" }]);
    assert.equal(trace.tensors.find((t) => t.name === "x")?.cell, 0);
    assert.equal(trace.status, "error");
    assert.deepEqual([trace.error?.name, trace.error?.place?.cell, trace.error?.place?.line], ["NameError", 3, 1]);
  });

  it("finite differences: probes in the same process, from the random state the run started in", async () => {
    // x comes from torch's unseeded global generator: a probe that did not start from the run's
    // random state would see another x, and its differences would not match autograd's gradient
    const file = script("fd.py", [
      "import torch",
      "x = torch.randn(6, 4)",
      "W = torch.randn(4, 3, requires_grad=True)",
      "h = (x @ W).tanh()",
      "loss = (h ** 2).mean()",
      "loss.backward()",
      "def cmp(s, dt, t):",
      "    print(s, torch.allclose(dt, t.grad))",
      "dW = -(x.T @ ((2 * h / h.numel()) * (1 - h ** 2)))  # the sign is wrong",
      "cmp('W', dW, W)",
      "",
    ].join("\n"));
    const trace = await runNative(file, { python: PYTHON, finiteDifference: { name: "W", samples: 4 } }).trace;
    assert.equal(trace.status, "ok", trace.error?.stack);
    const fd = trace.finiteDifference!;
    assert.equal(fd.error, undefined);
    assert.equal(fd.samples?.length, 4);
    assert.equal(fd.agrees, true, `autograd vs central differences: ${JSON.stringify(fd.samples)}`);
    assert.equal(fd.manualName, "dW");
    assert.deepEqual(fd.samples!.map((x) => x.manualAgrees), [false, false, false, false], "the flipped sign is caught");
    for (const x of fd.samples!) assert.ok(Math.sign(x.manual!) === -Math.sign(x.numeric) || x.numeric === 0);
    assert.match(stdoutOf(trace), /^W False$/m, "the probes printed nothing");
    assert.equal(stdoutOf(trace).split("\n").filter(Boolean).length, 1);

    const missing = await runNative(file, { python: PYTHON, finiteDifference: { name: "nothing" } }).trace;
    assert.match(missing.finiteDifference?.error ?? "", /no tensor is bound to 'nothing'/);
  });

  it("a wrong row when the graph cannot be replayed (a saved tensor changed in place): its kind, and a note", async () => {
    const file = script("inplace.py", [
      "import torch",
      "torch.manual_seed(0)",
      "x = torch.randn(4, 3)",
      "W = torch.randn(3, 2, requires_grad=True)",
      "y = (x @ W).tanh()",
      "loss = (y ** 2).sum()",
      "loss.backward()",
      "def cmp(s, dt, t):",
      "    print(s, torch.allclose(dt, t.grad))",
      "dW = -(x.T @ (2 * y * (1 - y ** 2)))",
      "x += 1  # x is saved for W's gradient: PyTorch refuses to run this graph's backward again",
      "cmp('W', dW, W)",
      "",
    ].join("\n"));
    const trace = await runNative(file, { python: PYTHON }).trace;
    assert.equal(trace.status, "ok", trace.error?.stack);
    const [row] = trace.comparisons;
    assert.equal(row.status, "wrong");
    assert.equal(row.diagnosis?.kind, "sign-flipped", row.diagnosis?.sentence);
    assert.ok(trace.graph?.nodes.some((n) => n.name === "W"), "the graph is drawn all the same");
    assert.match(trace.notes.join("\n"), /could not replay the backward graph: RuntimeError: .*modified by an inplace operation/);
  });

  it("stats of a large tensor (no float64 copy): as numpy's float64 ones to display precision; NaN/Inf counted", async () => {
    // 3M elements: over EXACT_STATS_NUMEL; the expected numbers from the same interpreter's numpy in float64
    const body = "import torch\ntorch.manual_seed(0)\nbig = torch.randn(3000, 1000) * 2 + 1\nbad = big.clone()\nbad[0, :3] = float('nan')\nbad[1, 0] = float('inf')\n";
    const file = script("big.py", body);
    const plain = spawnSync(PYTHON, ["-c", body + "import json\nx = big.numpy().astype('float64')\nf = bad.numpy().astype('float64')\nf = f[~(f != f) & (abs(f) != float('inf'))]\n"
      + "print(json.dumps([x.min(), x.max(), x.mean(), x.std(), f.mean(), f.std()]))"], { encoding: "utf8" });
    assert.equal(plain.status, 0, plain.stderr);
    const [min, max, mean, std, badMean, badStd] = JSON.parse(plain.stdout) as number[];
    const trace = await runNative(file, { python: PYTHON }).trace;
    assert.equal(trace.status, "ok", trace.error?.stack);
    const big = trace.tensors.find((t) => t.name === "big")!.value.stats;
    const bad = trace.tensors.find((t) => t.name === "bad")!.value.stats;
    const near = (a: number | null, b: number) => assert.ok(a !== null && Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)), `${a} vs ${b}`);
    assert.deepEqual([big.min, big.max, big.numel, big.nanCount, big.infCount], [Math.fround(min), Math.fround(max), 3_000_000, 0, 0]);
    near(big.mean, mean);
    near(big.std, std);
    assert.deepEqual([bad.nanCount, bad.infCount], [3, 1]);
    near(bad.mean, badMean);
    near(bad.std, badStd);
  });

  /** An executable script standing in for an interpreter: /usr/bin/python3 with `pre` before it. */
  const wrapper = (name: string, pre: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `#!/bin/sh\n${pre}\nexec ${PYTHON} "$@"\n`, { mode: 0o755 });
    return file;
  };

  it("an interpreter without torch, and one with a torch too old: each its own message, nothing run", async () => {
    const file = script("plain.py", "print('ran')\n");
    // -S: no site-packages, so no Debian torch
    const noTorch = path.join(dir, "python-no-torch");
    fs.writeFileSync(noTorch, `#!/bin/sh\nexec ${PYTHON} -S "$@"\n`, { mode: 0o755 });
    const a = await runNative(file, { python: noTorch }).trace;
    assert.equal(a.status, "error");
    assert.match(a.error?.message ?? "", /has no PyTorch \(import torch failed\)\. Install it there/);
    assert.equal(a.output.length, 0);
    // a torch module that says it is 1.4.0, first on the path
    const fake = path.join(dir, "oldtorch", "torch");
    fs.mkdirSync(fake, { recursive: true });
    fs.writeFileSync(path.join(fake, "__init__.py"), "__version__ = '1.4.0'\nclass cuda:\n    is_available = staticmethod(lambda: False)\n");
    const old = wrapper("python-old-torch", `export PYTHONPATH=${path.dirname(fake)}`);
    const b = await runNative(file, { python: old }).trace;
    assert.equal(b.status, "error");
    assert.match(b.error?.message ?? "", /has PyTorch 1\.4\.0; Backprop Ninja needs PyTorch 1\.10 or newer/);
  });

  it("a crash of the process (os._exit, a segfault) and a huge print: the run ends with what it had, clearly", async () => {
    const exit = await runNative(script("exit.py", "print('before', flush=True)\nimport os\nos._exit(3)\n"), { python: PYTHON }).trace;
    assert.equal(exit.error?.name, "ProcessExit");
    assert.match(exit.error?.message ?? "", /ended before the run finished \(exit code 3\)/);
    assert.equal(stdoutOf(exit), "before\n");
    const segv = await runNative(script("segv.py", "import ctypes\nctypes.string_at(0)\n"), { python: PYTHON }).trace;
    assert.equal(segv.error?.name, "ProcessExit");
    assert.match(segv.error?.message ?? "", /signal SIGSEGV/);
    const huge = await runNative(script("huge.py", "for i in range(200000):\n    print('z' * 99)\nprint('done')\n"), { python: PYTHON, maxOutputBytes: 1 << 20 }).trace;
    assert.equal(huge.status, "ok");
    assert.ok(huge.outputTruncated);
    assert.equal(huge.droppedOutputBytes + Buffer.byteLength(huge.output.map((o) => o.text).join("")), 200000 * 100 + 5);
    assert.ok(Buffer.byteLength(stdoutOf(huge)) <= 1 << 20);
  });

  it("a second backward() through a graph the runtime kept raises as PyTorch does; retain_graph=True still works", async () => {
    const text = "import torch\nx = torch.randn(3, requires_grad=True)\ny = (x.exp() * 2).sum()\ny.backward()\ntry:\n    y.backward()\n    print('no error')\n"
      + "except RuntimeError as e:\n    print('RuntimeError:', e)\nz = (x.exp() * 2).sum()\nz.backward(retain_graph=True)\nz.backward()\nprint('retained twice ok')\n";
    const file = script("twice.py", text);
    const plain = spawnSync(PYTHON, [file], { encoding: "utf8" });
    assert.equal(plain.status, 0, plain.stderr);
    assert.match(plain.stdout, /^RuntimeError: Trying to backward through the graph a second time/);
    const trace = await runNative(file, { python: PYTHON }).trace;
    assert.equal(trace.status, "ok", trace.error?.stack);
    assert.equal(stdoutOf(trace), plain.stdout);
  });

  it("a later backward() from a non-root tensor of a kept graph raises where PyTorch's freed graph does, and only there", async () => {
    // the first three backward() calls keep their graph for us: both cases below are among them
    const text = [
      "import torch",
      "torch.manual_seed(0)",
      "x = torch.randn(3, requires_grad=True)",
      "a = x + 1",
      "s = a.sum()",
      "s.backward()",
      "s.backward()  # nothing saved on its way (sum, add): PyTorch runs it again",
      "print('twice through sums:', x.grad.tolist())",
      "h = x.exp()",
      "y = (h * 2).sum()",
      "y.backward()",
      "try:",
      "    (h * 3).sum().backward()  # from h, a non-root tensor: its ExpBackward's saved result was freed",
      "    print('no error')",
      "except RuntimeError as e:",
      "    print('RuntimeError:', e)",
      "print('grad after:', x.grad.tolist())",
    ].join("\n") + "\n";
    const file = script("twice_nonroot.py", text);
    const plain = spawnSync(PYTHON, [file], { encoding: "utf8" });
    assert.equal(plain.status, 0, plain.stderr);
    assert.match(plain.stdout, /^RuntimeError: Trying to backward through the graph a second time/m);
    assert.doesNotMatch(plain.stdout, /no error/);
    const trace = await runNative(file, { python: PYTHON }).trace;
    assert.equal(trace.status, "ok", trace.error?.stack);
    assert.equal(stdoutOf(trace), plain.stdout);
  });

  it("the memory cap: an allocation past it is the script's MemoryError at its line, with the cap", async () => {
    const file = script("big.py", "import numpy as np\nprint('before', flush=True)\na = np.ones(1 << 26)  # 512 MiB of float64\nprint('after')\n");
    const trace = await runNative(file, { python: PYTHON, memoryMb: 256 }).trace;
    assert.equal(trace.status, "error");
    assert.deepEqual([trace.error?.kind, trace.error?.name], ["memory", "MemoryError"], trace.error?.stack);
    assert.match(trace.error?.message ?? "", /^the script went over the 256 MB memory cap: Unable to allocate/);
    assert.equal(trace.error?.place?.line, 3);
    assert.equal(stdoutOf(trace), "before\n");
  });

  it("no interpreter: a clear message, no crash", async () => {
    const file = script("any.py", "print(1)\n");
    const trace = await runNative(file, { python: path.join(dir, "no-such-python") }).trace;
    assert.equal(trace.status, "error");
    assert.match(trace.error?.message ?? "", /No Python interpreter .*no-such-python.* was found/);
  });
});
