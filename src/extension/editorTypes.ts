// Lets the editor type-check `import ... from "backprop-ninja"` in a folder of the user's: the
// engine's declarations go into .backprop-ninja/types, and a tsconfig.json (when the folder has no
// tsconfig.json or jsconfig.json of its own) maps the module name to them. Offered as the quick fix
// of TypeScript's "Cannot find module 'backprop-ninja'" and as a command; New backprop exercise
// does it too.
import * as vscode from "vscode";
import { CommandId } from "./commands/ids";

export async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where a command writes into the workspace (New backprop exercise, Add editor types): the folder it
 * was given (a quick fix's, a test's), else the folder of the active file when that file is in the
 * workspace, else the first workspace folder; undefined without one.
 */
export function targetFolder(given?: unknown): vscode.Uri | undefined {
  if (given instanceof vscode.Uri) return given;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active?.scheme === "file" && vscode.workspace.getWorkspaceFolder(active)) return vscode.Uri.joinPath(active, "..");
  return vscode.workspace.workspaceFolders?.[0]?.uri;
}

/** Writes the types (and maybe a tsconfig.json) into `dir`; returns what it wrote, for the message. */
export async function provideTypes(extensionUri: vscode.Uri, dir: vscode.Uri): Promise<string[]> {
  const types = vscode.Uri.joinPath(extensionUri, "dist", "types");
  if (!(await exists(types))) return [];
  await vscode.workspace.fs.copy(types, vscode.Uri.joinPath(dir, ".backprop-ninja", "types"), { overwrite: true });
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
  // an open file stays in TypeScript's inferred project; "Reload Project" does not move it (seen in
  // code-server's TypeScript 6), a restart of the TS server does
  await Promise.resolve(vscode.commands.executeCommand("typescript.restartTsServer")).catch(() => undefined);
  return [".backprop-ninja/types/", "tsconfig.json"];
}

/** TypeScript's "Cannot find module 'backprop-ninja' or its corresponding type declarations" (TS2307). */
export function isMissingModule(d: vscode.Diagnostic): boolean {
  const code = typeof d.code === "object" ? d.code.value : d.code;
  return String(code) === "2307" && d.message.includes("'backprop-ninja'");
}

export class TypesQuickFix implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, ctx: vscode.CodeActionContext): vscode.CodeAction[] {
    const missing = ctx.diagnostics.filter(isMissingModule);
    if (!missing.length || doc.uri.scheme !== "file") return [];
    const action = new vscode.CodeAction("Add backprop-ninja's types to this folder", vscode.CodeActionKind.QuickFix);
    action.diagnostics = missing;
    action.isPreferred = true;
    action.command = { command: CommandId.AddTypes, title: action.title, arguments: [vscode.Uri.joinPath(doc.uri, "..")] };
    return [action];
  }
}
