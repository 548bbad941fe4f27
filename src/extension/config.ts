// Every setting of the extension, typed, in one place. The names and defaults match the
// `contributes.configuration` section of package.json.
import * as vscode from "vscode";

export const CONFIG_SECTION = "backpropNinja";

export interface BackpropNinjaConfig {
  /** Re-run the exercise when its file is saved. */
  liveMode: boolean;
  /** In live mode, also re-run while typing (debounced, runs the unsaved text). */
  runOnType: boolean;
  /** Quiet time in ms before a run-on-type re-run. */
  runOnTypeDelay: number;
  /** Show cmp verdicts as CodeLens. */
  codeLens: boolean;
  /** Report wrong gradients and script errors in the Problems view. */
  problems: boolean;
  /** Open the gradient panel beside the editor when a run is started from a command. */
  openPanelOnRun: boolean;
  /** Source of "Download names.txt". */
  namesUrl: string;
  /** Seconds a live re-run may take before it is stopped (0: no limit); command runs have none. */
  runTimeout: number;
  /** Megabytes a run or a notebook kernel's session may hold, tensors included. */
  memoryCap: number;
  /** What runs Python scripts and notebooks: the built-in engine, or the user's interpreter and PyTorch. */
  pythonBackend: "builtin" | "interpreter";
  /** The interpreter for "interpreter" (empty: python3 on PATH); only the user's settings count. */
  pythonPath: string;
}

export const DEFAULT_NAMES_URL = "https://raw.githubusercontent.com/karpathy/makemore/master/names.txt";

export function readConfig(): BackpropNinjaConfig {
  const c = vscode.workspace.getConfiguration(CONFIG_SECTION);
  return {
    liveMode: c.get<boolean>("liveMode", true),
    runOnType: c.get<boolean>("runOnType", false),
    runOnTypeDelay: clamp(c.get<number>("runOnTypeDelay", 800), 100, 10_000),
    codeLens: c.get<boolean>("codeLens", true),
    problems: c.get<boolean>("problems", true),
    openPanelOnRun: c.get<boolean>("openPanelOnRun", true),
    namesUrl: c.get<string>("namesUrl", DEFAULT_NAMES_URL) || DEFAULT_NAMES_URL,
    runTimeout: Math.max(0, c.get<number>("runTimeout", 30)),
    memoryCap: clamp(c.get<number>("memoryCap", 2048), 256, 1 << 20),
    pythonBackend: c.get<string>("pythonBackend", "builtin") === "interpreter" ? "interpreter" : "builtin",
    // machine-scoped in package.json; read from the user's settings alone, so a workspace can never pick it
    pythonPath: c.inspect<string>("pythonPath")?.globalValue ?? "",
  };
}

/** Writes a setting at the most specific level where it is already set (else user settings). */
export async function updateConfig<K extends keyof BackpropNinjaConfig>(key: K, value: BackpropNinjaConfig[K]): Promise<void> {
  const c = vscode.workspace.getConfiguration(CONFIG_SECTION);
  const info = c.inspect(key);
  const target = info?.workspaceFolderValue !== undefined
    ? vscode.ConfigurationTarget.WorkspaceFolder
    : info?.workspaceValue !== undefined
      ? vscode.ConfigurationTarget.Workspace
      : vscode.ConfigurationTarget.Global;
  await c.update(key, value, target);
}

export function affectsConfig(e: vscode.ConfigurationChangeEvent, key?: keyof BackpropNinjaConfig): boolean {
  return e.affectsConfiguration(key ? `${CONFIG_SECTION}.${key}` : CONFIG_SECTION);
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Number.isFinite(x) ? x : lo));
}
