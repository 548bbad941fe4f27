// Backprop Ninja: Toggle live mode — flips the backpropNinja.liveMode setting.
import * as vscode from "vscode";
import { readConfig, updateConfig } from "../config";

export function toggleLiveMode() {
  return async (): Promise<void> => {
    const on = !readConfig().liveMode;
    await updateConfig("liveMode", on);
    void vscode.window.setStatusBarMessage(`Backprop Ninja: live mode ${on ? "on — saving re-runs the exercise" : "off"}`, 4000);
  };
}
