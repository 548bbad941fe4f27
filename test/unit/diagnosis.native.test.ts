// The planted-mistake suite (diagnosis.plants.ts) on the native backend (#22): the Python exercise
// with one mistake per run, run by Debian's python3 with real PyTorch 1.13 through runNative. The
// verdicts are PyTorch's; the diagnosis is the built-in engine's (src/diagnosis) fed with the cmp
// rows' tensors from the child and its replays of the retained PyTorch graph. Each plant must get
// the same first wrong row and kind as on the built-in engine, and every later wrong row must be
// "downstream" of it (or honestly unexplained/unverifiable, counted and printed).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Trace, TraceComparison } from "../../src/protocol/trace";
import { runNative } from "../../src/runner/nativePython";
import { assertPlantDiagnosed, CHAIN, FIRST, HARMLESS, isWrong, PLANTS, plantLabel, type OtherRows, type Plant } from "./diagnosis.plants";
import { notebookOf, plantedScript } from "./python.exercise";
import { needShared } from "../support/sharedData";
import { interpreterOrSkip, PYTHON } from "./nativeInterpreter";

/** The first WORDS names make the dataset (as diagnosis.python.test.ts: the batch does not matter here). */
const WORDS = 4000;

const ok = (c: TraceComparison) => c.status === "exact" || c.status === "approximate";

describe("diagnosis of planted mistakes on the native backend (real PyTorch)", function () {
  this.timeout(600_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bpn-nativeplants-"));
  const file = path.join(dir, "ninja.py");
  const shapes = new Map<string, number[]>();
  let runs = 0, runMs = 0;
  let clean: Trace;

  const run = async (plant: Plant | null, to = file): Promise<Trace> => {
    const script = plantedScript(plant, shapes);
    fs.writeFileSync(to, to.endsWith(".ipynb") ? notebookOf(script) : script);
    const t0 = performance.now();
    const trace = await runNative(to, { python: PYTHON }).trace;
    runs++;
    runMs += performance.now() - t0;
    return trace;
  };

  before(async function () {
    await interpreterOrSkip(this);
    const names = fs.readFileSync(needShared(this, "names.txt"), "utf8").split("\n").slice(0, WORDS);
    fs.writeFileSync(path.join(dir, "names.txt"), names.join("\n") + "\n");
    clean = await run(null);
    for (const c of clean.comparisons) if (!shapes.has(c.name)) shapes.set(c.name, c.gradShape!);
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    if (runs) console.log(`    native runs: ${runs}, ${(runMs / runs).toFixed(0)} ms each on average`);
  });

  it("the correct solution: every row exact or approximate, no diagnosis; the graph drawn with the names", () => {
    assert.equal(clean.status, "ok", clean.error?.message);
    assert.deepEqual(clean.comparisons.map((c) => c.name), [...CHAIN, "logits", "hprebn"]);
    assert.deepEqual(clean.comparisons.filter((c) => !ok(c) || c.diagnosis).map((c) => `${c.name}: ${c.status}`), []);
    const g = clean.graph!;
    assert.equal(g.source, "backward");
    assert.equal(g.nodes.find((n) => n.id === g.root)?.op, "NegBackward0", "the root is the loss");
    for (const c of clean.comparisons) {
      const n = g.nodes.find((x) => x.id === c.nodeId);
      assert.equal(n?.name, c.name, `${c.name}'s row points at its node`);
    }
  });

  const others: OtherRows = { downstream: 0, unexplained: 0, deferred: 0 };
  const kinds = new Map<string, [number, number]>();
  for (const plant of PLANTS) {
    it(plantLabel(plant), async () => {
      let trace = await run(plant);
      // a shape a later in-place formula cannot take stops the script before any cmp, as in PyTorch: plant it in its cmp only
      if (!trace.comparisons.length && trace.status === "error") trace = await run({ ...plant, isolated: true });
      const rows = trace.comparisons;
      const row = rows.find((c) => c.name === plant.name);
      assert.ok(row && isWrong(row), `the planted mistake changed nothing at ${plant.name} (${row?.status})`);
      const tally = kinds.get(plant.kind) ?? [0, 0];
      kinds.set(plant.kind, tally);
      tally[1]++;
      assertPlantDiagnosed(rows, row, plant, others, () => tally[0]++);
    });
  }

  it("a notebook made of the script's sections: the same first wrong row and kind, at its cell", async () => {
    const plant = PLANTS.find((p) => p.kind === "sign-flipped" && p.name === "hpreact")!;
    const trace = await run(plant, path.join(dir, "ninja.ipynb"));
    assert.equal(trace.status, "ok", trace.error?.message);
    const row = trace.comparisons.find((c) => c.name === plant.name)!;
    assert.ok(row.cell !== undefined, "the row has its cell");
    assert.equal(row.diagnosis?.kind, "sign-flipped", row.diagnosis?.sentence);
    assert.match(row.diagnosis?.sentence ?? "", FIRST);
    assert.ok(trace.comparisons.some((c) => c.diagnosis?.kind === "downstream"), "later rows are downstream of it");
    assert.ok(trace.graph && trace.graph.nodes.some((n) => n.name === "hpreact" && n.place?.cell !== undefined), "the graph's named nodes have their cells");
  });

  it("says nothing about the mistakes the exercise makes harmless", async () => {
    for (const plant of HARMLESS) {
      const trace = await run(plant);
      assert.equal(trace.status, "ok", trace.error?.message);
      assert.deepEqual(trace.comparisons.filter((c) => c.diagnosis).map((c) => c.name), [], plantLabel(plant));
    }
  });

  after(() => {
    console.log(`    kinds matched (plants): ${[...kinds].map(([k, [m, n]]) => `${k} ${m}/${n}`).join(", ")}`);
    console.log(`    ${others.downstream} rows downstream of the plant, ${others.unexplained} unexplained, ${others.deferred} deferred`);
  });
});
