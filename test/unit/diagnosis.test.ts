// The analysis core on plain arrays: every kind of mistake is recognised from a synthetic gradient,
// and a correct gradient (exact, or off by float32 rounding) gets no diagnosis.
import assert from "node:assert/strict";
import { diagnoseGradient, firstWrong, formatDiagnosis, nameFactor, type ArrayTensor } from "../../src/diagnosis";

/** Deterministic float32 values in (−1, 1), not a copy of any real gradient. */
function randomF32(shape: number[], seed: number): ArrayTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = (s / 2 ** 32) * 2 - 1;
  }
  return { shape, data };
}
const map = (t: ArrayTensor, f: (v: number, i: number) => number, shape = t.shape): ArrayTensor => ({
  shape, data: Float32Array.from(t.data, f),
});
function sumDim0(t: ArrayTensor): Float32Array {
  const [r, c] = t.shape;
  const out = new Float32Array(c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j] += t.data[i * c + j];
  return out;
}

describe("diagnoseGradient", () => {
  const grad = randomF32([32, 27], 1);

  it("says nothing for a correct gradient, exact or within float32 rounding", () => {
    assert.equal(diagnoseGradient(grad, grad), null);
    const nudged = map(grad, (v) => Math.fround(v * (1 + 2 ** -22)));
    assert.equal(diagnoseGradient(nudged, grad), null);
  });

  it("sign flipped", () => {
    const d = diagnoseGradient(map(grad, (v) => -v), grad, { name: "probs" });
    assert.equal(d?.kind, "sign-flipped");
    assert.match(d!.sentence, /dprobs = −probs\.grad/);
  });

  it("scaled by common factors, named in terms of n", () => {
    for (const [k, label] of [[32, "n"], [1 / 32, "1/n"], [2, "2"], [1 / 31, "1/(n−1)"], [31 / 32, "(n−1)/n"], [1.5, "3/2"], [-2, "−2"]] as const) {
      const d = diagnoseGradient(map(grad, (v) => Math.fround(v * k)), grad, { name: "x", n: 32 });
      assert.equal(d?.kind, "scaled", `factor ${k}`);
      assert.equal(d!.evidence.factorLabel, label);
    }
  });

  it("missing sum over a broadcast dimension, with and without keepdim", () => {
    const before = randomF32([32, 64], 2);
    const g1: ArrayTensor = { shape: [1, 64], data: sumDim0(before) };
    const d1 = diagnoseGradient(before, g1, { name: "bngain" });
    assert.equal(d1?.kind, "missing-sum");
    assert.deepEqual(d1!.evidence.dims, [0]);
    assert.equal(d1!.evidence.keepdim, true);
    const g2: ArrayTensor = { shape: [64], data: sumDim0(before) };
    const d2 = diagnoseGradient(before, g2, { name: "b1" });
    assert.equal(d2?.kind, "missing-sum");
    assert.equal(d2!.evidence.keepdim, false);
    assert.match(d2!.sentence, /\.sum\(0\)/);
  });

  it("wrong shapes: missing broadcast, extra sum, keepdim, transposed, unrelated", () => {
    const col = randomF32([32, 1], 3);
    const wide: ArrayTensor = { shape: [32, 27], data: Float32Array.from({ length: 32 * 27 }, (_, i) => col.data[Math.floor(i / 27)]) };
    assert.equal(diagnoseGradient(col, wide)?.kind, "missing-broadcast");
    const summed: ArrayTensor = { shape: [1, 27], data: sumDim0(grad) };
    assert.equal(diagnoseGradient(summed, grad)?.kind, "extra-sum");
    const flat = randomF32([27], 4);
    const d = diagnoseGradient(flat, { shape: [1, 27], data: flat.data });
    assert.equal(d?.kind, "reshape");
    assert.match(d!.sentence, /keepdim=True/);
    const w = randomF32([30, 64], 5);
    const wt = map(w, (_, i) => w.data[(i % 30) * 64 + Math.floor(i / 30)], [64, 30]);
    assert.equal(diagnoseGradient(wt, w)?.kind, "transposed");
    const other = randomF32([32, 1], 6);
    const dd = diagnoseGradient(other, grad);
    assert.equal(dd?.kind, "wrong-shape");
    assert.match(dd!.sentence, /a sum with keepdim=True or a broadcast is missing/);
  });

  it("transposed square matrix", () => {
    const sq = randomF32([8, 8], 7);
    const t = map(sq, (_, i) => sq.data[(i % 8) * 8 + Math.floor(i / 8)]);
    assert.equal(diagnoseGradient(t, sq)?.kind, "transposed");
  });

  it("only one path of a tensor used twice", () => {
    const p1 = randomF32([32, 27], 8), p2 = randomF32([32, 27], 9);
    const total = map(p1, (v, i) => Math.fround(v + p2.data[i]));
    const d = diagnoseGradient(p1, total, {
      name: "counts",
      paths: [{ viaOp: "mul", viaName: "probs", line: 40, data: p1 }, { viaOp: "sum", viaName: "counts_sum", line: 38, data: p2 }],
    });
    assert.equal(d?.kind, "one-path");
    assert.match(d!.sentence, /counts also feeds sum → counts_sum at line 38; add that path/);
  });

  it("gradient of the wrong variable", () => {
    const up = randomF32([32, 27], 10);
    const d = diagnoseGradient(up, grad, { name: "probs", others: [{ name: "logprobs", grad: up }] });
    assert.equal(d?.kind, "wrong-variable");
    assert.equal(d!.evidence.matches, "logprobs");
  });

  it("a local derivative not multiplied by the upstream gradient (chain rule)", () => {
    const local = randomF32([32, 27], 12), up = randomF32([32, 27], 13);
    const g = map(local, (v, i) => Math.fround(v * up.data[i]));
    const d = diagnoseGradient(local, g, { name: "probs", upstream: [{ name: "logprobs", grad: up }] });
    assert.equal(d?.kind, "missing-chain-factor");
    assert.equal(d!.evidence.matches, "logprobs");
    // with a reduction: d(counts_sum_inv) = (counts * dprobs).sum(1, keepdim) written as counts
    const summed: ArrayTensor = { shape: [32, 1], data: Float32Array.from({ length: 32 }, (_, r) => {
      let acc = 0;
      for (let c = 0; c < 27; c++) acc += local.data[r * 27 + c] * up.data[r * 27 + c];
      return acc;
    }) };
    const d2 = diagnoseGradient(local, summed, { name: "counts_sum_inv", upstream: [{ name: "probs", grad: up }] });
    assert.equal(d2?.kind, "missing-chain-factor");
    assert.match(d2!.sentence, /summed back to \[32, 1\]/);
  });

  it("zeros where autograd is not: all, or rows never assigned", () => {
    assert.equal(diagnoseGradient(map(grad, () => 0), grad)?.kind, "zeros");
    const partial = map(grad, (v, i) => (i < 27 * 5 ? 0 : v));
    const d = diagnoseGradient(partial, grad, { name: "C" });
    assert.equal(d?.kind, "zeros");
    assert.equal(d!.evidence.count, 27 * 5);
    assert.deepEqual(d!.evidence.firstIndex, [0, 0]);
  });

  it("NaN/Inf introduced: says where first", () => {
    const bad = map(grad, (v, i) => (i === 30 ? NaN : i === 40 ? Infinity : v));
    const d = diagnoseGradient(bad, grad, { name: "probs", nonFiniteOrigin: { op: "div", name: "dprobs", line: 61 } });
    assert.equal(d?.kind, "non-finite");
    assert.deepEqual(d!.evidence.firstIndex, [1, 3]);
    assert.equal(d!.evidence.count, 2);
    assert.match(d!.sentence, /line 61/);
  });

  it("unexplained errors say where they are largest, with zero confidence", () => {
    const d = diagnoseGradient(randomF32([32, 27], 11), grad);
    assert.equal(d?.kind, "unexplained");
    assert.equal(d!.confidence, 0);
  });
});

describe("nameFactor", () => {
  it("recognises fractions and n-based factors", () => {
    assert.equal(nameFactor(32 / 31, 32).label, "n/(n−1)");
    assert.equal(nameFactor(0.25).label, "1/4");
    assert.equal(nameFactor(Math.PI).label, "3.142");
  });
});

describe("firstWrong", () => {
  const order = ["logprobs", "probs", "counts", "logits", "h"];
  const comps = [
    { name: "logprobs", status: "exact" }, { name: "probs", status: "wrong" }, { name: "counts", status: "wrong" },
    { name: "logits", status: "wrong" }, { name: "h", status: "exact" },
  ];
  it("names the earliest wrong gradient in backward order, not script order", () => {
    const r = firstWrong([...comps].reverse(), order);
    assert.equal(r.first, "probs");
    assert.deepEqual(r.reports.map((x) => x.role), ["ok", "first-wrong", "wrong", "wrong", "ok"]);
  });
  it("marks later mismatches downstream only when their own step was found right", () => {
    const upstream = new Map([["probs", ["logprobs"]], ["counts", ["probs"]], ["logits", ["counts"]], ["h", ["logits"]]]);
    const r = firstWrong(comps, order, { upstream, locallyCorrect: new Map([["probs", false], ["counts", true], ["logits", false]]) });
    assert.equal(r.first, "probs");
    assert.deepEqual(r.reports[2], { name: "counts", role: "downstream", downstreamOf: ["probs"] });
    assert.equal(r.reports[3].role, "wrong");
    assert.equal(formatDiagnosis(null, r.reports[2]), "");
  });
});
