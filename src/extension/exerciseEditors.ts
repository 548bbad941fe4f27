// The exercise the user last worked in. Clicking into the gradient panel leaves no active text
// editor, so "Run" from the panel (or the palette with the panel focused) runs this one instead.
import * as vscode from "vscode";
import { isSupported } from "./liveMode";

let last: vscode.Uri | undefined;

function note(editor: vscode.TextEditor | undefined): void {
  if (editor && isSupported(editor.document)) last = editor.document.uri;
}

/** Follows the active editor; call once at activation. */
export function trackExerciseEditors(): vscode.Disposable {
  note(vscode.window.activeTextEditor);
  return vscode.window.onDidChangeActiveTextEditor(note);
}

/** The active exercise editor's document, else the last one still open, else one visible beside the panel. */
export function currentExercise(): vscode.TextDocument | undefined {
  const active = vscode.window.activeTextEditor?.document;
  if (active && isSupported(active)) return active;
  const open = last && vscode.workspace.textDocuments.find((d) => !d.isClosed && d.uri.toString() === last!.toString());
  return open ?? vscode.window.visibleTextEditors.map((e) => e.document).find(isSupported) ?? active;
}
