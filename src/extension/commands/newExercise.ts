// Backprop Ninja: New backprop exercise — writes the scaffold into the workspace (next to the active
// file, else the first folder), never overwriting a file, opens it, and says every file it wrote.
import * as vscode from "vscode";
import { EXERCISE_FILE_NAME, SCAFFOLD_PATH } from "../template";
import type { Services } from "./services";

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

export function newExercise(s: Services) {
  return async (folder?: vscode.Uri): Promise<vscode.Uri | undefined> => {
    const active = vscode.window.activeTextEditor?.document.uri;
    const dir = folder instanceof vscode.Uri
      ? folder
      : active?.scheme === "file" && vscode.workspace.getWorkspaceFolder(active)
        ? vscode.Uri.joinPath(active, "..")
        : vscode.workspace.workspaceFolders?.[0]?.uri;
    if (!dir) {
      void vscode.window.showInformationMessage("Backprop Ninja: open a folder first; the exercise is created in it.");
      return undefined;
    }
    const stem = EXERCISE_FILE_NAME.replace(/\.ts$/, "");
    let target = vscode.Uri.joinPath(dir, EXERCISE_FILE_NAME);
    for (let k = 2; await exists(target); k++) target = vscode.Uri.joinPath(dir, `${stem}_${k}.ts`);
    await vscode.workspace.fs.copy(vscode.Uri.joinPath(s.context.extensionUri, ...SCAFFOLD_PATH), target);
    const extra = await provideTypes(s, dir);
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

/**
 * Lets the editor type-check `import ... from "backprop-ninja"`: the engine's declarations go into
 * .backprop-ninja/types and, when the folder has no tsconfig.json or jsconfig.json of its own, a
 * tsconfig.json maps the module name to them. Returns what it wrote, for the message.
 */
async function provideTypes(s: Services, dir: vscode.Uri): Promise<string[]> {
  const types = vscode.Uri.joinPath(s.context.extensionUri, "dist", "types");
  if (!(await exists(types))) return [];
  const target = vscode.Uri.joinPath(dir, ".backprop-ninja", "types");
  await vscode.workspace.fs.copy(types, target, { overwrite: true });
  const hasConfig = (await exists(vscode.Uri.joinPath(dir, "tsconfig.json"))) || (await exists(vscode.Uri.joinPath(dir, "jsconfig.json")));
  if (hasConfig) return [".backprop-ninja/types/"];
  const config = {
    compilerOptions: {
      target: "ES2022", module: "ESNext", moduleResolution: "Bundler", strict: true, noEmit: true, skipLibCheck: true,
      types: [],
      paths: { "backprop-ninja": ["./.backprop-ninja/types/engine/index.d.ts"] },
    },
  };
  await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(dir, "tsconfig.json"), new TextEncoder().encode(JSON.stringify(config, null, 2) + "\n"));
  return [".backprop-ninja/types/", "tsconfig.json"];
}
