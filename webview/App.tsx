// The gradient panel. Host messages replace whole snapshots; UI state (tab, selection, sort, zoom…)
// is kept with the host's getState/setState so it survives hiding and reloads.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { CmpTable, type TableState } from "./components/CmpTable";
import { TensorPanel } from "./components/TensorPanel";
import type { FiniteDifferenceProps } from "./components/FiniteDifference";
import { figureIndex, Figures } from "./components/Figures";
import { Training } from "./components/Training";
import { GraphView, type View } from "./graph/GraphView";
import { foldChains, layoutGraph, type Layout } from "./graph/layout";
import { graphSvg } from "./graph/svgExport";
import type { RunningInfo } from "../src/protocol/messages";
import type { FiniteDifferenceReport } from "../src/protocol/trace";
import type { Host } from "./host";
import { firstWrong, isBad, type CmpRow, type Graph, type PanelModel, type ValueRoot } from "./model";
import { modelFromTrace, withDetail } from "./traceAdapter";
import { usePanelMessages, type Snapshot } from "./usePanelMessages";

export type Tab = "graph" | "checks" | "training" | "figures";

/** What is kept across reloads (never the trace: the host resends it after `ready`). */
export interface SavedState {
  tab?: Tab;
  table: TableState;
  selectedCmp?: number;
  selectedNode?: string;
  fold: boolean;
  unfolded: string[];
  logScale: boolean;
  /** the graph's view per micrograd root (rootKey), "" for a tensor graph */
  views?: Record<string, View>;
  /** the micrograd root drawn (rootKey), when the learner picked one */
  valueRoot?: string;
  /** the figure shown in the Figures tab */
  figure?: number;
  /** the last finite-difference check (Check gradient), shown in its tensor's drawer; `unmatched`: the run shown has no such tensor */
  fd?: { uri: string; report: FiniteDifferenceReport; at: number; unmatched?: boolean };
  /** the last run shown, so a window reload shows it again until the next run (small traces only) */
  last?: { uri?: string; version?: number; trace: unknown };
}

/** Traces larger than this (as JSON) are not kept in the webview's state across reloads. */
const KEEP_TRACE_CHARS = 1_000_000;

/** The saved last run as a snapshot, or undefined when there is none or it no longer reads. */
function restoredSnapshot(last: SavedState["last"]): Snapshot | undefined {
  if (!last) return undefined;
  try {
    return { uri: last.uri, version: last.version, stale: false, model: modelFromTrace(last.trace, last.uri), restored: true };
  } catch {
    return undefined;
  }
}

/** A micrograd root across re-runs (its node id changes with every run): its name and line. */
const rootKey = (r: ValueRoot) => `${r.name}:${r.line ?? ""}`;

/** The root a saved key names in this run: the same name and line, else the same name. */
function savedRoot(roots: readonly ValueRoot[], key: string | undefined): ValueRoot | undefined {
  if (key === undefined) return undefined;
  return roots.find((r) => rootKey(r) === key) ?? roots.find((r) => r.name === key.slice(0, key.lastIndexOf(":")));
}

/** "o · 10 nodes", "backward() line 27 · 68,819 nodes" */
function rootLabel(r: ValueRoot): string {
  const where = r.kind !== "named" && !/^[A-Za-z_$][\w$]*$/.test(r.name) && r.line !== undefined ? ` line ${r.line + 1}` : ""; // the model counts lines from 0
  return `${r.name}${where} · ${r.nodes.toLocaleString("en-US")} node${r.nodes === 1 ? "" : "s"}`;
}

const DEFAULT_STATE: SavedState = { table: { sort: "order", descending: false, onlyBad: false }, fold: true, unfolded: [], logScale: false };

function restore(raw: unknown): SavedState {
  if (!raw || typeof raw !== "object") return DEFAULT_STATE;
  const s = raw as Partial<SavedState>;
  return { ...DEFAULT_STATE, ...s, table: { ...DEFAULT_STATE.table, ...(s.table ?? {}) }, unfolded: Array.isArray(s.unfolded) ? s.unfolded : [] };
}

/** Where a checked tensor's drawer opens: its cmp row in Checks, else its graph node. */
function drawerOf(model: PanelModel | undefined, name: string): Partial<SavedState> | undefined {
  const key = model && [...model.tensors.values()].find((t) => t.name === name)?.key;
  const row = model?.comparisons.findLast((c) => (key !== undefined && c.tensorKey === key) || c.name === name);
  if (row) return { tab: "checks", selectedCmp: row.index, selectedNode: row.nodeId };
  const node = model?.graph.nodes.find((n) => n.named && (n.tensorKey === key || n.label === name));
  return node ? { tab: "graph", selectedNode: node.id, selectedCmp: undefined } : undefined;
}

export function App({ host }: { host: Host }) {
  const [saved, setSaved] = useState<SavedState>(() => restore(host.getState()));
  // the layout and the micrograd root (viewKey) it was made for: another root's layout is never shown
  const [laid, setLaid] = useState<{ of: string; layout: Layout } | undefined>(undefined);
  const [layoutError, setLayoutError] = useState<string | undefined>(undefined);
  const [fitRequest, setFitRequest] = useState(0);
  const [showTensor, setShowTensor] = useState(false);
  const layoutRef = useRef<Layout | undefined>(undefined);
  // the figure the Figures tab shows, when it is the tab shown: what Export graph as SVG saves then
  const figureRef = useRef<string | undefined>(undefined);
  const [restored] = useState(() => restoredSnapshot(saved.last));
  const { snap: hostSnap, partial, running, cursorLine, details, requestDetail, graphs, requestGraph, graphError } = usePanelMessages(host, {
    selectComparison(index) {
      save({ selectedCmp: index, tab: "checks" });
      setShowTensor(true);
    },
    exportSvg(requestId) {
      const l = layoutRef.current;
      if (figureRef.current !== undefined) host.post({ type: "svg", requestId, svg: figureRef.current });
      else if (l) host.post({ type: "svg", requestId, svg: graphSvg(l, document.body) });
      else host.post({ type: "svg", requestId, error: "the panel has no graph to export yet; run an exercise first" });
    },
    showValue(uri, name, line, id) {
      // a panel that has just opened may get this before its first snapshot is rendered: kept till then
      if (snap?.uri !== uri || !model) pendingValue.current = { uri, name, line, id };
      else showValueOf(uri, name, line, id);
    },
    finiteDifference(uri, report) {
      const target = snap?.uri === uri ? drawerOf(model, report.name) : undefined;
      save({ ...(target ?? { tab: "checks", selectedCmp: undefined }), fd: { uri, report, at: Date.now(), unmatched: !target } });
      setShowTensor(true);
    },
  });

  const save = (patch: Partial<SavedState>) => {
    setSaved((s) => {
      const next = { ...s, ...patch };
      host.setState(next);
      return next;
    });
  };

  // a host without a run (just reloaded) leaves the last results shown, marked as restored
  const snap = hostSnap && !hostSnap.model && !hostSnap.invalid && hostSnap.uri === undefined && restored ? restored : hostSnap;
  const model = snap?.model;
  const pendingValue = useRef<{ uri: string; name: string; line?: number; id?: string } | undefined>(undefined);
  const showValueOf = (uri: string, name: string, line?: number, id?: string) => {
    pendingValue.current = undefined;
    const roots = snap?.uri === uri ? model?.valueRoots ?? [] : [];
    // the root the editor picked, else the binding of `name` nearest above the editor's line, else any
    const named = roots.filter((r) => r.name === name);
    const root = roots.find((r) => id !== undefined && r.id === id)
      ?? named.filter((r) => line === undefined || (r.line ?? 0) <= line).pop() ?? named[0];
    if (root) save({ tab: "graph", valueRoot: rootKey(root), selectedNode: undefined });
    else console.warn(`Backprop Ninja panel: no Value named ${name} in the run shown`);
  };
  useEffect(() => {
    const p = pendingValue.current;
    if (p && model && snap?.uri === p.uri) showValueOf(p.uri, p.name, p.line, p.id);
  }, [snap, model]);
  useEffect(() => {
    const s = hostSnap;
    if (!s?.model || s.trace === undefined) return;
    // off the render path: a live re-run's panel update is timed
    const t = setTimeout(() => {
      const size = JSON.stringify(s.trace).length;
      save({ last: size <= KEEP_TRACE_CHARS ? { uri: s.uri, version: s.version, trace: s.trace } : undefined });
    }, 0);
    return () => clearTimeout(t);
  }, [hostSnap?.model]);
  const live = partial ?? (model ? { series: model.series, stepsPerSecond: model.stepsPerSecond } : undefined);

  // micrograd: the root drawn (picked, else the run's initial one) and its graph, fetched when not the initial one
  const roots = model?.valueRoots ?? [];
  const root = savedRoot(roots, saved.valueRoot) ?? roots.find((r) => r.id === model?.valueRoot);
  const graph: Graph | undefined = !model ? undefined
    : !root ? model.graph
    : graphs.get(root.id) ?? (root.id === model.valueRoot ? model.graph : undefined);
  useEffect(() => {
    if (model && root && !graph) requestGraph(root.id);
  }, [model, root?.id, graph]);
  const viewKey = root ? rootKey(root) : "";

  // lay the graph out when the graph or folding changes
  const display = useMemo(
    () => (graph ? foldChains(graph, saved.fold, new Set(saved.unfolded)) : undefined),
    [graph, saved.fold, saved.unfolded.join("\u0000")],
  );
  useEffect(() => {
    if (!display || !model || display.nodes.length === 0) {
      setLaid(undefined);
      return;
    }
    let cancelled = false;
    setLayoutError(undefined);
    layoutGraph(display, model.values).then(
      (l) => !cancelled && setLaid({ of: viewKey, layout: l }),
      (e) => !cancelled && setLayoutError(e instanceof Error ? e.message : String(e)),
    );
    return () => void (cancelled = true);
  }, [display]);

  const layout = laid?.of === viewKey ? laid.layout : undefined;
  layoutRef.current = layout;

  const first = useMemo(() => (model ? firstWrong(model) : undefined), [model]);
  const displayId = (nodeId?: string) => (nodeId !== undefined ? display?.owner.get(nodeId) ?? nodeId : undefined);
  const cursorNode = useMemo(() => {
    if (cursorLine === undefined || !model) return undefined;
    const onLine = model.graph.nodes.filter((n) => n.line === cursorLine);
    const best = onLine.find((n) => n.named) ?? onLine[onLine.length - 1];
    return displayId(best?.id);
  }, [cursorLine, model, display]);

  const tab: Tab = saved.tab ??
    (model?.figures.length && model.comparisons.length === 0 ? "figures" : model?.values ? "graph" : (partial?.series.length ?? 0) > 0 || (model && model.comparisons.length === 0 && model.series.length > 0) ? "training" : "checks");
  figureRef.current = tab === "figures" && model?.figures.length ? model.figures[figureIndex(model.figures, saved.figure)].svg : undefined;
  const selectedRow = model?.comparisons.find((c) => c.index === saved.selectedCmp);
  const selectedNodeModel = model?.graph.nodes.find((n) => n.id === saved.selectedNode);
  const tensorKey = selectedRow?.tensorKey ?? selectedNodeModel?.tensorKey;
  const tensorBare = tensorKey !== undefined ? model?.tensors.get(tensorKey) : undefined;
  const nodeCmpBare = selectedNodeModel?.cmpIndex !== undefined ? model?.comparisons.find((c) => c.index === selectedNodeModel.cmpIndex) : undefined;
  // the tensor view's samples: in the snapshot (full trace) or fetched from the host (compact one)
  const shownRow = tab === "graph" ? nodeCmpBare : selectedRow;
  // a restored run's samples stayed with the host that ran it: none to ask for
  const detailKey = model?.samplesOnRequest && !snap?.restored && showTensor && (tensorBare || shownRow)
    ? `${tensorBare?.key ?? ""}|${shownRow?.index ?? ""}` : undefined;
  const detail = detailKey !== undefined ? details.get(detailKey) : undefined;
  const { tensor, row: shownWithDetail } = useMemo(() => withDetail(detail, tensorBare, shownRow), [detail, tensorBare, shownRow]);
  const nodeCmp = tab === "graph" ? shownWithDetail : nodeCmpBare;
  const selectedRowShown = tab === "graph" ? selectedRow : shownWithDetail;
  useEffect(() => {
    if (detailKey === undefined) return;
    requestDetail(detailKey, {
      ...(snap?.uri !== undefined ? { uri: snap.uri } : {}), ...(snap?.version !== undefined ? { version: snap.version } : {}),
      ...(tensorBare ? { tensorId: Number(tensorBare.key) } : {}), ...(shownRow ? { cmpIndex: shownRow.index } : {}),
    });
  }, [detailKey, details]);

  // the last check: in the drawer of its tensor (of the file shown), or alone when the run shown has no such tensor
  const fdProps = (f: NonNullable<SavedState["fd"]>): FiniteDifferenceProps =>
    ({ report: f.report, at: f.at, older: f.uri === snap?.uri && model?.startedAt !== undefined && model.startedAt > f.at });
  const fdOf = (name: string | undefined) => (saved.fd && saved.fd.report.name === name && saved.fd.uri === snap?.uri ? fdProps(saved.fd) : undefined);
  const fdAlone = saved.fd?.unmatched && tab === "checks" && saved.selectedCmp === undefined ? fdProps(saved.fd) : undefined;
  const samplesNote = snap?.restored ? "Heatmaps need the run's samples, which a window reload does not keep: run the exercise again." : undefined;
  const reveal = (line: number | undefined, column?: number, cell?: number) => {
    const uri = snap?.uri;
    if (uri === undefined || line === undefined) return;
    host.post({ type: "reveal", uri, line, ...(column !== undefined ? { column } : {}), ...(cell !== undefined ? { cell } : {}) });
  };
  const selectRow = (r: CmpRow) => {
    save({ selectedCmp: r.index, selectedNode: r.nodeId });
    setShowTensor(true);
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") setShowTensor(false);
      else if (e.altKey && e.key >= "1" && e.key <= "3") save({ tab: (["graph", "checks", "training"] as const)[Number(e.key) - 1] });
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const isRunning = running !== null;
  const hasTraining = (live?.series.length ?? 0) > 0;
  // a first run of a training script: its curve shows before any snapshot has a model
  const showLiveTraining = tab === "training" && isRunning && (partial?.series.length ?? 0) > 0;
  const bad = model?.comparisons.filter((c) => isBad(c.status)).length ?? 0;

  return (
    <div class={`app${isRunning ? " is-running" : ""}`} data-version={snap?.version} data-state={!snap ? "waiting" : snap.invalid ? "invalid" : !model ? "empty" : model.status}>
      <div class="toolbar" role="toolbar" aria-label="Panel">
        <nav class="tabs" role="tablist">
          <TabButton id="graph" tab={tab} icon="codicon-type-hierarchy" label="Graph" onPick={(t) => save({ tab: t })} />
          <TabButton id="checks" tab={tab} icon="codicon-checklist" label="Checks" badge={bad || undefined} onPick={(t) => save({ tab: t })} />
          <TabButton id="training" tab={tab} icon="codicon-graph-line" label="Training" onPick={(t) => save({ tab: t })} />
          {(model?.figures.length ?? 0) > 0 && (
            <TabButton id="figures" tab={tab} icon="codicon-file-media" label="Figures" badge={model!.figures.length} onPick={(t) => save({ tab: t })} />
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
            <button class={`icon-button${saved.fold ? " active" : ""}`} aria-pressed={saved.fold} title="Fold chains of unnamed ops" data-testid="fold" onClick={() => save({ fold: !saved.fold, unfolded: [] })}>
              <span class="codicon codicon-fold" />
            </button>
            <button class="icon-button" title="Fit to view (F)" data-testid="fit" onClick={() => setFitRequest((n) => n + 1)}>
              <span class="codicon codicon-screen-full" />
            </button>
          </>
        )}
        {isRunning ? (tab !== "training" &&
          <button class="button button-secondary" title="Stop the run" data-testid="stop" onClick={() => host.post({ type: "stop" })}>
            <span class="codicon codicon-debug-stop" /> Stop
          </button>
        ) : (
          <button class="icon-button" title="Run the exercise again" data-testid="run" onClick={() => host.post(snap?.uri ? { type: "run", uri: snap.uri } : { type: "run" })}>
            <span class="codicon codicon-play" />
          </button>
        )}
      </div>
      {isRunning && <div class="run-progress" role="progressbar" aria-label={running!.progress.message ?? "Running"}><div class="run-progress-bar" /></div>}
      {snap && (model || running) && <RunHeader snap={snap} running={running} />}
      {snap?.stale && model && (
        <div class="banner banner-info" data-testid="stale">
          <span class="codicon codicon-history" /> The file changed since this run. Save it to re-run (live mode), or press Run.
        </div>
      )}
      {model?.error && <ErrorBanner model={model} onReveal={reveal} />}
      {model?.nonFinite && (
        <div class="banner banner-warning" data-testid="non-finite">
          <span class="codicon codicon-warning" />
          <div class="banner-body">{model.nonFinite.text}. Gradients computed from it are NaN/Inf too.</div>
          {model.nonFinite.line !== undefined && (
            <button class="button button-secondary" onClick={() => reveal(model.nonFinite!.line, model.nonFinite!.column)}>
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
      <main class="content">
        {!snap && <Empty icon="codicon-loading codicon-modifier-spin" title="Connecting…" text="Waiting for the extension to send the last run." />}
        {snap && !snap.model && !snap.invalid && !showLiveTraining && (
          isRunning ? (
            <Empty icon="codicon-loading codicon-modifier-spin" title="Running…" text={running!.progress.message ?? "The results show here when the run ends."} />
          ) : <Empty
            icon="codicon-beaker"
            title="No run yet"
            text="Open an exercise file and run “Backprop Ninja: Run backprop exercise” (Ctrl+Alt+Enter). With live mode on, every save re-runs it. No exercise yet? “Backprop Ninja: New backprop exercise” writes one."
            action={{ label: "Run exercise", onClick: () => host.post({ type: "run" }) }}
          />
        )}
        {model && tab === "checks" && (
          model.comparisons.length > 0 ? (
            <div class="checks">
              <CmpTable
                rows={model.comparisons}
                state={saved.table}
                selected={saved.selectedCmp}
                firstWrong={first?.index}
                cursorLine={cursorLine}
                onState={(table) => save({ table })}
                onSelect={selectRow}
                onActivate={(r) => reveal(r.line, r.column, r.cell)}
              />
              {showTensor && (selectedRowShown || fdAlone) && (
                <TensorPanel tensor={selectedRowShown && tensor} cmp={selectedRowShown} note={samplesNote} fd={fdAlone ?? fdOf(tensor?.name ?? selectedRowShown?.name)}
                  onReveal={(l) => reveal(l)} onClose={() => setShowTensor(false)} />
              )}
            </div>
          ) : (
            <Empty
              icon="codicon-checklist"
              title={model.error ? "No checks ran before the error" : "No gradient checks in this script"}
              text={model.error ? "Fix the error above, then save to re-run." : "Call cmp('name', dname, name) after loss.backward() to compare a hand-written gradient with autograd's."}
            />
          )
        )}
        {model && tab === "graph" && (
          !graph ? (
            graphError ? <Empty icon="codicon-error" title={`No graph for ${root?.name ?? "this Value"}`} text={graphError} />
              : <Empty icon="codicon-loading codicon-modifier-spin" title={`Fetching the graph of ${root?.name ?? "the Value"}…`} text="" />
          ) : display && display.nodes.length > 0 ? (
            <div class="graph-pane">
              <div class="graph-main">
              {layout ? (
                <GraphView
                  key={viewKey}
                  layout={layout}
                  values={model.values}
                  selected={displayId(saved.selectedNode)}
                  cursor={cursorNode}
                  firstWrong={displayId(first?.nodeId)}
                  view={saved.views?.[viewKey]}
                  fitRequest={fitRequest}
                  onView={(view) => setSaved((s) => {
                    const next = { ...s, views: { ...s.views, [viewKey]: view } };
                    host.setState(next);
                    return next;
                  })}
                  onSelect={(id) => {
                    save({ selectedNode: id, selectedCmp: model.graph.nodes.find((n) => n.id === id)?.cmpIndex });
                    setShowTensor(true);
                  }}
                  onActivate={(id) => {
                    const n = layout.byId.get(id)?.node;
                    reveal(n?.line, n?.column);
                  }}
                  onToggleChain={(id) => {
                    const members = layout.byId.get(id)?.node.members;
                    if (members) save({ unfolded: [...saved.unfolded, members[0]] });
                  }}
                />
              ) : layoutError ? (
                <Empty icon="codicon-error" title="The graph could not be laid out" text={layoutError} />
              ) : (
                <Empty icon="codicon-loading codicon-modifier-spin" title={`Laying out ${display.nodes.length.toLocaleString("en-US")} nodes…`} text="" />
              )}
              {layout && (
                <GraphLegend values={model.values} nodes={graph.nodes.length} shown={display.nodes.length} ms={layout.ms}
                  truncated={root ? root.nodes > graph.nodes.length : model.graphTruncated} of={root?.nodes}
                  onMore={root && root.id === model.valueRoot && !graphs.has(root.id) && model.graphTruncated ? () => requestGraph(root.id) : undefined} />
              )}
              </div>
              {showTensor && (tensor || nodeCmp) && (
                <div class="graph-drawer">
                  <TensorPanel tensor={tensor} cmp={nodeCmp} note={samplesNote} fd={fdOf(tensor?.name ?? nodeCmp?.name)}
                    onReveal={(l) => reveal(l)} onClose={() => setShowTensor(false)} />
                </div>
              )}
            </div>
          ) : (
            <Empty icon="codicon-type-hierarchy" title="No graph" text="The graph appears once the script calls backward() on a result (loss.backward())." />
          )
        )}
        {(model || showLiveTraining) && tab === "training" && (
          hasTraining || isRunning ? (
            <Training
              series={live?.series ?? []}
              logScale={saved.logScale}
              running={isRunning}
              stepsPerSecond={live?.stepsPerSecond}
              progress={running?.progress}
              onLogScale={(logScale) => save({ logScale })}
              onStop={() => host.post({ type: "stop" })}
            />
          ) : (
            <Empty icon="codicon-graph-line" title="No training series" text="Log the loss in the training loop with log('loss', loss.item(), step) and its curve shows here while the run goes on." />
          )
        )}
        {model && tab === "figures" && (
          model.figures.length > 0 ? (
            <Figures figures={model.figures} selected={saved.figure} onSelect={(figure) => save({ figure })} onExport={() => host.post({ type: "exportSvg" })} />
          ) : (
            <Empty icon="codicon-file-media" title="No figures" text="matplotlib figures show here on plt.show() or at the end of a cell; a graphviz Digraph when a cell ends with it, or on display(dot) or dot.render()." />
          )
        )}
      </main>
    </div>
  );
}

const LANGUAGE: Record<string, string> = { typescript: "TypeScript", javascript: "JavaScript", python: "Python", notebook: "Notebook" };

/** The last path segment of a file path or URI. */
const baseName = (p: string) => decodeURIComponent(p.replace(/[?#].*$/, "").split(/[\\/]/).pop() ?? p);

/** Which file the results belong to and when it ran; a run of another file in flight says so. */
function RunHeader({ snap, running }: { snap: Snapshot; running: RunningInfo | null }) {
  const m = snap.model;
  const path = snap.uri ?? m?.file;
  const name = path ? baseName(path) : undefined;
  const other = running && running.uri !== snap.uri ? baseName(running.uri) : undefined;
  const at = m?.startedAt !== undefined ? new Date(m.startedAt) : undefined;
  const time = at ? at.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }) : undefined;
  const output = m?.output.filter((o) => o.text.length > 0) ?? [];
  return (
    <header class="run-header" data-testid="run-header">
      <div class="run-header-line">
        {name && (
          <span class="run-file" title={path}>
            <span class={`codicon ${m?.language === "notebook" ? "codicon-notebook" : "codicon-file-code"}`} />{" "}
            <span class="mono" data-testid="run-file">{name}</span>
          </span>
        )}
        {m?.language && <span class="dim">{LANGUAGE[m.language] ?? m.language}</span>}
        {m?.engine && <span class="dim" data-testid="run-engine" title="the verdicts are this PyTorch's own numbers">· {m.engine}</span>}
        {time && <span class="dim" data-testid="run-time" title={at!.toLocaleString()}>ran {time}{m?.durationMs !== undefined ? ` · ${fmtDuration(m.durationMs)}` : ""}</span>}
        {snap.restored && <span class="dim" data-testid="restored">· kept from before the window reload</span>}
        {other && <span class="run-other" data-testid="running-other"><span class="codicon codicon-loading codicon-modifier-spin" /> running {other}…</span>}
      </div>
      {output.length > 0 && (
        <details class="run-output" data-testid="run-output">
          <summary>Output</summary>
          <pre>{output.map((o, i) => <span key={i} class={o.stream === "stderr" ? "stderr" : undefined}>{o.text}</span>)}{m?.outputTruncated ? "\n… (output cut at the runner's limit)" : ""}</pre>
        </details>
      )}
    </header>
  );
}

function fmtDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
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

function Empty(p: { icon: string; title: string; text: string; action?: { label: string; onClick(): void } }) {
  return (
    <div class="empty" data-testid="empty">
      <span class={`codicon ${p.icon} empty-icon`} />
      <h2>{p.title}</h2>
      {p.text && <p>{p.text}</p>}
      {p.action && <button class="button" onClick={p.action.onClick}><span class="codicon codicon-play" /> {p.action.label}</button>}
    </div>
  );
}

function ErrorBanner({ model, onReveal }: { model: PanelModel; onReveal(line: number, column?: number, cell?: number): void }) {
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

function GraphLegend(p: { values: boolean; nodes: number; shown: number; ms: number; truncated?: boolean; of?: number; onMore?(): void }) {
  return (
    <div class="legend graph-legend" data-testid="graph-legend">
      {!p.values && (
        <>
          <span class="legend-item verdict-exact"><i /> exact</span>
          <span class="legend-item verdict-approximate"><i /> approximate</span>
          <span class="legend-item verdict-wrong"><i /> wrong</span>
          <span class="legend-item verdict-no-grad"><i /> not checked</span>
        </>
      )}
      <span class="dim">
        {p.truncated ? "the " : ""}{p.nodes.toLocaleString("en-US")} nodes{p.truncated ? ` nearest the root${p.of !== undefined ? ` of ${p.of.toLocaleString("en-US")}` : ""}` : ""}
        {p.shown !== p.nodes ? ` (${p.shown.toLocaleString("en-US")} after folding)` : ""} · layout {Math.round(p.ms)} ms
      </span>
      {p.onMore && <button class="link-button" data-testid="graph-more" onClick={p.onMore}>Draw more (slow)</button>}
    </div>
  );
}
