// Text for the CLI table: the sentence printed under a wrong row.
import type { Diagnosis } from "./types";
import type { WrongGradientReport } from "./firstWrong";

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
  zeros: "never assigned",
  "non-finite": "NaN/Inf",
  downstream: "downstream",
  unverifiable: "after a shape error",
  unexplained: "wrong",
};

export const kindLabel = (d: Diagnosis): string => KIND_LABEL[d.kind];

/**
 * `  ↳ sign flipped: dbnvar = −bnvar.grad everywhere: …` — the line the CLI prints under the cmp row.
 * Pass the row's report from firstWrong to get the "first wrong" / "downstream of" prefix.
 */
export function formatDiagnosis(d: Diagnosis | null | undefined, report?: WrongGradientReport, indent = "  ↳ "): string {
  const role = report?.role === "first-wrong" ? "first wrong gradient · "
    : report?.role === "downstream" ? `downstream of ${report.downstreamOf.join(", ")} · ` : "";
  if (report?.role === "downstream" && (!d || d.kind === "unexplained")) {
    return `${indent}${role}its own step is right; it only inherits the error from ${report.downstreamOf.map((s) => `d${s}`).join(", ")}`;
  }
  if (!d) return role ? `${indent}${role.replace(/ · $/, "")}` : "";
  return `${indent}${role}${kindLabel(d)}: ${d.sentence}`;
}
