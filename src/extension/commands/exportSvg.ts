// Backprop Ninja: Export graph as SVG — asks the panel for its rendered graph and saves it.
import * as vscode from "vscode";
import { GradientPanel } from "../panel";
import type { Services } from "./services";

export function exportSvg(s: Services) {
  return async (target?: vscode.Uri): Promise<vscode.Uri | undefined> => {
    const rec = s.runs.last();
    if (!rec) {
      void vscode.window.showInformationMessage("Backprop Ninja: run an exercise first; the graph comes from its last run.");
      return undefined;
    }
    const panel = GradientPanel.createOrShow(s.context, s.runs, { preserveFocus: true });
    let svg: string;
    try {
      svg = await svgWhenLaidOut(panel);
    } catch (e) {
      void vscode.window.showErrorMessage(`Backprop Ninja: could not export the graph: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
    const base = rec.uri.path.replace(/\.[^./]+$/, "");
    const uri = target instanceof vscode.Uri ? target : await vscode.window.showSaveDialog({
      defaultUri: rec.uri.with({ path: `${base}.graph.svg` }),
      filters: { "SVG image": ["svg"] },
      title: "Export computation graph as SVG",
    });
    if (!uri) return undefined;
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(svg));
    s.log.info(`graph exported to ${uri.fsPath} (${svg.length} bytes)`);
    void vscode.window.setStatusBarMessage(`Backprop Ninja: graph saved to ${vscode.workspace.asRelativePath(uri)}`, 4000);
    return uri;
  };
}

/** A panel that has just opened is still laying the graph out (elkjs, up to seconds on big graphs). */
async function svgWhenLaidOut(panel: GradientPanel, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await panel.requestSvg();
    } catch (e) {
      if (!/no graph/i.test(String(e)) || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
