// What the editor features need from a run, in editor terms (0-based lines): the verdict of every
// cmp call, the tensors bound to names, and the script error. Built from the runner's Trace by
// ./traceAdapter.ts, so hovers, CodeLens, Problems and the status bar never depend on its layout.
import type { ComparisonStatus } from "../engine/cmp";

export type { ComparisonStatus };

export interface Stats {
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  /** count of NaN / ±Inf elements */
  nonFinite: number;
  numel: number;
}

/** A small 2-D sample (row-major) for heatmaps in hovers. */
export interface Grid {
  rows: number;
  cols: number;
  values: ArrayLike<number>;
}

export interface CmpView {
  name: string;
  /** variable names passed as the manual gradient and as the tensor, when bound */
  manualName?: string;
  tensorName?: string;
  /** one sentence on how it probably went wrong (wrong gradients only) */
  diagnosis?: string;
  status: ComparisonStatus;
  exact: boolean;
  approximate: boolean;
  maxdiff: number | null;
  manualShape: number[] | null;
  gradShape: number[] | null;
  message?: string;
  /** 0-based line and column of the cmp call in the file run */
  line: number;
  column: number;
  /** manual − autograd, when the trace has it */
  diff?: Grid;
  /** true when the grid shows only the top-left corner of the tensor */
  diffTruncated?: boolean;
}

export interface TensorView {
  /** the identifier it is bound to in the script */
  name: string;
  shape: number[];
  dtype: string;
  /** 0-based line of the binding */
  line: number;
  stats?: Stats;
  gradStats?: Stats;
  grad?: Grid;
  /** "Value" for micrograd scalars */
  kind: "tensor" | "value";
  /** "dlogits" for "logits" and the reverse */
  pair?: string;
  /** for Values: data and grad */
  data?: number;
  gradValue?: number;
}

export interface ScriptErrorView {
  message: string;
  /** 0-based; undefined when the error has no place in the file */
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  kind: "syntax" | "runtime" | "timeout" | "internal";
}

export interface RunOutcome {
  status: "ok" | "error" | "cancelled";
  comparisons: CmpView[];
  /** by identifier; when a name is bound twice, the last binding */
  tensors: Map<string, TensorView>;
  error?: ScriptErrorView;
  durationMs: number;
  /** lines the script printed */
  output: string[];
}

export interface Verdict {
  exact: number;
  approximate: number;
  wrong: number;
  other: number;
  total: number;
}

export function verdictOf(comparisons: readonly CmpView[]): Verdict {
  const v: Verdict = { exact: 0, approximate: 0, wrong: 0, other: 0, total: comparisons.length };
  for (const c of comparisons) {
    if (c.status === "exact") v.exact++;
    else if (c.status === "approximate") v.approximate++;
    else if (c.status === "wrong" || c.status === "shape-mismatch") v.wrong++;
    else v.other++;
  }
  return v;
}

/** "24/26 exact · 1 approximate · 1 wrong" */
export function describeVerdict(v: Verdict): string {
  const parts = [`${v.exact}/${v.total} exact`];
  if (v.approximate) parts.push(`${v.approximate} approximate`);
  if (v.wrong) parts.push(`${v.wrong} wrong`);
  if (v.other) parts.push(`${v.other} unchecked`);
  return parts.join(" · ");
}

export function fmtShape(shape: readonly number[] | null | undefined): string {
  return shape ? `[${shape.join(", ")}]` : "?";
}

/** Short number for UI: 0, 3.1e-09, 0.0123, 12.5 */
export function fmtNum(x: number | null | undefined): string {
  if (x === null || x === undefined) return "nan";
  if (x === 0) return "0";
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a < 1e-3 || a >= 1e5) return x.toExponential(2).replace("e-0", "e-").replace("e+0", "e+");
  return Number(x.toPrecision(4)).toString();
}
