// The planted-mistake suite (diagnosis.plants.ts) on Python: examples/python/backprop_ninja.py,
// which defines its own cmp as the notebook does, with one mistake written into its backward pass
// per run, as a script and as a notebook made of its sections. Each run goes through the runner's
// Python path (runPythonTrace), so the diagnosis is read from the trace's rows, as the CLI, the
// panel and --json get it. Every plant runs in both forms (all of them: none is sampled or skipped);
// Pyodide loads once for the file, and the timings are printed at the end.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadPython } from "../../src/python";
import { runPythonTrace } from "../../src/runner/python";
import type { Trace, TraceComparison } from "../../src/protocol/trace";
import { broadcastShapes } from "../../src/engine/shape";
import { assertPlantDiagnosed, CHAIN, HARMLESS, isWrong, KEEPDIM_ONLY, PLANTS, plantLabel, type OtherRows, type Plant } from "./diagnosis.plants";
import { notebookOf, plantedScript } from "./python.exercise";

const repoRoot = path.resolve(__dirname, "../..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bpn-pyplants-"));
/**
 * The script reads names.txt from its folder: here the dataset's first WORDS names. Building the
 * dataset is ~75% of a run with all 32k names (~0.5 of ~0.7 s); the diagnosis does not depend on
 * which names make up the batch.
 */
const WORDS = 4000;
const names = fs.readFileSync(path.resolve(repoRoot, "../shared/data/names.txt"), "utf8").split("\n").slice(0, WORDS);
fs.writeFileSync(path.join(dir, "names.txt"), names.join("\n") + "\n");

let runs = 0, runMs = 0;
async function run(file: string, source: string): Promise<Trace> {
  fs.writeFileSync(file, source);
  const t0 = performance.now();
  const trace = await runPythonTrace({
    type: "run", file, source, lastPlace: new SharedArrayBuffer(8),
  }, () => {});
  runs++;
  runMs += performance.now() - t0;
  return trace;
}

const ok = (c: TraceComparison) => c.status === "exact" || c.status === "approximate";

/** Shapes broadcast without error (the learner's cmp, `dt == t.grad`, raises otherwise, as in PyTorch). */
const broadcasts = (a: number[], b: number[]) => { try { broadcastShapes(a, b, "=="); return true; } catch { return false; } };

for (const form of ["script", "notebook"] as const) {
  describe(`diagnosis of planted mistakes in Python, own cmp (${form})`, function () {
    this.timeout(180_000);
    const file = path.join(dir, form === "script" ? "ninja.py" : "ninja.ipynb");
    const source = (plant: Plant | null) => { const s = plantedScript(plant, shapes); return form === "script" ? s : notebookOf(s); };
    /**
     * A plant whose shape a later in-place formula cannot take (dprobs [32, 1] reaching
     * `dcounts += …`) stops the script there, before any cmp, as in PyTorch; it is then also
     * planted only in its cmp call, where the diagnosis is checked.
     */
    const runPlant = async (plant: Plant): Promise<Trace> => {
      const trace = await run(file, source(plant));
      if (trace.comparisons.length || trace.status !== "error") return trace;
      assert.match(trace.error?.message ?? "", /output with shape \[.*\] doesn't match the broadcast shape/);
      stoppedEarly.push(plantLabel(plant));
      return run(file, source({ ...plant, isolated: true }));
    };
    const stoppedEarly: string[] = [];
    const shapes = new Map<string, number[]>();
    let clean: Trace;
    before(async function () {
      await loadPython();
      clean = await run(file, source(null));
      for (const c of clean.comparisons) if (!shapes.has(c.name)) shapes.set(c.name, c.gradShape!);
    });

    it("the correct solution: every row exact or approximate, no diagnosis", () => {
      assert.equal(clean.status, "ok", clean.error?.message);
      assert.deepEqual(clean.comparisons.map((c) => c.name), [...CHAIN, "logits", "hprebn"]);
      assert.deepEqual(clean.comparisons.filter((c) => !ok(c) || c.diagnosis).map((c) => `${c.name}: ${c.status}`), []);
    });

    let planted = 0, raised = 0;
    const others: OtherRows = { downstream: 0, unexplained: 0, deferred: 0 };
    for (const plant of PLANTS) {
      it(plantLabel(plant), async () => {
        const trace = await runPlant(plant);
        planted++;
        const rows = trace.comparisons;
        const row = rows.find((c) => c.name === plant.name);
        assert.ok(row && isWrong(row), `the planted mistake changed nothing at ${plant.name} (${row?.status})`);
        // the learner's cmp raises where PyTorch's would (shapes that do not broadcast); the row is
        // recorded all the same and the run ends with the script's own error, as Python shows it
        if (broadcasts(row.manualShape!, row.gradShape!)) assert.equal(trace.status, "ok", trace.error?.message);
        else {
          raised++;
          assert.equal(trace.status, "error");
          assert.equal(trace.error?.name, "RuntimeError");
          assert.match(trace.error!.message, /must match the size of tensor b/);
          assert.match(trace.error!.stack ?? "", /^Traceback \(most recent call last\):\n[\s\S]*in cmp\n/);
          assert.equal(rows[rows.length - 1], row, "the run stopped at the planted row");
        }
        if (plant.kind === "non-finite") {
          // the run's first Inf: the division planted, at the line that bound it (in its cell)
          const div = `d${plant.name} = d${plant.name} / _z`;
          assert.deepEqual([trace.nonFinite?.op, trace.nonFinite?.name], ["div", `d${plant.name}`]);
          if (form === "script") assert.equal(trace.nonFinite?.place?.line, plantedScript(plant, shapes).split("\n").indexOf(div) + 1);
          else assert.ok(trace.nonFinite?.place?.cell !== undefined, "a notebook's place has its cell");
          assert.match(row.diagnosis?.sentence ?? "", new RegExp(`first appeared in div \\(d${plant.name}\\) at line ${trace.nonFinite!.place!.line}\\.`));
        } else if (trace.status === "ok") assert.equal(trace.nonFinite, undefined, "no NaN/Inf");
        assertPlantDiagnosed(rows, row, plant, others);
      });
    }

    it("says nothing about the mistakes the exercise makes harmless; keepdim-only sums are judged on their values", async () => {
      for (const plant of [...HARMLESS, ...KEEPDIM_ONLY]) {
        const trace = await run(file, source(plant));
        assert.equal(trace.status, "ok", trace.error?.message);
        const row = trace.comparisons.find((c) => c.name === plant.name)!;
        assert.ok(ok(row), `${plantLabel(plant)}: ${row.status}`);
        if (KEEPDIM_ONLY.includes(plant)) {
          assert.notDeepEqual(row.manualShape, row.gradShape);
          assert.match(row.message ?? "", /equal after broadcasting/);
        }
        assert.deepEqual(trace.comparisons.filter((c) => c.diagnosis).map((c) => c.name), [], plantLabel(plant));
      }
    });

    after(() => {
      console.log(`    ${form}: ${planted} plants run; ${others.downstream} rows downstream of the plant, ${others.unexplained} unexplained, ${others.deferred} deferred; ` +
        `the learner's cmp raised in ${raised} runs; stopped before cmp by an in-place formula, so planted in cmp only: ${stoppedEarly.join(", ") || "none"}`);
    });
  });
}

after(() => {
  if (runs) console.log(`    Python runs: ${runs}, ${(runMs / runs).toFixed(0)} ms each on average (${(runMs / 1000).toFixed(1)} s in all, Pyodide loaded once)`);
});
