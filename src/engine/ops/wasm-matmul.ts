// A WebAssembly SIMD matmul, assembled here byte by byte (no toolchain needed). It computes exactly
// what the JS kernel in ./matmul computes, so results are bit-identical and the choice of kernel never
// changes a cmp verdict:
//   - float32 operands and result (every product the engine runs on float32 tensors): each output
//     accumulates its k products in order p = 0..k-1 in float32, every product and sum rounded — as
//     PyTorch's float32 products accumulate — in f32x4 lanes (`mm32_*`, see mm32Fn), with a separate
//     multiply and add: relaxed SIMD's multiply-add may or may not fuse depending on the host, which
//     would make results differ between Node 20, Node 24 and Electron on one machine;
//   - anything else (float64 or int64 values, mixed types): a double accumulation in the same order,
//     rounded once to the output's type (f64x2 lanes, `mm_*`).
//
// A float32 product copies each operand's span into memory as is (views with neither rows nor columns
// contiguous are gathered) and the kernel reads A with its strides and B's rows in place; only B = W.T
// is first transposed into panels. The float64 path does the whole product inside WASM memory too:
//   1. JS copies the span of each operand's storage (float32 or float64) into memory — a plain
//      same-type copy, no conversion (views with neither rows nor columns contiguous are gathered);
//   2. WASM widens both to doubles in panels of whole tiles, zero padded: A as [m/MR][k][MR], B as
//      [n/NR][k][NR], so a tile streams both contiguously. `panels_*` copies contiguous rows (B, or
//      A = h.T seen from its columns), `transpose` contiguous columns (B = W.T, or A's rows); SIMD
//      either way, and transposed views are never materialised in JS;
//   3. `mm_*` runs MR x NR register tiles over the panels (2x8 or 4x4, whichever pads less: each keeps
//      8 f64x2 accumulators, and with the B vectors, A broadcasts and a product fills the 15 xmm
//      registers V8 allocates on x64; bigger tiles spill) and stores rounded rows straight into the
//      [m][n] result;
//   4. JS copies the result out with one typed-array set.
// The memory grows when a product needs more and is reused by every later call.

import { Fn, I32, Op, SIMD, ScratchMemory, VOID, align16, bump, bumpBy, get, i32, memarg, moduleOf, set, simd, spanOf as spanWithin, tee } from "./wasm";

/** Register tiles [rows, columns]; columns are even (f64x2 vectors). */
const TILES = [[2, 8], [4, 4]] as const;
/** The float32 kernel's tile (an 8x4 one for n = 27 padded less but ran slower: 8 row pointers). */
const TILE32 = [4, 8] as const;

/**
 * panels(src, sRow, rows, cols, dst, panelBytes): a [rows, cols] matrix with contiguous rows (row r at
 * src + r*sRow) into doubles in panels of W columns, zero padded: element (r, c) goes to
 * dst + (c / W)*panelBytes + r*W*8 + (c % W)*8. Whole panels are copied with unrolled SIMD steps.
 */
function panelsFn(elem: 4 | 8, W: number): number[] {
  const [SRC, SROW, ROWS, COLS, DST, PANEL] = [0, 1, 2, 3, 4, 5];
  const f = new Fn(6, 5, 0);
  const r = f.local(), c = f.local(), s = f.local(), d = f.local(), full = f.local();
  const load = elem === 4 ? [Op.F32Load, ...memarg(2, 0), Op.F64PromoteF32] : [Op.F64Load, ...memarg(3, 0)];
  const load2 = (at: number) => elem === 4
    ? [...simd(SIMD.load64Zero, ...memarg(2, at)), ...simd(SIMD.promoteLow)]
    : simd(SIMD.load, ...memarg(3, at));
  f.emit(get(COLS), i32(W), [Op.I32Sub], set(full)); // c <= full: a whole panel starts at c
  f.emit(i32(0), set(r));
  f.emit([Op.Block, VOID], get(ROWS), [Op.I32Eqz, Op.BrIf, 0], [Op.Loop, VOID]);
  {
    f.emit(get(SRC), get(r), get(SROW), [Op.I32Mul, Op.I32Add], set(s));
    f.emit(get(DST), get(r), i32(W * 8), [Op.I32Mul, Op.I32Add], set(d), i32(0), set(c));
    f.emit([Op.Block, VOID], get(COLS), i32(W), [Op.I32LtU, Op.BrIf, 0], [Op.Loop, VOID]);
    for (let u = 0; u < W / 2; u++) f.emit(get(d), get(s), load2(2 * elem * u), simd(SIMD.store, ...memarg(3, 16 * u)));
    f.emit(bump(s, W * elem), bumpBy(d, PANEL));
    f.emit(get(c), i32(W), [Op.I32Add], tee(c), get(full), [Op.I32LeS, Op.BrIf, 0], [Op.End, Op.End]);
    // a partial last panel: the rest of the row, then zeros
    f.emit([Op.Block, VOID], get(c), get(COLS), [Op.I32GeU, Op.BrIf, 0]);
    f.emit([Op.Loop, VOID], get(d), get(s), load, [Op.F64Store], memarg(3, 0), bump(s, elem), bump(d, 8));
    f.emit(get(c), i32(1), [Op.I32Add], tee(c), get(COLS), [Op.I32LtU, Op.BrIf, 0], [Op.End]);
    f.emit([Op.Loop, VOID], get(d), [Op.F64Const, 0, 0, 0, 0, 0, 0, 0, 0, Op.F64Store], memarg(3, 0), bump(d, 8));
    f.emit(get(c), i32(1), [Op.I32Add], tee(c), i32(W - 1), [Op.I32And], [Op.BrIf, 0], [Op.End, Op.End]);
    f.emit(get(r), i32(1), [Op.I32Add], tee(r), get(ROWS), [Op.I32LtU, Op.BrIf, 0], [Op.End, Op.End]);
  }
  return f.bytes();
}

/**
 * transpose(src, sCol, n, k, dst, width, panelBytes, nPad, zeros): a [k, n] matrix with contiguous
 * columns (column j at src + j*sCol, k elements: B = W.T, or A's rows seen as columns) into doubles
 * in panels of `width` columns like `panels`: element (p, j) goes to dst + (j / width)*panelBytes +
 * p*width*8 + (j % width)*8; columns n..nPad-1 are zero. Two columns at a time: two pairs of rows are
 * loaded, widened and interleaved into two rows of two. `zeros` holds k zero elements, read in place
 * of a column past n.
 */
function transposeFn(elem: 4 | 8): number[] {
  const [SRC, SCOL, N, K, DST, WIDTH, PANEL, NPAD, ZEROS] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const f = new Fn(9, 6, 2);
  const j = f.local(), p = f.local(), s0 = f.local(), s1 = f.local(), d = f.local(), pitch = f.local();
  const v0 = f.v(0), v1 = f.v(1);
  const load1 = elem === 4 ? [Op.F32Load, ...memarg(2, 0), Op.F64PromoteF32] : [Op.F64Load, ...memarg(3, 0)];
  const load2 = elem === 4 ? [...simd(SIMD.load64Zero, ...memarg(2, 0)), ...simd(SIMD.promoteLow)] : simd(SIMD.load, ...memarg(3, 0));
  const lanes = (a: number, b: number) => [...Array.from({ length: 8 }, (_, i) => a * 8 + i), ...Array.from({ length: 8 }, (_, i) => 16 + b * 8 + i)];
  const column = (target: number, jj: number[]) => {
    // target = jj < n ? src + jj*sCol : zeros
    f.emit(jj, get(N), [Op.I32LtU, Op.If, VOID], get(SRC), jj, get(SCOL), [Op.I32Mul, Op.I32Add], set(target));
    f.emit([Op.Else], get(ZEROS), set(target), [Op.End]);
  };
  f.emit(get(WIDTH), i32(3), [Op.I32Shl], set(pitch));
  f.emit(i32(0), set(j));
  f.emit([Op.Loop, VOID]);
  {
    column(s0, get(j));
    column(s1, [...get(j), ...i32(1), Op.I32Add]);
    // d = dst + (j / width)*panelBytes + (j % width)*8
    f.emit(get(DST), get(j), get(WIDTH), [Op.I32DivU], get(PANEL), [Op.I32Mul, Op.I32Add]);
    f.emit(get(j), get(WIDTH), [Op.I32RemU], i32(3), [Op.I32Shl, Op.I32Add], set(d), i32(0), set(p));
    f.emit([Op.Block, VOID, Op.Loop, VOID], get(p), i32(2), [Op.I32Add], get(K), [Op.I32GtU, Op.BrIf, 1]);
    f.emit(get(s0), load2, set(v0), get(s1), load2, set(v1));
    f.emit(get(d), get(v0), get(v1), simd(SIMD.shuffle, ...lanes(0, 0)), simd(SIMD.store, ...memarg(3, 0)), bumpBy(d, pitch));
    f.emit(get(d), get(v0), get(v1), simd(SIMD.shuffle, ...lanes(1, 1)), simd(SIMD.store, ...memarg(3, 0)), bumpBy(d, pitch));
    f.emit(bump(s0, 2 * elem), bump(s1, 2 * elem), bump(p, 2), [Op.Br, 0, Op.End, Op.End]);
    f.emit(get(p), get(K), [Op.I32LtU, Op.If, VOID]); // odd k: the last row
    f.emit(get(d), get(s0), load1, simd(SIMD.f64x2Splat), get(s1), load1, simd(SIMD.f64x2ReplaceLane, 1), simd(SIMD.store, ...memarg(3, 0)), [Op.End]);
    f.emit(get(j), i32(2), [Op.I32Add], tee(j), get(NPAD), [Op.I32LtU, Op.BrIf, 0]);
  }
  f.emit([Op.End]);
  return f.bytes();
}

/**
 * mm(a, b, c, mPad, k, n, nPad): c[i][j] (pitch n, elements of `elem` bytes) = sum over
 * p = 0..k-1 in order of A(i,p) * B(p,j), for i < mPad, j < nPad, in MR x NR tiles, from A in panels
 * of MR rows ([mPad/MR][k][MR] doubles at a) and B in panels of NR columns ([nPad/NR][k][NR] at b), so
 * a tile reads both with constant offsets from two pointers. Column panels run last to first: the
 * last one may be partial, and what its stores spill past column n lands in the next row's first
 * columns, which later panels (or later rows) overwrite; c needs mPad*n + NR elements. (Blocking the
 * rows of A for cache made no difference here up to 1024^3: the loop is bound by issuing vector
 * instructions, not memory.)
 */
function mmFn(elem: 4 | 8, MR: number, NR: number): number[] {
  const [A, B, C, MPAD, K, N, NPAD] = [0, 1, 2, 3, 4, 5, 6];
  const NV = NR / 2; // f64x2 vectors per tile row
  const f = new Fn(7, 6, MR * NV + NV + 2);
  const ib = f.local(), jb = f.local(), a = f.local(), aEnd = f.local(), bq = f.local(), o = f.local();
  const acc = (r: number, c: number) => f.v(r * NV + c), bv = (c: number) => f.v(MR * NV + c), x = f.v(MR * NV + NV), t = f.v(MR * NV + NV + 1);
  const zero = simd(SIMD.const, ...new Array(16).fill(0));
  const shift = elem === 4 ? 2 : 3;
  f.emit(get(NPAD), set(jb));
  f.emit([Op.Loop, VOID]); // column panels, last to first
  f.emit(get(jb), i32(NR), [Op.I32Sub], set(jb));
  f.emit(i32(0), set(ib));
  f.emit([Op.Loop, VOID]); // row panels
  for (let r = 0; r < MR; r++) for (let c = 0; c < NV; c++) f.emit(zero, set(acc(r, c)));
  // A's panel starts at a + ib*k*8, B's at b + jb*k*8
  f.emit(get(A), get(ib), get(K), [Op.I32Mul], i32(3), [Op.I32Shl, Op.I32Add], tee(a), get(K), i32(MR * 8), [Op.I32Mul, Op.I32Add], set(aEnd));
  f.emit(get(B), get(jb), get(K), [Op.I32Mul], i32(3), [Op.I32Shl, Op.I32Add], set(bq));
  f.emit([Op.Block, VOID], get(K), [Op.I32Eqz, Op.BrIf, 0], [Op.Loop, VOID]);
  for (let c = 0; c < NV; c++) f.emit(get(bq), simd(SIMD.load, ...memarg(3, 16 * c)), set(bv(c)));
  for (let r = 0; r < MR; r++) {
    f.emit(get(a), simd(SIMD.load64Splat, ...memarg(3, 8 * r)), set(x));
    for (let c = 0; c < NV; c++) {
      f.emit(get(x), get(bv(c)), simd(SIMD.f64x2Mul), set(t), get(acc(r, c)), get(t), simd(SIMD.f64x2Add), set(acc(r, c)));
    }
  }
  f.emit(bump(bq, NR * 8));
  f.emit(get(a), i32(MR * 8), [Op.I32Add], tee(a), get(aEnd), [Op.I32LtU, Op.BrIf, 0], [Op.End, Op.End]);
  // store rows ib..ib+MR-1, columns jb..jb+NR-1
  f.emit(get(C), get(ib), get(N), [Op.I32Mul], get(jb), [Op.I32Add], i32(shift), [Op.I32Shl, Op.I32Add], set(o));
  for (let r = 0; r < MR; r++) {
    for (let c = 0; c < NV; c++) {
      if (elem === 4) f.emit(get(o), get(acc(r, c)), simd(SIMD.demoteZero), simd(SIMD.store64Lane, ...memarg(2, 8 * c), 0));
      else f.emit(get(o), get(acc(r, c)), simd(SIMD.store, ...memarg(3, 16 * c)));
    }
    if (r < MR - 1) f.emit(get(o), get(N), i32(shift), [Op.I32Shl, Op.I32Add], set(o));
  }
  f.emit(get(ib), i32(MR), [Op.I32Add], tee(ib), get(MPAD), [Op.I32LtU, Op.BrIf, 0], [Op.End]);
  f.emit(get(jb), [Op.BrIf, 0], [Op.End]);
  return f.bytes();
}

/**
 * transpose32(src, sCol, n, k, dst, panelBytes, nPad): a float32 [k, n] matrix with contiguous columns
 * (column j at src + j*sCol: B = W.T) into float32 panels of W columns: element (p, j) goes to
 * dst + (j / W)*panelBytes + p*W*4 + (j % W)*4. Four columns by four rows at a time, transposed with
 * shuffles; columns n..nPad-1 repeat column n-1 (they feed outputs that are dropped).
 */
function transpose32Fn(W: number): number[] {
  const [SRC, SCOL, N, K, DST, PANEL, NPAD] = [0, 1, 2, 3, 4, 5, 6];
  const f = new Fn(7, 7, 8);
  const j = f.local(), p = f.local(), d = f.local(), s = [f.local(), f.local(), f.local(), f.local()];
  const v = [0, 1, 2, 3].map((q) => f.v(q)), t = [4, 5, 6, 7].map((q) => f.v(q));
  const lanes = (...l: number[]) => l.flatMap((x) => [4 * x, 4 * x + 1, 4 * x + 2, 4 * x + 3]);
  f.emit(i32(0), set(j));
  f.emit([Op.Loop, VOID]);
  {
    for (let q = 0; q < 4; q++) { // s[q] = src + min(j + q, n - 1)*sCol
      f.emit(get(j), i32(q), [Op.I32Add], get(N), i32(1), [Op.I32Sub], get(j), i32(q), [Op.I32Add], get(N), [Op.I32LtU, Op.Select]);
      f.emit(get(SCOL), [Op.I32Mul], get(SRC), [Op.I32Add], set(s[q]));
    }
    // d = dst + (j / W)*panelBytes + (j % W)*4
    f.emit(get(DST), get(j), i32(W), [Op.I32DivU], get(PANEL), [Op.I32Mul, Op.I32Add], get(j), i32(W - 1), [Op.I32And], i32(2), [Op.I32Shl, Op.I32Add], set(d));
    f.emit(i32(0), set(p));
    f.emit([Op.Block, VOID, Op.Loop, VOID], get(p), i32(4), [Op.I32Add], get(K), [Op.I32GtU, Op.BrIf, 1]);
    for (let q = 0; q < 4; q++) f.emit(get(s[q]), simd(SIMD.load, ...memarg(2, 0)), set(v[q]), bump(s[q], 16));
    f.emit(get(v[0]), get(v[1]), simd(SIMD.shuffle, ...lanes(0, 4, 1, 5)), set(t[0]));
    f.emit(get(v[0]), get(v[1]), simd(SIMD.shuffle, ...lanes(2, 6, 3, 7)), set(t[1]));
    f.emit(get(v[2]), get(v[3]), simd(SIMD.shuffle, ...lanes(0, 4, 1, 5)), set(t[2]));
    f.emit(get(v[2]), get(v[3]), simd(SIMD.shuffle, ...lanes(2, 6, 3, 7)), set(t[3]));
    f.emit(get(d), get(t[0]), get(t[2]), simd(SIMD.shuffle, ...lanes(0, 1, 4, 5)), simd(SIMD.store, ...memarg(2, 0)));
    f.emit(get(d), get(t[0]), get(t[2]), simd(SIMD.shuffle, ...lanes(2, 3, 6, 7)), simd(SIMD.store, ...memarg(2, W * 4)));
    f.emit(get(d), get(t[1]), get(t[3]), simd(SIMD.shuffle, ...lanes(0, 1, 4, 5)), simd(SIMD.store, ...memarg(2, 2 * W * 4)));
    f.emit(get(d), get(t[1]), get(t[3]), simd(SIMD.shuffle, ...lanes(2, 3, 6, 7)), simd(SIMD.store, ...memarg(2, 3 * W * 4)));
    f.emit(bump(d, 4 * W * 4), bump(p, 4), [Op.Br, 0, Op.End, Op.End]);
    // the last k % 4 rows one by one
    f.emit([Op.Block, VOID], get(p), get(K), [Op.I32GeU, Op.BrIf, 0], [Op.Loop, VOID]);
    for (let q = 0; q < 4; q++) f.emit(get(d), get(s[q]), [Op.F32Load], memarg(2, 0), [Op.F32Store], memarg(2, 4 * q), bump(s[q], 4));
    f.emit(bump(d, W * 4), get(p), i32(1), [Op.I32Add], tee(p), get(K), [Op.I32LtU, Op.BrIf, 0], [Op.End, Op.End]);
    f.emit(get(j), i32(4), [Op.I32Add], tee(j), get(NPAD), [Op.I32LtU, Op.BrIf, 0]);
  }
  f.emit([Op.End]);
  return f.bytes();
}

/**
 * mm32(a, aI, aP, b, bJ, bP, c, m, k, n, nPad, mPad): like mm, for float32 operands and result,
 * accumulating in float32: c[i][j] = (...((0 + A(i,0)*B(0,j)) + A(i,1)*B(1,j)) + ...), every product
 * and every sum rounded to float32, in order p = 0..k-1 — as PyTorch's float32 products accumulate,
 * with twice the lanes of the double kernel. A separate multiply and add (never relaxed SIMD's
 * multiply-add, whose fusing depends on the host) keeps the bits the same on every machine and equal
 * to the JS kernel's. Operands are read where they are: A(i,p) at a + i*aI + p*aP (any strides; rows
 * past m read row m-1, for outputs that are dropped), B(p,j) at b + j*bJ' + p*bP with NR columns
 * contiguous (bJ: bytes from one tile's columns to the next, bP: from one p to the next), so
 * row-major B needs no copy and B = W.T is packed into panels.
 */
function mm32Fn(MR: number, NR: number): number[] {
  const [A, AI, AP, B, BJ, BP, C, M, K, N, NPAD, MPAD] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const NV = NR / 4; // f32x4 vectors per tile row
  const f = new Fn(12, 4 + MR, MR * NV + NV + 2);
  const ib = f.local(), jb = f.local(), p = f.local(), bq = f.local();
  const ap = Array.from({ length: MR }, () => f.local());
  const acc = (r: number, c: number) => f.v(r * NV + c), bv = (c: number) => f.v(MR * NV + c), x = f.v(MR * NV + NV), t = f.v(MR * NV + NV + 1);
  const zero = simd(SIMD.const, ...new Array(16).fill(0));
  f.emit(get(NPAD), set(jb));
  f.emit([Op.Loop, VOID]); // column tiles, last to first
  f.emit(get(jb), i32(NR), [Op.I32Sub], set(jb));
  f.emit(i32(0), set(ib));
  f.emit([Op.Loop, VOID]); // row tiles
  for (let r = 0; r < MR; r++) for (let c = 0; c < NV; c++) f.emit(zero, set(acc(r, c)));
  for (let r = 0; r < MR; r++) {
    // ap[r] = a + min(ib + r, m - 1)*aI
    f.emit(get(ib), i32(r), [Op.I32Add], get(M), i32(1), [Op.I32Sub], get(ib), i32(r), [Op.I32Add], get(M), [Op.I32LtU, Op.Select]);
    f.emit(get(AI), [Op.I32Mul], get(A), [Op.I32Add], set(ap[r]));
  }
  f.emit(get(B), get(jb), i32(NR), [Op.I32DivU], get(BJ), [Op.I32Mul, Op.I32Add], set(bq), get(K), set(p));
  f.emit([Op.Block, VOID], get(K), [Op.I32Eqz, Op.BrIf, 0], [Op.Loop, VOID]);
  for (let c = 0; c < NV; c++) f.emit(get(bq), simd(SIMD.load, ...memarg(2, 16 * c)), set(bv(c)));
  for (let r = 0; r < MR; r++) {
    f.emit(get(ap[r]), simd(SIMD.load32Splat, ...memarg(2, 0)), set(x), bumpBy(ap[r], AP));
    for (let c = 0; c < NV; c++) f.emit(get(x), get(bv(c)), simd(SIMD.f32x4Mul), set(t), get(acc(r, c)), get(t), simd(SIMD.f32x4Add), set(acc(r, c)));
  }
  f.emit(bumpBy(bq, BP));
  f.emit(get(p), i32(1), [Op.I32Sub], tee(p), [Op.BrIf, 0], [Op.End, Op.End]);
  // store rows ib..ib+MR-1, columns jb..jb+NR-1
  f.emit(get(C), get(ib), get(N), [Op.I32Mul], get(jb), [Op.I32Add], i32(2), [Op.I32Shl, Op.I32Add], set(bq));
  for (let r = 0; r < MR; r++) {
    for (let c = 0; c < NV; c++) f.emit(get(bq), get(acc(r, c)), simd(SIMD.store, ...memarg(2, 16 * c)));
    if (r < MR - 1) f.emit(get(bq), get(N), i32(2), [Op.I32Shl, Op.I32Add], set(bq));
  }
  f.emit(get(ib), i32(MR), [Op.I32Add], tee(ib), get(MPAD), [Op.I32LtU, Op.BrIf, 0], [Op.End]);
  f.emit(get(jb), [Op.BrIf, 0], [Op.End]);
  return f.bytes();
}

/**
 * The kernels for one element type (4: float32 sources/results, 8: float64), on an imported memory
 * shared by both modules; the float32 one also has the float32-accumulating kernel and its transpose.
 */
function moduleBytes(elem: 4 | 8): Uint8Array<ArrayBuffer> {
  const fns: [string, number, number[]][] = [["transpose", 1, transposeFn(elem)]];
  for (const w of new Set(TILES.flat())) fns.push([`panels_${w}`, 2, panelsFn(elem, w)]);
  for (const [mr, nr] of TILES) {
    fns.push([`mm_${mr}x${nr}`, 0, mmFn(elem, mr, nr)]);
  }
  if (elem === 4) {
    fns.push([`transpose32_${TILE32[1]}`, 0, transpose32Fn(TILE32[1])], [`mm32_${TILE32[0]}x${TILE32[1]}`, 3, mm32Fn(...TILE32)]);
  }
  const ints = (n: number): [number[], number[]] => [new Array(n).fill(I32), []];
  return moduleOf([ints(7), ints(9), ints(6), ints(12)], fns);
}

type Mm = (a: number, b: number, c: number, mPad: number, k: number, n: number, nPad: number) => void;
type Transpose = (src: number, sCol: number, n: number, k: number, dst: number, width: number, panelBytes: number, nPad: number, zeros: number) => void;
type Mm32 = (a: number, aI: number, aP: number, b: number, bJ: number, bP: number, c: number, m: number, k: number, n: number, nPad: number, mPad: number) => void;
type Transpose32 = (src: number, sCol: number, n: number, k: number, dst: number, panelBytes: number, nPad: number) => void;
type Panels = (src: number, sRow: number, rows: number, cols: number, dst: number, panelBytes: number) => void;
/** One module's kernels. */
interface Kernels {
  transpose: Transpose;
  [panels: `panels_${number}`]: Panels;
  [mm: `mm_${number}x${number}`]: Mm;
  [mm32: `mm32_${number}x${number}`]: Mm32;
  [transpose32: `transpose32_${number}`]: Transpose32;
}
interface Kernel {
  scratch: ScratchMemory;
  /** float32 kernels; float64 ones built on first use */
  k32: Kernels;
  k64?: Kernels;
}

let kernel: Kernel | null | undefined;
function instantiate(bytes: Uint8Array<ArrayBuffer>, memory: WebAssembly.Memory): Kernels {
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), { m: { memory } }).exports as unknown as Kernels;
}
function load(): Kernel | null {
  if (kernel !== undefined) return kernel;
  try {
    if (typeof WebAssembly === "undefined") return (kernel = null);
    const bytes = moduleBytes(4);
    if (!WebAssembly.validate(bytes)) return (kernel = null);
    const scratch = new ScratchMemory();
    kernel = { scratch, k32: instantiate(bytes, scratch.memory) };
  } catch {
    kernel = null;
  }
  return kernel;
}
/** The kernels for elements of `bytes` bytes. */
function kernels(kern: Kernel, bytes: number): Kernels {
  return bytes === 4 ? kern.k32 : (kern.k64 ??= instantiate(moduleBytes(8), kern.scratch.memory));
}

/** Whether the SIMD kernel is in use (false where WebAssembly SIMD is missing: the JS kernel runs). */
export const wasmMatmulAvailable = (): boolean => load() !== null;

type Storage = Float32Array | Float64Array;
/** Elements of src a [rows, cols] view (off, s0, s1) spans, or -1 when it is better gathered: neither
 * rows nor columns contiguous (the kernels read one or the other), negative strides, or a span much
 * larger than the view. */
const spanOf = (s0: number, s1: number, rows: number, cols: number): number =>
  (s1 === 1 || cols === 1 || s0 === 1 || rows === 1 ? spanWithin(rows, cols, s0, s1) : -1);

/**
 * Copies the [rows, cols] view (off, s0, s1) of src into memory at byte `at`, as is (its span) or
 * gathered row-major when sparse; returns its byte address and byte strides there.
 */
function place(scratch: ScratchMemory, src: Storage, off: number, s0: number, s1: number, rows: number, cols: number, at: number): [number, number, number] {
  const e = src.BYTES_PER_ELEMENT;
  const span = spanOf(s0, s1, rows, cols);
  if (span >= 0) {
    scratch.copyIn(src, off, span, at);
    return [at, s0 * e, s1 * e];
  }
  const dst = e === 4 ? scratch.f32 : scratch.f64, base = at / e;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[base + r * cols + c] = src[off + r * s0 + c * s1];
  return [at, cols * e, e];
}
const placedBytes = (src: Storage, s0: number, s1: number, rows: number, cols: number) => {
  const span = spanOf(s0, s1, rows, cols);
  return align16((span >= 0 ? span : rows * cols) * src.BYTES_PER_ELEMENT);
};

/**
 * out[m,n] = a[m,k] @ b[k,n] for strided sources; returns false (nothing written) when the kernel is
 * unavailable or the product does not fit in its memory.
 * Results are written (rounded to out's type) into out starting at outOff.
 */
export function wasmMatmul(
  sa: Storage, aOff: number, as0: number, as1: number,
  sb: Storage, bOff: number, bs0: number, bs1: number,
  m: number, k: number, n: number,
  out: Storage, outOff: number,
): boolean {
  const kern = load();
  if (!kern) return false;
  if (m === 0 || n === 0) return true;
  if (k === 0) {
    out.fill(0, outOff, outOff + m * n);
    return true;
  }
  if (sa instanceof Float32Array && sb instanceof Float32Array && out instanceof Float32Array) return matmul32(kern, sa, aOff, as0, as1, sb, bOff, bs0, bs1, m, k, n, out, outOff);
  // the tile that pads less (2x8 on a tie)
  const pads = TILES.map(([mr, nr]) => Math.ceil(m / mr) * mr * Math.ceil(n / nr) * nr);
  const [MR, NR] = TILES[pads[1] < pads[0] ? 1 : 0];
  const mPad = Math.ceil(m / MR) * MR, nPad = Math.ceil(n / NR) * NR;
  const eOut = out.BYTES_PER_ELEMENT;
  // memory: [A as given][B as given][A in doubles][B in doubles][C]
  const aRaw = placedBytes(sa, as0, as1, m, k), bRaw = placedBytes(sb, bs0, bs1, k, n);
  const aD = aRaw + bRaw, bD = aD + mPad * k * 8, c = bD + nPad * k * 8;
  const zeros = align16(c + (mPad * n + NR) * eOut); // k zero elements for transpose
  const need = zeros + k * 8;
  const { scratch } = kern;
  if (!scratch.ensure(need)) return false; // the JS kernel takes over
  const [aAt, a0, a1] = place(scratch, sa, aOff, as0, as1, m, k, 0);
  const [bAt, b0, b1] = place(scratch, sb, bOff, bs0, bs1, k, n, aRaw);
  const eA = sa.BYTES_PER_ELEMENT, eB = sb.BYTES_PER_ELEMENT;
  const kA = kernels(kern, eA), kB = kernels(kern, eB), kOut = kernels(kern, eOut);
  // (padding only feeds outputs that are dropped, but zeros keep stale NaN or subnormals out of the loop)
  if (m % MR || n % NR) scratch.f64.fill(0, zeros / 8, zeros / 8 + k);
  // both operands into panels of whole tiles: A [mPad/MR][k][MR], B [nPad/NR][k][NR]
  // (a dimension of size 1 makes its stride irrelevant; place() gathered views with neither contiguous)
  if (a1 === eA || k === 1) kA.transpose(aAt, a0, m, k, aD, MR, k * MR * 8, mPad, zeros); // rows of A contiguous
  else kA[`panels_${MR}`](aAt, a1, k, m, aD, k * MR * 8); // columns of A contiguous (A = h.T)
  if (b1 === eB || n === 1) kB[`panels_${NR}`](bAt, b0, k, n, bD, k * NR * 8); // rows of B contiguous
  else kB.transpose(bAt, b1, n, k, bD, NR, k * NR * 8, nPad, zeros); // columns of B contiguous (B = W.T)
  kOut[`mm_${MR}x${NR}`](aD, bD, c, mPad, k, n, nPad);
  out.set(eOut === 4 ? scratch.f32.subarray(c / 4, c / 4 + m * n) : scratch.f64.subarray(c / 8, c / 8 + m * n), outOff);
  return true;
}

/** wasmMatmul for float32 operands and result: accumulated in float32 (mm32). */
function matmul32(
  kern: Kernel, sa: Float32Array, aOff: number, as0: number, as1: number,
  sb: Float32Array, bOff: number, bs0: number, bs1: number, m: number, k: number, n: number,
  out: Float32Array, outOff: number,
): boolean {
  const [MR, NR] = TILE32;
  const mPad = Math.ceil(m / MR) * MR, nPad = Math.ceil(n / NR) * NR;
  // memory: [A as given][B as given][B in panels, when its rows are not contiguous][C]; a tile's
  // padded columns may read up to NR - 1 elements past B's last row (into what follows; dropped)
  const aRaw = placedBytes(sa, as0, as1, m, k), bRaw = placedBytes(sb, bs0, bs1, k, n) + NR * 4;
  const rowsOfB = bs1 === 1 || n === 1 || spanOf(bs0, bs1, k, n) < 0; // contiguous rows, or gathered
  const bP = aRaw + bRaw, c = bP + (rowsOfB ? 0 : nPad * k * 4);
  const { scratch } = kern;
  if (!scratch.ensure(c + (mPad * n + NR) * 4)) return false; // the JS kernel takes over
  const [aAt, a0, a1] = place(scratch, sa, aOff, as0, as1, m, k, 0);
  const [bAt, b0, b1] = place(scratch, sb, bOff, bs0, bs1, k, n, aRaw);
  const k32 = kern.k32;
  if (rowsOfB) k32[`mm32_${MR}x${NR}`](aAt, a0, a1, bAt, NR * 4, b0, c, m, k, n, nPad, mPad);
  else {
    k32[`transpose32_${NR}`](bAt, b1, n, k, bP, k * NR * 4, nPad); // B = W.T: into panels of NR columns
    k32[`mm32_${MR}x${NR}`](aAt, a0, a1, bP, k * NR * 4, NR * 4, c, m, k, n, nPad, mPad);
  }
  out.set(scratch.f32.subarray(c / 4, c / 4 + m * n), outOff);
  return true;
}
