// The data the diagnosis works on and the answer it gives. Plain arrays only: the analysis core
// knows nothing of the engine, so the runner, the CLI, the tests and (through the trace) the panel
// can all use it.
import type { Language } from "../protocol/trace";

/** A dense row-major array with its shape: a manual gradient, an autograd gradient, a contribution. */
export interface ArrayTensor {
  shape: readonly number[];
  data: Float64Array | Float32Array | readonly number[];
}

export type DiagnosisKind =
  | "wrong-shape" // shapes differ and no simple fix reproduces autograd's gradient
  | "missing-sum" // manual is the gradient before the reduction over broadcast dimensions
  | "missing-broadcast" // manual has the right values but a reduced shape ([32,1] for [32,27])
  | "extra-sum" // manual is autograd's gradient summed over a dimension it should keep
  | "reshape" // right values, shape differs only by size-1 dims or a view ([27] vs [1,27])
  | "transposed" // manual.T equals autograd's gradient
  | "sign-flipped" // manual = −autograd
  | "scaled" // manual = k · autograd for a constant k ≠ ±1
  | "one-path" // manual is the sum of some but not all paths of a tensor used more than once
  | "wrong-variable" // manual equals another tensor's autograd gradient
  | "missing-chain-factor" // manual is the local derivative alone: the upstream gradient factor is missing
  | "zeros" // manual is 0 where autograd's gradient is not (never assigned)
  | "non-finite" // NaN/Inf in the manual gradient where autograd's is finite
  | "downstream" // its own step is right; it only inherits an upstream mistake (see firstWrong)
  | "unverifiable" // computed from an upstream gradient of the wrong shape: its own step cannot be checked
  | "unexplained"; // wrong, but none of the patterns above reproduces autograd's gradient

/** A tensor used more than once receives one gradient contribution per use. */
export interface PathContribution {
  /** the op that consumed the tensor, e.g. "pow" (from PowBackward0) */
  viaOp: string;
  /** the nearest named tensor that op feeds, e.g. "bndiff2"; undefined when none is named */
  viaName?: string;
  /** 1-based source line where that tensor is assigned, when known */
  line?: number;
  /** the contribution that flows back along this use (same shape as the tensor) */
  data: ArrayTensor;
}

/** Another named tensor's autograd gradient, to recognise "the gradient of the wrong variable". */
export interface NamedGradient {
  name: string;
  grad: ArrayTensor;
}

export interface DiagnosisContext {
  /** the tensor's name without the d prefix, e.g. "bnvar" */
  name?: string;
  /** per-use contributions of a tensor used more than once (from the recorded backward graph) */
  paths?: readonly PathContribution[];
  /** autograd gradients of the other named tensors */
  others?: readonly NamedGradient[];
  /**
   * the learner's gradients of the named tensors this one feeds (its upstream in backward order),
   * to recognise a local derivative that was not multiplied by them
   */
  upstream?: readonly NamedGradient[];
  /** the batch size n, to name factors such as 1/n or n/(n−1); inferred from shapes when absent */
  n?: number;
  /** where NaN/Inf first appeared while the manual gradient was computed (engine onNonFinite) */
  nonFiniteOrigin?: { op: string; name?: string; line?: number };
  /**
   * The values were computed in float32 (default true when either array is a Float32Array): sets
   * the rounding slack allowed when a candidate fix is compared with autograd's gradient.
   */
  float32?: boolean;
  /** the script's language: fix hints are written in it (Python when absent) */
  language?: Language;
}

/** What the evidence for a diagnosis records; only the fields that apply are set. */
export interface Evidence {
  manualShape: number[];
  gradShape: number[];
  /** max |fixed manual − autograd| once the suggested fix is applied (0 when it is exact) */
  residual?: number;
  /** max |manual − autograd| as given */
  maxdiff?: number | null;
  /** dims to sum over (missing-sum) or that were summed away (extra-sum) */
  dims?: number[];
  keepdim?: boolean;
  /** scaled: manual = factor · autograd */
  factor?: number;
  /** scaled: the factor as the learner would write it, e.g. "1/n", "n/(n−1)", "3/2" */
  factorLabel?: string;
  /** wrong-variable: whose gradient the manual one equals; missing-chain-factor: the missing factor's tensor */
  matches?: string;
  /** one-path: the uses the manual gradient includes and the ones it misses */
  includedPaths?: { viaOp: string; viaName?: string; line?: number }[];
  missingPaths?: { viaOp: string; viaName?: string; line?: number }[];
  /** zeros / non-finite: how many elements, and the first one (row-major) */
  count?: number;
  total?: number;
  firstIndex?: number[];
  manualValue?: number;
  gradValue?: number;
  /** downstream: the wrong upstream gradients it inherits from */
  downstreamOf?: string[];
  /** the diagnosis compared the manual gradient with what autograd's local rule gives for the
   * learner's own upstream gradients (named here), not with autograd's gradient */
  relativeTo?: string[];
  /** non-finite: where NaN/Inf first appeared, when the engine reported it */
  origin?: { op: string; name?: string; line?: number };
}

export interface Diagnosis {
  kind: DiagnosisKind;
  /** one sentence a teacher would say, naming the tensor and the fix */
  sentence: string;
  evidence: Evidence;
  /** 0..1: 0.95 when the fix reproduces autograd within the cmp tolerance, lower for weaker evidence */
  confidence: number;
}
