// Float32 arithmetic as an x86 AVX2 build of PyTorch 1.13 does it in normal_fill_16_AVX2:
// the Cephes-style log256_ps / sincos256_ps polynomials of aten/src/ATen/native/cpu/avx_mathfun.h,
// evaluated lane by lane in float32 with fused multiply-adds where GCC contracts a multiply into
// the add that consumes it. Each step rounds to float32 exactly like the vector instruction would.

const f = Math.fround;

/**
 * Correctly rounded float32 fused multiply-add a*b + c for float32 inputs.
 * a*b is exact in double (24 + 24 bits); s = a*b + c rounds once in double and fround rounds
 * again. That double rounding is wrong only when s lands exactly on a float32 midpoint while the
 * exact sum is not s; then the exact error term (two-sum) says which neighbour is right.
 */
export function fma32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = f(s);
  if (r === s) return r;
  // s is a float32 midpoint iff reflecting r through s gives the other float32 neighbour
  const other = 2 * s - r;
  if (f(other) !== other) return r;
  const bv = s - p;
  const err = (p - (s - bv)) + (c - bv); // exact: p + c = s + err
  if (err === 0) return r; // a true tie, fround already rounded it to even
  return (err > 0) === (other > r) ? other : r;
}

const SPLIT = 134217729; // 2^27 + 1, Veltkamp's splitter for doubles

/**
 * Double fused multiply-add a*b + c (JS has none): the product split exactly into p + e
 * (Dekker), then p + c summed with its error term. Correctly rounded except in contrived
 * double-rounding cases far rarer than anything a random stream meets.
 */
export function fma64(a: number, b: number, c: number): number {
  const p = a * b;
  if (!Number.isFinite(p)) return p + c;
  let t = SPLIT * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b), bl = b - bh;
  const e = ((ah * bh - p) + ah * bl + al * bh) + al * bl; // a*b = p + e exactly
  const s = p + c;
  const bv = s - p;
  const e2 = (p - (s - bv)) + (c - bv); // p + c = s + e2 exactly
  return s + (e + e2);
}

const SQRTHF = f(0.707106781186547524);
const LOG_P0 = f(7.0376836292e-2), LOG_P1 = f(-1.1514610310e-1), LOG_P2 = f(1.1676998740e-1);
const LOG_P3 = f(-1.2420140846e-1), LOG_P4 = f(1.4249322787e-1), LOG_P5 = f(-1.6668057665e-1);
const LOG_P6 = f(2.0000714765e-1), LOG_P7 = f(-2.4999993993e-1), LOG_P8 = f(3.3333331174e-1);
const LOG_Q1 = f(-2.12194440e-4), LOG_Q2 = f(0.693359375);

const bitsF = new Float32Array(1);
const bitsI = new Int32Array(bitsF.buffer);

/** log256_ps for one lane; x is a float32 in (0, 1] here (1 - a uniform), no NaN handling needed. */
export function log32(x0: number): number {
  bitsF[0] = x0 < 1.1754943508222875e-38 ? 1.1754943508222875e-38 : x0;
  const bits = bitsI[0];
  let e = f(((bits >>> 23) - 127) + 1);
  bitsI[0] = (bits & ~0x7f800000) | 0x3f000000; // mantissa with exponent of 0.5: x in [0.5, 1)
  let x = bitsF[0];
  const below = x < SQRTHF;
  const tmp = below ? x : 0;
  x = f(x - 1);
  if (below) e = f(e - 1);
  x = f(x + tmp);
  const z = f(x * x);
  let y = fma32(LOG_P0, x, LOG_P1);
  y = fma32(y, x, LOG_P2);
  y = fma32(y, x, LOG_P3);
  y = fma32(y, x, LOG_P4);
  y = fma32(y, x, LOG_P5);
  y = fma32(y, x, LOG_P6);
  y = fma32(y, x, LOG_P7);
  y = fma32(y, x, LOG_P8);
  y = f(y * x);
  // y*z is the first multiply met, so GCC fuses it with the add of e*q1 (rounded on its own)
  y = fma32(y, z, f(e * LOG_Q1));
  y = f(y - z * 0.5); // z*0.5 is exact
  x = f(x + y);
  return f(x + e * LOG_Q2); // e*q2 is exact (small integer times a 9-bit constant)
}

const FOPI = f(1.27323954473516);
const DP1 = f(-0.78515625), DP2 = f(-2.4187564849853515625e-4), DP3 = f(-3.77489497744594108e-8);
const SIN_P0 = f(-1.9515295891e-4), SIN_P1 = f(8.3321608736e-3), SIN_P2 = f(-1.6666654611e-1);
const COS_P0 = f(2.443315711809948e-5), COS_P1 = f(-1.388731625493765e-3), COS_P2 = f(4.166664568298827e-2);

/** Results of the last sincos32 call (a pair without allocating). */
export const sincosOut = { sin: 0, cos: 0 };

/** sincos256_ps for one lane (x ≥ 0 and < 2π here, as theta = 2π·u). */
export function sincos32(x0: number): void {
  const negative = x0 < 0;
  let x = negative ? -x0 : x0;
  let j = Math.trunc(f(x * FOPI));
  j = (j + 1) & ~1;
  const y = j; // small integer: exact as float32
  let sinFlip = (j & 4) !== 0;
  const useSinPoly = (j & 2) === 0;
  const cosFlip = (~(j - 2) & 4) !== 0;
  if (negative) sinFlip = !sinFlip;
  x = fma32(y, DP1, x);
  x = fma32(y, DP2, x);
  x = fma32(y, DP3, x);
  const z = f(x * x);
  let c = fma32(COS_P0, z, COS_P1);
  c = fma32(c, z, COS_P2);
  c = f(c * z);
  c = fma32(c, z, -f(z * 0.5)); // c*z fused with the subtraction of z*0.5
  c = f(c + 1);
  let s = fma32(SIN_P0, z, SIN_P1);
  s = fma32(s, z, SIN_P2);
  s = f(s * z);
  s = fma32(s, x, x);
  const sinV = useSinPoly ? s : c, cosV = useSinPoly ? c : s;
  sincosOut.sin = sinFlip ? -sinV : sinV;
  sincosOut.cos = cosFlip ? -cosV : cosV;
}
