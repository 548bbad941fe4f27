// A small WebAssembly assembler: the engine's kernels (./wasm-matmul, ./wasm-elementwise) are written
// as byte sequences here, so no toolchain is needed and the modules are built at run time.

/** Opcodes used by the kernels. */
export const Op = {
  Block: 0x02, Loop: 0x03, If: 0x04, Else: 0x05, Br: 0x0c, BrIf: 0x0d, Return: 0x0f, End: 0x0b,
  Select: 0x1b, LocalGet: 0x20, LocalSet: 0x21, LocalTee: 0x22,
  F32Load: 0x2a, F64Load: 0x2b, F32Store: 0x38, F64Store: 0x39,
  I32Const: 0x41, F64Const: 0x44,
  I32Eqz: 0x45, I32Eq: 0x46, I32Ne: 0x47, I32LtU: 0x49, I32GtU: 0x4b, I32LeS: 0x4c, I32GeU: 0x4f,
  F32Ne: 0x5c, F64Ne: 0x62,
  I32Add: 0x6a, I32Sub: 0x6b, I32Mul: 0x6c, I32DivU: 0x6e, I32RemU: 0x70, I32And: 0x71, I32Or: 0x72, I32Shl: 0x74,
  F32Add: 0x92, F32Sub: 0x93,
  F64Abs: 0x99, F64Neg: 0x9a, F64Sqrt: 0x9f, F64Add: 0xa0, F64Sub: 0xa1, F64Mul: 0xa2, F64Div: 0xa3,
  F32DemoteF64: 0xb6, F64PromoteF32: 0xbb,
  Simd: 0xfd,
} as const;
/** SIMD opcodes (after the 0xfd prefix). */
export const SIMD = {
  load: 0x00, load32Splat: 0x09, load64Splat: 0x0a, store: 0x0b, const: 0x0c, shuffle: 0x0d, f64x2Splat: 0x14, f64x2ReplaceLane: 0x22,
  anyTrue: 0x53, store64Lane: 0x5b, load64Zero: 0x5d, demoteZero: 0x5e, promoteLow: 0x5f,
  f32x4Splat: 0x13, i32x4ExtractLane: 0x1b, f64x2ExtractLane: 0x21,
  f32x4Ne: 0x42, f64x2Eq: 0x47, f64x2Ne: 0x48, f64x2Lt: 0x49, f64x2Ge: 0x4c, v128Not: 0x4d, v128And: 0x4e, v128Or: 0x50, v128Bitselect: 0x52,
  f64x2Floor: 0x75, i32x4ShrS: 0xac, i64x2ExtendLowI32x4S: 0xc7, i64x2Shl: 0xcb, i64x2Add: 0xce, i32x4TruncSatF64x2SZero: 0xfc,
  f32x4Abs: 0xe0, f32x4Neg: 0xe1, f32x4Sqrt: 0xe3, f32x4Add: 0xe4, f32x4Sub: 0xe5, f32x4Mul: 0xe6, f32x4Div: 0xe7,
  f64x2Abs: 0xec, f64x2Neg: 0xed, f64x2Sqrt: 0xef, f64x2Add: 0xf0, f64x2Sub: 0xf1, f64x2Mul: 0xf2, f64x2Div: 0xf3,
} as const;
/** Value types and the empty block type. */
export const VOID = 0x40, I32 = 0x7f, F32 = 0x7d, F64 = 0x7c, V128 = 0x7b;
export const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
}
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(byte & 0x40)) || (n === -1 && byte & 0x40)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}
// (concat rather than spreads: this runs once, cold, and spreads are slow in the interpreter)
export const section = (id: number, body: number[]): number[] => [id].concat(uleb(body.length), body);
export const vec = (items: number[][]): number[] => uleb(items.length).concat(...items);
export const str = (s: string): number[] => uleb(s.length).concat(Array.from(s, (c) => c.charCodeAt(0)));

export const get = (l: number) => [Op.LocalGet as number].concat(uleb(l));
export const set = (l: number) => [Op.LocalSet as number].concat(uleb(l));
export const tee = (l: number) => [Op.LocalTee as number].concat(uleb(l));
export const i32 = (v: number) => [Op.I32Const as number].concat(sleb(v));
/** an f64 constant, bit for bit (NaN payloads and -0 included) */
export const f64 = (v: number) => [Op.F64Const as number].concat(Array.from(new Uint8Array(Float64Array.of(v).buffer)));
export const simd = (op: number, ...imm: number[]) => [Op.Simd as number].concat(uleb(op), imm);
export const memarg = (align: number, offset: number) => [align].concat(uleb(offset));
/** local l += v (an i32 constant) */
export const bump = (l: number, v: number) => get(l).concat(i32(v), Op.I32Add, set(l));
/** local l += local r */
export const bumpBy = (l: number, r: number) => get(l).concat(get(r), Op.I32Add, set(l));

/** A function body: params, then i32, v128, f64 and f32 locals, with a code buffer. */
export class Fn {
  readonly code: number[] = [];
  private next: number;
  constructor(readonly params: number, private readonly i32Locals: number, private readonly v128Locals = 0,
    private readonly f64Locals = 0, private readonly f32Locals = 0) {
    this.next = params;
  }
  /** allocate the next i32 local */
  local(): number {
    if (this.next >= this.params + this.i32Locals) throw new Error("wasm: out of i32 locals");
    return this.next++;
  }
  /** the i-th v128 local */
  v(i: number): number {
    if (i >= this.v128Locals) throw new Error("wasm: out of v128 locals");
    return this.params + this.i32Locals + i;
  }
  /** the i-th f64 local */
  d(i: number): number {
    if (i >= this.f64Locals) throw new Error("wasm: out of f64 locals");
    return this.params + this.i32Locals + this.v128Locals + i;
  }
  /** the i-th f32 local */
  s(i: number): number {
    if (i >= this.f32Locals) throw new Error("wasm: out of f32 locals");
    return this.params + this.i32Locals + this.v128Locals + this.f64Locals + i;
  }
  emit(...parts: number[][]): void {
    for (const p of parts) for (const b of p) this.code.push(b);
  }
  bytes(): number[] {
    const locals = vec([uleb(this.i32Locals).concat(I32), uleb(this.v128Locals).concat(V128),
      uleb(this.f64Locals).concat(F64), uleb(this.f32Locals).concat(F32)]);
    const body = locals.concat(this.code, Op.End);
    return uleb(body.length).concat(body);
  }
}

/**
 * A module of functions on one imported memory ("m"."memory"), each exported under its name.
 * `types` are the signatures (params then results), referred to by index from `fns`.
 */
export function moduleOf(types: [number[], number[]][], fns: [name: string, type: number, body: number[]][]): Uint8Array<ArrayBuffer> {
  const sig = ([params, results]: [number[], number[]]) => [0x60].concat(uleb(params.length), params, uleb(results.length), results);
  return new Uint8Array(HEADER.concat(
    section(1, vec(types.map(sig))),
    section(2, vec([str("m").concat(str("memory"), 0x02, 0x00, 0x01)])),
    section(3, vec(fns.map(([, t]) => uleb(t)))),
    section(7, vec(fns.map(([name], i) => str(name).concat(0x00, uleb(i))))),
    section(10, vec(fns.map(([, , body]) => body))),
  ));
}

export const align16 = (bytes: number): number => (bytes + 15) & ~15;

/**
 * Elements from a [rows, cols] view's first to its last (row stride s0, column stride s1), or -1 when
 * a stride is negative or the span is much larger than the view (a copy would be mostly waste).
 */
export function spanOf(rows: number, cols: number, s0: number, s1: number): number {
  if (s0 < 0 || s1 < 0) return -1;
  const span = (rows - 1) * s0 + (cols - 1) * s1 + 1;
  return span <= 2 * rows * cols + 64 ? span : -1;
}

/**
 * A kernel module's working memory: operands are copied in, results copied out. It grows when a
 * call needs more and is reused by every later call; `f32` and `f64` view all of it (made again
 * after a growth, which detaches the old ones).
 */
export class ScratchMemory {
  readonly memory = new WebAssembly.Memory({ initial: 1 });
  f32 = new Float32Array(this.memory.buffer);
  f64 = new Float64Array(this.memory.buffer);

  /**
   * At least `bytes` of memory; false when it cannot grow that far (addresses are i32 offsets, so
   * not past 2 GB): the caller's JS kernel runs instead.
   */
  ensure(bytes: number): boolean {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return true;
    if (bytes >= 2 ** 31) return false;
    try {
      this.memory.grow(Math.ceil((bytes - have) / 65536));
    } catch {
      return false;
    }
    this.f32 = new Float32Array(this.memory.buffer);
    this.f64 = new Float64Array(this.memory.buffer);
    return true;
  }

  /** Copies src[from, from + span) to byte `at` (a multiple of src's element size), as is. */
  copyIn(src: Float32Array | Float64Array, from: number, span: number, at: number): void {
    const e = src.BYTES_PER_ELEMENT, dst = e === 4 ? this.f32 : this.f64;
    dst.set(from === 0 && span === src.length ? src : src.subarray(from, from + span), at / e);
  }
}
