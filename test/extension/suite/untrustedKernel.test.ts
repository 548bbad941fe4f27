// The notebook kernel in restricted mode (a workspace that is not trusted): run by the harness in a
// code-server of its own with Workspace Trust on (test/e2e/extensionHost.e2e.test.ts). Nothing runs;
// the cell says why.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as vscode from "vscode";
import type { BackpropNinjaApi } from "../../../src/extension/extension";
import { screenshot } from "../report";

const EXTENSION_ID = "backprop-ninja.backprop-ninja";

describe("Notebook kernel in an untrusted workspace", function () {
  it("Run backprop exercise runs no cell: the first cell says why (workspace trust) and is marked failed", async function () {
    assert.equal(vscode.workspace.isTrusted, false, "the harness opens this suite's workspace in restricted mode");
    const ext = vscode.extensions.getExtension<BackpropNinjaApi>(EXTENSION_ID)!;
    const api = ext.isActive ? ext.exports : await ext.activate();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    const uri = vscode.Uri.joinPath(folder.uri, "untrusted.ipynb");
    const code = (src: string) => ({ cell_type: "code", metadata: {}, outputs: [], execution_count: null, source: [src] });
    // a cell that would leave a trace on disk if it ran
    fs.writeFileSync(uri.fsPath, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {},
      cells: [code("open('ran.txt', 'w').write('ran')"), code("1 + 1")] }));
    const nb = await vscode.workspace.openNotebookDocument(uri);
    await vscode.window.showNotebookDocument(nb);

    await vscode.commands.executeCommand("backpropNinja.run", uri);
    const [first, second] = [nb.cellAt(0), nb.cellAt(1)];
    // the execution's end reaches the document a moment after the command returns
    const deadline = Date.now() + 30_000;
    while (first.executionSummary?.success === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(first.executionSummary?.success, false);
    const error = first.outputs.flatMap((o) => o.items).find((i) => i.mime === "application/vnd.code.notebook.error");
    assert.ok(error, "the first cell has an error output");
    const err = JSON.parse(new TextDecoder().decode(error.data)) as { name: string; stack: string };
    assert.equal(err.name, "WorkspaceTrust");
    assert.match(err.stack, /runs exercise scripts only in a trusted workspace.*\nNothing ran/s);
    assert.equal(second.outputs.length, 0);
    assert.equal(second.executionSummary?.executionOrder, undefined);
    assert.equal(api.kernel.hasSession(uri), false, "no kernel session was started");
    // VS Code's own Run Cell asks for trust before a cell reaches the kernel and says nothing to
    // extensions when the user declines: the kernel picker's line under our label says it
    assert.match(api.kernel.controllerFor(nb)?.description ?? "", /^Restricted mode: cells run once the workspace is trusted/);
    assert.equal(fs.existsSync(vscode.Uri.joinPath(folder.uri, "ran.txt").fsPath), false);
    await screenshot("notebook-untrusted");
  });
});
