// Notebook cells in the editor: a cell's document (scheme vscode-notebook-cell) belongs to an open
// notebook, whose file is what runs; the run's places name the cell by its index.
import * as vscode from "vscode";
import type { RunController, RunRecord } from "./runs";

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

/**
 * The last run an editor feature reads for a document: the document's own, or for a notebook cell its
 * notebook's (the kernel's accumulated state) with the cell's index. Stale when edited since: for a
 * cell, when its text changed after it last ran (the kernel's record keeps each cell's version).
 */
export function lastRunOf(runs: RunController, doc: vscode.TextDocument): { rec: RunRecord; file: vscode.Uri; cell?: number; stale: boolean } | undefined {
  const inNotebook = notebookCellOf(doc.uri);
  const file = inNotebook ? inNotebook.notebook.uri : doc.uri;
  const rec = runs.last(file);
  if (!rec) return undefined;
  if (!inNotebook) return { rec, file, stale: rec.version !== doc.version };
  const ran = rec.cellVersions?.get(inNotebook.cell);
  const stale = rec.cellVersions ? ran !== undefined && ran !== doc.version : rec.version !== inNotebook.notebook.version;
  return { rec, file, cell: inNotebook.cell, stale };
}
