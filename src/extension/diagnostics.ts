// Problems entries from the last run of a file, as problems.ts decides them (one per mistake, at the
// line that assigns the wrong gradient; an error at the script error's line), turned into
// vscode.Diagnostics. A notebook's places name a cell: they go to that cell's document. Cleared when
// a file is closed or runs clean.
import * as vscode from "vscode";
import { readConfig } from "./config";
import type { RunOutcome } from "./model";
import { problemsOf, type ProblemPlace } from "./problems";
import type { RunController, RunRecord } from "./runs";

export const DIAGNOSTIC_SOURCE = "Backprop Ninja";

interface Target {
  uri: vscode.Uri;
  doc?: vscode.TextDocument;
}

/** The document a place is in: the run's file, or a cell of the open notebook that was run. */
function targetOf(uri: vscode.Uri, cell: number | undefined): Target | undefined {
  const key = uri.toString();
  if (cell === undefined) return { uri, doc: vscode.workspace.textDocuments.find((d) => d.uri.toString() === key) };
  const nb = vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === key);
  // a cell's line numbers mean nothing in the .ipynb file itself
  if (!nb || cell < 0 || cell >= nb.cellCount) return undefined;
  const doc = nb.cellAt(cell).document;
  return { uri: doc.uri, doc };
}

function rangeOf(p: ProblemPlace, doc: vscode.TextDocument | undefined): vscode.Range {
  const column = p.column ?? 0;
  if (!doc) return new vscode.Range(p.line, column, p.endLine ?? p.line, p.endColumn ?? Number.MAX_SAFE_INTEGER);
  const l = Math.min(Math.max(p.line, 0), doc.lineCount - 1);
  if (p.endLine !== undefined && p.endColumn !== undefined && (p.endLine > l || p.endColumn > column)) {
    return new vscode.Range(l, column, p.endLine, p.endColumn);
  }
  // the whole line without its indentation
  const text = doc.lineAt(l);
  return new vscode.Range(l, text.firstNonWhitespaceCharacterIndex, l, text.text.length);
}

/** The run's Problems entries, by the document they belong to (the file, or a notebook's cells). */
export function diagnosticsFor(outcome: RunOutcome, uri: vscode.Uri): Map<string, { uri: vscode.Uri; diagnostics: vscode.Diagnostic[] }> {
  const out = new Map<string, { uri: vscode.Uri; diagnostics: vscode.Diagnostic[] }>();
  const locate = (p: ProblemPlace) => {
    const t = targetOf(uri, p.cell);
    return t && new vscode.Location(t.uri, rangeOf(p, t.doc));
  };
  for (const problem of problemsOf(outcome)) {
    const at = locate(problem.place);
    if (!at) continue;
    const severity = problem.severity === "error" ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;
    const d = new vscode.Diagnostic(at.range, problem.message, severity);
    d.source = DIAGNOSTIC_SOURCE;
    d.code = problem.code;
    const related = problem.related.flatMap((r) => {
      const loc = locate(r.place);
      return loc ? [new vscode.DiagnosticRelatedInformation(loc, r.message)] : [];
    });
    if (related.length) d.relatedInformation = related;
    const key = at.uri.toString();
    if (!out.has(key)) out.set(key, { uri: at.uri, diagnostics: [] });
    out.get(key)!.diagnostics.push(d);
  }
  return out;
}

export class DiagnosticsReporter implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection("backprop-ninja");
  private readonly disposables: vscode.Disposable[] = [];
  /** run file → the documents its last run put entries on (the file itself, or notebook cells) */
  private readonly shown = new Map<string, vscode.Uri[]>();

  constructor(runs: RunController) {
    this.disposables.push(
      this.collection,
      runs.onDidFinish((rec) => this.update(rec)),
      vscode.workspace.onDidCloseTextDocument((doc) => this.clear(doc.uri)),
      vscode.workspace.onDidCloseNotebookDocument((nb) => this.clear(nb.uri)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration("backpropNinja.problems") && !readConfig().problems) {
          this.collection.clear();
          this.shown.clear();
        }
      }),
    );
  }

  private clear(uri: vscode.Uri): void {
    this.collection.delete(uri);
    for (const u of this.shown.get(uri.toString()) ?? []) this.collection.delete(u);
    this.shown.delete(uri.toString());
  }

  private update(rec: RunRecord): void {
    if (rec.outcome.status === "cancelled") return; // keep what the last complete run said
    this.clear(rec.uri);
    if (!readConfig().problems) return;
    const byDoc = diagnosticsFor(rec.outcome, rec.uri);
    for (const { uri, diagnostics } of byDoc.values()) this.collection.set(uri, diagnostics);
    this.shown.set(rec.uri.toString(), [...byDoc.values()].map((x) => x.uri));
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
