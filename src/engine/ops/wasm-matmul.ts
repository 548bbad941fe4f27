// A WebAssembly SIMD (f64x2) matmul kernel, assembled here byte by byte (no toolchain needed).
// It computes exactly what the JS kernel computes: every output is a double accumulation of its k
// products in order p = 0..k-1 (separate multiply and add, no FMA), so results are bit-identical and
// the choice of kernel never changes a cmp verdict. Blocks of 2 rows x 8 columns keep 8 accumulators
// in registers; the operands are zero-padded to whole blocks, which adds only exact zeros.

const enum Op {
  Block = 0x02, Loop = 0x03, BrIf = 0x0d, End = 0x0b,
  LocalGet = 0x20, LocalSet = 0x21, LocalTee = 0x22,
  I32Const = 0x41, I32Eqz = 0x45, I32LtU = 0x49, I32Add = 0x6a, I32Mul = 0x6c, I32Shl = 0x74,
  F64Load = 0x2b, Simd = 0xfd,
}
const SIMD = { load: 0x00, store: 0x0b, const: 0x0c, f64x2Splat: 0x14, f64x2Add: 0xf0, f64x2Mul: 0xf2 };
const VOID = 0x40, I32 = 0x7f, V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
}
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(byte & 0x40)) || (n === -1 && byte & 0x40)) return [...out, byte];
    out.push(byte | 0x80);
  }
};
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const str = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

// locals: params a b out m k n, then i j p aRow0 aRow1 bp o (i32), x0 x1 acc0..7 b0..3 (v128)
const [A, B, OUT, M, K, N, I, J, P, AROW0, AROW1, BP, O] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
const X0 = 13, X1 = 14, ACC = (c: number) => 15 + c, BV = (c: number) => 23 + c;

function body(): number[] {
  const get = (l: number) => [Op.LocalGet, ...uleb(l)];
  const set = (l: number) => [Op.LocalSet, ...uleb(l)];
  const tee = (l: number) => [Op.LocalTee, ...uleb(l)];
  const i32 = (v: number) => [Op.I32Const, ...sleb(v)];
  const simd = (op: number, ...imm: number[]) => [Op.Simd, ...uleb(op), ...imm];
  const memarg = (align: number, offset: number) => [...uleb(align), ...uleb(offset)];
  const times8 = [...i32(3), Op.I32Shl];
  const zero = simd(SIMD.const, ...new Array(16).fill(0));
  const code: number[] = [];
  const emit = (...parts: number[][]) => parts.forEach((p) => code.push(...p));

  emit(i32(0), set(I), [Op.Loop, VOID]); // rows, two at a time
  emit(i32(0), set(J), [Op.Loop, VOID]); // columns, eight at a time
  for (let c = 0; c < 8; c++) emit(zero, set(ACC(c)));
  emit(get(A), get(I), get(K), [Op.I32Mul], times8, [Op.I32Add], set(AROW0));
  emit(get(AROW0), get(K), times8, [Op.I32Add], set(AROW1));
  emit(get(B), get(J), times8, [Op.I32Add], set(BP));
  emit(i32(0), set(P));
  emit([Op.Block, VOID], get(K), [Op.I32Eqz, Op.BrIf, 0], [Op.Loop, VOID]);
  emit(get(AROW0), get(P), times8, [Op.I32Add, Op.F64Load], memarg(3, 0), simd(SIMD.f64x2Splat), set(X0));
  emit(get(AROW1), get(P), times8, [Op.I32Add, Op.F64Load], memarg(3, 0), simd(SIMD.f64x2Splat), set(X1));
  for (let c = 0; c < 4; c++) emit(get(BP), simd(SIMD.load, ...memarg(3, 16 * c)), set(BV(c)));
  for (let c = 0; c < 4; c++) {
    emit(get(ACC(c)), get(X0), get(BV(c)), simd(SIMD.f64x2Mul), simd(SIMD.f64x2Add), set(ACC(c)));
    emit(get(ACC(4 + c)), get(X1), get(BV(c)), simd(SIMD.f64x2Mul), simd(SIMD.f64x2Add), set(ACC(4 + c)));
  }
  emit(get(BP), get(N), times8, [Op.I32Add], set(BP));
  emit(get(P), i32(1), [Op.I32Add], tee(P), get(K), [Op.I32LtU, Op.BrIf, 0], [Op.End, Op.End]);
  emit(get(OUT), get(I), get(N), [Op.I32Mul], get(J), [Op.I32Add], times8, [Op.I32Add], set(O));
  for (let c = 0; c < 4; c++) emit(get(O), get(ACC(c)), simd(SIMD.store, ...memarg(3, 16 * c)));
  emit(get(O), get(N), times8, [Op.I32Add], set(O));
  for (let c = 0; c < 4; c++) emit(get(O), get(ACC(4 + c)), simd(SIMD.store, ...memarg(3, 16 * c)));
  emit(get(J), i32(8), [Op.I32Add], tee(J), get(N), [Op.I32LtU, Op.BrIf, 0], [Op.End]);
  emit(get(I), i32(2), [Op.I32Add], tee(I), get(M), [Op.I32LtU, Op.BrIf, 0], [Op.End]);
  emit([Op.End]);
  const locals = vec([[...uleb(7), I32], [...uleb(14), V128]]);
  return [...locals, ...code];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const fn = body();
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec(new Array(6).fill([I32])), 0x00]])),
    ...section(3, vec([[0x00]])),
    ...section(5, vec([[0x00, 0x01]])),
    ...section(7, vec([[...str("mm"), 0x00, 0x00], [...str("memory"), 0x02, 0x00]])),
    ...section(10, vec([[...uleb(fn.length), ...fn]])),
  ]);
}

interface Kernel {
  memory: WebAssembly.Memory;
  mm: (a: number, b: number, out: number, m: number, k: number, n: number) => void;
}

let kernel: Kernel | null | undefined;
function load(): Kernel | null {
  if (kernel !== undefined) return kernel;
  try {
    const bytes = moduleBytes();
    if (typeof WebAssembly === "undefined" || !WebAssembly.validate(bytes)) return (kernel = null);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    kernel = instance.exports as unknown as Kernel;
  } catch {
    kernel = null;
  }
  return kernel;
}

/** Whether the SIMD kernel is in use (false where WebAssembly SIMD is missing: the JS kernel runs). */
export const wasmMatmulAvailable = (): boolean => load() !== null;

type Source = ArrayLike<number>;

/** dst[r * pitch + c] = src[off + r * s0 + c * s1]; typed-array row copies when rows are contiguous. */
function packRows(dst: Float64Array, pitch: number, src: Source, off: number, s0: number, s1: number, rows: number, cols: number): void {
  if (s1 === 1 && (src instanceof Float32Array || src instanceof Float64Array)) {
    if (pitch === cols && s0 === cols) dst.set(src.subarray(off, off + rows * cols));
    else for (let r = 0; r < rows; r++) dst.set(src.subarray(off + r * s0, off + r * s0 + cols), r * pitch);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const d = r * pitch, o = off + r * s0;
    for (let c = 0; c < cols; c++) dst[d + c] = src[o + c * s1];
  }
}

/**
 * out[m,n] = a[m,k] @ b[k,n] for strided sources; returns false when the kernel is unavailable.
 * Results are written (rounded to the storage's type) into out starting at outOff.
 */
export function wasmMatmul(
  sa: Source, aOff: number, as0: number, as1: number,
  sb: Source, bOff: number, bs0: number, bs1: number,
  m: number, k: number, n: number,
  out: { [i: number]: number }, outOff: number,
): boolean {
  const kern = load();
  if (!kern) return false;
  const m2 = m + (m & 1), n8 = (n + 7) & ~7;
  const aBytes = m2 * k * 8, bBytes = k * n8 * 8, oBytes = m2 * n8 * 8;
  const need = aBytes + bBytes + oBytes;
  const have = kern.memory.buffer.byteLength;
  if (need > have) kern.memory.grow(Math.ceil((need - have) / 65536));
  const buf = kern.memory.buffer;
  const A = new Float64Array(buf, 0, m2 * k), B = new Float64Array(buf, aBytes, k * n8);
  packRows(A, k, sa, aOff, as0, as1, m, k);
  if (m2 > m) A.fill(0, m * k, m2 * k);
  packRows(B, n8, sb, bOff, bs0, bs1, k, n);
  if (n8 > n) for (let p = 0; p < k; p++) B.fill(0, p * n8 + n, (p + 1) * n8);
  kern.mm(0, aBytes, aBytes + bBytes, m2, k, n8);
  const O = new Float64Array(buf, aBytes + bBytes, m2 * n8);
  if (out instanceof Float32Array || out instanceof Float64Array) {
    if (n === n8) out.set(O.subarray(0, m * n), outOff);
    else for (let i = 0; i < m; i++) out.set(O.subarray(i * n8, i * n8 + n), outOff + i * n);
  } else {
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[outOff + i * n + j] = O[i * n8 + j];
  }
  return true;
}
