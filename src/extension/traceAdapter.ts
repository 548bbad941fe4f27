// The runner's Trace (src/protocol/trace.ts: 1-based places, JSON-safe numbers) in the editor's
// terms (model.ts: 0-based lines, plain numbers). Everything the editor features read goes through here.
import { gridOf, statsOf, zeroBased, zeroBasedPlace } from "../protocol/decoded";
import { decodeNumber, type Place, type Trace, type TraceComparison } from "../protocol/trace";
import type { CmpView, EditorPlace, RunOutcome, ScriptErrorView, TensorView } from "./model";

/** The rows a cmp row's verdict comes from; traces from before `causes` carry only the first. */
function causesOf(c: TraceComparison): string[] | undefined {
  const d = c.diagnosis;
  if (d?.causes?.length) return d.causes;
  return d?.downstreamOf ? [d.downstreamOf] : undefined;
}

const ERROR_KIND: Record<string, ScriptErrorView["kind"]> = {
  syntax: "syntax", import: "runtime", runtime: "runtime", shape: "runtime", memory: "runtime", output: "runtime",
  timeout: "timeout", cancelled: "runtime", internal: "internal",
};

const editorPlace = (p: Place): EditorPlace => zeroBasedPlace(p) ?? { line: 0, column: 0 };
/** a comes before b in the run (notebook cells first, then lines) */
const before = (a: Place, b: Place) => (a.cell ?? 0) < (b.cell ?? 0) || ((a.cell ?? 0) === (b.cell ?? 0) && a.line <= b.line);

/**
 * Where the manual gradient of a cmp row was assigned: the runner's place for it, else the latest
 * binding of its name (older traces), or of `dX` for cmp("X", …) when the row has no names (a
 * learner's own cmp in Python), provided that binding comes before the call.
 */
function manualPlaceOf(c: TraceComparison, trace: Trace): EditorPlace | undefined {
  if (c.manualPlace) return editorPlace(c.manualPlace);
  const name = c.manualName ?? `d${c.name}`;
  const bound = trace.tensors.find((t) => t.name === name);
  return bound && before(bound, c) ? editorPlace(bound) : undefined;
}

export function outcomeOf(trace: Trace): RunOutcome {
  const comparisons: CmpView[] = trace.comparisons.map((c) => ({
    name: c.name,
    manualName: c.manualName,
    tensorName: c.tensorName,
    manualPlace: manualPlaceOf(c, trace),
    status: c.status,
    exact: c.exact,
    approximate: c.approximate,
    maxdiff: c.maxdiff,
    manualShape: c.manualShape,
    gradShape: c.gradShape,
    message: c.message,
    diagnosis: c.diagnosis && !c.diagnosis.downstreamOf ? c.diagnosis.sentence : undefined,
    diagnosisKind: c.diagnosis?.kind,
    causes: causesOf(c),
    ...editorPlace(c),
    diff: gridOf(c.diff),
  }));
  const tensors = new Map<string, TensorView>();
  for (const t of trace.tensors) {
    tensors.set(t.name, {
      kind: "tensor", name: t.name, shape: t.shape, dtype: t.dtype, line: zeroBased(t.line),
      stats: statsOf(t.value.stats), gradStats: statsOf(t.grad?.stats), grad: gridOf(t.grad?.sample), pair: t.pair,
    });
  }
  for (const v of trace.values) {
    tensors.set(v.name, {
      kind: "value", name: v.name, shape: [], dtype: "float64", line: zeroBased(v.line),
      data: decodeNumber(v.data), gradValue: decodeNumber(v.grad),
    });
  }
  let error: ScriptErrorView | undefined;
  if (trace.error && trace.error.kind !== "cancelled") {
    const e = trace.error;
    const prefix = e.name && !e.message.startsWith(e.name) ? `${e.name}: ` : "";
    error = {
      message: `${prefix}${e.message}`,
      kind: ERROR_KIND[e.kind] ?? "runtime",
      line: e.place ? zeroBased(e.place.line) : undefined,
      column: e.place ? zeroBased(e.place.column) : undefined,
      cell: e.place?.cell,
    };
  }
  return {
    status: trace.status,
    comparisons,
    tensors,
    error,
    durationMs: trace.timings.totalMs,
    output: trace.output.map((o) => o.text),
  };
}
