// Backprop Ninja: Show Value graph at cursor — draws, in the panel, the graph of the micrograd Value
// assigned on the cursor's line (or bound to the word under the cursor), from the file's last run.
import * as vscode from "vscode";
import type { Trace, ValueRoot } from "../../protocol/trace";
import { notebookCellOf } from "../notebookCells";
import { GradientPanel } from "../panel";
import { noValueMessage, valueAtCursor } from "../valueAtCursor";
import type { Services } from "./services";

export function showValueAtCursor(s: Services) {
  return (): ValueRoot | undefined => {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage("Backprop Ninja: put the cursor on a line that assigns a micrograd Value first.");
      return undefined;
    }
    const inNotebook = notebookCellOf(editor.document.uri);
    const uri = inNotebook?.notebook.uri ?? editor.document.uri;
    const rec = s.runs.last(uri);
    if (!rec) {
      void vscode.window.showInformationMessage("Backprop Ninja: run this file first (Run backprop exercise); the Values come from its last run.");
      return undefined;
    }
    const pos = editor.selection.active;
    const range = editor.document.getWordRangeAtPosition(pos, /[A-Za-z_$][\w$]*/);
    // the trace's places count from 1
    const at = { line: pos.line + 1, column: pos.character + 1, cell: inNotebook?.cell, word: range ? editor.document.getText(range) : undefined };
    const roots = (rec.trace as Trace | undefined)?.valueRoots ?? [];
    const root = valueAtCursor(roots, at);
    if (!root) {
      void vscode.window.showInformationMessage(noValueMessage(roots, at));
      return undefined;
    }
    if (s.runs.last() !== rec) {
      void vscode.window.showInformationMessage(`Backprop Ninja: the panel shows the last run, of another file; run ${vscode.workspace.asRelativePath(uri)} again to draw ${root.name}.`);
      return undefined;
    }
    s.log.info(`show Value graph: ${root.name} (${root.nodes} nodes) at line ${at.line}`);
    GradientPanel.createOrShow(s.context, s.runs, { preserveFocus: true }).showValue(uri.toString(), root);
    return root;
  };
}
