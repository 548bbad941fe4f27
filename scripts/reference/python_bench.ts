// Python through Pyodide, measured: cold load, per-op overhead of the FFI bridge, and exercise 4
// (examples/python/train_ninja.py, hand-written backward) in steps/s next to real PyTorch 1.13 on
// the same script, one thread, alternating runs so both see the same machine load.
//   node_modules/.bin/tsx scripts/reference/python_bench.ts [steps=1000] [rounds=2]
// Needs /work/shared/data/names.txt (../shared/data from the repository) and /usr/bin/python3 with torch.
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { torch } from "../../src/engine/index";
import { loadPython, runPython } from "../../src/python/index";

const repo = path.resolve(__dirname, "../..");
const data = path.resolve(repo, "../shared/data");
const script = path.join(repo, "examples/python/train_ninja.py");
const steps = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 2);

const stepsPerSecond = (out: string): number => Number(/training: \d+ steps, ([\d.]+) steps\/s/.exec(out)?.[1] ?? NaN);

async function main(): Promise<void> {
  const t0 = performance.now();
  const { py } = await loadPython();
  console.log(`Pyodide cold load (with torch import): ${(performance.now() - t0).toFixed(0)} ms`);

  // per-op overhead: the same tiny op from Python and from JS, many times, after a warm-up
  const n = 20000;
  const a = torch.ones(4), b = torch.ones(4);
  const jsTime = () => { const t = performance.now(); for (let i = 0; i < n; i++) a.add(b); return (performance.now() - t) / n * 1e3; };
  jsTime();
  const js = jsTime();
  const pyUs = Number(py.runPython(`
import time, torch
a = torch.ones(4); b = torch.ones(4)
for _ in range(${n}): a + b
t = time.perf_counter()
for _ in range(${n}): a + b
(time.perf_counter() - t) / ${n} * 1e6`));
  console.log(`a + b on [4] tensors: ${pyUs.toFixed(1)} µs from Python, ${js.toFixed(1)} µs from JS → ${(pyUs - js).toFixed(1)} µs bridge overhead per op`);

  for (let r = 0; r < rounds; r++) {
    const ref = execFileSync("/usr/bin/python3", [script], {
      cwd: data, env: { ...process.env, BPN_MAX_STEPS: String(steps), OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" }, encoding: "utf8",
    });
    const ours = await runPython(script, { cwd: data, env: { BPN_MAX_STEPS: String(steps) } });
    const text = ours.output.map((o) => o.text).join("");
    if (ours.status !== "ok") throw new Error(ours.error?.traceback);
    const p = stepsPerSecond(ref), q = stepsPerSecond(text);
    console.log(`exercise 4, ${steps} steps, round ${r + 1}: PyTorch 1.13 ${p.toFixed(1)} steps/s, Pyodide + engine ${q.toFixed(1)} steps/s (ratio ${(q / p).toFixed(2)})`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
