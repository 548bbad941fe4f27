// Backprop Ninja: Stop run — cancels the run in flight (e.g. a long training loop).
import * as vscode from "vscode";
import type { Services } from "./services";

export function stopRun(s: Services) {
  return (): void => {
    if (!s.runs.stop()) void vscode.window.showInformationMessage("Backprop Ninja: nothing is running.");
  };
}
