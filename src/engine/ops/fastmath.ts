// float32 exp and tanh in JS, and the constants with which ./wasm-elementwise computes the same
// values in WebAssembly.
// Math.tanh costs ~22 ns and Math.exp ~12 ns an element in V8. For float32 results these compute in
// double to ~1e-15 relative error, so the single rounding to float32 gives the same value as
// Math.fround(Math.tanh(x)) / Math.fround(Math.exp(x)): a sweep of every float32 input
// (test/unit/fastpaths.test.ts with FAST_MATH_EXHAUSTIVE=1; by default it samples) finds no tanh
// difference and 2 exp differences in 2.2e9 inputs (at x ≈ 65.5 and 69.3, where the two double
// results straddle a float32 midpoint). float64 results keep Math.tanh / Math.exp.

/** 2^(j/32), j = 0..31, and 2^k for k = -200..200 (index k + 200). */
export const EXP2_FRAC = Float64Array.from({ length: 32 }, (_, j) => Math.pow(2, j / 32));
export const POW2 = Float64Array.from({ length: 401 }, (_, k) => Math.pow(2, k - 200));
export const LN2_32_INV = 32 / Math.LN2;
// ln2/32 split so that n·LN2_32_HI is exact for |n| < 2^11; ln(2) − Math.LN2 ≈ 2.319e-17 goes in the low part
export const LN2_32_HI = Math.round((Math.LN2 / 32) * 2 ** 47) / 2 ** 47;
export const LN2_32_LO = (Math.LN2 - 32 * LN2_32_HI) / 32 + 2.3190468138462996e-17 / 32;

/** e^y for y in [-200·ln2, 200·ln2): y = (32k + j)·ln2/32 + r, |r| ≤ ln2/64, e^r by its Taylor series to r^6. */
function expReduced(y: number): number {
  const n = Math.round(y * LN2_32_INV);
  const r = (y - n * LN2_32_HI) - n * LN2_32_LO;
  const p = 1 + r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720))))));
  return POW2[(n >> 5) + 200] * EXP2_FRAC[n & 31] * p;
}

/** e^x to be rounded to float32 (beyond [-120, 100] float32 gives 0 or Infinity either way). */
export function expF32(x: number): number {
  return expReduced(x < -120 ? -120 : x > 100 ? 100 : x);
}

// Taylor coefficients of tanh (x, x^3, ..., x^19) from tanh' = 1 − tanh², used for |x| < 1/4
export const TANH_TAYLOR = (() => {
  const a = [0];
  for (let k = 0; k <= 19; k++) {
    let s = k === 0 ? 1 : 0;
    for (let i = 0; i <= k; i++) s -= (a[i] ?? 0) * (a[k - i] ?? 0);
    a[k + 1] = s / (k + 1);
  }
  return a.filter((_, k) => k % 2 === 1);
})();
const [, T3, T5, T7, T9, T11, T13, T15, T17, T19] = TANH_TAYLOR;

/** tanh(x) to be rounded to float32. */
export function tanhF32(x: number): number {
  const ax = Math.abs(x);
  if (ax < 0.25) {
    if (x === 0) return x; // keeps −0
    const z = x * x;
    return x + x * z * (T3 + z * (T5 + z * (T7 + z * (T9 + z * (T11 + z * (T13 + z * (T15 + z * (T17 + z * T19))))))));
  }
  if (!(ax < 20)) return x !== x ? x : x < 0 ? -1 : 1; // tanh rounds to ±1 in double from |x| ≈ 19.1
  const t = 1 - 2 / (expReduced(2 * ax) + 1);
  return x < 0 ? -t : t;
}

