// The notebook kernel's bad inputs inside a real extension host: a cell with a syntax error, a cell
// that ignores its first Stop, the memory cap, and a notebook closed while a cell runs.
import assert from "node:assert/strict";
import * as vscode from "vscode";
import type { BackpropNinjaApi } from "../../../src/extension/extension";
import { cellRan, runCells as runAll, textOf, until, within, workspaceFile, writeNotebook } from "../exerciseNotebook";
import { note, screenshot } from "../report";

const EXTENSION_ID = "backprop-ninja.backprop-ninja";
const ERROR_MIME = "application/vnd.code.notebook.error";
const STDOUT_MIME = "application/vnd.code.notebook.stdout";

/** The cell's error output as the renderer gets it. */
function errorOf(cell: vscode.NotebookCell): { name: string; message: string; stack: string } {
  const text = textOf(cell, ERROR_MIME);
  assert.ok(text, `cell ${cell.index} has no error output`);
  return JSON.parse(text) as { name: string; message: string; stack: string };
}

/** The cells of the bad-inputs notebook. */
const CELLS = [
  "kept = 41\nprint('kept', kept)",
  "%matplotlib inline\nx = 1\nif x > 0\n    print(x)",
  "kept + 1",
  // catches every KeyboardInterrupt: only a second Stop ends it
  "print('started', flush=True)\nwhile True:\n    try:\n        while True:\n            pass\n    except KeyboardInterrupt:\n        print('ignored', flush=True)",
  "kept",
  // 40 MB a tensor, kept in a global
  "import torch\nxs = []\nfor i in range(1000):\n    xs.append(torch.zeros(10_000_000))",
];

describe("Notebook kernel: bad inputs", function () {
  let api: BackpropNinjaApi;
  let nb: vscode.NotebookDocument;
  const uri = workspaceFile("kernel_bad_inputs.ipynb");

  const runCells = (start: number, end?: number) => runAll(api, nb, start, end);

  const stop = (cell: number) =>
    vscode.commands.executeCommand("notebook.cell.cancelExecution", { ranges: [{ start: cell, end: cell + 1 }], document: nb.uri });

  before(async function () {
    const ext = vscode.extensions.getExtension<BackpropNinjaApi>(EXTENSION_ID)!;
    api = ext.isActive ? ext.exports : await ext.activate();
    writeNotebook(uri, CELLS);
    nb = await vscode.workspace.openNotebookDocument(uri);
    await vscode.window.showNotebookDocument(nb);
  });

  it("a syntax error: SyntaxError at the cell's own line with a caret, the cell failed, the run ended, the session kept", async function () {
    // cells 0-2 in one run: the failed cell 1 ends it, so cell 2 runs only when asked on its own
    let thirdRuns = 0;
    const counting = api.kernel.onDidRunCell((e) => void (e.notebook === nb && e.cell === 2 && thirdRuns++));
    const failed = cellRan(api, nb, 1);
    await vscode.commands.executeCommand("notebook.cell.execute", { ranges: [{ start: 0, end: 3 }], document: nb.uri });
    await within(failed, 180_000, "the kernel finishing cell 1");
    await runCells(2); // queued behind the first run, which ends (skipping cell 2) first
    counting.dispose();
    assert.equal(thirdRuns, 1, "cell 2 ran in the run that failed at cell 1");
    const bad = nb.cellAt(1);
    assert.equal(bad.executionSummary?.success, false);
    const err = errorOf(bad);
    assert.equal(err.name, "SyntaxError");
    // as IPython 8 prints it: the cell by its execution count, line 3 of the cell (the magic counts),
    // the line itself, and the caret after "if x > 0"
    assert.match(err.stack, /^ {2}Cell In\[2\], line 3\n {4}if x > 0\n {12}\^\nSyntaxError: expected ':'/m);
    assert.equal(textOf(nb.cellAt(2), "text/plain"), "42", "the next cell still sees the first cell's globals");
    assert.deepEqual([0, 1, 2].map((i) => nb.cellAt(i).executionSummary?.executionOrder), [1, 2, 3]);
    note(`syntax error as the cell shows it: ${JSON.stringify(err.stack)}`);
  });

  it("a cell ignoring Stop: the second Stop ends the worker, says the globals are lost; the next cell numbers from 1", async function () {
    const cell = nb.cellAt(3);
    const done = runCells(3);
    await until("the cell started", () => textOf(cell, STDOUT_MIME).includes("started"));
    await stop(3);
    const firstStop = Date.now();
    // KeyboardInterrupt reached Python, and the cell went on
    await until("the cell caught the interrupt", () => textOf(cell, STDOUT_MIME).includes("ignored"));
    assert.equal(cell.executionSummary?.success, undefined, "the first Stop leaves the cell running");
    // one Stop can reach the kernel twice within a moment (SAME_STOP_MS); a second press comes later
    await new Promise((r) => setTimeout(r, Math.max(0, 600 - (Date.now() - firstStop))));
    await stop(3);
    await done;
    assert.equal(cell.executionSummary?.success, false);
    const err = errorOf(cell);
    assert.equal(err.name, "KernelRestarted");
    assert.match(err.stack, /^KernelRestarted: the cell did not stop at the first interrupt, so the second one ended its worker\n\nThe kernel restarted: the globals of earlier cells are lost/);
    await screenshot("notebook-kernel-restarted");
    await runCells(4);
    const after = nb.cellAt(4);
    assert.equal(after.executionSummary?.executionOrder, 1);
    assert.match(errorOf(after).stack, /NameError: name 'kept' is not defined/);
  });

  it("the memory cap: the cell fails with MemoryError naming the cap and its setting, the kernel restarts, outputs stay", async function () {
    const config = vscode.workspace.getConfiguration("backpropNinja");
    await config.update("memoryCap", 320, vscode.ConfigurationTarget.Workspace);
    try {
      await runCells(0);
      await runCells(5);
      const cell = nb.cellAt(5);
      assert.equal(cell.executionSummary?.success, false);
      const err = errorOf(cell);
      assert.equal(err.name, "MemoryError");
      assert.match(err.stack, /line 4, in <module>\n {4}xs\.append\(torch\.zeros\(10_000_000\)\)/);
      assert.match(err.stack, /over the 320 MB memory cap/);
      assert.match(err.stack, /The kernel restarted: the globals of earlier cells are lost/);
      assert.match(err.stack, /raise it with the setting backpropNinja\.memoryCap/);
      // the earlier cell's output is still there; its globals are not
      assert.equal(textOf(nb.cellAt(0), STDOUT_MIME), "kept 41\n");
      await runCells(4);
      assert.equal(nb.cellAt(4).executionSummary?.executionOrder, 1);
      assert.match(errorOf(nb.cellAt(4)).stack, /NameError: name 'kept' is not defined/);
      note(`memory cap as the cell shows it: ${JSON.stringify(err.stack.split("\n").slice(-4).join("\n"))}`);
    } finally {
      await config.update("memoryCap", undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it("closing a notebook while a cell runs stops it and ends its worker, without errors; reopened, it runs", async function () {
    const closeUri = workspaceFile("kernel_close.ipynb");
    writeNotebook(closeUri, ["print('spinning', flush=True)\nwhile True:\n    pass", "1 + 1"]);
    // opened as a learner opens it (an editor, no API reference that would keep the document open)
    const open = async () => {
      await vscode.commands.executeCommand("vscode.openWith", closeUri, "jupyter-notebook");
      const doc = vscode.window.activeNotebookEditor?.notebook;
      assert.ok(doc && doc.uri.toString() === closeUri.toString());
      return doc;
    };
    let doc = await open();
    const errorsBefore = api.kernel.errorCount;
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on("unhandledRejection", onUnhandled);
    try {
      // (the command resolves when the cell's execution ends, so not awaited here)
      const running = Promise.resolve(vscode.commands.executeCommand("notebook.cell.execute", { ranges: [{ start: 0, end: 1 }], document: closeUri }))
        .then(() => "ended", (e: unknown) => `failed: ${String(e)}`);
      await until("the cell started", () => textOf(doc.cellAt(0), STDOUT_MIME).includes("spinning"));
      assert.ok(api.kernel.hasSession(closeUri));
      const closed = new Promise<void>((resolve) => {
        const sub = vscode.workspace.onDidCloseNotebookDocument((d) => { if (d.uri.toString() === closeUri.toString()) { sub.dispose(); resolve(); } });
      });
      await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
      await within(closed, 30_000, "the notebook document's close");
      assert.equal(api.kernel.hasSession(closeUri), false);
      await api.kernel.whenReleased(closeUri); // the worker thread has exited
      // reopened: a fresh session runs its cells
      // VS Code's execution of the cell ended too (the cell is not left spinning)
      assert.equal(await within(running, 30_000, "the execute command's return"), "ended");
      doc = await open();
      const second = cellRan(api, doc, 1);
      await vscode.commands.executeCommand("notebook.cell.execute", { ranges: [{ start: 1, end: 2 }], document: closeUri });
      await second;
      assert.equal(textOf(doc.cellAt(1), "text/plain"), "2");
      assert.equal(doc.cellAt(1).executionSummary?.executionOrder, 1);
      assert.equal(doc.cellAt(1).executionSummary?.success, true);
    } finally {
      process.off("unhandledRejection", onUnhandled);
      await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
    }
    assert.equal(api.kernel.errorCount, errorsBefore, "the kernel logged an error");
    assert.deepEqual(unhandled, []);
  });
});
