// The host end of the panel protocol (src/protocol/messages.ts): typed sends to the webview and
// checked handling of what it sends back.
import * as vscode from "vscode";
import {
  parseWebviewMessage, type HostMessage, type RenderTimingsCommand, type RequestDetailCommand, type RequestGraphCommand, type RunningInfo,
} from "../protocol/messages";
import {
  compactTrace, detailOf, isTrace, valueGraphOf, type CompactTrace, type FiniteDifferenceReport, type Graph, type TraceDetail,
} from "../protocol/trace";
import type { RunRecord } from "./runs";

export type { RunningInfo };

export interface PanelHandlers {
  ready(): void;
  reveal(uri: string, line: number, column?: number, cell?: number): void;
  stop(): void;
  run(uri?: string): void;
  /** the panel's Export button: run Export graph as SVG, which asks the panel for the SVG it shows */
  exportSvg(): void;
  /** the record whose samples a `requestDetail` may read (the one the panel was last sent) */
  detailSource(): RunRecord | undefined;
  /** the panel's DOM shows the snapshot of `version` (with its timings when `debug` asked for them) */
  rendered(m: { uri?: string; version?: number; at?: number; receivedAt?: number; queuedMs?: number }): void;
}

/** The compact copy of a record's trace, made once per record (snapshots are resent on every re-show). */
const compactOf = new WeakMap<object, CompactTrace>();
export function panelTrace(trace: unknown): unknown {
  if (!isTrace(trace)) return trace ?? undefined;
  let c = compactOf.get(trace);
  if (!c) compactOf.set(trace, (c = compactTrace(trace)));
  return c;
}

/** The answer to a `requestDetail`, from the record the panel shows. */
export function answerDetail(rec: RunRecord | undefined, m: RequestDetailCommand): { detail?: TraceDetail; error?: string } {
  if (!rec || !isTrace(rec.trace)) return { error: "there is no run to read samples from" };
  if ((m.uri !== undefined && m.uri !== rec.uri.toString()) || (m.version !== undefined && m.version !== rec.version)) {
    return { error: "a newer run replaced the one shown" };
  }
  return { detail: detailOf(rec.trace, m.tensorId, m.cmpIndex) };
}

/** The answer to a `requestGraph`: the micrograd root's graph, from the record the panel shows. */
export function answerGraph(rec: RunRecord | undefined, m: RequestGraphCommand): { graph?: Graph; error?: string } {
  if (!rec || !isTrace(rec.trace)) return { error: "there is no run to read the graph from" };
  if ((m.uri !== undefined && m.uri !== rec.uri.toString()) || (m.version !== undefined && m.version !== rec.version)) {
    return { error: "a newer run replaced the one shown" };
  }
  const graph = valueGraphOf(rec.trace, m.root);
  return graph ? { graph } : { error: `the run has no Value ${m.root}` };
}

export interface HostBridge extends vscode.Disposable {
  snapshot(rec: RunRecord | undefined, stale: boolean): void;
  running(info: RunningInfo | undefined): void;
  partial(trace: unknown): void;
  cursor(uri: string, line: number): void;
  stale(stale: boolean): void;
  selectComparison(index: number): void;
  /** draws the graph of the micrograd Value bound to `name` in `uri`'s run (the root `id` when given) */
  showValue(uri: string, name: string, line?: number, id?: string): void;
  /** a finite-difference check of a tensor of `uri`'s script: the panel shows it in that tensor's drawer */
  finiteDifference(uri: string, report: FiniteDifferenceReport): void;
  /** asks the panel to report render timings (tests and development builds) */
  debug(reportTimings: boolean): void;
  requestSvg(timeoutMs: number): Promise<string>;
}

export function hostBridge(webview: vscode.Webview, handlers: PanelHandlers): HostBridge {
  let nextRequest = 1;
  const waiting = new Map<number, { resolve(svg: string): void; reject(e: Error): void; timer: ReturnType<typeof setTimeout> }>();
  const post = (m: HostMessage) => void webview.postMessage(m);
  // the timings the panel sends just before the `rendered` they belong to
  let timings: RenderTimingsCommand | undefined;
  const sub = webview.onDidReceiveMessage((raw) => {
    const m = parseWebviewMessage(raw);
    if (!m) return;
    switch (m.type) {
      case "ready": return handlers.ready();
      case "reveal": return handlers.reveal(m.uri, m.line, m.column, m.cell);
      case "stop": return handlers.stop();
      case "run": return handlers.run(m.uri);
      case "exportSvg": return handlers.exportSvg();
      case "renderTimings":
        timings = m;
        return;
      case "rendered": {
        const t = timings && timings.uri === m.uri && timings.version === m.version ? timings : undefined;
        timings = undefined;
        return handlers.rendered(t ? { uri: m.uri, version: m.version, at: t.at, receivedAt: t.receivedAt, queuedMs: t.queuedMs } : m);
      }
      case "requestDetail": return post({ type: "detail", requestId: m.requestId, ...answerDetail(handlers.detailSource(), m) });
      case "requestGraph": return post({ type: "graph", requestId: m.requestId, ...answerGraph(handlers.detailSource(), m) });
      case "svg": {
        const w = waiting.get(m.requestId);
        if (!w) return;
        waiting.delete(m.requestId);
        clearTimeout(w.timer);
        if (m.svg !== undefined) w.resolve(m.svg);
        else w.reject(new Error(m.error ?? "the panel sent no SVG"));
      }
    }
  });
  return {
    snapshot: (rec, stale) => post({ type: "snapshot", uri: rec?.uri.toString(), version: rec?.version, stale, trace: panelTrace(rec?.trace) }),
    running: (info) => post({ type: "running", running: info ?? null }),
    partial: (trace) => post({ type: "partial", trace }),
    cursor: (uri, line) => post({ type: "cursor", uri, line }),
    stale: (stale) => post({ type: "stale", stale }),
    selectComparison: (index) => post({ type: "selectComparison", index }),
    showValue: (uri, name, line, id) => post({ type: "showValue", uri, name, ...(line === undefined ? {} : { line }), ...(id === undefined ? {} : { id }) }),
    finiteDifference: (uri, report) => post({ type: "finiteDifference", uri, report }),
    debug: (reportTimings) => post({ type: "debug", reportTimings }),
    requestSvg: (timeoutMs) => new Promise<string>((resolve, reject) => {
      const requestId = nextRequest++;
      const timer = setTimeout(() => {
        waiting.delete(requestId);
        reject(new Error(`the panel did not answer within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      waiting.set(requestId, { resolve, reject, timer });
      post({ type: "exportSvg", requestId });
    }),
    dispose: () => {
      sub.dispose();
      for (const w of waiting.values()) {
        clearTimeout(w.timer);
        w.reject(new Error("the panel was closed"));
      }
      waiting.clear();
    },
  };
}
