// Tensor: a strided view over a typed-array storage plus its autograd fields. The math lives in
// ./ops; the methods here are the torch-style surface that forwards to it.
import { GradFn, noGrad, runBackward, type BackwardHooks } from "./autograd";
import { allocStorage, isFloating, DTYPE_LABEL, type DType, type Storage } from "./dtype";
import { TorchError, fmtShape } from "./errors";
import { inspector } from "./inspect";
import { contiguousStrides, enumerateOffsets, isContiguousLayout, numelOf } from "./shape";
import * as ew from "./ops/elementwise";
import * as red from "./ops/reduce";
import * as views from "./ops/views";
import * as creation from "./ops/creation";
import * as idx from "./ops/indexing";
import { matmul } from "./ops/matmul";
import { formatTensor } from "./format";
import { tensorMethods, type TableMethods } from "./ops/table";
import type { IndexItem } from "./ops/indexing";

export type Operand = Tensor | number | boolean;
export type DimArg = number | number[] | undefined | null;
export interface KeepdimOpts { keepdim?: boolean; keepdims?: boolean }
export interface VarOpts extends KeepdimOpts { unbiased?: boolean; correction?: number }

let nextTensorId = 1;

/**
 * @internal For the Python live mode's snapshots (src/python/live.ts): the id counter, and how often
 * a `.data` alias was made or assigned (its writes do not bump the tensor's own version).
 */
export const tensorBookkeeping = {
  nextId: (): number => nextTensorId,
  setNextId(n: number): void { nextTensorId = n; },
  dataAliases: 0,
};

export class Tensor {
  readonly id = nextTensorId++;
  /** @internal storage and layout */
  _storage: Storage;
  _shape: number[];
  _strides: number[];
  _offset: number;
  readonly dtype: DType;
  /** @internal shared by a tensor and its views; bumped by every in-place write */
  _version: { value: number };
  /** @internal the tensor this one is a view of */
  _base: Tensor | null = null;

  private _requiresGrad = false;
  private _gradFn: GradFn | null = null;
  private _acc: GradFn | null = null;
  private _retainsGrad = false;
  grad: Tensor | null = null;

  constructor(storage: Storage, shape: number[], dtype: DType, strides?: number[], offset = 0, version?: { value: number }) {
    this._storage = storage;
    this._shape = shape;
    this._strides = strides ?? contiguousStrides(shape);
    this._offset = offset;
    this.dtype = dtype;
    this._version = version ?? { value: 0 };
    inspector.onCreate?.(this);
  }

  // ---- shape and layout ----
  get shape(): number[] { return this._shape.slice(); }
  get ndim(): number { return this._shape.length; }
  dim(): number { return this._shape.length; }
  size(d?: number): number | number[] {
    if (d === undefined) return this.shape;
    return this._shape[d < 0 ? d + this._shape.length : d];
  }
  stride(): number[] { return this._strides.slice(); }
  numel(): number { return numelOf(this._shape); }
  nelement(): number { return this.numel(); }
  is_contiguous(): boolean { return isContiguousLayout(this._shape, this._strides); }
  is_floating_point(): boolean { return isFloating(this.dtype); }

  /** @internal the values in row-major order; may alias the storage, never mutate the result. */
  _read(): Storage {
    const n = this.numel();
    if (this.is_contiguous()) {
      if (this._offset === 0 && this._storage.length === n) return this._storage;
      return this._storage.subarray(this._offset, this._offset + n);
    }
    const offs = enumerateOffsets(this._shape, this._strides, this._offset);
    const out = allocStorage(this.dtype, n);
    const s = this._storage;
    for (let i = 0; i < n; i++) out[i] = s[offs[i]];
    return out;
  }
  /** A contiguous row-major copy of the values. */
  toArray(): Float32Array | Float64Array { return this._read().slice(); }

  item(): number {
    if (this.numel() !== 1) {
      throw new TorchError(`item: a Tensor with ${this.numel()} elements cannot be converted to Scalar`);
    }
    return this._storage[this._offset];
  }
  tolist(): unknown {
    const data = this._read();
    const asJs = (v: number) => (this.dtype === "bool" ? v !== 0 : v);
    const build = (dim: number, start: number): unknown => {
      if (dim === this._shape.length) return asJs(data[start]);
      const step = numelOf(this._shape.slice(dim + 1));
      return Array.from({ length: this._shape[dim] }, (_, i) => build(dim + 1, start + i * step));
    };
    return build(0, 0);
  }

  // ---- autograd fields ----
  get requires_grad(): boolean { return this._requiresGrad; }
  set requires_grad(on: boolean) { this.requires_grad_(on); }
  requires_grad_(on = true): this {
    if (on && !isFloating(this.dtype)) {
      throw new TorchError("only Tensors of floating point dtype can require gradients");
    }
    if (!on && this._gradFn) {
      throw new TorchError("you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().");
    }
    this._requiresGrad = on;
    return this;
  }
  get grad_fn(): GradFn | null { return this._gradFn; }
  get is_leaf(): boolean { return this._gradFn === null; }
  get retains_grad(): boolean { return this._retainsGrad; }
  retain_grad(): void {
    if (!this._requiresGrad) throw new TorchError("can't retain_grad on Tensor that has requires_grad=False");
    if (this._gradFn) this._retainsGrad = true;
  }
  /** @internal */
  _setGradFn(node: GradFn | null): void {
    this._gradFn = node;
    if (node) this._requiresGrad = true;
  }
  /** @internal the AccumulateGrad node of a leaf */
  _accumulator(): GradFn {
    if (!this._acc) this._acc = new GradFn("AccumulateGrad", [], this.shape, null, this);
    return this._acc;
  }

  backward(gradient?: Tensor | number, opts: { retain_graph?: boolean } = {}): void {
    let g: Tensor;
    if (gradient === undefined || gradient === null) {
      if (this.numel() !== 1) throw new TorchError("grad can be implicitly created only for scalar outputs");
      g = new Tensor(allocStorage(this.dtype, 1).fill(1), this.shape, this.dtype);
    } else {
      g = typeof gradient === "number" ? creation.full(this.shape, gradient, this.dtype) : gradient.detach();
    }
    runBackward(this, g, opts.retain_graph ?? false, BACKWARD_HOOKS);
  }

  detach(): Tensor {
    return new Tensor(this._storage, this._shape.slice(), this.dtype, this._strides.slice(), this._offset, this._version);
  }
  /** The values without autograd history; assigning replaces this tensor's values (and shape). */
  get data(): Tensor {
    tensorBookkeeping.dataAliases++;
    return new Tensor(this._storage, this._shape.slice(), this.dtype, this._strides.slice(), this._offset);
  }
  set data(src: Tensor) {
    if (src.dtype !== this.dtype) throw new TorchError(`data: expected dtype ${this.dtype}, got ${src.dtype}`);
    tensorBookkeeping.dataAliases++;
    this._storage = src._storage;
    this._shape = src._shape.slice();
    this._strides = src._strides.slice();
    this._offset = src._offset;
  }

  // ---- conversions ----
  to(dtype: DType): Tensor { return ew.cast(this, dtype); }
  float(): Tensor { return this.to("float32"); }
  double(): Tensor { return this.to("float64"); }
  long(): Tensor { return this.to("int64"); }
  int(): Tensor { return this.to("int64"); }
  bool(): Tensor { return this.to("bool"); }
  type(dtype: DType): Tensor { return this.to(dtype); }

  // ---- elementwise (the op table's rows are added below) ----
  clamp(min?: number | null, max?: number | null): Tensor { return ew.clamp(this, min ?? null, max ?? null); }
  masked_fill(mask: Tensor, value: number): Tensor { return ew.where(mask, value, this); }
  equal(o: Tensor): boolean { return ew.tensorEqual(this, o); }
  allclose(o: Tensor, opts?: { rtol?: number; atol?: number; equal_nan?: boolean }): boolean { return ew.allclose(this, o, opts); }

  // ---- reductions ----
  sum(dim?: DimArg | KeepdimOpts, keepdim?: boolean | KeepdimOpts): Tensor { return red.sum(this, ...red.dimArgs(dim, keepdim)); }
  mean(dim?: DimArg | KeepdimOpts, keepdim?: boolean | KeepdimOpts): Tensor { return red.mean(this, ...red.dimArgs(dim, keepdim)); }
  var(dim?: DimArg | VarOpts, opts?: boolean | VarOpts): Tensor { return red.variance(this, dim, opts, false); }
  std(dim?: DimArg | VarOpts, opts?: boolean | VarOpts): Tensor { return red.variance(this, dim, opts, true); }
  max(dim?: number | Tensor | KeepdimOpts, keepdim?: boolean | KeepdimOpts): any { return red.maxmin(this, dim, keepdim, "max"); }
  min(dim?: number | Tensor | KeepdimOpts, keepdim?: boolean | KeepdimOpts): any { return red.maxmin(this, dim, keepdim, "min"); }
  argmax(dim?: number | null | KeepdimOpts, keepdim?: boolean | KeepdimOpts): Tensor { return red.argExtreme(this, dim, keepdim, "max"); }
  argmin(dim?: number | null | KeepdimOpts, keepdim?: boolean | KeepdimOpts): Tensor { return red.argExtreme(this, dim, keepdim, "min"); }
  all(): Tensor { return red.allAny(this, "all"); }
  any(): Tensor { return red.allAny(this, "any"); }

  // ---- linear algebra ----
  matmul(o: Tensor): Tensor { return matmul(this, o); }
  mm(o: Tensor): Tensor {
    if (this.ndim !== 2 || o.ndim !== 2) throw new TorchError(`mm: expected 2-D tensors, got ${this.ndim}-D and ${o.ndim}-D`);
    return matmul(this, o);
  }

  // ---- views and copies ----
  view(...shape: (number | number[])[]): Tensor { return views.view(this, flatShape(shape), "view"); }
  reshape(...shape: (number | number[])[]): Tensor { return views.view(this, flatShape(shape), "reshape"); }
  view_as(o: Tensor): Tensor { return this.view(o.shape); }
  flatten(): Tensor { return this.reshape(-1); }
  get T(): Tensor { return views.permute(this, this._shape.map((_, i) => this._shape.length - 1 - i)); }
  t(): Tensor {
    if (this.ndim > 2) throw new TorchError(`t() expects a tensor with <= 2 dimensions, but self is ${this.ndim}D`);
    return this.T;
  }
  transpose(a: number, b: number): Tensor { return views.transpose(this, a, b); }
  permute(...dims: (number | number[])[]): Tensor { return views.permute(this, flatShape(dims)); }
  unsqueeze(d: number): Tensor { return views.unsqueeze(this, d); }
  squeeze(d?: number): Tensor { return views.squeeze(this, d); }
  expand(...shape: (number | number[])[]): Tensor { return views.expand(this, flatShape(shape)); }
  expand_as(o: Tensor): Tensor { return this.expand(o.shape); }
  contiguous(): Tensor { return this.is_contiguous() ? this : views.clone(this, "CloneBackward0"); }
  clone(): Tensor { return views.clone(this, "CloneBackward0"); }

  // ---- indexing ----
  /** t[i0, i1, ...] */
  index(...items: IndexItem[]): Tensor { return idx.getIndex(this, items); }
  /** t[items] = value */
  indexSet(items: IndexItem | IndexItem[], value: Operand): this { return idx.setIndex(this, asItems(items), value, "set"); }
  /** t[items] += value (Python semantics: read, add, write back) */
  indexAdd(items: IndexItem | IndexItem[], value: Operand): this { return idx.setIndex(this, asItems(items), value, "add"); }
  indexSub(items: IndexItem | IndexItem[], value: Operand): this { return idx.setIndex(this, asItems(items), value, "sub"); }
  indexMul(items: IndexItem | IndexItem[], value: Operand): this { return idx.setIndex(this, asItems(items), value, "mul"); }
  indexDiv(items: IndexItem | IndexItem[], value: Operand): this { return idx.setIndex(this, asItems(items), value, "div"); }
  index_put_(indices: Tensor[], values: Operand, accumulate = false): this { return idx.indexPut(this, indices, values, accumulate); }
  index_select(dim: number, index: Tensor): Tensor { return idx.indexSelect(this, dim, index); }
  multinomial(num_samples: number, opts?: { replacement?: boolean; generator?: unknown }): Tensor {
    return creation.multinomial(this, num_samples, opts);
  }

  // ---- in-place (add_, sub_, mul_, div_, pow_: the op table's) ----
  clamp_(min?: number | null, max?: number | null): this { return ew.inplace(this, "clamp_", (old) => old.clamp(min, max)); }
  copy_(src: Tensor): this { return ew.inplace(this, "copy_", (old) => ew.overwrite(old, src, "CopyBackwards")); }
  zero_(): this { return ew.inplace(this, "zero_", (old) => ew.overwrite(old, 0, "ZeroBackward0")); }
  fill_(v: number): this { return ew.inplace(this, "fill_", (old) => ew.overwrite(old, v, "FillBackward2")); }
  uniform_(a = 0, b = 1, opts?: { generator?: unknown }): this {
    const u = creation.randomLike(this, "uniform", opts);
    return ew.inplace(this, "uniform_", (old) => ew.overwrite(old, u.mul(b - a).add(a), "UniformBackward0"));
  }
  normal_(mean = 0, std = 1, opts?: { generator?: unknown }): this {
    const n = creation.randomLike(this, "normal", opts);
    return ew.inplace(this, "normal_", (old) => ew.overwrite(old, n.mul(std).add(mean), "NormalBackward0"));
  }

  // ---- printing ----
  toString(): string { return formatTensor(this); }
  [Symbol.for("nodejs.util.inspect.custom")](): string { return formatTensor(this); }
  get [Symbol.toStringTag](): string { return `Tensor(${fmtShape(this._shape)}, ${DTYPE_LABEL[this.dtype]})`; }
}

// The op table's rows as methods: declared here, installed on the prototype once.
export interface Tensor extends TableMethods {}
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

