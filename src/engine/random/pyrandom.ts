// CPython's `random` module (Mersenne Twister MT19937 with CPython's seeding), bit for bit, so
// `random.seed(42); random.shuffle(words)` splits the dataset exactly like the notebook does.

import { MT19937 } from "./mt19937";

export class PyRandom {
  private readonly engine = new MT19937();

  constructor(seed: number | bigint = 0) {
    this.seed(seed);
  }

  /** random.seed(n) for an int n: the absolute value's 32-bit words, least significant first. */
  seed(n: number | bigint): void {
    let v = BigInt(n);
    if (v < 0n) v = -v;
    const key: number[] = [];
    do {
      key.push(Number(v & 0xffffffffn));
      v >>= 32n;
    } while (v > 0n);
    this.engine.initByArray(key);
  }

  /** One tempered 32-bit output. */
  genrandUint32(): number {
    return this.engine.nextU32();
  }

  /** random.random(): 53 random bits as a float in [0, 1). */
  random(): number {
    const a = this.genrandUint32() >>> 5, b = this.genrandUint32() >>> 6;
    return (a * 67108864 + b) * (1 / 9007199254740992);
  }

  /** random.getrandbits(k) as a bigint (exact for any k). */
  getrandbits(k: number): bigint {
    if (!Number.isInteger(k) || k < 0) throw new RangeError("number of bits must be non-negative");
    if (k <= 32) return k === 0 ? 0n : BigInt(this.genrandUint32() >>> (32 - k));
    let result = 0n;
    for (let shift = 0n, left = k; left > 0; shift += 32n, left -= 32) {
      let r = this.genrandUint32();
      if (left < 32) r >>>= 32 - left;
      result |= BigInt(r) << shift;
    }
    return result;
  }

  /** A uniform integer in [0, n): getrandbits(n.bit_length()) with rejection, like CPython. */
  randbelow(n: number): number {
    if (n <= 0) return 0;
    const k = n.toString(2).length; // n.bit_length()
    let r = this.bits(k);
    while (r >= n) r = this.bits(k);
    return r;
  }

  /** getrandbits for k ≤ 53 as a number. */
  private bits(k: number): number {
    return k <= 32 ? (k === 0 ? 0 : this.genrandUint32() >>> (32 - k)) : Number(this.getrandbits(k));
  }

  randrange(start: number, stop?: number, step = 1): number {
    if (stop === undefined) {
      if (start <= 0) throw new RangeError("empty range for randrange()");
      return this.randbelow(start);
    }
    const width = stop - start;
    if (step === 1) {
      if (width <= 0) throw new RangeError(`empty range for randrange() (${start}, ${stop}, ${width})`);
      return start + this.randbelow(width);
    }
    if (step === 0) throw new RangeError("zero step for randrange()");
    const n = step > 0 ? Math.floor((width + step - 1) / step) : Math.floor((width + step + 1) / step);
    if (n <= 0) throw new RangeError("empty range for randrange()");
    return start + step * this.randbelow(n);
  }

  randint(a: number, b: number): number {
    return this.randrange(a, b + 1);
  }

  choice<T>(seq: ArrayLike<T>): T {
    if (!seq.length) throw new RangeError("Cannot choose from an empty sequence");
    return seq[this.randbelow(seq.length)];
  }

  /** random.shuffle(x): Fisher–Yates from the end, in place. */
  shuffle<T>(x: T[]): void {
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.randbelow(i + 1);
      [x[i], x[j]] = [x[j], x[i]];
    }
  }
}
