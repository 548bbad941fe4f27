import assert from "node:assert/strict";
import { fma32, fma64 } from "../../src/engine/random/float32math";

// fma32/fma64 against exact arithmetic: every double is m·2^e with integer m, so a*b + c is an exact
// BigInt scaled by a power of two; rounding that to 24 or 53 significant bits (ties to even) is
// the one correct answer the hardware instruction gives.

const view = new DataView(new ArrayBuffer(8));
/** x = m · 2^e exactly (finite, nonzero x). */
function decompose(x: number): [bigint, number] {
  view.setFloat64(0, x);
  const hi = view.getUint32(0), lo = view.getUint32(4);
  const exp = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (exp !== 0) m |= 1n << 52n;
  const e = (exp === 0 ? 1 : exp) - 1075;
  return [x < 0 ? -m : m, e];
}

function exactFma(a: number, b: number, c: number, bits: number): number {
  if (a === 0 || b === 0 || c === 0) throw new Error("test inputs are nonzero");
  const [ma, ea] = decompose(a), [mb, eb] = decompose(b), [mc, ec] = decompose(c);
  const ep = ea + eb, e = Math.min(ep, ec);
  let m = (ma * mb << BigInt(ep - e)) + (mc << BigInt(ec - e)); // a*b + c = m · 2^e
  if (m === 0n) return 0;
  const negative = m < 0n;
  if (negative) m = -m;
  const drop = m.toString(2).length - bits;
  let exp = e;
  if (drop > 0) {
    const half = 1n << BigInt(drop - 1), rest = m & ((1n << BigInt(drop)) - 1n);
    m >>= BigInt(drop);
    if (rest > half || (rest === half && (m & 1n) === 1n)) m += 1n;
    exp += drop;
  }
  const v = Number(m) * 2 ** exp;
  return negative ? -v : v;
}

/** Deterministic xorshift so the cases are the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

describe("fma32 and fma64 equal the exactly rounded a*b + c", () => {
  it("fma32 on 20,000 random float32 triples and 2,000 built midpoints", () => {
    const r = rng(1);
    const rnd32 = () => Math.fround((r() - 0.5) * 2 ** Math.floor(r() * 20 - 10)) || 1;
    let checked = 0;
    for (let i = 0; i < 20_000; i++) {
      const a = rnd32(), b = rnd32(), c = rnd32();
      assert.equal(fma32(a, b, c), exactFma(a, b, c, 24), `fma32(${a}, ${b}, ${c})`);
      checked++;
    }
    // a = 1 + t·2^-12 with t odd: a*a = 1 + t·2^-11 + t²·2^-24 sits exactly on a float32 midpoint,
    // and a tiny c decides the side; a plain double sum then rounds twice and ties to even
    let naiveWrong = 0;
    for (let i = 0; i < 2_000; i++) {
      const t = 2 * Math.floor(r() * 1024) + 1;
      const a = 1 + t * 2 ** -12;
      const c = Math.fround((r() < 0.5 ? -1 : 1) * 2 ** -(60 + Math.floor(r() * 30)));
      const want = exactFma(a, a, c, 24);
      assert.equal(fma32(a, a, c), want, `fma32(${a}, ${a}, ${c})`);
      if (Math.fround(a * a + c) !== want) naiveWrong++;
      checked++;
    }
    assert.ok(naiveWrong > 500, `only ${naiveWrong} midpoint cases tell a correct fma from double rounding`);
    assert.ok(checked > 21_000);
  });

  it("fma64 on 20,000 random double triples", () => {
    const r = rng(2);
    const rnd64 = () => ((r() - 0.5) + r() * 2 ** -30) * 2 ** Math.floor(r() * 20 - 10) || 1;
    let unfusedWrong = 0;
    for (let i = 0; i < 20_000; i++) {
      const a = rnd64(), b = rnd64(), c = rnd64();
      const want = exactFma(a, b, c, 53);
      assert.equal(fma64(a, b, c), want, `fma64(${a}, ${b}, ${c})`);
      if (a * b + c !== want) unfusedWrong++;
    }
    assert.ok(unfusedWrong > 1000, `only ${unfusedWrong} cases tell fused from unfused`);
  });
});
