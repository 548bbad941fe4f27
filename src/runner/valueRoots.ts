// The micrograd roots of a run (src/protocol/trace.ts ValueRoot) and their graphs, from a table of
// Values both languages fill: TypeScript from its Value objects, Python from what its runtime reports.
import {
  encodeNumber, MAX_GRAPH_NODES, type Graph, type Place, type Trace, type ValueRoot,
} from "../protocol/trace";

/** One Value: its op ("" for a leaf), name when bound or labelled, and the Values it was made from. */
export interface ValueTableNode {
  op: string;
  name?: string;
  data: number | null;
  grad: number | null;
  inputs: readonly number[];
}

/** A Value the panel may draw from, before de-duplication. */
export interface RootCandidate {
  value: number;
  name?: string;
  kind: ValueRoot["kind"];
  place?: Place;
  /** its graph's size, and whether another root contains it, when the table does not hold all its graph (Python caps what it reports) */
  nodes?: number;
  whole?: boolean;
}

/** The graph the panel opens on is cut to this many nodes nearest its root; the whole one is asked for. */
export const INITIAL_GRAPH_NODES = 500;

/** A drawn root names the picture the learner asked for; a backward() root is the loss. */
const KIND_RANK: Record<ValueRoot["kind"], number> = { drawn: 2, backward: 1, named: 0 };

export interface ValueRoots {
  roots: ValueRoot[];
  graphs: Record<string, Graph>;
  /** the root to open on: the smallest whole expression of more than one Value */
  initial?: ValueRoot;
}

export function valueRoots(table: ReadonlyMap<number, ValueTableNode>, candidates: readonly RootCandidate[]): ValueRoots {
  // one root per Value: the strongest kind, the variable's name and place when it has one
  const byValue = new Map<number, RootCandidate>();
  for (const c of candidates) {
    if (!table.has(c.value)) continue;
    const old = byValue.get(c.value);
    if (!old) {
      byValue.set(c.value, c);
      continue;
    }
    // a call's own receiver name (Python's `L.backward()`) wins; else a variable's name and place
    const strong = KIND_RANK[c.kind] > KIND_RANK[old.kind] ? c : old;
    const named = strong.name !== undefined ? strong : [old, c].find((x) => x.name !== undefined);
    byValue.set(c.value, { ...strong, ...(named ? { name: named.name, place: named.place } : {}) });
  }
  const reach = new Map<number, Set<number>>();
  for (const v of byValue.keys()) reach.set(v, ancestors(table, v));
  const roots: ValueRoot[] = [];
  const graphs: Record<string, Graph> = {};
  for (const [v, c] of byValue) {
    const id = `v${v}`;
    const whole = c.whole ?? ![...byValue.keys()].some((o) => o !== v && reach.get(o)!.has(v));
    roots.push({
      id, name: c.name ?? (c.kind === "drawn" ? "draw_dot(…)" : "backward()"), kind: c.kind,
      nodes: c.nodes ?? reach.get(v)!.size, whole, ...(c.place ?? {}),
    });
    graphs[id] = graphNear(table, v, MAX_GRAPH_NODES);
  }
  roots.sort((a, b) => (a.cell ?? 0) - (b.cell ?? 0) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  const drawable = roots.filter((r) => r.whole && r.nodes > 1);
  const initial = (drawable.length ? drawable : roots).reduce<ValueRoot | undefined>((best, r) =>
    !best || r.nodes < best.nodes || (r.nodes === best.nodes && KIND_RANK[r.kind] > KIND_RANK[best.kind]) ? r : best, undefined);
  return { roots, graphs, initial };
}

/** Puts the roots in the trace, with the initial root's graph (cut to INITIAL_GRAPH_NODES) as `graph`. */
export function addValueRoots(trace: Trace, table: ReadonlyMap<number, ValueTableNode>, candidates: readonly RootCandidate[]): void {
  const { roots, graphs, initial } = valueRoots(table, candidates);
  if (!initial) return;
  trace.valueRoots = roots;
  trace.valueRoot = initial.id;
  trace.valueGraphs = graphs;
  trace.graph = graphs[initial.id].nodes.length > INITIAL_GRAPH_NODES
    ? graphNear(table, Number(initial.id.slice(1)), INITIAL_GRAPH_NODES)
    : graphs[initial.id];
}

/** Every Value `root` was computed from, and itself. */
function ancestors(table: ReadonlyMap<number, ValueTableNode>, root: number): Set<number> {
  const seen = new Set([root]);
  const stack = [root];
  while (stack.length) {
    for (const p of table.get(stack.pop()!)?.inputs ?? []) {
      if (!seen.has(p) && table.has(p)) {
        seen.add(p);
        stack.push(p);
      }
    }
  }
  return seen;
}

/** The `cap` Values nearest `root` (breadth first against the data flow), root last, with their edges. */
export function graphNear(table: ReadonlyMap<number, ValueTableNode>, root: number, cap: number): Graph {
  const order = [root];
  const kept = new Set(order);
  let truncated = false;
  for (let i = 0; i < order.length; i++) {
    for (const p of table.get(order[i])!.inputs) {
      if (kept.has(p)) continue;
      if (!table.has(p) || order.length >= cap) {
        truncated = true;
        continue;
      }
      kept.add(p);
      order.push(p);
    }
  }
  order.reverse();
  return {
    source: "values",
    nodes: order.map((id) => {
      const n = table.get(id)!;
      return {
        id: `v${id}`, kind: "value", label: n.name ?? (n.op || "value"), name: n.name, op: n.op || undefined,
        data: encodeNumber(n.data ?? NaN), grad: encodeNumber(n.grad ?? NaN), leaf: n.inputs.length === 0,
      };
    }),
    // one edge per distinct input (x * x has one)
    edges: order.flatMap((id) => [...new Set(table.get(id)!.inputs)].filter((p) => kept.has(p)).map((p) => ({ from: `v${p}`, to: `v${id}` }))),
    root: `v${root}`,
    truncated,
  };
}
