// Hovers on identifiers bound to a tensor (or micrograd Value) in the last run of the file: shape,
// dtype, value and grad statistics, and for `X` or `dX` the verdict of cmp("X", …) with maxdiff and
// a heatmap of the gradient difference. Results from an older version of the file say so. In a
// notebook cell they read the notebook's kernel state: the tensors bound now, every cell's cmp rows.
import * as vscode from "vscode";
import { heatmapImage } from "./heatmap";
import { fmtNum, fmtShape, type CmpView, type RunOutcome, type Stats, type TensorView } from "./model";
import { lastRunOf } from "./notebookCells";
import type { RunController } from "./runs";

const IDENT = /[A-Za-z_$][A-Za-z0-9_$]*/;

function statsLine(label: string, s: Stats | undefined): string | undefined {
  if (!s) return undefined;
  const bad = s.nonFinite ? ` · **${s.nonFinite} NaN/Inf**` : "";
  return `${label}: min ${fmtNum(s.min)} · max ${fmtNum(s.max)} · mean ${fmtNum(s.mean)} · std ${fmtNum(s.std)}${bad}`;
}

const VERDICT_WORD: Record<CmpView["status"], string> = {
  exact: "✓ exact",
  approximate: "≈ approximate",
  wrong: "✗ wrong",
  "shape-mismatch": "✗ shape mismatch",
  "no-grad": "⚠ no autograd gradient",
  "not-written": "○ not written yet",
};

/**
 * The cmp calls an identifier takes part in: `dX` → the cmp that checks it; `X` → cmp("X", …).
 * `cell`: the notebook cell `doc` is (its lines are only compared with that cell's rows).
 */
export function comparisonsFor(word: string, outcome: RunOutcome, doc: vscode.TextDocument, cell?: number): CmpView[] {
  const asManual = outcome.comparisons.filter((c) => c.manualName === word);
  if (asManual.length) return asManual;
  const asTensor = outcome.comparisons.filter((c) => c.tensorName === word || (c.tensorName === undefined && c.name === word));
  if (asTensor.length) return asTensor;
  if (!word.startsWith("d") || word.length < 2) return [];
  // no variable names in the trace: `dX` is checked by cmp("X", …); prefer the call that passes it
  const all = outcome.comparisons.filter((c) => c.name === word.slice(1));
  const passes = new RegExp(`\\b${word.replace(/\$/g, "\\$")}\\b`);
  const exactCall = all.filter((c) => c.cell === cell && c.line < doc.lineCount && passes.test(doc.lineAt(c.line).text));
  return exactCall.length ? exactCall : all;
}

export function hoverMarkdown(word: string, tensor: TensorView | undefined, cmps: CmpView[], stale: boolean): vscode.MarkdownString | undefined {
  if (!tensor && cmps.length === 0) return undefined;
  const md = new vscode.MarkdownString(undefined, true);
  md.supportHtml = false;
  md.isTrusted = false;
  const lines: string[] = [];
  if (tensor) {
    if (tensor.kind === "value") {
      lines.push(`**${word}**: Value · data ${fmtNum(tensor.data)} · grad ${fmtNum(tensor.gradValue)}`);
    } else {
      lines.push(`**${word}**: Tensor ${fmtShape(tensor.shape)} · ${tensor.dtype}`);
      const s = statsLine("values", tensor.stats);
      if (s) lines.push(s);
      const g = statsLine("grad", tensor.gradStats);
      if (g) lines.push(g);
    }
  }
  for (const c of cmps) {
    const detail = c.status === "approximate" || c.status === "wrong" || c.status === "exact"
      ? ` · maxdiff ${fmtNum(c.maxdiff)}`
      : c.status === "shape-mismatch" ? ` · manual ${fmtShape(c.manualShape)} vs grad ${fmtShape(c.gradShape)}` : "";
    const at = c.cell === undefined ? `line ${c.line + 1}` : `cell ${c.cell + 1}, line ${c.line + 1}`;
    lines.push(`cmp("${c.name}") at ${at}: **${VERDICT_WORD[c.status]}**${detail}`);
    if (c.message && c.status !== "not-written") lines.push(`_${c.message}_`);
    if (c.diagnosis) lines.push(`$(lightbulb) ${c.diagnosis}`);
  }
  const heat = cmps.find((c) => c.diff && c.status !== "exact")?.diff ?? tensor?.grad;
  if (heat) {
    const img = heatmapImage(heat);
    const what = cmps.some((c) => c.diff && c.status !== "exact") ? "manual − autograd" : "grad";
    const corner = heat.sampled ? ", top-left corner" : "";
    // the caption says what the colors mean: blue below zero, red above, full color at ±scale
    if (img) {
      lines.push(`![${what} heatmap](${img.uri})  \n_${what}, ${heat.rows}×${heat.cols}${corner} · ` +
        (img.scale ? `blue < 0 < red, full color at ±${fmtNum(img.scale)}_` : "all zero_"));
    }
  }
  if (stale) lines.push("_$(history) stale: the file was edited after this run_");
  md.appendMarkdown(lines.join("\n\n"));
  return md;
}

export class TensorHoverProvider implements vscode.HoverProvider {
  constructor(private readonly runs: RunController) {}

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const run = lastRunOf(this.runs, doc);
    if (!run) return undefined;
    const range = doc.getWordRangeAtPosition(pos, IDENT);
    if (!range) return undefined;
    const word = doc.getText(range);
    const { outcome } = run.rec;
    const md = hoverMarkdown(word, outcome.tensors.get(word), comparisonsFor(word, outcome, doc, run.cell), run.stale);
    return md ? new vscode.Hover(md, range) : undefined;
  }
}
