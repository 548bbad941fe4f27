// Backprop Ninja: Check gradient with finite differences — re-runs the file and compares a named
// tensor's autograd gradient with float64 central differences on a few elements (the runner nudges
// one element at a time and re-runs the forward). From a CodeLens the tensor is the cmp's; from the
// palette it is picked among the tensors of the last run. From a notebook cell, the notebook is run.
import * as vscode from "vscode";
import type { FiniteDifferenceReport } from "../../protocol/trace";
import { notebookCellOf } from "../notebookCells";
import type { Services } from "./services";

function describe(r: FiniteDifferenceReport): string {
  if (r.error) return `${r.name}: ${r.error}`;
  const worst = r.samples!.reduce((a, b) => (b.relError > a.relError ? b : a));
  const head = r.agrees
    ? `✓ ${r.name}: autograd agrees with float64 central differences on ${r.samples!.length} elements`
    : `✗ ${r.name}: autograd differs from float64 central differences`;
  return `${head} (largest relative error ${r.maxRelError!.toExponential(1)} at [${worst.index.join(", ")}]: autograd ${worst.autograd.toPrecision(6)}, numeric ${worst.numeric.toPrecision(6)})`;
}

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
        const { Runner } = loadRunner(s.context);
        const runner = new Runner();
        try {
          const handle = runner.run(uri.fsPath, { timeoutMs: 0, finiteDifference: { name: name! } });
          const cancel = token.onCancellationRequested(() => handle.cancel("finite-difference check cancelled"));
          const trace = await handle.trace.finally(() => cancel.dispose());
          if (trace.status === "cancelled") return { name: name!, error: "cancelled" };
          return trace.finiteDifference ?? { name: name!, error: trace.error ? `the script failed: ${trace.error.message}` : "no result" };
        } finally {
          runner.dispose();
        }
      },
    );
    const text = describe(report);
    s.log.info(text);
    for (const x of report.samples ?? []) s.log.info(`  [${x.index.join(", ")}] autograd ${x.autograd} numeric ${x.numeric} rel ${x.relError.toExponential(2)}`);
    if (report.error || !report.agrees) void vscode.window.showWarningMessage(`Backprop Ninja: ${text}`);
    else void vscode.window.showInformationMessage(`Backprop Ninja: ${text}`);
    return report;
  };
}
