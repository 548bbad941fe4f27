// t[...] and t[...] = v with NumPy/PyTorch rules: ints and slices give views; int/bool tensors and
// lists ("advanced" indices) broadcast together and gather copies. The backward of a read scatters
// the gradient back, accumulating repeated positions in memory order (dC[Xb] adds rows like the
// learner's `for k, j: dC[Xb[k, j]] += demb[k, j]`).
import { record, isGradEnabled } from "../autograd";
import { allocStorage, castValue, type DType } from "../dtype";
import { TorchError, fmtShape } from "../errors";
import { broadcastShapes, broadcastStrides, contiguousStrides, enumerateOffsets, isContiguousLayout, numelOf } from "../shape";
import { Tensor, type Operand } from "../tensor";
import { scalarTensor, tensor as tensorFrom } from "./creation";
import { add, div, inplace, mul, sub } from "./elementwise";
import { sumToShape } from "./sumKernel";
import { makeView } from "./views";

/** Python's slice(start, stop, step); also written as a string: ":", "1:", "::2", "-3:", "2:5". */
export class Slice {
  constructor(public start: number | null = null, public stop: number | null = null, public step: number | null = null) {}
  toString(): string {
    return `${this.start ?? ""}:${this.stop ?? ""}${this.step === null ? "" : ":" + this.step}`;
  }
}
export const slice = (start: number | null = null, stop: number | null = null, step: number | null = null): Slice =>
  new Slice(start, stop, step);

export type IndexItem = number | string | Slice | null | undefined | Tensor | number[] | boolean[];

const ELLIPSIS = Symbol("...");
type Item = number | Slice | null | typeof ELLIPSIS | Tensor;

function parseSlice(s: string): Slice {
  const parts = s.split(":").map((p) => p.trim());
  if (parts.length < 2 || parts.length > 3) throw new TorchError(`invalid slice string '${s}' (expected e.g. ":", "1:", "::2")`);
  const num = (p: string | undefined): number | null => {
    if (p === undefined || p === "") return null;
    const v = Number(p);
    if (!Number.isInteger(v)) throw new TorchError(`invalid slice string '${s}'`);
    return v;
  };
  return new Slice(num(parts[0]), num(parts[1]), num(parts[2]));
}

function normalize(items: IndexItem[]): Item[] {
  const out: Item[] = [];
  for (const it of items) {
    if (it === null || it === undefined) out.push(null);
    else if (typeof it === "number") {
      if (!Number.isInteger(it)) throw new TorchError(`only integers, slices, ellipsis, None and long or bool tensors are valid indices (got ${it})`);
      out.push(it);
    } else if (typeof it === "string") out.push(it.trim() === "..." ? ELLIPSIS : parseSlice(it));
    else if (it instanceof Slice || it instanceof Tensor) out.push(it);
    else if (Array.isArray(it)) out.push(tensorFrom(it as number[], { dtype: it.length && typeof it[0] === "boolean" ? "bool" : "int64" }));
    else throw new TorchError(`invalid index of type ${typeof it}`);
  }
  for (const it of out) {
    if (it instanceof Tensor && it.dtype !== "int64" && it.dtype !== "bool") {
      throw new TorchError(`tensors used as indices must be long, int, byte or bool tensors (got ${it.dtype})`);
    }
  }
  return out;
}

/** Indices of the true elements of a bool mask, one int64 vector per mask dim. */
function nonzeroCoords(mask: Tensor): Tensor[] {
  const v = mask._read();
  const strides = contiguousStrides(mask._shape);
  const coords: number[][] = mask._shape.map(() => []);
  for (let i = 0; i < v.length; i++) {
    if (!v[i]) continue;
    let r = i;
    strides.forEach((s, d) => {
      coords[d].push(Math.floor(r / s));
      r %= s;
    });
  }
  return coords.map((c) => new Tensor(Float64Array.from(c), [c.length], "int64"));
}

export interface Resolved {
  shape: number[];
  /** basic indexing only: the view's layout */
  strides?: number[];
  offset?: number;
  /** with advanced indices: the storage offset of every result element */
  offsets?: Int32Array;
  /** already copied out (the row-gather fast path) */
  gathered?: Tensor;
}

/** Work out what t[items] reads, for a tensor laid out as shape/strides/offset. */
export function resolve(shape: number[], strides: number[], offset: number, items: IndexItem[]): Resolved {
  const norm = normalize(items);
  const consumes = (it: Item) => (it === null || it === ELLIPSIS ? 0 : it instanceof Tensor && it.dtype === "bool" ? Math.max(it.ndim, 1) : 1);
  const used: number = norm.reduce<number>((n, it) => n + consumes(it), 0);
  if (used > shape.length) throw new TorchError(`too many indices for tensor of dimension ${shape.length}`);
  if (norm.filter((it) => it === ELLIPSIS).length > 1) throw new TorchError("an index can only have a single ellipsis ('...')");

  const vShape: number[] = [], vStrides: number[] = [];
  const adv: { dim: number; idx: Tensor }[] = [];
  let off = offset, d = 0;
  const full = () => { vShape.push(shape[d]); vStrides.push(strides[d]); d++; };
  for (const it of norm) {
    if (it === ELLIPSIS) {
      for (let k = shape.length - used; k > 0; k--) full();
    } else if (it === null) {
      vShape.push(1);
      vStrides.push(0);
    } else if (typeof it === "number") {
      const size = shape[d];
      if (it < -size || it >= size) throw new TorchError(`index ${it} is out of bounds for dimension ${d} with size ${size}`);
      off += (it < 0 ? it + size : it) * strides[d];
      d++;
    } else if (it instanceof Slice) {
      const size = shape[d];
      const step = it.step ?? 1;
      if (step <= 0) throw new TorchError("slice step must be greater than zero");
      const clampIx = (v: number | null, dflt: number) => (v === null ? dflt : Math.min(Math.max(v < 0 ? v + size : v, 0), size));
      const start = clampIx(it.start, 0), stop = clampIx(it.stop, size);
      const len = Math.max(0, Math.ceil((stop - start) / step));
      if (len > 0) off += start * strides[d];
      vShape.push(len);
      vStrides.push(strides[d] * step);
      d++;
    } else if (it.dtype === "bool") {
      const mshape = it.ndim === 0 ? [1] : it._shape;
      mshape.forEach((s, k) => {
        if (s !== shape[d + k]) {
          throw new TorchError(`The shape of the mask ${fmtShape(mshape)} at index ${k} does not match the shape of the indexed tensor ${fmtShape(shape)} at index ${d + k}`);
        }
      });
      for (const c of nonzeroCoords(it.ndim === 0 ? it.reshape(1) : it)) {
        adv.push({ dim: vShape.length, idx: c });
        full();
      }
    } else {
      adv.push({ dim: vShape.length, idx: it });
      full();
    }
  }
  while (d < shape.length) full();
  if (!adv.length) return { shape: vShape, strides: vStrides, offset: off };

  // Advanced indices broadcast together; their result dims replace the indexed dims in place when
  // those are adjacent, otherwise they go first (NumPy's rule).
  let bshape: number[];
  try {
    bshape = adv.reduce<number[]>((s, a) => broadcastShapes(s, a.idx._shape, "index"), []);
  } catch {
    // PyTorch's IndexError, which names every index's shape
    throw new TorchError(`shape mismatch: indexing tensors could not be broadcast together with shapes ${adv.map((a) => fmtShape(a.idx._shape)).join(", ")}`);
  }
  const nb = numelOf(bshape);
  const table = new Float64Array(nb);
  for (const { dim, idx } of adv) {
    const size = vShape[dim];
    const offs = enumerateOffsets(bshape, broadcastStrides(idx._shape, idx._strides, bshape), idx._offset);
    for (let b = 0; b < nb; b++) {
      const i = idx._storage[offs[b]];
      if (i < -size || i >= size) throw new TorchError(`index ${i} is out of bounds for dimension ${dim} with size ${size}`);
      table[b] += (i < 0 ? i + size : i) * vStrides[dim];
    }
  }
  const advDims = new Set(adv.map((a) => a.dim));
  const dimsSorted = [...advDims].sort((a, b) => a - b);
  const adjacent = dimsSorted[dimsSorted.length - 1] - dimsSorted[0] === dimsSorted.length - 1;
  type Axis = { size: number; stride: number; table?: Float64Array };
  const rest: Axis[] = [];
  vShape.forEach((s, i) => { if (!advDims.has(i)) rest.push({ size: s, stride: vStrides[i] }); });
  const advAxis: Axis = { size: nb, stride: 0, table };
  const before = adjacent ? rest.slice(0, dimsSorted[0]) : [];
  const after = adjacent ? rest.slice(dimsSorted[0]) : rest;
  const axes = [...before, advAxis, ...after];
  const outShape = [...before.map((a) => a.size), ...bshape, ...after.map((a) => a.size)];
  return { shape: outShape, offsets: enumerateAxes(axes, off) };
}

function enumerateAxes(axes: { size: number; stride: number; table?: Float64Array }[], base: number): Int32Array {
  const total = axes.reduce((n, a) => n * a.size, 1);
  const out = new Int32Array(total);
  if (!total) return out;
  const counter = new Array<number>(axes.length).fill(0);
  for (let i = 0; i < total; i++) {
    let o = base;
    for (let a = 0; a < axes.length; a++) {
      const ax = axes[a];
      o += ax.table ? ax.table[counter[a]] : counter[a] * ax.stride;
    }
    out[i] = o;
    for (let a = axes.length - 1; a >= 0; a--) {
      if (++counter[a] < axes[a].size) break;
      counter[a] = 0;
    }
  }
  return out;
}

/** Offsets (in a contiguous tensor of `shape`) of the elements t[items] reads, in result order. */
function positions(shape: number[], items: IndexItem[]): { shape: number[]; offsets: Int32Array } {
  const r = resolve(shape, contiguousStrides(shape), 0, items);
  return { shape: r.shape, offsets: r.offsets ?? enumerateOffsets(r.shape, r.strides!, r.offset!) };
}

/** zeros(shape) with g added at `offsets`, one element at a time in order. */
function scatterAdd(g: Tensor, shape: number[], offsets: Int32Array, dtype: DType): Tensor {
  const z = allocStorage(dtype, numelOf(shape));
  const gv = g._read();
  for (let i = 0; i < offsets.length; i++) z[offsets[i]] += gv[i];
  return new Tensor(z, shape.slice(), dtype);
}

/** The backward of a row gather: zeros(shape) with row k of g added to row rows[k], k in order. */
function scatterRows(g: Tensor, shape: number[], rows: ArrayLike<number>): Tensor {
  const z = allocStorage(g.dtype, numelOf(shape));
  const gv = g._read(), size = shape[0], row = numelOf(shape.slice(1));
  for (let k = 0; k < rows.length; k++) {
    const at = (rows[k] < 0 ? rows[k] + size : rows[k]) * row;
    for (let j = 0; j < row; j++) z[at + j] += gv[k * row + j];
  }
  return new Tensor(z, shape.slice(), g.dtype);
}

export function getIndex(t: Tensor, items: IndexItem[]): Tensor {
  const r = integerItems(t, items) ?? rowGather(t, items) ?? resolve(t._shape, t._strides, t._offset, items);
  let out: Tensor;
  if (r.offsets) {
    const o = r.offsets;
    const data = allocStorage(t.dtype, o.length);
    for (let i = 0; i < o.length; i++) data[i] = t._storage[o[i]];
    out = new Tensor(data, r.shape, t.dtype);
  } else if (r.gathered) {
    out = r.gathered;
  } else {
    out = makeView(t, r.shape, r.strides!, r.offset!);
  }
  if (!isGradEnabled() || !t.requires_grad) return out;
  const inShape = t.shape;
  const rows = r.gathered ? (items[0] as Tensor)._read().slice() : null;
  return record(out, r.offsets || r.gathered ? "IndexBackward0" : viewNodeName(items), [t], (g) => {
    if (rows) return [scatterRows(g, inShape, rows)];
    const p = positions(inShape, items);
    return [scatterAdd(g, inShape, p.offsets, g.dtype)];
  });
}

/**
 * PyTorch's node for a view made by basic indexing: it applies the items in order, so the last one
 * but an Ellipsis names it (x[1] Select, x[1, :] Slice, x[0, None] Unsqueeze, x[...] Alias).
 */
function viewNodeName(items: IndexItem[]): string {
  const norm = normalize(items);
  for (let i = norm.length - 1; i >= 0; i--) {
    const it = norm[i];
    if (it === ELLIPSIS) continue;
    return it instanceof Slice ? "SliceBackward0" : it === null ? "UnsqueezeBackward0" : "SelectBackward0";
  }
  return "AliasBackward0";
}

/** t[i, j, ...] with integers only (e.g. Xb[k, j], demb[k, j]): a view, without the general resolver. */
function integerItems(t: Tensor, items: IndexItem[]): Resolved | null {
  const nd = t._shape.length;
  if (items.length > nd) return null;
  let off = t._offset;
  for (let d = 0; d < items.length; d++) {
    const it = items[d];
    if (typeof it !== "number" || !Number.isInteger(it)) return null;
    const size = t._shape[d];
    if (it < -size || it >= size) throw new TorchError(`index ${it} is out of bounds for dimension ${d} with size ${size}`);
    off += (it < 0 ? it + size : it) * t._strides[d];
  }
  return { shape: t._shape.slice(items.length), strides: t._strides.slice(items.length), offset: off };
}

/**
 * t[idx] for one int64 tensor idx (X[ix], C[Xb]): whole rows of t copied in idx's order, result
 * shape idx.shape + t.shape[1:]. Same values as the general path.
 */
function rowGather(t: Tensor, items: IndexItem[]): (Resolved & { gathered: Tensor }) | null {
  if (items.length !== 1 || t._shape.length === 0) return null;
  const idx = items[0];
  if (!(idx instanceof Tensor) || idx.dtype !== "int64" || idx._shape.length === 0) return null;
  const iv = idx._read(), size = t._shape[0];
  const rowShape = t._shape.slice(1), row = numelOf(rowShape);
  const data = allocStorage(t.dtype, iv.length * row);
  const src = t._storage, contiguousRows = rowShape.length === 0 || isContiguousLayout(rowShape, t._strides.slice(1));
  const rowOffsets = contiguousRows ? null : enumerateOffsets(rowShape, t._strides.slice(1), 0);
  for (let k = 0; k < iv.length; k++) {
    let i = iv[k];
    if (i < -size || i >= size) throw new TorchError(`index ${i} is out of bounds for dimension 0 with size ${size}`);
    if (i < 0) i += size;
    const base = t._offset + i * t._strides[0];
    if (rowOffsets) for (let j = 0; j < row; j++) data[k * row + j] = src[base + rowOffsets[j]];
    else for (let j = 0; j < row; j++) data[k * row + j] = src[base + j];
  }
  const shape = [...idx._shape, ...rowShape];
  return { shape, gathered: new Tensor(data, shape, t.dtype) };
}

/**
 * t[i] for one integer (or 0-d int64 tensor) i — the hot `dC[ix] += demb[k, j]` of the exercise —
 * without the general resolver. Same result as resolve(); null when `items` is anything else.
 */
function singleRow(t: Tensor, items: IndexItem[]): Resolved | null {
  if (items.length !== 1 || t.ndim === 0) return null;
  const it = items[0];
  let i: number;
  if (typeof it === "number" && Number.isInteger(it)) i = it;
  else if (it instanceof Tensor && it.ndim === 0 && it.dtype === "int64") i = it._storage[it._offset];
  else return null;
  const size = t._shape[0];
  if (i < -size || i >= size) throw new TorchError(`index ${i} is out of bounds for dimension 0 with size ${size}`);
  if (i < 0) i += size;
  return { shape: t._shape.slice(1), strides: t._strides.slice(1), offset: t._offset + i * t._strides[0] };
}

/** Where each element of `v`, broadcast to the indexing result's `shape`, is read from. */
function valueOffsets(v: Tensor, shape: number[]): Int32Array {
  const fits = v.ndim <= shape.length && v._shape.every((s, i) => s === 1 || s === shape[shape.length - v.ndim + i]);
  if (!fits) {
    throw new TorchError(`shape mismatch: value tensor of shape ${fmtShape(v._shape)} cannot be broadcast to indexing result of shape ${fmtShape(shape)}`);
  }
  return enumerateOffsets(shape, broadcastStrides(v._shape, v._strides, shape), v._offset);
}

/** Functional index_put: a copy of `old` with `value` written (or added) at t[items]. */
function indexPutCopy(old: Tensor, items: IndexItem[], value: Operand, accumulate: boolean): Tensor {
  const v = value instanceof Tensor ? value : scalarTensor(value, old.dtype);
  const p = positions(old._shape, items);
  const vOffs = valueOffsets(v, p.shape);
  const data = old._read().slice();
  const dt = old.dtype;
  for (let i = 0; i < p.offsets.length; i++) {
    const x = castValue(dt, v._storage[vOffs[i]]);
    data[p.offsets[i]] = accumulate ? castValue(dt, data[p.offsets[i]] + x) : x;
  }
  const out = new Tensor(data, old.shape, dt);
  return record(out, "IndexPutBackward0", [old, v], (g) => {
    let gSelf: Tensor | null = null;
    if (old.requires_grad) {
      if (accumulate) gSelf = g;
      else {
        const z = g._read().slice();
        for (let i = 0; i < p.offsets.length; i++) z[p.offsets[i]] = 0;
        gSelf = new Tensor(z, g.shape, g.dtype);
      }
    }
    let gValue: Tensor | null = null;
    if (v.requires_grad) {
      const gv = g._read();
      const picked = allocStorage(g.dtype, p.offsets.length);
      for (let i = 0; i < p.offsets.length; i++) picked[i] = gv[p.offsets[i]];
      gValue = sumToShape(new Tensor(picked, p.shape, g.dtype), v._shape);
    }
    return [gSelf, gValue];
  });
}

const COMBINE = { add, sub, mul, div } as const;
const COMBINE_VALUES: Record<keyof typeof COMBINE, (x: number, y: number) => number> = {
  add: (x, y) => x + y, sub: (x, y) => x - y, mul: (x, y) => x * y, div: (x, y) => x / y,
};

/** No graph to record and no dtype promotion: the write can go straight into the storage. */
function canWriteDirectly(t: Tensor, value: Operand): boolean {
  if (t.dtype !== "float32" && t.dtype !== "float64") return false;
  if (value instanceof Tensor) {
    if (value.dtype !== t.dtype) return false;
    return !isGradEnabled() || (!t.requires_grad && !value.requires_grad);
  }
  return typeof value === "number" && (!isGradEnabled() || !t.requires_grad);
}

/**
 * t[items] (op)= value without building a graph. All new values are computed from the old ones
 * before any is written, so repeated indices behave like Python's read-modify-write (last wins).
 */
function writeDirect(t: Tensor, items: IndexItem[], value: Operand, mode: "set" | keyof typeof COMBINE): void {
  if (typeof value === "number" && writePairs(t, items, value, mode)) return;
  const row = singleRow(t, items);
  if (row && value instanceof Tensor && writeRow(t, row, value, mode)) return;
  const r = row ?? resolve(t._shape, t._strides, t._offset, items);
  const offs = r.offsets ?? enumerateOffsets(r.shape, r.strides!, r.offset!);
  const v = value instanceof Tensor ? value : scalarTensor(value, t.dtype);
  const vOffs = valueOffsets(v, r.shape);
  const dst = t._storage, src = v._storage;
  const fresh = allocStorage(t.dtype, offs.length);
  if (mode === "set") for (let i = 0; i < offs.length; i++) fresh[i] = src[vOffs[i]];
  else {
    const f = COMBINE_VALUES[mode];
    for (let i = 0; i < offs.length; i++) fresh[i] = f(dst[offs[i]], src[vOffs[i]]);
  }
  for (let i = 0; i < offs.length; i++) dst[offs[i]] = fresh[i];
  t._version.value++;
}

/**
 * The dlogits[range(n), Yb] -= 1 case: a 2-D t indexed by two int64 1-D tensors of one length (the
 * pairs (rows[i], cols[i])) and a number. The same element offsets, in the same order, as the
 * general resolve, and the same two phases (every new value computed, then written). Returns false
 * (nothing written) when the case does not apply or an index is out of range, so the general path
 * raises the error.
 */
function writePairs(t: Tensor, items: IndexItem[], value: number, mode: "set" | keyof typeof COMBINE): boolean {
  if (t._shape.length !== 2 || items.length !== 2) return false;
  const [a, b] = items;
  if (!(a instanceof Tensor) || !(b instanceof Tensor) || a.dtype !== "int64" || b.dtype !== "int64") return false;
  if (a._shape.length !== 1 || b._shape.length !== 1 || a._shape[0] !== b._shape[0]) return false;
  const [m, n] = t._shape, [s0, s1] = t._strides, k = a._shape[0];
  const ra = a._read(), rb = b._read();
  const offs = new Int32Array(k);
  for (let i = 0; i < k; i++) {
    let r = ra[i], c = rb[i];
    if (r < 0) r += m;
    if (c < 0) c += n;
    if (!(r >= 0 && r < m && c >= 0 && c < n)) return false;
    offs[i] = t._offset + r * s0 + c * s1;
  }
  const dst = t._storage, v = castValue(t.dtype, value);
  const fresh = allocStorage(t.dtype, k);
  if (mode === "set") fresh.fill(v);
  else {
    const f = COMBINE_VALUES[mode];
    for (let i = 0; i < k; i++) fresh[i] = f(dst[offs[i]], v);
  }
  for (let i = 0; i < k; i++) dst[offs[i]] = fresh[i];
  t._version.value++;
  return true;
}

/**
 * The dC[ix] += demb[k, j] case: one contiguous row of t and a contiguous value of the row's shape in
 * other storage (so reading and writing element by element is the same as computing the new row
 * first). Returns false when the case does not apply.
 */
function writeRow(t: Tensor, row: Resolved, v: Tensor, mode: "set" | keyof typeof COMBINE): boolean {
  const shape = row.shape, vShape = v._shape;
  if (v._storage === t._storage || !isContiguousLayout(shape, row.strides!) || !v.is_contiguous()) return false;
  const lead = vShape.length - shape.length;
  if (lead < 0) return false;
  for (let i = 0; i < vShape.length; i++) if (vShape[i] !== (i < lead ? 1 : shape[i - lead])) return false;
  const dst = t._storage, src = v._storage, o = row.offset!, vo = v._offset, n = numelOf(shape);
  switch (mode) {
    case "set": for (let i = 0; i < n; i++) dst[o + i] = src[vo + i]; break;
    case "add": for (let i = 0; i < n; i++) dst[o + i] = dst[o + i] + src[vo + i]; break;
    case "sub": for (let i = 0; i < n; i++) dst[o + i] = dst[o + i] - src[vo + i]; break;
    case "mul": for (let i = 0; i < n; i++) dst[o + i] = dst[o + i] * src[vo + i]; break;
    case "div": for (let i = 0; i < n; i++) dst[o + i] = dst[o + i] / src[vo + i]; break;
  }
  t._version.value++;
  return true;
}

/** t[items] = value, or t[items] op= value with Python's read-modify-write semantics. */
export function setIndex<T extends Tensor>(t: T, items: IndexItem[], value: Operand, mode: "set" | keyof typeof COMBINE): T {
  if (canWriteDirectly(t, value)) {
    writeDirect(t, items, value, mode);
    return t;
  }
  const v = mode === "set" ? value : COMBINE[mode](getIndex(t, items), value);
  return inplace(t, "index_put_", (old) => indexPutCopy(old, items, v, false));
}

/** torch's index_put_(indices, values, accumulate): with accumulate, repeated indices add up. */
export function indexPut<T extends Tensor>(t: T, indices: Tensor[], values: Operand, accumulate: boolean): T {
  return inplace(t, "index_put_", (old) => indexPutCopy(old, indices, values, accumulate));
}

export function indexSelect(t: Tensor, dim: number, index: Tensor): Tensor {
  const d = dim < 0 ? dim + t.ndim : dim;
  const items: IndexItem[] = [];
  for (let i = 0; i < d; i++) items.push(":");
  items.push(index);
  return getIndex(t, items);
}
