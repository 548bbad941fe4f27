// The engine's public surface, importable by user scripts as "backprop-ninja".
// PyTorch names are kept; keyword arguments become a trailing options object.
import { noGrad, setGradEnabled, isGradEnabled, GradFn } from "./autograd";
import type { DType } from "./dtype";
import { TorchError } from "./errors";
import { inspector, log } from "./inspect";
import { Tensor, type Operand, type DimArg, type KeepdimOpts, type VarOpts } from "./tensor";
import "./tensorMethods";
import * as creation from "./ops/creation";
import * as ew from "./ops/elementwise";
import { cat, stack } from "./ops/join";
import { Slice, slice } from "./ops/indexing";
import { matmul } from "./ops/matmul";
import { torchFunctions } from "./ops/table";
import { Generator as TorchGenerator, defaultGenerator } from "./random/generator";
import { F } from "./functional";
import { cmp, compareGradients, formatComparison, type Comparison, type ComparisonStatus } from "./cmp";
import { pyFloatRepr, formatTensor } from "./format";
import * as data from "./data/index";
import { PyRandom } from "./random/pyrandom";
import { Value } from "./value";
import * as nn from "./nn";

type CreateOpts = creation.CreateOpts;
type Args = (number | number[] | creation.RandomOpts)[];

function filled(value: number, args: unknown[]): Tensor {
  const [shape, opts] = creation.shapeAndOpts<CreateOpts>(args);
  return creation.full(shape, value, opts?.dtype ?? "float32", opts);
}
const like = (t: Tensor, value: number, opts?: CreateOpts) => creation.full(t.shape, value, opts?.dtype ?? t.dtype, opts);

/** torch.Generator() works with or without `new`, like calling the Python class. */
interface GeneratorCtor {
  new (): TorchGenerator;
  (): TorchGenerator;
  prototype: TorchGenerator;
}
const Generator = function Generator(): TorchGenerator {
  return new TorchGenerator();
} as unknown as GeneratorCtor;
Generator.prototype = TorchGenerator.prototype;

export const torch = {
  Tensor,
  Generator,
  default_generator: defaultGenerator,
  manual_seed: (seed: number | bigint) => defaultGenerator.manual_seed(seed),
  initial_seed: () => defaultGenerator.initial_seed(),

  float32: "float32" as DType, float: "float32" as DType,
  float64: "float64" as DType, double: "float64" as DType,
  int64: "int64" as DType, long: "int64" as DType,
  bool: "bool" as DType,

  tensor: creation.tensor,
  fromArray: creation.fromArray,
  zeros: (...args: Args) => filled(0, args),
  ones: (...args: Args) => filled(1, args),
  empty: (...args: Args) => filled(0, args),
  full: (shape: number[], value: number, opts?: CreateOpts) => creation.full(shape, value, opts?.dtype ?? (Number.isInteger(value) ? "int64" : "float32"), opts),
  zeros_like: (t: Tensor, opts?: CreateOpts) => like(t, 0, opts),
  ones_like: (t: Tensor, opts?: CreateOpts) => like(t, 1, opts),
  empty_like: (t: Tensor, opts?: CreateOpts) => like(t, 0, opts),
  full_like: (t: Tensor, value: number, opts?: CreateOpts) => like(t, value, opts),
  arange: creation.arange,
  randn: (...args: Args) => creation.randn(args),
  rand: (...args: Args) => creation.rand(args),
  randint: creation.randint,
  multinomial: (probs: Tensor, num_samples: number, opts?: { replacement?: boolean; generator?: unknown }) => creation.multinomial(probs, num_samples, opts),
  cat,
  stack,
  slice,

  ...torchFunctions(),
  matmul: (a: Tensor, b: Tensor) => matmul(a, b),
  clamp: (t: Tensor, min?: number | null, max?: number | null) => t.clamp(min, max),
  sum: (t: Tensor, dim?: DimArg | KeepdimOpts, keepdim?: boolean | KeepdimOpts) => t.sum(dim, keepdim),
  mean: (t: Tensor, dim?: DimArg | KeepdimOpts, keepdim?: boolean | KeepdimOpts) => t.mean(dim, keepdim),
  var: (t: Tensor, dim?: DimArg | VarOpts, opts?: boolean | VarOpts) => t.var(dim, opts),
  std: (t: Tensor, dim?: DimArg | VarOpts, opts?: boolean | VarOpts) => t.std(dim, opts),
  max: (t: Tensor, dim?: number | Tensor | KeepdimOpts, keepdim?: boolean | KeepdimOpts) => t.max(dim, keepdim),
  min: (t: Tensor, dim?: number | Tensor | KeepdimOpts, keepdim?: boolean | KeepdimOpts) => t.min(dim, keepdim),
  argmax: (t: Tensor, dim?: number | null | KeepdimOpts, keepdim?: boolean | KeepdimOpts) => t.argmax(dim, keepdim),
  where: (cond: Tensor, a: Operand, b: Operand) => ew.where(cond, a, b),
  allclose: (a: Tensor, b: Tensor, opts?: { rtol?: number; atol?: number; equal_nan?: boolean }) => ew.allclose(a, b, opts),
  equal: (a: Tensor, b: Tensor) => ew.tensorEqual(a, b),
  one_hot: F.one_hot,
  softmax: F.softmax,
  log_softmax: F.log_softmax,

  no_grad: noGrad,
  set_grad_enabled: setGradEnabled,
  is_grad_enabled: isGradEnabled,
  inspector,
};

/** Python's range(n) as an int64 index tensor: logprobs.index(range(n), Yb). */
export const range = (start: number, stop?: number, step?: number): Tensor =>
  stop === undefined ? creation.arange(start) : creation.arange(start, stop, step ?? 1);

export {
  Tensor, GradFn, TorchGenerator as Generator, F, cmp, compareGradients, formatComparison, TorchError, Slice, inspector,
  pyFloatRepr, formatTensor, log, data, PyRandom, Value, nn,
};
/** Python's `random` module (CPython's generator, bit for bit): new random.Random(42) */
export const random = { Random: PyRandom };
export type { Comparison, ComparisonStatus, DType, Operand };
export default torch;
