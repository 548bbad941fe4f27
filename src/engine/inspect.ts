// Hooks the runner uses to watch a script: user code never sets these.
import type { Comparison } from "./cmp";
import type { Tensor } from "./tensor";

export interface Inspector {
  /** The largest tensor (in elements) an op may allocate; the runner sets it from its memory cap. */
  maxElements?: number;
  /** Every non-leaf tensor keeps its .grad after backward, as if retain_grad() had been called. */
  retainAllGrads: boolean;
  onBackward?: (root: Tensor) => void;
  onComparison?: (c: Comparison, manual: Tensor | null | undefined, t: Tensor | null | undefined) => void;
  /** Called once per op output that first contains NaN/Inf (the runner keeps only the first). */
  onNonFinite?: (t: Tensor, op: string) => void;
  /** A scalar series point logged by the script with `log(name, value, step?)` (loss curves). */
  onLog?: (name: string, value: number, step: number | undefined) => void;
  /** Called for every tensor an op creates (the runner uses it for naming and graphs). */
  onCreate?: (t: Tensor) => void;
}

export const inspector: Inspector = { retainAllGrads: false };

/**
 * Log one point of a scalar series (e.g. the training loss) so the panel can draw its curve. Outside
 * the runner it does nothing, so a script runs unchanged with plain Node.
 */
export function log(name: string, value: number, step?: number): void {
  inspector.onLog?.(name, value, step);
}
