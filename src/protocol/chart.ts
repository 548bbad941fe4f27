// A matplotlib figure as data: what our pyplot (src/python/site/matplotlib/pyplot.py) emits as JSON,
// what the trace carries (Trace.charts) and what the panel draws (webview/chart/render.ts).
// Colours are CSS strings resolved in Python (the colour cycle, 'k', 'gray'); colormaps are names
// looked up in webview/chart/colormaps.ts (unknown names draw as viridis). Missing values (NaN, ±Inf) are null.

export type Num = number | null;

export interface ChartLine {
  kind: "line";
  x: Num[];
  y: Num[];
  label: string | null;
  color: string;
  /** "-", "--", ":", "-." or "" (markers only) */
  linestyle: string;
  /** matplotlib marker letter ("o", ".", "x", "+", "s", "*") or "" */
  marker: string;
  linewidth: number;
  alpha: number;
  /** every stride-th point kept (long series are thinned) */
  stride: number;
}

export interface ChartScatter {
  kind: "scatter";
  x: Num[];
  y: Num[];
  /** one value per point mapped through cmap (vmin..vmax, default the values' range), or null */
  c: Num[] | null;
  /** one colour for every point when c is null */
  color: string;
  cmap: string;
  vmin: number | null;
  vmax: number | null;
  /** marker area in points² (per point or one for all) */
  s: number[] | number;
  alpha: number;
  label: string | null;
}

export interface ChartHist {
  kind: "hist";
  edges: number[];
  counts: number[];
  label: string | null;
  color: string;
  alpha: number;
}

/** imshow: row-major values; bool arrays arrive as 0/1. Pixel (r, c) is centred at (c, r), row 0 on top. */
export interface ChartImage {
  kind: "image";
  rows: number;
  cols: number;
  values: Num[];
  cmap: string;
  vmin: number | null;
  vmax: number | null;
  alpha: number;
  /** every stride-th row and column kept (large images are thinned) */
  stride: number;
}

/** contourf: z over the grid x (columns) × y (rows), filled between consecutive levels. */
export interface ChartContour {
  kind: "contour";
  x: number[];
  y: number[];
  z: Num[];
  levels: number[];
  cmap: string;
  alpha: number;
}

export interface ChartText {
  kind: "text";
  x: number;
  y: number;
  text: string;
  color: string;
  ha: "left" | "center" | "right";
  va: "top" | "center" | "bottom" | "baseline";
  fontsize: number;
}

export interface ChartRule {
  kind: "hline" | "vline";
  at: number;
  color: string;
  linestyle: string;
}

export type ChartSeries = ChartLine | ChartScatter | ChartHist | ChartImage | ChartContour | ChartText | ChartRule;

export interface ChartAxes {
  title: string | null;
  xlabel: string | null;
  ylabel: string | null;
  legend: boolean;
  grid: boolean;
  yscale: "linear" | "log";
  xlim: [number, number] | null;
  ylim: [number, number] | null;
  /** plt.axis('off') */
  axis: boolean;
  /** 0-based place in the figure's subplot grid */
  row: number;
  col: number;
  series: ChartSeries[];
}

export interface Chart {
  /** inches, as matplotlib's figsize (default 6.4 × 4.8) */
  figsize: [number, number];
  title: string | null;
  /** the subplot grid */
  rows: number;
  cols: number;
  axes: ChartAxes[];
  /** the notebook cell that drew it */
  cell?: number;
}

/** Runtime check of a chart arriving from Python or a trace file (the shape, not every series). */
export function isChart(x: unknown): x is Chart {
  const c = x as Partial<Chart> | null;
  return typeof c === "object" && c !== null && Array.isArray(c.figsize) && c.figsize.length === 2 &&
    Number.isInteger(c.rows) && Number.isInteger(c.cols) && Array.isArray(c.axes) &&
    c.axes.every((a) => typeof a === "object" && a !== null && Array.isArray(a.series));
}
