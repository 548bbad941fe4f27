// The gradient panel. Host messages replace whole snapshots (usePanelMessages); UI state (tab,
// selection, sort, zoom…) is kept with the host's getState/setState (savedState) so it survives
// hiding and reloads. This component picks what is shown; the tabs and banners are in ./components.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { Banners } from "./components/Banners";
import { ChecksTab } from "./components/ChecksTab";
import { Empty } from "./components/Empty";
import { figureIndex, Figures } from "./components/Figures";
import type { FiniteDifferenceProps } from "./components/FiniteDifference";
import { GraphTab } from "./components/GraphTab";
import { RunHeader } from "./components/RunHeader";
import { TensorPanel } from "./components/TensorPanel";
import { Toolbar } from "./components/Toolbar";
import { TrainingTab } from "./components/TrainingTab";
import { graphSvg } from "./graph/svgExport";
import type { Layout } from "./graph/layout";
import { useGraphLayout } from "./graph/useGraphLayout";
import type { Host } from "./host";
import { firstWrong, isBad, type CmpRow, type Graph } from "./model";
import { defaultTab, drawerOf, KEEP_TRACE_CHARS, restoredSnapshot, rootKey, savedRoot, useSavedState, type SavedState, type Tab } from "./savedState";
import { withDetail } from "./traceAdapter";
import { usePanelMessages } from "./usePanelMessages";

export function App({ host }: { host: Host }) {
  const { saved, save, update, keepLast, last } = useSavedState(host);
  const [fitRequest, setFitRequest] = useState(0);
  const [showTensor, setShowTensor] = useState(false);
  const layoutRef = useRef<Layout | undefined>(undefined);
  // the figure the Figures tab shows, when it is the tab shown: what Export graph as SVG saves then
  const figureRef = useRef<string | undefined>(undefined);
  const [restored] = useState(() => restoredSnapshot(last));
  const { snap: hostSnap, partial, running, cursorLine, details, carried, requestDetail, graphs, requestGraph, graphError } = usePanelMessages(host, {
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
      keepLast(size <= KEEP_TRACE_CHARS ? { uri: s.uri, version: s.version, trace: s.trace } : undefined);
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

  const graphLayout = useGraphLayout(graph, model?.values, saved.fold, saved.unfolded, viewKey);
  const { display, layout } = graphLayout;
  layoutRef.current = layout;

  const first = useMemo(() => (model ? firstWrong(model) : undefined), [model]);
  const displayId = (nodeId?: string) => (nodeId !== undefined ? display?.owner.get(nodeId) ?? nodeId : undefined);
  const cursorNode = useMemo(() => {
    if (cursorLine === undefined || !model) return undefined;
    const onLine = model.graph.nodes.filter((n) => n.line === cursorLine);
    const best = onLine.find((n) => n.named) ?? onLine[onLine.length - 1];
    return displayId(best?.id);
  }, [cursorLine, model, display]);

  const tab: Tab = saved.tab ?? defaultTab(model, partial?.series.length ?? 0);
  figureRef.current = tab === "figures" && model?.figures.length ? model.figures[figureIndex(model.figures, saved.figure)].svg : undefined;

  // the tensor drawer: the row selected (Checks) or the node selected (Graph), with its samples
  const selectedRow = model?.comparisons.find((c) => c.index === saved.selectedCmp);
  const selectedNodeModel = model?.graph.nodes.find((n) => n.id === saved.selectedNode);
  const tensorKey = selectedRow?.tensorKey ?? selectedNodeModel?.tensorKey;
  const tensorBare = tensorKey !== undefined ? model?.tensors.get(tensorKey) : undefined;
  const nodeCmpBare = selectedNodeModel?.cmpIndex !== undefined ? model?.comparisons.find((c) => c.index === selectedNodeModel.cmpIndex) : undefined;
  // the tensor view's samples: in the snapshot (full trace) or fetched from the host (compact one)
  const shownRow = tab === "graph" ? nodeCmpBare : selectedRow;
  // a restored run's samples stayed with the host that ran it: none to ask for
  // the key says what the samples are of, so the ones carried over from the run before fit this view
  const detailKey = model?.samplesOnRequest && !snap?.restored && showTensor && (tensorBare || shownRow)
    ? [tensorBare?.key, tensorBare?.name, tensorBare?.shape.join("x"), shownRow?.index, shownRow?.name, shownRow?.manualShape?.join("x"), shownRow?.gradShape?.join("x")].join("|")
    : undefined;
  const detail = detailKey !== undefined ? details.get(detailKey) ?? carried.get(detailKey) : undefined;
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
  const closeDrawer = () => setShowTensor(false);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") setShowTensor(false);
      else if (e.altKey && e.key >= "1" && e.key <= "3") save({ tab: (["graph", "checks", "training"] as const)[Number(e.key) - 1] });
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const isRunning = running !== null;
  // a first run of a training script: its curve shows before any snapshot has a model
  const showLiveTraining = tab === "training" && isRunning && (partial?.series.length ?? 0) > 0;
  const bad = model?.comparisons.filter((c) => isBad(c.status)).length ?? 0;
  const stop = () => host.post({ type: "stop" });

  return (
    <div class={`app${isRunning ? " is-running" : ""}`} data-version={snap?.version} data-state={!snap ? "waiting" : snap.invalid ? "invalid" : !model ? "empty" : model.status}>
      <Toolbar tab={tab} model={model} bad={bad} roots={roots} root={root} fold={saved.fold} running={isRunning} save={save}
        onFit={() => setFitRequest((n) => n + 1)} onStop={stop}
        onRun={() => host.post(snap?.uri ? { type: "run", uri: snap.uri } : { type: "run" })} />
      {isRunning && <div class="run-progress" role="progressbar" aria-label={running!.progress.message ?? "Running"}><div class="run-progress-bar" /></div>}
      {snap && (model || running) && <RunHeader snap={snap} running={running} />}
      <Banners snap={snap} onReveal={reveal} />
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
          <ChecksTab model={model} table={saved.table} selected={saved.selectedCmp} firstWrong={first?.index} cursorLine={cursorLine}
            onTable={(table) => save({ table })} onSelect={selectRow} onActivate={(r) => reveal(r.line, r.column, r.cell)}
            drawer={showTensor && (selectedRowShown || fdAlone) ? (
              <TensorPanel tensor={selectedRowShown && tensor} cmp={selectedRowShown} note={samplesNote} fd={fdAlone ?? fdOf(tensor?.name ?? selectedRowShown?.name)}
                onReveal={(l) => reveal(l)} onClose={closeDrawer} />
            ) : undefined} />
        )}
        {model && tab === "graph" && (
          <GraphTab {...graphLayout} model={model} graph={graph} graphError={graphError} root={root} fetched={root !== undefined && graphs.has(root.id)}
            viewKey={viewKey} view={saved.views?.[viewKey]} selected={displayId(saved.selectedNode)} cursor={cursorNode}
            firstWrong={displayId(first?.nodeId)} fitRequest={fitRequest}
            onView={(view) => update((s) => ({ ...s, views: { ...s.views, [viewKey]: view } }))}
            onSelect={(id) => {
              save({ selectedNode: id, selectedCmp: model.graph.nodes.find((n) => n.id === id)?.cmpIndex });
              setShowTensor(true);
            }}
            onReveal={(line, column) => reveal(line, column)}
            onUnfold={(member) => save({ unfolded: [...saved.unfolded, member] })}
            onMore={requestGraph}
            drawer={showTensor && (tensor || nodeCmp) ? (
              <TensorPanel tensor={tensor} cmp={nodeCmp} note={samplesNote} fd={fdOf(tensor?.name ?? nodeCmp?.name)}
                onReveal={(l) => reveal(l)} onClose={closeDrawer} />
            ) : undefined} />
        )}
        {(model || showLiveTraining) && tab === "training" && (
          <TrainingTab live={live} running={running} logScale={saved.logScale} onLogScale={(logScale) => save({ logScale })} onStop={stop} />
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
