// Finite differences of Python scripts and notebooks (issue 16): the probe re-runs the code with one
// element of the checked tensor nudged in float64 and reads the loss at the first backward(). The
// numeric derivatives are checked against gradients worked out here by hand, and against the
// TypeScript path on the same exercise.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pythonShiftedLoss } from "../../src/python";
import { decodeNumber, type FiniteDifferenceReport, type Trace } from "../../src/protocol/trace";
import { executeScript } from "../../src/runner/execute";
import { resetEngine } from "../../src/runner/sandbox";
import { finiteDifferenceCheck, nudged, typescriptShiftedLoss, withinTolerance } from "../../src/runner/finiteDifference";
import { runPythonTrace } from "../../src/runner/python";
import { Runner } from "../../src/runner/runner";
import type { WorkerRequest } from "../../src/runner/worker";
import { needShared } from "../support/sharedData";

const repoRoot = path.resolve(__dirname, "../..");

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "bpn-fd-py-"));
}

/** The script's run in this thread (as the worker runs it), then the check of `name` on `count` elements. */
async function checkPython(file: string, name: string, count: number, env: Record<string, string> = {}): Promise<{ trace: Trace; fd: FiniteDifferenceReport; fdMs: number }> {
  const req: WorkerRequest = { type: "run", file, lastPlace: new SharedArrayBuffer(8), env };
  const trace = await runPythonTrace(req, () => {});
  assert.equal(trace.status, "ok", trace.error?.stack);
  const t0 = performance.now();
  const fd = await finiteDifferenceCheck(trace, name, () => pythonShiftedLoss(file, name, nudged, { env }), count);
  return { trace, fd, fdMs: performance.now() - t0 };
}

/** Every element of a named tensor's value (the windows these tests use hold the whole tensor). */
function valuesOf(trace: Trace, name: string): { shape: number[]; at: (index: number[]) => number } {
  const t = trace.tensors.find((x) => x.name === name)!;
  const s = t.value.sample;
  assert.equal(s.rows * s.cols, t.shape.reduce((a, b) => a * b, 1), `${name}: the sample is the whole tensor`);
  const cols = t.shape.length ? t.shape[t.shape.length - 1] : 1;
  return { shape: t.shape, at: (index) => decodeNumber(s.values[index.length ? index[0] * cols + (index[1] ?? 0) : 0]) };
}

// x from a seeded generator; noise from the default generator and c from Python's random, neither
// seeded by the script: a probe agrees with its run only if it starts from the run's generator states.
// The backward sits in a try/except Exception, which must not stop the probe's own exit.
const SMALL = [
  "import random",
  "import torch",
  "g = torch.Generator().manual_seed(1)",
  "x = torch.randn((3, 4), generator=g, requires_grad=True)",
  "noise = torch.randn((3, 4))",
  "c = torch.tensor(random.random())",
  "try:",
  "    loss = (c * x * x + noise * x).sum() + DETACHED",
  "    print('loss', loss)",
  "    loss.backward()",
  "except Exception as e:",
  "    print('caught', e)",
  "print(x.grad)",
  "(0 * x).sum().backward()  # a probe ends at the first backward: this loss's derivative is 0",
].join("\n");

/**
 * dloss/dx = 2·c·x + noise (+ 3 through the detached term, which autograd does not see), and how
 * far off that may be: the trace keeps 7 significant digits of each value.
 */
function analytic(trace: Trace, index: number[], detached: boolean): { value: number; error: number } {
  const x = valuesOf(trace, "x").at(index), noise = valuesOf(trace, "noise").at(index), c = valuesOf(trace, "c").at([]);
  return { value: 2 * c * x + noise + (detached ? 3 : 0), error: 1e-6 * (Math.abs(2 * c * x) + Math.abs(noise)) };
}

function assertNumericIsAnalytic(trace: Trace, fd: FiniteDifferenceReport, detached: boolean): void {
  assert.equal(fd.error, undefined, fd.error);
  assert.equal(fd.samples!.length, 6);
  for (const s of fd.samples!) {
    // a central difference of a quadratic is exact up to float64 rounding
    const expected = analytic(trace, s.index, detached);
    assert.ok(Math.abs(s.numeric - expected.value) <= expected.error, `[${s.index}] numeric ${s.numeric} vs analytic ${expected.value}`);
  }
}

describe("finite differences of Python scripts and notebooks", function () {
  this.timeout(600_000);

  it("a script: the numeric derivatives are the analytic gradient, and autograd agrees", async () => {
    const file = path.join(tempDir(), "small.py");
    fs.writeFileSync(file, SMALL.replace("DETACHED", "0"));
    const { trace, fd } = await checkPython(file, "x", 6);
    assertNumericIsAnalytic(trace, fd, false);
    assert.equal(fd.agrees, true, JSON.stringify(fd.samples));
  });

  it("a loss that also depends on x through .detach(): the numbers include that path, so the check disagrees", async () => {
    const file = path.join(tempDir(), "detached.py");
    fs.writeFileSync(file, SMALL.replace("DETACHED", "(3 * x.detach()).sum()"));
    const { trace, fd } = await checkPython(file, "x", 6);
    assertNumericIsAnalytic(trace, fd, true);
    assert.equal(fd.agrees, false, JSON.stringify(fd.samples));
  });

  it("a notebook: the code cells run in order (magics and markdown skipped), one namespace", async () => {
    const lines = SMALL.replace("DETACHED", "0").split("\n");
    const cell = (type: string, src: string) => ({ cell_type: type, metadata: {}, source: src.split(/(?<=\n)/), ...(type === "code" ? { outputs: [], execution_count: null } : {}) });
    const file = path.join(tempDir(), "small.ipynb");
    fs.writeFileSync(file, JSON.stringify({
      nbformat: 4, nbformat_minor: 5, metadata: {},
      cells: [
        cell("markdown", "# finite differences"),
        cell("code", "%matplotlib inline\n" + lines.slice(0, 4).join("\n")),
        cell("code", lines.slice(4, 6).join("\n") + "\nc"),
        cell("markdown", "the loss"),
        cell("code", lines.slice(6).join("\n")),
      ],
    }));
    const { trace, fd } = await checkPython(file, "x", 6);
    assert.equal(trace.language, "notebook");
    assertNumericIsAnalytic(trace, fd, false);
    assert.equal(fd.agrees, true, JSON.stringify(fd.samples));
  });

  it("through the runner's worker: the Python check comes back on the trace; a name never bound says so", async () => {
    const runner = new Runner();
    try {
      const file = path.join(tempDir(), "small.py");
      fs.writeFileSync(file, SMALL.replace("DETACHED", "0"));
      const trace = await runner.run(file, { finiteDifference: { name: "x", samples: 4 }, timeoutMs: 0 }).trace;
      const fd = trace.finiteDifference!;
      assert.equal(fd.error, undefined, fd.error);
      assert.equal(fd.samples!.length, 4);
      for (const s of fd.samples!) assert.ok(withinTolerance(analytic(trace, s.index, false).value, s.numeric), `[${s.index}] ${s.numeric}`);
      assert.equal(fd.agrees, true);
      const missing = (await runner.run(file, { finiteDifference: { name: "nope" }, timeoutMs: 0 }).trace).finiteDifference!;
      assert.match(missing.error!, /no tensor is bound to 'nope'/);
    } finally {
      runner.dispose();
    }
  });

  it("the exercise: Python's numeric derivatives equal TypeScript's within the tolerance (timed)", async function () {
    const names = needShared(this, "names.txt");
    const env = { BACKPROP_NINJA_NAMES: names };
    const tsFile = path.join(repoRoot, "examples/backprop_ninja.ts");
    const pyFile = path.join(repoRoot, "examples/python/backprop_ninja.py");
    const saved = process.env.BACKPROP_NINJA_NAMES;
    process.env.BACKPROP_NINJA_NAMES = names;
    try {
      for (const name of ["W1", "hprebn"]) {
        const py = await checkPython(pyFile, name, 6, env);
        resetEngine();
        const tsTrace = executeScript({ file: tsFile });
        assert.equal(tsTrace.status, "ok", tsTrace.error?.message);
        const t0 = performance.now();
        const ts = await finiteDifferenceCheck(tsTrace, name, () => typescriptShiftedLoss(tsFile, name), 6);
        const tsMs = performance.now() - t0;
        assert.equal(py.fd.error, undefined, py.fd.error);
        assert.equal(ts.error, undefined, ts.error);
        assert.deepEqual(py.fd.samples!.map((s) => s.index), ts.samples!.map((s) => s.index));
        let worst = 0;
        py.fd.samples!.forEach((p, i) => {
          const t = ts.samples![i];
          assert.ok(withinTolerance(p.numeric, t.numeric), `${name}[${p.index}]: Python ${p.numeric}, TypeScript ${t.numeric}`);
          worst = Math.max(worst, Math.abs(p.numeric - t.numeric) / Math.abs(t.numeric));
        });
        assert.equal(py.fd.agrees, true, JSON.stringify(py.fd.samples));
        assert.equal(ts.agrees, true, JSON.stringify(ts.samples));
        console.log(`      ${name}: 6-sample check, Python ${(py.fdMs / 1000).toFixed(1)} s, TypeScript ${(tsMs / 1000).toFixed(1)} s; numeric derivatives differ by ≤ ${worst.toExponential(1)} relative`);
      }
    } finally {
      if (saved === undefined) delete process.env.BACKPROP_NINJA_NAMES;
      else process.env.BACKPROP_NINJA_NAMES = saved;
    }
  });
});
