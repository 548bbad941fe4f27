// Backprop Ninja: Run backprop exercise — runs the exercise editor's text (saved or not) and opens
// the gradient panel beside it; from the panel, where no text editor is active, the last exercise.
import * as vscode from "vscode";
import { readConfig } from "../config";
import { currentExercise } from "../exerciseEditors";
import { isSupported } from "../liveMode";
import { GradientPanel } from "../panel";
import { ensureTrusted } from "../trust";
import type { Services } from "./services";

export function runExercise(s: Services) {
  return async (uri?: vscode.Uri): Promise<void> => {
    if (!ensureTrusted()) return;
    const doc = uri instanceof vscode.Uri
      ? await vscode.workspace.openTextDocument(uri)
      : currentExercise();
    if (!doc) {
      void vscode.window.showInformationMessage("Open an exercise script (Python, or TypeScript or JavaScript that imports backprop-ninja) to run it, or create one with Backprop Ninja: New backprop exercise.");
      return;
    }
    if (!isSupported(doc)) {
      void vscode.window.showWarningMessage(`Backprop Ninja runs TypeScript, JavaScript and Python exercise files saved on disk; ${vscode.workspace.asRelativePath(doc.uri)} is ${doc.languageId}.`);
      return;
    }
    const cfg = readConfig();
    if (cfg.openPanelOnRun) GradientPanel.createOrShow(s.context, s.runs, { preserveFocus: true });
    await s.runs.run(doc, "command", 0); // no time limit: training runs are long; Stop ends them
  };
}
