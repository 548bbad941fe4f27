// numpy's legacy RandomState (numpy.random.seed / rand / randn / randint / shuffle / choice …),
// bit for bit with numpy 1.24: MT19937 seeded by init_genrand (an int) or init_by_array (an array),
// 53-bit doubles from two words, the polar Box–Muller with its cached second value, and masked
// rejection sampling for integers. Argument checking and the ndarray wrapping live in Python
// (src/python/site/numpy/random.py); here are only the draws.

import { logCR } from "./libm";
import { MT19937, MT_N } from "./mt19937";

/** The integer dtypes randint accepts; each draws from the word stream differently. */
export type IntDtype = "int64" | "uint64" | "int32" | "uint32" | "int16" | "uint16" | "int8" | "uint8" | "bool";
const INT_BITS: Record<IntDtype, number> = {
  int64: 64, uint64: 64, int32: 32, uint32: 32, int16: 16, uint16: 16, int8: 8, uint8: 8, bool: 1,
};

/** RandomState.get_state()'s fields (the tuple's 'MT19937' tag aside). */
export interface NumpyRandomStateFields {
  key: Uint32Array;
  pos: number;
  hasGauss: number;
  cachedGaussian: number;
}

/** The smallest all-ones mask covering v (v < 2^53). */
function maskFor(v: number): number {
  let m = 1;
  while (m < v) m = m * 2 + 1;
  return m;
}

export class NumpyRandomState {
  private readonly engine = new MT19937();
  private hasGauss = false;
  private gauss = 0;

  constructor(seed?: number | ArrayLike<number> | null) {
    this.seed(seed);
  }

  /**
   * seed(n) for 0 ≤ n < 2^32: init_genrand(n); seed(array of words): init_by_array; seed(None):
   * fresh entropy. Range checks are the caller's. Drops the cached Gaussian.
   */
  seed(seed?: number | ArrayLike<number> | null): void {
    if (seed === undefined || seed === null) {
      this.engine.initByArray(crypto.getRandomValues(new Uint32Array(4)));
    } else if (typeof seed === "number") {
      this.engine.initGenrand(seed);
    } else {
      this.engine.initByArray(Array.from(seed, (w) => w >>> 0));
    }
    this.hasGauss = false;
    this.gauss = 0;
  }

  getState(): NumpyRandomStateFields {
    return { key: this.engine.mt.slice(), pos: this.engine.index, hasGauss: this.hasGauss ? 1 : 0, cachedGaussian: this.gauss };
  }

  setState(key: ArrayLike<number>, pos: number, hasGauss = 0, cachedGaussian = 0): void {
    if (key.length !== MT_N) throw new RangeError(`state must be ${MT_N} words, got ${key.length}`);
    for (let i = 0; i < MT_N; i++) this.engine.mt[i] = key[i] >>> 0;
    this.engine.index = pos;
    this.hasGauss = hasGauss !== 0;
    this.gauss = cachedGaussian;
  }

  nextU32(): number {
    return this.engine.nextU32();
  }

  /** A double in [0, 1): 27 + 26 bits of two words (the first word's top 27 bits lead). */
  nextDouble(): number {
    const a = this.engine.nextU32() >>> 5, b = this.engine.nextU32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Legacy standard normal: polar Box–Muller; the second value of each pair is served next. */
  nextGauss(): number {
    if (this.hasGauss) {
      this.hasGauss = false;
      const g = this.gauss;
      this.gauss = 0;
      return g;
    }
    let x1: number, x2: number, r2: number;
    do {
      x1 = 2 * this.nextDouble() - 1;
      x2 = 2 * this.nextDouble() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * logCR(r2)) / r2);
    this.gauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  /** random_sample / rand: n doubles in [0, 1). */
  randomSample(n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.nextDouble();
    return out;
  }

  /** uniform: low + (high - low) · u, per element; low/range are scalars or length-n arrays. */
  uniform(low: number | ArrayLike<number>, range: number | ArrayLike<number>, n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const lo = typeof low === "number" ? low : low[i], r = typeof range === "number" ? range : range[i];
      out[i] = lo + r * this.nextDouble();
    }
    return out;
  }

  /** randn / standard_normal / normal: loc + scale · g, per element (scalars or length-n arrays). */
  normal(loc: number | ArrayLike<number>, scale: number | ArrayLike<number>, n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const m = typeof loc === "number" ? loc : loc[i], s = typeof scale === "number" ? scale : scale[i];
      out[i] = m + s * this.nextGauss();
    }
    return out;
  }

  /** A 64-bit word as a bigint: the first 32-bit output is the high half. */
  private nextU64(): bigint {
    const hi = this.engine.nextU32(), lo = this.engine.nextU32();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /**
   * randint: n integers in [low, high) as the legacy masked rejection sampler draws them for
   * `dtype`: 32-bit words masked to the range for 32- and 64-bit types (64-bit words when the range
   * needs more than 32 bits), 16/8/1-bit slices of buffered words for the small types. Bounds are
   * bigints so int64/uint64 limits are exact; values are returned as numbers (exact below 2^53).
   * low/high may be length-n arrays (each element drawn on its own, with a fresh buffer).
   */
  randint(low: bigint | bigint[], high: bigint | bigint[], n: number, dtype: IntDtype = "int64"): Float64Array {
    const out = new Float64Array(n);
    if (typeof low === "bigint" && typeof high === "bigint") {
      this.fillBounded(out, 0, n, low, high - low - 1n, INT_BITS[dtype]);
    } else {
      for (let i = 0; i < n; i++) {
        const lo = typeof low === "bigint" ? low : low[i], hi = typeof high === "bigint" ? high : high[i];
        this.fillBounded(out, i, 1, lo, hi - lo - 1n, INT_BITS[dtype]);
      }
    }
    return out;
  }

  /** out[start .. start+count) = off + a draw in [0, rng], for a dtype of `bits` bits. */
  private fillBounded(out: Float64Array, start: number, count: number, off: bigint, rng: bigint, bits: number): void {
    const end = start + count;
    if (rng === 0n) {
      out.fill(Number(off), start, end);
      return;
    }
    if (rng > 0xffffffffn) {
      // 64-bit words; the full range takes them unmasked
      let mask = 1n;
      while (mask < rng) mask = (mask << 1n) | 1n;
      for (let i = start; i < end; i++) {
        let v: bigint;
        do v = this.nextU64() & mask; while (v > rng);
        out[i] = Number(BigInt.asIntN(64, off + v));
      }
      return;
    }
    const r = Number(rng), o = Number(off), offExact = Number.isSafeInteger(o) && Number.isSafeInteger(o + r);
    const put = (i: number, v: number) => {
      out[i] = offExact ? o + v : Number(BigInt.asIntN(64, off + BigInt(v)));
    };
    if (bits >= 32) {
      const mask = maskFor(r);
      for (let i = start; i < end; i++) {
        let v: number;
        do v = (this.engine.nextU32() & mask) >>> 0; while (v > r);
        put(i, v);
      }
      return;
    }
    // 16-, 8- and 1-bit draws: slices of one 32-bit word, lowest first, then a new word
    const width = bits, perWord = 32 / width, sliceMask = width === 32 ? 0xffffffff : (1 << width) - 1;
    const mask = maskFor(r);
    let buf = 0, left = 0;
    for (let i = start; i < end; i++) {
      let v: number;
      do {
        if (left === 0) {
          buf = this.engine.nextU32();
          left = perWord - 1;
        } else {
          buf >>>= width;
          left--;
        }
        v = buf & sliceMask & mask;
      } while (v > r);
      put(i, v);
    }
  }

  /** A uniform integer in [0, max] by masked rejection (legacy shuffle's random_interval). */
  private interval(max: number): number {
    if (max === 0) return 0;
    if (max <= 0xffffffff) {
      const mask = maskFor(max);
      let v: number;
      do v = (this.engine.nextU32() & mask) >>> 0; while (v > max);
      return v;
    }
    const m = BigInt(max);
    let mask = 1n;
    while (mask < m) mask = (mask << 1n) | 1n;
    let v: bigint;
    do v = this.nextU64() & mask; while (v > m);
    return Number(v);
  }

  /**
   * The order legacy shuffle leaves n items in: for i = n-1 … 1, swap i with interval(i). Returns
   * perm with shuffled[k] = original[perm[k]]; permutation(n) is this array itself.
   */
  permutation(n: number): Float64Array {
    const perm = new Float64Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.interval(i);
      const t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    return perm;
  }

  /**
   * choice's indices into a population of `popSize`: with replacement from p (one uniform each,
   * the first cdf bucket above it) or uniformly (randint); without replacement from p (rounds of
   * uniforms, drawn items' p zeroed, first occurrences kept) or uniformly (a permutation's head).
   * p, when given, is already checked (non-negative, sums to 1 within tolerance, popSize long).
   */
  choice(popSize: number, n: number, replace: boolean, p?: ArrayLike<number> | null): Float64Array {
    if (replace) {
      if (!p) return this.randint(0n, BigInt(popSize), n);
      const cdf = cumulative(p);
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = searchRight(cdf, this.nextDouble());
      return out;
    }
    if (!p) return this.permutation(popSize).slice(0, n);
    const weights = Float64Array.from(p);
    const out = new Float64Array(n);
    let found = 0;
    while (found < n) {
      const u = this.randomSample(n - found);
      for (let k = 0; k < found; k++) weights[out[k]] = 0;
      const cdf = cumulative(weights);
      const seen = new Set<number>();
      for (let k = 0; k < u.length; k++) {
        const idx = searchRight(cdf, u[k]);
        if (!seen.has(idx)) {
          seen.add(idx);
          out[found++] = idx;
        }
      }
    }
    return out;
  }
}

/** Running sums divided by the last one (numpy's cumsum, then cdf /= cdf[-1]). */
function cumulative(p: ArrayLike<number>): Float64Array {
  const cdf = new Float64Array(p.length);
  let s = 0;
  for (let i = 0; i < p.length; i++) cdf[i] = s += p[i];
  const total = cdf[p.length - 1];
  for (let i = 0; i < p.length; i++) cdf[i] /= total;
  return cdf;
}

/** searchsorted(cdf, u, side='right'): the number of entries ≤ u. */
function searchRight(cdf: Float64Array, u: number): number {
  let lo = 0, hi = cdf.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] <= u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** numpy's kahan_sum, which choice uses to check that p sums to 1. */
export function kahanSum(xs: ArrayLike<number>): number {
  if (xs.length === 0) return 0;
  let sum = xs[0], c = 0;
  for (let i = 1; i < xs.length; i++) {
    const y = xs[i] - c, t = sum + y;
    c = (t - sum) - y;
    sum = t;
  }
  return sum;
}
