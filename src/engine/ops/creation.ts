// Creating tensors: from nested arrays, constants, ranges and the random generators.
import { allocStorage, castValue, isFloating, type DType } from "../dtype";
import { TorchError, fmtShape } from "../errors";
import { Generator, defaultGenerator } from "../random/generator";
import { numelOf } from "../shape";
import { Tensor } from "../tensor";

export interface CreateOpts { dtype?: DType; requires_grad?: boolean }
export interface RandomOpts extends CreateOpts { generator?: Generator | unknown }

function finish(t: Tensor, opts?: CreateOpts): Tensor {
  if (opts?.requires_grad) t.requires_grad_(true);
  return t;
}

/** Split `zeros(2, 3, {dtype})` / `zeros([2, 3])` into a shape and options. */
export function shapeAndOpts<O extends object>(args: unknown[]): [number[], O | undefined] {
  let opts: O | undefined;
  const dims: unknown[] = [...args];
  const last = dims[dims.length - 1];
  if (last !== null && typeof last === "object" && !Array.isArray(last)) {
    opts = last as O;
    dims.pop();
  }
  const shape = (dims.length === 1 && Array.isArray(dims[0]) ? dims[0] : dims) as unknown[];
  for (const s of shape) {
    if (typeof s !== "number" || !Number.isInteger(s) || s < 0) {
      throw new TorchError(`expected a shape of non-negative integers, got ${JSON.stringify(shape)}`);
    }
  }
  return [shape as number[], opts];
}

export function scalarTensor(v: number | boolean, dtype: DType): Tensor {
  const s = allocStorage(dtype, 1);
  s[0] = castValue(dtype, Number(v));
  return new Tensor(s, [], dtype);
}

export function full(shape: number[], value: number, dtype: DType = "float32", opts?: CreateOpts): Tensor {
  const s = allocStorage(dtype, numelOf(shape));
  s.fill(castValue(dtype, value));
  return finish(new Tensor(s, shape.slice(), dtype), opts);
}

/** Flat row-major values → tensor (the fast path the dataset pipeline uses). */
export function fromArray(values: ArrayLike<number>, shape: number[], dtype: DType = "float32"): Tensor {
  if (values.length !== numelOf(shape)) {
    throw new TorchError(`fromArray: ${values.length} values cannot fill shape ${fmtShape(shape)}`);
  }
  const s = allocStorage(dtype, values.length);
  if (dtype === "float32" || dtype === "float64") s.set(values); // the typed array rounds/keeps as needed
  else for (let i = 0; i < values.length; i++) s[i] = castValue(dtype, values[i]);
  return new Tensor(s, shape.slice(), dtype);
}

type Nested = number | boolean | Nested[] | Tensor;

/**
 * torch.tensor(data): booleans → bool, numbers → float32. JavaScript has no separate integer type, so
 * index tensors ask for it: torch.tensor([0, 3], { dtype: torch.long }) (plain number[] indices work too).
 */
export function tensor(data: Nested, opts: CreateOpts = {}): Tensor {
  if (data instanceof Tensor) return finish(data.detach().clone().to(opts.dtype ?? data.dtype), opts);
  const shape: number[] = [];
  let probe: Nested = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const flat: number[] = [];
  let allBool = true;
  const walk = (x: Nested, d: number): void => {
    if (Array.isArray(x)) {
      if (d >= shape.length || x.length !== shape[d]) {
        throw new TorchError(`tensor: expected sequence of length ${shape[d]} at dim ${d} (got ${x.length})`);
      }
      for (const y of x) walk(y, d + 1);
      return;
    }
    if (d !== shape.length) throw new TorchError(`tensor: ragged nested sequence at dim ${d}`);
    if (x instanceof Tensor) {
      if (x.numel() !== 1) throw new TorchError("tensor: only one-element tensors can be nested in a list");
      x = x.item();
    }
    if (typeof x === "boolean") { flat.push(x ? 1 : 0); return; }
    if (typeof x !== "number") throw new TorchError(`tensor: could not convert ${typeof x} to a number`);
    allBool = false;
    flat.push(x);
  };
  walk(data, 0);
  const inferred: DType = flat.length && allBool ? "bool" : "float32";
  return finish(fromArray(flat, shape, opts.dtype ?? inferred), opts);
}

export function arange(...args: (number | CreateOpts)[]): Tensor {
  const opts = typeof args[args.length - 1] === "object" ? (args.pop() as CreateOpts) : undefined;
  const nums = args as number[];
  const [start, end, step] = nums.length === 1 ? [0, nums[0], 1] : [nums[0], nums[1], nums[2] ?? 1];
  if (step === 0) throw new TorchError("arange: step must be nonzero");
  const n = Math.max(0, Math.ceil((end - start) / step));
  const dtype = opts?.dtype ?? (nums.every(Number.isInteger) ? "int64" : "float32");
  const s = allocStorage(dtype, n);
  for (let i = 0; i < n; i++) s[i] = castValue(dtype, start + i * step);
  return finish(new Tensor(s, [n], dtype), opts);
}

function generatorOf(opts?: { generator?: unknown }): Generator {
  const g = opts?.generator;
  if (g === undefined || g === null) return defaultGenerator;
  if (!(g instanceof Generator)) throw new TorchError("generator must be a torch.Generator");
  return g;
}

export function randn(args: unknown[]): Tensor {
  const [shape, opts] = shapeAndOpts<RandomOpts>(args);
  const dtype = opts?.dtype ?? "float32";
  if (!isFloating(dtype)) throw new TorchError(`randn: "normal_kernel_cpu" not implemented for '${dtype}'`);
  const g = generatorOf(opts);
  const n = numelOf(shape);
  const data = dtype === "float32" ? g.normalFloat32(n) : g.normalFloat64(n);
  return finish(new Tensor(data, shape, dtype), opts);
}

export function rand(args: unknown[]): Tensor {
  const [shape, opts] = shapeAndOpts<RandomOpts>(args);
  const dtype = opts?.dtype ?? "float32";
  const g = generatorOf(opts);
  const n = numelOf(shape);
  const data = dtype === "float32" ? g.uniformFloat32(n) : g.uniformFloat64(n);
  return finish(new Tensor(data, shape, dtype), opts);
}

export function randint(low: number, high: number | number[], shape?: number[] | RandomOpts, opts?: RandomOpts): Tensor {
  // randint(high, shape) is also accepted, like torch
  if (Array.isArray(high)) return randint(0, low, high, shape as RandomOpts);
  if (!Array.isArray(shape)) throw new TorchError("randint: expected a shape, e.g. randint(0, 10, [32])");
  for (const bound of [low, high] as unknown[]) {
    // (a Python int beyond 2^53 arrives from Pyodide as a BigInt)
    if (!Number.isSafeInteger(typeof bound === "bigint" ? Number(bound) : bound)) {
      throw new TorchError(`randint: bounds must be integers within ±(2^53 − 1), which int64 tensors hold exactly here (got ${String(bound)})`);
    }
  }
  [low, high] = [Number(low), Number(high)];
  if (!(high > low)) throw new TorchError(`randint: random_ expects 'from' to be less than 'to', but got from=${low} >= to=${high}`);
  const g = generatorOf(opts);
  const data = g.randint(low, high, numelOf(shape));
  return new Tensor(data, shape.slice(), opts?.dtype ?? "int64");
}

export function multinomial(probs: Tensor, numSamples: number, opts: { replacement?: boolean; generator?: unknown } = {}): Tensor {
  if (probs.ndim < 1 || probs.ndim > 2) throw new TorchError("multinomial: prob_dist must be 1 or 2 dim");
  const replacement = opts.replacement ?? false;
  const cats = probs._shape[probs.ndim - 1];
  if (!replacement && numSamples > cats) {
    throw new TorchError("multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement");
  }
  const rows = probs.ndim === 1 ? 1 : probs._shape[0];
  const p = probs._read();
  for (let i = 0; i < p.length; i++) {
    if (!(p[i] >= 0) || !Number.isFinite(p[i])) throw new TorchError("multinomial: probability tensor contains either `inf`, `nan` or element < 0");
  }
  const g = generatorOf(opts);
  const out = new Float64Array(rows * numSamples);
  for (let r = 0; r < rows; r++) {
    const row = p.subarray(r * cats, (r + 1) * cats);
    if (!row.some((v) => v > 0)) throw new TorchError("multinomial: invalid multinomial distribution (sum of probabilities <= 0)");
    out.set(g.multinomialRow(row, numSamples, replacement, probs.dtype === "float64" ? "float64" : "float32"), r * numSamples);
  }
  return new Tensor(out, probs.ndim === 1 ? [numSamples] : [rows, numSamples], "int64");
}

/** Random values shaped like `t`, for uniform_/normal_. */
export function randomLike(t: Tensor, kind: "uniform" | "normal", opts?: { generator?: unknown }): Tensor {
  return (kind === "uniform" ? rand : randn)([t.shape, { dtype: t.dtype, generator: opts?.generator }]);
}

/** F.one_hot: int64 [..., num_classes]. */
export function oneHot(t: Tensor, numClasses = -1): Tensor {
  if (t.dtype !== "int64") throw new TorchError("one_hot is only applicable to index tensor.");
  const v = t._read();
  let k = numClasses;
  if (k < 0) for (const x of v) k = Math.max(k, x + 1);
  const out = new Float64Array(v.length * Math.max(k, 0));
  for (let i = 0; i < v.length; i++) {
    if (v[i] < 0 || v[i] >= k) throw new TorchError(`one_hot: Class values must be smaller than num_classes (got ${v[i]} for ${k} classes).`);
    out[i * k + v[i]] = 1;
  }
  return new Tensor(out, [...t.shape, k], "int64");
}
