// The banners under the header: the file changed since the run, the script's error (or where Stop
// stopped it), the first NaN/Inf, and a trace the panel could not read.
import type { PanelModel } from "../model";
import type { Snapshot } from "../usePanelMessages";

export type Reveal = (line: number | undefined, column?: number, cell?: number) => void;

export function Banners({ snap, onReveal }: { snap: Snapshot | undefined; onReveal: Reveal }) {
  const model = snap?.model;
  return (
    <>
      {snap?.stale && model && (
        <div class="banner banner-info" data-testid="stale">
          <span class="codicon codicon-history" /> The file changed since this run. Save it to re-run (live mode), or press Run.
        </div>
      )}
      {model?.error && <ErrorBanner model={model} onReveal={onReveal} />}
      {model?.nonFinite && (
        <div class="banner banner-warning" data-testid="non-finite">
          <span class="codicon codicon-warning" />
          <div class="banner-body">{model.nonFinite.text}. Gradients computed from it are NaN/Inf too.</div>
          {model.nonFinite.line !== undefined && (
            <button class="button button-secondary" onClick={() => onReveal(model.nonFinite!.line, model.nonFinite!.column)}>
              <span class="codicon codicon-go-to-file" /> Go to line {model.nonFinite.line + 1}
            </button>
          )}
        </div>
      )}
      {snap?.invalid && (
        <div class="banner banner-error" data-testid="invalid">
          <span class="codicon codicon-error" /> The panel could not read this run's trace: {snap.invalid}. Re-run the exercise; if it persists, the extension and panel versions differ — reload the window.
        </div>
      )}
    </>
  );
}

function ErrorBanner({ model, onReveal }: { model: PanelModel; onReveal: Reveal }) {
  const e = model.error!;
  const where = e.line === undefined ? "" : e.cell !== undefined ? `cell ${e.cell + 1}, line ${e.line + 1}` : `line ${e.line + 1}`;
  if (e.kind === "cancelled") {
    // Stop is not a mistake in the script: say where it stopped and keep what ran
    return (
      <div class="banner" data-testid="stopped" role="status">
        <span class="codicon codicon-debug-stop" />
        <div class="banner-body">
          <div><strong>Stopped{e.line !== undefined ? ` at ${where}` : ""}.</strong></div>
          <div class="banner-hint">What ran before is shown (loss curve, checks, output). Run the exercise again to start over.</div>
        </div>
      </div>
    );
  }
  const kind = e.kind === "syntax" ? "Syntax error" : e.kind === "timeout" ? "Stopped: time limit" : e.kind === "internal" ? "Backprop Ninja failed" : "Error";
  return (
    <div class="banner banner-error" data-testid="error" role="alert">
      <span class="codicon codicon-error" />
      <div class="banner-body">
        <div>
          <strong>{kind}{e.line !== undefined ? ` at ${where}` : ""}:</strong> <span class="mono">{e.message}</span>
        </div>
        <div class="banner-hint">
          {e.line !== undefined ? "Fix it in the editor and save; the panel updates with the next run." : "Fix the script and save to re-run."}
          {model.comparisons.length > 0 && ` The ${model.comparisons.length} checks that ran before it are listed below.`}
        </div>
        {e.stack && <details><summary>Stack</summary><pre>{e.stack}</pre></details>}
      </div>
      {e.line !== undefined && (
        <button class="button button-secondary" data-testid="error-reveal" onClick={() => onReveal(e.line!, e.column, e.cell)}>
          <span class="codicon codicon-go-to-file" /> Go to {where}
        </button>
      )}
    </div>
  );
}
