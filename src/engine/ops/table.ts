// The op table: one row per elementwise op. Tensor's methods, torch.* and F.* (engine/index.ts,
// functional.ts), the Python package (through the bridge's pythonTable) and the parity fixtures
// (scripts/reference/op_table.ts → gen_parity_fixtures.py, test/parity) are all derived from it.
// Adding an elementwise op: its kernel and backward in elementwise.ts, one row here, and the parity
// fixtures regenerated. ../tensorMethods.ts installs the rows as Tensor's methods.
import * as ew from "./elementwise";
import type { Operand, Tensor } from "../tensor";

/** What the backward reads, as PyTorch saves it (an in-place change of it before backward is an error). */
export type Saves = "nothing" | "input" | "output" | "inputs";

/**
 * How the parity generator draws a unary op's inputs: "real" from randn, "positive" from (0.1, 2.1)
 * (outside it the op is NaN), each also with 0, −1.5, ±Inf and NaN. null: no generated cases.
 */
export type ParityDomain = "real" | "positive" | null;

interface Row {
  /** torch.<name> (engine and Python) */
  torch: boolean;
  saves: Saves;
}
interface UnaryRow extends Row {
  fn: (a: Tensor) => Tensor;
  /** torch.nn.functional.<name> (engine F and Python F) */
  functional: boolean;
  parity: ParityDomain;
}
/** Keyword arguments of binary rows: add/sub's alpha, div's rounding_mode. */
export interface BinaryOpts {
  alpha?: number;
  rounding_mode?: ew.RoundingMode | null;
}
interface BinaryRow extends Row {
  /** a (op) o; a number takes the other operand's kind, as a Python number does */
  fn: (a: Operand, o: Operand, opts?: BinaryOpts) => Tensor;
  /** "arith": parity cases over broadcast shapes and a number; "compare": bool results; null: none */
  parity: "arith" | "compare" | null;
  /** o (op) a: Python's reflected operator (__rsub__), not a method there */
  reflected?: true;
}
interface InplaceRow {
  /** a (op)= o, in a's storage */
  fn: (a: Tensor, o: Operand, opts?: BinaryOpts) => Tensor;
}

// fn's types are written out (u, b, ip): inferred, they would depend on Tensor, whose methods come from here
const u = (fn: (a: Tensor) => Tensor) => fn;
const b = (fn: (a: Operand, o: Operand, opts?: BinaryOpts) => Tensor) => fn;
const ip = (fn: (a: Tensor, o: Operand, opts?: BinaryOpts) => Tensor) => fn;

export const UNARY_OPS = {
  neg: { fn: u((a) => ew.neg(a)), torch: true, functional: false, saves: "nothing", parity: "real" },
  exp: { fn: u((a) => ew.exp(a)), torch: true, functional: false, saves: "output", parity: "real" },
  log: { fn: u((a) => ew.log(a)), torch: true, functional: false, saves: "input", parity: "positive" },
  log10: { fn: u((a) => ew.log10(a)), torch: true, functional: false, saves: "input", parity: "positive" },
  tanh: { fn: u((a) => ew.tanh(a)), torch: true, functional: true, saves: "output", parity: "real" },
  sigmoid: { fn: u((a) => ew.sigmoid(a)), torch: true, functional: true, saves: "output", parity: "real" },
  relu: { fn: u((a) => ew.relu(a)), torch: true, functional: true, saves: "output", parity: "real" },
  abs: { fn: u((a) => ew.abs(a)), torch: true, functional: false, saves: "input", parity: "real" },
  sqrt: { fn: u((a) => ew.sqrt(a)), torch: true, functional: false, saves: "output", parity: "positive" },
  sin: { fn: u((a) => ew.sin(a)), torch: true, functional: false, saves: "input", parity: "real" },
  cos: { fn: u((a) => ew.cos(a)), torch: true, functional: false, saves: "input", parity: null },
  round: { fn: u((a) => ew.round(a)), torch: true, functional: false, saves: "nothing", parity: null },
  reciprocal: { fn: u((a) => ew.div(1, a)), torch: true, functional: false, saves: "input", parity: null },
  square: { fn: u((a) => ew.pow(a, 2)), torch: true, functional: false, saves: "input", parity: null },
  isnan: { fn: u((a) => ew.compare(a, a, "ne")), torch: true, functional: false, saves: "nothing", parity: null },
  logical_not: { fn: u((a) => ew.compare(a, 0, "eq")), torch: true, functional: false, saves: "nothing", parity: null },
} satisfies Record<string, UnaryRow>;

export const BINARY_OPS = {
  add: { fn: b((a, o, opts) => ew.add(a, scaled(o, opts?.alpha))), torch: true, saves: "nothing", parity: "arith" },
  sub: { fn: b((a, o, opts) => ew.sub(a, scaled(o, opts?.alpha))), torch: true, saves: "nothing", parity: "arith" },
  mul: { fn: b((a, o) => ew.mul(a, o)), torch: true, saves: "inputs", parity: "arith" },
  div: { fn: b((a, o, opts) => (opts?.rounding_mode != null ? ew.divRounded(a, o, opts.rounding_mode) : ew.div(a, o))), torch: true, saves: "inputs", parity: "arith" },
  pow: { fn: b((a, o) => ew.pow(a, o)), torch: true, saves: "inputs", parity: "arith" },
  rsub: { fn: b((a, o) => ew.sub(o, a)), torch: false, saves: "nothing", parity: null, reflected: true },
  rdiv: { fn: b((a, o) => ew.div(o, a)), torch: false, saves: "inputs", parity: null, reflected: true },
  rpow: { fn: b((a, o) => ew.pow(o, a)), torch: false, saves: "inputs", parity: null, reflected: true },
  // % and //: checked against PyTorch and numpy by test/fixtures/python/divmod_checks.py (float and
  // int64, both signs, zero divisors, broadcasting, gradients), not by the generated parity cases
  remainder: { fn: b((a, o) => ew.remainder(a, o)), torch: true, saves: "inputs", parity: null },
  fmod: { fn: b((a, o) => ew.fmod(a, o)), torch: true, saves: "inputs", parity: null },
  floor_divide: { fn: b((a, o) => ew.floorDivide(a, o)), torch: true, saves: "nothing", parity: null },
  rmod: { fn: b((a, o) => ew.remainder(o, a)), torch: false, saves: "nothing", parity: null, reflected: true },
  rfloordiv: { fn: b((a, o) => ew.floorDivide(o, a)), torch: false, saves: "nothing", parity: null, reflected: true },
  eq: { fn: b((a, o) => ew.compare(a, o, "eq")), torch: true, saves: "nothing", parity: "compare" },
  ne: { fn: b((a, o) => ew.compare(a, o, "ne")), torch: true, saves: "nothing", parity: "compare" },
  lt: { fn: b((a, o) => ew.compare(a, o, "lt")), torch: true, saves: "nothing", parity: "compare" },
  le: { fn: b((a, o) => ew.compare(a, o, "le")), torch: true, saves: "nothing", parity: "compare" },
  gt: { fn: b((a, o) => ew.compare(a, o, "gt")), torch: true, saves: "nothing", parity: "compare" },
  ge: { fn: b((a, o) => ew.compare(a, o, "ge")), torch: true, saves: "nothing", parity: "compare" },
} satisfies Record<string, BinaryRow>;

export const INPLACE_OPS = {
  add_: { fn: ip((a, o, opts): Tensor => ew.inplaceArith(a, "add_", scaled(o, opts?.alpha))) },
  sub_: { fn: ip((a, o, opts): Tensor => ew.inplaceArith(a, "sub_", scaled(o, opts?.alpha))) },
  mul_: { fn: ip((a, o): Tensor => ew.inplaceArith(a, "mul_", o)) },
  div_: { fn: ip((a, o): Tensor => ew.inplaceArith(a, "div_", o)) },
  pow_: { fn: ip((a, o): Tensor => ew.inplace(a, "pow_", (old) => ew.pow(old, o))) },
  remainder_: { fn: ip((a, o): Tensor => ew.inplace(a, "remainder_", (old) => ew.remainder(old, o))) },
  fmod_: { fn: ip((a, o): Tensor => ew.inplace(a, "fmod_", (old) => ew.fmod(old, o))) },
  floor_divide_: { fn: ip((a, o): Tensor => ew.inplace(a, "floor_divide_", (old) => ew.floorDivide(old, o))) },
} satisfies Record<string, InplaceRow>;

/** o · alpha (torch's add/sub `alpha`) */
function scaled(o: Operand, alpha: number | undefined): Operand {
  if (alpha === undefined) return o;
  return typeof o === "object" ? ew.mul(o, alpha) : Number(o) * alpha;
}

type Unary = typeof UNARY_OPS;
type Binary = typeof BINARY_OPS;
type Inplace = typeof INPLACE_OPS;
type Rows = Unary & Binary & Inplace;
type Flagged<T, F extends string> = { [K in keyof T as T[K] extends Record<F, true> ? K : never]: T[K] };
/** fn(a, ...rest) as the method a.name(...rest) */
type AsMethod<F> = F extends (a: Tensor, ...rest: infer R) => infer T ? (...rest: R) => T : never;

/** Tensor's methods from the table (declared on Tensor and installed by ../tensorMethods.ts). */
export type TableMethods = { [K in keyof Rows]: AsMethod<Rows[K]["fn"]> };
/** torch.<name> for the rows that have one */
export type TorchFunctions = { [K in keyof Flagged<Unary & Binary, "torch">]: (Unary & Binary)[K]["fn"] };
export type FunctionalFunctions = { [K in keyof Flagged<Unary, "functional">]: Unary[K]["fn"] };

type Method = (this: Tensor, o?: Operand, opts?: BinaryOpts) => Tensor;
/**
 * Each row's fn as a method on `this`, for Tensor.prototype. Each method is compiled on its own
 * (new Function): one shared wrapper would make its call of fn megamorphic, and V8 would no longer
 * inline the op into the method (bench: py_add_us).
 */
export function tensorMethods(): Record<string, Method> {
  const out: Record<string, Method> = {};
  const method = (fn: unknown, params: string) =>
    new Function("fn", `"use strict"; return function (${params}) { return fn(this${params ? ", " + params : ""}); };`)(fn) as Method;
  for (const [name, row] of Object.entries(UNARY_OPS) as [string, UnaryRow][]) out[name] = method(row.fn, "");
  for (const [name, row] of Object.entries({ ...BINARY_OPS, ...INPLACE_OPS }) as [string, BinaryRow | InplaceRow][]) out[name] = method(row.fn, "o, opts");
  return out;
}

const pick = <T>(rows: Record<string, UnaryRow | BinaryRow>, flag: "torch" | "functional"): T =>
  Object.fromEntries(Object.entries(rows).filter(([, r]) => (r as unknown as Record<string, boolean>)[flag]).map(([n, r]) => [n, r.fn])) as T;

export const torchFunctions = (): TorchFunctions => pick<TorchFunctions>({ ...UNARY_OPS, ...BINARY_OPS }, "torch");
export const functionalFunctions = (): FunctionalFunctions => pick<FunctionalFunctions>(UNARY_OPS, "functional");

/** The table as data (no functions): what the Python package and the parity generator read. */
export function opTableData() {
  const rows = <T extends object>(ops: Record<string, T>, f: (r: T) => object) =>
    Object.entries(ops).map(([name, r]) => ({ name, ...f(r) }));
  return {
    unary: rows<UnaryRow>(UNARY_OPS, ({ torch, functional, saves, parity }) => ({ torch, functional, saves, parity })),
    binary: rows<BinaryRow>(BINARY_OPS, ({ torch, saves, parity, reflected }) => ({ torch, saves, parity, reflected: reflected ?? false })),
    inplace: Object.keys(INPLACE_OPS),
  };
}
