// Internal command: reveal a line of a file (from the panel, CodeLens or hovers); with `cell`, the
// line of that cell of a notebook (not of the notebook's JSON).
import * as vscode from "vscode";

export function revealLine() {
  return async (uri: string | vscode.Uri, line: number, column = 0, cell?: number): Promise<void> => {
    const target = typeof uri === "string" ? vscode.Uri.parse(uri) : uri;
    const pos = new vscode.Position(Math.max(0, line), Math.max(0, column));
    if (cell !== undefined) {
      const nb = vscode.workspace.notebookDocuments.find((d) => d.uri.toString() === target.toString())
        ?? await vscode.workspace.openNotebookDocument(target);
      if (cell >= nb.cellCount) return;
      const shown = vscode.window.visibleNotebookEditors.find((e) => e.notebook === nb);
      const range = new vscode.NotebookRange(cell, cell + 1);
      const editor = await vscode.window.showNotebookDocument(nb, { viewColumn: shown?.viewColumn ?? vscode.ViewColumn.One, selections: [range] });
      editor.revealRange(range, vscode.NotebookEditorRevealType.InCenterIfOutsideViewport);
      await vscode.window.showTextDocument(nb.cellAt(cell).document, { viewColumn: editor.viewColumn, selection: new vscode.Range(pos, pos) });
      return;
    }
    const existing = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === target.toString());
    const doc = existing?.document ?? (await vscode.workspace.openTextDocument(target));
    const editor = await vscode.window.showTextDocument(doc, {
      viewColumn: existing?.viewColumn ?? vscode.ViewColumn.One,
      preserveFocus: false,
    });
    editor.selection = new vscode.Selection(pos, pos);
    editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  };
}
