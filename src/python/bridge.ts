// The JS half of the Python `torch` package: small functions with positional arguments, so that the
// Python side never builds JS option objects (each FFI crossing costs a few microseconds, and a
// kwargs dict would cost several). Python keyword arguments are resolved in Python, then passed here
// in a fixed order. Everything returns engine objects, which Python sees as JsProxy handles.
import { torch, F, Tensor, formatTensor, pyFloatRepr, compareGradients, formatComparison } from "../engine/index";
import type { Comparison } from "../engine/cmp";
import { setIndex, type IndexItem } from "../engine/ops/indexing";
import { inspector } from "../engine/inspect";
import { sameShape } from "../engine/shape";
import { TorchError } from "../engine/errors";
import { DTYPE_LABEL, isFloating, promoteTypes, type DType } from "../engine/dtype";
import { BINARY_OPS, INPLACE_OPS, UNARY_OPS, opTableData } from "../engine/ops/table";
import type { Generator as TorchGenerator } from "../engine/random/generator";
import { npRandom } from "./nprandom";

type Gen = TorchGenerator | null | undefined;
type MaybeDim = number | number[] | null | undefined;

const opt = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

function dimOrNull(dim: MaybeDim): number | number[] | null {
  if (dim === undefined || dim === null) return null;
  return Array.isArray(dim) ? Array.from(dim) : dim;
}

// Tensor methods as plain functions: Python caches each one once, because looking a method up on a
// JS object through the FFI (which builds a bound-method proxy) costs more than the call itself.
// The op table's rows, and the other methods Python calls this way.
const UNARY = [...Object.keys(UNARY_OPS), "clone", "detach", "contiguous", "all", "any", "item", "float", "double",
  "long", "bool", "zero_", "retain_grad", "numel", "tolist", "toArray"];
const BINARY = [...Object.keys(BINARY_OPS), ...Object.keys(INPLACE_OPS), "matmul", "mm", "copy_", "fill_",
  "masked_fill_", "to", "unsqueeze", "squeeze", "view_as", "expand_as", "equal"];
type Fn = (...args: never[]) => unknown;
const methods: Record<string, Fn> = {};
for (const name of UNARY) methods[`t_${name}`] = ((t: Tensor) => (t as unknown as Record<string, () => unknown>)[name]()) as Fn;
for (const name of BINARY) methods[`t_${name}`] = ((t: Tensor, o: unknown) => (t as unknown as Record<string, (o: unknown) => unknown>)[name](o)) as Fn;

/**
 * An integer read from ARGS (a Float64Array) as an int32 when it is one. V8 keeps a number read
 * from a Float64Array as a double; stored as a view's offset or passed on as a dim, it makes the
 * engine's tensor fields and loops hold doubles from then on, and their index arithmetic slower
 * (a [32,200] sum(0) ~8.5 -> ~12 us here). Other values (out of int32 range) pass as they are.
 */
const int = (x: number): number => {
  const i = x | 0;
  return i === x ? i : x;
};

function asIndex(k: unknown): unknown {
  return k instanceof Tensor && k.dtype === "int64" && k._shape.length === 0 ? int(k.item() as number) : k;
}

/**
 * r = t[key] (index `i`, key as an index) is a view of t that Python's write-back `t[key] = r` would
 * only copy onto itself: a number index, no autograd on either, and a key that is not a view of t.
 */
function writeBackIsNoOp(t: Tensor, key: unknown, i: unknown, r: Tensor): boolean {
  // (a number index gives a view; an index tensor of more elements gathers a copy)
  return typeof i === "number" && r._storage === t._storage && !t.requires_grad && !r.requires_grad &&
    !(key instanceof Tensor && key._storage === t._storage);
}

// ---- handles: Python holds a small int per tensor, not a JsProxy ----
// Turning a returned JS object into a JsProxy costs Pyodide ~3-4 µs and every FFI argument ~0.4 µs,
// while a call with no arguments returning a number costs ~0.5 µs. So the hot operations take their
// operands from two buffers Python writes into (an array('d') and an array('i') whose memory, inside
// the wasm heap, we see through PyProxy.getBuffer) and return the result's handle. Python releases
// handles in batches when its wrappers die (Tensor.__del__ in torch/_tensor.py).
const tensors: (Tensor | undefined)[] = [];
const freeHandles: number[] = [];

function put(t: Tensor): number {
  const h = freeHandles.length > 0 ? freeHandles.pop()! : tensors.length;
  tensors[h] = t;
  return h;
}

function at(h: number): Tensor {
  const t = tensors[h];
  if (t === undefined) throw new Error(`internal error: tensor handle ${h} is not live`);
  return t;
}

interface PyBufferView { data: ArrayLike<number>; release(): void }
interface PyArrayProxy { getBuffer(type: string): PyBufferView }
let argProxy: PyArrayProxy | null = null, dimProxy: PyArrayProxy | null = null, deadProxy: PyArrayProxy | null = null;
let argView: PyBufferView | null = null, dimView: PyBufferView | null = null, deadView: PyBufferView | null = null;
/** ARGS: numbers and handles (Python's array('d')); DIMS: dims (array('i')). Empty once wasm memory grows. */
let ARGS: Float64Array<ArrayBufferLike> = new Float64Array(0);
let DIMS: Int32Array<ArrayBufferLike> = new Int32Array(0);
/** DEAD: handles of Python wrappers that died, written by _release_dead (torch/_handles.py) */
let DEAD: Int32Array<ArrayBufferLike> = new Int32Array(0);

function attachViews(): void {
  argView?.release();
  dimView?.release();
  deadView?.release();
  argView = argProxy!.getBuffer("f64");
  dimView = dimProxy!.getBuffer("i32");
  deadView = deadProxy ? deadProxy.getBuffer("i32") : null;
  ARGS = argView.data as Float64Array;
  DIMS = dimView.data as Int32Array;
  DEAD = deadView ? (deadView.data as Int32Array) : new Int32Array(0);
}

function releaseHandle(h: number): void {
  if (h >= 0 && tensors[h] !== undefined) {
    tensors[h] = undefined;
    freeHandles.push(h);
  }
}

/** t.data = src; 1 when that changed t's shape (Python's cached shapes are then stale), else 0. */
function setData(t: Tensor, src: Tensor): number {
  const before = t._shape;
  t.data = src;
  return sameShape(before, t._shape) ? 0 : 1;
}

/** The argument buffer, re-viewed when a wasm memory growth has detached the old view. */
function args(): Float64Array<ArrayBufferLike> {
  if (ARGS.length === 0) attachViews();
  return ARGS;
}

// ---- codes shared with Python, which reads them from pythonTable() (torch/_ops.py) ----
/** a dtype's code is its index; itemsize is PyTorch's element size (torch.float32.itemsize) */
const DTYPES: readonly { name: DType; itemsize: number }[] = [
  { name: "float32", itemsize: 4 }, { name: "float64", itemsize: 8 }, { name: "int64", itemsize: 8 }, { name: "bool", itemsize: 1 },
];
const DTYPE_CODES = DTYPES.map((d) => d.name);
const dtypeArg = (code: number): DType | undefined => (code >= 0 ? DTYPE_CODES[code] : undefined);
const dimArg = (x: number): number | null => (Number.isNaN(x) ? null : int(x));
const REDUCTIONS = ["mean", "sum", "none"] as const;
/** the ops of `a[k] op= v` and `p.data op= v` (h_iopIndexedN, h_iopData) */
const IOP_MODES = ["add", "sub", "mul", "div"] as const;
/** Index items in ARGS: from ITEMS_AT, ITEM_SLOTS slots each, a code and its values (indexItems). */
const ITEMS_AT = 4, ITEM_SLOTS = 4;
const ITEM = { int: 0, tensor: 1, slice: 2, none: 3, ellipsis: 4, range: 5 } as const;

/** Everything above, the op table and each dtype's rank in type promotion, as JSON for torch/_ops.py. */
function pythonTable(): string {
  const rank = (d: DType) => DTYPE_CODES.filter((e) => promoteTypes(d, e) === d).length - 1;
  return JSON.stringify({
    ops: opTableData(),
    dtypes: DTYPES.map(({ name, itemsize }) => ({ name, itemsize, label: DTYPE_LABEL[name], floating: isFloating(name), rank: rank(name) })),
    reductions: REDUCTIONS,
    iopModes: IOP_MODES,
    index: { at: ITEMS_AT, slots: ITEM_SLOTS, codes: ITEM },
  });
}

type Call = (...a: unknown[]) => unknown;
const call = (t: Tensor, name: string): Call => (t as unknown as Record<string, Call>)[name];
const handleOps: Record<string, () => number | void> = {};
// h_<op>: unary; h_<op>_t / h_<op>_s: binary with a tensor / number operand; in-place forms return nothing
const NOT_TENSOR_VALUED = new Set(["item", "numel", "tolist", "toArray", "retain_grad", "zero_", "equal", "to", "masked_fill_"]);
for (const name of UNARY) {
  if (NOT_TENSOR_VALUED.has(name)) continue;
  handleOps[`h_${name}`] = () => { const t = at(args()[0]); return put(call(t, name).call(t) as Tensor); };
}
handleOps.h_zero_ = () => { at(args()[0]).zero_(); };
// in-place forms return 1 when the tensor requires grad afterwards (see _pending in _tensor.py)
for (const name of BINARY) {
  if (NOT_TENSOR_VALUED.has(name)) continue;
  const inPlace = name.endsWith("_");
  handleOps[`h_${name}_t`] = inPlace
    ? () => { const a = args(); const t = at(a[0]); call(t, name).call(t, at(a[1])); return t.requires_grad ? 1 : 0; }
    : () => { const a = args(); const t = at(a[0]); return put(call(t, name).call(t, at(a[1])) as Tensor); };
  handleOps[`h_${name}_s`] = inPlace
    ? () => { const a = args(); const t = at(a[0]); call(t, name).call(t, a[1]); return t.requires_grad ? 1 : 0; }
    : () => { const a = args(); const t = at(a[0]); return put(call(t, name).call(t, a[1]) as Tensor); };
}

/**
 * Index items written by Python's _encode_items (torch/_index.py): `n` items from ARGS[ITEMS_AT], a
 * code (ITEM) and its values: an int, a tensor handle, a slice's or range's (start, stop, step;
 * NaN: None), nothing for None and Ellipsis.
 */
function indexItems(a: Float64Array<ArrayBufferLike>, n: number): IndexItem[] {
  const items: IndexItem[] = new Array(n);
  for (let i = 0, s = ITEMS_AT; i < n; i++, s += ITEM_SLOTS) {
    switch (a[s]) {
      case ITEM.int: items[i] = int(a[s + 1]); break;
      case ITEM.tensor: items[i] = asIndex(at(a[s + 1])) as IndexItem; break;
      case ITEM.slice: items[i] = torch.slice(dimArg(a[s + 1]), dimArg(a[s + 2]), dimArg(a[s + 3])); break;
      case ITEM.none: items[i] = null; break;
      case ITEM.ellipsis: items[i] = "..."; break;
      default: items[i] = torch.arange(int(a[s + 1]), int(a[s + 2]), int(a[s + 3]), { dtype: "int64", requires_grad: false });
    }
  }
  return items;
}

export const handles = {
  ...handleOps,
  pythonTable,
  attachBuffers(argArray: PyArrayProxy, dimArray: PyArrayProxy, deadArray?: PyArrayProxy): void {
    argProxy = argArray;
    dimProxy = dimArray;
    deadProxy = deadArray ?? null;
    attachViews();
  },
  /** a JS tensor (cold paths that still pass JsProxy objects) → a new handle */
  put,
  /** the tensor behind a handle, for cold paths (Python sees a JsProxy) */
  get: (h: number): Tensor => at(h),
  release(...hs: number[]): void {
    for (const h of hs) releaseHandle(h);
  },
  /**
   * The first n handles of the dead-handle buffer. Python releases dead wrappers' handles a few at a
   * time: a dropped tensor stays reachable from this table until then, and one that survives a
   * young-generation GC gets promoted, which makes V8's collections slower.
   */
  releaseDead(n: number): void {
    if (DEAD.length === 0) attachViews();
    for (let i = 0; i < n; i++) releaseHandle(DEAD[i]);
  },
  liveHandles: (): number => tensors.length - freeHandles.length,
  /** a second handle onto the same tensor (copy.copy) */
  h_dup: (): number => put(at(args()[0])),
  h_T: (): number => put(at(args()[0]).T),
  h_data: (): number => put(at(args()[0]).data),
  /** t.data = src; 1 when t's shape changed (Python's cached shapes are then stale) */
  h_setData: (): number => { const a = args(); return setData(at(a[0]), at(a[1])); },
  /** -1 when the tensor has no grad */
  h_grad: (): number => { const g = at(args()[0]).grad; return g ? put(g) : -1; },
  /** the dims go to DIMS; returns ndim */
  h_shape: (): number => {
    const s = at(args()[0])._shape;
    if (DIMS.length === 0) attachViews();
    for (let i = 0; i < s.length; i++) DIMS[i] = s[i];
    return s.length;
  },
  h_ndim: (): number => at(args()[0])._shape.length,
  h_dtype: (): number => DTYPE_CODES.indexOf(at(args()[0]).dtype),
  /** the value; its dtype's code goes to F[1] */
  h_item: (): number => { const a = args(); const t = at(a[0]); a[1] = DTYPE_CODES.indexOf(t.dtype); return t.item() as number; },
  /**
   * t[i] (i a number, F[2] = 0) or t[k] (k a tensor handle, F[2] = 1). F[3] = 1 when writing the
   * result back with t[k] = result would copy it onto itself and change nothing, whatever in-place
   * ops modify the result meanwhile: no autograd involved, and k does not share t's storage.
   */
  h_index1: (): number => {
    const a = args();
    const t = at(a[0]);
    const key = a[2] ? at(a[1]) : int(a[1]);
    const i = asIndex(key);
    const r = t.index(i as number);
    a[3] = writeBackIsNoOp(t, key, i, r) ? 1 : 0;
    return put(r);
  },
  h_index2: (): number => { const a = args(); return put(at(a[0]).index(int(a[1]), int(a[2]))); },
  /** t[k] = v: F[3] bit 0: k is a handle, bit 1: v is a handle */
  h_setItem1: (): void => {
    const a = args();
    const flags = a[3];
    const key = flags & 1 ? asIndex(at(a[1])) : int(a[1]);
    at(a[0]).indexSet([key as number], flags & 2 ? at(a[2]) : a[2]);
  },
  /** t[items]: F[1] = the number of items, written from F[4] (indexItems) */
  h_getItemN: (): number => { const a = args(); return put(at(a[0]).index(...indexItems(a, a[1]))); },
  /** t[items] = v: F[1] items from F[4], F[2] the value, F[3] = 1 when it is a handle */
  h_setItemN: (): void => { const a = args(); at(a[0]).indexSet(indexItems(a, a[1]), a[3] ? at(a[2]) : a[2]); },
  /**
   * t[k] += src[j] (or -=) in one call, doing what Python's three steps do: r = t[k]; r += src[j];
   * t[k] = r, the last skipped where the bridge skips it (h_index1). F[1] k, F[2] src's handle, F[3]
   * and F[4] the ints j (F[4] only with flag 4), F[5] flags: 1 k is a handle, 2 -=, 4 two ints j.
   */
  h_iaddIndexed: (): void => {
    const a = args();
    const flags = a[5];
    const t = at(a[0]);
    const key = flags & 1 ? at(a[1]) : int(a[1]);
    const i = asIndex(key);
    const r = t.index(i as number);
    const src = at(a[2]);
    const v = flags & 4 ? src.index(int(a[3]), int(a[4])) : src.index(int(a[3]));
    const skipWriteBack = writeBackIsNoOp(t, key, i, r);
    if (flags & 2) r.sub_(v);
    else r.add_(v);
    // the key read again, as Python's write-back does (a key that is a view of t may have changed)
    if (!skipWriteBack || r.requires_grad) t.indexSet([asIndex(key) as number], r);
  },
  /**
   * t[items] op= number in one call (the runner compiles `a[key] op= x` to _iop_indexed, _tensor.py):
   * F[1] items from F[4], F[2] the number, F[3] >> 1 the op (IOP_MODES). Returns 1 when done, 0 when
   * the engine's direct write does not apply (an int/bool t, or a graph to record): Python then runs
   * the read, the in-place op and the write-back itself.
   */
  h_iopIndexedN: (): number => {
    const a = args();
    const t = at(a[0]);
    if ((t.dtype !== "float32" && t.dtype !== "float64") || (t.requires_grad && torch.is_grad_enabled())) return 0;
    const items = indexItems(a, a[1]);
    const mode = IOP_MODES[a[3] >> 1];
    setIndex(t, items, a[2], mode);
    // the in-place op of Python's three steps reports a NaN/Inf it stores, and so does this
    if (inspector.onNonFinite) {
      const r = t.index(...items);
      const v = r._read();
      for (let i = 0; i < v.length; i++) {
        if (!Number.isFinite(v[i])) {
          inspector.onNonFinite(r, `${mode}_`);
          break;
        }
      }
    }
    return 1;
  },
  /**
   * p.data op= v (the runner compiles it to _iop_data, _tensor.py): F[0] p, F[1] v (a handle when
   * F[2] & 1, else a number), F[2] >> 1 the op (IOP_MODES). Python's steps: a data view of p, the
   * in-place op on it, the view assigned back as p's data. 1 when p's shape changed.
   */
  h_iopData: (): number => {
    const a = args();
    const p = at(a[0]), v = a[2] & 1 ? at(a[1]) : a[1];
    const d = p.data;
    call(d, `${IOP_MODES[a[2] >> 1]}_`).call(d, v);
    return setData(p, d);
  },
  /** torch.randint: F[0] low, F[1] high, F[2] ndim (dims in DIMS), F[3] dtype code (-1: int64); the generator or none */
  h_randint: (gen?: TorchGenerator | null): number => {
    const a = args();
    return put(torch.randint(a[0], a[1], Array.from(DIMS.subarray(0, a[2])), { generator: opt(gen), dtype: dtypeArg(a[3]) }));
  },
  /** view/reshape: F[1] = ndim, dims in DIMS */
  h_view: (): number => { const a = args(); return put(at(a[0]).view(Array.from(DIMS.subarray(0, a[1])))); },
  h_reshape: (): number => { const a = args(); return put(at(a[0]).reshape(Array.from(DIMS.subarray(0, a[1])))); },
  /** sum/mean: F[1] = dim (NaN: all), F[2] = keepdim */
  h_sum: (): number => { const a = args(); return put(at(a[0]).sum(dimArg(a[1]), a[2] !== 0)); },
  h_mean: (): number => { const a = args(); return put(at(a[0]).mean(dimArg(a[1]), a[2] !== 0)); },
  /** var/std: F[1] dim (NaN: all), F[2] keepdim, F[3] unbiased (NaN: default), F[4] correction (NaN: default), F[5] std */
  h_variance: (): number => {
    const a = args();
    const opts = { keepdim: a[2] !== 0, unbiased: Number.isNaN(a[3]) ? undefined : a[3] !== 0, correction: Number.isNaN(a[4]) ? undefined : a[4] };
    const t = at(a[0]);
    return put(a[5] ? t.std(dimArg(a[1]), opts) : t.var(dimArg(a[1]), opts));
  },
  /** softmax / log_softmax: F[1] dim, F[2] log */
  h_softmax: (): number => { const a = args(); const t = at(a[0]); return put(a[2] ? F.log_softmax(t, int(a[1])) : F.softmax(t, int(a[1]))); },
  /** cross_entropy: F[1] target handle, F[2] reduction (0 mean, 1 sum, 2 none) */
  h_crossEntropy: (): number => { const a = args(); return put(F.cross_entropy(at(a[0]), at(a[1]), { reduction: REDUCTIONS[a[2]] })); },
  /** zeros_like/ones_like/full_like: F[1] value, F[2] dtype code (-1: same), F[3] requires_grad */
  h_fullLike: (): number => {
    const a = args();
    return put(torch.full_like(at(a[0]), a[1], { dtype: dtypeArg(a[2]), requires_grad: a[3] !== 0 }));
  },
};

export const bridge = {
  ...methods,
  ...handles,
  t_T: (t: Tensor): Tensor => t.T,
  t_data: (t: Tensor): Tensor => t.data,
  t_grad: (t: Tensor): Tensor | null => t.grad,
  t_index1: (t: Tensor, i: unknown): Tensor => t.index(asIndex(i) as number),
  t_index2: (t: Tensor, i: unknown, j: unknown): Tensor => t.index(i as number, j as number),
  t_view: (t: Tensor, shape: number[]): Tensor => t.view(Array.from(shape)),
  t_reshape: (t: Tensor, shape: number[]): Tensor => t.reshape(Array.from(shape)),
  t_clamp: (t: Tensor, lo: number | null | undefined, hi: number | null | undefined): Tensor => t.clamp(opt(lo) ?? null, opt(hi) ?? null),
  t_divRounded: (t: Tensor, o: Tensor | number, mode: string): Tensor => t.div(o, { rounding_mode: mode as "floor" | "trunc" }),
  t_transpose: (t: Tensor, a: number, b: number): Tensor => t.transpose(a, b),
  Tensor,
  isTensor: (x: unknown): boolean => x instanceof Tensor,
  /** numpy.random's draws (src/python/nprandom.ts) */
  npRandom,

  // ---- creation ----
  fromFlat(values: ArrayLike<number>, shape: number[], dtype: DType, requiresGrad: boolean): Tensor {
    const t = torch.fromArray(values, Array.from(shape), dtype);
    if (requiresGrad) t.requires_grad_(true);
    return t;
  },
  copyOf(t: Tensor, dtype: DType | null, requiresGrad: boolean): Tensor {
    return torch.tensor(t, { dtype: opt(dtype), requires_grad: requiresGrad });
  },
  full(shape: number[], value: number, dtype: DType, requiresGrad: boolean): Tensor {
    return torch.full(Array.from(shape), value, { dtype, requires_grad: requiresGrad });
  },
  fullLike(t: Tensor, value: number, dtype: DType | null, requiresGrad: boolean): Tensor {
    return torch.full_like(t, value, { dtype: opt(dtype), requires_grad: requiresGrad });
  },
  randn(shape: number[], gen: Gen, dtype: DType | null, requiresGrad: boolean): Tensor {
    return torch.randn(Array.from(shape), { generator: opt(gen), dtype: opt(dtype), requires_grad: requiresGrad });
  },
  rand(shape: number[], gen: Gen, dtype: DType | null, requiresGrad: boolean): Tensor {
    return torch.rand(Array.from(shape), { generator: opt(gen), dtype: opt(dtype), requires_grad: requiresGrad });
  },
  randint(low: number, high: number, shape: number[], gen: Gen, dtype: DType | null): Tensor {
    return torch.randint(low, high, Array.from(shape), { generator: opt(gen), dtype: opt(dtype) });
  },
  multinomial(probs: Tensor, numSamples: number, replacement: boolean, gen: Gen): Tensor {
    return torch.multinomial(probs, numSamples, { replacement, generator: opt(gen) });
  },
  arange(start: number, end: number, step: number, dtype: DType | null, requiresGrad: boolean): Tensor {
    return dtype ? torch.arange(start, end, step, { dtype, requires_grad: requiresGrad }) : torch.arange(start, end, step);
  },
  /**
   * torch.histogram with int bins: equal-width bins over [lo, hi] (default the finite min/max), the
   * last edge inclusive, values outside or NaN ignored. As ATen's CPU kernel for float32: edges from
   * linspace's symmetric formula, each value's bin by (x - lo) * bins / (hi - lo) then checked against
   * its edges, all in the input's precision.
   */
  histogram(t: Tensor, bins: number, lo: number | undefined, hi: number | undefined, weight: Tensor | undefined, density: boolean): Tensor[] {
    if (t.dtype !== "float32" && t.dtype !== "float64") throw new TorchError(`torch.histogram: input tensor and bins tensors should have the same dtype, but got input ${t.dtype === "int64" ? "long int" : t.dtype} and bins float`);
    const r = t.dtype === "float32" ? Math.fround : (x: number) => x;
    const x = t._read(), w = weight?._read();
    if (lo === undefined || hi === undefined) {
      let mn = Infinity, mx = -Infinity;
      for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i])) { if (x[i] < mn) mn = x[i]; if (x[i] > mx) mx = x[i]; }
      lo = lo ?? (mn === Infinity ? 0 : mn);
      hi = hi ?? (mx === -Infinity ? 0 : mx);
    }
    if (lo > hi) throw new TorchError(`torch.histogram: min should not exceed max, but got min ${lo} max ${hi}`);
    if (lo === hi) { lo -= 0.5; hi += 0.5; }
    const L = r(lo), H = r(hi), step = r(r(H - L) / bins), half = Math.floor((bins + 1) / 2);
    const edges = Array.from({ length: bins + 1 }, (_, i) => (i < half ? r(L + r(step * i)) : r(H - r(step * (bins - i)))));
    const counts = new Float64Array(bins);
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (!(v >= L && v <= H)) continue;
      let k = Math.trunc(r(r(r(v - L) * bins) / r(H - L)));
      if (k === bins) k--;
      if (v < edges[k]) k--;
      else if (k + 1 < bins && v >= edges[k + 1]) k++;
      counts[k] += w ? w[i] : 1;
    }
    if (density) {
      const total = counts.reduce((a, b) => a + b, 0);
      for (let k = 0; k < bins; k++) counts[k] = r(r(counts[k] / total) / r(edges[k + 1] - edges[k]));
    }
    return [torch.fromArray(Array.from(counts), [bins], t.dtype), torch.fromArray(edges, [bins + 1], t.dtype)];
  },
  retainGraphOpts: () => ({ retain_graph: true }),
  genOpts: (gen: Gen) => ({ generator: opt(gen) }),
  generator: (): TorchGenerator => torch.Generator(),
  defaultGenerator: (): TorchGenerator => torch.default_generator,

  // ---- reductions with keyword arguments ----
  sum: (t: Tensor, dim: MaybeDim, keepdim: boolean): Tensor => t.sum(dimOrNull(dim), keepdim),
  mean: (t: Tensor, dim: MaybeDim, keepdim: boolean): Tensor => t.mean(dimOrNull(dim), keepdim),
  variance(t: Tensor, dim: MaybeDim, keepdim: boolean, unbiased: boolean | null, correction: number | null, std: boolean): Tensor {
    const opts = { keepdim, unbiased: opt(unbiased), correction: opt(correction) };
    return std ? t.std(dimOrNull(dim), opts) : t.var(dimOrNull(dim), opts);
  },
  /** max/min: with a dim, [values, indices]; without, the single tensor; with a tensor, elementwise. */
  extreme(t: Tensor, which: "max" | "min", dim: number | Tensor | null | undefined, keepdim: boolean): Tensor | Tensor[] {
    if (dim === null || dim === undefined) return which === "max" ? t.max() : t.min();
    const r = which === "max" ? t.max(dim, keepdim) : t.min(dim, keepdim);
    return r instanceof Tensor ? r : [r.values, r.indices];
  },
  argExtreme(t: Tensor, which: "max" | "min", dim: number | null | undefined, keepdim: boolean): Tensor {
    return which === "max" ? t.argmax(opt(dim) ?? null, keepdim) : t.argmin(opt(dim) ?? null, keepdim);
  },
  allclose: (a: Tensor, b: Tensor, rtol: number, atol: number, equalNan: boolean): boolean =>
    torch.allclose(a, b, { rtol, atol, equal_nan: equalNan }),

  // ---- indexing (items: numbers, Slice, null, "...", Tensor, number[]) ----
  slice: (start: number | null | undefined, stop: number | null | undefined, step: number | null | undefined) =>
    torch.slice(opt(start) ?? null, opt(stop) ?? null, opt(step) ?? null),
  // One index item per call argument (no list conversion). A 0-d integer tensor indexes like the
  // integer it holds (PyTorch does the same: t[ix] is then a view, not a gathered copy).
  getItem: (t: Tensor, ...items: unknown[]): Tensor => t.index(...(items.map(asIndex) as Parameters<Tensor["index"]>)),
  setItem(t: Tensor, value: Tensor | number | boolean, ...items: unknown[]): void {
    t.indexSet(items.map(asIndex) as Parameters<Tensor["indexSet"]>[0], value);
  },

  // ---- functional ----
  softmax: (x: Tensor, dim: number, log: boolean): Tensor => (log ? F.log_softmax(x, dim) : F.softmax(x, dim)),
  crossEntropy: (logits: Tensor, target: Tensor, reduction: "mean" | "sum" | "none"): Tensor =>
    F.cross_entropy(logits, target, { reduction }),
  oneHot: (t: Tensor, numClasses: number): Tensor => F.one_hot(t, numClasses),
  where: (cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor => torch.where(cond, a, b),
  cat: (ts: Tensor[], dim: number): Tensor => torch.cat(Array.from(ts), dim),
  stack: (ts: Tensor[], dim: number): Tensor => torch.stack(Array.from(ts), dim),

  // ---- grad mode ----
  setGradEnabled: (on: boolean): void => torch.set_grad_enabled(on),
  isGradEnabled: (): boolean => torch.is_grad_enabled(),

  // ---- printing ----
  repr: (t: Tensor): string => formatTensor(t),
  floatRepr: (x: number): string => pyFloatRepr(x),
  shape: (t: Tensor): number[] => t._shape,
  gradFnName: (t: Tensor): string | null => t.grad_fn?.name() ?? null,

  // ---- comparisons (the engine's cmp, without printing: the Python side prints) ----
  compare: (name: string, manual: Tensor | null | undefined, t: Tensor | null | undefined): Comparison =>
    compareGradients(name, opt(manual), opt(t)),
  formatComparison: (c: Comparison): string => formatComparison(c),
};

export type Bridge = typeof bridge;
