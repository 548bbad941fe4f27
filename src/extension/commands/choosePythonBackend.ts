// Backprop Ninja: Choose Python backend — the built-in engine, or the user's own Python and PyTorch
// (#22). The interpreter is checked (`import torch`) before it is offered; its path is only ever
// written to the user's settings (backpropNinja.pythonPath is machine-scoped).
import * as vscode from "vscode";
import { CONFIG_SECTION, readConfig, updateConfig } from "../config";
import { loadRunner } from "../executor";
import type { Services } from "./services";

type Choice = vscode.QuickPickItem & { backend?: "builtin" | "interpreter"; browse?: true };

export function choosePythonBackend(s: Services) {
  return async (): Promise<void> => {
    const config = readConfig();
    const { probeInterpreter, resolvePython, engineLabel } = loadRunner(s.context);
    const python = resolvePython(config.pythonPath);
    const probe = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Checking ${python} for PyTorch` },
      () => probeInterpreter(python).then((info) => ({ info }), (e: Error) => ({ error: e.message })),
    );
    const current = (b: string) => (config.pythonBackend === b ? "$(check) " : "");
    const items: Choice[] = [
      { label: `${current("builtin")}Built-in engine (no Python needed)`, backend: "builtin" },
      "info" in probe
        ? { label: `${current("interpreter")}Python at ${probe.info.executable}`, description: engineLabel(probe.info), backend: "interpreter" }
        : { label: `$(warning) Python at ${python}`, description: "not usable", detail: probe.error },
      { label: "$(folder-opened) Choose another interpreter…", browse: true },
    ];
    const picked = await vscode.window.showQuickPick(items, { title: "Backprop Ninja: run Python scripts and notebooks with" });
    if (!picked) return;
    if (picked.browse) {
      const uri = await vscode.window.showOpenDialog({ canSelectMany: false, title: "Python interpreter with PyTorch" });
      if (!uri?.[0]) return;
      const path = uri[0].fsPath;
      try {
        const info = await probeInterpreter(path);
        await vscode.workspace.getConfiguration(CONFIG_SECTION).update("pythonPath", path, vscode.ConfigurationTarget.Global);
        await updateConfig("pythonBackend", "interpreter");
        void vscode.window.showInformationMessage(`Backprop Ninja: Python scripts now run with ${engineLabel(info)}.`);
      } catch (e) {
        void vscode.window.showErrorMessage(`Backprop Ninja: ${(e as Error).message}`);
      }
      return;
    }
    if (!picked.backend) {
      void vscode.window.showErrorMessage(`Backprop Ninja: ${"error" in probe ? probe.error : "this interpreter cannot be used"}`);
      return;
    }
    await updateConfig("pythonBackend", picked.backend);
    s.log.info(`Python backend: ${picked.backend}${picked.backend === "interpreter" ? ` (${picked.description})` : ""}`);
  };
}
