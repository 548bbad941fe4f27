// The Mersenne Twister MT19937 (Matsumoto & Nishimura): state, both standard seedings and the
// tempered 32-bit output. torch's Generator, CPython's random (PyRandom) and numpy's legacy
// RandomState (NumpyRandomState) all run on it and differ only in how they seed and transform.

export const MT_N = 624;
const M = 397;

export class MT19937 {
  readonly mt = new Uint32Array(MT_N);
  /** next word of `mt` to temper; MT_N means a twist is due */
  index = MT_N;

  /** init_genrand(s): the reference seeding from one 32-bit word (torch, numpy's seed(int)). */
  initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < MT_N; i++) mt[i] = (Math.imul(1812433253, mt[i - 1] ^ (mt[i - 1] >>> 30)) + i) >>> 0;
    this.index = MT_N;
  }

  /** init_by_array(key): the reference seeding from 32-bit words (CPython, numpy's seed(array)). */
  initByArray(key: ArrayLike<number>): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1, j = 0;
    for (let k = Math.max(MT_N, key.length); k > 0; k--) {
      mt[i] = ((mt[i] ^ Math.imul(mt[i - 1] ^ (mt[i - 1] >>> 30), 1664525)) + key[j] + j) >>> 0;
      i++;
      j++;
      if (i >= MT_N) { mt[0] = mt[MT_N - 1]; i = 1; }
      if (j >= key.length) j = 0;
    }
    for (let k = MT_N - 1; k > 0; k--) {
      mt[i] = ((mt[i] ^ Math.imul(mt[i - 1] ^ (mt[i - 1] >>> 30), 1566083941)) - i) >>> 0;
      i++;
      if (i >= MT_N) { mt[0] = mt[MT_N - 1]; i = 1; }
    }
    mt[0] = 0x80000000;
    this.index = MT_N;
  }

  private twist(): void {
    const mt = this.mt;
    for (let k = 0; k < MT_N; k++) {
      const y = (mt[k] & 0x80000000) | (mt[k + 1 < MT_N ? k + 1 : 0] & 0x7fffffff);
      const src = k + M < MT_N ? k + M : k + M - MT_N;
      mt[k] = mt[src] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.index = 0;
  }

  /** One tempered 32-bit output, as an unsigned number. */
  nextU32(): number {
    if (this.index >= MT_N) this.twist();
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }
}
