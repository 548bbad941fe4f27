// Backprop Ninja: Show gradient panel — also the target of CodeLens clicks (with the comparison).
import type * as vscode from "vscode";
import { GradientPanel } from "../panel";
import type { Services } from "./services";

export interface ShowPanelArgs {
  uri?: string;
  /** index of the comparison in the run's list to select */
  comparison?: number;
}

export function showPanel(s: Services) {
  return (args?: ShowPanelArgs | vscode.Uri): void => {
    const panel = GradientPanel.createOrShow(s.context, s.runs, { preserveFocus: false });
    if (args && typeof args === "object" && "comparison" in args && typeof args.comparison === "number") {
      panel.selectComparison(args.comparison);
    }
  };
}
