// Elementwise ops with broadcasting. Kernels compute in double and store once into the output's
// storage, so a float32 result is the correctly rounded float32 op (as in PyTorch) for + − × ÷ sqrt.
// Each op's backward sits next to its forward and is written with the same ops a learner would
// use by hand, so hand-written gradients can match autograd bit for bit.
import { record, isGradEnabled } from "../autograd";
import { allocStorage, castValue, isFloating, promoteTypes, scalarDType, DTYPE_LABEL, type DType, type Storage } from "../dtype";
import { TorchError, fmtShape } from "../errors";
import { inspector } from "../inspect";
import { broadcastShapes, broadcastStrides, enumerateOffsets, numelOf, sameShape } from "../shape";
import { Tensor, type Operand } from "../tensor";
import { scalarTensor } from "./creation";
import { sumToShape } from "./reduce";


/** Lift Python-number operands to 0-dim tensors of the dtype PyTorch would give them. */
function operands(a: Operand, b: Operand, op: string): [Tensor, Tensor] {
  const ta = a instanceof Tensor, tb = b instanceof Tensor;
  if (ta && tb) return [a, b];
  if (ta) return [a, scalarTensor(b as number | boolean, scalarDType(a.dtype, b as number | boolean))];
  if (tb) return [scalarTensor(a as number | boolean, scalarDType(b.dtype, a as number | boolean)), b];
  throw new TorchError(`${op}: expected at least one Tensor operand, got ${typeof a} and ${typeof b}`);
}

/** Report the first op whose output contains NaN or ±Inf (the runner's "NaN appeared here"). */
function watch(out: Tensor, op: string): Tensor {
  if (inspector.onNonFinite && isFloating(out.dtype)) {
    const d = out._storage;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i])) {
        inspector.onNonFinite(out, op);
        break;
      }
    }
  }
  return out;
}

// Kernels are generated once per expression so that each op's inner loop is monomorphic: calling a
// closure per element is ~20x slower in V8. Expressions use p, q (binary) or x (unary).
type BinaryLoop = (out: Storage, sa: Storage, sb: Storage, n: number, mode: number, aOff: number, bOff: number,
  oa: Int32Array | null, ob: Int32Array | null, len: number, da: number, db: number) => void;
type UnaryLoop = (out: Storage, src: Storage, n: number, off: number, offs: Int32Array | null) => void;
const binaryLoops = new Map<string, BinaryLoop>();
const unaryLoops = new Map<string, UnaryLoop>();

/** One generated loop per expression *and* storage types, so each stays monomorphic in V8. */
const kindOf = (s: Storage) => (s instanceof Float32Array ? "f" : "d");

function binaryLoop(expr: string, types: string): BinaryLoop {
  const key = `${types}|${expr}`;
  let loop = binaryLoops.get(key);
  if (!loop) {
    loop = new Function("out", "sa", "sb", "n", "mode", "aOff", "bOff", "oa", "ob", "len", "da", "db", `"use strict";
      if (mode === 0) { for (let i = 0; i < n; i++) { const p = sa[aOff + i], q = sb[bOff + i]; out[i] = ${expr}; } return; }
      if (mode === 1) { const q = sb[bOff]; for (let i = 0; i < n; i++) { const p = sa[aOff + i]; out[i] = ${expr}; } return; }
      if (mode === 2) { const p = sa[aOff]; for (let i = 0; i < n; i++) { const q = sb[bOff + i]; out[i] = ${expr}; } return; }
      for (let r = 0, k = 0; r < oa.length; r++) {
        for (let j = 0, ia = oa[r], ib = ob[r]; j < len; j++, ia += da, ib += db) { const p = sa[ia], q = sb[ib]; out[k++] = ${expr}; }
      }`) as BinaryLoop;
    binaryLoops.set(key, loop);
  }
  return loop;
}

function unaryLoop(expr: string, types: string): UnaryLoop {
  const key = `${types}|${expr}`;
  let loop = unaryLoops.get(key);
  if (!loop) {
    loop = new Function("out", "src", "n", "off", "offs", `"use strict";
      if (offs === null) { for (let i = 0; i < n; i++) { const x = src[off + i]; out[i] = ${expr}; } return; }
      for (let i = 0; i < n; i++) { const x = src[offs[i]]; out[i] = ${expr}; }`) as UnaryLoop;
    unaryLoops.set(key, loop);
  }
  return loop;
}

/** out = expr(p = a, q = b) over the broadcast shape, stored in `dtype`. */
export function binaryKernel(a: Tensor, b: Tensor, dtype: DType, op: string, expr: string): Tensor {
  const shape = sameShape(a._shape, b._shape) ? a._shape.slice() : broadcastShapes(a._shape, b._shape, op);
  const n = numelOf(shape);
  const out = allocStorage(dtype, n);
  const loop = binaryLoop(expr, kindOf(out) + kindOf(a._storage) + kindOf(b._storage));
  const aFull = a.is_contiguous() && sameShape(a._shape, shape);
  const bFull = b.is_contiguous() && sameShape(b._shape, shape);
  if (aFull && bFull) loop(out, a._storage, b._storage, n, 0, a._offset, b._offset, null, null, 0, 0, 0);
  else if (aFull && b.numel() === 1) loop(out, a._storage, b._storage, n, 1, a._offset, b._offset, null, null, 0, 0, 0);
  else if (bFull && a.numel() === 1) loop(out, a._storage, b._storage, n, 2, a._offset, b._offset, null, null, 0, 0, 0);
  else if (n > 0) {
    // rows of the last dim: enumerate only the outer offsets, stride along the last dim
    const last = shape.length - 1;
    const stA = broadcastStrides(a._shape, a._strides, shape), stB = broadcastStrides(b._shape, b._strides, shape);
    const outer = shape.slice(0, last);
    const oa = enumerateOffsets(outer, stA.slice(0, last), a._offset);
    const ob = enumerateOffsets(outer, stB.slice(0, last), b._offset);
    loop(out, a._storage, b._storage, n, 3, 0, 0, oa, ob, shape[last], stA[last], stB[last]);
  }
  if (dtype === "int64" || dtype === "bool") for (let i = 0; i < n; i++) out[i] = castValue(dtype, out[i]);
  return watch(new Tensor(out, shape, dtype), op);
}

/** out = expr(x = a) elementwise, stored in `dtype`. */
export function unaryKernel(a: Tensor, dtype: DType, op: string, expr: string): Tensor {
  const n = a.numel();
  const out = allocStorage(dtype, n);
  const offs = a.is_contiguous() ? null : enumerateOffsets(a._shape, a._strides, a._offset);
  unaryLoop(expr, kindOf(out) + kindOf(a._storage))(out, a._storage, n, a._offset, offs);
  if (dtype === "int64" || dtype === "bool") for (let i = 0; i < n; i++) out[i] = castValue(dtype, out[i]);
  return watch(new Tensor(out, a.shape, dtype), op);
}

const floatOf = (d: DType): DType => (isFloating(d) ? d : "float32");
const need = (t: Tensor) => t.requires_grad;

// ---- arithmetic primitives ----

export function add(x: Operand, y: Operand): Tensor {
  const [a, b] = operands(x, y, "add");
  const out = binaryKernel(a, b, promoteTypes(a.dtype, b.dtype), "add", "p + q");
  return record(out, "AddBackward0", [a, b], (g) => [
    need(a) ? sumToShape(g, a._shape) : null,
    need(b) ? sumToShape(g, b._shape) : null,
  ]);
}

export function sub(x: Operand, y: Operand): Tensor {
  const [a, b] = operands(x, y, "sub");
  if (a.dtype === "bool" && b.dtype === "bool") {
    throw new TorchError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.");
  }
  const out = binaryKernel(a, b, promoteTypes(a.dtype, b.dtype), "sub", "p - q");
  return record(out, "SubBackward0", [a, b], (g) => [
    need(a) ? sumToShape(g, a._shape) : null,
    need(b) ? sumToShape(neg(g), b._shape) : null,
  ]);
}

export function mul(x: Operand, y: Operand): Tensor {
  const [a, b] = operands(x, y, "mul");
  const out = binaryKernel(a, b, promoteTypes(a.dtype, b.dtype), "mul", "p * q");
  return record(out, "MulBackward0", [a, b], (g) => [
    need(a) ? sumToShape(mul(b, g), a._shape) : null,
    need(b) ? sumToShape(mul(a, g), b._shape) : null,
  ]);
}

export function div(x: Operand, y: Operand): Tensor {
  const [a, b] = operands(x, y, "div");
  const out = binaryKernel(a, b, floatOf(promoteTypes(a.dtype, b.dtype)), "div", "p / q");
  return record(out, "DivBackward0", [a, b], (g) => [
    need(a) ? sumToShape(div(g, b), a._shape) : null,
    // torch: -grad * ((self / other) / other)
    need(b) ? sumToShape(mul(neg(g), div(div(a, b), b)), b._shape) : null,
  ]);
}

/** PyTorch's CPU fast paths for x ** k with a number k (each float32 step rounded like its kernel). */
function powScalarExpr(k: number, dtype: DType): string {
  const r = (e: string) => (dtype === "float32" ? `Math.fround(${e})` : `(${e})`);
  if (k === 2) return "x * x";
  if (k === 3) return `${r("x * x")} * x`;
  if (k === 0.5) return "Math.sqrt(x)";
  if (k === -0.5) return `1 / ${r("Math.sqrt(x)")}`;
  if (k === -1) return "1 / x";
  if (k === -2) return `1 / ${r("x * x")}`;
  if (k === 1) return "x";
  if (k === 0) return "1";
  return `Math.pow(x, ${numberLiteral(k)})`;
}

/** A JS source literal for any number (NaN and infinities included). */
const numberLiteral = (v: number): string => (Number.isNaN(v) ? "NaN" : v === Infinity ? "Infinity" : v === -Infinity ? "-Infinity" : String(v));

export function pow(x: Operand, y: Operand): Tensor {
  if (x instanceof Tensor && !(y instanceof Tensor)) {
    const k = Number(y);
    if (!isFloating(x.dtype) && Number.isInteger(k) && k < 0) {
      throw new TorchError("pow: Integers to negative integer powers are not allowed.");
    }
    const dtype = x.dtype === "bool" ? "int64" : scalarDType(x.dtype, k);
    const out = unaryKernel(x, dtype, "pow", powScalarExpr(k, dtype));
    return record(out, "PowBackward0", [x], (g) => [
      // (k * x**(k-1)) * g — the learner's (2*bndiff) * d..., (-0.5*(v+eps)**-1.5) * d...
      k === 0 ? mul(g, 0) : mul(mul(k, pow(x, k - 1)), g),
    ]);
  }
  const [a, b] = operands(x, y, "pow");
  const dtype = promoteTypes(a.dtype, b.dtype);
  const out = binaryKernel(a, b, dtype, "pow", "Math.pow(p, q)");
  return record(out, "PowBackward1", [a, b], (g) => [
    need(a) ? sumToShape(mul(mul(b, pow(a, sub(b, 1))), g), a._shape) : null,
    // d/db a**b = a**b * log(a), defined as 0 where a == 0 and b >= 0 (as torch does)
    need(b) ? sumToShape(mul(where(logicalAnd(eqScalar(a, 0), compare(b, 0, "ge")), 0, mul(out.detach(), log(a))), g), b._shape) : null,
  ]);
}

const eqScalar = (t: Tensor, v: number) => compare(t, v, "eq");
function logicalAnd(a: Tensor, b: Tensor): Tensor {
  return binaryKernel(a, b, "bool", "logical_and", "p && q ? 1 : 0");
}

// ---- unary ----

export function neg(a: Tensor): Tensor {
  if (a.dtype === "bool") throw new TorchError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
  const out = unaryKernel(a, a.dtype, "neg", "-x");
  return record(out, "NegBackward0", [a], (g) => [neg(g)]);
}

export function exp(a: Tensor): Tensor {
  const out = unaryKernel(a, floatOf(a.dtype), "exp", "Math.exp(x)");
  return record(out, "ExpBackward0", [a], (g) => [mul(out.detach(), g)]);
}

export function log(a: Tensor): Tensor {
  const out = unaryKernel(a, floatOf(a.dtype), "log", "Math.log(x)");
  return record(out, "LogBackward0", [a], (g) => [mul(div(1, a), g)]);
}

export function log10(a: Tensor): Tensor {
  const out = unaryKernel(a, floatOf(a.dtype), "log10", "Math.log10(x)");
  return record(out, "Log10Backward0", [a], (g) => [div(g, mul(a, Math.LN10))]);
}

export function tanh(a: Tensor): Tensor {
  const out = unaryKernel(a, floatOf(a.dtype), "tanh", "Math.tanh(x)");
  return record(out, "TanhBackward0", [a], (g) => [mul(sub(1, pow(out.detach(), 2)), g)]);
}

export function sigmoid(a: Tensor): Tensor {
  const out = unaryKernel(a, floatOf(a.dtype), "sigmoid", "1 / (1 + Math.exp(-x))");
  return record(out, "SigmoidBackward0", [a], (g) => {
    const y = out.detach();
    return [mul(mul(y, sub(1, y)), g)];
  });
}

export function relu(a: Tensor): Tensor {
  const out = unaryKernel(a, a.dtype, "relu", "x > 0 ? x : x !== x ? x : 0");
  // like torch's threshold_backward: zero where the output is <= 0 (a NaN input passes the gradient)
  return record(out, "ReluBackward0", [a], (g) => [where(compare(out.detach(), 0, "le"), 0, g)]);
}

export function abs(a: Tensor): Tensor {
  const out = unaryKernel(a, a.dtype, "abs", "Math.abs(x)");
  // g * sgn(x), with sgn(NaN) = sgn(±0) = 0 as in torch
  return record(out, "AbsBackward0", [a], (g) => [mul(unaryKernel(a, a.dtype, "sign", "x > 0 ? 1 : x < 0 ? -1 : 0"), g)]);
}

export function sqrt(a: Tensor): Tensor {
  const out = unaryKernel(a, floatOf(a.dtype), "sqrt", "Math.sqrt(x)");
  return record(out, "SqrtBackward0", [a], (g) => [div(g, mul(2, out.detach()))]);
}

export function clamp(a: Tensor, lo: number | null, hi: number | null): Tensor {
  const l = lo ?? -Infinity, h = hi ?? Infinity;
  const out = unaryKernel(a, a.dtype, "clamp", `x !== x ? x : Math.min(Math.max(x, ${l}), ${h})`);
  return record(out, "ClampBackward1", [a], (g) =>
    [mul(unaryKernel(a, "bool", "clamp_mask", `x >= ${l} && x <= ${h} ? 1 : 0`), g)]);
}

export function cast(a: Tensor, dtype: DType): Tensor {
  if (a.dtype === dtype) return a;
  const out = unaryKernel(a, dtype, "to", "x");
  if (!isFloating(dtype)) return out;
  return record(out, "ToCopyBackward0", [a], (g) => [cast(g, a.dtype)]);
}

// ---- comparisons and selection ----

export type Comparison = "eq" | "ne" | "lt" | "le" | "gt" | "ge";
const COMPARE: Record<Comparison, string> = {
  eq: "p === q ? 1 : 0", ne: "p !== q ? 1 : 0", lt: "p < q ? 1 : 0",
  le: "p <= q ? 1 : 0", gt: "p > q ? 1 : 0", ge: "p >= q ? 1 : 0",
};

export function compare(x: Operand, y: Operand, how: Comparison): Tensor {
  const [a, b] = operands(x, y, how);
  return binaryKernel(a, b, "bool", how, COMPARE[how]);
}

/** torch.where(cond, a, b): a where cond is true, else b (broadcasting all three). */
export function where(cond: Tensor, x: Operand, y: Operand): Tensor {
  const [a, b] = operands(x, y, "where");
  const shape = broadcastShapes(cond._shape, broadcastShapes(a._shape, b._shape, "where"), "where");
  const dtype = promoteTypes(a.dtype, b.dtype);
  const n = numelOf(shape);
  const out = allocStorage(dtype, n);
  const oc = enumerateOffsets(shape, broadcastStrides(cond._shape, cond._strides, shape), cond._offset);
  const oa = enumerateOffsets(shape, broadcastStrides(a._shape, a._strides, shape), a._offset);
  const ob = enumerateOffsets(shape, broadcastStrides(b._shape, b._strides, shape), b._offset);
  const sc = cond._storage, sa = a._storage, sb = b._storage;
  for (let i = 0; i < n; i++) out[i] = sc[oc[i]] ? sa[oa[i]] : sb[ob[i]];
  const result = new Tensor(out, shape, dtype);
  return record(result, "WhereBackward0", [a, b], (g) => [
    need(a) ? sumToShape(where(cond, g, 0), a._shape) : null,
    need(b) ? sumToShape(where(cond, 0, g), b._shape) : null,
  ]);
}

/** Every element equal (and same shape), like torch.equal. */
export function tensorEqual(a: Tensor, b: Tensor): boolean {
  if (!sameShape(a._shape, b._shape)) return false;
  const x = a._read(), y = b._read();
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

export function allclose(a: Tensor, b: Tensor, opts: { rtol?: number; atol?: number; equal_nan?: boolean } = {}): boolean {
  const rtol = opts.rtol ?? 1e-5, atol = opts.atol ?? 1e-8;
  const shape = broadcastShapes(a._shape, b._shape, "allclose");
  const oa = enumerateOffsets(shape, broadcastStrides(a._shape, a._strides, shape), a._offset);
  const ob = enumerateOffsets(shape, broadcastStrides(b._shape, b._strides, shape), b._offset);
  for (let i = 0; i < oa.length; i++) {
    const p = a._storage[oa[i]], q = b._storage[ob[i]];
    if (p === q) continue;
    if (p !== p || q !== q) {
      if (opts.equal_nan && p !== p && q !== q) continue;
      return false;
    }
    if (!(Math.abs(p - q) <= atol + rtol * Math.abs(q))) return false;
  }
  return true;
}

// ---- in-place ----

/**
 * Run an in-place op with PyTorch's rules: forbidden on a leaf (or a view of a leaf) that requires
 * grad while recording; otherwise the result of `fn(old)` is written into this tensor's storage and,
 * when recording, the tensor takes the new node as its grad_fn (its history now includes the op).
 */
export function inplace<T extends Tensor>(self: T, op: string, fn: (old: Tensor) => Tensor): T {
  const recording = isGradEnabled();
  if (recording && self.requires_grad && self.is_leaf) {
    throw new TorchError(`${op}: a leaf Variable that requires grad is being used in an in-place operation.`);
  }
  if (recording && self._base && self._base.requires_grad && self._base.is_leaf) {
    throw new TorchError(`${op}: a view of a leaf Variable that requires grad is being used in an in-place operation.`);
  }
  // While recording, the op must see (and save) the values from before the write.
  let old: Tensor = self;
  if (recording) {
    old = new Tensor(self._read().slice(), self.shape, self.dtype);
    if (self.grad_fn) old._setGradFn(self.grad_fn);
  }
  const result = fn(old);
  if (!sameShape(result._shape, self._shape)) {
    throw new TorchError(`${op}: output with shape ${fmtShape(self._shape)} doesn't match the broadcast shape ${fmtShape(result._shape)}`);
  }
  if (isFloating(result.dtype) && !isFloating(self.dtype)) {
    throw new TorchError(`${op}: result type ${DTYPE_LABEL[result.dtype]} can't be cast to the desired output type ${DTYPE_LABEL[self.dtype]}`);
  }
  writeInto(self, result._read());
  self._version.value++;
  if (recording && result.grad_fn) {
    if (self.grad_fn && self.grad_fn.output === self) self.grad_fn.output = old;
    result.grad_fn.output = self;
    self._setGradFn(result.grad_fn);
  }
  return self;
}

/** Store row-major `values` into `t`'s (possibly strided) elements, cast to its dtype. */
export function writeInto(t: Tensor, values: ArrayLike<number>): void {
  const dst = t._storage;
  const exactType = t.dtype === "float32" || t.dtype === "float64";
  if (t.is_contiguous() && exactType) {
    (dst as Float64Array).set(values as Float64Array, t._offset);
    return;
  }
  const offs = enumerateOffsets(t._shape, t._strides, t._offset);
  for (let i = 0; i < offs.length; i++) dst[offs[i]] = castValue(t.dtype, values[i]);
}
