// Notebook cells in the editor: a cell's document (scheme vscode-notebook-cell) belongs to an open
// notebook, whose file is what runs; the run's places name the cell by its index.
import * as vscode from "vscode";

export const NOTEBOOK_CELL_SCHEME = "vscode-notebook-cell";

/** The open notebook a cell document belongs to, with the cell's index; undefined for any other document. */
export function notebookCellOf(uri: vscode.Uri): { notebook: vscode.NotebookDocument; cell: number } | undefined {
  if (uri.scheme !== NOTEBOOK_CELL_SCHEME) return undefined;
  const key = uri.toString();
  for (const notebook of vscode.workspace.notebookDocuments) {
    const cell = notebook.getCells().find((c) => c.document.uri.toString() === key);
    if (cell) return { notebook, cell: cell.index };
  }
  return undefined;
}
