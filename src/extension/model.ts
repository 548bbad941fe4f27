// What the editor features need from a run, in editor terms (0-based lines): the verdict of every
// cmp call, the tensors bound to names, and the script error. Built from the runner's Trace by
// ./traceAdapter.ts, so hovers, CodeLens, Problems and the status bar never depend on its layout.
import type { Comparison, ComparisonStatus } from "../engine/cmp";
import type { Grid, Stats, ZeroBasedPlace } from "../protocol/decoded";

export type { ComparisonStatus, Grid, Stats };

/** A 0-based place in the file run; `cell` is the notebook cell index (lines then count in the cell). */
export type EditorPlace = ZeroBasedPlace;

/** A cmp row: the engine's verdict (name, status, exact, maxdiff, shapes, message) and where it ran. */
export interface CmpView extends Omit<Comparison, "manualId" | "tensorId"> {
  /** variable names passed as the manual gradient and as the tensor, when bound */
  manualName?: string;
  tensorName?: string;
  /** where the manual gradient was assigned before the call, when known */
  manualPlace?: EditorPlace;
  /** one sentence on how it probably went wrong (wrong gradients that are not only downstream) */
  diagnosis?: string;
  /** the diagnosis kind, e.g. "sign-flipped", "downstream", "unverifiable" */
  diagnosisKind?: string;
  /**
   * names of the earlier wrong gradients this row's verdict comes from (it only inherits their
   * error, or cannot be checked before they are fixed); absent for a row with its own mistake
   */
  causes?: string[];
  /** 0-based line and column of the cmp call in the file run (in its cell, for a notebook) */
  line: number;
  column: number;
  cell?: number;
  /** manual − autograd, when the trace has it (`sampled`: only the top-left corner of the tensor) */
  diff?: Grid;
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
  /** notebook cell index of the place */
  cell?: number;
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

/** The verdict after the name, as CodeLens and Problems write it: "wrong, maxdiff 0.012". */
export function verdictPhrase(c: Pick<CmpView, "status" | "maxdiff" | "manualShape" | "gradShape">): string {
  switch (c.status) {
    case "exact":
      return "exact";
    case "approximate":
      return `approximate, maxdiff ${fmtNum(c.maxdiff)}`;
    case "wrong":
      return `wrong, maxdiff ${fmtNum(c.maxdiff)}`;
    case "shape-mismatch":
      return `shape mismatch, manual ${fmtShape(c.manualShape)} vs grad ${fmtShape(c.gradShape)}`;
    case "no-grad":
      return "no autograd gradient";
    case "not-written":
      return "not written yet";
  }
}

export const VERDICT_MARK: Record<ComparisonStatus, string> = {
  exact: "✓", approximate: "≈", wrong: "✗", "shape-mismatch": "✗", "no-grad": "⚠", "not-written": "○",
};

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
