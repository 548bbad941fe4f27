// The trace's samples, stats and places as its two readers use them — the editor features
// (src/extension/traceAdapter.ts) and the panel (webview/traceAdapter.ts): numbers decoded from their
// JSON-safe form, lines and columns 0-based as in the VS Code API. Pure; the webview imports it.
import { decodeNumber, type Place, type Sample, type Stats as TraceStats } from "./trace";

/** A 2-D window of a tensor (leading dims flattened), row-major, decoded. */
export interface Grid {
  rows: number;
  cols: number;
  readonly values: number[];
  /** the window shows only the top-left corner of a larger tensor */
  sampled?: boolean;
}

/** A tensor's summary statistics; min…std are null when it has no finite element. */
export interface Stats {
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  /** count of NaN / ±Inf elements */
  nonFinite: number;
  numel: number;
}

/** A sample as a grid, decoded on first read: a trace carries ~200 samples and a view shows a few. */
export function gridOf(s: Sample | undefined): Grid | undefined {
  if (!s || !Array.isArray(s.values) || s.rows <= 0 || s.cols <= 0 || s.values.length !== s.rows * s.cols) return undefined;
  let decoded: number[] | undefined;
  return {
    rows: s.rows, cols: s.cols, ...(s.truncated ? { sampled: true } : {}),
    get values() {
      return (decoded ??= s.values.map(decodeNumber));
    },
  };
}

export function statsOf(s: TraceStats | undefined): Stats | undefined {
  if (!s) return undefined;
  return { min: s.min, max: s.max, mean: s.mean, std: s.std, nonFinite: (s.nanCount ?? 0) + (s.infCount ?? 0), numel: s.numel };
}

/** A 1-based line or column of the trace, 0-based (a missing one reads as the first). */
export const zeroBased = (n: number | undefined): number => Math.max(0, (n ?? 1) - 1);

/** A 0-based place: line and column in the file, or in notebook cell `cell`. */
export interface ZeroBasedPlace {
  line: number;
  column: number;
  cell?: number;
}

/** A trace place, 0-based; undefined when it has no line. */
export function zeroBasedPlace(p: Partial<Place> | undefined): ZeroBasedPlace | undefined {
  if (!p || typeof p.line !== "number" || p.line < 1) return undefined;
  return { line: p.line - 1, column: zeroBased(p.column), ...(p.cell !== undefined ? { cell: p.cell } : {}) };
}
