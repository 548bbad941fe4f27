// A small heatmap of a 2-D grid as an SVG data URI, for hovers: diverging blue–white–red around 0,
// scaled to the largest magnitude, the grid averaged down to at most 32×32 cells.
import type { Grid } from "./model";

const MAX_CELLS = 32;

/** The image, and the magnitude its full blue and full red stand for (for the caption). */
export interface HeatmapImage {
  uri: string;
  scale: number;
}

export function heatmapImage(grid: Grid, cellPx = 6): HeatmapImage | undefined {
  if (grid.rows <= 0 || grid.cols <= 0 || grid.values.length < grid.rows * grid.cols) return undefined;
  const rows = Math.min(grid.rows, MAX_CELLS), cols = Math.min(grid.cols, MAX_CELLS);
  const cells = new Float64Array(rows * cols);
  const counts = new Uint32Array(rows * cols);
  for (let r = 0; r < grid.rows; r++) {
    const rr = Math.floor((r * rows) / grid.rows);
    for (let c = 0; c < grid.cols; c++) {
      const v = grid.values[r * grid.cols + c];
      if (!Number.isFinite(v)) continue;
      const k = rr * cols + Math.floor((c * cols) / grid.cols);
      cells[k] += v;
      counts[k]++;
    }
  }
  let scale = 0;
  for (let k = 0; k < cells.length; k++) {
    if (counts[k]) cells[k] /= counts[k];
    scale = Math.max(scale, Math.abs(cells[k]));
  }
  // a vector (1 × n) gets taller cells so that it reads as a strip, not a hairline
  const cellH = rows < 4 ? 3 * cellPx : cellPx;
  const rects: string[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const k = r * cols + c;
      const fill = counts[k] ? color(scale ? cells[k] / scale : 0) : "#808080";
      rects.push(`<rect x="${c * cellPx}" y="${r * cellH}" width="${cellPx}" height="${cellH}" fill="${fill}"/>`);
    }
  }
  const w = cols * cellPx, h = rows * cellH;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" shape-rendering="crispEdges">${rects.join("")}</svg>`;
  return { uri: `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`, scale };
}

/** t in [-1, 1] → blue (negative) … white (0) … red (positive) */
function color(t: number): string {
  const a = Math.min(1, Math.abs(t));
  const fade = (full: number) => Math.round(255 + (full - 255) * a);
  const [r, g, b] = t < 0 ? [fade(33), fade(102), fade(172)] : [fade(178), fade(24), fade(43)];
  return `#${[r, g, b].map((x) => x.toString(16).padStart(2, "0")).join("")}`;
}
