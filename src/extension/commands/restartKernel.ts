// Backprop Ninja: Restart notebook kernel — drops the Python session of the active (or given) notebook.
import * as vscode from "vscode";
import type { Services } from "./services";

export function restartKernel(s: Services) {
  return (uri?: vscode.Uri): void => {
    const notebook = uri instanceof vscode.Uri
      ? vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === uri.toString())
      : vscode.window.activeNotebookEditor?.notebook;
    if (!notebook) {
      void vscode.window.showInformationMessage("Open a notebook to restart its Backprop Ninja kernel.");
      return;
    }
    s.kernel.restart(notebook);
    void vscode.window.showInformationMessage(`Backprop Ninja kernel restarted: ${vscode.workspace.asRelativePath(notebook.uri)} starts with fresh globals.`);
  };
}
