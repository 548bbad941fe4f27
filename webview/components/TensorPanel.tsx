// Per-tensor view: verdict, shape and stats, heatmaps of the manual gradient, autograd's gradient and
// their difference (one color scale for the first two), a histogram of the values, and the last
// finite-difference check of the tensor (Check gradient).
import { useMemo } from "preact/hooks";
import { FiniteDifferenceSection, type FiniteDifferenceProps } from "./FiniteDifference";
import { fmtNumber, fmtShape, type CmpRow, type Grid, type Stats, type TensorDetail } from "../model";
import { STATUS_TEXT, verdictIcon } from "./CmpTable";
import { absMax, Heatmap, robustScale } from "./Heatmap";
import { binValues, Histogram } from "./Histogram";

export interface TensorPanelProps {
  tensor?: TensorDetail;
  cmp?: CmpRow;
  /** said above the heatmaps (e.g. why there are none) */
  note?: string;
  /** the last finite-difference check of this tensor */
  fd?: FiniteDifferenceProps;
  onReveal(line: number): void;
  onClose(): void;
}

function difference(a?: Grid, b?: Grid): Grid | undefined {
  if (!a || !b || a.rows !== b.rows || a.cols !== b.cols) return undefined;
  return { rows: a.rows, cols: a.cols, sampled: a.sampled, values: a.values.map((v, i) => v - b.values[i]) };
}

function StatsLine({ label, s }: { label: string; s?: Stats }) {
  if (!s) return null;
  return (
    <div class="stats-line">
      <span class="stats-label">{label}</span>
      <span class="mono">min {fmtNumber(s.min)} · max {fmtNumber(s.max)} · mean {fmtNumber(s.mean)} · std {fmtNumber(s.std)}</span>
      {s.nonFinite ? <span class="badge badge-bad">{s.nonFinite} NaN/Inf</span> : null}
    </div>
  );
}

export function TensorPanel({ tensor, cmp, note, fd, onReveal, onClose }: TensorPanelProps) {
  // samples taken when cmp ran come first: later in-place edits do not change them
  const manual = cmp?.manual ?? tensor?.manual;
  const grad = cmp?.grad ?? tensor?.grad;
  // worked out once per set of samples, not on every render of the panel
  const given = cmp?.diff ?? tensor?.diff;
  const diff = useMemo(() => given ?? difference(manual, grad), [given, manual, grad]);
  const scale = useMemo(() => robustScale(manual, grad), [manual, grad]);
  const diffScale = useMemo(() => (diff ? robustScale(diff) : 0), [diff]);
  const diffZero = useMemo(() => (diff ? absMax(diff) === 0 : false), [diff]);
  const bins = useMemo(() => tensor?.histogram ?? (tensor?.value ? binValues(tensor.value.values) : undefined), [tensor?.histogram, tensor?.value]);
  if (!tensor && !cmp && !fd) return null;
  const name = tensor?.name ?? cmp?.name ?? fd!.report.name;
  const line = cmp?.line ?? tensor?.line;
  return (
    <section class="tensor-panel" aria-label={`Tensor ${name}`} data-testid="tensor-panel">
      <header class="tensor-head">
        <h3 class="mono">{name}</h3>
        {tensor && <span class="mono dim">{fmtShape(tensor.shape)} {tensor.dtype}</span>}
        {cmp && (
          <span class={`verdict-chip verdict-${cmp.status}`}>
            <span class={`codicon ${verdictIcon(cmp.status)}`} /> {STATUS_TEXT[cmp.status]}
            {cmp.maxdiff !== null ? ` · maxdiff ${fmtNumber(cmp.maxdiff, 3)}` : ""}
          </span>
        )}
        <span class="spacer" />
        {line !== undefined && (
          <button class="icon-button" title={`Reveal line ${line + 1}`} onClick={() => onReveal(line)}>
            <span class="codicon codicon-go-to-file" />
          </button>
        )}
        <button class="icon-button" title="Close (Escape)" onClick={onClose}><span class="codicon codicon-close" /></button>
      </header>
      {cmp?.message && <p class="tensor-message"><span class="codicon codicon-info" /> {cmp.message}</p>}
      {cmp?.diagnosis && (
        <p class="tensor-message diagnosis" data-testid="diagnosis"><span class="codicon codicon-lightbulb" /> {cmp.diagnosis}</p>
      )}
      {note && <p class="tensor-message" data-testid="tensor-note"><span class="codicon codicon-info" /> {note}</p>}
      {fd && <FiniteDifferenceSection {...fd} />}
      {tensor && <StatsLine label="value" s={tensor.stats} />}
      {tensor && <StatsLine label="grad" s={tensor.gradStats} />}
      {(manual || grad) ? (
        <div class="heatmaps">
          <Heatmap testId="heatmap-manual" title={`manual d${name}`} grid={manual} scale={scale} note={manual ? undefined : "no manual gradient"} />
          <Heatmap testId="heatmap-grad" title={`${name}.grad (autograd)`} grid={grad} scale={scale} note={grad ? undefined : "no .grad"} />
          <Heatmap testId="heatmap-diff" title="manual − autograd" grid={diff} scale={diffScale || 1}
            note={!diff ? "needs both gradients" : diffZero ? "all zero: identical" : undefined} />
          {tensor && <Histogram title={`values of ${name}`} bins={bins} />}
        </div>
      ) : tensor ? <Histogram title={`values of ${name}`} bins={bins} /> : null}
      {!tensor && !manual && !grad && !fd && <p class="dim">The trace has no values for this tensor.</p>}
    </section>
  );
}
