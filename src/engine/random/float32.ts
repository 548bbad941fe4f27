// Float32 arithmetic helpers for reproducing PyTorch's SIMD kernels bit for bit in JavaScript.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export const fround = Math.fround;

export function bitsOf(x: number): number {
  f32[0] = x;
  return u32[0];
}

export function fromBits(b: number): number {
  u32[0] = b >>> 0;
  return f32[0];
}

/** The float32 neighbour of float32 `x` towards +Inf (up) or -Inf. */
function step(x: number, up: boolean): number {
  if (x === 0) return up ? fromBits(1) : -fromBits(1);
  const b = bitsOf(x);
  return fromBits(x > 0 === up ? b + 1 : b - 1);
}

/**
 * fma(a, b, c) on float32 values, rounded once to float32 like the hardware instruction. a·b is exact
 * in double; the double sum can only mislead float32 rounding when it lands exactly on a midpoint
 * between two float32 values, where the (exact) error of the double addition decides.
 */
export function fma32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = fround(s);
  if (r === s || !Number.isFinite(s)) return r;
  const other = step(r, s > r);
  if ((r + other) / 2 !== s) return r;
  const bv = s - p;
  const err = (p - (s - bv)) + (c - bv);
  if (err === 0) return r;
  return err > 0 ? Math.max(r, other) : Math.min(r, other);
}
