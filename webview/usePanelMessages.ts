// The panel's state from the host's messages: the snapshot shown, the live partial trace, the run in
// flight, the editor's cursor line and the samples fetched for the compact snapshot. The listener
// turns each message into one action; `reducePanel` is the whole state change, pure.
import { useEffect, useLayoutEffect, useReducer, useRef, useState } from "preact/hooks";
import type { HostMessage, RequestDetailCommand, RunningInfo } from "../src/protocol/messages";
import type { Graph as TraceGraph } from "../src/protocol/trace";
import type { FiniteDifferenceReport, TraceDetail } from "../src/protocol/trace";
import type { Host } from "./host";
import type { Graph, PanelModel, Series } from "./model";
import { modelFromTrace, readGraph, seriesFromPartial } from "./traceAdapter";

export interface Snapshot {
  uri?: string;
  version?: number;
  /** Date.now() when it arrived (reported back with `renderTimings`) */
  receivedAt?: number;
  queuedMs?: number;
  stale: boolean;
  model?: PanelModel;
  /** the trace as it came (the panel keeps the last one across window reloads) */
  trace?: unknown;
  /** the trace could not be read */
  invalid?: string;
  /** shown from the panel's saved state after a window reload, before any new run */
  restored?: boolean;
}

export interface PartialRun {
  series: Series[];
  stepsPerSecond?: number;
}

export interface PanelState {
  /** undefined until the host's first snapshot */
  snap?: Snapshot;
  /** the curves of the run in flight, until its snapshot */
  partial?: PartialRun;
  running: RunningInfo | null;
  /** the editor's cursor line in the file shown */
  cursorLine?: number;
  /** samples of the compact snapshot, fetched when a tensor view shows them, by a key of what they are of */
  details: ReadonlyMap<string, TraceDetail>;
  /**
   * the samples fetched for the snapshot before, of the same file: shown until this snapshot's own
   * come, so an open tensor view keeps its heatmaps on a re-run instead of losing them for a round trip
   */
  carried: ReadonlyMap<string, TraceDetail>;
  /** micrograd roots' graphs fetched for the snapshot (requestGraph), by root id */
  graphs: ReadonlyMap<string, Graph>;
}

export type PanelAction =
  | { type: "snapshot"; snap: Snapshot }
  | { type: "running"; running: RunningInfo | null }
  | { type: "partial"; partial: PartialRun }
  | { type: "cursor"; uri: string; line: number }
  | { type: "stale"; stale: boolean }
  | { type: "detail"; key: string; detail: TraceDetail }
  | { type: "graph"; root: string; graph: Graph };

export const INITIAL_PANEL_STATE: PanelState = { running: null, details: new Map(), carried: new Map(), graphs: new Map() };

export function reducePanel(s: PanelState, a: PanelAction): PanelState {
  switch (a.type) {
    case "snapshot":
      // a new snapshot drops the samples fetched for the old one, and a cursor in another file;
      // one without a model keeps the live curves of a run still going
      return {
        ...s, snap: a.snap, details: new Map(), graphs: new Map(),
        carried: a.snap.uri === s.snap?.uri ? (s.details.size > 0 ? s.details : s.carried) : new Map(),
        cursorLine: a.snap.uri === s.snap?.uri ? s.cursorLine : undefined,
        partial: a.snap.model || a.snap.invalid ? undefined : s.partial,
      };
    case "running":
      return { ...s, running: a.running };
    case "partial":
      return { ...s, partial: a.partial };
    case "cursor":
      // only the file the panel shows
      return s.snap?.uri === undefined || a.uri === s.snap.uri ? { ...s, cursorLine: a.line } : s;
    case "stale":
      return s.snap ? { ...s, snap: { ...s.snap, stale: a.stale } } : s;
    case "detail":
      return { ...s, details: new Map(s.details).set(a.key, a.detail) };
    case "graph":
      return { ...s, graphs: new Map(s.graphs).set(a.root, a.graph) };
  }
}

export interface PanelMessages extends PanelState {
  /** Asks the host for samples once per key (per snapshot); the answer lands in `details`. */
  requestDetail(key: string, what: Omit<RequestDetailCommand, "type" | "requestId">): void;
  /** Asks the host for a micrograd root's graph once per snapshot; the answer lands in `graphs`. */
  requestGraph(root: string): void;
  /** why the last asked graph did not come */
  graphError?: string;
}

/** The host messages that are requests to the UI rather than state. */
export interface PanelRequests {
  selectComparison(index: number): void;
  exportSvg(requestId: number): void;
  /** open the drawer of the checked tensor on this finite-difference check */
  finiteDifference(uri: string, report: FiniteDifferenceReport): void;
  /** draw the graph of the Value bound to `name` (the editor's Show Value graph) */
  showValue(uri: string, name: string, line?: number, id?: string): void;
}

/** Subscribes to the host (then says `ready`); `on` takes the messages that are requests to the UI. */
export function usePanelMessages(host: Host, on: PanelRequests): PanelMessages {
  const [state, dispatch] = useReducer(reducePanel, INITIAL_PANEL_STATE);
  const handlers = useRef(on);
  handlers.current = on;
  const detailRequests = useRef(new Map<number, string>());
  const graphRequests = useRef(new Map<number, string>());
  const [graphError, setGraphError] = useState<string | undefined>(undefined);
  const nextRequest = useRef(1);
  const reportTimings = useRef(false);

  useEffect(() => {
    const rate: { at: number; step: number }[] = [];
    let running: RunningInfo | null = null;
    let frame = 0;
    const off = host.onMessage((m: HostMessage, queuedMs: number) => {
      switch (m.type) {
        case "snapshot": {
          const receivedAt = Date.now();
          detailRequests.current.clear();
          graphRequests.current.clear();
          setGraphError(undefined);
          const base = { uri: m.uri, version: m.version, stale: m.stale };
          let snap: Snapshot = base;
          if (m.trace !== undefined) {
            rate.length = 0;
            try {
              snap = { ...base, receivedAt, queuedMs, model: modelFromTrace(m.trace, m.uri), trace: m.trace };
            } catch (e) {
              snap = { ...base, invalid: e instanceof Error ? e.message : String(e) };
            }
          }
          dispatch({ type: "snapshot", snap });
          break;
        }
        case "running":
          // progress can arrive hundreds of times a second (every training step): render once a frame
          running = m.running;
          if (running === null) dispatch({ type: "running", running: null });
          else if (!frame) {
            frame = requestAnimationFrame(() => {
              frame = 0;
              dispatch({ type: "running", running });
            });
          }
          break;
        case "partial": {
          const series = seriesFromPartial(m.trace);
          // steps/s over the last few seconds of wall time, from the newest step of the first series
          const steps = series[0]?.steps;
          let stepsPerSecond: number | undefined;
          if (steps?.length) {
            const now = performance.now();
            rate.push({ at: now, step: steps[steps.length - 1] });
            while (rate.length > 2 && now - rate[0].at > 5000) rate.shift();
            const dt = (rate[rate.length - 1].at - rate[0].at) / 1000;
            if (dt > 0.2) stepsPerSecond = (rate[rate.length - 1].step - rate[0].step) / dt;
          }
          dispatch({ type: "partial", partial: { series, stepsPerSecond } });
          break;
        }
        case "cursor":
          dispatch({ type: "cursor", uri: m.uri, line: m.line });
          break;
        case "stale":
          dispatch({ type: "stale", stale: m.stale });
          break;
        case "selectComparison":
          handlers.current.selectComparison(m.index);
          break;
        case "detail": {
          const key = detailRequests.current.get(m.requestId);
          if (key === undefined) break; // asked for an earlier snapshot
          detailRequests.current.delete(m.requestId);
          if (m.detail) dispatch({ type: "detail", key, detail: m.detail });
          else console.warn(`Backprop Ninja panel: no samples: ${m.error ?? "no answer"}`);
          break;
        }
        case "graph": {
          const root = graphRequests.current.get(m.requestId);
          if (root === undefined) break; // asked for an earlier snapshot
          graphRequests.current.delete(m.requestId);
          if (m.graph) dispatch({ type: "graph", root, graph: readGraph(m.graph as TraceGraph) });
          else setGraphError(m.error ?? "the host sent no graph");
          break;
        }
        case "showValue":
          handlers.current.showValue(m.uri, m.name, m.line, m.id);
          break;
        case "debug":
          reportTimings.current = m.reportTimings;
          break;
        case "exportSvg":
          handlers.current.exportSvg(m.requestId);
          break;
        case "finiteDifference":
          handlers.current.finiteDifference(m.uri, m.report);
          break;
      }
    });
    host.post({ type: "ready" });
    return () => {
      cancelAnimationFrame(frame);
      off();
    };
  }, [host]);

  // tell the host once the DOM shows a new run (save → panel timings end here)
  const snap = state.snap;
  useLayoutEffect(() => {
    if (!snap?.model) return;
    const which = { ...(snap.uri !== undefined ? { uri: snap.uri } : {}), ...(snap.version !== undefined ? { version: snap.version } : {}) };
    if (reportTimings.current) {
      host.post({ type: "renderTimings", ...which, at: Date.now(), ...(snap.receivedAt !== undefined ? { receivedAt: snap.receivedAt, queuedMs: snap.queuedMs } : {}) });
    }
    host.post({ type: "rendered", ...which });
  }, [snap?.model]);

  return {
    ...state,
    requestDetail(key, what) {
      if (state.details.has(key) || [...detailRequests.current.values()].includes(key)) return;
      const requestId = nextRequest.current++;
      detailRequests.current.set(requestId, key);
      host.post({ type: "requestDetail", requestId, ...what });
    },
    graphError,
    requestGraph(root) {
      if (state.graphs.has(root) || [...graphRequests.current.values()].includes(root)) return;
      const requestId = nextRequest.current++;
      graphRequests.current.set(requestId, root);
      setGraphError(undefined);
      const snap = state.snap;
      host.post({
        type: "requestGraph", requestId, root,
        ...(snap?.uri !== undefined ? { uri: snap.uri } : {}), ...(snap?.version !== undefined ? { version: snap.version } : {}),
      });
    },
  };
}
