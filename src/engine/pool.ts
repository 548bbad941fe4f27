// Storages handed back when their tensor is provably dead (./lifetime.ts), kept by array type and
// length for allocStorage and allocForOverwrite (./dtype.ts) to reuse: a training step allocates the
// same shapes every step, and V8 collects typed-array backing stores only lazily.
// BPN_POOL=0 turns the pool off; BPN_POOL_POISON=1 fills every storage handed back with NaN, so a
// read through a tensor that should have been dead shows (the unit tests run under it).
type Storage = Float32Array | Float64Array;

const env = typeof process !== "undefined" ? process.env : {};

export const poolConfig = {
  enabled: env.BPN_POOL !== "0",
  poison: env.BPN_POOL_POISON === "1",
  /** smaller storages are cheap for V8 to allocate (and tiny ones live on its heap) */
  minBytes: 256,
  /** one storage larger than this is left to the garbage collector */
  maxBytes: 8 * 2 ** 20,
  /** all pooled storages together */
  capacityBytes: 64 * 2 ** 20,
};

export const poolStats = { given: 0, reused: 0, dropped: 0, bytes: 0 };

const f32 = new Map<number, Float32Array[]>();
const f64 = new Map<number, Float64Array[]>();

/** A storage nothing refers to any more (its tensor is dead): keep it for reuse, or let it go. */
export function giveStorage(s: Storage): void {
  const bytes = s.byteLength;
  if (!poolConfig.enabled || bytes < poolConfig.minBytes || bytes > poolConfig.maxBytes ||
      poolStats.bytes + bytes > poolConfig.capacityBytes) {
    poolStats.dropped++;
    if (poolConfig.poison) s.fill(NaN);
    return;
  }
  if (poolConfig.poison) s.fill(NaN);
  const byLength = (s instanceof Float32Array ? f32 : f64) as Map<number, Storage[]>;
  const list = byLength.get(s.length);
  if (list) list.push(s);
  else byLength.set(s.length, [s]);
  poolStats.given++;
  poolStats.bytes += bytes;
}

/** A pooled storage of `n` elements (its contents are whatever it held), or undefined. */
export function takeStorage(f32Type: boolean, n: number): Storage | undefined {
  if (poolStats.bytes === 0) return undefined;
  const list = (f32Type ? f32 : f64).get(n);
  if (!list || list.length === 0) return undefined;
  const s = list.pop()!;
  poolStats.reused++;
  poolStats.bytes -= s.byteLength;
  return s;
}

/** Forget every pooled storage (tests; the runner between runs). */
export function clearPool(): void {
  f32.clear();
  f64.clear();
  poolStats.bytes = 0;
}
