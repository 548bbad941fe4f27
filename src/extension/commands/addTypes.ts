// Backprop Ninja: Add editor types for backprop-ninja — into the given folder (the quick fix's), else
// the active file's folder (in the workspace), else the first workspace folder (editorTypes' targetFolder).
import * as vscode from "vscode";
import { provideTypes, targetFolder } from "../editorTypes";
import type { Services } from "./services";

export function addTypes(s: Services) {
  return async (folder?: vscode.Uri): Promise<string[]> => {
    const dir = targetFolder(folder);
    if (!dir) {
      void vscode.window.showInformationMessage("Backprop Ninja: open a folder first; the types are written into it.");
      return [];
    }
    const wrote = await provideTypes(s.context.extensionUri, dir);
    s.log.info(`editor types in ${dir.fsPath}: ${wrote.join(", ") || "nothing (the extension has no types to copy)"}`);
    const where = vscode.workspace.asRelativePath(dir, true);
    void vscode.window.showInformationMessage(!wrote.length
      ? "Backprop Ninja: this build of the extension has no type declarations to copy."
      : wrote.includes("tsconfig.json")
        ? `Backprop Ninja: wrote ${wrote.join(" and ")} in ${where}; the editor now type-checks imports of backprop-ninja there.`
        : `Backprop Ninja: wrote ${wrote[0]} in ${where}. The folder has a tsconfig.json or jsconfig.json of its own: add ` +
          `"paths": { "backprop-ninja": ["./.backprop-ninja/types/engine/index.d.ts"] } to its compilerOptions.`);
    return wrote;
  };
}
