// Views share storage with their base (shape/strides/offset only); their backward reshapes,
// permutes or reduces the gradient back to the input's shape.
import { record } from "../autograd";
import { TorchError, fmtShape } from "../errors";
import { contiguousStrides, normDim, numelOf } from "../shape";
import { Tensor } from "../tensor";
import { sumToShape } from "./sumKernel";

export function makeView(t: Tensor, shape: number[], strides: number[], offset: number): Tensor {
  const v = new Tensor(t._storage, shape, t.dtype, strides, offset, t._version);
  v._base = t._base ?? t;
  return v;
}

function inferShape(shape: number[], numel: number): number[] {
  const free = shape.indexOf(-1);
  if (free !== shape.lastIndexOf(-1)) throw new TorchError("only one dimension can be inferred");
  const out = shape.slice();
  if (free >= 0) {
    const known = shape.reduce((n, s, i) => (i === free ? n : n * s), 1);
    if (known === 0 || numel % known !== 0) {
      throw new TorchError(`shape '${fmtShape(shape)}' is invalid for input of size ${numel}`);
    }
    out[free] = numel / known;
  }
  if (out.some((s) => !Number.isInteger(s) || s < 0) || numelOf(out) !== numel) {
    throw new TorchError(`shape '${fmtShape(shape)}' is invalid for input of size ${numel}`);
  }
  return out;
}

export function view(t: Tensor, shape: number[], op: "view" | "reshape"): Tensor {
  const target = inferShape(shape, t.numel());
  let src = t;
  if (!t.is_contiguous()) {
    if (op === "view") {
      throw new TorchError("view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.");
    }
    src = clone(t, "CloneBackward0");
  }
  const out = makeView(src, target, contiguousStrides(target), src._offset);
  const inShape = t.shape;
  return record(out, op === "view" ? "ViewBackward0" : "ReshapeAliasBackward0", [src], (g) => [g.reshape(inShape)]);
}

export function permute(t: Tensor, dims: number[]): Tensor {
  const nd = t.ndim;
  const d = dims.map((x) => normDim(x, nd, "permute"));
  if (d.length !== nd || new Set(d).size !== nd) {
    throw new TorchError(`permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${nd} is not equal to len(dims) = ${dims.length}`);
  }
  const out = makeView(t, d.map((i) => t._shape[i]), d.map((i) => t._strides[i]), t._offset);
  const inverse = new Array<number>(nd);
  d.forEach((src, i) => (inverse[src] = i));
  return record(out, "PermuteBackward0", [t], (g) => [permute(g, inverse)]);
}

export function transpose(t: Tensor, a: number, b: number): Tensor {
  if (t.ndim === 0) return t;
  const dims = t._shape.map((_, i) => i);
  const x = normDim(a, t.ndim, "transpose"), y = normDim(b, t.ndim, "transpose");
  [dims[x], dims[y]] = [dims[y], dims[x]];
  return permute(t, dims);
}

export function unsqueeze(t: Tensor, dim: number): Tensor {
  const d = normDim(dim, t.ndim + 1, "unsqueeze");
  const shape = t.shape, strides = t.stride();
  const stride = d < t.ndim ? t._strides[d] * t._shape[d] : 1;
  shape.splice(d, 0, 1);
  strides.splice(d, 0, stride);
  const out = makeView(t, shape, strides, t._offset);
  const inShape = t.shape;
  return record(out, "UnsqueezeBackward0", [t], (g) => [g.reshape(inShape)]);
}

export function squeeze(t: Tensor, dim?: number): Tensor {
  const drop = dim === undefined ? t._shape.map((s) => s === 1) : t._shape.map((s, i) => s === 1 && i === normDim(dim, t.ndim, "squeeze"));
  const out = makeView(t, t._shape.filter((_, i) => !drop[i]), t._strides.filter((_, i) => !drop[i]), t._offset);
  const inShape = t.shape;
  return record(out, "SqueezeBackward0", [t], (g) => [g.reshape(inShape)]);
}

export function expand(t: Tensor, shape: number[]): Tensor {
  const lead = shape.length - t.ndim;
  if (lead < 0) {
    throw new TorchError(`expand: the number of sizes provided (${shape.length}) must be greater or equal to the number of dimensions in the tensor (${t.ndim})`);
  }
  const outShape: number[] = [], strides: number[] = [];
  shape.forEach((s, i) => {
    const j = i - lead;
    const cur = j >= 0 ? t._shape[j] : 1;
    const target = s === -1 ? cur : s;
    if (j >= 0 && cur !== target && cur !== 1) {
      throw new TorchError(`The expanded size of the tensor (${target}) must match the existing size (${cur}) at non-singleton dimension ${i}.  Target sizes: ${fmtShape(shape)}.  Tensor sizes: ${fmtShape(t._shape)}`);
    }
    outShape.push(target);
    strides.push(j < 0 || (cur === 1 && target !== 1) ? 0 : t._strides[j]);
  });
  if (outShape.every((s, i) => s === t._shape[i - lead]) && lead === 0) return t;
  const out = makeView(t, outShape, strides, t._offset);
  const inShape = t.shape;
  return record(out, "ExpandBackward0", [t], (g) => [sumToShape(g, inShape)]);
}

export function clone(t: Tensor, label: string): Tensor {
  const out = new Tensor(t._read().slice(), t.shape, t.dtype);
  return label ? record(out, label, [t], (g) => [g]) : out;
}
