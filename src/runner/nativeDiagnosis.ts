// The native backend's backward graph (#22): what bpn_native.py reports of the last backward() in the
// user's PyTorch, turned into the trace's graph, and the wrong-gradient diagnosis of src/diagnosis run
// on it. The diagnosis is the built-in engine's, unchanged: its arrays are the cmp rows' tensors as
// PyTorch had them, and its replays of autograd's rules (the learner pass, per-use contributions) run
// in the child process on the retained PyTorch graph, asked for over the requests pipe.
import { createHash } from "node:crypto";
import { GradFn, Tensor, torch } from "../engine";
import { diagnoseRun, attachDiagnoses, type RecordedComparison, type TensorLabel } from "../diagnosis";
import type { CapturedGraph, CapturedNode, Contribution, ReplayResult } from "../diagnosis/graph";
import type { Graph, GraphEdge, GraphNode, Language, NamedTensor, TraceComparison } from "../protocol/trace";

/** One node of the graph as the runtime reports it, in backward order (the root first). */
export interface NativeGraphNode {
  /** PyTorch's node name, e.g. "MmBackward0", "AccumulateGrad" */
  op: string;
  /** its output's shape (null when the graph was not retained and the tensor is not named) */
  shape: number[] | null;
  leaf: boolean;
  /** the index of its tensor in the bindings event, when the tensor is bound to a name */
  tensor: number | null;
  /** [node index, output number] per next_functions entry */
  inputs: ([number, number] | null)[];
}

export interface NativeGraph {
  nodes: NativeGraphNode[];
  truncated: boolean;
  /** the graph was retained, so autograd's rules can be applied again in the child */
  replayable: boolean;
  /** per cmp row (in call order): the node of the compared tensor */
  cmpNodes: (number | null)[];
  replayError?: string;
}

/** A tensor over the pipe: little-endian float32/float64 values in base64. */
export interface WireTensor {
  shape: number[];
  dtype: "float32" | "float64";
  b64: string;
}

const nodeId = (g: NativeGraph, i: number): string => (g.nodes[i].leaf ? `t${i}` : `op${i}`);

/**
 * The trace's graph (protocol/trace.ts, as autogradGraph draws the engine's): named tensors and
 * leaves as tensor nodes, other ops as op nodes; sets `nodeId` on the named tensors and cmp rows.
 */
export function protocolGraph(g: NativeGraph, tensors: NamedTensor[], comparisons: TraceComparison[]): Graph {
  const nodes: GraphNode[] = g.nodes.map((n, i) => {
    const id = nodeId(g, i);
    const t = n.tensor !== null ? tensors[n.tensor] : undefined;
    const shape = n.shape ?? undefined;
    const place = t ? { line: t.line, column: t.column, ...(t.cell !== undefined ? { cell: t.cell } : {}) } : undefined;
    if (n.leaf) return { id, kind: "tensor", label: t?.name ?? "leaf", name: t?.name, shape, tensorId: t?.id, leaf: true, place };
    return t
      ? { id, kind: "tensor", label: t.name, name: t.name, op: n.op, shape, tensorId: t.id, place }
      : { id, kind: "op", label: n.op, op: n.op, shape };
  });
  const edges: GraphEdge[] = [];
  g.nodes.forEach((n, i) => {
    for (const input of n.inputs) if (input) edges.push({ from: nodeId(g, input[0]), to: nodeId(g, i) });
  });
  g.nodes.forEach((n, i) => { if (n.tensor !== null && tensors[n.tensor]) tensors[n.tensor].nodeId = nodeId(g, i); });
  comparisons.forEach((c, k) => { const i = g.cmpNodes[k]; if (i !== null && i !== undefined) c.nodeId = nodeId(g, i); });
  return { source: "backward", nodes, edges, root: nodes.length ? nodes[0].id : undefined, truncated: g.truncated };
}

export function fromWire(w: WireTensor): Float32Array | Float64Array {
  const b = Buffer.from(w.b64, "base64");
  const bytes = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  return w.dtype === "float64" ? new Float64Array(bytes) : new Float32Array(bytes);
}

function toWire(t: Tensor): WireTensor {
  const data = t.toArray();
  const dtype = t.dtype === "float64" ? "float64" : "float32";
  const typed = dtype === "float64" ? Float64Array.from(data) : Float32Array.from(data);
  return { shape: [...t.shape], dtype, b64: Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength).toString("base64") };
}

const engineTensor = (w: WireTensor): Tensor => torch.fromArray(fromWire(w), [...w.shape], w.dtype);

interface PassReply {
  incoming?: Record<string, WireTensor>;
  contributions?: Record<string, { from: number; slot: number; grad: WireTensor }[]>;
  tainted?: number[];
  error?: string;
}

/** What the child answers: `ask(request)` resolves with its reply event. */
export type AskChild = (request: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** Rounds of diagnosis before giving up on new replays (each round asks for what the last one lacked). */
const MAX_ROUNDS = 12;
const EMPTY_PASS = (): ReplayResult => ({ incoming: new Map(), contributions: new Map(), tainted: new Set() });

/**
 * The diagnosis of every failing row of a native run, written into `comparisons`. diagnoseRun is
 * synchronous and the replays live in the child, so it runs in rounds: a replay it asks for that is
 * not known yet is collected (and answered with an empty pass); the child computes the collected
 * passes and the next round has them. The round that asks for nothing new used only real passes:
 * its result is the diagnosis. Returns a note when the diagnosis could not use the graph.
 */
export async function diagnoseNative(
  comparisons: TraceComparison[], graph: NativeGraph | undefined, tensors: NamedTensor[], language: Language, ask: AskChild,
): Promise<string | undefined> {
  const reply = await ask({ op: "tensors" }) as { rows?: { manual: WireTensor | null; grad: WireTensor | null }[]; error?: string };
  if (!reply.rows) throw new Error(reply.error ?? "no tensors");
  const rows = reply.rows;

  // engine stand-ins: one placeholder tensor per graph node the diagnosis names or compares
  const order: CapturedNode[] = (graph?.nodes ?? []).map((n, index) =>
    ({ node: new GradFn(n.op, [], n.shape ?? [], null), index, backward: null, inputs: [], consumers: [] }));
  const labels = new Map<Tensor, TensorLabel>();
  const placeholder = new Map<number, Tensor>();
  const standIn = (i: number): Tensor => {
    let t = placeholder.get(i);
    if (!t) {
      t = torch.zeros([0]);
      placeholder.set(i, t);
      order[i].node.output = t;
      const b = graph!.nodes[i].tensor;
      if (b !== null && tensors[b]) labels.set(t, { name: tensors[b].name, line: tensors[b].line });
    }
    return t;
  };
  graph?.nodes.forEach((n, i) => {
    if (n.tensor !== null) standIn(i);
    order[i].inputs = n.inputs.map((x) => (x ? order[x[0]] : null));
    order[i].inputs.forEach((inp, slot) => inp?.consumers.push({ node: order[i], slot }));
  });

  const recorded: RecordedComparison[] = comparisons.map((c, k) => {
    const i = graph?.cmpNodes[k];
    const w = rows[k] ?? { manual: null, grad: null };
    // a value verdict on shapes that differ only by size-1 dims reads the manual in the grad's shape, as cmp did
    const valued = c.status === "exact" || c.status === "approximate" || c.status === "wrong";
    return {
      comparison: c,
      tensor: i !== null && i !== undefined ? standIn(i) : torch.zeros([0]),
      manual: w.manual ? { shape: valued && w.grad ? w.grad.shape : w.manual.shape, data: fromWire(w.manual), dtype: w.manual.dtype } : undefined,
      grad: w.grad ? { shape: w.grad.shape, data: fromWire(w.grad), dtype: w.grad.dtype } : undefined,
    };
  });

  const want = [...new Set((graph?.cmpNodes ?? []).filter((i): i is number => i !== null && i !== undefined))];
  const known = new Map<string, ReplayResult | Error>();
  const wanted = new Map<string, Record<number, WireTensor | "taint">>();
  const replayWith = (override: (node: CapturedNode, incoming: Tensor) => Tensor | "taint" | undefined): ReplayResult => {
    const dummy = torch.zeros([0]);
    const overrides: Record<number, WireTensor | "taint"> = {};
    const key: string[] = [];
    for (const c of order) {
      const o = override(c, dummy);
      if (o === undefined) continue;
      const w = o === "taint" ? "taint" : toWire(o);
      overrides[c.index] = w;
      key.push(`${c.index}:${w === "taint" ? w : createHash("sha1").update(w.b64).digest("hex")}`);
    }
    const k = key.join("|");
    const got = known.get(k);
    if (got instanceof Error) throw got;
    if (got) return got;
    wanted.set(k, overrides);
    return EMPTY_PASS();
  };
  const captured: CapturedGraph | null = graph && graph.replayable && order.length ? {
    root: torch.zeros([]), order, byNode: new Map(order.map((c) => [c.node, c])), replayable: true,
    byTensor: new Map([...placeholder].map(([i, t]) => [t, order[i]])), replayWith,
  } : null;

  const diagnose = (g: CapturedGraph | null) => diagnoseRun({ comparisons: recorded, graph: g, describe: (t) => labels.get(t), language });
  let note = graph?.replayError ? `the diagnosis could not replay the backward graph: ${graph.replayError}` : undefined;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    wanted.clear();
    let result: ReturnType<typeof diagnoseRun>;
    try {
      result = diagnose(captured);
    } catch (e) { // a replay failed where diagnoseRun does not expect it: judge without the graph
      note = `a replay of the backward graph failed: ${(e as Error).message}`;
      break;
    }
    if (!wanted.size) {
      attachDiagnoses(comparisons, result);
      const failed = [...known.values()].find((v): v is Error => v instanceof Error);
      return failed ? `a replay of the backward graph failed: ${failed.message}` : note;
    }
    const asked = [...wanted];
    const answer = await ask({ op: "replay", passes: asked.map(([, overrides]) => ({ overrides, want })) }) as { passes?: PassReply[]; error?: string };
    if (!answer.passes) throw new Error(answer.error ?? "no replay");
    asked.forEach(([k], n) => known.set(k, toReplayResult(answer.passes![n], order)));
  }
  // without replays nothing is called downstream, and the kinds still come from the arrays
  attachDiagnoses(comparisons, diagnose(null));
  return note ?? "the diagnosis needed more replays than it may ask for, so it judged each row without the graph";
}

function toReplayResult(p: PassReply, order: CapturedNode[]): ReplayResult | Error {
  if (p.error) return new Error(p.error);
  const incoming = new Map<CapturedNode, Tensor>();
  for (const [i, w] of Object.entries(p.incoming ?? {})) incoming.set(order[Number(i)], engineTensor(w));
  const contributions = new Map<CapturedNode, Contribution[]>();
  for (const [j, list] of Object.entries(p.contributions ?? {})) {
    contributions.set(order[Number(j)], list.map((x) => ({ from: order[x.from], slot: x.slot, grad: engineTensor(x.grad) })));
  }
  return { incoming, contributions, tainted: new Set((p.tainted ?? []).map((i) => order[i])) };
}
