// A 2-D grid drawn on a canvas with a diverging scale around zero (negative: charts.blue, positive:
// charts.red, zero: the editor background), shared across the heatmaps of one tensor.
import { useEffect, useRef } from "preact/hooks";
import { fmtNumber, type Grid } from "../model";
import { mix, themeColor, themeCss } from "./theme";

export interface HeatmapProps {
  title: string;
  grid?: Grid;
  /** |value| mapped to full color */
  scale: number;
  testId: string;
  note?: string;
}

const MAX_SIDE = 200;
/** the theme's colors of a heatmap: zero, negative, positive, NaN/Inf */
const COLORS: [string, string][] = [
  ["--vscode-editor-background", "#1e1e1e"], ["--vscode-charts-blue", "#3794ff"], ["--vscode-charts-red", "#f14c4c"], ["--vscode-charts-yellow", "#cca700"],
];

export function Heatmap(p: HeatmapProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const g = p.grid;
  const cell = g ? Math.max(1, Math.min(14, Math.floor(MAX_SIDE / Math.max(g.rows, g.cols)))) : 1;
  // what this canvas shows: a re-run with the same samples (most rows of a re-run) is not drawn again
  const drawn = useRef<{ canvas: HTMLCanvasElement; rows: number; cols: number; values: readonly number[]; scale: number; theme: string } | undefined>(undefined);
  useEffect(() => {
    const c = canvas.current;
    if (!c || !g) return;
    const theme = COLORS.map(([v, fallback]) => themeCss(v, fallback)).join(" ");
    const d = drawn.current;
    if (d && d.canvas === c && d.rows === g.rows && d.cols === g.cols && d.scale === p.scale && d.theme === theme && sameValues(d.values, g.values)) return;
    drawn.current = { canvas: c, rows: g.rows, cols: g.cols, values: g.values, scale: p.scale, theme };
    const ctx = c.getContext("2d")!;
    const [bg, neg, pos, nan] = COLORS.map(([v, fallback]) => themeColor(v, fallback));
    const img = ctx.createImageData(g.cols, g.rows);
    for (let i = 0; i < g.rows * g.cols; i++) {
      const v = g.values[i];
      const rgb = Number.isFinite(v) ? mix(bg, v < 0 ? neg : pos, Math.min(1, Math.abs(v) / (p.scale || 1))) : nan;
      img.data[4 * i] = rgb[0];
      img.data[4 * i + 1] = rgb[1];
      img.data[4 * i + 2] = rgb[2];
      img.data[4 * i + 3] = 255;
    }
    // draw 1:1 then let CSS scale with crisp pixels
    ctx.putImageData(img, 0, 0);
  }, [g, p.scale]);
  return (
    <figure class="heatmap" data-testid={p.testId}>
      <figcaption>{p.title}</figcaption>
      {g ? (
        <>
          <canvas
            ref={canvas}
            width={g.cols}
            height={g.rows}
            style={{ width: `${g.cols * cell}px`, height: `${g.rows * cell}px` }}
            title={`${g.rows}×${g.cols}${g.sampled ? " (sample)" : ""}; color scale ±${fmtNumber(p.scale, 3)}`}
          />
          <div class="heatmap-note">{g.rows}×{g.cols}{g.sampled ? " sample" : ""} · ±{fmtNumber(p.scale, 3)}{p.note ? ` · ${p.note}` : ""}</div>
        </>
      ) : (
        <div class="heatmap-missing">{p.note ?? "not in the trace"}</div>
      )}
    </figure>
  );
}

/**
 * Color scale for a set of grids: the 99th percentile of |value|, so a few large entries do not wash
 * every other cell out (cells beyond it saturate); the maximum when the percentile is 0.
 */
export function robustScale(...grids: (Grid | undefined)[]): number {
  const mags: number[] = [];
  for (const g of grids) if (g) for (const v of g.values) if (Number.isFinite(v)) mags.push(Math.abs(v));
  if (mags.length === 0) return 0;
  mags.sort((a, b) => a - b);
  return mags[Math.min(mags.length - 1, Math.floor(mags.length * 0.99))] || mags[mags.length - 1];
}

export function absMax(...grids: (Grid | undefined)[]): number {
  let m = 0;
  for (const g of grids) if (g) for (const v of g.values) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m;
}

/** Equal numbers in the same order (NaN equals NaN: it is drawn the same). */
export function sameValues(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
