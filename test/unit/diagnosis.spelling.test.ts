// Fix hints in the script's language: every kind of diagnosis whose sentence carries code is made
// twice from the same arrays, once for a Python script and once for a TypeScript one. Python gets
// torch's spelling, TypeScript/JavaScript the engine's (options objects, operator methods).
import assert from "node:assert/strict";
import { diagnoseGradient, spelling, type ArrayTensor, type DiagnosisContext } from "../../src/diagnosis";
import type { Language } from "../../src/protocol/trace";

/** Deterministic float32 values in (−1, 1). */
function randomF32(shape: number[], seed: number): ArrayTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  let s = seed >>> 0;
  const data = Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
  return { shape, data };
}
/** out[i, j] = f(i, j) over a [rows, cols] tensor. */
const build = (rows: number, cols: number, f: (i: number, j: number) => number): ArrayTensor =>
  ({ shape: cols ? [rows, cols] : [rows], data: Float32Array.from({ length: rows * (cols || 1) }, (_, k) => Math.fround(f(Math.floor(k / (cols || 1)), k % (cols || 1)))) });
const at = (t: ArrayTensor, i: number, j: number) => t.data[i * t.shape[1] + j];
const transpose = (t: ArrayTensor) => build(t.shape[1], t.shape[0], (i, j) => at(t, j, i));
const colSums = (t: ArrayTensor, keep: boolean): ArrayTensor => {
  const c = build(1, t.shape[1], (_, j) => { let a = 0; for (let i = 0; i < t.shape[0]; i++) a += at(t, i, j); return a; });
  return keep ? c : { shape: [t.shape[1]], data: c.data };
};

/** The sentence of the diagnosis for each language, checking the kind is the same in both. */
function sentences(kind: string, manual: ArrayTensor, grad: ArrayTensor, ctx: DiagnosisContext): Record<"python" | "typescript" | "javascript", string> {
  const out = {} as Record<"python" | "typescript" | "javascript", string>;
  for (const language of ["python", "typescript", "javascript"] as const) {
    const d = diagnoseGradient(manual, grad, { ...ctx, language });
    assert.equal(d?.kind, kind, `${language}: ${d?.sentence}`);
    out[language] = d!.sentence;
  }
  assert.equal(out.javascript, out.typescript);
  return out;
}

/** `s` contains `want` and none of `avoid`. */
function has(s: string, want: string, avoid: readonly string[]): void {
  assert.ok(s.includes(want), `expected ${JSON.stringify(want)} in: ${s}`);
  for (const a of avoid) assert.ok(!s.includes(a), `unexpected ${JSON.stringify(a)} in: ${s}`);
}
const PY_ONLY = ["keepdim=True", " @ ", "+=", "ones_like(x) *"];
const ENGINE_ONLY = ["{ keepdim: true }", ".matmul(", ".mul(", ".add("];

describe("diagnosis hints in the script's language", () => {
  const grad = randomF32([32, 27], 1);

  it("missing sum, keepdim kept: .sum(1, keepdim=True) / .sum(1, { keepdim: true })", () => {
    const before = randomF32([32, 27], 2);
    const summed = build(32, 1, (i) => { let a = 0; for (let j = 0; j < 27; j++) a += at(before, i, j); return a; });
    const s = sentences("missing-sum", before, summed, { name: "counts_sum_inv" });
    has(s.python, "dcounts_sum_inv.sum(1, keepdim=True) equals", ENGINE_ONLY);
    has(s.typescript, "dcounts_sum_inv.sum(1, { keepdim: true }) equals", PY_ONLY);
  });

  it("missing sum without keepdim is written the same in both", () => {
    const before = randomF32([32, 64], 3);
    const s = sentences("missing-sum", before, colSums(before, false), { name: "b1" });
    has(s.python, "db1.sum(0) equals", ENGINE_ONLY);
    has(s.typescript, "db1.sum(0) equals", PY_ONLY);
  });

  it("extra sum: drop that .sum(0, keepdim=True) / .sum(0, { keepdim: true })", () => {
    const s = sentences("extra-sum", colSums(grad, true), grad, { name: "logits" });
    has(s.python, "drop that .sum(0, keepdim=True)", ENGINE_ONLY);
    has(s.typescript, "drop that .sum(0, { keepdim: true })", PY_ONLY);
  });

  it("missing broadcast: torch.ones_like(x) * dx / torch.ones_like(x).mul(dx)", () => {
    const col = randomF32([32, 1], 4);
    const wide = build(32, 27, (i) => col.data[i]);
    const s = sentences("missing-broadcast", col, wide, { name: "x" });
    has(s.python, "torch.ones_like(x) * dx", ENGINE_ONLY);
    has(s.typescript, "torch.ones_like(x).mul(dx)", PY_ONLY);
  });

  it("reshape: keep the summed dimension (keepdim=True) / ({ keepdim: true })", () => {
    const flat = randomF32([27], 5);
    const s = sentences("reshape", flat, { shape: [1, 27], data: flat.data }, { name: "b2" });
    has(s.python, "keep the summed dimension (keepdim=True)", ENGINE_ONLY);
    has(s.typescript, "keep the summed dimension ({ keepdim: true })", PY_ONLY);
  });

  it("wrong shape: a sum with keepdim=True / with { keepdim: true }", () => {
    const s = sentences("wrong-shape", randomF32([32, 1], 6), grad, { name: "probs" });
    has(s.python, "a sum with keepdim=True or a broadcast is missing", ENGINE_ONLY);
    has(s.typescript, "a sum with { keepdim: true } or a broadcast is missing", PY_ONLY);
  });

  it("transposed, of another shape: x.T @ dy / x.T.matmul(dy)", () => {
    const w = randomF32([30, 64], 7);
    const s = sentences("transposed", transpose(w), w, { name: "W1" });
    has(s.python, "dW1.T equals it", []);
    has(s.python, "for y = x @ W, dW = x.T @ dy and dx = dy @ W.T", ENGINE_ONLY);
    has(s.typescript, "for y = x.matmul(W), dW = x.T.matmul(dy) and dx = dy.matmul(W.T)", PY_ONLY);
  });

  it("transposed square matrix: the same rule without dx", () => {
    const sq = randomF32([8, 8], 8);
    const s = sentences("transposed", transpose(sq), sq, { name: "W" });
    has(s.python, "(for y = x @ W, dW = x.T @ dy)", ENGINE_ONLY);
    has(s.typescript, "(for y = x.matmul(W), dW = x.T.matmul(dy))", PY_ONLY);
  });

  it("one path missing: dx += … / dx = dx.add(…)", () => {
    const p1 = randomF32([32, 27], 9), p2 = randomF32([32, 27], 10);
    const total = build(32, 27, (i, j) => at(p1, i, j) + at(p2, i, j));
    const s = sentences("one-path", p1, total, {
      name: "counts", paths: [{ viaOp: "mul", viaName: "probs", line: 40, data: p1 }, { viaOp: "sum", viaName: "counts_sum", line: 38, data: p2 }],
    });
    has(s.python, "add that path (dcounts += …)", ENGINE_ONLY);
    has(s.typescript, "add that path (dcounts = dcounts.add(…))", PY_ONLY);
  });

  it("chain rule: (local derivative) * dy / (local derivative).mul(dy)", () => {
    const local = randomF32([32, 27], 11), up = randomF32([32, 27], 12);
    const s = sentences("missing-chain-factor", local, build(32, 27, (i, j) => at(local, i, j) * at(up, i, j)), {
      name: "probs", upstream: [{ name: "logprobs", grad: up }],
    });
    has(s.python, "dprobs = (local derivative) * dlogprobs", ENGINE_ONLY);
    has(s.typescript, "dprobs = (local derivative).mul(dlogprobs)", PY_ONLY);
  });

  it("hints without code (sign, scale, wrong variable, zeros) read the same in both", () => {
    const cases: [string, ArrayTensor, DiagnosisContext][] = [
      ["sign-flipped", build(32, 27, (i, j) => -at(grad, i, j)), { name: "logprobs" }],
      ["scaled", build(32, 27, (i, j) => at(grad, i, j) / 32), { name: "bndiff2", n: 32 }],
      ["wrong-variable", randomF32([32, 27], 13), { name: "probs" }],
      ["zeros", build(32, 27, () => 0), { name: "C" }],
    ];
    cases[2][2].others = [{ name: "logprobs", grad: cases[2][1] }];
    for (const [kind, manual, ctx] of cases) {
      const s = sentences(kind, manual, grad, ctx);
      assert.equal(s.typescript, s.python, kind);
    }
  });

  it("spelling(): the engine's form for TypeScript/JavaScript, Python's for Python, notebooks and unknown", () => {
    const forms = (l?: Language) => { const sp = spelling(l); return [sp.sum([0, 1], true), sp.mul("a + b", "c"), sp.matmul("a", "b"), sp.addTo("x", "y")]; };
    assert.deepEqual(forms("typescript"), [".sum([0, 1], { keepdim: true })", "(a + b).mul(c)", "a.matmul(b)", "x = x.add(y)"]);
    assert.deepEqual(forms("javascript"), forms("typescript"));
    assert.deepEqual(forms("python"), [".sum([0, 1], keepdim=True)", "(a + b) * c", "a @ b", "x += y"]);
    assert.deepEqual(forms("notebook"), forms("python"));
    assert.deepEqual(forms(undefined), forms("python"));
  });
});
