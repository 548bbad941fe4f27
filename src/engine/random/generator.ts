// PLACEHOLDER (issue 3 replaces the internals): the interface below is the contract the tensor
// creation functions use. Streams are NOT yet bit-exact with PyTorch.

export class Generator {
  private seedValue = 67280421310721;
  private state = 0;

  manual_seed(seed: number | bigint): this {
    this.seedValue = Number(BigInt(seed) & 0xffffffffn);
    this.state = this.seedValue >>> 0;
    return this;
  }
  initial_seed(): number {
    return this.seedValue;
  }

  /** One 32-bit output. */
  nextU32(): number {
    // xorshift32 placeholder
    let x = this.state || 0x9e3779b9;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.state = x;
    return x;
  }

  /** torch.rand, float32: n uniforms in [0, 1). */
  uniformFloat32(n: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = (this.nextU32() & 0xffffff) * 2 ** -24;
    return out;
  }
  /** torch.rand, float64. */
  uniformFloat64(n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.nextU32() * 2 ** -32;
    return out;
  }
  /** torch.randn, float32, contiguous, mean 0 std 1. */
  normalFloat32(n: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const u1 = 1 - (this.nextU32() + 0.5) * 2 ** -32, u2 = this.nextU32() * 2 ** -32;
      out[i] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
    return out;
  }
  normalFloat64(n: number): Float64Array {
    return Float64Array.from(this.normalFloat32(n));
  }
  /** torch.randint(low, high, (n,)): integral values in a Float64Array. */
  randint(low: number, high: number, n: number): Float64Array {
    const out = new Float64Array(n);
    const range = high - low;
    for (let i = 0; i < n; i++) out[i] = (this.nextU32() % range) + low;
    return out;
  }
  /**
   * torch.multinomial on one row of (unnormalised, non-negative) probabilities.
   * Returns category indices.
   */
  multinomialRow(probs: ArrayLike<number>, numSamples: number, replacement: boolean): number[] {
    const out: number[] = [];
    const p = Array.from(probs);
    for (let s = 0; s < numSamples; s++) {
      const total = p.reduce((a, b) => a + b, 0);
      let r = (this.nextU32() * 2 ** -32) * total, k = 0;
      while (k < p.length - 1 && r >= p[k]) { r -= p[k]; k++; }
      out.push(k);
      if (!replacement) p[k] = 0;
    }
    return out;
  }
}

export const defaultGenerator = new Generator();
