// Backprop Ninja: New backprop exercise — writes the scaffold into the workspace (next to the active
// file, else the first folder), never overwriting a file, opens it, and says every file it wrote.
import * as vscode from "vscode";
import { exists, provideTypes, targetFolder } from "../editorTypes";
import { EXERCISE_FILE_NAME, SCAFFOLD_PATH } from "../template";
import type { Services } from "./services";

export function newExercise(s: Services) {
  return async (folder?: vscode.Uri): Promise<vscode.Uri | undefined> => {
    const dir = targetFolder(folder);
    if (!dir) {
      void vscode.window.showInformationMessage("Backprop Ninja: open a folder first; the exercise is created in it.");
      return undefined;
    }
    const stem = EXERCISE_FILE_NAME.replace(/\.ts$/, "");
    let target = vscode.Uri.joinPath(dir, EXERCISE_FILE_NAME);
    for (let k = 2; await exists(target); k++) target = vscode.Uri.joinPath(dir, `${stem}_${k}.ts`);
    await vscode.workspace.fs.copy(vscode.Uri.joinPath(s.context.extensionUri, ...SCAFFOLD_PATH), target);
    const extra = await provideTypes(s.context.extensionUri, dir);
    s.log.info(`new exercise ${target.fsPath}${extra.length ? ` (also wrote ${extra.join(", ")})` : ""}`);
    const doc = await vscode.workspace.openTextDocument(target);
    await vscode.window.showTextDocument(doc);
    const where = vscode.workspace.asRelativePath(dir, true);
    void vscode.window.showInformationMessage(
      `Backprop Ninja: created ${vscode.workspace.asRelativePath(target, false)} in ${where}` +
      (extra.length ? `, and ${extra.join(" and ")} so the editor type-checks its import of backprop-ninja.` : "."),
    );
    return target;
  };
}
