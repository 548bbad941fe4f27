// Tensor's torch-style methods, each forwarding to its op in ./ops. They are installed on Tensor's
// prototype here rather than written in the class, so that tensor.ts imports no op and the ops can
// import Tensor without an import circle. The engine's index.ts loads this module (the engine's
// entry, so every Tensor has its methods before any script runs).
import { noGrad, runBackward, type BackwardHooks } from "./autograd";
import { allocStorage, type DType } from "./dtype";
import { TorchError } from "./errors";
import * as creation from "./ops/creation";
import * as ew from "./ops/elementwise";
import * as idx from "./ops/indexing";
import type { IndexItem } from "./ops/indexing";
import { matmul } from "./ops/matmul";
import * as red from "./ops/reduce";
import { tensorMethods, type TableMethods } from "./ops/table";
import * as views from "./ops/views";
import { Tensor, type DimArg, type KeepdimOpts, type Operand, type VarOpts } from "./tensor";

/** The methods (`this` is the Tensor they are called on); merged into Tensor's type below. */
abstract class TensorMethods {
  backward(this: Tensor, gradient?: Tensor | number, opts: { retain_graph?: boolean } = {}): void {
    let g: Tensor;
    if (gradient === undefined || gradient === null) {
      if (this.numel() !== 1) throw new TorchError("grad can be implicitly created only for scalar outputs");
      g = new Tensor(allocStorage(this.dtype, 1).fill(1), this.shape, this.dtype);
    } else {
      g = typeof gradient === "number" ? creation.full(this.shape, gradient, this.dtype) : gradient.detach();
    }
    runBackward(this, g, opts.retain_graph ?? false, BACKWARD_HOOKS);
  }

  // ---- conversions ----
  to(this: Tensor, dtype: DType): Tensor { return ew.cast(this, dtype); }
  float(this: Tensor): Tensor { return this.to("float32"); }
  double(this: Tensor): Tensor { return this.to("float64"); }
  long(this: Tensor): Tensor { return this.to("int64"); }
  int(this: Tensor): Tensor { return this.to("int64"); }
  bool(this: Tensor): Tensor { return this.to("bool"); }
  type(this: Tensor, dtype: DType): Tensor { return this.to(dtype); }

  // ---- elementwise (the op table's rows are added below) ----
  clamp(this: Tensor, min?: number | null, max?: number | null): Tensor { return ew.clamp(this, min ?? null, max ?? null); }
  masked_fill(this: Tensor, mask: Tensor, value: number): Tensor { return ew.where(mask, value, this); }
  equal(this: Tensor, o: Tensor): boolean { return ew.tensorEqual(this, o); }
  allclose(this: Tensor, o: Tensor, opts?: { rtol?: number; atol?: number; equal_nan?: boolean }): boolean { return ew.allclose(this, o, opts); }

  // ---- reductions ----
  sum(this: Tensor, dim?: DimArg | KeepdimOpts, keepdim?: boolean | KeepdimOpts): Tensor { return red.sum(this, ...red.dimArgs(dim, keepdim)); }
  mean(this: Tensor, dim?: DimArg | KeepdimOpts, keepdim?: boolean | KeepdimOpts): Tensor { return red.mean(this, ...red.dimArgs(dim, keepdim)); }
  var(this: Tensor, dim?: DimArg | VarOpts, opts?: boolean | VarOpts): Tensor { return red.variance(this, dim, opts, false); }
  std(this: Tensor, dim?: DimArg | VarOpts, opts?: boolean | VarOpts): Tensor { return red.variance(this, dim, opts, true); }
  max(this: Tensor, dim?: number | Tensor | KeepdimOpts, keepdim?: boolean | KeepdimOpts): any { return red.maxmin(this, dim, keepdim, "max"); }
  min(this: Tensor, dim?: number | Tensor | KeepdimOpts, keepdim?: boolean | KeepdimOpts): any { return red.maxmin(this, dim, keepdim, "min"); }
  argmax(this: Tensor, dim?: number | null | KeepdimOpts, keepdim?: boolean | KeepdimOpts): Tensor { return red.argExtreme(this, dim, keepdim, "max"); }
  argmin(this: Tensor, dim?: number | null | KeepdimOpts, keepdim?: boolean | KeepdimOpts): Tensor { return red.argExtreme(this, dim, keepdim, "min"); }
  all(this: Tensor): Tensor { return red.allAny(this, "all"); }
  any(this: Tensor): Tensor { return red.allAny(this, "any"); }

  // ---- linear algebra ----
  matmul(this: Tensor, o: Tensor): Tensor { return matmul(this, o); }
  mm(this: Tensor, o: Tensor): Tensor {
    if (this.ndim !== 2 || o.ndim !== 2) throw new TorchError(`mm: expected 2-D tensors, got ${this.ndim}-D and ${o.ndim}-D`);
    return matmul(this, o);
  }

  // ---- views and copies ----
  view(this: Tensor, ...shape: (number | number[])[]): Tensor { return views.view(this, flatShape(shape), "view"); }
  reshape(this: Tensor, ...shape: (number | number[])[]): Tensor { return views.view(this, flatShape(shape), "reshape"); }
  view_as(this: Tensor, o: Tensor): Tensor { return this.view(o.shape); }
  flatten(this: Tensor): Tensor { return this.reshape(-1); }
  get T(): Tensor {
    const t = this as unknown as Tensor;
    return views.permute(t, t._shape.map((_, i) => t._shape.length - 1 - i));
  }
  t(this: Tensor): Tensor {
    if (this.ndim > 2) throw new TorchError(`t() expects a tensor with <= 2 dimensions, but self is ${this.ndim}D`);
    return this.T;
  }
  transpose(this: Tensor, a: number, b: number): Tensor { return views.transpose(this, a, b); }
  permute(this: Tensor, ...dims: (number | number[])[]): Tensor { return views.permute(this, flatShape(dims)); }
  unsqueeze(this: Tensor, d: number): Tensor { return views.unsqueeze(this, d); }
  squeeze(this: Tensor, d?: number): Tensor { return views.squeeze(this, d); }
  expand(this: Tensor, ...shape: (number | number[])[]): Tensor { return views.expand(this, flatShape(shape)); }
  expand_as(this: Tensor, o: Tensor): Tensor { return this.expand(o.shape); }
  contiguous(this: Tensor): Tensor { return this.is_contiguous() ? this : views.clone(this, "CloneBackward0"); }
  clone(this: Tensor): Tensor { return views.clone(this, "CloneBackward0"); }

  // ---- indexing ----
  /** t[i0, i1, ...] */
  index(this: Tensor, ...items: IndexItem[]): Tensor { return idx.getIndex(this, items); }
  /** t[items] = value */
  indexSet(this: Tensor, items: IndexItem | IndexItem[], value: Operand): Tensor { return idx.setIndex(this, asItems(items), value, "set"); }
  /** t[items] += value (Python semantics: read, add, write back) */
  indexAdd(this: Tensor, items: IndexItem | IndexItem[], value: Operand): Tensor { return idx.setIndex(this, asItems(items), value, "add"); }
  indexSub(this: Tensor, items: IndexItem | IndexItem[], value: Operand): Tensor { return idx.setIndex(this, asItems(items), value, "sub"); }
  indexMul(this: Tensor, items: IndexItem | IndexItem[], value: Operand): Tensor { return idx.setIndex(this, asItems(items), value, "mul"); }
  indexDiv(this: Tensor, items: IndexItem | IndexItem[], value: Operand): Tensor { return idx.setIndex(this, asItems(items), value, "div"); }
  index_put_(this: Tensor, indices: Tensor[], values: Operand, accumulate = false): Tensor { return idx.indexPut(this, indices, values, accumulate); }
  index_select(this: Tensor, dim: number, index: Tensor): Tensor { return idx.indexSelect(this, dim, index); }
  multinomial(this: Tensor, num_samples: number, opts?: { replacement?: boolean; generator?: unknown }): Tensor {
    return creation.multinomial(this, num_samples, opts);
  }

  // ---- in-place (add_, sub_, mul_, div_, pow_: the op table's); each returns the tensor it changed ----
  clamp_(this: Tensor, min?: number | null, max?: number | null): Tensor { return ew.inplace(this, "clamp_", (old) => old.clamp(min, max)); }
  copy_(this: Tensor, src: Tensor): Tensor { return ew.inplace(this, "copy_", (old) => ew.overwrite(old, src, "CopyBackwards")); }
  zero_(this: Tensor): Tensor { return ew.inplace(this, "zero_", (old) => ew.overwrite(old, 0, "ZeroBackward0")); }
  fill_(this: Tensor, v: number): Tensor { return ew.inplace(this, "fill_", (old) => ew.overwrite(old, v, "FillBackward2")); }
  uniform_(this: Tensor, a = 0, b = 1, opts?: { generator?: unknown }): Tensor {
    const u = creation.randomLike(this, "uniform", opts);
    return ew.inplace(this, "uniform_", (old) => ew.overwrite(old, u.mul(b - a).add(a), "UniformBackward0"));
  }
  normal_(this: Tensor, mean = 0, std = 1, opts?: { generator?: unknown }): Tensor {
    const n = creation.randomLike(this, "normal", opts);
    return ew.inplace(this, "normal_", (old) => ew.overwrite(old, n.mul(std).add(mean), "NormalBackward0"));
  }
}

declare module "./tensor" {
  // the methods above and the op table's rows, on every Tensor
  interface Tensor extends TensorMethods, TableMethods {}
}

for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(TensorMethods.prototype))) {
  if (name !== "constructor") Object.defineProperty(Tensor.prototype, name, descriptor);
}
for (const [name, fn] of Object.entries(tensorMethods())) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true });
}

/** `view(32, -1)`, `view([32, -1])` and `view(t.shape)` all mean the same. */
function flatShape(args: (number | number[])[]): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? args[0].slice() : (args as number[]).flat();
}

function asItems(items: IndexItem | IndexItem[]): IndexItem[] {
  // A bare number[] would be ambiguous (list index vs tuple of indices): a tuple must be a real array
  // of items, a list index must be wrapped: t.indexSet([[0, 2]], v).
  return Array.isArray(items) ? (items as IndexItem[]) : [items];
}

const BACKWARD_HOOKS: BackwardHooks = {
  add: (a, b) => ew.add(a, b),
  addInto: (a, b) => ew.addInto(a, b),
  copy: (t) => noGrad(() => views.clone(t, "")).detach(),
};
