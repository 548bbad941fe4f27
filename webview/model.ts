// What the panel draws, in its own terms. ./traceAdapter.ts builds it from the runner's Trace, so the
// components never depend on the trace's layout.
import type { Grid, Stats } from "../src/protocol/decoded";

export type { Grid, Stats };

export type Verdict = "exact" | "approximate" | "wrong" | "shape-mismatch" | "no-grad" | "not-written";

export interface CmpRow {
  /** index in the trace's list of comparisons (the host's selectComparison uses it) */
  index: number;
  name: string;
  status: Verdict;
  exact: boolean;
  approximate: boolean;
  maxdiff: number | null;
  manualShape: number[] | null;
  gradShape: number[] | null;
  message?: string;
  /** 0-based position of the cmp call */
  line?: number;
  column?: number;
  /** 0-based index of the notebook cell of the cmp call (its line counts in that cell) */
  cell?: number;
  /** graph node of the compared tensor */
  nodeId?: string;
  /** tensor details key (for the per-tensor view) */
  tensorKey?: string;
  /** samples taken when cmp ran */
  manual?: Grid;
  grad?: Grid;
  diff?: Grid;
  /** how the gradient probably went wrong, in one sentence (src/diagnosis) */
  diagnosis?: string;
  /** the earlier wrong gradient this one only inherits from */
  downstreamOf?: string;
}

export interface GraphNode {
  id: string;
  kind: "tensor" | "op" | "value";
  /** variable name for tensors/values, op name for ops */
  label: string;
  named: boolean;
  shape?: number[];
  dtype?: string;
  /** 0-based line where it is made */
  line?: number;
  column?: number;
  verdict?: Verdict;
  cmpIndex?: number;
  /** micrograd Values: data and grad */
  data?: number;
  grad?: number;
  /** op of a Value (+, *, tanh…) */
  op?: string;
  /** a leaf (parameter or input) */
  leaf?: boolean;
  tensorKey?: string;
}

export interface GraphEdge {
  from: string;
  to: string;
}

export interface Graph {
  nodes: GraphNode[];
  /** data flow: from input to output */
  edges: GraphEdge[];
  /** the node backward started from (the loss) */
  root?: string;
}

export interface TensorDetail {
  key: string;
  name: string;
  shape: number[];
  dtype: string;
  line?: number;
  stats?: Stats;
  gradStats?: Stats;
  value?: Grid;
  grad?: Grid;
  manual?: Grid;
  diff?: Grid;
  /** histogram of the values, when the trace carries one */
  histogram?: { edges: number[]; counts: number[] };
}

export interface Series {
  name: string;
  steps: number[];
  values: number[];
}

export interface ScriptError {
  message: string;
  kind: string;
  line?: number;
  column?: number;
  /** 0-based index of the notebook cell the line counts in */
  cell?: number;
  stack?: string;
}

export interface PanelModel {
  uri?: string;
  /** the script's path, as the runner saw it */
  file?: string;
  language?: "typescript" | "javascript" | "python" | "notebook";
  /** what ran the script when not the built-in engine, e.g. "PyTorch 1.13.0 (CPU, Python 3.11.2)" */
  engine?: string;
  /** when the run started (ms since the epoch) */
  startedAt?: number;
  /** what the script printed, in order */
  output: { stream: "stdout" | "stderr"; text: string }[];
  /** output beyond the runner's cap was dropped */
  outputTruncated?: boolean;
  status: "ok" | "error" | "cancelled" | "running";
  comparisons: CmpRow[];
  graph: Graph;
  tensors: Map<string, TensorDetail>;
  series: Series[];
  error?: ScriptError;
  durationMs?: number;
  /** a notebook's trace: the cell (by index) whose run it ends with; startedAt and durationMs are that run's */
  ranCell?: number;
  /** micrograd script: the graph is of Values */
  values: boolean;
  /** training steps per second, when the script reports steps */
  stepsPerSecond?: number;
  /** where NaN/Inf first appeared */
  nonFinite?: { text: string; line?: number; column?: number };
  /** the graph was cut at the runner's node limit */
  graphTruncated?: boolean;
  /** the snapshot came without samples: ask the host for a tensor's or row's (requestDetail) */
  samplesOnRequest?: boolean;
  /** pictures the script displayed, in order */
  figures: Figure[];
  /** micrograd: the Values whose graph can be drawn, in the order of their lines; `graph` is `valueRoot`'s */
  valueRoots: ValueRoot[];
  valueRoot?: string;
}

/** A micrograd Value the panel can draw the graph of (src/protocol/trace.ts ValueRoot). */
export interface ValueRoot {
  id: string;
  name: string;
  kind: "backward" | "named" | "drawn";
  /** Values in its whole graph */
  nodes: number;
  /** no other root contains it */
  whole: boolean;
  /** 0-based */
  line?: number;
}

/** A picture a script displayed: an SVG document (a graphviz Digraph as Graphviz laid it out, or a matplotlib chart). */
export interface Figure {
  svg: string;
  title?: string;
  /** 0-based index of the notebook cell that displayed it */
  cell?: number;
}

/** Verdicts to fix. A gradient not written yet is neutral: a fresh scaffold is work to do, not 28 mistakes. */
export const BAD_VERDICTS: ReadonlySet<Verdict> = new Set(["wrong", "shape-mismatch", "no-grad"]);

/** The mark after a checked tensor's name in the graph and its SVG export. */
export const VERDICT_MARK: Record<Verdict, string> = {
  exact: "✓", approximate: "≈", wrong: "✗", "shape-mismatch": "✗", "no-grad": "⚠", "not-written": "○",
};

export function isBad(v: Verdict | undefined): boolean {
  return v !== undefined && BAD_VERDICTS.has(v);
}

/**
 * The first bad gradient in backward order: the one backward reaches first from the root (the loss),
 * since an error there spoils every gradient computed after it. Falls back to the order of the cmp
 * calls (the exercise writes them in backward order) for rows whose tensor is not in the graph.
 */
export function firstWrong(model: PanelModel): CmpRow | undefined {
  const bad = model.comparisons.filter((c) => isBad(c.status));
  if (bad.length <= 1) return bad[0];
  const depth = backwardDepth(model.graph);
  let best: CmpRow | undefined;
  let bestDepth = Infinity;
  for (const c of bad) {
    const d = c.nodeId !== undefined ? depth.get(c.nodeId) ?? Infinity : Infinity;
    if (d < bestDepth) {
      best = c;
      bestDepth = d;
    }
  }
  return best ?? bad[0];
}

/** Longest distance of every node from the root, against the data flow (backward visiting order). */
export function backwardDepth(graph: Graph): Map<string, number> {
  const depth = new Map<string, number>();
  if (!graph.root) return depth;
  const inputsOf = new Map<string, string[]>();
  const outDeg = new Map<string, number>();
  for (const e of graph.edges) {
    (inputsOf.get(e.to) ?? inputsOf.set(e.to, []).get(e.to)!).push(e.from);
  }
  // Kahn's algorithm from the root over reversed edges restricted to the root's ancestors.
  const reach = new Set<string>([graph.root]);
  const stack = [graph.root];
  while (stack.length) {
    const n = stack.pop()!;
    for (const p of inputsOf.get(n) ?? []) if (!reach.has(p)) {
      reach.add(p);
      stack.push(p);
    }
  }
  for (const e of graph.edges) if (reach.has(e.from) && reach.has(e.to)) outDeg.set(e.from, (outDeg.get(e.from) ?? 0) + 1);
  const queue = [graph.root];
  depth.set(graph.root, 0);
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i];
    const d = depth.get(n)!;
    for (const p of inputsOf.get(n) ?? []) {
      depth.set(p, Math.max(depth.get(p) ?? 0, d + 1));
      const left = (outDeg.get(p) ?? 1) - 1;
      outDeg.set(p, left);
      if (left === 0) queue.push(p);
    }
  }
  return depth;
}

// one formatter for every clock time shown (toLocaleTimeString with options builds one per call)
const CLOCK = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });

/** A time of day, 24-hour, with seconds: when a run or a check happened. */
export function fmtClock(at: number | Date): string {
  return CLOCK.format(at);
}

// Date's toLocaleString() and Number's toLocaleString("en-US") build a formatter per call: one each, kept
const DATE_TIME = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
const COUNT = new Intl.NumberFormat("en-US");

/** Date and time as Date's toLocaleString() writes them. */
export function fmtDateTime(at: number | Date): string {
  return DATE_TIME.format(at);
}

/** A count with thousands separators: 1,000 nodes. */
export function fmtCount(n: number): string {
  return COUNT.format(n);
}

export function fmtShape(shape: readonly number[] | null | undefined): string {
  return shape ? `[${shape.join(", ")}]` : "—";
}

/** Like Python's repr of a float, short: what the notebook prints for maxdiff. */
export function fmtNumber(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined) return "—";
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  if (v === 0) return "0.0";
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) {
    const r = Number(v.toPrecision(digits));
    return Number.isInteger(r) ? r.toFixed(1) : String(r); // floats read as floats: 2.0, not 2
  }
  return v.toExponential(Math.max(0, digits - 2)).replace("e", "e");
}
