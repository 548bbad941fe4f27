// From a RunDiagnosis to the trace protocol's DiagnosisInfo on each cmp row (src/protocol/trace.ts).
import type { DiagnosisInfo, TraceComparison } from "../protocol/trace";
import { formatDiagnosis } from "./format";
import type { GradientRow, RunDiagnosis } from "./run";

/** The trace's view of one row's diagnosis; undefined for a correct (or unchecked) row. */
export function toDiagnosisInfo(row: GradientRow): DiagnosisInfo | undefined {
  const d = row.diagnosis;
  if (!d) return undefined;
  return {
    kind: d.kind,
    // the sentence as the CLI prints it: "first wrong gradient · sign flipped: …"
    sentence: formatDiagnosis(d, row, ""),
    confidence: d.confidence,
    // role: "first-wrong" marks the earliest wrong gradient in backward order (the panel highlights it)
    evidence: { ...d.evidence, role: row.role } as Record<string, unknown>,
    downstreamOf: row.role === "downstream" ? row.downstreamOf?.[0] : undefined,
    causes: row.role === "downstream" ? row.downstreamOf : d.kind === "unverifiable" ? d.evidence.relativeTo : undefined,
  };
}

/**
 * Fill `diagnosis` on the trace's comparisons. Rows and comparisons are matched by call order
 * (`TraceComparison.index`), which is how both were recorded.
 */
export function attachDiagnoses(comparisons: TraceComparison[], result: RunDiagnosis): void {
  for (const c of comparisons) {
    const row = result.rows[c.index];
    if (!row || row.name !== c.name) continue;
    const info = toDiagnosisInfo(row);
    if (info) c.diagnosis = info;
  }
}
