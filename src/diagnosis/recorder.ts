// DiagnosisRecorder: collects what diagnoseRun needs while a script runs, from the inspector's
// events. The runner lets it watch, then asks for the result:
//
//   const rec = new DiagnosisRecorder({ describe: (t) => names.get(t) });   // names from the runner
//   const watching = rec.watch(inspector);
//   … run the script …; watching.dispose();
//   const result = rec.diagnose();        // RunDiagnosis: rows aligned with the cmp calls
//   for (row of result.rows) print(formatComparison(c)); print(formatDiagnosis(row.diagnosis, row))
import type { Comparison } from "../engine";
import { Tensor } from "../engine";
import type { Inspector, Subscription } from "../engine/inspect";
import { captureGraph, type CapturedGraph } from "./graph";
import type { Language } from "../protocol/trace";
import { diagnoseRun, type Describe, type NonFiniteEvent, type RecordedComparison, type RunDiagnosis } from "./run";
import type { ArrayTensor } from "./types";

function snapshot(t: Tensor, shape: number[] = t.shape): ArrayTensor & { dtype: string } {
  return { shape, data: t.toArray(), dtype: t.dtype };
}

/** Collects what diagnoseRun needs while a script runs, from the inspector's events (watch()). */
export class DiagnosisRecorder {
  readonly comparisons: RecordedComparison[] = [];
  readonly nonFinite: NonFiniteEvent[] = [];
  graph: CapturedGraph | null = null;
  constructor(private readonly opts: { describe?: Describe; n?: number; maxNonFinite?: number; captureBudgetMs?: number; language?: Language } = {}) {}

  /** time spent capturing graphs while no cmp had run yet (training loops without cmp) */
  private captureMs = 0;

  /**
   * Keep the graph of this backward. A script that has compared gradients is always captured; one
   * that has not (a training loop) is captured until 100 ms have gone into it, so long runs do not
   * pay for a diagnosis they may never ask for. (Capturing costs ~1.6 µs per node here.)
   */
  onBackward(root: Tensor): void {
    if (this.comparisons.length === 0 && this.captureMs > (this.opts.captureBudgetMs ?? 100)) {
      this.graph = null;
      return;
    }
    const t0 = performance.now();
    this.graph = captureGraph(root);
    if (this.comparisons.length === 0) this.captureMs += performance.now() - t0;
  }
  onComparison(c: Comparison, manual: Tensor | null | undefined, t: Tensor | null | undefined): void {
    // a value verdict on shapes that differ only by size-1 dims ([64] vs [1, 64]) pairs the elements
    // in flat order: the diagnosis reads the manual gradient in the gradient's shape, as cmp did
    const valued = c.status === "exact" || c.status === "approximate" || c.status === "wrong";
    this.comparisons.push({
      comparison: c,
      tensor: t ?? undefined,
      manualTensor: manual ?? undefined,
      manual: manual instanceof Tensor ? snapshot(manual, valued && t?.grad ? t.grad.shape : manual.shape) : undefined,
      grad: t?.grad ? snapshot(t.grad) : undefined,
    });
  }
  onNonFinite(t: Tensor, op: string): void {
    if (this.nonFinite.length < (this.opts.maxNonFinite ?? 1000)) this.nonFinite.push({ tensor: t, op });
  }
  /** Record the events of `inspector` until the subscription is disposed. */
  watch(inspector: Inspector): Subscription {
    return inspector.subscribe({
      backward: (root) => this.onBackward(root),
      comparison: (c, manual, t) => this.onComparison(c, manual, t),
      nonFinite: (t, op) => this.onNonFinite(t, op),
    });
  }
  diagnose(): RunDiagnosis {
    return diagnoseRun({ comparisons: this.comparisons, graph: this.graph, describe: this.opts.describe, nonFinite: this.nonFinite, n: this.opts.n, language: this.opts.language });
  }
}
