// Problems entries from the last run of a file: a warning per wrong gradient (or shape mismatch) at
// its cmp call, an error at the script error's line. Cleared when a file is closed or runs clean.
import * as vscode from "vscode";
import { readConfig } from "./config";
import { fmtNum, fmtShape, type RunOutcome } from "./model";
import type { RunController, RunRecord } from "./runs";

export const DIAGNOSTIC_SOURCE = "Backprop Ninja";

export function diagnosticsFor(outcome: RunOutcome, doc: vscode.TextDocument | undefined): vscode.Diagnostic[] {
  const lineRange = (line: number, column = 0, endLine?: number, endColumn?: number): vscode.Range => {
    if (!doc) return new vscode.Range(line, column, endLine ?? line, endColumn ?? Number.MAX_SAFE_INTEGER);
    const l = Math.min(Math.max(line, 0), doc.lineCount - 1);
    const text = doc.lineAt(l);
    if (endLine !== undefined && endColumn !== undefined && (endLine > l || endColumn > column)) {
      return new vscode.Range(l, column, endLine, endColumn);
    }
    // the whole line without its indentation
    return new vscode.Range(l, text.firstNonWhitespaceCharacterIndex, l, text.text.length);
  };
  const out: vscode.Diagnostic[] = [];
  for (const c of outcome.comparisons) {
    let message: string | undefined;
    if (c.status === "wrong") message = `Gradient of ${c.name} is wrong: maxdiff ${fmtNum(c.maxdiff)} against autograd`;
    else if (c.status === "shape-mismatch") message = `Gradient of ${c.name} has shape ${fmtShape(c.manualShape)}, autograd's has ${fmtShape(c.gradShape)}`;
    else if (c.status === "no-grad") message = `cmp("${c.name}"): ${c.message ?? "autograd has no gradient"}`;
    if (!message) continue;
    if (c.diagnosis) message += `. ${c.diagnosis}`;
    const d = new vscode.Diagnostic(lineRange(c.line), message, vscode.DiagnosticSeverity.Warning);
    d.source = DIAGNOSTIC_SOURCE;
    d.code = c.status;
    out.push(d);
  }
  const e = outcome.error;
  if (e && outcome.status === "error") {
    const d = new vscode.Diagnostic(lineRange(e.line ?? 0, e.column ?? 0, e.endLine, e.endColumn), e.message, vscode.DiagnosticSeverity.Error);
    d.source = DIAGNOSTIC_SOURCE;
    d.code = e.kind === "syntax" ? "syntax-error" : e.kind === "timeout" ? "timeout" : "script-error";
    out.push(d);
  }
  return out;
}

export class DiagnosticsReporter implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection("backprop-ninja");
  private readonly disposables: vscode.Disposable[] = [];

  constructor(runs: RunController) {
    this.disposables.push(
      this.collection,
      runs.onDidFinish((rec) => this.update(rec)),
      vscode.workspace.onDidCloseTextDocument((doc) => this.collection.delete(doc.uri)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration("backpropNinja.problems") && !readConfig().problems) this.collection.clear();
      }),
    );
  }

  private update(rec: RunRecord): void {
    if (rec.outcome.status === "cancelled") return; // keep what the last complete run said
    if (!readConfig().problems) {
      this.collection.delete(rec.uri);
      return;
    }
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === rec.uri.toString());
    this.collection.set(rec.uri, diagnosticsFor(rec.outcome, doc));
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
