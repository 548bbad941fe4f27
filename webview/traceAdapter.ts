// The runner's Trace → the panel's model. The only file of the webview that knows the trace's layout;
// it checks every field it reads (the trace crossed postMessage as plain data) and throws with a
// readable message when the trace is not one.
import type { CmpRow, Graph, GraphEdge, GraphNode, Grid, PanelModel, ScriptError, Series, Stats, TensorDetail, Verdict } from "./model";

type Obj = Record<string, unknown>;

const VERDICTS: ReadonlySet<string> = new Set(["exact", "approximate", "wrong", "shape-mismatch", "no-grad", "not-written"]);

function obj(v: unknown): Obj | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function num(v: unknown): number | undefined {
  // NaN and ±Inf arrive as null or strings after JSON; keep them as numbers
  if (typeof v === "number") return v;
  if (v === "NaN") return NaN;
  if (v === "Infinity" || v === "inf") return Infinity;
  if (v === "-Infinity" || v === "-inf") return -Infinity;
  return undefined;
}
function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}
function shape(v: unknown): number[] | null {
  return Array.isArray(v) && v.every((x) => typeof x === "number") ? (v as number[]) : null;
}
function line(v: unknown): number | undefined {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : undefined;
}

function stats(v: unknown): Stats | undefined {
  const o = obj(v);
  if (!o) return undefined;
  const min = num(o.min), max = num(o.max), mean = num(o.mean), std = num(o.std);
  if (min === undefined || max === undefined || mean === undefined || std === undefined) return undefined;
  const nonFinite = num(o.nonFinite);
  return { min, max, mean, std, ...(nonFinite ? { nonFinite } : {}) };
}

function grid(v: unknown): Grid | undefined {
  const o = obj(v);
  if (!o) return undefined;
  const rows = num(o.rows), cols = num(o.cols);
  const values = arr(o.values).map((x) => num(x) ?? NaN);
  if (rows === undefined || cols === undefined || values.length !== rows * cols || rows * cols === 0) return undefined;
  return { rows, cols, values, ...(o.sampled === true ? { sampled: true } : {}) };
}

function verdict(v: unknown): Verdict | undefined {
  return typeof v === "string" && VERDICTS.has(v) ? (v as Verdict) : undefined;
}

/** Builds the panel model; throws when `trace` is not a trace. */
export function modelFromTrace(trace: unknown, uri?: string): PanelModel {
  const t = obj(trace);
  if (!t) throw new Error("the trace is not an object");
  if (!Array.isArray(t.comparisons)) throw new Error("the trace has no list of comparisons");
  const status = t.status === "error" || t.status === "cancelled" || t.status === "running" ? t.status : "ok";

  const tensors = new Map<string, TensorDetail>();
  for (const raw of arr(t.tensors)) {
    const o = obj(raw);
    const id = o && (num(o.id) ?? str(o.id));
    if (!o || id === undefined) continue;
    const key = String(id);
    const s = shape(o.shape) ?? [];
    tensors.set(key, {
      key, name: str(o.name) ?? `tensor ${key}`, shape: s, dtype: str(o.dtype) ?? "float32", line: line(o.line),
      stats: stats(o.stats), gradStats: stats(o.gradStats), value: grid(o.value), grad: grid(o.grad), manual: grid(o.manual),
      diff: grid(o.diff),
    });
  }

  const comparisons: CmpRow[] = arr(t.comparisons).map((raw, index) => {
    const o = obj(raw) ?? {};
    const status = verdict(o.status) ?? "wrong";
    const tensorId = num(o.tensorId) ?? str(o.tensorId);
    const row: CmpRow = {
      index, name: str(o.name) ?? `#${index + 1}`, status, exact: o.exact === true, approximate: o.approximate === true,
      maxdiff: num(o.maxdiff) ?? null, manualShape: shape(o.manualShape), gradShape: shape(o.gradShape),
      message: str(o.message), line: line(o.line), column: line(o.column),
      tensorKey: tensorId !== undefined ? String(tensorId) : undefined,
    };
    // manual gradient and diff samples may sit on the comparison
    const tensor = row.tensorKey !== undefined ? tensors.get(row.tensorKey) : undefined;
    if (tensor) {
      tensor.manual ??= grid(o.manual);
      tensor.diff ??= grid(o.diff);
    }
    return row;
  });

  const graph = readGraph(obj(t.graph), tensors);
  const byTensor = new Map<string, GraphNode>();
  for (const n of graph.nodes) if (n.tensorKey !== undefined) byTensor.set(n.tensorKey, n);
  for (const c of comparisons) {
    const n = c.tensorKey !== undefined ? byTensor.get(c.tensorKey) : undefined;
    if (!n) continue;
    c.nodeId = n.id;
    // a tensor checked twice shows its last verdict
    n.verdict = c.status;
    n.cmpIndex = c.index;
  }

  const series: Series[] = [];
  for (const raw of arr(t.series)) {
    const o = obj(raw);
    const name = o && str(o.name);
    if (!o || !name) continue;
    const steps = arr(o.steps).map((x) => num(x) ?? NaN);
    const values = arr(o.values).map((x) => num(x) ?? NaN);
    if (steps.length === values.length) series.push({ name, steps, values });
  }

  let error: ScriptError | undefined;
  const e = obj(t.error);
  if (e) error = { message: str(e.message) ?? "unknown error", kind: str(e.kind) ?? "runtime", line: line(e.line), column: line(e.column), stack: str(e.stack) };

  return {
    uri, status, comparisons, graph, tensors, series, error, durationMs: num(t.durationMs),
    values: graph.nodes.length > 0 && graph.nodes.every((n) => n.kind !== "tensor"),
    stepsPerSecond: num(t.stepsPerSecond),
  };
}

function readGraph(g: Obj | undefined, tensors: Map<string, TensorDetail>): Graph {
  if (!g) return { nodes: [], edges: [] };
  const nodes: GraphNode[] = [];
  const ids = new Set<string>();
  for (const raw of arr(g.nodes)) {
    const o = obj(raw);
    const rawId = o && (str(o.id) ?? num(o.id));
    if (!o || rawId === undefined) continue;
    const id = String(rawId);
    if (ids.has(id)) continue;
    ids.add(id);
    const kind = o.kind === "op" || o.kind === "value" ? o.kind : "tensor";
    const tensorId = num(o.tensorId) ?? str(o.tensorId);
    const tensorKey = tensorId !== undefined ? String(tensorId) : undefined;
    const name = str(o.name);
    const t = tensorKey !== undefined ? tensors.get(tensorKey) : undefined;
    nodes.push({
      id, kind, named: name !== undefined && kind !== "op",
      label: (kind === "op" ? str(o.op) : name) ?? str(o.label) ?? (kind === "op" ? "op" : "·"),
      shape: shape(o.shape) ?? t?.shape, dtype: str(o.dtype) ?? t?.dtype, line: line(o.line), column: line(o.column),
      data: num(o.data), grad: num(o.grad), op: kind === "value" ? str(o.op) : undefined, leaf: o.leaf === true, tensorKey,
    });
  }
  const edges: GraphEdge[] = [];
  for (const raw of arr(g.edges)) {
    const pair = Array.isArray(raw) ? raw : [obj(raw)?.from, obj(raw)?.to];
    const from = pair[0] !== undefined ? String(pair[0]) : undefined;
    const to = pair[1] !== undefined ? String(pair[1]) : undefined;
    if (from && to && ids.has(from) && ids.has(to)) edges.push({ from, to });
  }
  const root = g.root !== undefined ? String(g.root) : undefined;
  return { nodes, edges, root: root !== undefined && ids.has(root) ? root : undefined };
}
