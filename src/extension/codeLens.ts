// One CodeLens above each cmp() call with its verdict from the last run of the file:
// ✓ exact · ≈ approximate (maxdiff) · ✗ wrong (maxdiff) · shape mismatch · not written.
// Clicking it opens the gradient panel on that comparison; a second lens beside it checks the
// gradient with finite differences. A notebook cell shows its own rows of the notebook's last run.
import * as vscode from "vscode";
import { CommandId } from "./commands/ids";
import { readConfig } from "./config";
import { VERDICT_MARK, verdictPhrase, type CmpView } from "./model";
import { lastRunOf } from "./notebookCells";
import type { RunController } from "./runs";

export function lensTitle(c: CmpView, stale: boolean): string {
  return `${VERDICT_MARK[c.status]} ${c.name}: ${verdictPhrase(c)}${stale ? " (stale: edited since the run)" : ""}`;
}

export class CmpCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly runs: RunController) {
    this.disposables.push(
      this.changed,
      runs.onDidFinish(() => this.changed.fire()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration("backpropNinja.codeLens")) this.changed.fire();
      }),
    );
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!readConfig().codeLens) return [];
    const run = lastRunOf(this.runs, doc);
    if (!run) return [];
    const { rec, file, stale } = run;
    const lenses: vscode.CodeLens[] = [];
    // When the file was edited since, a line may have moved: only keep lenses whose line still
    // holds a cmp call for the same name.
    rec.outcome.comparisons.forEach((c, index) => {
      if (c.cell !== run.cell) return;
      if (c.line < 0 || c.line >= doc.lineCount) return;
      const text = doc.lineAt(c.line).text;
      if (stale && !text.includes("cmp(")) return;
      const range = new vscode.Range(c.line, 0, c.line, 0);
      lenses.push(new vscode.CodeLens(range, {
        title: lensTitle(c, stale),
        tooltip: c.message ?? `cmp("${c.name}") — click to show it in the gradient panel`,
        command: CommandId.ShowPanel,
        arguments: [{ uri: file.toString(), comparison: index }],
      }));
      if (!stale && c.status !== "not-written") {
        lenses.push(new vscode.CodeLens(range, {
          title: "∂ finite differences",
          tooltip: `Check autograd's gradient of ${c.name} against float64 central differences`,
          command: CommandId.CheckGradient,
          arguments: [{ uri: file.toString(), name: c.name }],
        }));
      }
    });
    return lenses;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
