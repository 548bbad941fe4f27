// CodeLens in notebook cells after an edit: a cell whose text changed since it ran shows its verdicts
// as stale, as a .py file does; the other cells' stay fresh, and running the cell again refreshes it.
import assert from "node:assert/strict";
import * as vscode from "vscode";
import type { BackpropNinjaApi } from "../../../src/extension/extension";
import { runCells, workspaceFile, writeNotebook } from "../exerciseNotebook";

const EXTENSION_ID = "backprop-ninja.backprop-ninja";

describe("Notebook kernel: CodeLens of an edited cell", function () {
  it("marks the edited cell's verdicts stale until it runs again; other cells stay fresh", async function () {
    const ext = vscode.extensions.getExtension<BackpropNinjaApi>(EXTENSION_ID)!;
    const api = ext.isActive ? ext.exports : await ext.activate();
    const uri = workspaceFile("kernel_stale.ipynb");
    writeNotebook(uri, [
      "import torch\ndef cmp(s, dt, t):\n    pass\nx = torch.ones(3, requires_grad=True)\n(2 * x).sum().backward()\ncmp('x', torch.full((3,), 2.0), x)",
      "y = torch.ones(2, requires_grad=True)\n(y * y).sum().backward()\ncmp('y', 2 * y, y)",
    ]);
    const nb = await vscode.workspace.openNotebookDocument(uri);
    await vscode.window.showNotebookDocument(nb);
    const run = (cell: number) => runCells(api, nb, cell);
    const titles = async (cell: number) => {
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>("vscode.executeCodeLensProvider", nb.cellAt(cell).document.uri);
      return lenses.filter((l) => l.command?.command === "backpropNinja.showPanel").map((l) => l.command!.title);
    };
    try {
      await run(0);
      await run(1);
      assert.deepEqual(await titles(0), ["✓ x: exact"]);
      assert.deepEqual(await titles(1), ["✓ y: exact"]);
      const edit = new vscode.WorkspaceEdit();
      const doc = nb.cellAt(0).document;
      edit.insert(doc.uri, doc.lineAt(doc.lineCount - 1).range.end, "\n# edited after the run");
      assert.ok(await vscode.workspace.applyEdit(edit));
      assert.deepEqual(await titles(0), ["✓ x: exact (stale: edited since the run)"]);
      assert.deepEqual(await titles(1), ["✓ y: exact"], "a cell that was not edited stays fresh");
      await run(0);
      assert.deepEqual(await titles(0), ["✓ x: exact"]);
    } finally {
      await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
    }
  });
});
