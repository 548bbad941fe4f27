// Tensor: a strided view over a typed-array storage plus its autograd fields. The math lives in
// ./ops, which import this class; the torch-style methods that forward to them are installed on its
// prototype by ./tensorMethods.ts (loaded by the engine's index.ts), so no op is imported here.
import { GradFn } from "./autograd";
import { allocStorage, isFloating, DTYPE_LABEL, type DType, type Storage } from "./dtype";
import { TorchError, fmtShape } from "./errors";
import { inspector } from "./inspect";
import { contiguousStrides, enumerateOffsets, isContiguousLayout, numelOf } from "./shape";
import { formatTensor } from "./format";

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

  // ---- printing ----
  toString(): string { return formatTensor(this); }
  [Symbol.for("nodejs.util.inspect.custom")](): string { return formatTensor(this); }
  get [Symbol.toStringTag](): string { return `Tensor(${fmtShape(this._shape)}, ${DTYPE_LABEL[this.dtype]})`; }
}
