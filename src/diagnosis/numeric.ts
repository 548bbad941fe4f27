// Small array helpers for the diagnosis: the cmp tolerance, float32-aware matching of a candidate
// fix, reductions, broadcasting, transposes and naming a constant factor.
import { contiguousStrides as strides } from "../engine/shape";
import type { ArrayTensor } from "./types";

/** cmp's tolerance (allclose rtol 1e-5, atol 1e-8), the same numbers as src/engine/cmp.ts. */
export const RTOL = 1e-5;
export const ATOL = 1e-8;
export const EPS32 = 2 ** -24;
export const EPS64 = 2 ** -53;

export const numelOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
export const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((s, i) => s === b[i]);
export const fmtShape = (s: readonly number[]): string => `[${s.join(", ")}]`;

export function toF64(t: ArrayTensor): Float64Array {
  return t.data instanceof Float64Array ? t.data : Float64Array.from(t.data);
}

/** cmp's verdict on two same-shaped arrays: exact or allclose (the difference rounded like cmp's). */
export function passesCmp(manual: ArrayTensor, grad: ArrayTensor): boolean {
  if (!sameShape(manual.shape, grad.shape)) return false;
  const f32 = manual.data instanceof Float32Array && grad.data instanceof Float32Array;
  const round = f32 ? Math.fround : (v: number) => v;
  const a = manual.data, b = grad.data;
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    if (x === y) continue;
    if (!(Math.abs(round(x - y)) <= ATOL + RTOL * Math.abs(y))) return false;
  }
  return true;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m) m = v;
  }
  return m;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > m || d !== d) m = d;
  }
  return m;
}

export interface Match {
  ok: boolean;
  /** max |candidate − grad| */
  residual: number;
}

/**
 * Does a candidate fix of the manual gradient reproduce autograd's gradient? The cmp rule
 * (|c − g| ≤ atol + rtol·|g|) widened by what float32 arithmetic can legitimately change: a few ulps
 * of each element, `slack[i]` for a candidate made by a reduction (its rounding bound), and a floor
 * of 64 ulps of the largest gradient element for elements that are sums with cancellation.
 */
export function matches(candidate: ArrayLike<number>, grad: ArrayLike<number>, eps: number, slack?: ArrayLike<number>): Match {
  const floor = 64 * eps * maxAbs(grad);
  let ok = candidate.length === grad.length;
  let residual = 0;
  for (let i = 0; i < grad.length && ok; i++) {
    const c = candidate[i], g = grad[i];
    const d = Math.abs(c - g);
    if (!(d <= ATOL + (RTOL + 8 * eps) * Math.abs(g) + floor + (slack ? slack[i] : 0))) ok = false;
    if (d > residual) residual = d;
  }
  if (!ok) residual = maxAbsDiff(candidate, grad);
  return { ok, residual };
}

/** Row-major multi-index of flat position `i`. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return out;
}

/**
 * The dims of `big` that broadcasting `small` up to `big` creates (size 1 or absent in `small`,
 * larger in `big`), or null when `small` does not broadcast to `big`.
 */
export function broadcastDims(small: readonly number[], big: readonly number[]): number[] | null {
  if (small.length > big.length) return null;
  const lead = big.length - small.length;
  const dims: number[] = [];
  for (let d = 0; d < big.length; d++) {
    const s = d < lead ? 1 : small[d - lead];
    if (s === big[d]) continue;
    if (s !== 1) return null;
    dims.push(d);
  }
  return dims;
}

/**
 * Sum `a` (shape `shape`) over broadcast dims so it takes `target`'s shape; also returns the sum of
 * |terms| per output element, the scale of the rounding error a float32 sum may carry.
 */
export function reduceTo(a: ArrayLike<number>, shape: readonly number[], target: readonly number[]): { data: Float64Array; absSum: Float64Array; count: number } {
  const out = new Float64Array(numelOf(target));
  const absSum = new Float64Array(out.length);
  const lead = shape.length - target.length;
  const tStrides = strides(target);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < a.length; i++) {
    let o = 0;
    for (let d = lead; d < shape.length; d++) {
      const t = target[d - lead];
      if (t !== 1) o += idx[d] * tStrides[d - lead];
    }
    out[o] += a[i];
    absSum[o] += Math.abs(a[i]);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return { data: out, absSum, count: a.length / Math.max(out.length, 1) };
}

/** `a` (shape `shape`) expanded to `target` by broadcasting. */
export function expandTo(a: ArrayLike<number>, shape: readonly number[], target: readonly number[]): Float64Array {
  const out = new Float64Array(numelOf(target));
  const lead = target.length - shape.length;
  const sStrides = strides(shape);
  const idx = new Array<number>(target.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    let o = 0;
    for (let d = lead; d < target.length; d++) if (shape[d - lead] !== 1) o += idx[d] * sStrides[d - lead];
    out[i] = a[o];
    for (let d = target.length - 1; d >= 0; d--) {
      if (++idx[d] < target[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** The transpose of a 2-D row-major array of shape [rows, cols]. */
export function transpose2d(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}

/** Shapes equal once size-1 dims are dropped ([27] vs [1, 27], [32] vs [32, 1]). */
export function sameUpToSingletons(a: readonly number[], b: readonly number[]): boolean {
  return sameShape(a.filter((s) => s !== 1), b.filter((s) => s !== 1));
}

export interface NamedFactor {
  value: number;
  label: string;
}

/**
 * Name a constant factor the way the learner would write it: in terms of n (the batch size) when it
 * is one of the usual suspects (n, 1/n, n−1, 1/(n−1), n/(n−1), (n−1)/n, n²), else a small fraction
 * (2, 1/2, 3/2, −1/3…), else the number itself. `value` is the exact factor the label stands for.
 */
export function nameFactor(k: number, n?: number): NamedFactor {
  const rel = (a: number, b: number) => Math.abs(a - b) <= 1e-4 * Math.abs(b);
  const sign = k < 0 ? -1 : 1;
  const m = Math.abs(k);
  const neg = sign < 0 ? "−" : "";
  if (n !== undefined && n > 2) {
    const named: [number, string][] = [
      [n, "n"], [1 / n, "1/n"], [n - 1, "n−1"], [1 / (n - 1), "1/(n−1)"], [n / (n - 1), "n/(n−1)"],
      [(n - 1) / n, "(n−1)/n"], [n * n, "n²"], [1 / (n * n), "1/n²"], [2 * n, "2n"], [1 / (2 * n), "1/(2n)"],
      [2 / n, "2/n"], [n / 2, "n/2"],
    ];
    for (const [v, label] of named) if (rel(m, v)) return { value: sign * v, label: `${neg}${label}` };
  }
  // continued fraction with small terms
  for (let q = 1; q <= 64; q++) {
    const p = Math.round(m * q);
    if (p > 0 && p <= 4096 && rel(m, p / q)) {
      return { value: (sign * p) / q, label: q === 1 ? `${neg}${p}` : `${neg}${p}/${q}` };
    }
  }
  return { value: k, label: `${neg}${Number(m.toPrecision(4))}` };
}
