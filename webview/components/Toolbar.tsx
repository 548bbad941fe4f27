// The panel's toolbar: the tabs, the graph's tools (micrograd root picker, fold, fit) and Run/Stop.
import { fmtCount, type PanelModel, type ValueRoot } from "../model";
import { rootKey, type SavedState, type Tab } from "../savedState";

export interface ToolbarProps {
  tab: Tab;
  model: PanelModel | undefined;
  /** checks that are not exact (the Checks tab's badge) */
  bad: number;
  roots: readonly ValueRoot[];
  root: ValueRoot | undefined;
  fold: boolean;
  running: boolean;
  save(patch: Partial<SavedState>): void;
  onFit(): void;
  onRun(): void;
  onStop(): void;
}

export function Toolbar(p: ToolbarProps) {
  const { tab, model, root, roots, save } = p;
  const pick = (t: Tab) => save({ tab: t });
  return (
    <div class="toolbar" role="toolbar" aria-label="Panel">
      <nav class="tabs" role="tablist">
        <TabButton id="graph" tab={tab} icon="codicon-type-hierarchy" label="Graph" onPick={pick} />
        <TabButton id="checks" tab={tab} icon="codicon-checklist" label="Checks" badge={p.bad || undefined} onPick={pick} />
        <TabButton id="training" tab={tab} icon="codicon-graph-line" label="Training" onPick={pick} />
        {(model?.figures.length ?? 0) > 0 && (
          <TabButton id="figures" tab={tab} icon="codicon-file-media" label="Figures" badge={model!.figures.length} onPick={pick} />
        )}
      </nav>
      <span class="spacer" />
      {tab === "graph" && model && roots.length > 1 && root && (
        <select class="root-picker" data-testid="root-picker" title="The Value whose graph is drawn" aria-label="Value to draw"
          value={root.id} onChange={(e) => {
            const picked = roots.find((r) => r.id === (e.target as HTMLSelectElement).value);
            if (picked) save({ valueRoot: rootKey(picked), selectedNode: undefined });
          }}>
          {[true, false].map((whole) => (
            <optgroup key={String(whole)} label={whole ? "Whole expressions" : "Parts of them"}>
              {roots.filter((r) => r.whole === whole).map((r) => <option key={r.id} value={r.id}>{rootLabel(r)}</option>)}
            </optgroup>
          ))}
        </select>
      )}
      {tab === "graph" && model && (
        <>
          <button class={`icon-button${p.fold ? " active" : ""}`} aria-pressed={p.fold} title="Fold chains of unnamed ops" data-testid="fold" onClick={() => save({ fold: !p.fold, unfolded: [] })}>
            <span class="codicon codicon-fold" />
          </button>
          <button class="icon-button" title="Fit to view (F)" data-testid="fit" onClick={p.onFit}>
            <span class="codicon codicon-screen-full" />
          </button>
        </>
      )}
      {p.running ? (tab !== "training" &&
        <button class="button button-secondary" title="Stop the run" data-testid="stop" onClick={p.onStop}>
          <span class="codicon codicon-debug-stop" /> Stop
        </button>
      ) : (
        <button class="icon-button" title="Run the exercise again" data-testid="run" onClick={p.onRun}>
          <span class="codicon codicon-play" />
        </button>
      )}
    </div>
  );
}

/** "o · 10 nodes", "backward() line 27 · 68,819 nodes" */
function rootLabel(r: ValueRoot): string {
  const where = r.kind !== "named" && !/^[A-Za-z_$][\w$]*$/.test(r.name) && r.line !== undefined ? ` line ${r.line + 1}` : ""; // the model counts lines from 0
  return `${r.name}${where} · ${fmtCount(r.nodes)} node${r.nodes === 1 ? "" : "s"}`;
}

function TabButton(p: { id: Tab; tab: Tab; icon: string; label: string; badge?: number; onPick(t: Tab): void }) {
  const active = p.id === p.tab;
  return (
    <button role="tab" aria-selected={active} aria-label={p.label} title={p.label} class={`tab${active ? " active" : ""}`} data-tab={p.id} onClick={() => p.onPick(p.id)}>
      <span class={`codicon ${p.icon}`} /><span class="tab-label">{p.label}</span>
      {p.badge !== undefined && <span class="tab-badge">{p.badge}</span>}
    </button>
  );
}
