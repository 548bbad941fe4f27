// A 2-D grid drawn on a canvas with a diverging scale around zero (negative: charts.blue, positive:
// charts.red, zero: the editor background), shared across the heatmaps of one tensor.
import { useEffect, useRef } from "preact/hooks";
import { fmtNumber, type Grid } from "../model";
import { mix, themeColor } from "./theme";

export interface HeatmapProps {
  title: string;
  grid?: Grid;
  /** |value| mapped to full color */
  scale: number;
  testId: string;
  note?: string;
}

const MAX_SIDE = 200;

export function Heatmap(p: HeatmapProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const g = p.grid;
  const cell = g ? Math.max(1, Math.min(14, Math.floor(MAX_SIDE / Math.max(g.rows, g.cols)))) : 1;
  useEffect(() => {
    const c = canvas.current;
    if (!c || !g) return;
    const ctx = c.getContext("2d")!;
    const bg = themeColor("--vscode-editor-background", "#1e1e1e");
    const neg = themeColor("--vscode-charts-blue", "#3794ff");
    const pos = themeColor("--vscode-charts-red", "#f14c4c");
    const nan = themeColor("--vscode-charts-yellow", "#cca700");
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
