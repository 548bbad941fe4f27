// The inspector subscriptions of one run (TypeScript or Python): grads kept, the memory cap, the
// backward root, logged series, and the wrong-gradient diagnosis, which writes its fix hints in the
// script's language and fills the trace's failing rows at the end.
import { allocation } from "../engine/dtype";
import { inspector, type InspectorEvents } from "../engine/inspect";
import type { Tensor } from "../engine/tensor";
import { DiagnosisRecorder, attachDiagnoses } from "../diagnosis";
import type { Language } from "../protocol/trace";
import type { RunRecorder } from "./record";
import type { NameInfo } from "./summarize";

export interface RunWatch {
  /** the root of the script's latest backward() */
  readonly root: Tensor | undefined;
  /** Stop watching (the engine is as it was before the run). */
  dispose(): void;
  /** The teacher's sentence on every failing row of `rec`; a failed diagnosis becomes a note, never a failed run. */
  diagnose(): void;
  /** What the watch has seen so far (Python's live re-runs keep one per statement boundary). */
  mark(): WatchMark;
  /** Continue as if this run had seen what the run that made `m` had seen up to it. */
  resume(m: WatchMark): void;
}

/** A watch's state at one point of a run: the recorded arrays are shared, `n…` say how much of them. */
export interface WatchMark {
  root: Tensor | undefined;
  comparisons: DiagnosisRecorder["comparisons"];
  nComparisons: number;
  nonFinite: DiagnosisRecorder["nonFinite"];
  nNonFinite: number;
  graph: DiagnosisRecorder["graph"];
  captureMs: number;
}

/** Start watching a run; `hooks` are the run's own listeners (its cmp rows and first NaN/Inf). */
export function watchRun(
  rec: RunRecorder, names: Map<number, NameInfo>, maxElements: number | undefined, hooks: Partial<InspectorEvents>, language: Language,
): RunWatch {
  let root: Tensor | undefined;
  const cap = allocation.maxElements;
  allocation.maxElements = maxElements;
  const own = inspector.subscribe({
    backward: (r) => { root = r; },
    log: (name, value, step) => rec.log(name, value, step),
    ...hooks,
  }, { retainGrads: true });
  // subscribed after the run's own listeners, so a cmp row is recorded before it is diagnosed
  const diagnosis = new DiagnosisRecorder({
    describe: (t) => { const n = names.get(t.id); return n && { name: n.name, line: n.place.line }; },
    language,
  });
  const diagnosing = diagnosis.watch(inspector);
  return {
    get root() { return root; },
    dispose() {
      diagnosing.dispose();
      own.dispose();
      allocation.maxElements = cap;
    },
    mark() {
      return {
        root, comparisons: diagnosis.comparisons, nComparisons: diagnosis.comparisons.length, nonFinite: diagnosis.nonFinite,
        nNonFinite: diagnosis.nonFinite.length, graph: diagnosis.graph, captureMs: (diagnosis as unknown as { captureMs: number }).captureMs,
      };
    },
    resume(m) {
      root = m.root;
      diagnosis.comparisons.splice(0, Infinity, ...m.comparisons.slice(0, m.nComparisons));
      diagnosis.nonFinite.splice(0, Infinity, ...m.nonFinite.slice(0, m.nNonFinite));
      diagnosis.graph = m.graph;
      (diagnosis as unknown as { captureMs: number }).captureMs = m.captureMs;
    },
    diagnose() {
      try {
        attachDiagnoses(rec.comparisons, diagnosis.diagnose());
      } catch (e) {
        rec.notes.push(`the wrong-gradient diagnosis failed: ${(e as Error).message}`);
      }
    },
  };
}
