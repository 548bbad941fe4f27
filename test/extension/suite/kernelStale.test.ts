// CodeLens in notebook cells after an edit: a cell whose text changed since it ran shows its verdicts
// as stale, as a .py file does; the other cells' stay fresh, and running the cell again refreshes it.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as vscode from "vscode";
import type { BackpropNinjaApi } from "../../../src/extension/extension";

const EXTENSION_ID = "backprop-ninja.backprop-ninja";

describe("Notebook kernel: CodeLens of an edited cell", function () {
  it("marks the edited cell's verdicts stale until it runs again; other cells stay fresh", async function () {
    const ext = vscode.extensions.getExtension<BackpropNinjaApi>(EXTENSION_ID)!;
    const api = ext.isActive ? ext.exports : await ext.activate();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    const uri = vscode.Uri.joinPath(folder.uri, "kernel_stale.ipynb");
    const code = (src: string) => ({ cell_type: "code", metadata: {}, outputs: [], execution_count: null, source: src.split(/(?<=\n)/) });
    fs.writeFileSync(uri.fsPath, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [
      code("import torch\ndef cmp(s, dt, t):\n    pass\nx = torch.ones(3, requires_grad=True)\n(2 * x).sum().backward()\ncmp('x', torch.full((3,), 2.0), x)"),
      code("y = torch.ones(2, requires_grad=True)\n(y * y).sum().backward()\ncmp('y', 2 * y, y)"),
    ] }));
    const nb = await vscode.workspace.openNotebookDocument(uri);
    await vscode.window.showNotebookDocument(nb);
    const run = async (cell: number) => {
      const done = new Promise<void>((resolve) => {
        const sub = api.kernel.onDidRunCell((e) => { if (e.notebook === nb && e.cell === cell) { sub.dispose(); resolve(); } });
      });
      await vscode.commands.executeCommand("notebook.cell.execute", { ranges: [{ start: cell, end: cell + 1 }], document: uri });
      await done;
    };
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
