// THE trace: everything one run of a user's script produced, as plain JSON-safe data. The runner
// writes it; the CLI, the extension, the panel (webview) and the tests read it. Types and tiny pure
// helpers only — the webview imports this file.
//
// Conventions: lines and columns are 1-based (as editors show them and Python counts them); numbers
// that may be NaN/±Inf are JsonNumber (non-finite values become strings so JSON keeps them).
import type { Comparison } from "../engine/cmp";
import type { Chart } from "./chart";

export type { Comparison, ComparisonStatus } from "../engine/cmp";

export const TRACE_VERSION = 1;

export type JsonNumber = number | "NaN" | "Infinity" | "-Infinity";

export function encodeNumber(v: number): JsonNumber {
  if (Number.isFinite(v)) return v;
  return Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
}

export function decodeNumber(v: JsonNumber): number {
  return typeof v === "number" ? v : v === "NaN" ? NaN : v === "Infinity" ? Infinity : -Infinity;
}

/** A place in the user's source. In a notebook, `cell` is the cell index and `line` counts in it. */
export interface Place {
  line: number;
  column: number;
  cell?: number;
}

/** Summary statistics over all elements; null when there is no finite element. */
export interface Stats {
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  nanCount: number;
  infCount: number;
  numel: number;
}

/**
 * A capped 2-D window of a tensor, row-major: a tensor of shape [..., C] is seen as rows × C with the
 * leading dims flattened; at most MAX_SAMPLE_ROWS × MAX_SAMPLE_COLS from the top-left corner. Values
 * are rounded to 7 significant digits (they are for display; Stats are exact).
 */
export interface Sample {
  rows: number;
  cols: number;
  /** read-only: the runner shares one array between the samples of equal windows (and across runs) */
  values: JsonNumber[];
  /** true when the tensor has more rows or columns than shown */
  truncated: boolean;
}

export const MAX_SAMPLE_ROWS = 64;
export const MAX_SAMPLE_COLS = 64;

export interface TensorSummary {
  stats: Stats;
  sample: Sample;
}

/** A tensor the script bound to a variable (the latest binding of that name wins). */
export interface NamedTensor extends Place {
  kind: "tensor";
  /** the engine's stable tensor id */
  id: number;
  name: string;
  shape: number[];
  dtype: string;
  requiresGrad: boolean;
  isLeaf: boolean;
  /** torch-style name of the op that made it, e.g. "MulBackward0" */
  gradFn?: string;
  /** its node in `Trace.graph`, when it is in the graph */
  nodeId?: string;
  value: TensorSummary;
  grad?: TensorSummary;
  /** the name of its partner: "dlogits" for "logits" and "logits" for "dlogits" */
  pair?: string;
}

/** A micrograd Value the script bound to a variable. */
export interface NamedValue extends Place {
  kind: "value";
  id: number;
  name: string;
  data: JsonNumber;
  grad: JsonNumber;
  op: string;
  nodeId?: string;
}

export type GraphNodeKind = "op" | "tensor" | "value";

export interface GraphNode {
  id: string;
  kind: GraphNodeKind;
  /** the variable name for named nodes, else the op (e.g. "MulBackward0", "+", "tanh") */
  label: string;
  /** the op that produced it (for a named tensor made by an op, both are known) */
  op?: string;
  /** the variable name when the node is a named tensor or Value */
  name?: string;
  shape?: number[];
  tensorId?: number;
  /** parameters and inputs (AccumulateGrad leaves) */
  leaf?: boolean;
  /** where the named tensor was bound */
  place?: Place;
  /** micrograd Values */
  data?: JsonNumber;
  grad?: JsonNumber;
}

/** Data flow: `from` is an input of `to`. */
export interface GraphEdge {
  from: string;
  to: string;
}

export interface Graph {
  /** "backward": the graph of the last backward() call; "named": named tensors only; "values": micrograd */
  source: "backward" | "named" | "values";
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** the node backward started from (the loss) */
  root?: string;
  /** more nodes existed than MAX_GRAPH_NODES */
  truncated: boolean;
}

export const MAX_GRAPH_NODES = 5000;

/**
 * A micrograd Value whose graph the panel can draw: a backward() root, a Value bound to a name, or
 * the argument of a draw_dot call (Python). `Trace.graph` is the initial root's graph (cut near the
 * root when big); each root's whole graph is in the full trace's `valueGraphs`, for `requestGraph`.
 */
export interface ValueRoot extends Partial<Place> {
  /** its node id in the graphs ("v12"), and the key of its graph in `valueGraphs` */
  id: string;
  /** the variable name; for a backward() or draw_dot of an unnamed expression, the call ("backward()") */
  name: string;
  kind: "backward" | "named" | "drawn";
  /** how many Values its graph has (itself and all it was computed from), before any cap */
  nodes: number;
  /** no other root's graph contains it: a whole expression, not a part of one */
  whole: boolean;
}

/** How a wrong gradient probably went wrong (filled by src/diagnosis). */
export interface DiagnosisInfo {
  kind: string;
  /** one sentence a teacher would say */
  sentence: string;
  confidence?: number;
  evidence?: Record<string, unknown>;
  /** name of the earlier wrong gradient this one only inherits from */
  downstreamOf?: string;
  /**
   * the earlier wrong gradients this row's verdict comes from, in backward order: every one it
   * inherits from (downstream; `downstreamOf` is the first) or the wrong-shaped ones it was computed
   * from (kind "unverifiable", whose own step cannot be checked before they are fixed)
   */
  causes?: string[];
}

/** One cmp(name, manual, t) call, where it was made, and what it compared. */
export interface TraceComparison extends Comparison, Place {
  /** order of the call in the run (0-based) */
  index: number;
  /** variable names of the manual gradient and of the tensor, when bound */
  manualName?: string;
  tensorName?: string;
  /** where the manual gradient passed to cmp was last assigned before the call, when it is a bound name */
  manualPlace?: Place;
  /** graph node of the compared tensor */
  nodeId?: string;
  /** samples taken when cmp ran (later in-place edits do not change them) */
  manual?: Sample;
  grad?: Sample;
  /** manual − grad, when the shapes agree */
  diff?: Sample;
  diagnosis?: DiagnosisInfo;
}

export interface OutputChunk {
  stream: "stdout" | "stderr";
  text: string;
  cell?: number;
}

/** A scalar series the script logged (e.g. the training loss), for curves. */
export interface Series {
  name: string;
  steps: number[];
  values: JsonNumber[];
}

export type ErrorKind =
  | "syntax" | "import" | "runtime" | "shape" | "timeout" | "memory" | "cancelled" | "output" | "internal";

export interface ScriptError {
  kind: ErrorKind;
  /** e.g. "TypeError", "TorchError", "NameError" */
  name: string;
  message: string;
  /** where in the user's file (absent when the error has no place there) */
  place?: Place;
  /** the stack (or Python traceback) in the user's terms: their file, their lines */
  stack?: string;
}

/** The first op whose output contained NaN or ±Inf. */
export interface NonFiniteEvent {
  op: string;
  kind: "nan" | "inf";
  tensorId: number;
  /** the variable it was then bound to, if any */
  name?: string;
  place?: Place;
}

/** One element of a finite-difference check; the runner's one tolerance function made both verdicts. */
export interface FiniteDifferenceSample {
  index: number[];
  /** float64 central difference (L(x+h) − L(x−h)) / 2h */
  numeric: number;
  /** autograd's .grad at the element */
  autograd: number;
  /** |autograd − numeric| relative to |numeric| */
  relError: number;
  /** autograd agrees with the numeric derivative */
  agrees: boolean;
  /** the learner's manual gradient at the element (the report's manualName), when a cmp compared it */
  manual?: number;
  manualAgrees?: boolean;
}

/** An on-demand check of one named tensor's autograd gradient against central differences. */
export interface FiniteDifferenceReport {
  name: string;
  /** why the check could not be made (nothing else is set then) */
  error?: string;
  /** the step used: h = step · max(1, |x|), in float64 */
  step?: number;
  /** an element agrees when |value − numeric| ≤ absolute + relative · |numeric| */
  tolerance?: { relative: number; absolute: number };
  samples?: FiniteDifferenceSample[];
  maxRelError?: number;
  /** every sampled element of autograd's gradient agrees */
  agrees?: boolean;
  /** the learner's gradient whose values the samples carry (the manual of the tensor's last cmp), e.g. "dW1" */
  manualName?: string;
}

/** A picture a script displayed, ready to show: an SVG document (Graphviz's layout of a Digraph). */
export interface Figure {
  kind: "svg";
  svg: string;
  /** the graph's name, when it has one */
  title?: string;
  /** the notebook cell that displayed it */
  cell?: number;
}

/** Figures kept per run; later ones are dropped with a note (a loop drawing a graph each step). */
export const MAX_FIGURES = 50;

export interface Timings {
  totalMs: number;
  /** transpiling and instrumenting (TypeScript/JavaScript) or loading Pyodide (Python) */
  prepareMs: number;
  runMs: number;
  /** building this trace */
  traceMs: number;
  /** Python live mode: of runMs, taking the snapshots a later save resumes from, and how many */
  snapshotMs?: number;
  snapshots?: number;
}

export type Language = "typescript" | "javascript" | "python" | "notebook";

export interface Trace {
  version: typeof TRACE_VERSION;
  /** absolute path of the script */
  file: string;
  language: Language;
  /** SHA-256 (hex) of the exact text that ran, so results never mix versions of a file */
  sourceHash: string;
  /** the editor's document version, when the extension started the run */
  documentVersion?: number;
  /** a notebook's trace (the kernel's): the cell, by index, whose run it ends with; startedAt and timings are that run's */
  ranCell?: number;
  status: "ok" | "error" | "cancelled";
  startedAt: string;
  timings: Timings;
  tensors: NamedTensor[];
  values: NamedValue[];
  graph: Graph | null;
  comparisons: TraceComparison[];
  output: OutputChunk[];
  /** output beyond the cap was dropped (counted in droppedOutputBytes) */
  outputTruncated: boolean;
  droppedOutputBytes: number;
  series: Series[];
  nonFinite?: NonFiniteEvent;
  error?: ScriptError;
  /** things worth knowing that are not errors (e.g. "%matplotlib inline ignored") */
  notes: string[];
  /** micrograd roots whose graph can be drawn (see ValueRoot), in the order of their lines */
  valueRoots?: ValueRoot[];
  /** the id of the root `graph` draws */
  valueRoot?: string;
  /** full trace only: each root's graph, capped at MAX_GRAPH_NODES (valueGraphOf reads one) */
  valueGraphs?: Record<string, Graph>;
  /** matplotlib figures of Python scripts, in the order shown */
  charts?: Chart[];
  /** pictures the script displayed, in order (a graphviz Digraph shown by a notebook cell or rendered) */
  figures?: Figure[];
  /** the last line the script was seen running (for time limits and Stop) */
  lastPlace?: Place;
  /** present when the run was asked to check a gradient with finite differences */
  finiteDifference?: FiniteDifferenceReport;
  /** what ran the script when it was not the built-in engine: "PyTorch 1.13.0 (CPU, Python 3.11.2)" */
  engine?: string;
  /** never set on a full trace; true on the panel's compact copy (CompactTrace) */
  samplesOmitted?: false;
}

/** Streamed while a script runs (a long training run shows its loss curve live). */
export type RunEvent =
  | { type: "output"; chunk: OutputChunk }
  | { type: "comparison"; comparison: TraceComparison }
  | { type: "series"; name: string; step: number; value: JsonNumber }
  /** a notebook kernel cell's result: the repr of its last expression (IPython's Out[n]) */
  | { type: "display"; cell?: number; text: string }
  /** a figure a kernel cell showed, among its printed text (the user's own Python's kernel) */
  | { type: "figure"; figure: Figure }
  | { type: "phase"; phase: "preparing" | "loading-python" | "running" | "tracing"; message?: string };

export interface VerdictCounts {
  total: number;
  exact: number;
  approximate: number;
  wrong: number;
  shapeMismatch: number;
  noGrad: number;
  notWritten: number;
}

/**
 * A traceback's notebook frames for people: Python compiles cell k (0-based, markdown counted) as
 * `<notebook>#cell<k>`; `File "<notebook>#cell<k>", line L` becomes `label(k), line L` (the CLI
 * says "cell k+1" as VS Code counts cells, the kernel IPython's "Cell In[n]").
 */
export function relabelCellFrames(stack: string, label: (cell: number) => string): string {
  return stack.replace(/File "[^"\n]*#cell(\d+)", line (\d+)/g, (_m, k: string, line: string) => `${label(Number(k))}, line ${line}`);
}

export function countVerdicts(comparisons: readonly Pick<Comparison, "status">[]): VerdictCounts {
  const c: VerdictCounts = { total: comparisons.length, exact: 0, approximate: 0, wrong: 0, shapeMismatch: 0, noGrad: 0, notWritten: 0 };
  for (const { status } of comparisons) {
    if (status === "exact") c.exact++;
    else if (status === "approximate") c.approximate++;
    else if (status === "wrong") c.wrong++;
    else if (status === "shape-mismatch") c.shapeMismatch++;
    else if (status === "no-grad") c.noGrad++;
    else c.notWritten++;
  }
  return c;
}

/**
 * The trace as the panel gets it first: every sample left out (tensors' value/grad samples and the
 * cmp rows' manual/grad/diff), stats and everything else kept. For the exercise that is ~1.5 MB →
 * tens of KiB; the panel asks for one tensor's or row's samples when it shows them (see `detailOf`).
 */
export type CompactTrace = Omit<Trace, "tensors" | "comparisons" | "samplesOmitted" | "valueGraphs"> & {
  samplesOmitted: true;
  tensors: (Omit<NamedTensor, "value" | "grad"> & { value: { stats: Stats }; grad?: { stats: Stats } })[];
  comparisons: Omit<TraceComparison, "manual" | "grad" | "diff">[];
};

export function compactTrace(t: Trace): CompactTrace {
  const { valueGraphs: _graphs, ...rest } = t;
  return {
    ...rest,
    samplesOmitted: true,
    tensors: t.tensors.map((nt) => ({ ...nt, value: { stats: nt.value.stats }, grad: nt.grad ? { stats: nt.grad.stats } : undefined })),
    comparisons: t.comparisons.map(({ manual: _m, grad: _g, diff: _d, ...row }) => row),
  };
}

/** The samples `compactTrace` left out, for one named tensor (by id) and/or one cmp row (by index). */
export interface TraceDetail {
  tensor?: { id: number; value?: Sample; grad?: Sample };
  comparison?: { index: number; manual?: Sample; grad?: Sample; diff?: Sample };
}

export function detailOf(t: Trace, tensorId: number | undefined, cmpIndex: number | undefined): TraceDetail {
  const out: TraceDetail = {};
  const nt = tensorId === undefined ? undefined : t.tensors.find((x) => x.id === tensorId);
  if (nt) out.tensor = { id: nt.id, value: nt.value.sample, grad: nt.grad?.sample };
  const c = cmpIndex === undefined ? undefined : t.comparisons.find((x) => x.index === cmpIndex);
  if (c) out.comparison = { index: c.index, manual: c.manual, grad: c.grad, diff: c.diff };
  return out;
}

/** The graph of one micrograd root of the run (`requestGraph`), or undefined when it has none. */
export function valueGraphOf(t: Trace, rootId: string): Graph | undefined {
  return t.valueGraphs?.[rootId];
}

export function isSample(v: unknown): v is Sample {
  if (typeof v !== "object" || v === null) return false;
  const s = v as Partial<Sample>;
  return Number.isInteger(s.rows) && Number.isInteger(s.cols) && Array.isArray(s.values) &&
    s.values.length === s.rows! * s.cols! && typeof s.truncated === "boolean";
}

/** Runtime check of what arrives over a message channel or from a JSON file. */
export function isTrace(x: unknown): x is Trace {
  if (typeof x !== "object" || x === null) return false;
  const t = x as Partial<Trace>;
  return t.version === TRACE_VERSION && typeof t.file === "string" && Array.isArray(t.comparisons) &&
    Array.isArray(t.tensors) && Array.isArray(t.output) && Array.isArray(t.series) && typeof t.status === "string";
}

/** What the panel accepts: a full trace (tests, older hosts) or the host's compact copy. */
export function isPanelTrace(x: unknown): x is Trace | CompactTrace {
  return isTrace(x);
}
