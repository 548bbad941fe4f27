// Shape arithmetic shared by every op: broadcasting, strides, dim normalisation, offset enumeration.
import { TorchError, fmtShape } from "./errors";

export const numelOf = (shape: readonly number[]): number => {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
};

export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((s, i) => s === b[i]);

/** NumPy/PyTorch broadcasting of two shapes; `op` names the operation in the error. */
export function broadcastShapes(a: readonly number[], b: readonly number[], op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new TorchError(
        `${op}: The size of tensor a (${da}) must match the size of tensor b (${db}) at non-singleton dimension ${i}` +
          ` (shapes ${fmtShape(a)} and ${fmtShape(b)})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read a tensor of `shape`/`strides` as if it had been expanded to `target`. */
export function broadcastStrides(shape: readonly number[], strides: readonly number[], target: readonly number[]): number[] {
  const lead = target.length - shape.length;
  const out = new Array<number>(target.length).fill(0);
  for (let i = 0; i < shape.length; i++) out[lead + i] = shape[i] === 1 && target[lead + i] !== 1 ? 0 : strides[i];
  return out;
}

/** Wrap a possibly negative dim into [0, ndim). */
export function normDim(dim: number, ndim: number, op = "dim"): number {
  const n = Math.max(ndim, 1);
  if (!Number.isInteger(dim) || dim < -n || dim >= n) {
    throw new TorchError(`${op}: Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`);
  }
  return dim < 0 ? dim + n : dim;
}

/** Every storage offset of a strided layout, in row-major order of its indices. */
export function enumerateOffsets(shape: readonly number[], strides: readonly number[], offset: number): Int32Array {
  const n = numelOf(shape);
  const out = new Int32Array(n);
  const nd = shape.length;
  if (nd === 0) {
    if (n) out[0] = offset;
    return out;
  }
  const last = nd - 1;
  const lastSize = shape[last], lastStride = strides[last];
  const counter = new Array<number>(nd).fill(0);
  let base = offset;
  let k = 0;
  while (k < n) {
    for (let j = 0, o = base; j < lastSize; j++, o += lastStride) out[k++] = o;
    // advance the outer counters
    let d = last - 1;
    while (d >= 0) {
      counter[d]++;
      base += strides[d];
      if (counter[d] < shape[d]) break;
      base -= strides[d] * shape[d];
      counter[d] = 0;
      d--;
    }
    if (d < 0) break;
  }
  return out;
}

export function isContiguousLayout(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}
