// Elementwise ops with broadcasting. Kernels compute in double and store once into the output's
// storage, so a float32 result is the correctly rounded float32 op (as in PyTorch) for + − × ÷ sqrt.
// Each op's backward sits next to its forward and is written with the same ops a learner would
// use by hand, so hand-written gradients can match autograd bit for bit.
import { record, isGradEnabled } from "../autograd";
import { allocForOverwrite, allocStorage, castValue, isFloating, promoteTypes, scalarDType, DTYPE_LABEL, type DType, type Storage } from "../dtype";
import { TorchError, fmtShape } from "../errors";
import { inspector } from "../inspect";
import { broadcastShapes, broadcastStrides, enumerateOffsets, isContiguousLayout, numelOf, sameShape } from "../shape";
import { Tensor, type Operand } from "../tensor";
import { scalarTensor } from "./creation";
import { sumToShape } from "./sumKernel";
import { expF32, tanhF32 } from "./fastmath";
import { wasmBinary, wasmUnary, type WasmCache } from "./wasm-elementwise";

/** Lift Python-number operands to 0-dim tensors of the dtype PyTorch would give them. */
function operands(a: Operand, b: Operand, op: string): [Tensor, Tensor] {
  const ta = a instanceof Tensor, tb = b instanceof Tensor;
  if (ta && tb) return [a, b];
  if (ta) return [a, scalarTensor(b as number | boolean, scalarDType(a.dtype, b as number | boolean))];
  if (tb) return [scalarTensor(a as number | boolean, scalarDType(b.dtype, a as number | boolean)), b];
  throw new TorchError(`${op}: expected at least one Tensor operand, got ${typeof a} and ${typeof b}`);
}

/** Report the first op whose output contains NaN or ±Inf (the runner's "NaN appeared here"). */
function watch(out: Tensor, op: string, nonFinite: number): Tensor {
  if (nonFinite && inspector.onNonFinite && isFloating(out.dtype)) inspector.onNonFinite(out, op);
  return out;
}

// Kernels are generated once per expression and storage types so that each op's inner loop is
// monomorphic (calling a closure per element is ~20x slower in V8). Expressions use p, q (binary)
// or x (unary). A kernel walks its output as blocks of rows × cols, reading each operand with a row
// stride and a column stride (0 along a broadcast dim). Shapes are collapsed first, so the common
// cases — same shape, [m,n] op [n], [m,n] op [m,1], a tensor op a number — are one block without
// offset tables.
// While the runner watches for NaN/Inf, each loop is generated in a second form that also tells
// whether it stored a non-finite value (a branchless test of the stored value, 1 if any); the
// plain form returns 0.
type BinaryLoop = (out: Storage, o: number, sa: Storage, sb: Storage, rows: number, cols: number,
  ia: number, ra: number, ca: number, ib: number, rb: number, cb: number) => number;
type UnaryLoop = (out: Storage, o: number, src: Storage, rows: number, cols: number, i: number, r: number, c: number) => number;

/** An elementwise expression and its generated loops, one per combination of storage types. */
export interface Kernel extends WasmCache {
  readonly expr: string;
  readonly loops: (BinaryLoop | UnaryLoop | undefined)[];
}
export const kernel = (expr: string): Kernel => ({ expr, loops: [] });
const kernelsByExpr = new Map<string, Kernel>();
const kernelFor = (k: Kernel | string): Kernel => {
  if (typeof k !== "string") return k;
  let found = kernelsByExpr.get(k);
  if (!found) kernelsByExpr.set(k, (found = kernel(k)));
  return found;
};

// Helpers an expression may call (inlined by V8 into the generated loop).
const HELPERS = ["tanhF32", "expF32", "floorDiv", "floorDivF32"] as const;
const generate = (params: string, body: string) =>
  new Function(...HELPERS, `"use strict"; return function (${params}) { ${body} };`)(tanhF32, expF32, floorDiv, floorDivF32);

/**
 * Offsets, counts and strides re-typed as int32 on entry. A loop is shared by every call of its op;
 * once one caller passes an integer held as a double (a value read from a Float64Array, e.g. the
 * Python bridge's arguments, or an offset computed from one), V8 would compile the loop's index
 * arithmetic in float64 for every later call too: ~3.5x slower here. Element offsets stay far below 2^31.
 */
const INT_PARAMS = (names: string) => names.split(", ").map((n) => `${n} |= 0;`).join(" ");

/** The loop body's store: plain, or also noting a stored NaN/±Inf (v - v is 0 only for finite v). */
const store = (expr: string, watched: boolean) =>
  (watched ? `{ out[k] = ${expr}; const v = out[k]; bad |= (v - v === 0 ? 0 : 1); }` : `out[k] = ${expr};`);

function binaryLoop(k: Kernel, out: Storage, sa: Storage, sb: Storage): BinaryLoop {
  const watched = inspector.onNonFinite !== undefined;
  const key = (watched ? 8 : 0) + (out instanceof Float32Array ? 4 : 0) + (sa instanceof Float32Array ? 2 : 0) + (sb instanceof Float32Array ? 1 : 0);
  let loop = k.loops[key] as BinaryLoop | undefined;
  if (!loop) {
    const e = store(k.expr, watched);
    loop = generate("out, o, sa, sb, rows, cols, ia, ra, ca, ib, rb, cb", `
      ${INT_PARAMS("o, rows, cols, ia, ra, ca, ib, rb, cb")}
      let bad = 0;
      for (let r = 0; r < rows; r++) {
        const a0 = ia + r * ra, b0 = ib + r * rb, o0 = o + r * cols, end = o0 + cols;
        if (ca === 1 && cb === 1) { for (let k = o0, x = a0, y = b0; k < end; k++, x++, y++) { const p = sa[x], q = sb[y]; ${e} } }
        else if (cb === 0) { const q = sb[b0]; for (let k = o0, x = a0; k < end; k++, x += ca) { const p = sa[x]; ${e} } }
        else if (ca === 0) { const p = sa[a0]; for (let k = o0, y = b0; k < end; k++, y += cb) { const q = sb[y]; ${e} } }
        else { for (let k = o0, x = a0, y = b0; k < end; k++, x += ca, y += cb) { const p = sa[x], q = sb[y]; ${e} } }
      }
      return bad;`) as BinaryLoop;
    k.loops[key] = loop;
  }
  return loop;
}

function unaryLoop(k: Kernel, out: Storage, src: Storage): UnaryLoop {
  const watched = inspector.onNonFinite !== undefined;
  const key = (watched ? 4 : 0) + (out instanceof Float32Array ? 2 : 0) + (src instanceof Float32Array ? 1 : 0);
  let loop = k.loops[key] as UnaryLoop | undefined;
  if (!loop) {
    const e = store(k.expr, watched);
    loop = generate("out, o, src, rows, cols, i, r, c", `
      ${INT_PARAMS("o, rows, cols, i, r, c")}
      let bad = 0;
      for (let row = 0; row < rows; row++) {
        const s0 = i + row * r, o0 = o + row * cols, end = o0 + cols;
        if (c === 1) { for (let k = o0, y = s0; k < end; k++, y++) { const x = src[y]; ${e} } }
        else { for (let k = o0, y = s0; k < end; k++, y += c) { const x = src[y]; ${e} } }
      }
      return bad;`) as UnaryLoop;
    k.loops[key] = loop;
  }
  return loop;
}

/**
 * An output shape as blocks: `dims` lists [size, stride of operand 0, stride of operand 1, ...]
 * outermost first, with size-1 dims dropped and dims merged where every operand steps through
 * them as one (so a contiguous [32, 200] + [200] is rows 32 × cols 200, and same shapes are one row).
 */
function collapse(shape: readonly number[], strides: readonly (readonly number[])[]): number[][] {
  const dims: number[][] = [];
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d];
    if (size === 1) continue;
    const last = dims[dims.length - 1];
    if (last && strides.every((s, k) => last[k + 1] === s[d] * size)) {
      last[0] *= size;
      for (let k = 0; k < strides.length; k++) last[k + 1] = strides[k][d];
    } else {
      dims.push([size, ...strides.map((s) => s[d])]);
    }
  }
  return dims;
}

/** Operands that are plain numbers are read from these (cast to the dtype the tensor op gives them). */
const SCALAR_A = new Float64Array(1), SCALAR_B = new Float64Array(1);
const NO_DIMS: number[] = [];

function tensorOrScalar(x: Operand, other: Operand, scratch: Float64Array): { s: Storage; shape: readonly number[]; strides: readonly number[]; off: number } {
  if (x instanceof Tensor) return { s: x._storage, shape: x._shape, strides: x._strides, off: x._offset };
  const v = x as number | boolean;
  scratch[0] = castValue(scalarDType((other as Tensor).dtype, v), Number(v));
  return { s: scratch, shape: NO_DIMS, strides: NO_DIMS, off: 0 };
}

/** The dtype `x` has in a binary op with `other` (a Python number takes the tensor's kind). */
export function operandDType(x: Operand, other: Operand, op: string): DType {
  if (x instanceof Tensor) return x.dtype;
  if (!(other instanceof Tensor)) throw new TorchError(`${op}: expected at least one Tensor operand, got ${typeof x} and ${typeof other}`);
  return scalarDType(other.dtype, x as number | boolean);
}

/** One block of a kernel: through WASM when it takes it (the same bits), else the JS loop. */
function binaryBlock(k: Kernel, loop: BinaryLoop, out: Storage, o: number, sa: Storage, sb: Storage, rows: number, cols: number,
  ia: number, ra: number, ca: number, ib: number, rb: number, cb: number): number {
  const bad = wasmBinary(k, out, o, sa, sb, rows, cols, ia, ra, ca, ib, rb, cb);
  return bad >= 0 ? bad : loop(out, o, sa, sb, rows, cols, ia, ra, ca, ib, rb, cb);
}
function unaryBlock(k: Kernel, loop: UnaryLoop, out: Storage, o: number, src: Storage, rows: number, cols: number, i: number, r: number, c: number): number {
  const bad = wasmUnary(k, out, o, src, rows, cols, i, r, c);
  return bad >= 0 ? bad : loop(out, o, src, rows, cols, i, r, c);
}

/**
 * out = expr(p = a, q = b) over the broadcast shape, stored in `dtype`. With `into`, the result is
 * written into that (contiguous) tensor's storage instead of a new one; it must have the result's shape.
 */
export function binaryKernel(x: Operand, y: Operand, dtype: DType, op: string, k: Kernel | string, into?: Tensor): Tensor {
  const a = tensorOrScalar(x, y, SCALAR_A), b = tensorOrScalar(y, x, SCALAR_B);
  const same = sameShape(a.shape, b.shape);
  const shape = same ? a.shape.slice() : broadcastShapes(a.shape, b.shape, op);
  const n = numelOf(shape);
  const out = into ? into._storage : allocForOverwrite(dtype, n); // every element written below
  const base = into ? into._offset : 0;
  const kern = kernelFor(k), loop = binaryLoop(kern, out, a.s, b.s);
  // the common layouts first: contiguous operands of one shape, or a contiguous tensor and a number
  const aFlat = isContiguousLayout(a.shape, a.strides), bFlat = isContiguousLayout(b.shape, b.strides);
  let bad = 0;
  if (aFlat && bFlat && (same || b.shape.length === 0 || a.shape.length === 0)) {
    bad = binaryBlock(kern, loop, out, base, a.s, b.s, 1, n, a.off, 0, a.shape.length === 0 ? 0 : 1, b.off, 0, b.shape.length === 0 ? 0 : 1);
  } else if (n > 0) {
    const stA = a.shape.length === shape.length ? a.strides : broadcastStrides(a.shape, a.strides, shape);
    const stB = b.shape.length === shape.length ? b.strides : broadcastStrides(b.shape, b.strides, shape);
    // a size-1 dim of an operand is read with stride 0 whatever its stored stride
    const dims = collapse(shape, [zeroBroadcast(a.shape, stA, shape), zeroBroadcast(b.shape, stB, shape)]);
    if (dims.length === 0) bad = binaryBlock(kern, loop, out, base, a.s, b.s, 1, 1, a.off, 0, 0, b.off, 0, 0);
    else if (dims.length === 1) bad = binaryBlock(kern, loop, out, base, a.s, b.s, 1, dims[0][0], a.off, 0, dims[0][1], b.off, 0, dims[0][2]);
    else {
      const [rows, ra, rb] = dims[dims.length - 2], [cols, ca, cb] = dims[dims.length - 1];
      const outer = dims.slice(0, -2);
      const oa = enumerateOffsets(outer.map((d) => d[0]), outer.map((d) => d[1]), a.off);
      const ob = enumerateOffsets(outer.map((d) => d[0]), outer.map((d) => d[2]), b.off);
      for (let t = 0, block = rows * cols; t < oa.length; t++) bad |= binaryBlock(kern, loop, out, base + t * block, a.s, b.s, rows, cols, oa[t], ra, ca, ob[t], rb, cb);
    }
  }
  if (dtype === "int64" || dtype === "bool") for (let i = base; i < base + n; i++) out[i] = castValue(dtype, out[i]);
  return watch(into ?? new Tensor(out, shape, dtype), op, bad);
}

/** Broadcast strides with 0 wherever the operand's own dim is 1 (its stored stride is then irrelevant). */
function zeroBroadcast(own: readonly number[], strides: readonly number[], shape: readonly number[]): readonly number[] {
  const lead = shape.length - own.length;
  for (let i = 0; i < own.length; i++) {
    if (own[i] === 1 && strides[lead + i] !== 0) return strides.map((s, d) => (d >= lead && own[d - lead] === 1 ? 0 : s));
  }
  return strides;
}

/** out = expr(x = a) elementwise, stored in `dtype` (or into `into`, as for binaryKernel). */
export function unaryKernel(a: Tensor, dtype: DType, op: string, k: Kernel | string, into?: Tensor): Tensor {
  const n = numelOf(a._shape);
  const out = into ? into._storage : allocForOverwrite(dtype, n); // every element written below
  const base = into ? into._offset : 0;
  const kern = kernelFor(k), loop = unaryLoop(kern, out, a._storage);
  let bad = 0;
  if (isContiguousLayout(a._shape, a._strides)) bad = unaryBlock(kern, loop, out, base, a._storage, 1, n, a._offset, 0, 1);
  else if (n > 0) {
    const dims = collapse(a._shape, [a._strides]);
    if (dims.length === 0) bad = unaryBlock(kern, loop, out, base, a._storage, 1, 1, a._offset, 0, 0);
    else if (dims.length === 1) bad = unaryBlock(kern, loop, out, base, a._storage, 1, dims[0][0], a._offset, 0, dims[0][1]);
    else {
      const [rows, r] = dims[dims.length - 2], [cols, c] = dims[dims.length - 1];
      const outer = dims.slice(0, -2);
      const offs = enumerateOffsets(outer.map((d) => d[0]), outer.map((d) => d[1]), a._offset);
      for (let t = 0, block = rows * cols; t < offs.length; t++) bad |= unaryBlock(kern, loop, out, base + t * block, a._storage, rows, cols, offs[t], r, c);
    }
  }
  if (dtype === "int64" || dtype === "bool") for (let i = base; i < base + n; i++) out[i] = castValue(dtype, out[i]);
  return watch(into ?? new Tensor(out, a._shape.slice(), dtype), op, bad);
}

const floatOf = (d: DType): DType => (isFloating(d) ? d : "float32");
const need = (t: Tensor) => t.requires_grad;

// ---- arithmetic primitives ----
// The forward runs on the operands as given (a number is read as a constant); they are lifted to
// tensors only when the op joins the autograd graph.

const ADD = kernel("p + q"), SUB = kernel("p - q"), MUL = kernel("p * q"), DIV = kernel("p / q");

/** Whether an op on x, y must be recorded. */
const tracking = (x: Operand, y: Operand): boolean =>
  isGradEnabled() && ((x instanceof Tensor && x.requires_grad) || (y instanceof Tensor && y.requires_grad));

const resultType = (x: Operand, y: Operand, op: string): DType => promoteTypes(operandDType(x, y, op), operandDType(y, x, op));

export function add(x: Operand, y: Operand): Tensor {
  const out = binaryKernel(x, y, resultType(x, y, "add"), "add", ADD);
  if (!tracking(x, y)) return out;
  const [a, b] = operands(x, y, "add");
  return record(out, "AddBackward0", [a, b], (g) => [
    need(a) ? sumToShape(g, a._shape) : null,
    need(b) ? sumToShape(g, b._shape) : null,
  ]);
}

export function sub(x: Operand, y: Operand): Tensor {
  const dtype = resultType(x, y, "sub");
  if (operandDType(x, y, "sub") === "bool" && operandDType(y, x, "sub") === "bool") {
    throw new TorchError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.");
  }
  const out = binaryKernel(x, y, dtype, "sub", SUB);
  if (!tracking(x, y)) return out;
  const [a, b] = operands(x, y, "sub");
  return record(out, "SubBackward0", [a, b], (g) => [
    need(a) ? sumToShape(g, a._shape) : null,
    // −Σg equals Σ(−g) bit for bit (negation is exact and rounding symmetric), on fewer elements
    need(b) ? neg(sumToShape(g, b._shape)) : null,
  ]);
}

export function mul(x: Operand, y: Operand): Tensor {
  const out = binaryKernel(x, y, resultType(x, y, "mul"), "mul", MUL);
  if (!tracking(x, y)) return out;
  const [a, b] = operands(x, y, "mul");
  return record(out, "MulBackward0", [a, b], (g) => {
    if (need(a) && need(b)) {
      const both = rowFactorGrads(a, b, g) ?? rowFactorGrads(b, a, g)?.reverse();
      if (both) return both;
    }
    return [
      need(a) ? productSum(b, g, a._shape) ?? sumToShape(mul(b, g), a._shape) : null,
      need(b) ? productSum(a, g, b._shape) ?? sumToShape(mul(a, g), b._shape) : null,
    ];
  }, [need(a) ? b : null, need(b) ? a : null]);
}

/**
 * Both gradients of full · row (float32 full, g: [m, n]; row: [n] or [1, n], e.g. bngain · bnraw)
 * in one pass over g: row · g for the full factor and the column sums of the rounded products
 * full · g for the row, in productSum's order. The same values as the two separate paths; null
 * when the case does not apply.
 */
function rowFactorGrads(full: Tensor, row: Tensor, g: Tensor): [Tensor, Tensor] | null {
  if (full.dtype !== "float32" || row.dtype !== "float32" || g.dtype !== "float32") return null;
  if (full._shape.length !== 2 || !sameShape(full._shape, g._shape)) return null;
  const [m, n] = full._shape, rs = row._shape;
  if (m === 1 || !((rs.length === 1 && rs[0] === n) || (rs.length === 2 && rs[0] === 1 && rs[1] === n))) return null;
  const r = row._read(), sf = full._storage, sg = g._storage;
  const [f0, f1] = full._strides, [g0, g1] = g._strides;
  const dFull = allocStorage("float32", m * n), acc = new Float64Array(n);
  let i = 0;
  // four rows per pass, added left to right: the same sequence of double additions as row by row
  for (; i + 4 <= m; i += 4) {
    for (let j = 0, k = i * n, x = full._offset + i * f0, y = g._offset + i * g0; j < n; j++, k++, x += f1, y += g1) {
      const rj = r[j], q0 = sg[y], q1 = sg[y + g0], q2 = sg[y + 2 * g0], q3 = sg[y + 3 * g0];
      dFull[k] = rj * q0;
      dFull[k + n] = rj * q1;
      dFull[k + 2 * n] = rj * q2;
      dFull[k + 3 * n] = rj * q3;
      acc[j] = acc[j] + Math.fround(sf[x] * q0) + Math.fround(sf[x + f0] * q1) + Math.fround(sf[x + 2 * f0] * q2) + Math.fround(sf[x + 3 * f0] * q3);
    }
  }
  for (; i < m; i++) {
    for (let j = 0, k = i * n, x = full._offset + i * f0, y = g._offset + i * g0; j < n; j++, k++, x += f1, y += g1) {
      const q = sg[y];
      dFull[k] = r[j] * q;
      acc[j] += Math.fround(sf[x] * q);
    }
  }
  const dRow = allocStorage("float32", n);
  dRow.set(acc);
  return [new Tensor(dFull, [m, n], "float32"), new Tensor(dRow, rs.slice(), "float32")];
}

/**
 * sumToShape(mul(x, g), shape) in one pass for the broadcast-row case (x, g: [m, n]; shape [1, n]
 * or [n], e.g. the gradient of bngain): each product rounded to the product's dtype, then summed
 * over rows in order, exactly as the two kernels would. null when the case does not apply.
 */
function productSum(x: Tensor, g: Tensor, shape: number[]): Tensor | null {
  if (x._shape.length !== 2 || !sameShape(x._shape, g._shape) || !isFloating(x.dtype) || !isFloating(g.dtype)) return null;
  const [m, n] = x._shape;
  if (!(shape.length === 1 && shape[0] === n) && !(shape.length === 2 && shape[0] === 1 && shape[1] === n) || m === 1) return null;
  const dtype = promoteTypes(x.dtype, g.dtype);
  const acc = new Float64Array(n), sx = x._storage, sg = g._storage;
  const [x0, x1] = x._strides, [g0, g1] = g._strides;
  let i = 0;
  if (dtype === "float32") {
    // four rows per pass, added left to right: the same sequence of double additions as row by row
    for (; i + 4 <= m; i += 4) {
      for (let j = 0, a = x._offset + i * x0, b = g._offset + i * g0; j < n; j++, a += x1, b += g1) {
        acc[j] = acc[j] + Math.fround(sx[a] * sg[b]) + Math.fround(sx[a + x0] * sg[b + g0]) + Math.fround(sx[a + 2 * x0] * sg[b + 2 * g0]) + Math.fround(sx[a + 3 * x0] * sg[b + 3 * g0]);
      }
    }
    for (; i < m; i++) {
      for (let j = 0, a = x._offset + i * x0, b = g._offset + i * g0; j < n; j++, a += x1, b += g1) acc[j] += Math.fround(sx[a] * sg[b]);
    }
  } else {
    for (; i < m; i++) {
      for (let j = 0, a = x._offset + i * x0, b = g._offset + i * g0; j < n; j++, a += x1, b += g1) acc[j] += sx[a] * sg[b];
    }
  }
  const out = allocStorage(dtype, n);
  out.set(acc);
  return new Tensor(out, shape.slice(), dtype);
}

export function div(x: Operand, y: Operand): Tensor {
  const out = binaryKernel(x, y, floatOf(resultType(x, y, "div")), "div", DIV);
  if (!tracking(x, y)) return out;
  const [a, b] = operands(x, y, "div");
  return record(out, "DivBackward0", [a, b], (g) => [
    need(a) ? sumToShape(div(g, b), a._shape) : null,
    // torch: -grad * ((self / other) / other)
    need(b) ? sumToShape(mul(neg(g), div(div(a, b), b)), b._shape) : null,
  ], [b, need(b) ? a : null]);
}

// ---- remainder, fmod and rounded division ----
// Floats as PyTorch's CPU kernels compute them, each step in the result's precision: fmod is exact;
// remainder moves fmod's result to the divisor's sign; floor division is Python's
// (a − fmod(a, b)) / b with its fix-ups (c10's div_floor_floating), so a == (a // b)·b + a % b
// holds better than floor(a / b). int64 (values held as integral doubles) uses the same
// expressions, which are exact for them, after a zero-divisor check.

/** Python's float floor division in double (also exact on integral doubles). */
function floorDiv(a: number, b: number): number {
  if (b === 0) return a / b;
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0 && (b < 0) !== (mod < 0)) div -= 1;
  if (div === 0) return (a / b < 0 || Object.is(a / b, -0)) ? -0 : 0;
  const f = Math.floor(div);
  return div - f > 0.5 ? f + 1 : f;
}

/** floorDiv with every step rounded to float32 (a, b float32 values). */
function floorDivF32(a: number, b: number): number {
  const r = Math.fround;
  if (b === 0) return r(a / b);
  const mod = a % b;
  let div = r(r(a - mod) / b);
  if (mod !== 0 && (b < 0) !== (mod < 0)) div = r(div - 1);
  if (div === 0) { const q = r(a / b); return (q < 0 || Object.is(q, -0)) ? -0 : 0; }
  const f = Math.floor(div);
  return r(div - f) > 0.5 ? f + 1 : f;
}

export type RoundingMode = "floor" | "trunc";
const REMAINDER = kernel("(p % q !== 0 && (q < 0) !== (p % q < 0)) ? p % q + q : p % q");
const FMOD = kernel("p % q");
const FLOOR_DIV = kernel("floorDiv(p, q)"), FLOOR_DIV_F32 = kernel("floorDivF32(p, q)");
const TRUNC_DIV = kernel("Math.trunc(p / q)"), TRUNC_DIV_F32 = kernel("Math.trunc(Math.fround(p / q))");
// int64: exact on integral doubles (p / q may round up to the next integer); + 0 turns −0 into 0
const REMAINDER_INT = kernel(`(${REMAINDER.expr}) + 0`), FMOD_INT = kernel("p % q + 0");
const FLOOR_DIV_INT = kernel("floorDiv(p, q) + 0"), TRUNC_DIV_INT = kernel("(p - p % q) / q + 0");

/** PyTorch's CPU kernel name for an op (its error for bool operands names it). */
const CPU_NAME = { remainder: "remainder_cpu", fmod: "fmod_cpu", floor: "div_floor_cpu", trunc: "div_trunc_cpu" } as const;

/** a (op) b for remainder, fmod and the rounded divisions: dtype checks, then the kernel for the dtype. */
function divmodKernel(x: Operand, y: Operand, op: keyof typeof CPU_NAME, name: string): Tensor {
  const dtype = resultType(x, y, name);
  if (dtype === "bool") throw new TorchError(`"${CPU_NAME[op]}" not implemented for 'Bool'`);
  if (!isFloating(dtype) && hasZero(y)) throw new TorchError("ZeroDivisionError");
  // an int64 operand of a float32 result is rounded to float32 first, as PyTorch casts its inputs
  if (dtype === "float32") {
    if (x instanceof Tensor && !isFloating(x.dtype)) x = cast(x, dtype);
    if (y instanceof Tensor && !isFloating(y.dtype)) y = cast(y, dtype);
  }
  const f32 = dtype === "float32", int = !isFloating(dtype);
  const k = op === "remainder" ? (int ? REMAINDER_INT : REMAINDER)
    : op === "fmod" ? (int ? FMOD_INT : FMOD)
    : op === "floor" ? (int ? FLOOR_DIV_INT : f32 ? FLOOR_DIV_F32 : FLOOR_DIV)
    : int ? TRUNC_DIV_INT : f32 ? TRUNC_DIV_F32 : TRUNC_DIV;
  return binaryKernel(x, y, dtype, name, k);
}

function hasZero(y: Operand): boolean {
  if (!(y instanceof Tensor)) return Number(y) === 0;
  const v = y._read();
  for (let i = 0; i < v.length; i++) if (v[i] === 0) return true;
  return false;
}

/** A node for an op PyTorch has no derivative for: backward through it raises PyTorch's error. */
function notDifferentiable(out: Tensor, x: Operand, y: Operand, aten: string): Tensor {
  if (!tracking(x, y)) return out;
  return record(out, "NotImplemented", operands(x, y, aten), () => {
    throw new TorchError(`derivative for aten::${aten} is not implemented`);
  });
}

/**
 * torch.remainder / Python's %: the result has the divisor's sign. Gradient: g to the dividend and
 * −g · floor(a / b) to the divisor (none for a number divided by a tensor, as in PyTorch).
 */
export function remainder(x: Operand, y: Operand): Tensor {
  const out = divmodKernel(x, y, "remainder", "remainder");
  if (!(x instanceof Tensor)) return notDifferentiable(out, x, y, "remainder");
  return recordDivmod(out, x, y, "Remainder", "floor");
}

/** torch.fmod: C's fmod, the result has the dividend's sign; gradient g and −g · trunc(a / b). */
export function fmod(x: Operand, y: Operand): Tensor {
  const out = divmodKernel(x, y, "fmod", "fmod");
  if (!(x instanceof Tensor)) return notDifferentiable(out, x, y, "fmod");
  return recordDivmod(out, x, y, "Fmod", "trunc");
}

function recordDivmod(out: Tensor, x: Tensor, y: Operand, label: string, mode: RoundingMode): Tensor {
  if (!tracking(x, y)) return out;
  if (!(y instanceof Tensor)) return record(out, `${label}Backward0`, [x], (g) => [g]);
  return record(out, `${label}Backward1`, [x, y], (g) => [
    need(x) ? sumToShape(g, x._shape) : null,
    // torch: -grad * self.div(other, rounding_mode=...)
    need(y) ? sumToShape(mul(neg(g), divmodKernel(x, y, mode, `div_${mode}`)), y._shape) : null,
  ], [x, y]);
}

/**
 * torch.div with rounding_mode: the quotient rounded toward −∞ ("floor") or 0 ("trunc"), in the
 * operands' promoted dtype (int64 stays int64). Its gradient is zero, as in PyTorch.
 */
export function divRounded(x: Operand, y: Operand, mode: RoundingMode): Tensor {
  if (mode !== "floor" && mode !== "trunc") {
    throw new TorchError(`div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '${String(mode)}'`);
  }
  const out = divmodKernel(x, y, mode, `div_${mode}`);
  if (!tracking(x, y)) return out;
  const [a, b] = operands(x, y, "div");
  // zeros of each input's shape (a tensor that needs a gradient is floating)
  const zeros = (t: Tensor) => new Tensor(allocStorage(t.dtype, t.numel()), t.shape, t.dtype);
  return record(out, "DivBackward2", [a, b], () => [need(a) ? zeros(a) : null, need(b) ? zeros(b) : null]);
}

/** torch.floor_divide / Python's //: floor division; PyTorch defines no gradient for it. */
export function floorDivide(x: Operand, y: Operand): Tensor {
  return notDifferentiable(divmodKernel(x, y, "floor", "floor_divide"), x, y, "floor_divide");
}

const INPLACE_KERNELS = { add_: ADD, sub_: SUB, mul_: MUL, div_: DIV } as const;

/**
 * self (op)= o, written straight into self's storage when nothing is recorded and that gives the
 * same values as computing the result and copying it in: self contiguous and floating, the result
 * of self's dtype and shape, and `o` not another view of self's storage. Otherwise the general
 * `inplace` (which also raises PyTorch's errors).
 */
export function inplaceArith<T extends Tensor>(self: T, op: keyof typeof INPLACE_KERNELS, o: Operand): T {
  const direct = !tracking(self, o) && !(isGradEnabled() && self._base?.requires_grad) &&
    isFloating(self.dtype) && self.is_contiguous() &&
    resultType(self, o, op) === self.dtype &&
    (!(o instanceof Tensor) || ((o._storage !== self._storage || sameLayout(o, self)) && fitsInto(o._shape, self._shape)));
  if (!direct) {
    const f = op === "add_" ? add : op === "sub_" ? sub : op === "mul_" ? mul : div;
    return inplace(self, op, (old) => f(old, o));
  }
  binaryKernel(self, o, self.dtype, op.slice(0, -1), INPLACE_KERNELS[op], self);
  self._version.value++;
  return self;
}

/**
 * add(acc, g) written into acc (contiguous) when the sum has acc's shape and dtype: the backward
 * pass's in-place gradient accumulation. false, with nothing written, when it does not apply.
 */
export function addInto(acc: Tensor, g: Tensor): boolean {
  if (!isFloating(acc.dtype) || !acc.is_contiguous() || promoteTypes(acc.dtype, g.dtype) !== acc.dtype || !fitsInto(g._shape, acc._shape)) return false;
  binaryKernel(acc, g, acc.dtype, "add", ADD, acc);
  acc._version.value++;
  return true;
}

const sameLayout = (a: Tensor, b: Tensor): boolean =>
  a._offset === b._offset && sameShape(a._shape, b._shape) && sameShape(a._strides, b._strides);

/** `shape` broadcasts to `target` without changing it. */
function fitsInto(shape: readonly number[], target: readonly number[]): boolean {
  if (shape.length > target.length) return false;
  const lead = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) if (shape[i] !== 1 && shape[i] !== target[lead + i]) return false;
  return true;
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

/** fround(fround(k) · fround(p ** (k − 1))) · q: mul(mul(k, pow(x, k − 1)), g) on float32 x = p, g = q. */
const powBackwardExpr = (k: number): string =>
  `Math.fround((${numberLiteral(Math.fround(k))}) * Math.fround(${powScalarExpr(k - 1, "float32").replace(/\bx\b/g, "p")})) * q`;

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
      // (k * x**(k-1)) * g — the learner's (2*bndiff) * d..., (-0.5*(v+eps)**-1.5) * d...;
      // for float32 in one kernel with the three ops' roundings
      k === 0 ? mul(g, 0)
        : x.dtype === "float32" && g.dtype === "float32" ? binaryKernel(x, g, "float32", "pow_backward", powBackwardExpr(k))
        : mul(mul(k, pow(x, k - 1)), g),
    ], [x]);
  }
  const [a, b] = operands(x, y, "pow");
  const dtype = promoteTypes(a.dtype, b.dtype);
  const out = binaryKernel(a, b, dtype, "pow", "Math.pow(p, q)");
  return record(out, "PowBackward1", [a, b], (g) => [
    need(a) ? sumToShape(mul(mul(b, pow(a, sub(b, 1))), g), a._shape) : null,
    // d/db a**b = a**b * log(a), defined as 0 where a == 0 and b >= 0 (as torch does)
    need(b) ? sumToShape(mul(where(logicalAnd(eqScalar(a, 0), compare(b, 0, "ge")), 0, mul(out.detach(), log(a))), g), b._shape) : null,
  ], [a, b, out]);
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

const EXP_F32 = kernel("expF32(x)"), EXP_F64 = kernel("Math.exp(x)");
const TANH_F32 = kernel("tanhF32(x)"), TANH_F64 = kernel("Math.tanh(x)");
const TANH_BACKWARD_F32 = kernel("Math.fround(1 - Math.fround(p * p)) * q"), TANH_BACKWARD_F64 = kernel("(1 - p * p) * q");

export function exp(a: Tensor): Tensor {
  const dtype = floatOf(a.dtype);
  const out = unaryKernel(a, dtype, "exp", dtype === "float32" ? EXP_F32 : EXP_F64);
  return record(out, "ExpBackward0", [a], (g) => [mul(out.detach(), g)], [out]);
}

export function log(a: Tensor): Tensor {
  const out = unaryKernel(a, floatOf(a.dtype), "log", "Math.log(x)");
  return record(out, "LogBackward0", [a], (g) => [mul(div(1, a), g)], [a]);
}

export function log10(a: Tensor): Tensor {
  const out = unaryKernel(a, floatOf(a.dtype), "log10", "Math.log10(x)");
  return record(out, "Log10Backward0", [a], (g) => [div(g, mul(a, Math.LN10))], [a]);
}

export function tanh(a: Tensor): Tensor {
  const dtype = floatOf(a.dtype);
  const out = unaryKernel(a, dtype, "tanh", dtype === "float32" ? TANH_F32 : TANH_F64);
  // (1 − y²)·g in one pass, rounded after each step exactly as sub(1, pow(y, 2)).mul(g) would be
  return record(out, "TanhBackward0", [a], (g) => [
    binaryKernel(out.detach(), g, promoteTypes(dtype, g.dtype), "tanh_backward", dtype === "float32" ? TANH_BACKWARD_F32 : TANH_BACKWARD_F64),
  ], [out]);
}

const SIN_BACKWARD_F32 = kernel("Math.fround(Math.cos(p)) * q"), SIN_BACKWARD_F64 = kernel("Math.cos(p) * q");

export function sin(a: Tensor): Tensor {
  const dtype = floatOf(a.dtype);
  const out = unaryKernel(a, dtype, "sin", "Math.sin(x)");
  // g · cos(x) in one pass, cos rounded to the dtype first as torch's grad * self.cos() is
  return record(out, "SinBackward0", [a], (g) => [
    binaryKernel(a, g, promoteTypes(dtype, g.dtype), "sin_backward", dtype === "float32" ? SIN_BACKWARD_F32 : SIN_BACKWARD_F64),
  ], [a]);
}

const COS_BACKWARD_F32 = kernel("Math.fround(-Math.fround(Math.sin(p))) * q"), COS_BACKWARD_F64 = kernel("-Math.sin(p) * q");

export function cos(a: Tensor): Tensor {
  const dtype = floatOf(a.dtype);
  const out = unaryKernel(a, dtype, "cos", "Math.cos(x)");
  // g · −sin(x) in one pass, −sin rounded to the dtype first as torch's grad * -self.sin() is
  return record(out, "CosBackward0", [a], (g) => [
    binaryKernel(a, g, promoteTypes(dtype, g.dtype), "cos_backward", dtype === "float32" ? COS_BACKWARD_F32 : COS_BACKWARD_F64),
  ], [a]);
}

/** Rounding to the nearest integer, halves to even (torch.round, numpy's rint); its gradient is zero. */
export function round(a: Tensor): Tensor {
  const out = unaryKernel(a, a.dtype, "round", "Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x)");
  return record(out, "RoundBackward0", [a], (g) => [mul(g, 0)]);
}

export function sigmoid(a: Tensor): Tensor {
  const out = unaryKernel(a, floatOf(a.dtype), "sigmoid", "1 / (1 + Math.exp(-x))");
  return record(out, "SigmoidBackward0", [a], (g) => {
    const y = out.detach();
    return [mul(mul(y, sub(1, y)), g)];
  }, [out]);
}

export function relu(a: Tensor): Tensor {
  const out = unaryKernel(a, a.dtype, "relu", "x > 0 ? x : x !== x ? x : 0");
  // like torch's threshold_backward: zero where the output is <= 0 (a NaN input passes the gradient)
  return record(out, "ReluBackward0", [a], (g) => [where(compare(out.detach(), 0, "le"), 0, g)], [out]);
}

export function abs(a: Tensor): Tensor {
  const out = unaryKernel(a, a.dtype, "abs", "Math.abs(x)");
  // g * sgn(x), with sgn(NaN) = sgn(±0) = 0 as in torch
  return record(out, "AbsBackward0", [a], (g) => [mul(unaryKernel(a, a.dtype, "sign", "x > 0 ? 1 : x < 0 ? -1 : 0"), g)], [a]);
}

export function sqrt(a: Tensor): Tensor {
  const out = unaryKernel(a, floatOf(a.dtype), "sqrt", "Math.sqrt(x)");
  return record(out, "SqrtBackward0", [a], (g) => [div(g, mul(2, out.detach()))], [out]);
}

export function clamp(a: Tensor, lo: number | null, hi: number | null): Tensor {
  const l = lo ?? -Infinity, h = hi ?? Infinity;
  const out = unaryKernel(a, a.dtype, "clamp", `x !== x ? x : Math.min(Math.max(x, ${l}), ${h})`);
  return record(out, "ClampBackward1", [a], (g) =>
    [mul(unaryKernel(a, "bool", "clamp_mask", `x >= ${l} && x <= ${h} ? 1 : 0`), g)], [a]);
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
  ], [cond]);
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

/**
 * What zero_, fill_, copy_, uniform_ and normal_ write over `old`: its shape and dtype, every element
 * from `src` (a number, or a tensor broadcast to old's shape and cast to its dtype) and none computed
 * from old's values (old · 0 kept old's NaN/Inf and the sign of −x · 0). The gradient to old is
 * zero, to src its share, under PyTorch's node name `label`.
 */
export function overwrite(old: Tensor, src: number | Tensor, label: string): Tensor {
  const out = new Tensor(allocStorage(old.dtype, old.numel()), old.shape, old.dtype);
  const from = typeof src === "number" ? null : src;
  if (from) writeInto(out, from.detach().expand(old.shape)._read());
  else out._storage.fill(castValue(old.dtype, src as number));
  return record(out, label, from ? [old, from] : [old], (g) => [
    new Tensor(allocStorage(g.dtype, g.numel()), g.shape, g.dtype),
    ...(from ? [need(from) ? cast(sumToShape(g, from._shape), from.dtype) : null] : []),
  ]);
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
