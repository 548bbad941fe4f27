// The notebook kernel inside a real extension host: a notebook of the exercise's shape (the project's
// own examples/python/backprop_ninja.py cut at its "# ----" sections), run with the Backprop Ninja
// controller cell by cell and all at once; outputs, execution order, cmp tables, kept state, the
// panel's trace, interrupt and restart.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { BackpropNinjaApi } from "../../../src/extension/extension";
import { KERNEL_LABEL } from "../../../src/extension/kernel";
import type { Trace } from "../../../src/protocol/trace";
import { cellRan, exerciseNotebook, runCells as runAll, textOf, until, workspaceFile } from "../exerciseNotebook";
import { metric, note, screenshot } from "../report";

const EXTENSION_ID = "backprop-ninja.backprop-ninja";
const CONTROLLER_ID = "backprop-ninja-jupyter-notebook";
/** the notebook file's cells: a markdown title, the exercise's sections, two cells reading their state */
const FILE_CELLS = 9;

/** The exercise cut into cells at its sections, then cells that read the state the others left. */
const notebookText = () => exerciseNotebook(workspaceFile("python/backprop_ninja.py").fsPath, ["Xb.shape", "cmp('logits', dlogits * 2, logits)"]);

describe("Notebook kernel: Backprop Ninja (Python in WebAssembly)", function () {
  let api: BackpropNinjaApi;
  let nb: vscode.NotebookDocument;
  const uri = workspaceFile("kernel_exercise.ipynb");

  /** Runs cells [start, end) through VS Code's own command; resolves with the ms from the command to the kernel's end. */
  async function runCells(start: number, end = start + 1): Promise<number> {
    const t0 = performance.now();
    const run = await runAll(api, nb, start, end);
    return run.at.written - t0;
  }

  before(async function () {
    const ext = vscode.extensions.getExtension<BackpropNinjaApi>(EXTENSION_ID)!;
    api = ext.isActive ? ext.exports : await ext.activate();
    fs.writeFileSync(uri.fsPath, notebookText());
    nb = await vscode.workspace.openNotebookDocument(uri);
    // no kernel selected, as a learner opening the notebook: running a cell picks ours
    await vscode.window.showNotebookDocument(nb);
    assert.equal(nb.notebookType, "jupyter-notebook");
  });

  it("offers the controller for Jupyter notebooks under its label", function () {
    const c = api.kernel.controllerFor(nb);
    assert.ok(c);
    assert.equal(c.label, KERNEL_LABEL);
    assert.equal(c.id, CONTROLLER_ID);
  });

  it("runs cells one by one in one session: streamed output, execution order, notes on magics", async function () {
    for (let i = 1; i <= 3; i++) await runCells(i);
    assert.ok(api.kernel.isSelected(nb), "running the cells selected the controller, which the toolbar names");
    // the kernel picker, open over the toolbar that names the kernel (VS Code's command needs the
    // editor: with no argument it fails on a null)
    void vscode.commands.executeCommand("notebook.selectKernel", { notebookEditor: vscode.window.activeNotebookEditor });
    await screenshot("notebook-kernel-picker", ".quick-input-widget .monaco-list-row");
    await vscode.commands.executeCommand("workbench.action.closeQuickOpen");
    const [imports, data, model] = [nb.cellAt(1), nb.cellAt(2), nb.cellAt(3)];
    assert.deepEqual([imports, data, model].map((c) => c.executionSummary?.executionOrder), [1, 2, 3]);
    assert.ok([imports, data, model].every((c) => c.executionSummary?.success), textOf(model, "application/vnd.code.notebook.error"));
    assert.match(textOf(imports, "application/vnd.code.notebook.stderr"), /%matplotlib inline.*ignored/);
    assert.match(textOf(data, "application/vnd.code.notebook.stdout"), /^32033\n15\n/);
    assert.match(textOf(model, "application/vnd.code.notebook.stdout"), /tensor\(3\.\d+/); // print(loss), loss from cell 2's data
  });

  it("a cell calling cmp gets its verdict table; the panel's trace holds that cell's rows", async function () {
    await runCells(4);
    const ex1 = nb.cellAt(4);
    const html = textOf(ex1, "text/html");
    assert.equal((html.match(/data-status="exact"/g) ?? []).length, 26, html.slice(0, 400));
    assert.match(textOf(ex1, "text/plain"), /26\/26 exact/);
    const rec = api.runs.last(nb.uri);
    assert.ok(rec);
    assert.equal(rec.reason, "kernel");
    const trace = rec.trace as Trace;
    assert.equal(trace.comparisons.length, 26);
    assert.ok(trace.comparisons.every((c) => c.cell === 4));
    assert.equal(trace.graph?.source, "backward", "the graph of cell 3's backward");
    // the panel's row click: the cmp's line in its cell, not in the notebook's JSON
    const row = trace.comparisons[0];
    await vscode.commands.executeCommand("backpropNinja.revealLine", nb.uri.toString(), row.line - 1, 0, row.cell);
    const ed = vscode.window.activeTextEditor;
    assert.equal(ed?.document.uri.toString(), ex1.document.uri.toString(), "the cell's editor has the cursor");
    assert.equal(ed?.selection.active.line, row.line - 1);
  });

  it("hovers on tensor names in the cells read the kernel's state: shape, stats, grad and verdict", async function () {
    const hoverAt = async (cell: number, lineStart: string, word: string) => {
      const doc = nb.cellAt(cell).document;
      const line = doc.getText().split("\n").findIndex((l) => l.startsWith(lineStart));
      assert.ok(line >= 0, `cell ${cell} has no line starting ${lineStart}`);
      const pos = new vscode.Position(line, doc.lineAt(line).text.indexOf(word) + 1);
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>("vscode.executeHoverProvider", doc.uri, pos);
      return hovers.flatMap((h) => h.contents.map((c) => (typeof c === "string" ? c : c.value))).join("\n");
    };
    // the learner's gradient, in the exercise cell: its shape and the verdict of the cmp that checks it
    const dlogits = await hoverAt(4, "dlogits = ", "dlogits");
    assert.match(dlogits, /\*\*dlogits\*\*: Tensor \[32, 27\] · float32/);
    assert.match(dlogits, /values: min -?\d/);
    assert.match(dlogits, /cmp\("logits"\) at cell 5, line \d+: \*\*✓ exact\*\*/);
    // a tensor of the model cell, bound in the session: its autograd gradient's stats and the same verdict
    const logits = await hoverAt(3, "logits = ", "logits");
    assert.match(logits, /\*\*logits\*\*: Tensor \[32, 27\]/);
    assert.match(logits, /grad: min -?\d.* · std \d/);
    assert.match(logits, /cmp\("logits"\) at cell 5, line \d+: \*\*✓ exact\*\*/);
  });

  it("re-running a cell replaces its rows and keeps the others'; state stays between cells", async function () {
    await runCells(5, 7);
    const ms = await runCells(4);
    metric("notebook cell re-run → outputs (ms)", ms);
    note(`exercise-1 cell re-run → its outputs and the published trace: ${ms.toFixed(0)} ms`);
    const trace = api.runs.last(nb.uri)!.trace as Trace;
    assert.equal(trace.comparisons.length, 28);
    assert.deepEqual([...new Set(trace.comparisons.map((c) => c.cell))], [4, 5, 6]);
    assert.equal(nb.cellAt(4).executionSummary?.executionOrder, 7);
    await runCells(7);
    assert.equal(textOf(nb.cellAt(7), "text/plain"), "torch.Size([32, 3])");
  });

  it("a wrong gradient's row is marked wrong with its maxdiff", async function () {
    await runCells(8);
    const html = textOf(nb.cellAt(8), "text/html");
    assert.match(html, /data-status="wrong"/);
    assert.match(html, /wrong, maxdiff \d/);
    note(`wrong row as the cell shows it: ${textOf(nb.cellAt(8), "text/plain").replace(/\n/g, " | ")}`);
  });

  it("Run backprop exercise runs every cell with this kernel, in order", async function () {
    const done = cellRan(api, nb, nb.cellCount - 1);
    await vscode.commands.executeCommand("backpropNinja.run");
    await done;
    const orders = nb.getCells().filter((c) => c.kind === vscode.NotebookCellKind.Code).map((c) => c.executionSummary?.executionOrder);
    assert.deepEqual(orders, orders.map((_, k) => orders[0]! + k));
    assert.equal((api.runs.last(nb.uri)!.trace as Trace).comparisons.length, 29);
  });

  it("Stop interrupts a cell that never ends; the session keeps its globals", async function () {
    const edit = new vscode.WorkspaceEdit();
    edit.set(nb.uri, [vscode.NotebookEdit.insertCells(nb.cellCount, [
      new vscode.NotebookCellData(vscode.NotebookCellKind.Code, "print('spinning', flush=True)\nwhile True:\n    pass", "python"),
    ])]);
    assert.ok(await vscode.workspace.applyEdit(edit));
    const long = nb.cellCount - 1;
    const done = runCells(long);
    await until("the cell printed", () => textOf(nb.cellAt(long), "application/vnd.code.notebook.stdout").includes("spinning"));
    await vscode.commands.executeCommand("notebook.cell.cancelExecution", { ranges: [{ start: long, end: long + 1 }], document: nb.uri });
    await done;
    assert.equal(nb.cellAt(long).executionSummary?.success, false);
    assert.match(textOf(nb.cellAt(long), "application/vnd.code.notebook.error"), /KeyboardInterrupt/);
    await runCells(7);
    assert.equal(textOf(nb.cellAt(7), "text/plain"), "torch.Size([32, 3])");
  });

  it("a matplotlib figure is an SVG image output of its cell", async function () {
    const edit = new vscode.WorkspaceEdit();
    edit.set(nb.uri, [vscode.NotebookEdit.insertCells(nb.cellCount, [new vscode.NotebookCellData(vscode.NotebookCellKind.Code,
      "import matplotlib.pyplot as plt\nplt.plot([1, 4, 9, 16], label='squares')\nplt.title('loss by step')\nplt.legend()\nplt.show()", "python")])]);
    assert.ok(await vscode.workspace.applyEdit(edit));
    await runCells(nb.cellCount - 1);
    const cell = nb.cellAt(nb.cellCount - 1);
    assert.equal(cell.executionSummary?.success, true, textOf(cell, "application/vnd.code.notebook.error"));
    const svg = textOf(cell, "image/svg+xml");
    assert.match(svg, /^<svg [^>]*width="461px" height="346px"/); // matplotlib's 6.4 × 4.8 in at 72 px per inch
    assert.match(svg, />loss by step</);
    assert.match(svg, />squares</);
  });

  it("Restart notebook kernel drops the globals and numbers from 1 again", async function () {
    await vscode.commands.executeCommand("backpropNinja.restartKernel", nb.uri);
    await runCells(7);
    const cell = nb.cellAt(7);
    assert.equal(cell.executionSummary?.executionOrder, 1);
    assert.equal(cell.executionSummary?.success, false);
    assert.match(textOf(cell, "application/vnd.code.notebook.error"), /NameError.*Xb/s);
  });

  it("the outputs of the whole notebook match what the CLI prints for it", async function () {
    // a fresh session runs the cells the file on disk has, 1 to 8, in order, as the CLI will
    await vscode.commands.executeCommand("backpropNinja.restartKernel", nb.uri);
    await runCells(1, FILE_CELLS);
    const repo = process.env.BPN_REPO_ROOT;
    assert.ok(repo, "the harness names the repository (dist/cli.js)");
    const cli = await new Promise<{ code: number; stdout: string }>((resolve) => execFile(process.execPath, [path.join(repo, "dist", "cli.js"), "run", uri.fsPath],
      { cwd: path.dirname(uri.fsPath), maxBuffer: 64 << 20 }, (err, stdout) => resolve({ code: typeof err?.code === "number" ? err.code : 0, stdout })));
    assert.equal(cli.code, 1, "the CLI's exit status for a wrong gradient (the last cell's)");
    // the CLI echoes the cells' stdout and each last expression's value, then its report
    const decode = (i: vscode.NotebookCellOutputItem) => new TextDecoder().decode(i.data);
    const printed = nb.getCells(new vscode.NotebookRange(1, FILE_CELLS)).flatMap((c) => c.outputs
      .filter((o) => o.metadata?.backpropNinja !== "cmp")
      .flatMap((o) => o.items.flatMap((i) => i.mime === "application/vnd.code.notebook.stdout" ? [decode(i)] : i.mime === "text/plain" ? [`${decode(i)}\n`] : []))).join("");
    const header = `\n── gradients (${path.basename(uri.fsPath)}) ──\n`;
    const at = [...printed + header].findIndex((ch, k) => cli.stdout[k] !== ch);
    assert.equal(at, -1, `the kernel's output and the CLI's differ at character ${at}:\n` +
      `kernel: ${JSON.stringify((printed + header).slice(Math.max(0, at - 80), at + 80))}\ncli:    ${JSON.stringify(cli.stdout.slice(Math.max(0, at - 80), at + 80))}`);
    // the CLI's verdict table is the kernel's, row for row
    const rows = cli.stdout.slice(printed.length + header.length).split("\n").flatMap((l) => {
      const m = /^(\S+)\s+\| exact: (True|False)/.exec(l);
      return m ? [[m[1], m[2] === "True"]] : [];
    });
    const trace = api.runs.last(nb.uri)!.trace as Trace;
    assert.deepEqual(rows, trace.comparisons.map((c) => [c.name, c.status === "exact"]));
    // and the kernel's notes (magics) are the CLI's
    const notes = textOf(nb.cellAt(1), "application/vnd.code.notebook.stderr").split("\n").filter((l) => l.startsWith("note: "));
    assert.ok(notes.length > 0 && notes.every((n) => cli.stdout.includes(`${n}\n`)), notes.join("\n"));
    note(`whole notebook: ${printed.split("\n").length - 1} lines of output and ${rows.length} verdicts as the CLI prints them`);
    // the exercise-1 cell's table on screen, taken now: the harness's own last screenshot comes after
    // the extension host exited, when the toolbar has no kernel to name and says "Select Kernel"
    const editor = await vscode.window.showNotebookDocument(nb);
    editor.revealRange(new vscode.NotebookRange(4, 5), vscode.NotebookEditorRevealType.AtTop);
    await screenshot("notebook-outputs");
  });
});
