// The notebook kernel on the user's own Python and PyTorch (#22) inside a real extension host:
// backpropNinja.pythonBackend = interpreter, backpropNinja.pythonPath = Debian's /usr/bin/python3
// (with python3-torch). Cells share one process's globals; output, Out[n], cmp tables and errors
// (Cell In[n]) show under the cells; Stop interrupts a running cell and the session goes on.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as vscode from "vscode";
import type { BackpropNinjaApi } from "../../../src/extension/extension";
import { INTERPRETER_KERNEL_LABEL } from "../../../src/extension/kernel";
import { cellRan, runCells as runAll, textOf, until, workspaceFile, writeNotebook } from "../exerciseNotebook";
import { note } from "../report";

const EXTENSION_ID = "backprop-ninja.backprop-ninja";
const PYTHON = "/usr/bin/python3";
const ERROR_MIME = "application/vnd.code.notebook.error";
const STDOUT_MIME = "application/vnd.code.notebook.stdout";

const CELLS = [
  "import sys, torch\ntorch.manual_seed(1)\nw = torch.randn(3, 2, requires_grad=True)\nprint('python', sys.executable)",
  "loss = (w * w).sum()\nloss.backward()\ndw = 2 * w\ndef cmp(s, dt, t):\n    print(s, bool((dt == t.grad).all()))\ncmp('w', dw, w)\nw.shape",
  "print('started', flush=True)\nimport time\nwhile True:\n    time.sleep(0.01)",
  "undefined_name + 1",
  "import matplotlib.pyplot as plt\nprint('before')\nplt.plot([1, 2]); plt.show()\nprint('between')\nplt.plot([2, 1]); plt.show()\nprint('after')",
];

describe("Notebook kernel on the user's Python (interpreter backend)", function () {
  let api: BackpropNinjaApi;
  let nb: vscode.NotebookDocument;
  const uri = workspaceFile("native_kernel.ipynb");
  const config = () => vscode.workspace.getConfiguration("backpropNinja");

  before(async function () {
    if (!fs.existsSync(PYTHON)) this.skip();
    const ext = vscode.extensions.getExtension<BackpropNinjaApi>(EXTENSION_ID)!;
    api = ext.isActive ? ext.exports : await ext.activate();
    await config().update("pythonPath", PYTHON, vscode.ConfigurationTarget.Global);
    await config().update("pythonBackend", "interpreter", vscode.ConfigurationTarget.Global);
    writeNotebook(uri, CELLS);
    nb = await vscode.workspace.openNotebookDocument(uri);
    await vscode.window.showNotebookDocument(nb);
  });

  after(async () => {
    await vscode.commands.executeCommand("workbench.action.closeActiveEditor");
    await config().update("pythonBackend", undefined, vscode.ConfigurationTarget.Global);
    await config().update("pythonPath", undefined, vscode.ConfigurationTarget.Global);
  });

  it("the kernel picker names the user's Python, not WebAssembly", async function () {
    const c = api.kernel.controllerFor(nb)!;
    await until("the controller follows the backend setting", () => c.label === INTERPRETER_KERNEL_LABEL, 10_000);
    assert.equal(c.description, PYTHON);
  });

  it("runs cells in one process of /usr/bin/python3: globals kept, Out[n], the cmp table under its cell", async function () {
    await runAll(api, nb, 0, 2);
    assert.equal(nb.cellAt(0).executionSummary?.success, true, textOf(nb.cellAt(0), ERROR_MIME));
    assert.match(textOf(nb.cellAt(0), STDOUT_MIME), new RegExp(`^python ${PYTHON}\\n`));
    const second = nb.cellAt(1);
    assert.equal(second.executionSummary?.success, true, textOf(second, ERROR_MIME));
    assert.equal(textOf(second, STDOUT_MIME), "w True\n");
    assert.match(textOf(second, "text/plain"), /torch\.Size\(\[3, 2\]\)/);
    assert.match(textOf(second, "text/html"), /\bw\b[\s\S]*exact/, "the cmp table of PyTorch's verdict");
    assert.deepEqual([0, 1].map((i) => nb.cellAt(i).executionSummary?.executionOrder), [1, 2]);
  });

  it("Stop interrupts a running cell with KeyboardInterrupt; the next cell's error reads Cell In[n]", async function () {
    const cell = nb.cellAt(2);
    const done = runAll(api, nb, 2);
    await until("the cell started", () => textOf(cell, STDOUT_MIME).includes("started"));
    const t0 = Date.now();
    await vscode.commands.executeCommand("notebook.cell.cancelExecution", { ranges: [{ start: 2, end: 3 }], document: nb.uri });
    await done;
    note(`native kernel: Stop to the cell's end ${Date.now() - t0} ms`);
    assert.equal(cell.executionSummary?.success, false);
    const err = JSON.parse(textOf(cell, ERROR_MIME)) as { name: string; stack: string };
    assert.equal(err.name, "KeyboardInterrupt");
    assert.match(err.stack, /Cell In\[3\], line 4/);
    await runAll(api, nb, 3);
    const bad = JSON.parse(textOf(nb.cellAt(3), ERROR_MIME)) as { name: string; stack: string };
    assert.equal(bad.name, "NameError");
    assert.match(bad.stack, /Cell In\[4\], line 1/);
    assert.equal(nb.cellAt(3).executionSummary?.executionOrder, 4, "the same session after the interrupt");
  });

  it("matplotlib figures show where the cell shows them, between its printed lines", async function () {
    await runAll(api, nb, 4);
    const cell = nb.cellAt(4);
    assert.equal(cell.executionSummary?.success, true, textOf(cell, ERROR_MIME));
    // each output: its stdout text (items appended as the text came, joined), or its items' types
    const outputs = cell.outputs.map((o) => (o.items.every((i) => i.mime === STDOUT_MIME)
      ? `text:${o.items.map((i) => new TextDecoder().decode(i.data)).join("")}` : o.items.map((i) => i.mime).join("+")));
    assert.deepEqual(outputs, ["text:before\n", "image/svg+xml", "text:between\n", "image/svg+xml", "text:after\n"]);
  });

  it("an interpreter that cannot be used: the first cell says why and where to choose another; Run All stops there", async function () {
    const missing = workspaceFile("no_python.ipynb");
    await config().update("pythonPath", "/nonexistent/bin/python3", vscode.ConfigurationTarget.Global);
    try {
      writeNotebook(missing, ["x = 1", "print(x)"]);
      const doc = await vscode.workspace.openNotebookDocument(missing);
      await vscode.window.showNotebookDocument(doc);
      // cells 0-1 in one run; then cell 0 alone, queued behind it: by its end the first run has ended
      let secondRuns = 0;
      const counting = api.kernel.onDidRunCell((e) => void (e.notebook === doc && e.cell === 1 && secondRuns++));
      const first = cellRan(api, doc, 0);
      await vscode.commands.executeCommand("notebook.cell.execute", { ranges: [{ start: 0, end: 2 }], document: doc.uri });
      await first;
      await runAll(api, doc, 0);
      counting.dispose();
      assert.equal(secondRuns, 0, "cell 1 ran after cell 0 failed");
      const err = JSON.parse(textOf(doc.cellAt(0), ERROR_MIME)) as { name: string; stack: string };
      assert.equal(err.name, "InterpreterError");
      assert.match(err.stack, /No Python interpreter "\/nonexistent\/bin\/python3" was found\.\n/);
      assert.match(err.stack, /Backprop Ninja: Choose Python backend/);
      await vscode.commands.executeCommand("workbench.action.closeActiveEditor");
    } finally {
      await config().update("pythonPath", PYTHON, vscode.ConfigurationTarget.Global);
    }
  });
});
