// Internal command: reveal a line of a file (from the panel, CodeLens or hovers).
import * as vscode from "vscode";

export function revealLine() {
  return async (uri: string | vscode.Uri, line: number, column = 0): Promise<void> => {
    const target = typeof uri === "string" ? vscode.Uri.parse(uri) : uri;
    const existing = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === target.toString());
    const doc = existing?.document ?? (await vscode.workspace.openTextDocument(target));
    const editor = await vscode.window.showTextDocument(doc, {
      viewColumn: existing?.viewColumn ?? vscode.ViewColumn.One,
      preserveFocus: false,
    });
    const pos = new vscode.Position(Math.max(0, line), Math.max(0, column));
    editor.selection = new vscode.Selection(pos, pos);
    editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  };
}
