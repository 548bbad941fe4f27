// Which Problems entries a run gives, where, and with which related information — decided here
// without VS Code (diagnostics.ts turns them into vscode.Diagnostics). One entry per mistake: a wrong
// gradient with its own mistake is one warning at the line that assigns it (its cmp call as related
// information), and the later cmp rows that only inherit its error (or cannot be checked before it
// is fixed) are listed under it instead of being warnings of their own.
import { fmtNum, fmtShape, VERDICT_MARK, verdictPhrase, type CmpView, type EditorPlace, type RunOutcome } from "./model";

/** A 0-based place; without `column` the entry covers the whole line (less its indentation). */
export interface ProblemPlace {
  line: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  /** notebook cell index: the lines count in that cell */
  cell?: number;
}

export interface RelatedProblem {
  place: ProblemPlace;
  message: string;
}

export interface Problem {
  place: ProblemPlace;
  severity: "warning" | "error";
  /** the cmp status, or "syntax-error" / "timeout" / "script-error" */
  code: string;
  message: string;
  related: RelatedProblem[];
}

const hasProblem = (c: CmpView) => c.status === "wrong" || c.status === "shape-mismatch" || c.status === "no-grad";
const line = (p: EditorPlace): ProblemPlace => ({ line: p.line, ...(p.cell !== undefined ? { cell: p.cell } : {}) });
const cmpLabel = (c: CmpView) => `cmp("${c.name}"): ${VERDICT_MARK[c.status]} ${verdictPhrase(c)}`;

/** What Problems says about a row with no diagnosis sentence (or about a cmp that found no gradient). */
function plainMessage(c: CmpView): string {
  if (c.status === "wrong") return `Gradient of ${c.name} is wrong: maxdiff ${fmtNum(c.maxdiff)} against autograd`;
  if (c.status === "shape-mismatch") return `Gradient of ${c.name} has shape ${fmtShape(c.manualShape)}, autograd's has ${fmtShape(c.gradShape)}`;
  return `cmp("${c.name}"): ${c.message ?? "autograd has no gradient"}`;
}

/** The entry of a row with its own mistake: at its manual gradient's assignment, else at the cmp call. */
function ownEntry(c: CmpView): Problem {
  // a cmp that found no autograd gradient is about the call, not the formula
  const at = c.status !== "no-grad" && c.manualPlace ? c.manualPlace : undefined;
  const message = c.diagnosis ?? plainMessage(c);
  return {
    place: line(at ?? c),
    severity: "warning",
    code: c.status,
    message,
    related: at ? [{ place: line(c), message: cmpLabel(c) }] : [],
  };
}

function inheritedNote(c: CmpView): string {
  return c.diagnosisKind === "unverifiable" ? "can be checked once this is fixed" : "only inherits this error";
}

export function problemsOf(outcome: RunOutcome): Problem[] {
  const rows = outcome.comparisons.filter(hasProblem);
  // a row's own mistake is one entry; the first such row of a name is what later rows refer to
  const entries: Problem[] = [];
  const byName = new Map<string, Problem>();
  const dependents: CmpView[] = [];
  for (const c of rows) {
    if (c.causes?.length) {
      dependents.push(c);
      continue;
    }
    const e = ownEntry(c);
    entries.push(e);
    if (!byName.has(c.name)) byName.set(c.name, e);
  }
  const inherited = new Map<Problem, number>();
  for (const c of dependents) {
    const owners = [...new Set(c.causes!.map((n) => byName.get(n)).filter((e): e is Problem => e !== undefined))];
    if (!owners.length) {
      entries.push(ownEntry(c)); // its causes have no entry (not in this run's rows): keep it visible
      continue;
    }
    for (const e of owners) {
      e.related.push({ place: line(c), message: `${cmpLabel(c)} — ${inheritedNote(c)}` });
      inherited.set(e, (inherited.get(e) ?? 0) + 1);
    }
  }
  for (const [e, k] of inherited) e.message += ` (${k} later cmp row${k === 1 ? " depends" : "s depend"} on it.)`;

  const err = outcome.error;
  if (err && outcome.status === "error") {
    entries.push({
      place: { line: err.line ?? 0, column: err.column ?? 0, endLine: err.endLine, endColumn: err.endColumn, cell: err.cell },
      severity: "error",
      code: err.kind === "syntax" ? "syntax-error" : err.kind === "timeout" ? "timeout" : "script-error",
      message: err.message,
      related: [],
    });
  }
  return entries;
}
