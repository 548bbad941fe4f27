// The one protocol between the extension host and the gradient panel (webview/). Both sides import
// these types; each side checks what it receives with the parse functions below, because a message
// crossing the postMessage boundary is untyped data. The webview sends `ready` first; the host then
// sends whole snapshots (never deltas), so a reloaded or re-shown panel needs nothing else.
// Lines and columns are 0-based, as in the VS Code API.
//
// Every message is one table of fields (name → check); its TypeScript type and its runtime check are
// both derived from that table, so a field is written once.
//
// The snapshot's trace is the compact one (CompactTrace: no samples), so a live re-run crosses to the
// panel in tens of KiB; the panel asks for one tensor's or cmp row's samples (`requestDetail`) when
// it shows their heatmaps, and the host answers with `detail`.
import { isSample, type FiniteDifferenceReport } from "./trace";

// ── field checks ──────────────────────────────────────────────────────────────────────────────

const INVALID: unique symbol = Symbol("invalid");
/** Reads one field's value (undefined when absent): the value to keep, or INVALID. */
type Field<T> = (v: unknown) => T | typeof INVALID;
type Table = Record<string, Field<unknown>>;
type Value<F> = F extends Field<infer T> ? T : never;
type Flat<T> = { [K in keyof T]: T[K] };
/** The object a table reads: fields that may be undefined are optional. */
type Fields<T extends Table> = Flat<
  { [K in keyof T as undefined extends Value<T[K]> ? never : K]: Value<T[K]> } &
  { [K in keyof T as undefined extends Value<T[K]> ? K : never]?: Exclude<Value<T[K]>, undefined> }
>;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === "string";
const isBoolean = (v: unknown): v is boolean => typeof v === "boolean";
const isFiniteNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
/** a 0-based line, column or index */
const isIndex = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;

const req = <T>(is: (v: unknown) => v is T): Field<T> => (v) => (is(v) ? v : INVALID);
const opt = <T>(is: (v: unknown) => v is T): Field<T | undefined> => (v) => (v === undefined ? undefined : is(v) ? v : INVALID);

/** An object read field by field; unknown fields are dropped, absent ones left out. */
function object<T extends Table>(table: T): Field<Fields<T>> {
  return (v) => {
    if (!isObj(v)) return INVALID;
    const out: Obj = {};
    for (const key of Object.keys(table)) {
      const x = table[key](v[key]);
      if (x === INVALID) return INVALID;
      if (x !== undefined) out[key] = x;
    }
    return out as Fields<T>;
  };
}

const optional = <T>(f: Field<T>): Field<T | undefined> => (v) => (v === undefined ? undefined : f(v));

/** An array whose every item `item` reads. */
const list = <T>(item: Field<T>): Field<T[]> => (v) => {
  if (!Array.isArray(v)) return INVALID;
  const out: T[] = [];
  for (const x of v) {
    const y = item(x);
    if (y === INVALID || y === undefined) return INVALID;
    out.push(y);
  }
  return out;
};

/** A float that may be NaN or ±Infinity: postMessage's JSON sends those as null, read back as NaN. */
const real: Field<number> = (v) => (typeof v === "number" ? v : v === null ? NaN : INVALID);

// ── host → webview notifications ──────────────────────────────────────────────────────────────

const PROGRESS = {
  message: opt(isString),
  /** 0..1 when known */
  fraction: opt(isFiniteNumber),
  step: opt(isFiniteNumber),
  totalSteps: opt(isFiniteNumber),
};
/** Progress of the run in flight, as the host reports it. */
export type RunProgressInfo = Fields<typeof PROGRESS>;

const RUNNING_INFO = {
  uri: req(isString),
  /** ms since the epoch */
  startedAt: req(isFiniteNumber),
  /** absent reads as no progress yet */
  progress: ((v) => object(PROGRESS)(v ?? {})) as Field<RunProgressInfo>,
};
export type RunningInfo = Fields<typeof RUNNING_INFO>;

const DETAIL = {
  tensor: optional(object({ id: req(isIndex), value: opt(isSample), grad: opt(isSample) })),
  comparison: optional(object({ index: req(isIndex), manual: opt(isSample), grad: opt(isSample), diff: opt(isSample) })),
};

/** src/protocol/trace.ts's FiniteDifferenceReport, field by field (REPORT_READ_AS_SENT keeps the two equal). */
const FINITE_DIFFERENCE = {
  name: req(isString),
  error: opt(isString),
  step: opt(isFiniteNumber),
  tolerance: optional(object({ relative: req(isFiniteNumber), absolute: req(isFiniteNumber) })),
  samples: optional(list(object({
    index: list(req(isIndex)), numeric: real, autograd: real, relError: real, agrees: req(isBoolean),
    manual: optional(real), manualAgrees: opt(isBoolean),
  }))),
  maxRelError: optional(real),
  agrees: opt(isBoolean),
  manualName: opt(isString),
};
type ReadReport = Fields<typeof FINITE_DIFFERENCE>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const REPORT_READ_AS_SENT: Same<ReadReport, FiniteDifferenceReport> = true;

const HOST = {
  /** The newest finished run of the file the panel shows (trace undefined: nothing has run yet). */
  snapshot: {
    uri: opt(isString),
    /** document version whose text was run */
    version: opt(isFiniteNumber),
    /** the file was edited since this run */
    stale: req(isBoolean),
    /** the runner's Trace or its CompactTrace (src/protocol/trace.ts); the webview validates it before use */
    trace: ((v) => (v === undefined || v === null ? undefined : isObj(v) ? v : INVALID)) as Field<unknown>,
  },
  /** Whether a run is in flight (null: none), with its progress. */
  running: { running: ((v) => (v === null ? null : object(RUNNING_INFO)(v))) as Field<RunningInfo | null> },
  /** The trace so far of a long run (training loss curves), replacing any earlier partial one. */
  partial: { trace: req(isObj) as Field<unknown> },
  /** The editor's cursor moved in the file of the last run. */
  cursor: { uri: req(isString), line: req(isIndex) },
  stale: { stale: req(isBoolean) },
  /** Select a comparison (its index in the trace's list), e.g. from a CodeLens. */
  selectComparison: { index: req(isIndex) },
  /** Asks the panel for its graph as a standalone SVG document; answered with `svg`. */
  exportSvg: { requestId: req(isFiniteNumber) },
  /** A finite-difference check of a tensor of `uri`'s script (Check gradient): the panel opens its drawer on it. */
  finiteDifference: { uri: req(isString), report: object(FINITE_DIFFERENCE) },
  /** Answer to `requestDetail`: the samples asked for, or why there are none. */
  detail: { requestId: req(isFiniteNumber), detail: optional(object(DETAIL)), error: opt(isString) },
  /** Answer to `requestGraph`: the root's graph (a src/protocol/trace.ts Graph, checked by the webview), or why there is none. */
  graph: { requestId: req(isFiniteNumber), graph: opt(isObj) as Field<unknown>, error: opt(isString) },
  /** Draw the graph of the micrograd Value bound to `name` (the editor's Show Value graph); `id`: that root's, when known. */
  showValue: { uri: req(isString), name: req(isString), line: opt(isIndex), id: opt(isString) },
  /** Debug builds and tests only: report render timings (`renderTimings`) with every `rendered`. */
  debug: { reportTimings: req(isBoolean) },
} satisfies Record<string, Table>;

type Messages<M extends Record<string, Table>> = { [K in keyof M]: Flat<{ type: K } & Fields<M[K]>> };
type HostMessages = Messages<typeof HOST>;
export type SnapshotMessage = HostMessages["snapshot"];
export type RunningMessage = HostMessages["running"];
export type PartialMessage = HostMessages["partial"];
export type CursorMessage = HostMessages["cursor"];
export type StaleMessage = HostMessages["stale"];
export type SelectComparisonMessage = HostMessages["selectComparison"];
export type ExportSvgMessage = HostMessages["exportSvg"];
export type FiniteDifferenceMessage = HostMessages["finiteDifference"];
export type DetailMessage = HostMessages["detail"];
export type GraphMessage = HostMessages["graph"];
export type ShowValueMessage = HostMessages["showValue"];
export type DebugMessage = HostMessages["debug"];
export type HostMessage = HostMessages[keyof HostMessages];

// ── webview → host commands ───────────────────────────────────────────────────────────────────

const WEBVIEW = {
  /** First message of the webview; the host answers with a snapshot and the running state. */
  ready: {},
  /** Reveal a line of a file in the editor (click on a graph node or a table row); in a notebook, of its cell `cell`. */
  reveal: { uri: req(isString), line: req(isIndex), column: opt(isIndex), cell: opt(isIndex) },
  stop: {},
  /** Run the exercise again (the file of the last run, or the last exercise editor's without uri). */
  run: { uri: opt(isString) },
  /** Run Export graph as SVG (the panel's Export button): the host asks back with `exportSvg`. */
  exportSvg: {},
  /** Answer to `exportSvg`: the SVG text, or why there is none (exactly one of them). */
  svg: { requestId: req(isFiniteNumber), svg: opt(isString), error: opt(isString) },
  /** Asks for the samples of a named tensor (engine id) and/or a cmp row (index) of the run shown. */
  requestDetail: {
    requestId: req(isFiniteNumber),
    /** the snapshot the panel shows; the host answers with an error when it has a newer run */
    uri: opt(isString),
    version: opt(isFiniteNumber),
    tensorId: opt(isIndex),
    cmpIndex: opt(isIndex),
  },
  /** Asks for the graph of one micrograd root (a ValueRoot id of the snapshot's trace) of the run shown. */
  requestGraph: { requestId: req(isFiniteNumber), uri: opt(isString), version: opt(isFiniteNumber), root: req(isString) },
  /** The panel's DOM shows this snapshot (sent once per snapshot with a trace). */
  rendered: { uri: opt(isString), version: opt(isFiniteNumber) },
  /** Debug only (after `debug`): when the snapshot before the next `rendered` arrived and showed. */
  renderTimings: {
    uri: opt(isString),
    version: opt(isFiniteNumber),
    /** Date.now() in the webview when its DOM showed it (same machine: comparable with the host's clock) */
    at: req(isFiniteNumber),
    /** Date.now() in the webview when the snapshot arrived */
    receivedAt: opt(isFiniteNumber),
    /** how long the snapshot's message event waited in the webview's own task queue (ms) */
    queuedMs: opt(isFiniteNumber),
  },
} satisfies Record<string, Table>;

type WebviewMessages = Messages<typeof WEBVIEW>;
export type ReadyCommand = WebviewMessages["ready"];
export type RevealCommand = WebviewMessages["reveal"];
export type StopCommand = WebviewMessages["stop"];
export type RunCommand = WebviewMessages["run"];
export type SvgCommand = WebviewMessages["svg"];
export type RequestDetailCommand = WebviewMessages["requestDetail"];
export type RequestGraphCommand = WebviewMessages["requestGraph"];
export type RenderedCommand = WebviewMessages["rendered"];
export type RenderTimingsCommand = WebviewMessages["renderTimings"];
export type WebviewMessage = WebviewMessages[keyof WebviewMessages];

/** Rules across fields, beyond what each field's check says. */
const WEBVIEW_RULES: { [K in keyof WebviewMessages]?: (m: WebviewMessages[K]) => boolean } = {
  svg: (m) => (m.svg === undefined) !== (m.error === undefined),
  requestDetail: (m) => m.tensorId !== undefined || m.cmpIndex !== undefined,
};

function parser<M extends Record<string, Table>>(tables: M, rules: { [K in keyof M]?: (m: Messages<M>[K]) => boolean } = {}) {
  return (data: unknown): Messages<M>[keyof M] | undefined => {
    if (!isObj(data) || typeof data.type !== "string" || !Object.hasOwn(tables, data.type)) return undefined;
    const type = data.type as keyof M & string;
    const fields = object(tables[type])(data);
    if (fields === INVALID) return undefined;
    const m = { type, ...fields } as unknown as Messages<M>[keyof M];
    const rule = rules[type] as ((m: Messages<M>[keyof M]) => boolean) | undefined;
    return !rule || rule(m) ? m : undefined;
  };
}

/** The host message in `data`, or undefined when it is not one (unknown type or malformed). */
export const parseHostMessage: (data: unknown) => HostMessage | undefined = parser(HOST);

/** The webview command in `data`, or undefined when it is not one. */
export const parseWebviewMessage: (data: unknown) => WebviewMessage | undefined = parser(WEBVIEW, WEBVIEW_RULES);
