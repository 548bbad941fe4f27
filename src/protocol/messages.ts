// The one protocol between the extension host and the gradient panel (webview/). Both sides import
// these types; each side checks what it receives with the parse functions below, because a message
// crossing the postMessage boundary is untyped data. The webview sends `ready` first; the host then
// sends whole snapshots (never deltas), so a reloaded or re-shown panel needs nothing else.
// Lines and columns are 0-based, as in the VS Code API.
//
// The snapshot's trace is the compact one (CompactTrace: no samples), so a live re-run crosses to the
// panel in tens of KiB; the panel asks for one tensor's or cmp row's samples (`requestDetail`) when
// it shows their heatmaps, and the host answers with `detail`.
import { isSample, type Sample, type TraceDetail } from "./trace";

/** Progress of the run in flight, as the host reports it. */
export interface RunProgressInfo {
  message?: string;
  /** 0..1 when known */
  fraction?: number;
  step?: number;
  totalSteps?: number;
}

export interface RunningInfo {
  uri: string;
  /** ms since the epoch */
  startedAt: number;
  progress: RunProgressInfo;
}

// ── host → webview notifications ──────────────────────────────────────────────────────────────

/** The newest finished run of the file the panel shows (trace undefined: nothing has run yet). */
export interface SnapshotMessage {
  type: "snapshot";
  uri?: string;
  /** document version whose text was run */
  version?: number;
  /** the file was edited since this run */
  stale: boolean;
  /** the runner's Trace or its CompactTrace (src/protocol/trace.ts); the webview validates it before use */
  trace?: unknown;
}

/** Whether a run is in flight (null: none), with its progress. */
export interface RunningMessage {
  type: "running";
  running: RunningInfo | null;
}

/** The trace so far of a long run (training loss curves), replacing any earlier partial one. */
export interface PartialMessage {
  type: "partial";
  trace: unknown;
}

/** The editor's cursor moved in the file of the last run. */
export interface CursorMessage {
  type: "cursor";
  uri: string;
  line: number;
}

export interface StaleMessage {
  type: "stale";
  stale: boolean;
}

/** Select a comparison (its index in the trace's list), e.g. from a CodeLens. */
export interface SelectComparisonMessage {
  type: "selectComparison";
  index: number;
}

/** Asks the panel for its graph as a standalone SVG document; answered with `svg`. */
export interface ExportSvgMessage {
  type: "exportSvg";
  requestId: number;
}

/** Answer to `requestDetail`: the samples asked for, or why there are none. */
export interface DetailMessage {
  type: "detail";
  requestId: number;
  detail?: TraceDetail;
  error?: string;
}

export type HostMessage =
  | DetailMessage
  | SnapshotMessage
  | RunningMessage
  | PartialMessage
  | CursorMessage
  | StaleMessage
  | SelectComparisonMessage
  | ExportSvgMessage;

// ── webview → host commands ───────────────────────────────────────────────────────────────────

/** First message of the webview; the host answers with a snapshot and the running state. */
export interface ReadyCommand {
  type: "ready";
}

/** Reveal a line of a file in the editor (click on a graph node or a table row). */
export interface RevealCommand {
  type: "reveal";
  uri: string;
  line: number;
  column?: number;
}

export interface StopCommand {
  type: "stop";
}

/** Run the exercise again (the file of the last run, or the active editor's without uri). */
export interface RunCommand {
  type: "run";
  uri?: string;
}

/** Answer to `exportSvg`: the SVG text, or why there is none. */
export interface SvgCommand {
  type: "svg";
  requestId: number;
  svg?: string;
  error?: string;
}

/** Asks for the samples of a named tensor (engine id) and/or a cmp row (index) of the run shown. */
export interface RequestDetailCommand {
  type: "requestDetail";
  requestId: number;
  /** the snapshot the panel shows; the host answers with an error when it has a newer run */
  uri?: string;
  version?: number;
  tensorId?: number;
  cmpIndex?: number;
}

/** The panel's DOM shows this snapshot (sent once per snapshot with a trace; timings use it). */
export interface RenderedCommand {
  type: "rendered";
  uri?: string;
  version?: number;
  /** Date.now() in the webview when its DOM showed it (same machine: comparable with the host's clock) */
  at?: number;
  /** Date.now() in the webview when the snapshot arrived */
  receivedAt?: number;
  /** how long the snapshot's message event waited in the webview's own task queue (ms) */
  queuedMs?: number;
}

export type WebviewMessage = ReadyCommand | RevealCommand | StopCommand | RunCommand | SvgCommand | RequestDetailCommand | RenderedCommand;

// ── runtime checks ────────────────────────────────────────────────────────────────────────────

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isLine(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0;
}

function optional<T>(v: unknown, check: (x: unknown) => x is T): v is T | undefined {
  return v === undefined || check(v);
}

const isString = (v: unknown): v is string => typeof v === "string";
const isFiniteNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

function parseProgress(v: unknown): RunProgressInfo | undefined {
  if (!isObj(v)) return undefined;
  if (!optional(v.message, isString) || !optional(v.fraction, isFiniteNumber) || !optional(v.step, isFiniteNumber) ||
    !optional(v.totalSteps, isFiniteNumber)) return undefined;
  const p: RunProgressInfo = {};
  if (v.message !== undefined) p.message = v.message;
  if (v.fraction !== undefined) p.fraction = v.fraction;
  if (v.step !== undefined) p.step = v.step;
  if (v.totalSteps !== undefined) p.totalSteps = v.totalSteps;
  return p;
}

/** The host message in `data`, or undefined when it is not one (unknown type or malformed). */
export function parseHostMessage(data: unknown): HostMessage | undefined {
  if (!isObj(data)) return undefined;
  switch (data.type) {
    case "snapshot":
      if (typeof data.stale !== "boolean" || !optional(data.uri, isString) || !optional(data.version, isFiniteNumber)) return undefined;
      if (data.trace !== undefined && data.trace !== null && !isObj(data.trace)) return undefined;
      {
        const m: SnapshotMessage = { type: "snapshot", stale: data.stale };
        if (data.uri !== undefined) m.uri = data.uri;
        if (data.version !== undefined) m.version = data.version;
        if (data.trace !== undefined && data.trace !== null) m.trace = data.trace;
        return m;
      }
    case "running": {
      if (data.running === null) return { type: "running", running: null };
      const r = data.running;
      if (!isObj(r) || !isString(r.uri) || !isFiniteNumber(r.startedAt)) return undefined;
      const progress = parseProgress(r.progress ?? {});
      return progress ? { type: "running", running: { uri: r.uri, startedAt: r.startedAt, progress } } : undefined;
    }
    case "partial":
      return isObj(data.trace) ? { type: "partial", trace: data.trace } : undefined;
    case "cursor":
      return isString(data.uri) && isLine(data.line) ? { type: "cursor", uri: data.uri, line: data.line } : undefined;
    case "stale":
      return typeof data.stale === "boolean" ? { type: "stale", stale: data.stale } : undefined;
    case "selectComparison":
      return isLine(data.index) ? { type: "selectComparison", index: data.index } : undefined;
    case "exportSvg":
      return isFiniteNumber(data.requestId) ? { type: "exportSvg", requestId: data.requestId } : undefined;
    case "detail": {
      if (!isFiniteNumber(data.requestId) || !optional(data.error, isString)) return undefined;
      const detail = data.detail === undefined ? undefined : parseDetail(data.detail);
      if (data.detail !== undefined && !detail) return undefined;
      const m: DetailMessage = { type: "detail", requestId: data.requestId };
      if (detail) m.detail = detail;
      if (data.error !== undefined) m.error = data.error;
      return m;
    }
    default:
      return undefined;
  }
}

const optionalSample = (v: unknown): v is Sample | undefined => v === undefined || isSample(v);
const isIndex = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;

function parseDetail(v: unknown): TraceDetail | undefined {
  if (!isObj(v)) return undefined;
  const out: TraceDetail = {};
  if (v.tensor !== undefined) {
    const t = v.tensor;
    if (!isObj(t) || !isIndex(t.id) || !optionalSample(t.value) || !optionalSample(t.grad)) return undefined;
    out.tensor = { id: t.id };
    if (t.value !== undefined) out.tensor.value = t.value;
    if (t.grad !== undefined) out.tensor.grad = t.grad;
  }
  if (v.comparison !== undefined) {
    const c = v.comparison;
    if (!isObj(c) || !isIndex(c.index) || !optionalSample(c.manual) || !optionalSample(c.grad) || !optionalSample(c.diff)) return undefined;
    out.comparison = { index: c.index };
    if (c.manual !== undefined) out.comparison.manual = c.manual;
    if (c.grad !== undefined) out.comparison.grad = c.grad;
    if (c.diff !== undefined) out.comparison.diff = c.diff;
  }
  return out;
}

/** The webview command in `data`, or undefined when it is not one. */
export function parseWebviewMessage(data: unknown): WebviewMessage | undefined {
  if (!isObj(data)) return undefined;
  switch (data.type) {
    case "ready":
      return { type: "ready" };
    case "stop":
      return { type: "stop" };
    case "reveal":
      if (!isString(data.uri) || !isLine(data.line) || !optional(data.column, isLine)) return undefined;
      return data.column === undefined
        ? { type: "reveal", uri: data.uri, line: data.line }
        : { type: "reveal", uri: data.uri, line: data.line, column: data.column };
    case "run":
      return optional(data.uri, isString) ? (data.uri === undefined ? { type: "run" } : { type: "run", uri: data.uri }) : undefined;
    case "svg":
      if (!isFiniteNumber(data.requestId) || !optional(data.svg, isString) || !optional(data.error, isString)) return undefined;
      if ((data.svg === undefined) === (data.error === undefined)) return undefined; // exactly one of them
      return data.svg !== undefined
        ? { type: "svg", requestId: data.requestId, svg: data.svg }
        : { type: "svg", requestId: data.requestId, error: data.error as string };
    case "requestDetail": {
      if (!isFiniteNumber(data.requestId) || !optional(data.uri, isString) || !optional(data.version, isFiniteNumber) ||
        !optional(data.tensorId, isIndex) || !optional(data.cmpIndex, isIndex)) return undefined;
      if (data.tensorId === undefined && data.cmpIndex === undefined) return undefined;
      const m: RequestDetailCommand = { type: "requestDetail", requestId: data.requestId };
      if (data.uri !== undefined) m.uri = data.uri;
      if (data.version !== undefined) m.version = data.version;
      if (data.tensorId !== undefined) m.tensorId = data.tensorId;
      if (data.cmpIndex !== undefined) m.cmpIndex = data.cmpIndex;
      return m;
    }
    case "rendered": {
      if (!optional(data.uri, isString) || !optional(data.version, isFiniteNumber) || !optional(data.at, isFiniteNumber) ||
        !optional(data.receivedAt, isFiniteNumber) || !optional(data.queuedMs, isFiniteNumber)) return undefined;
      const m: RenderedCommand = { type: "rendered" };
      if (data.uri !== undefined) m.uri = data.uri;
      if (data.version !== undefined) m.version = data.version;
      if (data.at !== undefined) m.at = data.at;
      if (data.receivedAt !== undefined) m.receivedAt = data.receivedAt;
      if (data.queuedMs !== undefined) m.queuedMs = data.queuedMs;
      return m;
    }
    default:
      return undefined;
  }
}
