// Matrix products (WebAssembly SIMD kernel in ./wasm-matmul, this JS kernel as the fallback; both
// give bit-identical results). Every product — user `a @ b` and the backward's `g @ B.T`, `A.T @ g` —
// runs through the same kernel (`wasmMatmul`, else `matmulKernel`), whose result depends only on the
// values (not the strides): each output accumulates its products over k = 0..K-1 in order — in
// float32 (every product and sum rounded) when operands and result are float32, else in doubles
// rounded once.
import { record } from "../autograd";
import { allocForOverwrite, promoteTypes, type Storage } from "../dtype";
import { TorchError } from "../errors";
import { broadcastShapes, broadcastStrides, enumerateOffsets, numelOf } from "../shape";
import { Tensor } from "../tensor";
import { sumToShape } from "./reduce";
import { squeeze, transpose, unsqueeze } from "./views";
import { wasmMatmul } from "./wasm-matmul";

/**
 * out[m,n] = a[m,k] @ b[k,n] for strided operands starting at the given offsets. Row i of the output
 * is accumulated as acc[j] += a[i,p] * b[p,j] for p = 0..k-1 (in float32 when operands and result
 * are float32, else in doubles) — the same order for every layout, so transposed views (g @ W.T)
 * give bit-identical results to contiguous copies.
 */
export function matmulKernel(
  sa: Storage, aOff: number, as0: number, as1: number,
  sb: Storage, bOff: number, bs0: number, bs1: number,
  m: number, k: number, n: number,
  out: Storage, outOff: number,
): void {
  // float32 operands and result accumulate in float32 (each product and sum rounded, as in the
  // WASM kernel's f32x4 lanes); anything else in doubles, rounded once on the store
  const f32 = sa instanceof Float32Array && sb instanceof Float32Array && out instanceof Float32Array, F = Math.fround;
  // Pack both operands into Float64Arrays (row-major) so the hot loop is monomorphic.
  const A = pack(sa, aOff, as0, as1, m, k), B = pack(sb, bOff, bs0, bs1, k, n);
  const finiteRow = new Uint8Array(k);
  for (let p = 0; p < k; p++) finiteRow[p] = rowHasNonFinite(B, p * n, n) ? 0 : 1;
  // Four output rows at a time share each loaded row of B (register blocking); every output still
  // sums its k products in order p = 0..k-1.
  const acc0 = new Float64Array(n), acc1 = new Float64Array(n), acc2 = new Float64Array(n), acc3 = new Float64Array(n);
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    acc0.fill(0); acc1.fill(0); acc2.fill(0); acc3.fill(0);
    const a0 = i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
    for (let p = 0; p < k; p++) {
      const x0 = A[a0 + p], x1 = A[a1 + p], x2 = A[a2 + p], x3 = A[a3 + p];
      // 0 * b adds ±0, which changes nothing, unless b is Inf/NaN
      if (x0 === 0 && x1 === 0 && x2 === 0 && x3 === 0 && finiteRow[p]) continue;
      const row = p * n;
      if (f32) {
        for (let j = 0; j < n; j++) {
          const b = B[row + j];
          acc0[j] = F(acc0[j] + F(x0 * b)); acc1[j] = F(acc1[j] + F(x1 * b));
          acc2[j] = F(acc2[j] + F(x2 * b)); acc3[j] = F(acc3[j] + F(x3 * b));
        }
      } else {
        for (let j = 0; j < n; j++) {
          const b = B[row + j];
          acc0[j] += x0 * b; acc1[j] += x1 * b; acc2[j] += x2 * b; acc3[j] += x3 * b;
        }
      }
    }
    const o = outOff + i * n;
    for (let j = 0; j < n; j++) {
      out[o + j] = acc0[j]; out[o + n + j] = acc1[j]; out[o + 2 * n + j] = acc2[j]; out[o + 3 * n + j] = acc3[j];
    }
  }
  for (; i < m; i++) {
    acc0.fill(0);
    const ai = i * k;
    for (let p = 0; p < k; p++) {
      const x = A[ai + p];
      if (x === 0 && finiteRow[p]) continue;
      const row = p * n;
      if (f32) for (let j = 0; j < n; j++) acc0[j] = F(acc0[j] + F(x * B[row + j]));
      else for (let j = 0; j < n; j++) acc0[j] += x * B[row + j];
    }
    const o = outOff + i * n;
    for (let j = 0; j < n; j++) out[o + j] = acc0[j];
  }
}

function pack(s: Storage, off: number, s0: number, s1: number, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  if (s1 === 1 && s0 === cols) {
    out.set(s.subarray(off, off + rows * cols));
    return out;
  }
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = s[off + r * s0 + c * s1];
  return out;
}

function rowHasNonFinite(s: Float64Array, start: number, n: number): boolean {
  for (let j = 0; j < n; j++) if (!Number.isFinite(s[start + j])) return true;
  return false;
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
  const out = allocForOverwrite(dtype, nb * m * n); // every product writes its block (k = 0 included)
  const aBase = enumerateOffsets(batch, broadcastStrides(batchA, a._strides.slice(0, -2), batch), a._offset);
  const bBase = enumerateOffsets(batch, broadcastStrides(batchB, b._strides.slice(0, -2), batch), b._offset);
  const [as0, as1] = a._strides.slice(-2), [bs0, bs1] = b._strides.slice(-2);
  for (let i = 0; i < nb; i++) {
    if (m * n === 0) continue;
    if (!wasmMatmul(a._storage, aBase[i], as0, as1, b._storage, bBase[i], bs0, bs1, m, k, n, out, i * m * n)) {
      matmulKernel(a._storage, aBase[i], as0, as1, b._storage, bBase[i], bs0, bs1, m, k, n, out, i * m * n);
    }
  }
  const result = new Tensor(out, [...batch, m, n], dtype);
  return record(result, a.ndim === 2 && b.ndim === 2 ? "MmBackward0" : "BmmBackward0", [a, b], (g) => [
    a.requires_grad ? sumToShape(matmul(g, transpose(b, -1, -2)), a._shape) : null,
    b.requires_grad ? sumToShape(matmul(transpose(a, -1, -2), g), b._shape) : null,
  ], [a.requires_grad ? b : null, b.requires_grad ? a : null]);
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
