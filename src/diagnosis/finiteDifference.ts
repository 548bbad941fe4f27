// On-demand check of an autograd gradient against central differences in float64.
//
// Design: the caller provides `forward(x)`, a closure that recomputes the scalar loss from a float64
// copy of the tensor under test (the rest of the computation in float64 too). The engine records
// backward closures but not forward ones, so the recorded graph cannot be replayed forwards; a
// closure is what a test, the exercise scaffold or a runner re-executing the script can give.
// Elements are sampled deterministically: the largest |grad| ones (where a wrong rule shows most)
// and evenly spread ones (so zeros and small values are covered too).
import { Tensor, torch } from "../engine";
import type { ArrayTensor } from "./types";
import { numelOf, toF64, unravel } from "./numeric";

export interface FiniteDifferenceOptions {
  /** how many elements to check (default 8) */
  samples?: number;
  /** relative step: h = step · max(1, |x_i|) (default 1e-6) */
  step?: number;
  /** flat indices to check instead of the automatic choice */
  indices?: number[];
  /** accepted error: |fd − g| ≤ rtol·|fd| + atol·max|g| (defaults 1e-4 and 1e-5: float32 autograd vs float64 differences) */
  rtol?: number;
  atol?: number;
}

export interface FiniteDifferenceSample {
  index: number[];
  flat: number;
  numeric: number;
  autograd: number;
  absError: number;
  ok: boolean;
}

export interface FiniteDifferenceResult {
  name?: string;
  ok: boolean;
  samples: FiniteDifferenceSample[];
  /** max |fd − autograd| / max(|fd|, tiny) over the samples */
  maxRelError: number;
  sentence: string;
}

function pickIndices(g: Float64Array, count: number): number[] {
  const n = g.length;
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  const byMagnitude = Array.from({ length: n }, (_, i) => i).sort((a, b) => Math.abs(g[b]) - Math.abs(g[a]));
  const chosen = new Set<number>(byMagnitude.slice(0, Math.ceil(count / 2)));
  for (let k = 0; chosen.size < count && k < n; k++) chosen.add(Math.floor(((k + 0.5) * n) / (count - Math.ceil(count / 2) + 1)) % n);
  return [...chosen].sort((a, b) => a - b);
}

export function finiteDifferenceCheck(
  forward: (x: Tensor) => Tensor | number,
  x: Tensor,
  grad: ArrayTensor | Tensor,
  opts: FiniteDifferenceOptions & { name?: string } = {},
): FiniteDifferenceResult {
  const g = grad instanceof Tensor ? Float64Array.from(grad.toArray()) : toF64(grad);
  if (g.length !== x.numel()) throw new Error(`finiteDifferenceCheck: gradient has ${g.length} elements, the tensor ${x.numel()}`);
  const shape = x.shape;
  const base = Float64Array.from(x.toArray());
  const step = opts.step ?? 1e-6, rtol = opts.rtol ?? 1e-4, atol = opts.atol ?? 1e-5;
  const gmax = g.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const evalAt = (i: number, delta: number): number => {
    const values = base.slice();
    values[i] += delta;
    const out = torch.no_grad(() => forward(torch.fromArray(values, shape, "float64")));
    return typeof out === "number" ? out : out.item();
  };
  const samples: FiniteDifferenceSample[] = [];
  let maxRel = 0;
  for (const i of opts.indices ?? pickIndices(g, opts.samples ?? 8)) {
    const h = step * Math.max(1, Math.abs(base[i]));
    const numeric = (evalAt(i, h) - evalAt(i, -h)) / (2 * h);
    const absError = Math.abs(numeric - g[i]);
    const ok = absError <= rtol * Math.abs(numeric) + atol * gmax + 1e-12;
    maxRel = Math.max(maxRel, absError / Math.max(Math.abs(numeric), 1e-30));
    samples.push({ index: unravel(i, shape), flat: i, numeric, autograd: g[i], absError, ok });
  }
  const bad = samples.filter((s) => !s.ok);
  const who = opts.name ? `${opts.name}.grad` : "the gradient";
  const sentence = bad.length === 0
    ? `${who} agrees with float64 central differences at ${samples.length} of ${numelOf(shape)} elements (max relative error ${maxRel.toExponential(1)}).`
    : `${who} disagrees with float64 central differences at ${bad.length} of ${samples.length} sampled elements, e.g. [${bad[0].index.join(", ")}]: finite differences ${bad[0].numeric.toPrecision(6)}, autograd ${bad[0].autograd.toPrecision(6)}.`;
  return { name: opts.name, ok: bad.length === 0, samples, maxRelError: maxRel, sentence };
}
