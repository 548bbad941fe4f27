// Training view: the logged series (loss) as a live curve on a canvas — the raw values faint, a
// smoothed line over them — with axis titles, a log-scale option, steps/s and a Stop button while
// the run goes on.
import { useEffect, useRef } from "preact/hooks";
import { fmtCount, fmtNumber, type Series } from "../model";
import { themeCss } from "./theme";

export interface TrainingProps {
  series: Series[];
  logScale: boolean;
  running: boolean;
  stepsPerSecond?: number;
  progress?: { step?: number; totalSteps?: number; fraction?: number; message?: string };
  onLogScale(on: boolean): void;
  onStop(): void;
}

const PALETTE = ["--vscode-charts-blue", "--vscode-charts-orange", "--vscode-charts-green", "--vscode-charts-purple", "--vscode-charts-red"];

export function Training(p: TrainingProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const wrap = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const c = canvas.current, w = wrap.current;
    if (!c || !w) return;
    const draw = () => drawCurves(c, Math.max(200, w.getBoundingClientRect().width - 24), 280, p.series, p.logScale);
    draw();
    const ro = new ResizeObserver(draw);
    ro.observe(w);
    return () => ro.disconnect();
  }, [p.series, p.logScale]);
  const last = p.series[0];
  const lastValue = last?.values[last.values.length - 1];
  const step = p.progress?.step ?? last?.steps[last.steps.length - 1];
  const total = p.progress?.totalSteps;
  const left = step !== undefined && total && p.stepsPerSecond ? fmtLeft((total - step) / p.stepsPerSecond) : undefined;
  return (
    <section class="training" aria-label="Training" data-testid="training">
      <div class="section-bar">
        <span class="summary">
          {p.running ? <span class="codicon codicon-loading codicon-modifier-spin" /> : <span class="codicon codicon-graph-line" />}
          {" "}{last ? `${last.name} ${fmtNumber(lastValue, 5)}` : "no series logged"}
          {step !== undefined && <> · step {fmtCount(step)}{p.progress?.totalSteps ? ` / ${fmtCount(p.progress.totalSteps)}` : ""}</>}
          {p.stepsPerSecond !== undefined && <> · <span data-testid="steps-per-second">{p.stepsPerSecond.toFixed(0)} steps/s</span></>}
          {p.running && left !== undefined && <> · <span data-testid="time-left">about {left} left</span></>}
        </span>
        <label class="toggle"><input type="checkbox" checked={p.logScale} onChange={(e) => p.onLogScale((e.currentTarget as HTMLInputElement).checked)} /> Log scale</label>
        {p.running && (
          <button class="button button-secondary" onClick={p.onStop} title="Stop the run (Ctrl+Alt+Escape)">
            <span class="codicon codicon-debug-stop" /> Stop
          </button>
        )}
      </div>
      {p.progress?.fraction !== undefined && p.running && (
        <div class="progress" role="progressbar" aria-valuenow={Math.round(p.progress.fraction * 100)} aria-valuemin={0} aria-valuemax={100}>
          <div class="progress-fill" style={{ width: `${(p.progress.fraction * 100).toFixed(1)}%` }} />
        </div>
      )}
      <div ref={wrap} class="curve-wrap">
        <canvas ref={canvas} class="curve" aria-label={`${last?.name ?? "loss"} curve`} />
      </div>
      {p.series.length > 1 && (
        <div class="legend">
          {p.series.map((s, i) => <span key={s.name} class={`legend-item legend-${i % PALETTE.length}`}>{s.name}</span>)}
        </div>
      )}
    </section>
  );
}

function fmtLeft(secs: number): string | undefined {
  if (!Number.isFinite(secs) || secs < 0) return undefined;
  return secs < 60 ? `${Math.ceil(secs)} s` : secs < 3600 ? `${Math.round(secs / 60)} min` : `${(secs / 3600).toFixed(1)} h`;
}

function drawCurves(c: HTMLCanvasElement, width: number, height: number, series: Series[], log: boolean) {
  const dpr = window.devicePixelRatio || 1;
  c.width = Math.max(1, width * dpr);
  c.height = height * dpr;
  c.style.width = `${width}px`;
  c.style.height = `${height}px`;
  const ctx = c.getContext("2d")!;
  ctx.scale(dpr, dpr);
  ctx.clearRect(0, 0, width, height);
  const tf = (v: number) => (log ? Math.log10(v) : v);
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const s of series) {
    s.steps.forEach((st, i) => {
      const y = tf(s.values[i]);
      if (!Number.isFinite(y)) return;
      x0 = Math.min(x0, st); x1 = Math.max(x1, st); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    });
  }
  const fg = themeCss("--vscode-descriptionForeground", "#9d9d9d");
  const grid = themeCss("--vscode-editorWidget-border", "#454545");
  const font = themeCss("--vscode-font-family", "sans-serif");
  ctx.font = `11px ${font}`;
  if (!Number.isFinite(x0)) {
    ctx.fillStyle = fg;
    ctx.fillText("Call log(\"loss\", loss.item(), step) in the training loop to see its curve here.", 12, height / 2);
    return;
  }
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) { y1 += 0.5; y0 -= 0.5; }
  const L = 62, R = 10, T = 10, B = 36;
  const px = (x: number) => L + ((x - x0) / (x1 - x0)) * (width - L - R);
  const py = (y: number) => T + (1 - (y - y0) / (y1 - y0)) * (height - T - B);
  ctx.strokeStyle = grid;
  ctx.fillStyle = fg;
  ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const y = y0 + ((y1 - y0) * i) / 4;
    ctx.beginPath();
    ctx.moveTo(L, Math.round(py(y)) + 0.5);
    ctx.lineTo(width - R, Math.round(py(y)) + 0.5);
    ctx.stroke();
    const label = fmtNumber(log ? 10 ** y : y, 3);
    ctx.fillText(label, L - 6 - ctx.measureText(label).width, py(y) + 4);
  }
  ctx.fillText(String(Math.round(x0)), L, height - B + 14);
  const endLabel = String(Math.round(x1));
  ctx.fillText(endLabel, width - R - ctx.measureText(endLabel).width, height - B + 14);
  // axis titles: steps along x, the series (log scale said) along y
  ctx.textAlign = "center";
  ctx.fillText("step", L + (width - L - R) / 2, height - 4);
  ctx.save();
  ctx.translate(12, T + (height - T - B) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(`${series.length === 1 ? series[0].name : "value"}${log ? " (log scale)" : ""}`, 0, 0);
  ctx.restore();
  ctx.textAlign = "start";
  series.forEach((s, si) => {
    const color = themeCss(PALETTE[si % PALETTE.length], "#3794ff");
    // at most ~2 points per pixel: long runs log 200,000 steps
    const stride = Math.max(1, Math.floor(s.steps.length / (width * 2)));
    const line = (values: ArrayLike<number>, alpha: number, lineWidth: number) => {
      ctx.strokeStyle = color;
      ctx.globalAlpha = alpha;
      ctx.lineWidth = lineWidth;
      ctx.beginPath();
      let started = false;
      for (let i = 0; i < s.steps.length; i += stride) {
        const y = tf(values[i]);
        if (!Number.isFinite(y)) continue;
        if (!started) ctx.moveTo(px(s.steps[i]), py(y));
        else ctx.lineTo(px(s.steps[i]), py(y));
        started = true;
      }
      ctx.stroke();
      ctx.globalAlpha = 1;
    };
    line(s.values, 0.3, 1);
    if (s.values.length >= 10) line(smoothed(s.values), 1, 2);
  });
}

/**
 * An exponential moving average over about 1/50 of the series (at least 5 points), started from
 * the mean of the first window so the line does not begin at one noisy value. NaN/Inf are skipped.
 */
export function smoothed(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const span = Math.max(5, Math.round(n / 50));
  const a = 2 / (span + 1);
  const out = new Float64Array(n);
  let sum = 0, count = 0;
  for (let i = 0; i < Math.min(n, span); i++) if (Number.isFinite(values[i])) { sum += values[i]; count++; }
  let m = count ? sum / count : NaN;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (Number.isFinite(v)) m = Number.isFinite(m) ? m + a * (v - m) : v;
    out[i] = m;
  }
  return out;
}
