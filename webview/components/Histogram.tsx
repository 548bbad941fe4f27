// Histogram of a tensor's values on a canvas (bars in charts.blue), from the trace's bins or the sample.
import { useEffect, useRef } from "preact/hooks";
import { fmtNumber } from "../model";
import { sameValues } from "./Heatmap";
import { themeCss } from "./theme";

export interface Bins {
  edges: number[];
  counts: number[];
}

export function binValues(values: readonly number[], bins = 40): Bins | undefined {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return undefined;
  let lo = Infinity, hi = -Infinity;
  for (const v of finite) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const counts = new Array<number>(bins).fill(0);
  for (const v of finite) counts[Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins))]++;
  return { edges: Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins), counts };
}

export function Histogram({ bins, title }: { bins?: Bins; title: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const W = 240, H = 110;
  // what this canvas shows: the same counts at the same resolution are not drawn again
  const drawn = useRef<{ canvas: HTMLCanvasElement; counts: readonly number[]; dpr: number; fill: string } | undefined>(undefined);
  useEffect(() => {
    const c = canvas.current;
    if (!c || !bins) return;
    const dpr = window.devicePixelRatio || 1;
    const fill = themeCss("--vscode-charts-blue", "#3794ff");
    const d = drawn.current;
    if (d && d.canvas === c && d.dpr === dpr && d.fill === fill && sameValues(d.counts, bins.counts)) return;
    drawn.current = { canvas: c, counts: bins.counts, dpr, fill };
    c.width = W * dpr;
    c.height = H * dpr;
    const ctx = c.getContext("2d")!;
    ctx.scale(dpr, dpr);
    ctx.clearRect(0, 0, W, H);
    const max = Math.max(...bins.counts, 1);
    const bw = W / bins.counts.length;
    ctx.fillStyle = fill;
    bins.counts.forEach((n, i) => {
      const h = (n / max) * (H - 4);
      ctx.fillRect(i * bw + 0.5, H - h, Math.max(1, bw - 1), h);
    });
  }, [bins]);
  return (
    <figure class="histogram" data-testid="histogram">
      <figcaption>{title}</figcaption>
      {bins ? (
        <>
          <canvas ref={canvas} style={{ width: `${W}px`, height: `${H}px` }} />
          <div class="axis-row"><span>{fmtNumber(bins.edges[0], 3)}</span><span>{fmtNumber(bins.edges[bins.edges.length - 1], 3)}</span></div>
        </>
      ) : <div class="heatmap-missing">no values in the trace</div>}
    </figure>
  );
}
