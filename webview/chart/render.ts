// Draws a Chart (src/protocol/chart.ts) as a standalone SVG document the way matplotlib lays a figure
// out: white figure, subplot grid with matplotlib's margins, "nice" ticks, 72 px per inch (as a
// notebook's inline figures), images and filled contours as palette PNGs with crisp pixels.
import type { Chart, ChartAxes, ChartContour, ChartImage, ChartSeries, Num } from "../../src/protocol/chart";
import { colormapRgb, rgbCss, type Rgb } from "./colormaps";
import { palettePng } from "./png";

const DPI = 72;
// matplotlib's figure.subplot.* defaults, as fractions of the figure
const LEFT = 0.125, RIGHT = 0.9, BOTTOM = 0.11, TOP = 0.88, WSPACE = 0.2, HSPACE = 0.2;
const FONT = 10;
const CONTOUR_MAX_PX = 400;

interface Box { x: number; y: number; w: number; h: number }
interface Scale { lo: number; hi: number; log: boolean }

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const f2 = (v: number) => (Math.round(v * 100) / 100).toString();

export function chartSize(c: Chart): { width: number; height: number } {
  return { width: Math.round(c.figsize[0] * DPI), height: Math.round(c.figsize[1] * DPI) };
}

export function chartSvg(chart: Chart): string {
  const { width: W, height: H } = chartSize(chart);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}px" height="${H}px" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Verdana, sans-serif" font-size="${FONT}">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
  ];
  if (chart.title) out.push(`<text x="${W / 2}" y="${H * (1 - 0.98) + 12}" text-anchor="middle" font-size="12">${esc(chart.title)}</text>`);
  const rows = Math.max(1, chart.rows), cols = Math.max(1, chart.cols);
  const cw = ((RIGHT - LEFT) * W) / (cols + WSPACE * (cols - 1));
  const ch = ((TOP - BOTTOM) * H) / (rows + HSPACE * (rows - 1));
  chart.axes.forEach((ax, i) => {
    const box = { x: LEFT * W + ax.col * cw * (1 + WSPACE), y: (1 - TOP) * H + ax.row * ch * (1 + HSPACE), w: cw, h: ch };
    out.push(drawAxes(ax, box, `c${i}`));
  });
  out.push("</svg>");
  return out.join("\n");
}

/** Ticks at a multiple of 1, 2, 2.5 or 5 × 10^k, at most nbins intervals, covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, nbins: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / nbins, scale = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) {
    const step = m * scale;
    if (step < raw * (1 - 1e-9)) continue;
    const first = Math.ceil(lo / step - 1e-9), last = Math.floor(hi / step + 1e-9);
    const ticks: number[] = [];
    for (let k = first; k <= last; k++) ticks.push(k * step);
    return ticks;
  }
  return [lo, hi];
}

/** Labels with as many decimals as the ticks need, and matplotlib's minus sign. */
function tickLabels(ticks: number[]): string[] {
  let d = 0;
  while (d < 6 && ticks.some((t) => Math.abs(t * 10 ** d - Math.round(t * 10 ** d)) > 1e-6 * Math.max(1, Math.abs(t * 10 ** d)))) d++;
  const big = ticks.some((t) => Math.abs(t) >= 1e6);
  return ticks.map((t) => (big ? t.toExponential(1) : (Math.abs(t) < 1e-12 ? 0 : t).toFixed(d)).replace("-", "\u2212"));
}

function extent(vals: Num[], out: number[], log = false) {
  for (const v of vals) if (v !== null && Number.isFinite(v) && (!log || v > 0)) out.push(log ? Math.log10(v) : v);
}

function minMax(vals: number[]): [number, number] | undefined {
  if (!vals.length) return undefined;
  let lo = Infinity, hi = -Infinity;
  for (const v of vals) { if (v < lo) lo = v; if (v > hi) hi = v; }
  return [lo, hi];
}

/** Data limits as matplotlib's autoscale: 5% margins except where images/contours/hist bottoms stick. */
function limits(ax: ChartAxes): { x: Scale; y: Scale; inverted: boolean; equal: boolean } {
  const log = ax.yscale === "log";
  const xs: number[] = [], ys: number[] = [], xsSticky: number[] = [], ysSticky: number[] = [];
  let inverted = false, equal = false;
  for (const s of ax.series) {
    if (s.kind === "line" || s.kind === "scatter") { extent(s.x, xs); extent(s.y, ys, log); }
    else if (s.kind === "hist") { extent(s.edges, xs); extent(s.counts, ys, log); if (!log) ysSticky.push(0); }
    else if (s.kind === "hline") extent([s.at], ys, log);
    else if (s.kind === "vline") extent([s.at], xs);
    else if (s.kind === "image") {
      inverted = true; equal = true;
      xsSticky.push(-0.5, s.cols * s.stride - 0.5); ysSticky.push(-0.5, s.rows * s.stride - 0.5);
    } else if (s.kind === "contour") { extent(s.x, xsSticky); extent(s.y, ysSticky); }
  }
  const axis = (vals: number[], sticky: number[], fixed: [number, number] | null, isLog: boolean): Scale => {
    if (fixed) return { lo: isLog ? Math.log10(fixed[0]) : fixed[0], hi: isLog ? Math.log10(fixed[1]) : fixed[1], log: isLog };
    const m = minMax(vals), st = minMax(sticky);
    let lo = Math.min(m?.[0] ?? Infinity, st?.[0] ?? Infinity), hi = Math.max(m?.[1] ?? -Infinity, st?.[1] ?? -Infinity);
    if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
    if (hi === lo) { lo -= Math.abs(lo) * 0.05 || 0.05; hi += Math.abs(hi) * 0.05 || 0.05; }
    const pad = (hi - lo) * 0.05;
    // a sticky edge (image border, hist baseline) is not padded past
    const stickyLo = st && st[0] <= lo + 1e-12, stickyHi = st && st[1] >= hi - 1e-12;
    return { lo: stickyLo || (m === undefined && st) ? lo : lo - pad, hi: stickyHi || (m === undefined && st) ? hi : hi + pad, log: isLog };
  };
  return { x: axis(xs, xsSticky, ax.xlim, false), y: axis(ys, ysSticky, ax.ylim, log), inverted, equal };
}

function drawAxes(ax: ChartAxes, outer: Box, id: string): string {
  const lim = limits(ax);
  let box = outer;
  if (lim.equal) {
    // square data units (imshow's aspect='equal'): shrink one side, centred
    const k = Math.min(outer.w / (lim.x.hi - lim.x.lo), outer.h / (lim.y.hi - lim.y.lo));
    const w = k * (lim.x.hi - lim.x.lo), h = k * (lim.y.hi - lim.y.lo);
    box = { x: outer.x + (outer.w - w) / 2, y: outer.y + (outer.h - h) / 2, w, h };
  }
  const px = (x: number) => box.x + ((x - lim.x.lo) / (lim.x.hi - lim.x.lo)) * box.w;
  const yv = (y: number) => (lim.y.log ? (y > 0 ? Math.log10(y) : NaN) : y);
  const pyRaw = (v: number) => lim.inverted
    ? box.y + ((v - lim.y.lo) / (lim.y.hi - lim.y.lo)) * box.h
    : box.y + box.h - ((v - lim.y.lo) / (lim.y.hi - lim.y.lo)) * box.h;
  const py = (y: number) => pyRaw(yv(y));
  const out: string[] = [`<g>`, `<clipPath id="${id}"><rect x="${f2(box.x)}" y="${f2(box.y)}" width="${f2(box.w)}" height="${f2(box.h)}"/></clipPath>`];

  const xt = niceTicks(lim.x.lo, lim.x.hi, Math.max(3, Math.min(9, Math.floor(box.w / 55))));
  const yt = lim.y.log
    ? niceTicks(lim.y.lo, lim.y.hi, Math.max(2, Math.min(8, Math.floor(box.h / 40)))).filter((t) => Number.isInteger(Math.round(t * 1e9) / 1e9))
    : niceTicks(lim.y.lo, lim.y.hi, Math.max(3, Math.min(8, Math.floor(box.h / 40))));
  if (ax.grid && ax.axis) {
    for (const t of xt) out.push(`<line x1="${f2(px(t))}" x2="${f2(px(t))}" y1="${f2(box.y)}" y2="${f2(box.y + box.h)}" stroke="#b0b0b0" stroke-width="0.8"/>`);
    for (const t of yt) out.push(`<line x1="${f2(box.x)}" x2="${f2(box.x + box.w)}" y1="${f2(pyRaw(t))}" y2="${f2(pyRaw(t))}" stroke="#b0b0b0" stroke-width="0.8"/>`);
  }
  out.push(`<g clip-path="url(#${id})">`);
  for (const s of ax.series) out.push(drawSeries(s, box, lim, px, py));
  out.push(`</g>`);
  for (const s of ax.series) if (s.kind === "text") out.push(drawText(s, px(s.x), py(s.y)));

  if (ax.axis) {
    out.push(`<rect x="${f2(box.x)}" y="${f2(box.y)}" width="${f2(box.w)}" height="${f2(box.h)}" fill="none" stroke="#000" stroke-width="0.8"/>`);
    const xl = tickLabels(xt);
    xt.forEach((t, i) => {
      const x = f2(px(t)), y = box.y + box.h;
      out.push(`<line x1="${x}" x2="${x}" y1="${f2(y)}" y2="${f2(y + 3.5)}" stroke="#000" stroke-width="0.8"/><text x="${x}" y="${f2(y + 6)}" text-anchor="middle" dominant-baseline="hanging">${xl[i]}</text>`);
    });
    const yl = lim.y.log ? yt.map((t) => `10<tspan dy="-4" font-size="7">${tickLabels([t])[0]}</tspan>`) : tickLabels(yt);
    yt.forEach((t, i) => {
      const y = f2(pyRaw(t));
      out.push(`<line x1="${f2(box.x - 3.5)}" x2="${f2(box.x)}" y1="${y}" y2="${y}" stroke="#000" stroke-width="0.8"/><text x="${f2(box.x - 6)}" y="${y}" text-anchor="end" dominant-baseline="central">${yl[i]}</text>`);
    });
    if (ax.xlabel) out.push(`<text x="${f2(box.x + box.w / 2)}" y="${f2(box.y + box.h + 20)}" text-anchor="middle" dominant-baseline="hanging">${esc(ax.xlabel)}</text>`);
    if (ax.ylabel) {
      const w = Math.max(...yl.map((l) => l.length)) * 6.5 + 12;
      out.push(`<text transform="translate(${f2(box.x - w)} ${f2(box.y + box.h / 2)}) rotate(-90)" text-anchor="middle">${esc(ax.ylabel)}</text>`);
    }
  }
  if (ax.title) out.push(`<text x="${f2(box.x + box.w / 2)}" y="${f2(box.y - 6)}" text-anchor="middle" font-size="12">${esc(ax.title)}</text>`);
  if (ax.legend) out.push(drawLegend(ax.series, box));
  out.push(`</g>`);
  return out.join("\n");
}

const DASH: Record<string, string> = { "--": "3.7,1.6", ":": "1,1.65", "-.": "6.4,1.6,1,1.6" };

function drawSeries(s: ChartSeries, box: Box, lim: ReturnType<typeof limits>, px: (x: number) => number, py: (y: number) => number): string {
  switch (s.kind) {
    case "line": {
      const parts: string[] = [];
      let pen = false;
      const pts: [number, number][] = [];
      for (let i = 0; i < s.y.length; i++) {
        const x = s.x[i], y = s.y[i];
        const X = x === null ? NaN : px(x), Y = y === null ? NaN : py(y);
        if (!Number.isFinite(X) || !Number.isFinite(Y)) { pen = false; continue; }
        parts.push(`${pen ? "L" : "M"}${f2(X)} ${f2(Y)}`);
        pts.push([X, Y]);
        pen = true;
      }
      const out: string[] = [];
      if (s.linestyle && parts.length) {
        const dash = DASH[s.linestyle] ? ` stroke-dasharray="${DASH[s.linestyle].split(",").map((d) => f2(Number(d) * s.linewidth)).join(",")}"` : "";
        out.push(`<path d="${parts.join("")}" fill="none" stroke="${s.color}" stroke-width="${s.linewidth}" stroke-linejoin="round" stroke-linecap="square" opacity="${s.alpha}"${dash}/>`);
      }
      if (s.marker) out.push(pts.map(([X, Y]) => marker(s.marker, X, Y, s.color)).join(""));
      return out.join("");
    }
    case "scatter": {
      const c = s.c;
      let lo = s.vmin ?? Infinity, hi = s.vmax ?? -Infinity;
      if (c && (s.vmin === null || s.vmax === null)) for (const v of c) if (v !== null) { if (s.vmin === null) lo = Math.min(lo, v); if (s.vmax === null) hi = Math.max(hi, v); }
      const out: string[] = [`<g opacity="${s.alpha}">`];
      for (let i = 0; i < s.x.length; i++) {
        const x = s.x[i], y = s.y[i];
        if (x === null || y === null) continue;
        const X = px(x), Y = py(y);
        if (!Number.isFinite(Y)) continue;
        const area = Array.isArray(s.s) ? s.s[i] ?? 36 : s.s;
        const v = c?.[i];
        const fill = c ? (v === null || v === undefined ? "none" : rgbCss(colormapRgb(s.cmap, hi > lo ? (v - lo) / (hi - lo) : 0))) : s.color;
        out.push(`<circle cx="${f2(X)}" cy="${f2(Y)}" r="${f2(Math.sqrt(area) / 2)}" fill="${fill}"/>`);
      }
      out.push("</g>");
      return out.join("");
    }
    case "hist": {
      const out: string[] = [];
      const base = lim.y.log ? lim.y.lo : 0;
      for (let i = 0; i < s.counts.length; i++) {
        const x0 = px(s.edges[i]), x1 = px(s.edges[i + 1]);
        const top = py(s.counts[i]), bottom = lim.y.log ? box.y + box.h : py(base);
        if (!Number.isFinite(top) || s.counts[i] === 0) continue;
        out.push(`<rect x="${f2(x0)}" y="${f2(Math.min(top, bottom))}" width="${f2(Math.max(0, x1 - x0))}" height="${f2(Math.abs(bottom - top))}" fill="${s.color}" opacity="${s.alpha}"/>`);
      }
      return out.join("");
    }
    case "hline": case "vline": {
      const dash = DASH[s.linestyle] ? ` stroke-dasharray="${DASH[s.linestyle]}"` : "";
      return s.kind === "hline"
        ? `<line x1="${f2(box.x)}" x2="${f2(box.x + box.w)}" y1="${f2(py(s.at))}" y2="${f2(py(s.at))}" stroke="${s.color}" stroke-width="1.5"${dash}/>`
        : `<line x1="${f2(px(s.at))}" x2="${f2(px(s.at))}" y1="${f2(box.y)}" y2="${f2(box.y + box.h)}" stroke="${s.color}" stroke-width="1.5"${dash}/>`;
    }
    case "image": return drawImage(s, px, py);
    case "contour": return drawContour(s, box, px, py);
    case "text": return "";
  }
}

function marker(m: string, x: number, y: number, color: string): string {
  const X = f2(x), Y = f2(y);
  if (m === "s") return `<rect x="${f2(x - 3)}" y="${f2(y - 3)}" width="6" height="6" fill="${color}"/>`;
  if (m === "x") return `<path d="M${f2(x - 3)} ${f2(y - 3)}L${f2(x + 3)} ${f2(y + 3)}M${f2(x - 3)} ${f2(y + 3)}L${f2(x + 3)} ${f2(y - 3)}" stroke="${color}"/>`;
  if (m === "+") return `<path d="M${f2(x - 3.5)} ${Y}H${f2(x + 3.5)}M${X} ${f2(y - 3.5)}V${f2(y + 3.5)}" stroke="${color}"/>`;
  return `<circle cx="${X}" cy="${Y}" r="${m === "." ? 1.5 : 3}" fill="${color}"/>`;
}

/** Palette of 255 colours of a map (index 0 is left for missing values). */
function palette(cmap: string, n: number, at: (k: number) => number): Rgb[] {
  const p: Rgb[] = [[0, 0, 0]];
  for (let k = 0; k < n; k++) p.push(colormapRgb(cmap, at(k)));
  return p;
}

function drawImage(s: ChartImage, px: (x: number) => number, py: (y: number) => number): string {
  let lo = s.vmin ?? Infinity, hi = s.vmax ?? -Infinity;
  if (s.vmin === null || s.vmax === null) for (const v of s.values) if (v !== null) { if (s.vmin === null) lo = Math.min(lo, v); if (s.vmax === null) hi = Math.max(hi, v); }
  const n = 255;
  const idx = new Uint8Array(s.rows * s.cols);
  for (let i = 0; i < idx.length; i++) {
    const v = s.values[i];
    idx[i] = v === null ? 0 : 1 + Math.min(n - 1, Math.max(0, Math.floor(hi > lo ? ((v - lo) / (hi - lo)) * n : 0)));
  }
  const url = palettePng(s.cols, s.rows, idx, palette(s.cmap, n, (k) => k / (n - 1)), true);
  const x0 = px(-0.5), x1 = px(s.cols * s.stride - 0.5), y0 = py(-0.5), y1 = py(s.rows * s.stride - 0.5);
  return `<image href="${url}" x="${f2(Math.min(x0, x1))}" y="${f2(Math.min(y0, y1))}" width="${f2(Math.abs(x1 - x0))}" height="${f2(Math.abs(y1 - y0))}" preserveAspectRatio="none" opacity="${s.alpha}" style="image-rendering:pixelated"/>`;
}

/** Index of the grid interval holding v (grid sorted either way), and where in it (0..1). */
function locate(grid: number[], v: number): [number, number] | undefined {
  const n = grid.length;
  if (n < 2) return undefined;
  const asc = grid[n - 1] >= grid[0];
  const lo = asc ? grid[0] : grid[n - 1], hi = asc ? grid[n - 1] : grid[0];
  if (v < lo || v > hi) return undefined;
  let a = 0, b = n - 1;
  while (b - a > 1) {
    const m = (a + b) >> 1;
    if ((grid[m] <= v) === asc) a = m; else b = m;
  }
  const d = grid[b] - grid[a];
  return [a, d === 0 ? 0 : (v - grid[a]) / d];
}

/** Filled contours as a raster: z interpolated bilinearly at each pixel, coloured by its level band. */
function drawContour(s: ChartContour, box: Box, px: (x: number) => number, py: (y: number) => number): string {
  const cols = s.x.length, bands = s.levels.length - 1;
  if (cols < 2 || s.y.length < 2 || bands < 1) return "";
  const [xa, xb] = [Math.min(...s.x), Math.max(...s.x)], [ya, yb] = [Math.min(...s.y), Math.max(...s.y)];
  const left = Math.max(box.x, Math.min(px(xa), px(xb))), right = Math.min(box.x + box.w, Math.max(px(xa), px(xb)));
  const top = Math.max(box.y, Math.min(py(ya), py(yb))), bottom = Math.min(box.y + box.h, Math.max(py(ya), py(yb)));
  if (!(right > left && bottom > top)) return "";
  const k = Math.min(1, CONTOUR_MAX_PX / Math.max(right - left, bottom - top));
  const w = Math.max(1, Math.round((right - left) * k)), h = Math.max(1, Math.round((bottom - top) * k));
  const xOf = (X: number) => xa + ((X - px(xa)) / (px(xb) - px(xa))) * (xb - xa);
  const yOf = (Y: number) => ya + ((Y - py(ya)) / (py(yb) - py(ya))) * (yb - ya);
  const idx = new Uint8Array(w * h);
  const lv = s.levels;
  for (let r = 0; r < h; r++) {
    const ly = locate(s.y, yOf(top + ((r + 0.5) / h) * (bottom - top)));
    if (!ly) continue;
    for (let c = 0; c < w; c++) {
      const lx = locate(s.x, xOf(left + ((c + 0.5) / w) * (right - left)));
      if (!lx) continue;
      const [i, fx] = lx, [j, fy] = ly;
      const z00 = s.z[j * cols + i], z01 = s.z[j * cols + i + 1], z10 = s.z[(j + 1) * cols + i], z11 = s.z[(j + 1) * cols + i + 1];
      if (z00 === null || z01 === null || z10 === null || z11 === null) continue;
      const z = (z00 * (1 - fx) + z01 * fx) * (1 - fy) + (z10 * (1 - fx) + z11 * fx) * fy;
      if (z < lv[0] || z > lv[bands]) continue;
      let band = 0;
      while (band < bands - 1 && z >= lv[band + 1]) band++;
      idx[r * w + c] = band + 1;
    }
  }
  // each band takes the colour of its middle value, normalised over the levels (as matplotlib does)
  const span = lv[bands] - lv[0] || 1;
  const url = palettePng(w, h, idx, palette(s.cmap, bands, (b) => ((lv[b] + lv[b + 1]) / 2 - lv[0]) / span), true);
  return `<image href="${url}" x="${f2(left)}" y="${f2(top)}" width="${f2(right - left)}" height="${f2(bottom - top)}" preserveAspectRatio="none" opacity="${s.alpha}"/>`;
}

const BASELINE = { top: "text-before-edge", center: "central", bottom: "text-after-edge", baseline: "alphabetic" } as const;
const ANCHOR = { left: "start", center: "middle", right: "end" } as const;

function drawText(s: Extract<ChartSeries, { kind: "text" }>, x: number, y: number): string {
  if (!Number.isFinite(x) || !Number.isFinite(y)) return "";
  return `<text x="${f2(x)}" y="${f2(y)}" fill="${s.color}" font-size="${s.fontsize}" text-anchor="${ANCHOR[s.ha] ?? "start"}" dominant-baseline="${BASELINE[s.va] ?? "alphabetic"}">${esc(s.text)}</text>`;
}

function drawLegend(series: ChartSeries[], box: Box): string {
  const items = series.filter((s): s is Extract<ChartSeries, { kind: "line" | "scatter" | "hist" }> =>
    (s.kind === "line" || s.kind === "scatter" || s.kind === "hist") && !!s.label && !s.label.startsWith("_"));
  if (!items.length) return "";
  const w = Math.max(...items.map((s) => s.label!.length)) * 6 + 40, h = items.length * 15 + 8;
  const x = box.x + box.w - w - 8, y = box.y + 8;
  const out = [`<rect x="${f2(x)}" y="${f2(y)}" width="${f2(w)}" height="${h}" rx="3" fill="#ffffff" fill-opacity="0.8" stroke="#cccccc"/>`];
  items.forEach((s, i) => {
    const cy = y + 11.5 + i * 15;
    out.push(s.kind === "line"
      ? `<line x1="${f2(x + 6)}" x2="${f2(x + 26)}" y1="${f2(cy)}" y2="${f2(cy)}" stroke="${s.color}" stroke-width="1.5"/>`
      : s.kind === "hist" ? `<rect x="${f2(x + 8)}" y="${f2(cy - 4)}" width="16" height="8" fill="${s.color}"/>`
      : `<circle cx="${f2(x + 16)}" cy="${f2(cy)}" r="3" fill="${s.c ? rgbCss(colormapRgb(s.cmap, 0.5)) : s.color}"/>`);
    out.push(`<text x="${f2(x + 32)}" y="${f2(cy)}" dominant-baseline="central">${esc(s.label!)}</text>`);
  });
  return out.join("");
}
