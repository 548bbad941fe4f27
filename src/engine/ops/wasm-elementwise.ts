// Elementwise kernels in WebAssembly SIMD, compiled from the same expressions as the JS loops of
// ./elementwise. In V8 a JS loop over typed arrays re-checks each array's map and bounds on every
// element (~2.3 ns an element here); a WASM loop does not, and runs two lanes at a time.
//
// The results are the JS loops' bit for bit, by construction: an expression is translated operator by
// operator into the double arithmetic JS performs (f64x2 lanes, or f64 for an odd last element):
// float32 operands are widened exactly, `+ - * /`, unary minus, Math.sqrt and Math.abs are IEEE
// double operations in both, Math.fround is a demotion to float32 and back, and the store rounds
// to the output's type once. tanhF32 (./fastmath) is its double computation in f64x2 lanes: every
// branch computed, each lane's own chosen. An expression with anything else (Math.exp, comparisons,
// ...) has no translation and keeps its JS loop.
//
// A call works on one block of `rows` × `cols` outputs, each operand read with a row stride and a
// column stride of 0 (broadcast) or 1 (contiguous): JS copies each operand's span into the module's
// memory, WASM writes the block there, and JS copies it out with one typed-array set.
import { EXP2_FRAC, LN2_32_HI, LN2_32_INV, LN2_32_LO, TANH_TAYLOR } from "./fastmath";
import { Fn, I32, Op, SIMD, ScratchMemory, VOID, align16, bumpBy, f64, get, i32, memarg, moduleOf, set, simd, spanOf } from "./wasm";

type Storage = Float32Array | Float64Array;

/** What an expression parses to. */
type Node =
  | { k: "var"; name: string }
  | { k: "num"; v: number }
  | { k: "bin"; op: string; a: Node; b: Node }
  | { k: "neg"; a: Node }
  | { k: "call"; fn: string; a: Node };

const CALLS = new Set(["Math.fround", "Math.sqrt", "Math.abs", "tanhF32"]);
const TOKEN = /\s*(?:(\d+(?:\.\d*)?(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?)|(Math\.\w+|[A-Za-z_]\w*)|(\S))/gy;

/** The expression's tree over `vars`, or null when it uses anything without a translation. */
export function parseExpression(src: string, vars: readonly string[]): Node | null {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  for (let m; TOKEN.lastIndex < src.length && (m = TOKEN.exec(src));) tokens.push(m[1] ?? m[2] ?? m[3]);
  if (tokens.join("").length !== src.replace(/\s+/g, "").length) return null;
  let i = 0;
  const peek = () => tokens[i];
  const fail = (): never => { throw new SyntaxError(src); };
  const expect = (t: string) => (tokens[i++] === t ? undefined : fail());
  const sum = (): Node => {
    let a = product();
    while (peek() === "+" || peek() === "-") { const op = tokens[i++]; a = { k: "bin", op, a, b: product() }; }
    return a;
  };
  const product = (): Node => {
    let a = unary();
    while (peek() === "*" || peek() === "/") { const op = tokens[i++]; a = { k: "bin", op, a, b: unary() }; }
    return a;
  };
  const unary = (): Node => {
    if (peek() === "-") { i++; return { k: "neg", a: unary() }; }
    if (peek() === "+") fail(); // unary plus converts; not needed
    return primary();
  };
  const primary = (): Node => {
    const t = tokens[i++];
    if (t === undefined) return fail();
    if (t === "(") { const e = sum(); expect(")"); return e; }
    if (/^[\d.]/.test(t)) return { k: "num", v: Number(t) };
    if (t === "NaN" || t === "Infinity") return { k: "num", v: Number(t) };
    if (vars.includes(t)) return { k: "var", name: t };
    if (CALLS.has(t)) { expect("("); const a = sum(); expect(")"); return { k: "call", fn: t, a }; }
    return fail();
  };
  try {
    const e = sum();
    return i === tokens.length ? e : null;
  } catch {
    return null;
  }
}

/**
 * Whether the expression can run in float32 lanes with the same result: every operand and constant
 * is a float32 value, and every arithmetic result is rounded to float32 at once (by Math.fround or
 * by the store), possibly through a negation or abs. Then each op is one float32 op: for + − × ÷
 * and sqrt of float32 values, rounding the double result to float32 gives the correctly rounded
 * float32 result (a double has more than 2·24 + 2 bits), so float32 lanes compute the same bits.
 */
export function float32Exact(e: Node): boolean {
  const exact = (n: Node): boolean => {
    switch (n.k) {
      case "var": return true;
      case "num": return Math.fround(n.v) === n.v;
      case "neg": return exact(n.a);
      case "call": return n.fn === "Math.abs" ? exact(n.a) : n.fn === "Math.fround" && rounded(n.a);
      case "bin": return false;
    }
  };
  // a value about to be rounded to float32: one op on float32 values, or a float32 value already
  const rounded = (n: Node): boolean => {
    if (n.k === "bin") return exact(n.a) && exact(n.b);
    if (n.k === "call" && n.fn === "Math.sqrt") return exact(n.a);
    if (n.k === "neg" || (n.k === "call" && n.fn === "Math.abs")) return rounded(n.a);
    return exact(n);
  };
  return rounded(e);
}

/** The ops of one lane type: f64x2 (double, two lanes), f32x4 (float32, four lanes) or a scalar f64. */
interface Lanes {
  readonly width: number;
  bin(op: string): number[];
  neg: number[]; abs: number[]; sqrt: number[];
  fround: number[];
  constant(v: number): number[];
  /** tanhF32 of the value on the stack (f64x2, or f64 through lane 0), with the kernel's scratch locals */
  tanh?(scratch: TanhScratch): number[];
}
/** v128 constants: the number in every lane */
const f32x4Const = (v: number) => simd(SIMD.const, ...Array.from(new Uint8Array(Float32Array.of(v, v, v, v).buffer)));
const f64x2 = (v: number) => simd(SIMD.const, ...f64(v).slice(1), ...f64(v).slice(1));
const i64x2 = (v: bigint) => simd(SIMD.const, ...Array.from(new Uint8Array(BigInt64Array.of(v, v).buffer)));

const LANES: Record<"f64x2" | "f32x4" | "f64", Lanes> = {
  f64x2: {
    width: 2,
    bin: (op) => simd({ "+": SIMD.f64x2Add, "-": SIMD.f64x2Sub, "*": SIMD.f64x2Mul, "/": SIMD.f64x2Div }[op]!),
    neg: simd(SIMD.f64x2Neg), abs: simd(SIMD.f64x2Abs), sqrt: simd(SIMD.f64x2Sqrt),
    fround: simd(SIMD.demoteZero).concat(simd(SIMD.promoteLow)),
    constant: f64x2,
    tanh: tanhVector,
  },
  f32x4: {
    width: 4,
    bin: (op) => simd({ "+": SIMD.f32x4Add, "-": SIMD.f32x4Sub, "*": SIMD.f32x4Mul, "/": SIMD.f32x4Div }[op]!),
    neg: simd(SIMD.f32x4Neg), abs: simd(SIMD.f32x4Abs), sqrt: simd(SIMD.f32x4Sqrt),
    fround: [], // the value is a float32 already
    constant: f32x4Const,
  },
  f64: {
    width: 1,
    bin: (op) => [{ "+": Op.F64Add, "-": Op.F64Sub, "*": Op.F64Mul, "/": Op.F64Div }[op]!],
    neg: [Op.F64Neg], abs: [Op.F64Abs], sqrt: [Op.F64Sqrt],
    fround: [Op.F32DemoteF64, Op.F64PromoteF32],
    constant: f64,
    tanh: (scratch) => simd(SIMD.f64x2Splat).concat(tanhVector(scratch), simd(SIMD.f64x2ExtractLane, 0)),
  },
};

/** Code leaving the expression's value on the stack, in the given lanes. */
function emitExpression(e: Node, lanes: Lanes, local: (name: string) => number, scratch: TanhScratch): number[] {
  const sub = (x: Node) => emitExpression(x, lanes, local, scratch);
  switch (e.k) {
    case "var": return get(local(e.name));
    case "num": return lanes.constant(e.v);
    case "bin": return sub(e.a).concat(sub(e.b), lanes.bin(e.op));
    case "neg": return sub(e.a).concat(lanes.neg);
    case "call": {
      const fn = e.fn === "Math.sqrt" ? lanes.sqrt : e.fn === "Math.abs" ? lanes.abs : e.fn === "Math.fround" ? lanes.fround : lanes.tanh!(scratch);
      return sub(e.a).concat(fn);
    }
  }
}

/** Locals tanhVector works in: eight v128 and one i32. */
interface TanhScratch { v: number[]; k: number }

/** EXP2_FRAC (./fastmath) sits at the start of memory; operands are copied in after it. */
const EXP2_AT = 0, TABLE_BYTES = (EXP2_FRAC.length * 8 + 15) & ~15;

/**
 * tanhF32 of the two doubles on the stack, lane by lane the operations of ./fastmath's tanhF32:
 * all three branches are computed and each lane takes its own. |x| < 1/4: x itself for ±0 (the
 * early return: the polynomial would give +0 for −0), else the Taylor polynomial; |x| ≥ 20 or NaN:
 * ±1 or the NaN; between: 1 − 2/(e^(2|x|) + 1) with x's sign, e^y as in expReduced (Math.round
 * as floor plus the fraction compared with 1/2; 2^(n >> 5) built from its exponent bits, equal to
 * POW2's entry; EXP2_FRAC read from memory per lane). A lane's unused branches cannot trap: SIMD
 * arithmetic does not, and the table index is n & 31.
 */
function tanhVector({ v: [x, ax, z, s, y, n, r, t], k }: TanhScratch): number[] {
  const [, T3, T5, T7, T9, T11, T13, T15, T17, T19] = TANH_TAYLOR;
  const op = (o: number) => simd(o);
  const out: number[] = [];
  const emit = (...parts: number[][]) => { for (const p of parts) out.push(...p); };
  emit(set(x), get(x), op(SIMD.f64x2Abs), set(ax));
  // small: x + x * z * (T3 + z * (T5 + ... + z * T19)), z = x * x
  emit(get(x), get(x), op(SIMD.f64x2Mul), set(z), get(x), get(x), get(z), op(SIMD.f64x2Mul));
  for (const c of [T3, T5, T7, T9, T11, T13, T15, T17]) emit(f64x2(c), get(z));
  emit(f64x2(T19));
  for (let i = 0; i < 8; i++) emit(op(SIMD.f64x2Mul), op(SIMD.f64x2Add));
  emit(op(SIMD.f64x2Mul), op(SIMD.f64x2Add), set(s));
  emit(get(x), get(s), get(x), f64x2(0), op(SIMD.f64x2Eq), op(SIMD.v128Bitselect), set(s));
  // middle: y = 2 * ax; n = Math.round(y * LN2_32_INV) (here v = y · LN2_32_INV in r, its floor in t)
  emit(f64x2(2), get(ax), op(SIMD.f64x2Mul), set(y), get(y), f64x2(LN2_32_INV), op(SIMD.f64x2Mul), set(r));
  emit(get(r), op(SIMD.f64x2Floor), set(t));
  emit(get(t), get(r), get(t), op(SIMD.f64x2Sub), f64x2(0.5), op(SIMD.f64x2Ge), f64x2(1), op(SIMD.v128And), op(SIMD.f64x2Add), set(n));
  // r = (y - n * LN2_32_HI) - n * LN2_32_LO
  emit(get(y), get(n), f64x2(LN2_32_HI), op(SIMD.f64x2Mul), op(SIMD.f64x2Sub), get(n), f64x2(LN2_32_LO), op(SIMD.f64x2Mul), op(SIMD.f64x2Sub), set(r));
  // 2^(n >> 5) (exponent bits) * EXP2_FRAC[n & 31] ... the integer n's lanes in y (y is done with)
  emit(get(n), op(SIMD.i32x4TruncSatF64x2SZero), set(y));
  emit(get(y), i32(5), op(SIMD.i32x4ShrS), op(SIMD.i64x2ExtendLowI32x4S), i64x2(1023n), op(SIMD.i64x2Add), i32(52), op(SIMD.i64x2Shl));
  for (const lane of [0, 1]) {
    emit(get(y), simd(SIMD.i32x4ExtractLane, lane), i32(31), [Op.I32And], i32(3), [Op.I32Shl], set(k));
    emit(get(k), [Op.F64Load], memarg(3, EXP2_AT));
    emit(lane === 0 ? simd(SIMD.f64x2Splat) : simd(SIMD.f64x2ReplaceLane, 1));
  }
  emit(op(SIMD.f64x2Mul));
  // ... * p, p = 1 + r * (1 + r * (1/2 + r * (1/6 + r * (1/24 + r * (1/120 + r * (1/720))))))
  const coef = [1, 1, 1 / 2, 1 / 6, 1 / 24, 1 / 120];
  for (const c of coef) emit(f64x2(c), get(r));
  emit(f64x2(1 / 720));
  for (let i = 0; i < coef.length; i++) emit(op(SIMD.f64x2Mul), op(SIMD.f64x2Add));
  emit(op(SIMD.f64x2Mul), set(t));
  // t = 1 - 2 / (e + 1), with x's sign
  emit(f64x2(1), f64x2(2), get(t), f64x2(1), op(SIMD.f64x2Add), op(SIMD.f64x2Div), op(SIMD.f64x2Sub), set(t));
  const SIGN = i64x2(-0x8000000000000000n);
  emit(get(x), get(t), SIGN, op(SIMD.v128Bitselect), set(t));
  // big: NaN stays, else ±1 with x's sign
  emit(get(x), get(x), f64x2(1), SIGN, op(SIMD.v128Bitselect), get(x), get(x), op(SIMD.f64x2Ne), op(SIMD.v128Bitselect));
  // choose: small, else (|x| < 20 ? middle : big)
  emit(set(z), get(s), get(t), get(z), get(ax), f64x2(20), op(SIMD.f64x2Lt), op(SIMD.v128Bitselect));
  emit(get(ax), f64x2(0.25), op(SIMD.f64x2Lt), op(SIMD.v128Bitselect));
  return out;
}

/** One element at the address on the stack, as f64. */
const load1 = (bytes: number) => (bytes === 4 ? [Op.F32Load, ...memarg(2, 0), Op.F64PromoteF32] : [Op.F64Load, ...memarg(3, 0)]);
/** A vector of elements at the address on the stack, in the given lanes. */
const loadVector = (bytes: number, wide: boolean) =>
  (!wide ? simd(SIMD.load, ...memarg(2, 0)) // four float32
    : bytes === 4 ? simd(SIMD.load64Zero, ...memarg(2, 0)).concat(simd(SIMD.promoteLow)) // two float32, widened
      : simd(SIMD.load, ...memarg(3, 0))); // two float64

/**
 * kernel(a, ra, b, rb, out, rows, cols) → whether a stored value is NaN or ±Inf. Operand x (a or b)
 * of row r starts at byte x + r·rx; `strides` says, per operand, whether its columns are contiguous
 * (1) or one broadcast value (0). out is contiguous, rows × cols elements of `eo` bytes. Each row
 * runs in vectors (f32x4 when `single`, else f64x2), then its last columns one by one in f64.
 */
function kernelFn(e: Node, vars: readonly string[], strides: readonly number[], sizes: readonly number[], eo: number, single: boolean): number[] {
  const [A, RA, B, RB, OUT, ROWS, COLS] = [0, 1, 2, 3, 4, 5, 6];
  const lanes = single ? LANES.f32x4 : LANES.f64x2, W = lanes.width, shift = eo === 4 ? 2 : 3;
  const f = new Fn(7, 9, 12, 4, 2);
  const r = f.local(), vecEnd = f.local(), rowEnd = f.local(), po = f.local();
  const scratch: TanhScratch = { v: [4, 5, 6, 7, 8, 9, 10, 11].map((i) => f.v(i)), k: f.local() };
  const ptr = [f.local(), f.local()], row = [f.local(), f.local()];
  // (out is contiguous: po runs on from one row to the next)
  const vx = [f.v(0), f.v(1)], vd = f.v(2), vacc = f.v(3);
  const sx = [f.d(0), f.d(1)], sv = f.d(2), saccD = f.d(3);
  const sd = f.s(0), sacc = f.s(1);
  const base = [A, B], rstride = [RA, RB];
  const n = vars.length;
  const vLocal = (name: string) => vx[vars.indexOf(name)], sLocal = (name: string) => sx[vars.indexOf(name)];
  for (let j = 0; j < n; j++) f.emit(get(base[j]), set(row[j]));
  f.emit(get(OUT), set(po), i32(0), set(r));
  f.emit([Op.Block, VOID], get(ROWS), [Op.I32Eqz, Op.BrIf, 0], [Op.Loop, VOID]);
  {
    for (let j = 0; j < n; j++) {
      f.emit(get(row[j]), set(ptr[j]));
      // a broadcast operand: its one value for the row, in both forms
      if (strides[j] === 0) {
        f.emit(get(ptr[j]), load1(sizes[j]), set(sx[j]), get(sx[j]));
        f.emit(single ? ([Op.F32DemoteF64] as number[]).concat(simd(SIMD.f32x4Splat)) : simd(SIMD.f64x2Splat), set(vx[j]));
      }
    }
    f.emit(get(po), get(COLS), i32(-W), [Op.I32And], i32(shift), [Op.I32Shl, Op.I32Add], set(vecEnd));
    f.emit(get(po), get(COLS), i32(shift), [Op.I32Shl, Op.I32Add], set(rowEnd));
    // whole vectors
    f.emit([Op.Block, VOID], get(po), get(vecEnd), [Op.I32GeU, Op.BrIf, 0], [Op.Loop, VOID]);
    {
      for (let j = 0; j < n; j++) {
        if (strides[j] === 1) f.emit(get(ptr[j]), loadVector(sizes[j], !single), set(vx[j]), get(ptr[j]), i32(W * sizes[j]), [Op.I32Add], set(ptr[j]));
      }
      f.emit(emitExpression(e, lanes, vLocal, scratch));
      if (single) {
        f.emit(set(vd), get(po), get(vd), simd(SIMD.store, ...memarg(2, 0)));
        f.emit(get(vacc), get(vd), get(vd), simd(SIMD.f32x4Sub), simd(SIMD.f32x4Add), set(vacc));
      } else if (eo === 4) {
        f.emit(simd(SIMD.demoteZero), set(vd), get(po), get(vd), simd(SIMD.store64Lane, ...memarg(2, 0), 0));
        f.emit(get(vacc), get(vd), get(vd), simd(SIMD.f32x4Sub), simd(SIMD.f32x4Add), set(vacc));
      } else {
        f.emit(set(vd), get(po), get(vd), simd(SIMD.store, ...memarg(3, 0)));
        f.emit(get(vacc), get(vd), get(vd), simd(SIMD.f64x2Sub), simd(SIMD.f64x2Add), set(vacc));
      }
      f.emit(get(po), i32(W * eo), [Op.I32Add], set(po));
      f.emit(get(po), get(vecEnd), [Op.I32LtU, Op.BrIf, 0], [Op.End, Op.End]);
    }
    // the last columns, one at a time
    f.emit([Op.Block, VOID], get(po), get(rowEnd), [Op.I32GeU, Op.BrIf, 0], [Op.Loop, VOID]);
    {
      for (let j = 0; j < n; j++) {
        if (strides[j] === 1) f.emit(get(ptr[j]), load1(sizes[j]), set(sx[j]), get(ptr[j]), i32(sizes[j]), [Op.I32Add], set(ptr[j]));
      }
      f.emit(emitExpression(e, LANES.f64, sLocal, scratch));
      if (eo === 4) {
        f.emit([Op.F32DemoteF64], set(sd), get(po), get(sd), [Op.F32Store], memarg(2, 0));
        f.emit(get(sacc), get(sd), get(sd), [Op.F32Sub, Op.F32Add], set(sacc));
      } else {
        f.emit(set(sv), get(po), get(sv), [Op.F64Store], memarg(3, 0));
        f.emit(get(saccD), get(sv), get(sv), [Op.F64Sub, Op.F64Add], set(saccD));
      }
      f.emit(get(po), i32(eo), [Op.I32Add], set(po));
      f.emit(get(po), get(rowEnd), [Op.I32LtU, Op.BrIf, 0], [Op.End, Op.End]);
    }
    for (let j = 0; j < n; j++) f.emit(bumpBy(row[j], rstride[j]));
    f.emit(get(r), i32(1), [Op.I32Add], set(r), get(r), get(ROWS), [Op.I32LtU, Op.BrIf, 0], [Op.End, Op.End]);
  }
  // any NaN lane in the accumulators (finite v − v is 0, anything else makes it NaN)
  f.emit(get(vacc), get(vacc), simd(eo === 4 ? SIMD.f32x4Ne : SIMD.f64x2Ne), simd(SIMD.anyTrue));
  f.emit(get(sacc), get(sacc), [Op.F32Ne, Op.I32Or], get(saccD), get(saccD), [Op.F64Ne, Op.I32Or]);
  return f.bytes();
}

/** kernel(a, ra, b, rb, out, rows, cols) → 1 if a stored value is not finite. */
type BlockFn = (a: number, ra: number, b: number, rb: number, out: number, rows: number, cols: number) => number;

/** An expression's kernels for one combination of storage types, by column strides (index ca·2 + cb; unary: c). */
type Compiled = (BlockFn | undefined)[];

/** Where a kernel keeps its compiled forms (the Kernel objects of ./elementwise). */
export interface WasmCache { readonly expr: string; wasm?: (Compiled | null)[] }

/** Switch for tests: with it off every op runs its JS loop. */
export const wasmElementwise = { enabled: true };

/** Below this many outputs the copies cost more than the JS loop saves. */
const MIN_ELEMENTS = 128;
/** Bytes one call may use in memory; bigger blocks are done in pieces. */
const CALL_BYTES = 4 << 20;

let scratch: ScratchMemory | null | undefined;

/** The kernels' memory, with EXP2_FRAC at its start; null without WebAssembly. */
function mem(): ScratchMemory | null {
  if (scratch !== undefined) return scratch;
  try {
    scratch = typeof WebAssembly === "undefined" ? null : new ScratchMemory();
  } catch {
    scratch = null;
  }
  scratch?.f64.set(EXP2_FRAC, EXP2_AT / 8);
  return scratch;
}

const sizeOf = (s: Storage) => s.BYTES_PER_ELEMENT;
/** Index of a combination of storage types: output, then each operand, 4 or 8 bytes. */
const typesKey = (eo: number, ea: number, eb: number) => (eo === 4 ? 4 : 0) + (ea === 4 ? 2 : 0) + (eb === 4 ? 1 : 0);

function compile(k: WasmCache, vars: readonly string[], eo: number, ea: number, eb: number): Compiled | null {
  const cache = (k.wasm ??= []), key = typesKey(eo, ea, eb);
  const found = cache[key];
  if (found !== undefined) return found;
  let compiled: Compiled | null = null;
  const e = mem() && parseExpression(k.expr, vars);
  if (e) {
    const sizes = vars.length === 2 ? [ea, eb] : [ea];
    const variants = vars.length === 2 ? [[0, 0], [0, 1], [1, 0], [1, 1]] : [[0], [1]];
    const single = eo === 4 && sizes.every((b) => b === 4) && float32Exact(e);
    try {
      const bytes = moduleOf([[new Array(7).fill(I32), [I32]]], variants.map((s, i) => [`k${i}`, 0, kernelFn(e, vars, s, sizes, eo, single)]));
      const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { m: { memory: scratch!.memory } }).exports;
      compiled = variants.map((_, i) => exports[`k${i}`] as BlockFn);
    } catch {
      compiled = null;
    }
  }
  return (cache[key] = compiled);
}

/**
 * The block (see kernelFn) through WASM: the operands' spans copied in, the kernel run, the
 * outputs copied to out[o ..]. Operand b is absent (null) for a unary kernel. Returns whether a
 * stored value was not finite, or -1 when the memory cannot grow.
 */
function block(fns: Compiled, out: Storage, o: number, rows: number, cols: number,
  sa: Storage, ia: number, ra: number, ca: number, sb: Storage | null, ib: number, rb: number, cb: number): number {
  const eo = sizeOf(out), ea = sizeOf(sa), eb = sb ? sizeOf(sb) : 0;
  const spanA = spanOf(rows, cols, ra, ca), spanB = sb ? spanOf(rows, cols, rb, cb) : 0;
  const bytesA = align16(spanA * ea), bytesB = align16(spanB * eb);
  const need = TABLE_BYTES + bytesA + bytesB + align16(rows * cols * eo);
  if (need > CALL_BYTES && rows * cols > 2) {
    // in pieces: groups of rows, or parts of one long row. The memory every piece needs is taken
    // first: a piece failing after others were written (in place, over an operand) could not be undone.
    if (!scratch!.ensure(2 * CALL_BYTES)) return -1;
    let bad = 0;
    if (rows > 1) {
      const per = Math.max(1, Math.floor((rows * CALL_BYTES) / need));
      for (let r0 = 0; r0 < rows; r0 += per) {
        bad |= block(fns, out, o + r0 * cols, Math.min(per, rows - r0), cols, sa, ia + r0 * ra, ra, ca, sb, ib + r0 * rb, rb, cb);
      }
    } else {
      const per = Math.max(2, Math.floor((cols * CALL_BYTES) / need) & ~1);
      for (let c0 = 0; c0 < cols; c0 += per) {
        bad |= block(fns, out, o + c0, 1, Math.min(per, cols - c0), sa, ia + c0 * ca, ra, ca, sb, ib + c0 * cb, rb, cb);
      }
    }
    return bad;
  }
  const memory = scratch!;
  if (!memory.ensure(need)) return -1;
  const atA = TABLE_BYTES, atB = atA + bytesA, at = atB + bytesB;
  memory.copyIn(sa, ia, spanA, atA);
  if (sb) memory.copyIn(sb, ib, spanB, atB);
  const bad = fns[sb ? ca * 2 + cb : ca]!(atA, ra * ea, atB, rb * eb, at, rows, cols);
  if (eo === 4) out.set(memory.f32.subarray(at / 4, at / 4 + rows * cols), o);
  else out.set(memory.f64.subarray(at / 8, at / 8 + rows * cols), o);
  return bad;
}

const usable = (rows: number, cols: number, r: number, c: number) => (c === 0 || c === 1) && spanOf(rows, cols, r, c) >= 0;

/**
 * A broadcast float64 operand (a Python number's scratch cell) that holds a float32 value, as a
 * float32 cell: with a float32 tensor the kernel can then run in float32 lanes.
 */
function asFloat32(s: Storage, i: number, r: number, c: number, cell: Float32Array): Storage | null {
  if (s instanceof Float32Array || r !== 0 || c !== 0 || Math.fround(s[i]) !== s[i]) return null;
  cell[0] = s[i];
  return cell;
}
const CELL_A = new Float32Array(1), CELL_B = new Float32Array(1);

/** The binary loop's block (out, o, sa, sb, rows, cols, ia, ra, ca, ib, rb, cb) in WASM, or -1 when it is not taken. */
export function wasmBinary(k: WasmCache, out: Storage, o: number, sa: Storage, sb: Storage,
  rows: number, cols: number, ia: number, ra: number, ca: number, ib: number, rb: number, cb: number): number {
  if (!wasmElementwise.enabled || rows * cols < MIN_ELEMENTS || !usable(rows, cols, ra, ca) || !usable(rows, cols, rb, cb)) return -1;
  if (out instanceof Float32Array) {
    const a32 = asFloat32(sa, ia, ra, ca, CELL_A), b32 = asFloat32(sb, ib, rb, cb, CELL_B);
    if (a32) { sa = a32; ia = 0; }
    if (b32) { sb = b32; ib = 0; }
  }
  const fns = compile(k, BINARY_VARS, sizeOf(out), sizeOf(sa), sizeOf(sb));
  if (!fns) return -1;
  return block(fns, out, o, rows, cols, sa, ia, ra, ca, sb, ib, rb, cb);
}

/** The unary loop's block (out, o, src, rows, cols, i, r, c) in WASM, or -1 when it is not taken. */
export function wasmUnary(k: WasmCache, out: Storage, o: number, src: Storage, rows: number, cols: number, i: number, r: number, c: number): number {
  if (!wasmElementwise.enabled || rows * cols < MIN_ELEMENTS || !usable(rows, cols, r, c)) return -1;
  const fns = compile(k, UNARY_VARS, sizeOf(out), sizeOf(src), 4);
  if (!fns) return -1;
  return block(fns, out, o, rows, cols, src, i, r, c, null, 0, 0, 0);
}
const BINARY_VARS = ["p", "q"], UNARY_VARS = ["x"];

// ---- column sums over the rows of a float32 [m, n] (sum, mean and var over dim 0) ----
// Each column's double accumulator adds the rows in order, as ./reduce's columnSums and
// columnSquares do, two columns per f64x2 (an odd last column alone): the same additions, so the
// same bits.

/**
 * sums(src, rs, m, n, acc): acc[j] = 0 + x[0][j] + x[1][j] + ... (f64, at acc + 8j);
 * squares(src, rs, m, n, acc): acc[n + j] += (x[i][j] − acc[j])² over the rows in order.
 * x[i][j] is the float32 at src + i·rs + 4j.
 */
function columnFn(squares: boolean): number[] {
  const [SRC, RS, M, N, ACC] = [0, 1, 2, 3, 4];
  const f = new Fn(5, 4, 3, 3);
  const j = f.local(), i = f.local(), p = f.local(), q = f.local();
  const va = f.v(0), vmu = f.v(1), vd = f.v(2), sa = f.d(0), smu = f.d(1), sd = f.d(2);
  const at = (k: number) => get(ACC).concat(get(j), i32(3), [Op.I32Shl, Op.I32Add], k ? get(N).concat(i32(3), [Op.I32Shl, Op.I32Add]) : []);
  const column = (vector: boolean) => {
    const add = vector ? simd(SIMD.f64x2Add) : [Op.F64Add], sub = vector ? simd(SIMD.f64x2Sub) : [Op.F64Sub], mul = vector ? simd(SIMD.f64x2Mul) : [Op.F64Mul];
    const load = vector ? simd(SIMD.load, ...memarg(3, 0)) : [Op.F64Load, ...memarg(3, 0)];
    const store = vector ? simd(SIMD.store, ...memarg(3, 0)) : [Op.F64Store, ...memarg(3, 0)];
    const a = vector ? va : sa, mu = vector ? vmu : smu, d = vector ? vd : sd;
    const x = vector ? simd(SIMD.load64Zero, ...memarg(2, 0)).concat(simd(SIMD.promoteLow)) : [Op.F32Load, ...memarg(2, 0), Op.F64PromoteF32];
    if (squares) f.emit(at(0), load, set(mu), at(1), load, set(a));
    else f.emit(vector ? simd(SIMD.const, ...new Array(16).fill(0)) : f64(0), set(a));
    f.emit(get(SRC), get(j), i32(2), [Op.I32Shl, Op.I32Add], set(p), i32(0), set(i));
    f.emit([Op.Block, VOID], get(M), [Op.I32Eqz, Op.BrIf, 0], [Op.Loop, VOID]);
    if (squares) f.emit(get(p), x, get(mu), sub, set(d), get(a), get(d), get(d), mul, add, set(a));
    else f.emit(get(a), get(p), x, add, set(a));
    f.emit(bumpBy(p, RS), get(i), i32(1), [Op.I32Add], set(i), get(i), get(M), [Op.I32LtU, Op.BrIf, 0], [Op.End, Op.End]);
    f.emit(at(squares ? 1 : 0), get(a), store);
  };
  // pairs of columns, then an odd last one
  f.emit(i32(0), set(j), get(N), i32(-2), [Op.I32And], set(q));
  f.emit([Op.Block, VOID], get(q), [Op.I32Eqz, Op.BrIf, 0], [Op.Loop, VOID]);
  column(true);
  f.emit(get(j), i32(2), [Op.I32Add], set(j), get(j), get(q), [Op.I32LtU, Op.BrIf, 0], [Op.End, Op.End]);
  f.emit(get(N), i32(1), [Op.I32And, Op.If, VOID]);
  column(false);
  f.emit([Op.End]);
  return f.bytes();
}

type ColumnFn = (src: number, rs: number, m: number, n: number, acc: number) => void;
let columnKernels: { sums: ColumnFn; squares: ColumnFn } | null | undefined;
function columns(): { sums: ColumnFn; squares: ColumnFn } | null {
  if (columnKernels !== undefined) return columnKernels;
  columnKernels = null;
  if (!mem()) return null;
  try {
    const bytes = moduleOf([[new Array(5).fill(I32), []]], [["sums", 0, columnFn(false)], ["squares", 0, columnFn(true)]]);
    const e = new WebAssembly.Instance(new WebAssembly.Module(bytes), { m: { memory: scratch!.memory } }).exports;
    columnKernels = { sums: e.sums as ColumnFn, squares: e.squares as ColumnFn };
  } catch {
    columnKernels = null;
  }
  return columnKernels;
}

/**
 * ./reduce's columnSums (acc starting at zero) or columnSquares (acc[0, n) holding the column
 * means, acc[n, 2n) the running squares) in WASM; false, with nothing done, when it does not take
 * them: not float32 with contiguous rows, too small, or too large for one call.
 */
export function wasmColumns(squares: boolean, acc: Float64Array, s: Storage, off: number, s0: number, s1: number, m: number, n: number): boolean {
  if (!wasmElementwise.enabled || !(s instanceof Float32Array) || s1 !== 1 || m * n < MIN_ELEMENTS || s0 < n || m < 2) return false;
  const span = (m - 1) * s0 + n, accAt = TABLE_BYTES + align16(span * 4), need = accAt + 16 * n;
  if (need > CALL_BYTES) return false;
  const kernels = columns();
  if (!kernels) return false;
  const memory = scratch!;
  if (!memory.ensure(need)) return false;
  memory.copyIn(s, off, span, TABLE_BYTES);
  if (squares) memory.f64.set(acc.subarray(0, 2 * n), accAt / 8);
  (squares ? kernels.squares : kernels.sums)(TABLE_BYTES, s0 * 4, m, n, accAt);
  const from = accAt / 8 + (squares ? n : 0);
  acc.set(memory.f64.subarray(from, from + n), squares ? n : 0);
  return true;
}
