import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Trace } from "../../src/protocol/trace";
import { executeScript } from "../../src/runner/execute";
import { needShared } from "../support/sharedData";

const repo = path.resolve(__dirname, "../..");
// real PyTorch 1.13 on the same seeds: scripts/reference/gen_exercise_reference.py
const REF = JSON.parse(fs.readFileSync(path.join(repo, "test/fixtures/exercise/reference.json"), "utf8"));
const output = (t: Trace) => t.output.map((o) => o.text).join("");

describe("the exercise, written in TypeScript against the engine", () => {
  let trace: Trace;
  before(function () {
    this.timeout(120_000);
    process.env.BACKPROP_NINJA_NAMES = needShared(this, "names.txt");
    trace = executeScript({ file: path.join(repo, "examples/backprop_ninja.ts") });
    delete process.env.BACKPROP_NINJA_NAMES;
  });

  it("runs without error", () => {
    assert.equal(trace.status, "ok", JSON.stringify(trace.error));
  });

  it("exercise 1: the canonical hand-written backward is exact on all 26 rows", () => {
    const ex1 = trace.comparisons.slice(0, 26);
    assert.equal(ex1.length, 26);
    const notExact = ex1.filter((c) => c.status !== "exact").map((c) => `${c.name}: ${c.status} ${c.maxdiff}`);
    assert.deepEqual(notExact, []);
    assert.deepEqual(ex1.map((c) => c.name), [
      "logprobs", "probs", "counts_sum_inv", "counts_sum", "counts", "norm_logits", "logit_maxes", "logits", "h", "W2",
      "b2", "hpreact", "bngain", "bnbias", "bnraw", "bnvar_inv", "bnvar", "bndiff2", "bndiff", "bnmeani", "hprebn",
      "embcat", "W1", "b1", "emb", "C",
    ]);
  });

  it("exercises 2 and 3: the one-step formulas agree with autograd within 1e-8", () => {
    const [ce, bn] = trace.comparisons.slice(26);
    for (const c of [ce, bn]) {
      assert.equal(c.approximate, true, `${c.name}: ${c.status}`);
      assert.ok(c.maxdiff !== null && c.maxdiff <= 1e-8, `${c.name} maxdiff ${c.maxdiff}`);
    }
  });

  it(`reaches PyTorch's loss (${REF.exercise1_3.loss}) with the same seeds`, () => {
    const loss = Number(/loss: (\S+)/.exec(output(trace))![1]);
    assert.ok(Math.abs(loss - REF.exercise1_3.loss) < 1e-6, `loss ${loss} vs PyTorch ${REF.exercise1_3.loss}`);
  });

  it("prints the dataset size and parameter count", () => {
    const out = trace.output.map((o) => o.text).join("");
    assert.match(out, /32033 words/);
    assert.match(out, /train examples: 182625/);
    assert.match(out, /parameters: 4137/);
  });

  it("names every gradient and its tensor, and lays out the backward graph", () => {
    const c = trace.comparisons.find((x) => x.name === "logits")!;
    assert.equal(c.manualName, "dlogits");
    assert.equal(c.tensorName, "logits");
    assert.ok(trace.graph && trace.graph.source === "backward");
    const named = new Set(trace.graph.nodes.filter((n) => n.name).map((n) => n.name));
    for (const n of ["loss", "logprobs", "logits", "h", "hprebn", "emb", "C", "W1"]) assert.ok(named.has(n), `graph has ${n}`);
    const dlogits = trace.tensors.find((t) => t.name === "dlogits")!;
    assert.equal(dlogits.pair, "logits");
  });
});

describe("exercise 4, short: training with the hand-written backward follows PyTorch's run", () => {
  let trace: Trace;
  const ref = REF.exercise4;
  before(function () {
    this.timeout(300_000);
    process.env.BACKPROP_NINJA_NAMES = needShared(this, "names.txt");
    process.env.BPN_MAX_STEPS = String(ref.steps);
    trace = executeScript({ file: path.join(repo, "examples/train_ninja.ts") });
    delete process.env.BACKPROP_NINJA_NAMES;
    delete process.env.BPN_MAX_STEPS;
  });

  it(`has ${ref.parameters} parameters and runs ${ref.steps} steps`, () => {
    assert.equal(trace.status, "ok", JSON.stringify(trace.error));
    assert.match(output(trace), new RegExp(`parameters: ${ref.parameters}`));
    assert.equal(trace.series.find((s) => s.name === "loss")!.values.length, ref.steps);
  });

  it("every step's loss equals PyTorch's within float32 drift (relative 1e-5)", () => {
    const ours = trace.series.find((s) => s.name === "loss")!.values as number[];
    const worst = Math.max(...ours.map((v, i) => Math.abs(v - ref.losses[i]) / ref.losses[i]));
    assert.ok(worst < 1e-5, `largest relative difference ${worst}`);
  });

  it("calibrated batchnorm gives PyTorch's train/val loss and samples the same 20 names", () => {
    const out = output(trace);
    for (const split of ["train", "val"] as const) {
      const v = Number(new RegExp(`^${split} (\\S+)$`, "m").exec(out)![1]);
      assert.ok(Math.abs(v - ref.evaluation[split]) < 1e-5, `${split} ${v} vs ${ref.evaluation[split]}`);
    }
    assert.deepEqual(out.trim().split("\n").slice(-20), ref.samples);
  });
});
