// Backprop Ninja: Run backprop exercise — runs the exercise editor's text (saved or not) and opens
// the gradient panel beside it; from the panel, where no text editor is active, the last exercise.
// A notebook (its editor, a cell of it, or an .ipynb opened as text) runs all its cells in the kernel.
import * as vscode from "vscode";
import { readConfig } from "../config";
import { currentExercise } from "../exerciseEditors";
import { isSupported } from "../liveMode";
import { notebookCellOf } from "../notebookCells";
import { GradientPanel } from "../panel";
import { ensureTrusted, isTrusted } from "../trust";
import type { Services } from "./services";

const isIpynb = (uri: vscode.Uri) => uri.path.toLowerCase().endsWith(".ipynb");

/** The notebook the command is about: the given .ipynb, the active notebook editor's, or the focused cell's. */
async function targetNotebook(uri: vscode.Uri | undefined): Promise<vscode.NotebookDocument | undefined> {
  if (uri && isIpynb(uri)) {
    const open = vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === uri.toString());
    return open ?? vscode.workspace.openNotebookDocument(uri);
  }
  if (uri) return undefined;
  const active = vscode.window.activeTextEditor?.document;
  const cell = active && notebookCellOf(active.uri);
  if (cell) return cell.notebook;
  if (active?.uri.scheme === "file" && isIpynb(active.uri)) return vscode.workspace.openNotebookDocument(active.uri); // opened as text
  return active ? undefined : vscode.window.activeNotebookEditor?.notebook;
}

export function runExercise(s: Services) {
  return async (uri?: vscode.Uri): Promise<void> => {
    const notebook = await targetNotebook(uri instanceof vscode.Uri ? uri : undefined);
    if (notebook) {
      const editor = vscode.window.visibleNotebookEditors.find((e) => e.notebook === notebook) ?? await vscode.window.showNotebookDocument(notebook);
      if (isTrusted() && readConfig().openPanelOnRun) GradientPanel.createOrShow(s.context, s.runs, { preserveFocus: true });
      await s.kernel.runAll(editor.notebook); // in restricted mode the kernel runs nothing and says why, in the cell too
      return;
    }
    if (!ensureTrusted()) return;
    const doc = uri instanceof vscode.Uri
      ? await vscode.workspace.openTextDocument(uri)
      : currentExercise();
    if (!doc) {
      void vscode.window.showInformationMessage("Open an exercise (a Python script, a Jupyter notebook, or TypeScript or JavaScript that imports backprop-ninja) to run it, or create one with Backprop Ninja: New backprop exercise.");
      return;
    }
    if (!isSupported(doc)) {
      const what = doc.uri.scheme === "file" ? `${vscode.workspace.asRelativePath(doc.uri)} is a ${doc.languageId} file` : `${doc.uri.toString(true)} is not a file saved on disk`;
      void vscode.window.showWarningMessage(`Backprop Ninja runs Python (.py), TypeScript and JavaScript exercise files and Jupyter notebooks (.ipynb) saved on disk; ${what}.`);
      return;
    }
    const cfg = readConfig();
    if (cfg.openPanelOnRun) GradientPanel.createOrShow(s.context, s.runs, { preserveFocus: true });
    await s.runs.run(doc, "command", 0); // no time limit: training runs are long; Stop ends them
  };
}
