// Notebooks for the extension-host suites, and running their cells. exerciseNotebook: the project's
// own examples/python/backprop_ninja.py (the workspace's python/backprop_ninja.py) cut into cells at
// its "# ----" sections, after a markdown title, then `extra` cells; cell 4 is exercise 1's backward.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as vscode from "vscode";
import type { BackpropNinjaApi } from "../../src/extension/extension";
import type { CellRun } from "../../src/extension/kernel";

const codeCell = (src: string) => ({ cell_type: "code", metadata: {}, outputs: [], execution_count: null, source: src.split(/(?<=\n)/) });

export function exerciseNotebook(script: string, extra: string[] = []): string {
  const lines = fs.readFileSync(script, "utf8").split("\n");
  const starts = [0, ...lines.flatMap((l, i) => (l.startsWith("# ----") ? [i] : []))];
  const cells = starts.map((s, k) => lines.slice(s, starts[k + 1] ?? lines.length).join("\n").trimEnd());
  cells[0] = "%matplotlib inline\n" + cells[0];
  cells.push(...extra);
  return JSON.stringify({
    nbformat: 4, nbformat_minor: 5, metadata: { language_info: { name: "python" } },
    cells: [{ cell_type: "markdown", metadata: {}, source: ["# Becoming a backprop ninja"] }, ...cells.map(codeCell)],
  });
}

/** Writes a notebook of Python code cells (nbformat 4) to `uri`. */
export function writeNotebook(uri: vscode.Uri, cells: string[]): void {
  fs.writeFileSync(uri.fsPath, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: { language_info: { name: "python" } }, cells: cells.map(codeCell) }));
}

/** A file of the test workspace. */
export function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, "the tests need a workspace folder");
  return vscode.Uri.joinPath(folder.uri, name);
}

/** The cell's outputs of one MIME type, as text, joined. */
export const textOf = (cell: vscode.NotebookCell, mime: string): string =>
  cell.outputs.flatMap((o) => o.items.filter((i) => i.mime === mime).map((i) => new TextDecoder().decode(i.data))).join("");

/** Resolves as `p` does, or fails saying what did not happen within `ms`. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms / 1000} s`)), ms); }),
  ]);
}

/** Polls a condition of the workbench's state (outputs streaming in) until it holds. */
export async function until(what: string, ok: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolves when the kernel has finished `cell` of `nb` (its outputs are in the document then). */
export function cellRan(api: BackpropNinjaApi, nb: vscode.NotebookDocument, cell: number): Promise<CellRun> {
  return new Promise((resolve) => {
    const sub = api.kernel.onDidRunCell((e) => {
      if (e.notebook === nb && e.cell === cell) {
        sub.dispose();
        resolve(e);
      }
    });
  });
}

/**
 * Runs cells [start, end) of `nb` through VS Code's own command; resolves with the kernel's end of
 * the last, or fails after `timeoutMs`.
 */
export async function runCells(api: BackpropNinjaApi, nb: vscode.NotebookDocument, start: number, end = start + 1, timeoutMs = 180_000): Promise<CellRun> {
  const done = cellRan(api, nb, end - 1);
  await vscode.commands.executeCommand("notebook.cell.execute", { ranges: [{ start, end }], document: nb.uri });
  return within(done, timeoutMs, `the kernel finishing cells ${start}-${end - 1} of ${nb.uri.path.split("/").pop()}`);
}
