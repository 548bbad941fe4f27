// dtypes and their storage. float32 lives in a Float32Array so every store rounds like PyTorch's
// float; the other dtypes use Float64Array (int64 values are integral doubles, exact to 2^53).
export type DType = "float32" | "float64" | "int64" | "bool";
export type Storage = Float32Array | Float64Array;

/** While set (during a backward pass), every storage allocStorage returns is added to it. */
let allocated: WeakSet<Storage> | null = null;
/** Start (or stop, with null) collecting new storages; returns the previous collector. */
export function collectAllocations(into: WeakSet<Storage> | null): WeakSet<Storage> | null {
  const prev = allocated;
  allocated = into;
  return prev;
}

/**
 * How big a tensor may get: the runner sets `maxElements` (elements) from its memory cap for a run,
 * and `checkMemory`, called after every MEMORY_CHECK_BYTES of new storage, which throws when all of
 * the run's memory together is over the cap (many tensors, each under maxElements).
 */
export const allocation: { maxElements?: number; checkMemory?: () => void } = {};

const MEMORY_CHECK_BYTES = 32 * 2 ** 20;
let sinceMemoryCheck = 0;

function checkCap(dtype: DType, n: number): void {
  const cap = allocation.maxElements;
  const bytes = n * (dtype === "float32" ? 4 : 8);
  if (cap !== undefined && n > cap) {
    throw new RangeError(`Array buffer allocation failed: a tensor of ${n} elements (${(bytes / 2 ** 30).toFixed(1)} GB) is larger than this run's memory cap allows (${cap} elements)`);
  }
  const check = allocation.checkMemory;
  if (check && (sinceMemoryCheck += bytes) >= MEMORY_CHECK_BYTES) {
    sinceMemoryCheck = 0;
    check();
  }
}

export function allocStorage(dtype: DType, n: number): Storage {
  const reused = reuse(dtype, n);
  const s = reused ? reused.fill(0) : fresh(dtype, n);
  if (allocated) allocated.add(s);
  return s;
}

function fresh(dtype: DType, n: number): Storage {
  checkCap(dtype, n);
  return dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
}

/**
 * Float storages nothing refers to any more, by length, for the next allocation of that size: the
 * backward pass hands back the gradients it allocated and used up (autograd.ts). Creating a fresh
 * typed array costs more than a small kernel, and its backing store is freed only by a later GC.
 */
const POOL_BYTES = 64 * 2 ** 20;
/** Below this many elements V8 keeps a typed array on its own heap, where a fresh one is as cheap. */
const POOLED_FROM = 16;
const spare = { float32: new Map<number, Storage[]>(), float64: new Map<number, Storage[]>() };
let spareBytes = 0;
/** Tests turn the pool off to compare, and read how often it served an allocation. */
export const storagePool = { enabled: true, reused: 0 };
function reuse(dtype: DType, n: number): Storage | undefined {
  const s = dtype === "float32" || dtype === "float64" ? spare[dtype].get(n)?.pop() : undefined;
  if (s) {
    spareBytes -= s.byteLength;
    storagePool.reused++;
  }
  return s;
}
/** Hands back a storage no tensor, view or closure uses any more (the caller must know). */
export function releaseStorage(s: Storage): void {
  if (!storagePool.enabled || s.length < POOLED_FROM || spareBytes + s.byteLength > POOL_BYTES) return;
  const bySize = s instanceof Float32Array ? spare.float32 : spare.float64;
  const list = bySize.get(s.length);
  if (list) list.push(s);
  else bySize.set(s.length, [s]);
  spareBytes += s.byteLength;
}

/** Tests set `poison` to fill what allocForOverwrite returns with NaN, so an element a kernel leaves unwritten shows. */
export const overwriteCheck = { poison: false };
const UNINITIALIZED_FROM = 2048; // elements; below this a zeroed typed array is as cheap (V8 keeps tiny ones on its heap)

/**
 * Storage for a kernel that writes every element before anything reads one: its initial contents
 * are unspecified (a reused storage is not cleared). In Node a large fresh one skips the zero fill
 * (Buffer.allocUnsafeSlow, its own ArrayBuffer).
 */
export function allocForOverwrite(dtype: DType, n: number): Storage {
  const s = reuse(dtype, n) ?? (n < UNINITIALIZED_FROM || typeof Buffer === "undefined" ? fresh(dtype, n) : uninitialized(dtype, n));
  if (overwriteCheck.poison) s.fill(NaN);
  if (allocated) allocated.add(s);
  return s;
}

function uninitialized(dtype: DType, n: number): Storage {
  checkCap(dtype, n);
  const f32 = dtype === "float32";
  const bytes = Buffer.allocUnsafeSlow(n * (f32 ? 4 : 8));
  return f32 ? new Float32Array(bytes.buffer, bytes.byteOffset, n) : new Float64Array(bytes.buffer, bytes.byteOffset, n);
}

/**
 * Two arrays of the same type hold the same bytes (so NaN payloads and the sign of zero count):
 * memcmp through Node's Buffer where there is one, else word by word.
 */
export function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  if (a.byteLength !== b.byteLength || a.constructor !== b.constructor) return false;
  if (typeof Buffer !== "undefined") {
    return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  }
  const whole = a.byteLength % 4 === 0 && a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0;
  const x = whole ? new Int32Array(a.buffer, a.byteOffset, a.byteLength / 4) : new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = whole ? new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

export const isFloating = (d: DType): boolean => d === "float32" || d === "float64";

const RANK: Record<DType, number> = { bool: 0, int64: 1, float32: 2, float64: 3 };

/** torch.promote_types for the dtypes we support. */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/** The dtype a Python number takes when combined with a tensor of dtype `t` (a "wrapped number"). */
export function scalarDType(t: DType, s: number | boolean): DType {
  if (typeof s === "boolean") return t;
  if (isFloating(t)) return t;
  if (Number.isInteger(s)) return t === "bool" ? "int64" : t;
  return "float32";
}

/** Convert a JS number to what a tensor of `dtype` stores. */
export function castValue(dtype: DType, v: number): number {
  switch (dtype) {
    case "float32": return Math.fround(v);
    case "float64": return v;
    case "int64": return Number.isFinite(v) ? Math.trunc(v) : v;
    case "bool": return v !== 0 ? 1 : 0;
  }
}

/** torch's name for a dtype, used in reprs and messages: torch.float32 → "Float". */
export const DTYPE_LABEL: Record<DType, string> = { float32: "Float", float64: "Double", int64: "Long", bool: "Bool" };
