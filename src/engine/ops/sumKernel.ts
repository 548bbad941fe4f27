// The one sum kernel. Every sum in the engine — user `t.sum(dim, keepdim)` (./reduce.ts) and the
// reduction of a gradient over broadcast dimensions (sumToShape, in the backward of elementwise ops,
// views and matmul) — goes through `sumDims`, accumulating in double in row-major order of the
// reduced indices and rounding once, so a hand-written `.sum(0, keepdim=True)` equals autograd's.
// It records no autograd node and imports no other op, so every op can use it without a circle.
import { allocStorage, isFloating, type DType, type Storage } from "../dtype";
import { TorchError, fmtShape } from "../errors";
import { enumerateOffsets, sameShape } from "../shape";
import { Tensor } from "../tensor";
import { wasmColumns } from "./wasm-elementwise";

export interface Plan {
  /** output shape with reduced dims kept as 1 */
  keepShape: number[];
  /** output shape with reduced dims removed */
  dropShape: number[];
  outer: Int32Array;
  inner: Int32Array;
}

export function plan(shape: number[], strides: number[], offset: number, dims: number[]): Plan {
  const reduced = new Set(dims);
  const outerShape: number[] = [], outerStrides: number[] = [];
  const innerShape: number[] = [], innerStrides: number[] = [];
  const keepShape: number[] = [];
  shape.forEach((s, i) => {
    if (reduced.has(i)) {
      innerShape.push(s);
      innerStrides.push(strides[i]);
      keepShape.push(1);
    } else {
      outerShape.push(s);
      outerStrides.push(strides[i]);
      keepShape.push(s);
    }
  });
  return {
    keepShape,
    dropShape: outerShape,
    outer: enumerateOffsets(outerShape, outerStrides, offset),
    inner: enumerateOffsets(innerShape, innerStrides, 0),
  };
}

export const sumDType = (d: DType): DType => (isFloating(d) ? d : "int64");

/** Per-column running sums for the dim-0 loops (a scratch buffer: never escapes a call). */
let columnScratch = new Float64Array(256);
export function columns(n: number): Float64Array {
  if (columnScratch.length < n) columnScratch = new Float64Array(Math.max(n, 2 * columnScratch.length));
  columnScratch.fill(0, 0, n);
  return columnScratch;
}

/**
 * acc[j] += s[off + i·s0 + j·s1] for i = 0..m-1 in order. Four rows per pass, added left to right
 * ((acc + x0) + x1) + ..., which is the same sequence of double additions as one row at a time.
 */
export function columnSums(acc: Float64Array, s: Storage, off: number, s0: number, s1: number, m: number, n: number): void {
  if (wasmColumns(false, acc, s, off, s0, s1, m, n)) return; // (acc starts at zero in every call)
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const r0 = off + i * s0, r1 = r0 + s0, r2 = r1 + s0, r3 = r2 + s0;
    if (s1 === 1) for (let j = 0; j < n; j++) acc[j] = acc[j] + s[r0 + j] + s[r1 + j] + s[r2 + j] + s[r3 + j];
    else for (let j = 0, o = 0; j < n; j++, o += s1) acc[j] = acc[j] + s[r0 + o] + s[r1 + o] + s[r2 + o] + s[r3 + o];
  }
  for (; i < m; i++) for (let j = 0, o = off + i * s0; j < n; j++, o += s1) acc[j] += s[o];
}

/** acc[n + j] += (s[off + i·s0 + j·s1] − acc[j])² for i = 0..m-1 in order, four rows per pass as in columnSums. */
export function columnSquares(acc: Float64Array, n: number, s: Storage, off: number, s0: number, s1: number, m: number): void {
  if (wasmColumns(true, acc, s, off, s0, s1, m, n)) return;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const r0 = off + i * s0, r1 = r0 + s0, r2 = r1 + s0, r3 = r2 + s0;
    for (let j = 0, o = 0; j < n; j++, o += s1) {
      const mu = acc[j];
      const d0 = s[r0 + o] - mu, d1 = s[r1 + o] - mu, d2 = s[r2 + o] - mu, d3 = s[r3 + o] - mu;
      acc[n + j] = acc[n + j] + d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3;
    }
  }
  for (; i < m; i++) {
    for (let j = 0, o = off + i * s0; j < n; j++, o += s1) {
      const dv = s[o] - acc[j];
      acc[n + j] += dv * dv;
    }
  }
}

/**
 * The one sum kernel. Each output accumulates its elements in double, in row-major order of the
 * reduced indices, and is rounded once (then divided by `divisor` and rounded again, for mean).
 * A 2-D tensor reduced over one dim is read with straight loops; other cases go through `plan`.
 */
export function sumDims(t: Tensor, dims: number[], keepdim: boolean, divisor = 1): Tensor {
  const dtype = sumDType(t.dtype);
  if (t._shape.length === 2 && dims.length === 1) {
    const [m, n] = t._shape, [s0, s1] = t._strides, s = t._storage, off = t._offset;
    const rowwise = dims[0] === 1;
    const out = allocStorage(dtype, rowwise ? m : n);
    if (rowwise) {
      for (let i = 0; i < m; i++) {
        let acc = 0;
        for (let j = 0, o = off + i * s0; j < n; j++, o += s1) acc += s[o];
        out[i] = acc;
      }
    } else {
      const acc = columns(n);
      columnSums(acc, s, off, s0, s1, m, n);
      for (let j = 0; j < n; j++) out[j] = acc[j];
    }
    if (divisor !== 1) for (let k = 0; k < out.length; k++) out[k] /= divisor;
    const shape = rowwise ? (keepdim ? [m, 1] : [m]) : (keepdim ? [1, n] : [n]);
    return new Tensor(out, shape, dtype);
  }
  const p = plan(t._shape, t._strides, t._offset, dims);
  const out = allocStorage(dtype, p.outer.length);
  const s = t._storage, inner = p.inner, m = inner.length;
  for (let o = 0; o < p.outer.length; o++) {
    const base = p.outer[o];
    let acc = 0;
    for (let j = 0; j < m; j++) acc += s[base + inner[j]];
    out[o] = acc;
  }
  if (divisor !== 1) for (let k = 0; k < out.length; k++) out[k] /= divisor;
  return new Tensor(out, keepdim ? p.keepShape : p.dropShape, dtype);
}

export function sumToShape(g: Tensor, shape: number[]): Tensor {
  if (sameShape(g._shape, shape)) return g;
  const lead = g.ndim - shape.length;
  if (lead < 0) throw new TorchError(`sumToShape: gradient ${fmtShape(g._shape)} has fewer dims than ${fmtShape(shape)}`);
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g._shape[i] !== 1)) dims.push(i);
  }
  const r = dims.length ? sumDims(g, dims, false) : g;
  return r.reshape(shape);
}
