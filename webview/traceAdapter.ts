// The runner's Trace (src/protocol/trace.ts) → the panel's model. The only file of the webview that
// knows the trace's layout. It converts the trace's 1-based places to the 0-based lines of the
// protocol and VS Code, and decodes JSON-safe numbers.
import { gridOf, statsOf, zeroBasedPlace } from "../src/protocol/decoded";
import {
  decodeNumber, isPanelTrace, relabelCellFrames, type CompactTrace, type JsonNumber, type Sample, type Trace, type TraceDetail,
} from "../src/protocol/trace";
import { isChart } from "../src/protocol/chart";
import { opLabel } from "../src/protocol/ops";
import { chartSvg } from "./chart/render";
import { fmtNumber, type CmpRow, type Figure, type Graph, type GraphNode, type PanelModel, type ScriptError, type Series, type TensorDetail, type ValueRoot, type Verdict } from "./model";

const VERDICTS: ReadonlySet<string> = new Set(["exact", "approximate", "wrong", "shape-mismatch", "no-grad", "not-written"]);

/** 0-based line and column of a trace place, to spread into a row or node (nothing without a line). */
function lineOf(place: Parameters<typeof zeroBasedPlace>[0]): { line?: number; column?: number } {
  const p = zeroBasedPlace(place);
  return p ? { line: p.line, column: p.column } : {};
}

function num(v: JsonNumber | undefined): number | undefined {
  return v === undefined ? undefined : decodeNumber(v);
}

/** A full trace carries samples; the host's compact one (CompactTrace) does not. */
const sampleIn = (x: object | undefined, key: string): Sample | undefined =>
  x && key in x ? (x as Record<string, Sample | undefined>)[key] : undefined;

/** Builds the panel model; throws when `trace` is not a trace. */
export function modelFromTrace(trace: unknown, uri?: string): PanelModel {
  if (!isPanelTrace(trace)) {
    const v = (trace as { version?: unknown } | null)?.version;
    throw new Error(v !== undefined && v !== 1 ? `trace version ${String(v)} is not the version 1 this panel reads` : "it is not a trace");
  }
  const t: Trace | CompactTrace = trace;

  const tensors = new Map<string, TensorDetail>();
  for (const nt of t.tensors) {
    const key = String(nt.id);
    tensors.set(key, {
      key, name: nt.name, shape: nt.shape, dtype: nt.dtype, line: lineOf(nt).line,
      stats: statsOf(nt.value?.stats), gradStats: statsOf(nt.grad?.stats),
      value: gridOf(sampleIn(nt.value, "sample")), grad: gridOf(sampleIn(nt.grad, "sample")),
    });
  }

  const comparisons: CmpRow[] = t.comparisons.map((c, i) => {
    const status: Verdict = VERDICTS.has(c.status) ? c.status : "wrong";
    return {
      index: typeof c.index === "number" ? c.index : i,
      name: c.name, status, exact: c.exact, approximate: c.approximate, maxdiff: c.maxdiff ?? null,
      manualShape: c.manualShape ?? null, gradShape: c.gradShape ?? null, message: c.message, ...lineOf(c), ...(c.cell !== undefined ? { cell: c.cell } : {}),
      nodeId: c.nodeId, tensorKey: c.tensorId !== undefined ? String(c.tensorId) : undefined,
      manual: gridOf(sampleIn(c, "manual")), grad: gridOf(sampleIn(c, "grad")), diff: gridOf(sampleIn(c, "diff")),
      diagnosis: c.diagnosis?.sentence, downstreamOf: c.diagnosis?.downstreamOf,
    };
  });

  const graph = readGraph(t.graph);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const byTensor = new Map<string, GraphNode>();
  for (const n of graph.nodes) if (n.tensorKey !== undefined && n.named) byTensor.set(n.tensorKey, n);
  for (const c of comparisons) {
    const n = (c.nodeId !== undefined ? byId.get(c.nodeId) : undefined) ?? (c.tensorKey !== undefined ? byTensor.get(c.tensorKey) : undefined);
    if (!n) {
      c.nodeId = undefined;
      continue;
    }
    c.nodeId = n.id;
    // a tensor checked more than once shows its last verdict
    n.verdict = c.status;
    n.cmpIndex = c.index;
  }

  const series: Series[] = t.series.map((s) => ({ name: s.name, steps: s.steps, values: s.values.map(decodeNumber) }));

  let error: ScriptError | undefined;
  if (t.error) {
    const e = t.error;
    error = {
      message: e.name && !e.message.startsWith(e.name) ? `${e.name}: ${e.message}` : e.message, kind: e.kind, ...lineOf(e.place),
      ...(e.place?.cell !== undefined ? { cell: e.place.cell } : {}),
      stack: e.stack && relabelCellFrames(e.stack, (k) => `cell ${k + 1}`),
    };
  }

  let nonFinite: PanelModel["nonFinite"];
  if (t.nonFinite) {
    const nf = t.nonFinite;
    const where = lineOf(nf.place);
    nonFinite = {
      text: `${nf.kind === "nan" ? "NaN" : "Inf"} first appeared in ${opLabel(nf.op)}${nf.name ? ` (bound to ${nf.name})` : ""}` +
        (where.line !== undefined ? ` at line ${where.line + 1}` : ""),
      ...where,
    };
  }

  const steps = series[0]?.steps.length ? series[0].steps[series[0].steps.length - 1] - series[0].steps[0] : 0;
  return {
    uri, file: t.file, language: t.language, engine: t.engine, startedAt: Date.parse(t.startedAt) || undefined,
    output: t.output.map((o) => ({ stream: o.stream, text: o.text })), outputTruncated: t.outputTruncated,
    status: t.status, comparisons, graph, tensors, series, error, durationMs: t.timings?.totalMs, ranCell: t.ranCell,
    values: t.graph?.source === "values",
    stepsPerSecond: steps > 0 && t.timings?.runMs > 0 ? (steps / t.timings.runMs) * 1000 : undefined,
    nonFinite, graphTruncated: t.graph?.truncated === true,
    samplesOnRequest: t.samplesOmitted === true,
    figures: figuresOf(t),
    valueRoots: readRoots(t),
    valueRoot: t.valueRoot,
  };
}

/** Graphviz pictures and matplotlib charts (drawn here as SVG), in the order of their cells. */
function figuresOf(t: Trace | CompactTrace): Figure[] {
  const svgs = (t.figures ?? []).filter((f) => f?.kind === "svg" && typeof f.svg === "string")
    .map((f): Figure => ({ svg: f.svg, title: f.title, cell: f.cell }));
  const charts = (t.charts ?? []).filter(isChart)
    .map((c): Figure => ({ svg: chartSvg(c), title: c.title ?? c.axes.find((a) => a.title)?.title ?? undefined, cell: c.cell }));
  const all = [...svgs, ...charts];
  // stable: within a cell (or a script, no cells) graphviz pictures come before charts
  return all.map((f, i) => ({ f, i })).sort((a, b) => (a.f.cell ?? -1) - (b.f.cell ?? -1) || a.i - b.i).map((x) => x.f);
}

/** A trace's graph in the panel's terms (also a micrograd root's graph the host sent on request). */
export function readGraph(g: Trace["graph"] | undefined): Graph {
  if (!g || !Array.isArray(g.nodes) || !Array.isArray(g.edges)) return { nodes: [], edges: [] };
  const nodes: GraphNode[] = [];
  const ids = new Set<string>();
  for (const n of g.nodes) {
    if (ids.has(n.id)) continue;
    ids.add(n.id);
    const named = n.name !== undefined && n.kind !== "op";
    nodes.push({
      id: n.id, kind: n.kind, named,
      label: n.kind === "op" ? opLabel(n.op ?? n.label) : n.name ?? (n.kind === "value" ? valueLabel(n.op, num(n.data)) : n.label),
      shape: n.shape, ...lineOf(n.place),
      data: num(n.data), grad: num(n.grad),
      op: n.op !== undefined ? opLabel(n.op) : undefined,
      leaf: n.leaf === true, tensorKey: n.tensorId !== undefined ? String(n.tensorId) : undefined,
    });
  }
  const edges = g.edges.filter((e) => ids.has(e.from) && ids.has(e.to));
  return { nodes, edges, root: g.root !== undefined && ids.has(g.root) ? g.root : undefined };
}

/** An unnamed Value by its op and data, "+ · 0.8814" (a constant: its data alone). */
const valueLabel = (op: string | undefined, data: number | undefined) => (op ? `${opLabel(op)} · ${fmtNumber(data)}` : fmtNumber(data));

function readRoots(t: Trace | CompactTrace): ValueRoot[] {
  return (t.valueRoots ?? []).filter((r) => typeof r?.id === "string" && typeof r.name === "string" && typeof r.nodes === "number")
    .map((r) => ({ id: r.id, name: r.name, kind: r.kind, nodes: r.nodes, whole: r.whole === true, ...(r.line !== undefined ? { line: r.line - 1 } : {}) }));
}

/** Series of a partial trace (a long run in progress); tolerant, since partial traces may be thin. */
export function seriesFromPartial(trace: unknown): Series[] {
  const s = (trace as { series?: unknown } | null)?.series;
  if (!Array.isArray(s)) return [];
  const out: Series[] = [];
  for (const x of s) {
    const o = x as { name?: unknown; steps?: unknown; values?: unknown };
    if (typeof o?.name !== "string" || !Array.isArray(o.steps) || !Array.isArray(o.values) || o.steps.length !== o.values.length) continue;
    out.push({ name: o.name, steps: o.steps as number[], values: (o.values as JsonNumber[]).map(decodeNumber) });
  }
  return out;
}

/** A tensor and a cmp row with the samples a `detail` answer brought (the compact snapshot has none). */
export function withDetail(detail: TraceDetail | undefined, tensor: TensorDetail | undefined, row: CmpRow | undefined): { tensor?: TensorDetail; row?: CmpRow } {
  const d = detail?.tensor;
  const c = detail?.comparison;
  return {
    tensor: tensor && d && String(d.id) === tensor.key ? { ...tensor, value: gridOf(d.value), grad: gridOf(d.grad) } : tensor,
    row: row && c && c.index === row.index ? { ...row, manual: gridOf(c.manual), grad: gridOf(c.grad), diff: gridOf(c.diff) } : row,
  };
}
