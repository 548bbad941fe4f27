// The code cells of a Jupyter notebook (.ipynb, nbformat 4), ready to run in order. IPython syntax
// that is not Python is replaced by `pass` line by line (`%matplotlib inline`, `!pip install ...`, `x?`), with a
// note; a cell magic (`%%time`, `%%capture`) keeps its body, other cell magics skip the cell.

export interface CodeCell {
  /** index among all cells of the notebook (what VS Code's notebook API numbers) */
  index: number;
  /** the runnable Python text; skipped lines become `pass` so line numbers stay the cell's own */
  source: string;
  /** 1-based lines that were blanked */
  skippedLines: number[];
}

const RUNS_BODY = new Set(["time", "timeit", "capture"]);

export function notebookCodeCells(ipynbText: string): { cells: CodeCell[]; notes: string[] } {
  let nb: { cells?: { cell_type?: string; source?: string | string[] }[] };
  try {
    nb = JSON.parse(ipynbText);
  } catch (e) {
    throw new Error(`not a valid .ipynb (JSON): ${(e as Error).message}`);
  }
  const cells: CodeCell[] = [];
  const notes: string[] = [];
  (nb.cells ?? []).forEach((c, index) => {
    if (c.cell_type !== "code") return;
    const cell = codeCell(Array.isArray(c.source) ? c.source.join("") : c.source ?? "", index);
    notes.push(...cell.notes);
    if (cell.source !== undefined) cells.push({ index, source: cell.source, skippedLines: cell.skippedLines });
  });
  return { cells, notes };
}

/**
 * One code cell's text made runnable (cell `index`, 0-based): `source` is undefined when a cell magic
 * skips the whole cell. The notes name the cell as the user counts (1-based).
 */
export function codeCell(text: string, index: number): { source?: string; skippedLines: number[]; notes: string[] } {
  const lines = text.split("\n");
  const skippedLines: number[] = [];
  const notes: string[] = [];
  const first = lines[0]?.trim() ?? "";
  if (first.startsWith("%%")) {
    const magic = first.slice(2).split(/\s+/)[0];
    if (!RUNS_BODY.has(magic)) {
      notes.push(`cell ${index + 1}: %%${magic} cell skipped (cell magics are not run)`);
      return { skippedLines, notes };
    }
    lines[0] = "";
    skippedLines.push(1);
    notes.push(`cell ${index + 1}: %%${magic} ignored, its body runs`);
  }
  lines.forEach((line, i) => {
    const s = line.trim();
    if (s.startsWith("%") || s.startsWith("!") || (/^[A-Za-z_][\w.]*\?{1,2}$/.test(s))) {
      notes.push(`cell ${index + 1}, line ${i + 1}: \`${s}\` ignored (IPython syntax)`);
      lines[i] = line.slice(0, line.length - line.trimStart().length) + "pass";
      skippedLines.push(i + 1);
    }
  });
  return { source: lines.join("\n"), skippedLines, notes };
}
