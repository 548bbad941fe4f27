// The memory cap of a run as a whole. Tensor storage lives in array buffers, which the worker's heap
// limit (resourceLimits) does not count: the engine calls this check as storage is allocated, and it
// counts the worker's heap and array buffers together (both are per worker in Node).

/** backpropNinja.memoryCap's default: what a run (or a notebook kernel's session) may hold, MB. */
export const DEFAULT_MEMORY_MB = 2048;

/** A run's memory went over its cap: its globals hold too much (a notebook kernel restarts on it). */
export class MemoryCapError extends RangeError {
  override name = "MemoryError";
}

/** A check for `allocation.checkMemory`; `collect` (a full GC) runs first when the count is over. */
export function memoryCheck(capMb: number, collect?: () => void): () => void {
  const cap = capMb * 2 ** 20;
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  return () => {
    if (used() <= cap) return;
    collect?.(); // tensors that are garbage but not yet collected do not count
    const now = used();
    if (now <= cap) return;
    throw new MemoryCapError(`tensor allocation went over the ${capMb} MB memory cap: the run holds ${Math.round(now / 2 ** 20)} MB`);
  };
}
