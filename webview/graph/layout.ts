// Graph layout with elkjs (layered), run in a web worker so a 1,000-node graph does not freeze the
// panel, plus the folding of chains of unnamed ops that makes big graphs readable.
import ELK, { type ElkNode, type ElkExtendedEdge } from "elkjs/lib/elk-api.js";
import workerSource from "elkjs/lib/elk-worker.min.js" with { type: "text" };
import { fmtNumber, type Graph, type GraphNode } from "../model";

export interface LaidNode {
  node: DisplayNode;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LaidEdge {
  from: string;
  to: string;
  /** polyline points */
  points: { x: number; y: number }[];
}

export interface Layout {
  /** the graph's structure (ids, labels, sizes, edges): equal keys, equal positions */
  key: string;
  /** a short hash of `key`, small enough to keep in the panel's saved state */
  id: string;
  nodes: LaidNode[];
  edges: LaidEdge[];
  byId: Map<string, LaidNode>;
  width: number;
  height: number;
  ms: number;
}

/** A node as drawn: a graph node, or a folded chain of unnamed ops. */
export interface DisplayNode extends GraphNode {
  /** ids of the graph nodes folded into this one (chains), else undefined */
  members?: string[];
}

export interface DisplayGraph {
  nodes: DisplayNode[];
  edges: { from: string; to: string }[];
  /** graph node id → display node id */
  owner: Map<string, string>;
}

/**
 * Folds every maximal chain (≥ 2) of unnamed op nodes with one input and one output into one node,
 * unless the chain's first node is in `expanded`.
 */
export function foldChains(graph: Graph, enabled: boolean, expanded: ReadonlySet<string> = new Set()): DisplayGraph {
  const owner = new Map<string, string>();
  if (!enabled) {
    for (const n of graph.nodes) owner.set(n.id, n.id);
    return { nodes: graph.nodes, edges: dedupe(graph.edges), owner };
  }
  const ins = new Map<string, string[]>();
  const outs = new Map<string, string[]>();
  for (const e of graph.edges) {
    (ins.get(e.to) ?? ins.set(e.to, []).get(e.to)!).push(e.from);
    (outs.get(e.from) ?? outs.set(e.from, []).get(e.from)!).push(e.to);
  }
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const foldable = (n: GraphNode) => n.kind === "op" && !n.named && n.verdict === undefined &&
    (ins.get(n.id)?.length ?? 0) === 1 && (outs.get(n.id)?.length ?? 0) === 1;
  const nodes: DisplayNode[] = [];
  const seen = new Set<string>();
  for (const n of graph.nodes) {
    if (seen.has(n.id)) continue;
    if (!foldable(n)) {
      seen.add(n.id);
      owner.set(n.id, n.id);
      nodes.push(n);
      continue;
    }
    // walk back to the chain's start, then forward to its end
    let start = n;
    for (;;) {
      const p = byId.get(ins.get(start.id)![0]);
      if (!p || !foldable(p) || seen.has(p.id) || p === n) break;
      start = p;
    }
    const chain: GraphNode[] = [start];
    for (;;) {
      const next = byId.get(outs.get(chain[chain.length - 1].id)![0]);
      if (!next || !foldable(next) || seen.has(next.id) || chain.includes(next)) break;
      chain.push(next);
    }
    if (chain.length < 2 || expanded.has(chain[0].id)) {
      for (const c of chain) {
        seen.add(c.id);
        owner.set(c.id, c.id);
        nodes.push(c);
      }
      continue;
    }
    const id = `chain:${chain[0].id}`;
    for (const c of chain) {
      seen.add(c.id);
      owner.set(c.id, id);
    }
    const last = chain[chain.length - 1];
    nodes.push({
      id, kind: "op", named: false, members: chain.map((c) => c.id),
      label: chain.length <= 3 ? chain.map((c) => c.label).join(" → ") : `${chain[0].label} → … → ${last.label}`,
      shape: last.shape, line: chain[0].line, column: chain[0].column,
    });
  }
  const edges = dedupe(graph.edges
    .map((e) => ({ from: owner.get(e.from) ?? e.from, to: owner.get(e.to) ?? e.to }))
    .filter((e) => e.from !== e.to));
  return { nodes, edges, owner };
}

function dedupe(edges: { from: string; to: string }[]): { from: string; to: string }[] {
  const keys = new Set<string>();
  return edges.filter((e) => {
    const k = `${e.from}\u0000${e.to}`;
    if (keys.has(k)) return false;
    keys.add(k);
    return true;
  });
}

const CHAR_W = 7.2;

export function nodeSize(n: DisplayNode, values: boolean): { width: number; height: number } {
  if (n.kind === "value") {
    const sub = `data ${fmtNumber(n.data)} · grad ${fmtNumber(n.grad)}`;
    return { width: Math.max(120, 28 + CHAR_W * Math.max(n.label.length + (n.named && n.op ? n.op.length + 1 : 0), sub.length)), height: 46 };
  }
  if (n.kind === "op") return { width: Math.max(56, 24 + CHAR_W * n.label.length + (n.members ? 30 : 0)), height: 26 };
  const sub = n.shape ? `[${n.shape.join(", ")}]` : "";
  return { width: Math.max(90, 30 + CHAR_W * Math.max(n.label.length + 2, sub.length)), height: values ? 46 : 40 };
}

let elk: InstanceType<typeof ELK> | undefined;

function engine(): InstanceType<typeof ELK> {
  if (!elk) {
    const url = URL.createObjectURL(new Blob([workerSource], { type: "text/javascript" }));
    elk = new ELK({ workerUrl: url, workerFactory: (u?: string) => new Worker(u ?? url) });
  }
  return elk;
}

export function structureKey(g: DisplayGraph, values: boolean): string {
  const parts = [values ? "v" : "t"];
  for (const n of g.nodes) {
    const { width, height } = nodeSize(n, values);
    parts.push(`${n.id}:${width}x${height}`);
  }
  for (const e of g.edges) parts.push(`${e.from}>${e.to}`);
  return parts.join("|");
}

/** The latest layouts by structure key, newest last: switching between micrograd roots lays each out once. */
const recent = new Map<string, Layout>();
const RECENT_LAYOUTS = 8;

/**
 * The layout of a structure laid out before, with this graph's nodes (their verdicts and values), or
 * undefined: a re-run of the same script (same structure) reuses the previous positions, at once
 * (no worker round trip, no frame showing the old verdicts), and the view does not jump on every save.
 */
export function knownLayout(g: DisplayGraph, values: boolean): Layout | undefined {
  return knownByKey(structureKey(g, values), g);
}

function knownByKey(key: string, g: DisplayGraph): Layout | undefined {
  const known = recent.get(key);
  if (!known) return undefined;
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const nodes = known.nodes.map((n) => ({ ...n, node: byId.get(n.node.id)! }));
  return remember({ ...known, nodes, byId: new Map(nodes.map((n) => [n.node.id, n])) });
}

/** Lays the display graph out top-down (inputs on top, the loss at the bottom), or reuses a known layout. */
export async function layoutGraph(g: DisplayGraph, values: boolean): Promise<Layout> {
  const key = structureKey(g, values);
  return knownByKey(key, g) ?? remember({ ...(await runLayout(g, values)), key, id: hashKey(key) });
}

/** Keeps a layout as the newest of `recent`. */
function remember(out: Layout): Layout {
  recent.delete(out.key);
  recent.set(out.key, out);
  if (recent.size > RECENT_LAYOUTS) recent.delete(recent.keys().next().value!);
  return out;
}

/** FNV-1a, 32 bits, as 8 hex digits: tells graphs apart in saved state without storing their keys. */
function hashKey(key: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

async function runLayout(g: DisplayGraph, values: boolean): Promise<Omit<Layout, "key" | "id">> {
  const t0 = performance.now();
  const big = g.nodes.length > 150;
  const root: ElkNode = {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": values ? "RIGHT" : "DOWN",
      "elk.spacing.nodeNode": "18",
      "elk.layered.spacing.nodeNodeBetweenLayers": "34",
      "elk.edgeRouting": big ? "POLYLINE" : "ORTHOGONAL",
      // network simplex placement is too slow past a few hundred nodes (≈ 1 min for 1,000 here)
      "elk.layered.nodePlacement.strategy": big ? "BRANDES_KOEPF" : "NETWORK_SIMPLEX",
      "elk.layered.thoroughness": big ? "1" : "7",
      "elk.layered.crossingMinimization.greedySwitch.type": big ? "OFF" : "TWO_SIDED",
    },
    children: g.nodes.map((n) => ({ id: n.id, ...nodeSize(n, values) })),
    edges: g.edges.map((e, i): ElkExtendedEdge => ({ id: `e${i}`, sources: [e.from], targets: [e.to] })),
  };
  const out = await engine().layout(root);
  const byDisplay = new Map(g.nodes.map((n) => [n.id, n]));
  const nodes: LaidNode[] = (out.children ?? []).map((c) => ({
    node: byDisplay.get(c.id)!, x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? 0, height: c.height ?? 0,
  }));
  const edges: LaidEdge[] = (out.edges ?? []).map((e) => {
    const i = Number(e.id.slice(1));
    const sec = e.sections?.[0];
    const points = sec ? [sec.startPoint, ...(sec.bendPoints ?? []), sec.endPoint] : [];
    return { from: g.edges[i].from, to: g.edges[i].to, points };
  });
  return {
    nodes, edges, byId: new Map(nodes.map((n) => [n.node.id, n])),
    width: out.width ?? 0, height: out.height ?? 0, ms: performance.now() - t0,
  };
}
