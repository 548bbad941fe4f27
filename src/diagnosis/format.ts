// Text for the CLI: the sentence printed under a wrong cmp row, and a closing summary line.
import { formatComparison, type Comparison } from "../engine";
import type { Diagnosis } from "./types";

const KIND_LABEL: Record<Diagnosis["kind"], string> = {
  "wrong-shape": "wrong shape",
  "missing-sum": "missing sum",
  "missing-broadcast": "missing broadcast",
  "extra-sum": "extra sum",
  reshape: "shape",
  transposed: "transposed",
  "sign-flipped": "sign flipped",
  scaled: "scaled",
  "one-path": "one path missing",
  "wrong-variable": "wrong variable",
  "missing-chain-factor": "chain rule",
  zeros: "never assigned",
  "non-finite": "NaN/Inf",
  downstream: "downstream",
  unverifiable: "after a shape error",
  unexplained: "wrong",
};

export const kindLabel = (d: Diagnosis): string => KIND_LABEL[d.kind];

/** What formatDiagnosis needs to know about the row (a GradientRow or a firstWrong report). */
export interface RowRole {
  role?: string;
}

/**
 * `  ↳ first wrong gradient · sign flipped: dprobs = −probs.grad everywhere: …` — the line the CLI
 * prints under a cmp row; "" when there is nothing to say (a correct row).
 */
export function formatDiagnosis(d: Diagnosis | null | undefined, row?: RowRole, indent = "  ↳ "): string {
  if (!d) return "";
  const first = row?.role === "first-wrong" ? "first wrong gradient · " : "";
  return `${indent}${first}${kindLabel(d)}: ${d.sentence}`;
}

/**
 * The notebook table with each diagnosis under its row. `rows[i]` must describe `comparisons[i]`
 * (diagnoseRun returns rows in cmp call order).
 */
export function formatDiagnosedTable(
  comparisons: readonly Comparison[],
  rows: readonly ({ diagnosis: Diagnosis | null } & RowRole)[],
): string[] {
  const out: string[] = [];
  comparisons.forEach((c, i) => {
    out.push(formatComparison(c));
    const line = formatDiagnosis(rows[i]?.diagnosis, rows[i]);
    if (line) out.push(line);
  });
  return out;
}

/** `first wrong gradient: dprobs (sign flipped); 25 rows downstream of it` or "" when all are right. */
export function formatDiagnosisSummary(result: { first: string | null; rows: readonly ({ name: string; diagnosis: Diagnosis | null } & RowRole)[] }): string {
  if (!result.first) return "";
  const firstRow = result.rows.find((r) => r.name === result.first && r.role === "first-wrong");
  const downstream = result.rows.filter((r) => r.diagnosis?.kind === "downstream").length;
  const deferred = result.rows.filter((r) => r.diagnosis?.kind === "unverifiable").length;
  const otherWrong = result.rows.filter((r) => r.role === "wrong" && r.diagnosis?.kind !== "unverifiable").length;
  const parts = [`first wrong gradient: d${result.first}${firstRow?.diagnosis ? ` (${kindLabel(firstRow.diagnosis)})` : ""}`];
  if (downstream) parts.push(`${downstream} row${downstream === 1 ? "" : "s"} only inherit${downstream === 1 ? "s" : ""} it`);
  if (deferred) parts.push(`${deferred} can be checked once its shape is fixed`);
  if (otherWrong) parts.push(`${otherWrong} other mistake${otherWrong === 1 ? "" : "s"}`);
  return parts.join("; ");
}
