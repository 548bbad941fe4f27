// Backprop Ninja: Check gradient with finite differences — re-runs the file and compares a named
// tensor's autograd gradient with float64 central differences on a few elements (the runner nudges
// one element at a time and re-runs the forward). From a CodeLens the tensor is the cmp's; from the
// palette it is picked among the tensors of the last run. From a notebook cell, the notebook is run.
// The result opens in the panel's drawer of that tensor (a table per element, against the learner's
// gradient too when a cmp compared it); the toast says the verdict in one line.
import * as vscode from "vscode";
import { finiteDifferenceVerdict } from "../../protocol/finiteDifference";
import type { FiniteDifferenceReport } from "../../protocol/trace";
import { readConfig } from "../config";
import { notebookCellOf } from "../notebookCells";
import { GradientPanel } from "../panel";
import type { Services } from "./services";

const SHOW_IN_PANEL = "Show in panel";

export function checkGradient(s: Services) {
  return async (arg?: { uri?: string; name?: string }): Promise<FiniteDifferenceReport | undefined> => {
    const given = arg?.uri ? vscode.Uri.parse(arg.uri) : vscode.window.activeTextEditor?.document.uri;
    const uri = given && (notebookCellOf(given)?.notebook.uri ?? given);
    if (!uri || uri.scheme !== "file") {
      void vscode.window.showInformationMessage("Backprop Ninja: open the exercise file first.");
      return undefined;
    }
    if (!/\.((c|m)?[jt]sx?|py|ipynb)$/i.test(uri.fsPath)) {
      void vscode.window.showInformationMessage("Backprop Ninja: finite-difference checks work on TypeScript, JavaScript and Python scripts and on notebooks.");
      return undefined;
    }
    let name = arg?.name;
    if (!name) {
      const last = s.runs.last(uri);
      const names = last ? [...last.outcome.tensors.keys()] : [];
      name = names.length
        ? await vscode.window.showQuickPick(names, { placeHolder: "Which tensor's gradient should be checked?" })
        : await vscode.window.showInputBox({ prompt: "Name of the tensor whose gradient to check" });
      if (!name) return undefined;
    }
    const key = uri.toString();
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key)
      ?? vscode.workspace.notebookDocuments.find((d) => d.uri.toString() === key);
    if (doc?.isDirty) await doc.save();
    const report = await vscode.window.withProgress(
      // Python re-runs take about a second per probe (two per element): the check can be cancelled
      { location: vscode.ProgressLocation.Notification, title: `Backprop Ninja: checking ${name} with finite differences…`, cancellable: true },
      async (_progress, token) => {
        const { loadRunner } = await import("../executor");
        const { Runner, runNative, resolvePython, workspaceNames } = loadRunner(s.context);
        const runner = new Runner();
        try {
          // Python on the user's own interpreter when chosen (#22): its probes run in that process
          const config = readConfig();
          const handle = config.pythonBackend === "interpreter" && /\.(py|ipynb)$/i.test(uri.fsPath)
            ? runNative(uri.fsPath, {
              python: resolvePython(config.pythonPath), timeoutMs: 0, memoryMb: config.memoryCap, finiteDifference: { name: name! },
              env: workspaceNames(uri.fsPath, vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath),
            })
            : runner.run(uri.fsPath, { timeoutMs: 0, memoryMb: config.memoryCap, finiteDifference: { name: name! } });
          const cancel = token.onCancellationRequested(() => handle.cancel("finite-difference check cancelled"));
          const trace = await handle.trace.finally(() => cancel.dispose());
          if (trace.status === "cancelled") return { name: name!, error: "cancelled" };
          return trace.finiteDifference ?? { name: name!, error: trace.error ? `the script failed: ${trace.error.message}` : "no result" };
        } finally {
          runner.dispose();
        }
      },
    );
    const text = finiteDifferenceVerdict(report);
    s.log.info(`finite differences on ${name}: ${text}`);
    for (const x of report.samples ?? []) {
      const mine = x.manual !== undefined ? ` ${report.manualName} ${x.manual}` : "";
      s.log.info(`  [${x.index.join(", ")}] numeric ${x.numeric} autograd ${x.autograd}${mine} rel ${x.relError.toExponential(2)}`);
    }
    if (report.error) {
      void vscode.window.showWarningMessage(`Backprop Ninja: ${text}`);
      return report;
    }
    // the drawer has the table; the toast says the verdict in a line and can bring the panel back
    const show = () => GradientPanel.createOrShow(s.context, s.runs, { preserveFocus: true }).showFiniteDifference(uri.toString(), report);
    show();
    const bad = !report.agrees || report.samples!.some((x) => x.manualAgrees === false);
    const toast = bad ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void toast(`∂ ${name}: ${text}.`, SHOW_IN_PANEL).then((pick) => {
      if (pick === SHOW_IN_PANEL) show();
    });
    return report;
  };
}
