// PyTorch 1.13's AVX2 normal_fill transforms uniforms with float32 Cephes-style log, sin and cos
// polynomials (aten/src/ATen/native/cpu/avx_mathfun.h), compiled with fused multiply-adds. These are
// scalar float32 re-implementations of the same arithmetic — same constants, same order, FMA where
// the compiler fuses — so randn reproduces PyTorch's bits. Written from the algorithm's description.
import { bitsOf, fma32, fromBits, fround } from "./float32";

const c = (v: number) => fround(v);
const SQRTHF = c(0.707106781186547524);
const LOG_P = [7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
  -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1].map(c);
const LOG_Q1 = c(-2.12194440e-4), LOG_Q2 = c(0.693359375);
const MIN_NORM = fromBits(0x00800000);

/** Natural log of a float32 (NaN for x <= 0), as log256_ps computes it per lane. */
export function log256(xIn: number): number {
  if (!(xIn > 0)) return NaN;
  const x0 = Math.max(xIn, MIN_NORM);
  const bits = bitsOf(x0);
  let e = ((bits >>> 23) - 0x7f) + 1; // exact small integers
  let x = fromBits((bits & ~0x7f800000) | bitsOf(0.5)); // mantissa in [0.5, 1)
  const small = x < SQRTHF;
  const tmp = small ? x : 0;
  x = fround(x - 1);
  if (small) e -= 1;
  x = fround(x + tmp);
  const z = fround(x * x);
  let y = fma32(LOG_P[0], x, LOG_P[1]);
  for (let k = 2; k <= 8; k++) y = fma32(y, x, LOG_P[k]);
  y = fround(y * x);
  // (y·z) + (e·q1): the compiler fuses the first product, the second is rounded on its own
  y = fma32(y, z, fround(e * LOG_Q1));
  y = fround(y - fround(z * 0.5));
  x = fma32(e, LOG_Q2, fround(x + y));
  return x;
}

const DP1 = c(-0.78515625), DP2 = c(-2.4187564849853515625e-4), DP3 = c(-3.77489497744594108e-8);
const SIN_P = [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1].map(c);
const COS_P = [2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2].map(c);
const FOPI = c(1.27323954473516);

const flipSign = (v: number, flip: boolean) => (flip ? fromBits(bitsOf(v) ^ 0x80000000) : v);

/** [sin, cos] of a float32, as sincos256_ps computes them per lane. */
export function sincos256(xIn: number): [number, number] {
  const negative = bitsOf(xIn) >>> 31 === 1;
  let x = Math.abs(xIn);
  let j = Math.trunc(fround(x * FOPI)) | 0; // cvttps (no overflow for the angles used here)
  j = (j + 1) & ~1;
  const y = j; // exact as float32
  const swapSin = (j & 4) !== 0;
  const usePoly2 = (j & 2) === 0; // poly_mask: the sine polynomial
  x = fma32(y, DP1, x);
  x = fma32(y, DP2, x);
  x = fma32(y, DP3, x);
  const cosSign = ((~(j - 2)) & 4) !== 0;
  const z = fround(x * x);
  let p1 = fma32(COS_P[0], z, COS_P[1]);
  p1 = fma32(p1, z, COS_P[2]);
  p1 = fround(p1 * z);
  p1 = fma32(p1, z, -fround(z * 0.5));
  p1 = fround(p1 + 1);
  let p2 = fma32(SIN_P[0], z, SIN_P[1]);
  p2 = fma32(p2, z, SIN_P[2]);
  p2 = fround(p2 * z);
  p2 = fma32(p2, x, x);
  const sinAbs = usePoly2 ? p2 : p1;
  const cosAbs = usePoly2 ? p1 : p2;
  return [flipSign(sinAbs, negative !== swapSin), flipSign(cosAbs, cosSign)];
}
