// npm run bench: each workload in its own process, ours and PyTorch 1.13 (one thread) side by side on
// this machine, ratios printed and written to .bench/results.json. `--quick` for shorter runs.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outDir = path.join(root, ".bench");
const quick = process.argv.includes("--quick");
const only = process.argv.find((a) => a.startsWith("--only="))?.slice(7).split(",");
fs.mkdirSync(outDir, { recursive: true });

const names = process.env.BACKPROP_NINJA_NAMES ?? path.resolve(root, "../shared/data/names.txt");
if (!fs.existsSync(names)) {
  console.error(`names.txt not found at ${names}; set BACKPROP_NINJA_NAMES`);
  process.exit(2);
}
const env = { ...process.env, BACKPROP_NINJA_NAMES: names, OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };

await build({
  entryPoints: [path.join(root, "bench/workloads.ts")],
  bundle: true, platform: "node", target: "node20", outfile: path.join(outDir, "workloads.js"), logLevel: "warning",
  // loaded from node_modules at run time (native binary, dynamic requires, Pyodide's files)
  external: ["esbuild", "playwright-core", "pyodide"],
  // the panel's test harness finds the repository from import.meta.url, or from the cwd when bundled
  logOverride: { "empty-import-meta": "silent" },
});

function findTorch() {
  for (const py of ["/usr/bin/python3", "python3"]) {
    try {
      const v = execFileSync(py, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
      return { py, version: v };
    } catch { /* try the next one */ }
  }
  return null;
}
const torch = findTorch();
console.log(torch ? `PyTorch ${torch.version} (${torch.py}), one thread` : "PyTorch is not installed (apt-get install python3-torch): showing our numbers only");

// the *_threads workloads: PyTorch with its default threads
const { OMP_NUM_THREADS: _omp, MKL_NUM_THREADS: _mkl, ...allThreads } = env;
function run(cmd, args, runEnv = env) {
  const r = spawnSync(cmd, args, { cwd: root, env: runEnv, encoding: "utf8", maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop());
}

// [name, argument, title, alternated runs]: where a single figure swings most on a shared machine,
// ours and PyTorch run alternately several times and each metric is the median of its runs
const repeat = quick ? 1 : 3;
const workloads = [
  ["train_manual", quick ? 200 : 1000, "exercise 4 step, hand-written backward (steps/s)", repeat],
  ["train_autograd", quick ? 200 : 1000, "exercise 4 step, loss.backward() (steps/s)", repeat],
  ["matmul", 0, "matmul GFLOP/s, one thread"],
  ["trace", quick ? 3 : 7, "exercise 1-3 script, run warm (ours: script → trace; PyTorch: the same script in Python), ms"],
  ["panel", quick ? 6 : 16, "save → panel updated outside VS Code, exercise 1-3 (warm runner worker → host adaptation → snapshot → the panel in headless Chromium shows the run; PyTorch has no counterpart), ms"],
  ["python_live", quick ? 6 : 20, "Python live mode, save → trace: examples/python/backprop_ninja.py in a warm runner worker, each save changing the dlogprobs line of the backward part (from the runner's request to the trace); full runs with and without live mode, and the time its snapshots take; PyTorch has no counterpart, ms"],
  ["vscode", quick ? 6 : 16, "save → panel updated in a real VS Code (code-server 4.139.1, headless Chromium): from the save event in the extension host to the panel's DOM showing that version, exercise 1-3; PyTorch has no counterpart, ms"],
  ["micrograd", quick ? 2 : 5, "scalar MLP demo (micrograd, 2-16-16-1 on 100 moons; PyTorch column: the same micrograd code in CPython), steps/s"],
  // 3,000 steps: over the first ~1,000 our side is still warming up (V8 compiling Pyodide's WebAssembly and the
  // engine's JS to optimized code; 1,000-step runs measure ~10% lower); the exercise runs 200,000
  ["train_python", quick ? 300 : 3000, "exercise 4 through Python: examples/python/train_ninja.py, 3,000 steps (ours: Pyodide + our torch; PyTorch: the same script in CPython), steps/s; py_add_us: a + b on [4] tensors from Python, µs", quick ? 1 : 5],
  ["train_python_threads", quick ? 300 : 3000, "exercise 4 through Python, the loop inside `with torch.no_grad():` (train_ninja.py; PyTorch with its default threads: torch_threads), steps/s", quick ? 1 : 3],
  ["mlp", quick ? 200 : 1000, "larger MLP, loss.backward(): 30-128-128-27, batch 48 (ours: bench/workloads.ts mlpStep; PyTorch: bench/mlp.py), steps/s", repeat],
  ["mlp_python", quick ? 200 : 1000, "larger MLP through Python: bench/mlp.py (ours: Pyodide + our torch; PyTorch: CPython), steps/s", repeat],
  ["lecture_notebook", quick ? 3 : 9, "micrograd lecture-like notebook end to end (test/fixtures/lectures/micrograd_moons.ipynb: its own micrograd, make_moons, 15 training steps, decision boundary; ours: Pyodide + our numpy/sklearn/matplotlib; PyTorch column: native CPython with Debian's numpy/sklearn/matplotlib, no torch): first run with loading, then warm runs, ms", quick ? 1 : 3],
  ["memory", quick ? 2000 : 20000, "memory over a training run"],
  ["native_overhead", quick ? 300 : 3000, "exercise 4's training (train_ninja.py) on /usr/bin/python3 + PyTorch, plain vs through the native backend's instrumented runtime (#22; goal: overhead_ratio ≤ 1.10), steps/s [median of 3 alternated pairs]"],
].filter(([name]) => !only || only.includes(name));

const cpus = (await import("node:os")).cpus();
console.log(`CPU: ${cpus[0]?.model ?? "unknown"}, ${cpus.length} cores (shared: figures swing)`);
const results = { machine: { cpu: cpus[0]?.model, cpus: cpus.length, node: process.version }, torch: torch?.version ?? null, workloads: {} };
/** Each metric's median over the runs. */
function medians(runs) {
  const out = {};
  for (const metric of Object.keys(runs[0] ?? {})) {
    const v = runs.map((r) => r[metric]).sort((a, b) => a - b);
    out[metric] = v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }
  return out;
}

for (const [name, arg, title, runs = 1] of workloads) {
  const oursRuns = [], theirRuns = [];
  for (let i = 0; i < runs; i++) {
    oursRuns.push(run(process.execPath, ["--expose-gc", path.join(outDir, "workloads.js"), name, String(arg)]));
    if (torch && !["panel", "vscode", "python_live", "native_overhead"].includes(name)) theirRuns.push(run(torch.py, [path.join(root, "bench/torch_workloads.py"), name, String(arg)], name.endsWith("_threads") ? allThreads : env));
  }
  const ours = medians(oursRuns), theirs = medians(theirRuns);
  results.workloads[name] = { ours, torch: theirs, ...(runs > 1 ? { runs: { ours: oursRuns, torch: theirRuns } } : {}) };
  console.log(`\n${title}${runs > 1 ? ` [median of ${runs} alternated runs]` : ""}`);
  for (const [metric, value] of Object.entries(ours)) {
    const ref = theirs[metric];
    // ours/PyTorch; for times and memory smaller is better, so also say how many times faster
    const lowerIsBetter = /_(ms|us|mb)$/.test(metric);
    const better = metric.endsWith("_mb") ? "less" : "faster";
    const ratio = ref ? ` | ours/torch ${(value / ref).toFixed(2)}${lowerIsBetter ? ` (${(ref / value).toFixed(2)}× ${better})` : ""}` : "";
    console.log(`  ${metric.padEnd(24)} ours ${value.toFixed(2).padStart(10)}${ref !== undefined ? ` | torch ${ref.toFixed(2).padStart(10)}` : ""}${ratio}`);
  }
  // PyTorch-only figures (e.g. torch_threads: the threads its default chose on this machine)
  for (const [metric, value] of Object.entries(theirs)) {
    if (!(metric in ours)) console.log(`  ${metric.padEnd(24)} torch ${value.toFixed(2).padStart(9)}`);
  }
}
fs.writeFileSync(path.join(outDir, "results.json"), JSON.stringify(results, null, 2));
console.log(`\nwrote ${path.relative(root, path.join(outDir, "results.json"))}`);
