// torch.Generator for the CPU, bit for bit with PyTorch 1.13 on x86 (AVX2): the mt19937 engine,
// its uniform/integer transformations, the AVX2 normal_fill path for float32 tensors of ≥ 16
// elements, the scalar Box–Muller path with its cached second sample for smaller tensors, and
// multinomial as a build without MKL (Debian's python3-torch) draws it.
// See ../shared/notes/pytorch-rng.md for the algorithms.

import { fma32, fma64, log32, sincos32, sincosOut } from "./float32math";
import { logCR, sinCosCR, sinCosCROut } from "./libm";
import { MT19937 } from "./mt19937";

/** The seed every new CPU generator starts from (c10's default_rng_seed_val). */
export const DEFAULT_SEED = 67280421310721n;
const f = Math.fround;
const TWO_PI_F32 = f(2 * Math.PI);
const TWO_POW_M24 = 2 ** -24;
const TWO_POW_M53 = 2 ** -53;

export type FloatDtype = "float32" | "float64";

export class Generator {
  private readonly engine = new MT19937();
  private seedValue = DEFAULT_SEED;
  /** Second Box–Muller sample kept by the scalar path (next_double_normal_sample). */
  private cachedNormal: number | null = null;

  constructor() {
    this.manual_seed(DEFAULT_SEED);
  }

  /** Seeds the engine with the low 32 bits of the seed (as mt19937 does) and drops cached normals. */
  manual_seed(seed: number | bigint): this {
    const s = BigInt.asUintN(64, BigInt(seed));
    this.seedValue = s;
    this.engine.initGenrand(Number(s & 0xffffffffn));
    this.cachedNormal = null;
    return this;
  }
  /** The seed as given to manual_seed (as an unsigned 64-bit value; inexact above 2^53). */
  initial_seed(): number {
    return Number(this.seedValue);
  }
  /** initial_seed() exactly, for seeds above 2^53. */
  initialSeedBigInt(): bigint {
    return this.seedValue;
  }

  /** One 32-bit output (torch's generator->random()). */
  nextU32(): number {
    return this.engine.nextU32();
  }

  /** A float32 uniform in [0, 1): the low 24 bits of one output. */
  private nextFloat24(): number {
    return (this.nextU32() & 0xffffff) * TWO_POW_M24;
  }
  /** A float64 uniform in [0, 1): the low 53 bits of random64() = (first << 32) | second. */
  private nextDouble53(): number {
    const hi = this.nextU32() & 0x1fffff, lo = this.nextU32();
    return (hi * 4294967296 + lo) * TWO_POW_M53;
  }

  /** torch.rand, float32: n uniforms in [0, 1). */
  uniformFloat32(n: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.nextFloat24();
    return out;
  }
  /** torch.rand, float64. */
  uniformFloat64(n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.nextDouble53();
    return out;
  }

  /** torch.randn / normal_(mean, std), float32, contiguous. */
  normalFloat32(n: number, mean = 0, std = 1): Float32Array {
    const out = new Float32Array(n);
    if (n >= 16) this.normalFillAvx2(out, f(mean), f(std));
    else for (let i = 0; i < n; i++) out[i] = this.scalarNormal(mean, std);
    return out;
  }
  /** torch.randn / normal_(mean, std), float64, contiguous (scalar normal_fill in double for ≥ 16). */
  normalFloat64(n: number, mean = 0, std = 1): Float64Array {
    const out = new Float64Array(n);
    if (n >= 16) this.normalFillDouble(out, mean, std);
    else for (let i = 0; i < n; i++) out[i] = this.scalarNormal(mean, std);
    return out;
  }

  /**
   * normal_fill: uniforms into every slot, Box–Muller on each block of 16 (slot j with j + 8),
   * and for a ragged end 16 fresh uniforms over the last 16 slots, transformed as one more block.
   */
  private normalFillAvx2(d: Float32Array, mean: number, std: number): void {
    const n = d.length;
    for (let i = 0; i < n; i++) d[i] = this.nextFloat24();
    for (let i = 0; i + 16 <= n; i += 16) normal16Avx2(d, i, mean, std);
    if (n % 16 !== 0) {
      for (let i = n - 16; i < n; i++) d[i] = this.nextFloat24();
      normal16Avx2(d, n - 16, mean, std);
    }
  }
  private normalFillDouble(d: Float64Array, mean: number, std: number): void {
    const n = d.length;
    for (let i = 0; i < n; i++) d[i] = this.nextDouble53();
    for (let i = 0; i + 16 <= n; i += 16) normal16Double(d, i, mean, std);
    if (n % 16 !== 0) {
      for (let i = n - 16; i < n; i++) d[i] = this.nextDouble53();
      normal16Double(d, n - 16, mean, std);
    }
  }

  /**
   * at::normal_distribution<double>: one sample, using (and refilling) the cached second sample.
   * z * std + mean is one fused multiply-add in the AVX2 build (checked against torch with std 0.3).
   */
  private scalarNormal(mean: number, std: number): number {
    if (this.cachedNormal !== null) {
      const z = this.cachedNormal;
      this.cachedNormal = null;
      return fma64(z, std, mean);
    }
    const u1 = this.nextDouble53(), u2 = this.nextDouble53();
    const r = Math.sqrt(-2 * logCR(1 - u2)); // log1p(-u2): 1 - u2 is exact for a 53-bit uniform
    sinCosCR(2 * Math.PI * u1);
    this.cachedNormal = r * sinCosCROut.sin;
    return fma64(r * sinCosCROut.cos, std, mean);
  }

  /** torch.randint(low, high, (n,)): value = draw % (high - low) + low, in a Float64Array. */
  randint(low: number, high: number, n: number): Float64Array {
    const out = new Float64Array(n);
    const range = high - low;
    if (range < 4294967296) {
      for (let i = 0; i < n; i++) out[i] = (this.nextU32() % range) + low;
    } else {
      const r = BigInt(range);
      for (let i = 0; i < n; i++) {
        const hi = BigInt(this.nextU32()), lo = BigInt(this.nextU32());
        out[i] = Number(((hi << 32n) | lo) % r) + low;
      }
    }
    return out;
  }

  /** exponential_(1) as float32: (float)(-log(1 - u)) with u a float64 uniform. */
  private exponentialFloat32(): number {
    return f(-logCR(1 - this.nextDouble53()));
  }

  /**
   * torch.multinomial on one row of (unnormalised, non-negative) probabilities; category indices.
   * Without replacement: argmax / top-k of p / q with q ~ Exp(1) per category, in the row's dtype.
   * With replacement (1.13 takes this path for num_samples = 1 too): the normalised cumulative sums
   * in the row's dtype, one float64 uniform per sample and a binary search for the first bucket
   * whose cumulative value is ≥ the uniform. `dtype` is the probabilities' dtype.
   */
  multinomialRow(probs: ArrayLike<number>, numSamples: number, replacement: boolean, dtype: FloatDtype = "float32"): number[] {
    const k = probs.length;
    const round = dtype === "float32" ? f : (x: number) => x;
    if (!replacement) {
      const keys = new Float64Array(k);
      for (let j = 0; j < k; j++) {
        const q = dtype === "float32" ? this.exponentialFloat32() : -logCR(1 - this.nextDouble53());
        keys[j] = round(probs[j] / q);
      }
      if (numSamples === 1) {
        let best = 0;
        for (let j = 1; j < k; j++) if (keys[j] > keys[best]) best = j;
        return [best];
      }
      const order = Array.from({ length: k }, (_, j) => j);
      order.sort((a, b) => keys[b] - keys[a] || a - b);
      return order.slice(0, numSamples);
    }
    const cum = new Float64Array(k);
    let sum = 0;
    for (let j = 0; j < k; j++) {
      sum = round(sum + probs[j]);
      cum[j] = sum;
    }
    for (let j = 0; j < k; j++) cum[j] = round(cum[j] / sum);
    cum[k - 1] = 1;
    const out: number[] = [];
    for (let s = 0; s < numSamples; s++) {
      const u = this.nextDouble53();
      let left = 0, right = k;
      while (right - left > 0) {
        const mid = left + ((right - left) >> 1);
        if (cum[mid] < u) left = mid + 1;
        else right = mid;
      }
      out.push(left);
    }
    return out;
  }
}

/** normal_fill_16_AVX2 on d[i .. i+16): two float32 lanes of 8, as the vector code computes them. */
function normal16Avx2(d: Float32Array, i: number, mean: number, std: number): void {
  for (let j = i; j < i + 8; j++) {
    const u1 = f(1 - d[j]), u2 = d[j + 8];
    const radius = f(Math.sqrt(f(-2 * log32(u1))));
    sincos32(f(TWO_PI_F32 * u2));
    d[j] = fma32(f(radius * sincosOut.cos), std, mean);
    d[j + 8] = fma32(f(radius * sincosOut.sin), std, mean);
  }
}

/**
 * normal_fill_16<double>: the same transform in double with glibc's log/cos/sin, for which the
 * correctly rounded values stand in (glibc differs from them in ~0.15% of calls).
 */
function normal16Double(d: Float64Array, i: number, mean: number, std: number): void {
  for (let j = i; j < i + 8; j++) {
    const u1 = 1 - d[j], u2 = d[j + 8];
    const radius = Math.sqrt(-2 * logCR(u1));
    sinCosCR(2 * Math.PI * u2);
    d[j] = fma64(radius * sinCosCROut.cos, std, mean);
    d[j + 8] = fma64(radius * sinCosCROut.sin, std, mean);
  }
}

export const defaultGenerator = new Generator();
