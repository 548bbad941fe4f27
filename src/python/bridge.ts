// The JS half of the Python `torch` package: small functions with positional arguments, so that the
// Python side never builds JS option objects (each FFI crossing costs a few microseconds, and a
// kwargs dict would cost several). Python keyword arguments are resolved in Python, then passed here
// in a fixed order. Everything returns engine objects, which Python sees as JsProxy handles.
import { torch, F, Tensor, formatTensor, pyFloatRepr, compareGradients, formatComparison } from "../engine/index";
import type { Comparison } from "../engine/cmp";
import type { DType } from "../engine/dtype";
import type { Generator as TorchGenerator } from "../engine/random/generator";

type Gen = TorchGenerator | null | undefined;
type MaybeDim = number | number[] | null | undefined;

const opt = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

function dimOrNull(dim: MaybeDim): number | number[] | null {
  if (dim === undefined || dim === null) return null;
  return Array.isArray(dim) ? Array.from(dim) : dim;
}

// Tensor methods as plain functions: Python caches each one once, because looking a method up on a
// JS object through the FFI (which builds a bound-method proxy) costs more than the call itself.
const UNARY = ["neg", "exp", "log", "log10", "tanh", "sigmoid", "relu", "abs", "sqrt", "reciprocal", "square",
  "clone", "detach", "contiguous", "all", "any", "logical_not", "isnan", "item", "float", "double", "long", "bool",
  "zero_", "retain_grad", "numel", "tolist", "toArray"] as const;
const BINARY = ["add", "sub", "mul", "div", "pow", "rsub", "rdiv", "rpow", "matmul", "mm", "eq", "ne", "lt", "le",
  "gt", "ge", "add_", "sub_", "mul_", "div_", "pow_", "copy_", "fill_", "masked_fill_", "to", "unsqueeze",
  "squeeze", "view_as", "expand_as", "equal"] as const;
type Fn = (...args: never[]) => unknown;
const methods: Record<string, Fn> = {};
for (const name of UNARY) methods[`t_${name}`] = ((t: Tensor) => (t as unknown as Record<string, () => unknown>)[name]()) as Fn;
for (const name of BINARY) methods[`t_${name}`] = ((t: Tensor, o: unknown) => (t as unknown as Record<string, (o: unknown) => unknown>)[name](o)) as Fn;

function asIndex(k: unknown): unknown {
  return k instanceof Tensor && k.dtype === "int64" && k._shape.length === 0 ? k.item() : k;
}

export const bridge = {
  ...methods,
  t_T: (t: Tensor): Tensor => t.T,
  t_data: (t: Tensor): Tensor => t.data,
  t_grad: (t: Tensor): Tensor | null => t.grad,
  t_index1: (t: Tensor, i: unknown): Tensor => t.index(asIndex(i) as number),
  t_index2: (t: Tensor, i: unknown, j: unknown): Tensor => t.index(i as number, j as number),
  t_view: (t: Tensor, shape: number[]): Tensor => t.view(Array.from(shape)),
  t_reshape: (t: Tensor, shape: number[]): Tensor => t.reshape(Array.from(shape)),
  t_clamp: (t: Tensor, lo: number | null | undefined, hi: number | null | undefined): Tensor => t.clamp(opt(lo) ?? null, opt(hi) ?? null),
  t_transpose: (t: Tensor, a: number, b: number): Tensor => t.transpose(a, b),
  Tensor,
  isTensor: (x: unknown): boolean => x instanceof Tensor,

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
