// The tensor drawer's "Finite differences" section: what Check gradient compared (the numeric
// derivative, autograd's .grad, the learner's gradient from its cmp) per sampled element, with the
// runner's verdicts as marks. The panel only shows verdicts; the tolerance lives in the runner.
import { finiteDifferenceVerdict, numericWording } from "../../src/protocol/finiteDifference";
import type { FiniteDifferenceReport } from "../../src/protocol/trace";
import { fmtClock, fmtNumber } from "../model";

export interface FiniteDifferenceProps {
  report: FiniteDifferenceReport;
  /** when the check's result reached the panel (ms since the epoch) */
  at: number;
  /** the run shown started after the check: its gradients may have changed since */
  older?: boolean;
}

/** A value with its verdict against the numeric derivative (no mark: nothing to compare). */
function Checked({ value, agrees, what }: { value: number; agrees?: boolean; what: string }) {
  const title = agrees === undefined ? undefined : `${what} ${agrees ? "agrees with" : "differs from"} the numeric derivative`;
  return (
    <td class={`mono num${agrees === false ? " fd-off" : ""}`} title={title} data-agrees={agrees === undefined ? undefined : String(agrees)}>
      {fmtNumber(value, 6)}
      {agrees !== undefined && <span class={`codicon ${agrees ? "codicon-check fd-mark-ok" : "codicon-close fd-mark-off"}`} aria-label={agrees ? "agrees" : "differs"} />}
    </td>
  );
}

export function FiniteDifferenceSection({ report: r, at, older }: FiniteDifferenceProps) {
  const samples = r.samples ?? [];
  const allAgree = !r.error && r.agrees && samples.every((s) => s.manualAgrees !== false);
  const verdict = finiteDifferenceVerdict(r);
  const time = fmtClock(at);
  const autograd = `${r.name}.grad`;
  return (
    <section class="fd" aria-label="Finite differences" data-testid="fd">
      <h4 class="fd-title">
        <span class="codicon codicon-beaker" /> Finite differences <span class="dim fd-time">checked {time}</span>
      </h4>
      <p class={`fd-verdict ${allAgree ? "fd-verdict-ok" : "fd-verdict-off"}`} data-testid="fd-verdict">
        <span class={`codicon ${allAgree ? "codicon-pass" : r.error ? "codicon-warning" : "codicon-error"}`} />{" "}
        {verdict.charAt(0).toUpperCase() + verdict.slice(1)}.
      </p>
      {older && <p class="dim fd-note" data-testid="fd-older">From before the run shown: check again for the current gradients.</p>}
      {samples.length > 0 && (
        <>
          <p class="dim fd-note" data-testid="fd-compared">
            numeric ({numericWording(r)}) vs autograd's <span class="mono">{autograd}</span>
            {r.manualName !== undefined && <> vs your <span class="mono">{r.manualName}</span></>}
            {r.tolerance && <> · tolerance {r.tolerance.relative.toExponential()} relative + {r.tolerance.absolute.toExponential()} absolute</>}
          </p>
          <table class="fd-table" data-testid="fd-table">
            <thead>
              <tr>
                <th>index</th>
                <th class="num" title={numericWording(r)}>numeric</th>
                <th class="num" title={`autograd's ${autograd}`}>autograd</th>
                {r.manualName !== undefined && <th class="num" title={`your ${r.manualName}, as its cmp sampled it`}>yours</th>}
              </tr>
            </thead>
            <tbody>
              {samples.map((s) => (
                <tr key={s.index.join()} data-testid="fd-row" class={s.agrees && s.manualAgrees !== false ? undefined : "fd-row-off"}>
                  <td class="mono">[{s.index.join(", ")}]</td>
                  <td class="mono num">{fmtNumber(s.numeric, 6)}</td>
                  <Checked value={s.autograd} agrees={s.agrees} what={`autograd's ${autograd}`} />
                  {r.manualName !== undefined && (
                    s.manual !== undefined
                      ? <Checked value={s.manual} agrees={s.manualAgrees} what={`your ${r.manualName}`} />
                      : <td class="dim num">—</td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
