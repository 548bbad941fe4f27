// Matrix products. Every product — user `a @ b` and the backward's `g @ B.T`, `A.T @ g` — runs
// through `matmulKernel`, whose result depends only on the values (not the strides): each output is
// a double accumulation over k = 0..K-1 of exact float32 products, rounded once.
import { record } from "../autograd";
import { allocStorage, promoteTypes, type Storage } from "../dtype";
import { TorchError } from "../errors";
import { broadcastShapes, broadcastStrides, enumerateOffsets, numelOf } from "../shape";
import { Tensor } from "../tensor";
import { sumToShape } from "./reduce";
import { squeeze, transpose, unsqueeze } from "./views";

/** out[m,n] = a[m,k] @ b[k,n] for strided operands starting at the given offsets. */
export function matmulKernel(
  sa: Storage, aOff: number, as0: number, as1: number,
  sb: Storage, bOff: number, bs0: number, bs1: number,
  m: number, k: number, n: number,
  out: Storage, outOff: number,
): void {
  // pack A row-major and B column-major so the inner loop walks both contiguously
  const ap = new Float64Array(m * k), bt = new Float64Array(n * k);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) ap[i * k + p] = sa[aOff + i * as0 + p * as1];
  for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) bt[j * k + p] = sb[bOff + p * bs0 + j * bs1];
  for (let i = 0; i < m; i++) {
    const ai = i * k;
    for (let j = 0; j < n; j++) {
      const bj = j * k;
      let acc = 0;
      for (let p = 0; p < k; p++) acc += ap[ai + p] * bt[bj + p];
      out[outOff + i * n + j] = acc;
    }
  }
}

/** Batched (broadcast) product of tensors with ndim >= 2. */
function matmulND(a: Tensor, b: Tensor): Tensor {
  const [m, k] = a._shape.slice(-2), [k2, n] = b._shape.slice(-2);
  if (k !== k2) {
    throw new TorchError(`matmul: mat1 and mat2 shapes cannot be multiplied (${a._shape.join("x")} and ${b._shape.join("x")})`);
  }
  const batchA = a._shape.slice(0, -2), batchB = b._shape.slice(0, -2);
  const batch = broadcastShapes(batchA, batchB, "matmul");
  const dtype = promoteTypes(a.dtype, b.dtype);
  const nb = numelOf(batch);
  const out = allocStorage(dtype, nb * m * n);
  const aBase = enumerateOffsets(batch, broadcastStrides(batchA, a._strides.slice(0, -2), batch), a._offset);
  const bBase = enumerateOffsets(batch, broadcastStrides(batchB, b._strides.slice(0, -2), batch), b._offset);
  const [as0, as1] = a._strides.slice(-2), [bs0, bs1] = b._strides.slice(-2);
  for (let i = 0; i < nb; i++) {
    matmulKernel(a._storage, aBase[i], as0, as1, b._storage, bBase[i], bs0, bs1, m, k, n, out, i * m * n);
  }
  const result = new Tensor(out, [...batch, m, n], dtype);
  return record(result, a.ndim === 2 && b.ndim === 2 ? "MmBackward0" : "BmmBackward0", [a, b], (g) => [
    a.requires_grad ? sumToShape(matmul(g, transpose(b, -1, -2)), a._shape) : null,
    b.requires_grad ? sumToShape(matmul(transpose(a, -1, -2), g), b._shape) : null,
  ]);
}

/** torch.matmul: 1-D operands are promoted to matrices and the added dim removed afterwards. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (!(b instanceof Tensor)) throw new TorchError("matmul: argument 'other' must be a Tensor");
  if (a.ndim === 0 || b.ndim === 0) {
    throw new TorchError(`matmul: both arguments to matmul need to be at least 1D, but they are ${a.ndim}D and ${b.ndim}D`);
  }
  if (a.ndim === 1 && b.ndim === 1) {
    if (a._shape[0] !== b._shape[0]) {
      throw new TorchError(`matmul: inconsistent tensor size, expected tensor [${a._shape[0]}] and src [${b._shape[0]}] to have the same number of elements, but got ${a._shape[0]} and ${b._shape[0]} elements respectively`);
    }
    return squeeze(squeeze(matmulND(unsqueeze(a, 0), unsqueeze(b, 1)), -1), -1);
  }
  if (a.ndim === 1) return squeeze(matmulND(unsqueeze(a, 0), b), -2);
  if (b.ndim === 1) return squeeze(matmulND(a, unsqueeze(b, 1)), -1);
  return matmulND(a, b);
}
