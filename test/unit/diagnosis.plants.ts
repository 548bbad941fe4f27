// The planted-mistake catalogue of the exercise (issue 7), shared by the TypeScript suite
// (diagnosis.exercise.test.ts) and the Python/notebook suite (diagnosis.python.test.ts): one list,
// so both languages are held to the same first-wrong rows and kinds.
import assert from "node:assert/strict";
import type { DiagnosisKind } from "../../src/diagnosis";
import type { TraceComparison } from "../../src/protocol/trace";

export interface Plant {
  name: string;
  kind: DiagnosisKind;
  /** scaled: the factor planted */
  factor?: number;
  /** zeros: only some elements (the first rows) are left at 0 */
  partial?: boolean;
  /** the later formulas use the correct gradient (the planted one would not broadcast there) */
  isolated?: boolean;
}

/** The compared tensors of exercise 1, in the order the exercise compares them. */
export const CHAIN = ["logprobs", "probs", "counts_sum_inv", "counts_sum", "counts", "norm_logits", "logit_maxes", "logits", "h", "W2", "b2", "hpreact", "bngain", "bnbias", "bnraw", "bnvar_inv", "bnvar", "bndiff2", "bndiff", "bnmeani", "hprebn", "embcat", "W1", "b1", "emb", "C"];

/** the exercise's batch size */
export const N = 32;

/** Where a non-finite plant puts its ±Inf: row 1, column 2 (or the last index of a smaller dim). */
export const nonFiniteAt = (shape: number[]) => shape.map((s, i) => Math.min(i === 0 ? 1 : 2, s - 1));

export const plantLabel = (p: Plant): string =>
  `${p.kind}${p.factor !== undefined ? ` ×${p.factor.toPrecision(3)}` : ""}${p.partial ? " (partial)" : ""} at ${p.name}`;

/**
 * One mistake per run, each kind at several tensors. A keepdim-only difference ([64] vs [1, 64]) is
 * not among them: cmp judges those on their values, as PyTorch's own cmp does (see KEEPDIM_ONLY).
 */
export const PLANTS: Plant[] = [
  ...["probs", "counts_sum", "counts", "h", "hpreact", "bnvar", "bndiff", "embcat", "C"].map((name) => ({ name, kind: "sign-flipped" as const })),
  { name: "counts_sum_inv", kind: "scaled", factor: 2 }, { name: "norm_logits", kind: "scaled", factor: N },
  { name: "W2", kind: "scaled", factor: 1 / N }, { name: "bnraw", kind: "scaled", factor: 0.5 },
  { name: "bndiff2", kind: "scaled", factor: (N - 1) / N }, { name: "W1", kind: "scaled", factor: N },
  { name: "emb", kind: "scaled", factor: -2 }, { name: "hprebn", kind: "scaled", factor: 1 / (N - 1) },
  ...["b2", "bngain", "bnbias", "counts_sum_inv", "bnvar_inv", "b1"].map((name) => ({ name, kind: "missing-sum" as const })),
  { name: "bndiff2", kind: "missing-broadcast" },
  ...["emb", "embcat", "W1"].map((name) => ({ name, kind: "reshape" as const })),
  ...["probs", "norm_logits", "hpreact"].map((name) => ({ name, kind: "extra-sum" as const })),
  { name: "h", kind: "transposed", isolated: true },
  ...["W2", "embcat", "W1"].map((name) => ({ name, kind: "transposed" as const })),
  ...["counts", "bndiff", "hprebn"].map((name) => ({ name, kind: "one-path" as const })),
  ...["probs", "norm_logits", "hpreact", "bnraw"].map((name) => ({ name, kind: "wrong-variable" as const })),
  ...["probs", "counts_sum_inv", "counts_sum", "hpreact", "bnvar"].map((name) => ({ name, kind: "missing-chain-factor" as const })),
  ...["C", "W1", "bnvar", "logprobs"].map((name) => ({ name, kind: "zeros" as const })),
  ...["logits", "W2", "hprebn"].map((name) => ({ name, kind: "zeros" as const, partial: true })),
  ...["probs", "counts_sum", "bnvar", "hprebn"].map((name) => ({ name, kind: "non-finite" as const })),
];

/**
 * Mistakes the exercise makes harmless: the logit_maxes path (its gradient is ~0) and b1 under
 * batchnorm (its gradient is ~0 too); and sums whose keepdim differs from the tensor's, which give
 * the same values in a shape that differs only by a size-1 dimension (kind "reshape" names the
 * formula planted, not a diagnosis: none is expected).
 */
export const HARMLESS: Plant[] = [{ name: "logits", kind: "one-path" }, { name: "b1", kind: "zeros" }];
export const KEEPDIM_ONLY: Plant[] = ["b2", "bngain", "bnbias"].map((name) => ({ name, kind: "reshape" as const }));

/** A row the cmp found wrong (values or shape). */
export const isWrong = (c: TraceComparison) => c.status === "wrong" || c.status === "shape-mismatch";

/** How a diagnosis sentence of the first wrong row starts. */
export const FIRST = /^first wrong gradient · /;

/** What the rows other than the planted one were diagnosed as, over all the plants run. */
export interface OtherRows { downstream: number; unexplained: number; deferred: number }

/**
 * A planted run's rows, as every backend must give them: the planted row alone is the first wrong
 * gradient, with the plant's kind (then `onKindMatched`); every other diagnosed row is downstream of
 * it, or unexplained / deferred (counted in `others`).
 */
export function assertPlantDiagnosed(rows: readonly TraceComparison[], row: TraceComparison, plant: Plant, others: OtherRows, onKindMatched?: () => void): void {
  assert.deepEqual(rows.filter((c) => FIRST.test(c.diagnosis?.sentence ?? "")).map((c) => c.name), [plant.name], "first wrong gradient");
  assert.equal(row.diagnosis?.kind, plant.kind, row.diagnosis?.sentence);
  onKindMatched?.();
  for (const c of rows) {
    const d = c.diagnosis;
    if (!d || c === row) continue;
    if (d.kind === "unexplained") { others.unexplained++; continue; }
    if (d.kind === "unverifiable") { others.deferred++; continue; }
    assert.equal(d.kind, "downstream", `${c.name}: ${d.sentence}`);
    assert.match(d.sentence, new RegExp(`inherits the error of (\\S+ and )*d${plant.name}\\b`), `${c.name}: ${d.sentence}`);
    others.downstream++;
  }
}
