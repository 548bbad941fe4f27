// A notebook kernel's results as one Trace of the notebook, kept across cell runs: re-running a cell
// replaces that cell's rows (comparisons, output, figures, its error) and keeps the other cells'.
// What the panel, CodeLens and Problems read, as if the notebook had run as a whole. No VS Code here.
import type { Trace } from "../protocol/trace";

const byPlace = (a: { cell?: number; line: number; index: number }, b: { cell?: number; line: number; index: number }) =>
  (a.cell ?? 0) - (b.cell ?? 0) || a.line - b.line || a.index - b.index;

/**
 * The notebook's trace after `cell` ran and produced `run` (its own trace, whose tensors are the whole
 * session's: the kernel reports every binding kept so far). `documentVersion` is the notebook's.
 */
export function mergeCellTrace(acc: Trace | undefined, run: Trace, cell: number, documentVersion?: number): Trace {
  const others = <T extends { cell?: number }>(xs: readonly T[] | undefined): T[] => (xs ?? []).filter((x) => x.cell !== cell);
  const comparisons = [...others(acc?.comparisons), ...run.comparisons.map((c) => ({ ...c, cell }))]
    .sort(byPlace)
    .map((c, index) => ({ ...c, index }));
  const error = run.error ?? (acc?.error?.place?.cell !== cell ? acc?.error : undefined);
  const merged: Trace = {
    ...run,
    documentVersion,
    ranCell: cell,
    comparisons,
    output: [...others(acc?.output), ...run.output.map((o) => ({ ...o, cell }))],
    // a cell without a backward() of its own leaves the graph of the last one that had
    graph: run.graph?.source === "backward" || !acc?.graph ? run.graph : acc.graph,
    series: run.series.length ? run.series : acc?.series ?? [],
    figures: [...others(acc?.figures), ...(run.figures ?? []).map((f) => ({ ...f, cell }))],
    charts: [...others(acc?.charts), ...(run.charts ?? []).map((c) => ({ ...c, cell }))],
    notes: [...new Set([...(acc?.notes ?? []), ...run.notes])],
    nonFinite: run.nonFinite ?? acc?.nonFinite,
    error,
    status: run.status === "ok" && error ? "error" : run.status,
  };
  if (!merged.figures!.length) delete merged.figures;
  if (!merged.charts!.length) delete merged.charts;
  if (!merged.error) delete merged.error;
  return merged;
}
