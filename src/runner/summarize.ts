// Turning engine objects into trace data: stats and capped samples of tensors, and the autograd
// graph (walked iteratively, capped) with the user's names on its nodes.
import type { GradFn } from "../engine/autograd";
import { Tensor } from "../engine/tensor";
import {
  MAX_GRAPH_NODES, MAX_SAMPLE_COLS, MAX_SAMPLE_ROWS, encodeNumber,
  type Graph, type GraphEdge, type GraphNode, type JsonNumber, type Place, type Sample, type Stats, type TensorSummary,
} from "../protocol/trace";

export function stats(values: ArrayLike<number>): Stats {
  let min = Infinity, max = -Infinity, sum = 0, sq = 0, n = 0, nanCount = 0, infCount = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) { nanCount++; continue; }
    if (v === Infinity || v === -Infinity) { infCount++; continue; }
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    n++;
  }
  const mean = n ? sum / n : null;
  if (mean !== null) for (let i = 0; i < values.length; i++) { const v = values[i]; if (Number.isFinite(v)) sq += (v - mean) ** 2; }
  return {
    min: n ? min : null, max: n ? max : null, mean, std: n ? Math.sqrt(sq / n) : null,
    nanCount, infCount, numel: values.length,
  };
}

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * Samples are for heatmaps and hovers: 7 significant digits halve the trace's size. Same digits as
 * Number(v.toPrecision(7)) (dividing by an exact power of ten rounds correctly), 5× faster: a run
 * rounds ~100k sampled elements.
 */
export function display(v: number): number {
  if (v === 0 || !Number.isFinite(v)) return v;
  const a = Math.abs(v);
  const k = 6 - Math.floor(Math.log10(a)); // decimal places that keep 7 significant digits
  let r: number;
  if (k >= 0 && k <= 22) r = Math.round(a * POW10[k]) / POW10[k];
  else if (k < 0 && k >= -22) r = Math.round(a / POW10[-k]) * POW10[-k];
  else return Number(v.toPrecision(7));
  return v < 0 ? -r : r;
}

/** Rows × cols view of a row-major tensor: leading dims flattened into rows. */
export function sample(values: ArrayLike<number>, shape: readonly number[]): Sample {
  return sampleOf(shape, values.length, (i) => values[i]);
}

/** The sample of manual − grad, computed on the sampled window only. */
export function sampleDifference(a: ArrayLike<number>, b: ArrayLike<number>, shape: readonly number[]): Sample {
  return sampleOf(shape, a.length, (i) => a[i] - b[i]);
}

function sampleOf(shape: readonly number[], numel: number, at: (i: number) => number): Sample {
  const cols = shape.length ? shape[shape.length - 1] : 1;
  const rows = cols ? numel / cols : 0;
  const r = Math.min(rows, MAX_SAMPLE_ROWS), c = Math.min(cols, MAX_SAMPLE_COLS);
  const out: JsonNumber[] = new Array(r * c);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) {
      const v = display(at(i * cols + j));
      out[i * c + j] = Number.isFinite(v) ? v : encodeNumber(v);
    }
  }
  return { rows: r, cols: c, values: out, truncated: r < rows || c < cols };
}

export function summarize(t: Tensor): TensorSummary {
  const v = t._read();
  return { stats: stats(v), sample: sample(v, t.shape) };
}

export const opNodeId = (fn: GradFn): string => `op${fn.id}`;
export const tensorNodeId = (t: Tensor): string => `t${t.id}`;

export interface NameInfo { name: string; place: Place }

/** Graph id of a tensor: its grad_fn's node when it has one, else its own (a leaf). */
export function nodeIdOf(t: Tensor): string {
  return t.grad_fn ? opNodeId(t.grad_fn) : tensorNodeId(t);
}

/**
 * The autograd graph reachable from `roots`, data flowing from inputs to outputs. Nodes whose output
 * tensor has a name become named tensor nodes; AccumulateGrad nodes become their leaf tensor.
 */
export function autogradGraph(roots: Tensor[], names: Map<number, NameInfo>, source: Graph["source"], root?: Tensor): Graph {
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  const seen = new Set<GradFn>();
  const stack: GradFn[] = [];
  let truncated = false;

  const leafNode = (t: Tensor): string => {
    const id = tensorNodeId(t);
    if (!nodes.has(id)) {
      const n = names.get(t.id);
      nodes.set(id, { id, kind: "tensor", label: n?.name ?? "leaf", name: n?.name, shape: t.shape, tensorId: t.id, leaf: true, place: n?.place });
    }
    return id;
  };
  const visit = (fn: GradFn): string => {
    if (fn.variable) return leafNode(fn.variable);
    const id = opNodeId(fn);
    if (!nodes.has(id)) {
      const out = fn.output;
      const n = out ? names.get(out.id) : undefined;
      nodes.set(id, n
        ? { id, kind: "tensor", label: n.name, name: n.name, op: fn.name(), shape: fn.outputShape, tensorId: out!.id, place: n.place }
        : { id, kind: "op", label: fn.name(), op: fn.name(), shape: fn.outputShape, tensorId: out?.id });
    }
    if (!seen.has(fn)) {
      seen.add(fn);
      stack.push(fn);
    }
    return id;
  };

  for (const r of roots) {
    if (r.grad_fn) visit(r.grad_fn);
    else if (r.requires_grad) leafNode(r);
  }
  while (stack.length) {
    if (nodes.size >= MAX_GRAPH_NODES) { truncated = true; break; }
    const fn = stack.pop()!;
    const to = opNodeId(fn);
    for (const [next] of fn.next_functions) {
      if (next) edges.push({ from: visit(next), to });
    }
  }
  const known = new Set(nodes.keys());
  return {
    source,
    nodes: [...nodes.values()],
    edges: truncated ? edges.filter((e) => known.has(e.from) && known.has(e.to)) : edges,
    root: root ? nodeIdOf(root) : undefined,
    truncated,
  };
}
