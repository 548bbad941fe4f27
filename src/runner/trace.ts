// A run's Trace (src/protocol/trace.ts) from what it recorded: named tensors, the autograd graph,
// cmp rows with their samples, and micrograd Values with their graph.
import { createHash } from "node:crypto";
import type { Comparison } from "../engine/cmp";
import { Tensor } from "../engine/tensor";
import type { Value } from "../engine/value";
import {
  TRACE_VERSION, encodeNumber,
  type Language, type NamedTensor, type Place, type ScriptError, type Trace, type TraceComparison,
} from "../protocol/trace";
import type { RunRecorder } from "./record";
import { addValueRoots, type RootCandidate, type ValueTableNode } from "./valueRoots";
import { autogradGraph, nodeIdOf, sampleDifferenceKept, sampleTensor, summarize, type NameInfo } from "./summarize";

export const languageOf = (file: string): Language =>
  /\.ipynb$/i.test(file) ? "notebook" : /\.py$/i.test(file) ? "python" : /\.(c|m)?tsx?$/i.test(file) ? "typescript" : "javascript";

export const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

const placeOfName = (n: NameInfo | undefined): Place | undefined => (n ? { ...n.place } : undefined);

/** A cmp call as a trace row: where it was made, the names involved, samples taken now. */
export function comparisonRow(c: Comparison, place: Place, index: number, manual: Tensor | null | undefined, t: Tensor | null | undefined, names: Map<number, NameInfo>): TraceComparison {
  const mv = manual ? manual._read() : undefined;
  const gv = t?.grad ? t.grad._read() : undefined;
  const hasDiff = mv && gv && mv.length === gv.length && c.status !== "shape-mismatch";
  return {
    ...c, ...place, index,
    manualName: manual ? names.get(manual.id)?.name : undefined,
    manualPlace: manual ? placeOfName(names.get(manual.id)) : undefined,
    tensorName: t ? names.get(t.id)?.name : undefined,
    nodeId: t ? nodeIdOf(t) : undefined,
    // slots: the same row of a re-run (its samples are re-used while the values are the same)
    manual: mv && manual ? sampleTensor(manual, mv, true, `cmp${index}:${c.name}:manual`) : undefined,
    grad: gv && t?.grad ? sampleTensor(t.grad, gv, true, `cmp${index}:${c.name}:grad`) : undefined,
    diff: hasDiff && t?.grad ? sampleDifferenceKept(mv, gv, t.grad.shape, `cmp${index}:${c.name}:diff`) : undefined,
  };
}

/** Each named tensor's partner: "dlogits" for "logits" and "logits" for "dlogits". */
export function pairTensors(tensors: NamedTensor[]): void {
  const byName = new Set(tensors.map((t) => t.name));
  for (const t of tensors) {
    if (t.name.startsWith("d") && byName.has(t.name.slice(1))) t.pair = t.name.slice(1);
    else if (byName.has("d" + t.name)) t.pair = "d" + t.name;
  }
}

export interface TraceParts {
  file: string;
  source: string;
  documentVersion?: number;
  startedAt: string;
  rec: RunRecorder;
  bindings: Map<string, { value: unknown; place: Place }>;
  names: Map<number, NameInfo>;
  backwardRoot?: Tensor;
  error?: ScriptError;
}

export function buildTrace(p: TraceParts): Trace {
  const tensors: NamedTensor[] = [];
  for (const [name, { value, place }] of p.bindings) {
    if (!(value instanceof Tensor)) continue;
    tensors.push({
      kind: "tensor", id: value.id, name, ...place, shape: value.shape, dtype: value.dtype,
      requiresGrad: value.requires_grad, isLeaf: value.is_leaf, gradFn: value.grad_fn?.name(),
      value: summarize(value, `${name}:value`), grad: value.grad ? summarize(value.grad, `${name}:grad`) : undefined,
    });
  }
  pairTensors(tensors);
  const named = tensors.map((t) => p.bindings.get(t.name)!.value as Tensor).filter((t) => t.requires_grad);
  const graph = p.backwardRoot
    ? autogradGraph([p.backwardRoot], p.names, "backward", p.backwardRoot)
    : named.length ? autogradGraph(named, p.names, "named") : null;
  if (graph) {
    const ids = new Set(graph.nodes.map((n) => n.id));
    for (const t of tensors) {
      const tensor = p.bindings.get(t.name)!.value as Tensor;
      const id = nodeIdOf(tensor);
      if (ids.has(id) && graph.nodes.find((n) => n.id === id)?.tensorId === tensor.id) t.nodeId = id;
    }
  }
  if (p.rec.nonFinite) p.rec.nonFinite.name = p.names.get(p.rec.nonFinite.tensorId)?.name;
  return {
    version: TRACE_VERSION,
    file: p.file,
    language: languageOf(p.file),
    sourceHash: sha256(p.source),
    documentVersion: p.documentVersion,
    status: p.error ? "error" : "ok",
    startedAt: p.startedAt,
    timings: { totalMs: 0, prepareMs: 0, runMs: 0, traceMs: 0 },
    tensors,
    values: [],
    graph,
    comparisons: p.rec.comparisons,
    output: p.rec.output,
    outputTruncated: p.rec.droppedOutputBytes > 0,
    droppedOutputBytes: p.rec.droppedOutputBytes,
    series: p.rec.seriesList(),
    nonFinite: p.rec.nonFinite,
    error: p.error,
    notes: p.rec.notes,
  };
}

/**
 * micrograd Values bound to names, and — when no tensor backward was drawn — the roots the panel can
 * draw (every named Value and every backward() root) with the graph of the initial one.
 */
export function addValues(trace: Trace, bound: Map<string, { value: Value; place: Place }>, backwardRoots: readonly { value: Value; place?: Place }[] = []): void {
  const nameOf = new Map<number, string>();
  for (const [name, { value }] of bound) nameOf.set(value.id, name);
  trace.values = [...bound].map(([name, { value, place }]) => ({
    kind: "value", id: value.id, name, ...place, data: encodeNumber(value.data), grad: encodeNumber(value.grad),
    op: value.op, nodeId: `v${value.id}`,
  }));
  if (trace.graph) return;
  const candidates: RootCandidate[] = [
    ...[...bound].map(([name, { value, place }]): RootCandidate => ({ value: value.id, name, kind: "named", place })),
    ...backwardRoots.map(({ value, place }): RootCandidate => ({ value: value.id, kind: "backward", place })),
  ];
  // every Value reachable from a root (a root already in the table brought its inputs with it)
  const table = new Map<number, ValueTableNode>();
  for (const root of [...[...bound.values()].map((b) => b.value), ...backwardRoots.map((b) => b.value)]) {
    if (table.has(root.id)) continue;
    for (const v of root.topo()) {
      if (!table.has(v.id)) table.set(v.id, { op: v.op, name: nameOf.get(v.id) ?? v.label, data: v.data, grad: v.grad, inputs: v.prev.map((p) => p.id) });
    }
  }
  addValueRoots(trace, table, candidates);
}
