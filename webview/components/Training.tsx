// Training view: the logged series (loss) as a live curve on a canvas, log-scale option, steps/s and
// a Stop button while the run goes on.
import { useEffect, useRef } from "preact/hooks";
import { fmtNumber, type Series } from "../model";
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
    const draw = () => drawCurves(c, Math.max(200, w.getBoundingClientRect().width - 24), 260, p.series, p.logScale);
    draw();
    const ro = new ResizeObserver(draw);
    ro.observe(w);
    return () => ro.disconnect();
  }, [p.series, p.logScale]);
  const last = p.series[0];
  const lastValue = last?.values[last.values.length - 1];
  const step = p.progress?.step ?? last?.steps[last.steps.length - 1];
  return (
    <section class="training" aria-label="Training" data-testid="training">
      <div class="section-bar">
        <span class="summary">
          {p.running ? <span class="codicon codicon-loading codicon-modifier-spin" /> : <span class="codicon codicon-graph-line" />}
          {" "}{last ? `${last.name} ${fmtNumber(lastValue, 5)}` : "no series logged"}
          {step !== undefined && <> · step {step.toLocaleString("en-US")}{p.progress?.totalSteps ? ` / ${p.progress.totalSteps.toLocaleString("en-US")}` : ""}</>}
          {p.stepsPerSecond !== undefined && <> · <span data-testid="steps-per-second">{p.stepsPerSecond.toFixed(0)} steps/s</span></>}
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
  const L = 48, R = 10, T = 10, B = 22;
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
    ctx.fillText(fmtNumber(log ? 10 ** y : y, 3), 4, py(y) + 4);
  }
  ctx.fillText(String(Math.round(x0)), L, height - 6);
  const endLabel = String(Math.round(x1));
  ctx.fillText(endLabel, width - R - ctx.measureText(endLabel).width, height - 6);
  series.forEach((s, si) => {
    ctx.strokeStyle = themeCss(PALETTE[si % PALETTE.length], "#3794ff");
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let started = false;
    // at most ~2 points per pixel: long runs log 200,000 steps
    const stride = Math.max(1, Math.floor(s.steps.length / (width * 2)));
    for (let i = 0; i < s.steps.length; i += stride) {
      const y = tf(s.values[i]);
      if (!Number.isFinite(y)) continue;
      if (!started) ctx.moveTo(px(s.steps[i]), py(y));
      else ctx.lineTo(px(s.steps[i]), py(y));
      started = true;
    }
    ctx.stroke();
  });
}
