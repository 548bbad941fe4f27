// torch.cat / torch.stack; the backward hands each input its slice of the gradient.
import { record } from "../autograd";
import { allocStorage, promoteTypes } from "../dtype";
import { TorchError, fmtShape } from "../errors";
import { contiguousStrides, enumerateOffsets, normDim } from "../shape";
import { Tensor } from "../tensor";
import { Slice } from "./indexing";
import { unsqueeze } from "./views";

export function cat(tensors: Tensor[], dim = 0): Tensor {
  if (!tensors.length) throw new TorchError("cat: expected a non-empty list of Tensors");
  const parts = tensors.filter((t) => !(t.ndim === 1 && t.numel() === 0));
  const ref = parts[0] ?? tensors[0];
  const d = normDim(dim, ref.ndim, "cat");
  for (const t of parts) {
    if (t.ndim !== ref.ndim || t._shape.some((s, i) => i !== d && s !== ref._shape[i])) {
      throw new TorchError(`cat: Sizes of tensors must match except in dimension ${d}. Got ${fmtShape(ref.shape)} and ${fmtShape(t.shape)}`);
    }
  }
  const dtype = parts.reduce((dt, t) => promoteTypes(dt, t.dtype), ref.dtype);
  const shape = ref.shape;
  shape[d] = parts.reduce((n, t) => n + t._shape[d], 0);
  const out = allocStorage(dtype, shape.reduce((a, b) => a * b, 1));
  const strides = contiguousStrides(shape);
  let start = 0;
  for (const t of parts) {
    const offs = enumerateOffsets(t._shape, strides, start * strides[d]);
    const v = t._read();
    for (let i = 0; i < offs.length; i++) out[offs[i]] = v[i];
    start += t._shape[d];
  }
  const result = new Tensor(out, shape, dtype);
  return record(result, "CatBackward0", parts, (g) => {
    let at = 0;
    return parts.map((t) => {
      const items: (string | Slice)[] = Array.from({ length: d }, () => ":");
      items.push(new Slice(at, at + t._shape[d]));
      at += t._shape[d];
      return g.index(...items).contiguous();
    });
  });
}

export function stack(tensors: Tensor[], dim = 0): Tensor {
  if (!tensors.length) throw new TorchError("stack: expected a non-empty list of Tensors");
  const d = normDim(dim, tensors[0].ndim + 1, "stack");
  for (const t of tensors) {
    if (t._shape.join() !== tensors[0]._shape.join()) {
      throw new TorchError(`stack: expects each tensor to be equal size, but got ${fmtShape(tensors[0].shape)} and ${fmtShape(t.shape)}`);
    }
  }
  return cat(tensors.map((t) => unsqueeze(t, d)), d);
}
