// Workspace Trust: running an exercise executes the user's script, so it only happens in a trusted
// workspace. In restricted mode every run entry point explains why and offers to manage trust.
import * as vscode from "vscode";

export function isTrusted(): boolean {
  return vscode.workspace.isTrusted;
}

export const UNTRUSTED_MESSAGE =
  "Backprop Ninja runs exercise scripts only in a trusted workspace: running one executes its code. " +
  "Trust this workspace to run it.";

/** True when running is allowed; otherwise tells the user why not and returns false at once. */
export function ensureTrusted(): boolean {
  if (isTrusted()) return true;
  const manage = "Manage Workspace Trust";
  void vscode.window.showWarningMessage(UNTRUSTED_MESSAGE, manage).then((pick) => {
    if (pick === manage) void vscode.commands.executeCommand("workbench.trust.manage");
  });
  return false;
}
