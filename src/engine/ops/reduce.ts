// Reductions: sum, mean, var/std, max/min, argmax/argmin, all/any. Every sum goes through the one
// sum kernel (./sumKernel.ts), which the backward of other ops uses too (sumToShape).
import { record } from "../autograd";
import { allocStorage, isFloating, type Storage } from "../dtype";
import { TorchError } from "../errors";
import { contiguousStrides, normDim } from "../shape";
import { Tensor, type DimArg, type KeepdimOpts, type VarOpts } from "../tensor";
import { columnSquares, columnSums, columns, plan, sumDims, sumDType, sumToShape, type Plan } from "./sumKernel";
import { div, mul, sub, binaryKernel, compare, where } from "./elementwise";
import { expand } from "./views";

/** (matmul.ts reads it from here) */
export { sumToShape };

function normDims(dims: number[] | null, ndim: number, op: string): number[] {
  if (dims === null) return Array.from({ length: ndim }, (_, i) => i);
  const out = [...new Set(dims.map((d) => normDim(d, ndim, op)))].sort((a, b) => a - b);
  if (ndim === 0) return [];
  return out;
}

/** Normalise the many spellings: sum(), sum(1), sum(1, true), sum(1, {keepdim}), sum({dim, keepdims}). */
export function dimArgs(dim?: DimArg | KeepdimOpts | { dim?: DimArg }, keepdim?: boolean | KeepdimOpts): [number[] | null, boolean] {
  let d: DimArg = null;
  let keep = false;
  if (dim !== null && typeof dim === "object" && !Array.isArray(dim)) {
    const o = dim as KeepdimOpts & { dim?: DimArg };
    d = o.dim ?? null;
    keep = Boolean(o.keepdim ?? o.keepdims);
  } else {
    d = dim ?? null;
  }
  if (typeof keepdim === "boolean") keep = keepdim;
  else if (keepdim) keep = Boolean(keepdim.keepdim ?? keepdim.keepdims);
  return [d === null ? null : Array.isArray(d) ? d : [d], keep];
}

/** t's shape with the reduced dims kept as 1. */
const keptShape = (t: Tensor, dims: number[]): number[] => t._shape.map((s, i) => (dims.includes(i) ? 1 : s));

export function sum(t: Tensor, dims: number[] | null, keepdim: boolean): Tensor {
  const d = normDims(dims, t.ndim, "sum");
  const out = sumDims(t, d, keepdim);
  return record(out, "SumBackward" + (dims === null ? "0" : "1"), [t], (g) => [expand(g.reshape(keptShape(t, d)), t._shape)]);
}

export function mean(t: Tensor, dims: number[] | null, keepdim: boolean): Tensor {
  if (!isFloating(t.dtype)) {
    throw new TorchError(`mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${t.dtype === "int64" ? "Long" : "Bool"}`);
  }
  const d = normDims(dims, t.ndim, "mean");
  const count = d.reduce((n, i) => n * t._shape[i], 1);
  const out = sumDims(t, d, keepdim, count);
  return record(out, "MeanBackward" + (dims === null ? "0" : "1"), [t], (g) => [expand(div(g, count).reshape(keptShape(t, d)), t._shape)]);
}

/** Reduce `g` (a gradient shaped like a broadcast result) back to `shape`, with the sum kernel. */
function varArgs(dim?: DimArg | VarOpts, opts?: boolean | VarOpts): [number[] | null, boolean, number] {
  let d: DimArg = null;
  let o: VarOpts & { dim?: DimArg } = {};
  if (dim !== null && typeof dim === "object" && !Array.isArray(dim)) o = dim as VarOpts;
  else d = dim ?? null;
  if (typeof opts === "boolean") o = { ...o, unbiased: opts };
  else if (opts) o = { ...o, ...opts };
  if (o.dim !== undefined) d = o.dim;
  const correction = o.correction ?? (o.unbiased === false ? 0 : 1);
  return [d === null ? null : Array.isArray(d) ? d : [d], Boolean(o.keepdim ?? o.keepdims), correction];
}

/** var/std with Bessel's correction by default (`unbiased=false` or `correction=k` to change it). */
export function variance(t: Tensor, dim: DimArg | VarOpts | undefined, opts: boolean | VarOpts | undefined, isStd: boolean): Tensor {
  if (!isFloating(t.dtype)) throw new TorchError(`${isStd ? "std" : "var"}: only floating point tensors are supported`);
  const [dims, keepdim, correction] = varArgs(dim, opts);
  const d = normDims(dims, t.ndim, isStd ? "std" : "var");
  const keepShape = keptShape(t, d);
  let m: number, out: Storage;
  if (t._shape.length === 2 && d.length === 1 && d[0] === 0) {
    // dim 0 of a 2-D tensor (bnvar): all columns advance together, four rows per pass
    const [rows, count] = t._shape, [step, across] = t._strides;
    m = rows;
    out = allocStorage(t.dtype, count);
    const divisor = Math.max(0, m - correction);
    const acc = columns(2 * count); // sums, then means, in [0, count); squared deviations in [count, 2·count)
    columnSums(acc, t._storage, t._offset, step, across, m, count);
    for (let o = 0; o < count; o++) acc[o] /= m;
    columnSquares(acc, count, t._storage, t._offset, step, across, m);
    for (let o = 0; o < count; o++) {
      const v = acc[count + o] / divisor;
      out[o] = isStd ? Math.sqrt(v) : v;
    }
  } else {
    const p = plan(t._shape, t._strides, t._offset, d);
    m = p.inner.length;
    out = allocStorage(t.dtype, p.outer.length);
    const s = t._storage;
    for (let o = 0; o < p.outer.length; o++) {
      const base = p.outer[o];
      let acc = 0;
      for (let j = 0; j < m; j++) acc += s[base + p.inner[j]];
      const mu = acc / m;
      let sq = 0;
      for (let j = 0; j < m; j++) {
        const dv = s[base + p.inner[j]] - mu;
        sq += dv * dv;
      }
      const v = sq / Math.max(0, m - correction);
      out[o] = isStd ? Math.sqrt(v) : v;
    }
  }
  const result = new Tensor(out, keepdim ? keepShape : keepShape.filter((_, i) => !d.includes(i)), t.dtype);
  return record(result, isStd ? "StdBackward0" : "VarBackward0", [t], (g) => {
    if (!isStd) {
      const fused = varBackward2d(t, d, g, m - correction);
      if (fused) return [fused];
    }
    const gk = expand(g.reshape(keepShape), t._shape);
    const centered = sub(t, mean(t, d, true));
    if (!isStd) return [mul(mul(centered, 2 / (m - correction)), gk)];
    return [div(mul(centered, gk), mul(expand(result.detach().reshape(keepShape), t._shape), m - correction))];
  }, isStd ? [t, result] : [t]);
}

/**
 * The var backward below, ((t − mean) · (2 / divisor)) · g, in one pass for a float32 [m, n] tensor
 * reduced over one dim: the same float32 roundings after each step (the mean from the sum kernel,
 * the factor rounded to float32 as a number operand is), without the three full-size temporaries.
 * null when the case does not apply.
 */
function varBackward2d(t: Tensor, d: number[], g: Tensor, divisor: number): Tensor | null {
  if (t._shape.length !== 2 || d.length !== 1 || t.dtype !== "float32" || g.dtype !== "float32") return null;
  const [m, n] = t._shape, [s0, s1] = t._strides, s = t._storage, off = t._offset;
  const mu = sumDims(t, d, false, t._shape[d[0]])._storage; // [n] for dim 0, [m] for dim 1
  const gv = g._read(), c = Math.fround(2 / divisor);
  const out = allocStorage("float32", m * n);
  if (d[0] === 0) {
    for (let i = 0, k = 0; i < m; i++) {
      for (let j = 0, x = off + i * s0; j < n; j++, k++, x += s1) out[k] = Math.fround(Math.fround(s[x] - mu[j]) * c) * gv[j];
    }
  } else {
    for (let i = 0, k = 0; i < m; i++) {
      const mi = mu[i], gi = gv[i];
      for (let j = 0, x = off + i * s0; j < n; j++, k++, x += s1) out[k] = Math.fround(Math.fround(s[x] - mi) * c) * gi;
    }
  }
  return new Tensor(out, [m, n], "float32");
}

type Extreme = "max" | "min";
const better = (which: Extreme) =>
  which === "max" ? (v: number, best: number) => v > best || (v !== v && best === best)
                  : (v: number, best: number) => v < best || (v !== v && best === best);

/** Index (within the reduced extent) of the first max/min per output; NaN wins, like torch. */
function extremeIndices(t: Tensor, dim: number, which: Extreme): { p: Plan; idx: Float64Array; vals: Float64Array } {
  const p = plan(t._shape, t._strides, t._offset, [dim]);
  if (p.inner.length === 0) throw new TorchError(`${which}(): Expected reduction dim ${dim} to have non-zero size.`);
  const beats = better(which);
  const idx = new Float64Array(p.outer.length), vals = new Float64Array(p.outer.length);
  const s = t._storage;
  for (let o = 0; o < p.outer.length; o++) {
    const base = p.outer[o];
    let best = s[base + p.inner[0]], bi = 0;
    for (let j = 1; j < p.inner.length; j++) {
      const v = s[base + p.inner[j]];
      if (beats(v, best)) { best = v; bi = j; }
    }
    idx[o] = bi;
    vals[o] = best;
  }
  return { p, idx, vals };
}

export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
  [Symbol.iterator](): Iterator<Tensor>;
}

export function maxmin(t: Tensor, dim: number | Tensor | KeepdimOpts | undefined, keepdim: boolean | KeepdimOpts | undefined, which: Extreme): Tensor | ValuesIndices {
  if (dim instanceof Tensor) return elementwiseExtreme(t, dim, which);
  const [dims, keep] = dimArgs(dim as DimArg | KeepdimOpts, keepdim);
  if (dims === null) {
    if (t.numel() === 0) throw new TorchError(`${which}(): Expected reduction dim to be specified for input.numel() == 0.`);
    const flat = t.reshape(-1);
    const { vals } = extremeIndices(flat, 0, which);
    const out = new Tensor(allocStorage(t.dtype, 1).fill(vals[0]), [], t.dtype);
    return record(out, which === "max" ? "MaxBackward1" : "MinBackward1", [t], (g) => {
      // evenly shared between tied elements, as torch does
      const ties = compare(t, vals[0], "eq");
      const count = sumDims(ties, normDims(null, t.ndim, which), false).item();
      return [mul(ties, div(g, count))];
    }, [t, out]);
  }
  const d = normDim(dims[0], t.ndim, which);
  const { p, idx, vals } = extremeIndices(t, d, which);
  const shape = keep ? p.keepShape : p.dropShape;
  const values = new Tensor(t.dtype === "float32" ? Float32Array.from(vals) : vals, shape, t.dtype);
  const indices = new Tensor(idx, shape.slice(), "int64");
  record(values, which === "max" ? "MaxBackward0" : "MinBackward0", [t], (g) => {
    // scatter g into zeros at the chosen positions
    const z = new Tensor(allocStorage(g.dtype, t.numel()), t.shape, g.dtype);
    const zp = plan(t._shape, contiguousStrides(t._shape), 0, [d]);
    const gv = g._read();
    for (let o = 0; o < zp.outer.length; o++) z._storage[zp.outer[o] + zp.inner[idx[o]]] = gv[o];
    return [z];
  });
  return {
    values, indices,
    *[Symbol.iterator]() { yield values; yield indices; },
  };
}

function elementwiseExtreme(a: Tensor, b: Tensor, which: Extreme): Tensor {
  const out = binaryKernel(a, b, a.dtype === b.dtype ? a.dtype : "float32", which === "max" ? "maximum" : "minimum", `Math.${which}(p, q)`);
  return record(out, which === "max" ? "MaximumBackward0" : "MinimumBackward0", [a, b], (g) => {
    const aWins = compare(a, b, which === "max" ? "ge" : "le");
    return [sumToShape(where(aWins, g, 0), a._shape), sumToShape(where(aWins, 0, g), b._shape)];
  }, [a, b]);
}

export function argExtreme(t: Tensor, dim: number | null | undefined | KeepdimOpts, keepdim: boolean | KeepdimOpts | undefined, which: Extreme): Tensor {
  const [dims, keep] = dimArgs(dim as DimArg | KeepdimOpts, keepdim);
  if (dims === null) {
    const { idx } = extremeIndices(t.reshape(-1), 0, which);
    return new Tensor(idx, keep ? t._shape.map(() => 1) : [], "int64");
  }
  const d = normDim(dims[0], t.ndim, "arg" + which);
  const { p, idx } = extremeIndices(t, d, which);
  return new Tensor(idx, keep ? p.keepShape : p.dropShape, "int64");
}

export function allAny(t: Tensor, which: "all" | "any"): Tensor {
  const v = t._read();
  let r = which === "all";
  for (let i = 0; i < v.length; i++) {
    if (which === "all" && v[i] === 0) { r = false; break; }
    if (which === "any" && v[i] !== 0) { r = true; break; }
  }
  return new Tensor(new Float64Array([r ? 1 : 0]), [], "bool");
}

