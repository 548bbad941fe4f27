// Correctly rounded (to nearest, in all but astronomically rare cases) double log, sin and cos for
// the double-precision normal paths. PyTorch calls glibc there, whose results are the correctly
// rounded ones for ~99.85% of arguments; V8's Math.log/sin/cos (fdlibm) differ in the last bit for a
// few percent. Evaluated in double-double arithmetic (about 100 bits), then rounded once.

const SPLIT = 134217729; // 2^27 + 1

// results of the double-double helpers (hi, lo) without allocating
let rh = 0, rl = 0;

function twoSum(a: number, b: number): void {
  const s = a + b, bv = s - a;
  rh = s;
  rl = (a - (s - bv)) + (b - bv);
}
function twoProd(a: number, b: number): void {
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b), bl = b - bh;
  rh = p;
  rl = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}
/** (ah, al) + (bh, bl) */
function ddAdd(ah: number, al: number, bh: number, bl: number): void {
  twoSum(ah, bh);
  const sh = rh, sl = rl + al + bl;
  const s = sh + sl;
  rl = sl - (s - sh);
  rh = s;
}
/** (ah, al) · (bh, bl) */
function ddMul(ah: number, al: number, bh: number, bl: number): void {
  twoProd(ah, bh);
  const ph = rh, pl = rl + (ah * bl + al * bh);
  const s = ph + pl;
  rl = pl - (s - ph);
  rh = s;
}

/** Pairs (hi, lo) laid out flat. */
function flat(pairs: [number, number][]): Float64Array {
  return Float64Array.from(pairs.flat());
}

/** 1/d as a double-double. */
function reciprocal(d: number): [number, number] {
  const hi = 1 / d;
  twoProd(hi, d);
  return [hi, ((1 - rh) - rl) / d];
}

// log(m) = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), s = (m - 1)/(m + 1), |s| ≤ 0.1716
// Terms n ≥ ATANH_DD add under 2^-23 relative, so their double rounding costs < 2^-76
const ATANH_DD = 4, ATANH_TERMS = 18;
const ATANH_C = flat(Array.from({ length: ATANH_TERMS }, (_, n) => reciprocal(2 * n + 1)));
const LN2_HI = 0.6931471805599453, LN2_LO = 2.3190468138462996e-17;
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer); // little-endian: U32[1] holds sign, exponent, top mantissa

/** Natural log of a positive finite double (the normal paths call it with x in (0, 1]). */
export function logCR(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return Math.log(x);
  if (x < 2.2250738585072014e-308) return Math.log(x); // subnormal: never met by the normal paths
  // x = m · 2^k with m in [1, 2) from the bits, then m moved into [√½, √2)
  F64[0] = x;
  let k = ((U32[1] >>> 20) & 0x7ff) - 1023;
  U32[1] = (U32[1] & 0x800fffff) | 0x3ff00000;
  let m = F64[0];
  if (m > Math.SQRT2) { m /= 2; k += 1; }
  const f = m - 1; // exact (Sterbenz)
  twoSum(m, 1);
  const dh = rh, dl = rl;
  const sh = f / dh;
  twoProd(sh, dh);
  const sl = (((f - rh) - rl) - sh * dl) / dh;
  ddMul(sh, sl, sh, sl);
  const wh = rh, wl = rl;
  // Horner on w for sum_n w^n / (2n+1): the small tail in double, the rest in double-double
  let p = 0;
  for (let n = ATANH_TERMS - 1; n >= ATANH_DD; n--) p = p * wh + ATANH_C[2 * n];
  let ph = p, pl = 0;
  for (let n = ATANH_DD - 1; n >= 0; n--) {
    ddMul(ph, pl, wh, wl);
    ddAdd(rh, rl, ATANH_C[2 * n], ATANH_C[2 * n + 1]);
    ph = rh; pl = rl;
  }
  ddMul(ph, pl, 2 * sh, 2 * sl);
  const th = rh, tl = rl;
  twoProd(k, LN2_HI);
  ddAdd(rh, rl + k * LN2_LO, th, tl);
  return rh + rl;
}

// sin r = r (1 - r^2/3! + r^4/5! - ...), cos r = 1 - r^2/2! + r^4/4! - ..., |r| ≤ π/4
// Terms n ≥ TRIG_DD add under 2^-18 relative for |r| ≤ π/4: their double rounding costs < 2^-71
const TRIG_DD = 5, TRIG_TERMS = 14;
function inverseFactorial(n: number, sign: number): [number, number] {
  let h = 1, l = 0;
  for (let i = 2; i <= n; i++) {
    const [ih, il] = reciprocal(i);
    ddMul(h, l, ih, il);
    h = rh; l = rl;
  }
  return [sign * h, sign * l];
}
const SIN_C = flat(Array.from({ length: TRIG_TERMS }, (_, n) => inverseFactorial(2 * n + 1, n % 2 ? -1 : 1)));
const COS_C = flat(Array.from({ length: TRIG_TERMS }, (_, n) => inverseFactorial(2 * n, n % 2 ? -1 : 1)));
// π/2 as the sum of three doubles
const PIO2_1 = 1.5707963267948966, PIO2_2 = 6.123233995736766e-17, PIO2_3 = -1.4973849048591698e-33;

function series(c: Float64Array, zh: number, zl: number): void {
  let p = 0;
  for (let n = TRIG_TERMS - 1; n >= TRIG_DD; n--) p = p * zh + c[2 * n];
  let ph = p, pl = 0;
  for (let n = TRIG_DD - 1; n >= 0; n--) {
    ddMul(ph, pl, zh, zl);
    ddAdd(rh, rl, c[2 * n], c[2 * n + 1]);
    ph = rh; pl = rl;
  }
  rh = ph; rl = pl;
}

/** Results of the last sinCosCR call. */
export const sinCosCROut = { sin: 0, cos: 0 };

/** sin and cos of a finite double of moderate size (|x| < 2^20; the normal paths pass [0, 2π)). */
export function sinCosCR(x: number): void {
  if (!Number.isFinite(x) || Math.abs(x) >= 1048576) {
    sinCosCROut.sin = Math.sin(x);
    sinCosCROut.cos = Math.cos(x);
    return;
  }
  const j = Math.round(x / PIO2_1);
  // r = x - j·π/2 in double-double
  twoProd(-j, PIO2_1);
  ddAdd(x, 0, rh, rl);
  let r0 = rh, r1 = rl;
  twoProd(-j, PIO2_2);
  ddAdd(r0, r1, rh, rl + -j * PIO2_3);
  r0 = rh; r1 = rl;
  ddMul(r0, r1, r0, r1);
  const zh = rh, zl = rl;
  series(SIN_C, zh, zl);
  ddMul(rh, rl, r0, r1);
  const s = rh + rl;
  series(COS_C, zh, zl);
  const c = rh + rl;
  switch (((j % 4) + 4) % 4) {
    case 0: sinCosCROut.sin = s; sinCosCROut.cos = c; break;
    case 1: sinCosCROut.sin = c; sinCosCROut.cos = -s; break;
    case 2: sinCosCROut.sin = -s; sinCosCROut.cos = -c; break;
    default: sinCosCROut.sin = -c; sinCosCROut.cos = s; break;
  }
}
