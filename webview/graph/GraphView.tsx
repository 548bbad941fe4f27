// The computation graph as SVG: pan (drag), zoom (wheel, +/-), fit (F or the toolbar), keyboard
// navigation along edges, and culling — only nodes and edges inside the viewport are in the DOM, so a
// 1,000-node graph stays smooth.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { fmtNumber, fmtShape, VERDICT_MARK } from "../model";
import { memoBy, sameShallow } from "../memo";
import type { DisplayNode, LaidEdge, Layout, LaidNode } from "./layout";

export interface View {
  x: number;
  y: number;
  k: number;
  /** the graph it was made for (Layout.id): another graph opens fitted, never in an old view */
  graph?: string;
  /** how it was made: Fit (labels readable), the whole-graph overview, or the user's pan and zoom */
  mode?: ViewMode;
}

export type ViewMode = "fit" | "overview" | "user";

export interface GraphViewProps {
  layout: Layout;
  values: boolean;
  selected?: string;
  /** node of the editor's cursor line */
  cursor?: string;
  firstWrong?: string;
  /** initial transform (restored state); fit when absent or made for another graph */
  view?: View;
  onView(view: View): void;
  onSelect(id: string): void;
  /** Enter / click: reveal the node's line */
  onActivate(id: string): void;
  onToggleChain(id: string): void;
  /** increments when the toolbar asks for a fit */
  fitRequest: number;
}

const MIN_K = 0.002;
const MAX_K = 4;
const CULL_MARGIN = 80;
const CULL_ABOVE = 200;
const PAD = 24;
const OPEN_WHOLE_ABOVE = 400;
/** Labels are drawn 11 px (sub-labels, ops) and up: below this zoom they would be under 9 px on screen. */
export const READABLE_K = 9 / 11;

/** The whole graph in the view, at any zoom (labels may be too small to draw: an overview). */
export function overviewView(layout: Layout, w: number, h: number): View {
  const k = Math.min(MAX_K, Math.max(MIN_K, Math.min((w - 2 * PAD) / Math.max(1, layout.width), (h - 2 * PAD) / Math.max(1, layout.height), 1.25)));
  return { k, x: (w - layout.width * k) / 2, y: (h - layout.height * k) / 2, mode: "overview" };
}

/** Along one axis: centered when the graph fits, else `focus` (or the start) centered within the graph's extent. */
function place(size: number, extent: number, k: number, focus: number | undefined): number {
  if (extent * k <= size - 2 * PAD) return (size - extent * k) / 2;
  if (focus === undefined) return PAD;
  return Math.min(PAD, Math.max(size - PAD - extent * k, size / 2 - focus * k));
}

/**
 * Fit: the whole graph when its labels stay readable there; else the readable zoom that fits the
 * graph's breadth when it can, showing the first wrong node (or the start of the graph).
 */
export function readableFit(layout: Layout, w: number, h: number, focus?: string): View {
  const whole = overviewView(layout, w, h);
  if (whole.k >= READABLE_K) return { ...whole, mode: "fit" };
  const breadth = Math.max((w - 2 * PAD) / Math.max(1, layout.width), (h - 2 * PAD) / Math.max(1, layout.height));
  const k = Math.max(READABLE_K, Math.min(1, breadth));
  const n = focus !== undefined ? layout.byId.get(focus) : undefined;
  return {
    k, mode: "fit",
    x: place(w, layout.width, k, n && n.x + n.width / 2),
    y: place(h, layout.height, k, n && n.y + n.height / 2),
  };
}

/** The whole graph is readable at its overview zoom (Fit and overview are then the same view). */
const wholeReadable = (layout: Layout, w: number, h: number) => overviewView(layout, w, h).k >= READABLE_K;

export function GraphView(p: GraphViewProps) {
  const host = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ w: 0, h: 0 });
  const [view, setViewState] = useState<View | undefined>(p.view);
  // events can arrive faster than renders (wheel bursts): always build on the newest view
  const viewRef = useRef<View | undefined>(p.view);
  const setView = (nv: View) => {
    viewRef.current = nv;
    setViewState(nv);
  };
  const drag = useRef<{ x: number; y: number; vx: number; vy: number; moved: boolean } | undefined>(undefined);

  useLayoutEffect(() => {
    const el = host.current!;
    const ro = new ResizeObserver(() => setSize({ w: el.clientWidth, h: el.clientHeight }));
    ro.observe(el);
    setSize({ w: el.clientWidth, h: el.clientHeight });
    return () => ro.disconnect();
  }, []);

  // fit on a new graph (unless this graph's own view was restored) and on request: Fit on a Fit
  // view whose graph is larger than the screen at a readable zoom shows the whole graph (overview)
  // starts at the current request: a restored view is not fitted away on mount
  const lastFit = useRef(p.fitRequest);
  const lastLayout = useRef<Layout | undefined>(undefined);
  useEffect(() => {
    if (size.w === 0) return;
    // a re-run with the same structure keeps the user's view
    const newLayout = lastLayout.current?.key !== p.layout.key;
    const restored = newLayout && lastLayout.current === undefined && p.view?.graph === p.layout.id;
    if ((newLayout && !restored) || lastFit.current !== p.fitRequest) {
      const explicit = lastFit.current !== p.fitRequest && lastFit.current !== -1 && !newLayout;
      lastFit.current = p.fitRequest;
      // a big graph opens whole (an overview); a readable corner of 1,000 nodes would say little
      const opening = p.layout.nodes.length > OPEN_WHOLE_ABOVE ? overviewView(p.layout, size.w, size.h) : readableFit(p.layout, size.w, size.h, p.firstWrong);
      commit(explicit ? toggleFit() : opening);
    }
    lastLayout.current = p.layout;
  }, [p.layout, p.fitRequest, size.w, size.h]);

  const v = view ?? { x: 0, y: 0, k: 1 };
  const commit = (nv: View) => {
    const tagged = { ...nv, graph: p.layout.id, mode: nv.mode ?? "user" };
    setView(tagged);
    p.onView(tagged);
  };
  const toggleFit = (): View => viewRef.current?.mode === "fit" && !wholeReadable(p.layout, size.w, size.h)
    ? overviewView(p.layout, size.w, size.h)
    : readableFit(p.layout, size.w, size.h, p.firstWrong);
  const zoomAt = (factor: number, cx: number, cy: number) => {
    const cur = viewRef.current ?? v;
    const k = Math.min(MAX_K, Math.max(MIN_K, cur.k * factor));
    const f = k / cur.k;
    commit({ k, x: cx - (cx - cur.x) * f, y: cy - (cy - cur.y) * f, mode: "user" });
  };

  // bring the selected / cursor node into view when it is outside
  const focusId = p.cursor ?? p.selected;
  useEffect(() => {
    if (!focusId || !view || size.w === 0) return;
    const n = p.layout.byId.get(focusId);
    if (!n) return;
    const sx = n.x * v.k + v.x, sy = n.y * v.k + v.y;
    if (sx < 0 || sy < 0 || sx + n.width * v.k > size.w || sy + n.height * v.k > size.h) {
      // a node brought into view keeps the zoom, and so the kind of view
      commit({ k: v.k, x: size.w / 2 - (n.x + n.width / 2) * v.k, y: size.h / 2 - (n.y + n.height / 2) * v.k, mode: v.mode });
    }
  }, [focusId, p.layout.key, size.w, size.h]); // and when the drawer opening shrinks the view

  const { nodes, edges } = useMemo(() => {
    // culling pays off only for big graphs; a small one stays whole in the DOM (find-in-page, tests)
    if (p.layout.nodes.length <= CULL_ABOVE) return { nodes: p.layout.nodes, edges: p.layout.edges };
    const x0 = (-v.x - CULL_MARGIN) / v.k, y0 = (-v.y - CULL_MARGIN) / v.k;
    const x1 = (size.w - v.x + CULL_MARGIN) / v.k, y1 = (size.h - v.y + CULL_MARGIN) / v.k;
    const nodes = p.layout.nodes.filter((n) => n.x + n.width >= x0 && n.x <= x1 && n.y + n.height >= y0 && n.y <= y1);
    const edges = p.layout.edges.filter((e) => {
      let ex0 = Infinity, ey0 = Infinity, ex1 = -Infinity, ey1 = -Infinity;
      for (const q of e.points) {
        ex0 = Math.min(ex0, q.x); ex1 = Math.max(ex1, q.x); ey0 = Math.min(ey0, q.y); ey1 = Math.max(ey1, q.y);
      }
      return ex1 >= x0 && ex0 <= x1 && ey1 >= y0 && ey0 <= y1;
    });
    return { nodes, edges };
  }, [p.layout, v.x, v.y, v.k, size.w, size.h]);

  const detail = v.k >= READABLE_K - 1e-9; // labels would be under 9 px below this zoom: skip them
  const related = useMemo(() => {
    const s = new Set<string>();
    if (!p.selected) return s;
    for (const e of p.layout.edges) if (e.from === p.selected || e.to === p.selected) s.add(`${e.from}>${e.to}`);
    return s;
  }, [p.layout, p.selected]);

  // one handler for every node, reading the newest props: the nodes' props stay comparable
  const onNode = useRef<(ev: MouseEvent, node: DisplayNode) => void>(() => {});
  onNode.current = (ev, node) => {
    if (drag.current?.moved) return;
    p.onSelect(node.id);
    if (node.members && ev.detail === 2) p.onToggleChain(node.id);
    else p.onActivate(node.id);
  };
  const clickNode = useRef((ev: MouseEvent, node: DisplayNode) => onNode.current(ev, node)).current;

  const onKey = (e: KeyboardEvent) => {
    const c = { x: size.w / 2, y: size.h / 2 };
    if (e.key === "+" || e.key === "=") zoomAt(1.25, c.x, c.y);
    else if (e.key === "-" || e.key === "_") zoomAt(0.8, c.x, c.y);
    else if (e.key === "f" || e.key === "F") commit(toggleFit());
    else if (e.key === "0") commit(overviewView(p.layout, size.w, size.h));
    else if (e.key === "Enter" && p.selected) p.onActivate(p.selected);
    else if (e.key === " " && p.selected?.startsWith("chain:")) p.onToggleChain(p.selected);
    else if (e.key.startsWith("Arrow")) {
      const next = neighbour(p.layout, p.selected, e.key, p.values);
      if (next) p.onSelect(next);
    } else return;
    e.preventDefault();
  };

  return (
    <div
      ref={host}
      class="graph-view"
      tabIndex={0}
      role="application"
      aria-label="Computation graph. Arrow keys move between nodes, Enter reveals the line, F fits (again: the whole graph), + and - zoom."
      data-nodes={p.layout.nodes.length}
      data-rendered={nodes.length}
      data-zoom={v.k.toFixed(4)}
      data-view={v.mode ?? "user"}
      onKeyDown={onKey}
      onWheel={(e) => {
        e.preventDefault();
        const r = host.current!.getBoundingClientRect();
        zoomAt(Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)), e.clientX - r.left, e.clientY - r.top);
      }}
      onPointerDown={(e) => {
        if (e.button !== 0) return;
        drag.current = { x: e.clientX, y: e.clientY, vx: v.x, vy: v.y, moved: false };
      }}
      onPointerMove={(e) => {
        const d = drag.current;
        if (!d) return;
        const dx = e.clientX - d.x, dy = e.clientY - d.y;
        if (!d.moved && Math.hypot(dx, dy) < 4) return;
        if (!d.moved) host.current!.setPointerCapture(e.pointerId);
        d.moved = true;
        setView({ k: v.k, x: d.vx + dx, y: d.vy + dy, graph: p.layout.id, mode: "user" });
      }}
      onPointerUp={(e) => {
        const d = drag.current;
        drag.current = undefined;
        if (d?.moved) {
          host.current!.releasePointerCapture(e.pointerId);
          if (viewRef.current) p.onView(viewRef.current);
        }
      }}
    >
      <svg class={`graph-svg${detail ? "" : " lod"}`} width={size.w} height={size.h}>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 1 L 9 5 L 0 9 z" class="arrow-head" />
          </marker>
        </defs>
        <g transform={`translate(${v.x},${v.y}) scale(${v.k})`}>
          <g class="edges">
            {edges.map((e) => (
              <EdgeLine key={`${e.from}>${e.to}`} e={e} related={related.has(`${e.from}>${e.to}`)} detail={detail} />
            ))}
          </g>
          <g class="nodes">
            {nodes.map((n) => (
              <NodeShape
                key={n.node.id}
                n={n}
                detail={detail}
                values={p.values}
                selected={p.selected === n.node.id}
                cursor={p.cursor === n.node.id}
                firstWrong={p.firstWrong === n.node.id}
                onClick={clickNode}
              />
            ))}
          </g>
        </g>
      </svg>
      {size.w > 0 && v.mode === "fit" && !wholeReadable(p.layout, size.w, size.h) && (
        <div class="graph-scale-note" data-testid="graph-scale-note">
          Part of the graph, labels at 9 px or more.{" "}
          <button class="link-button" onClick={() => commit(overviewView(p.layout, size.w, size.h))}>Whole graph</button>
        </div>
      )}
      {size.w > 0 && v.mode === "overview" && !detail && (
        <div class="graph-scale-note" data-testid="graph-scale-note">
          Overview: labels hidden, they would be under 9 px.{" "}
          <button class="link-button" onClick={() => commit(readableFit(p.layout, size.w, size.h, p.firstWrong))}>Readable zoom</button>
        </div>
      )}
    </div>
  );
}

interface NodeShapeProps {
  n: LaidNode;
  detail: boolean;
  values: boolean;
  selected: boolean;
  cursor: boolean;
  firstWrong: boolean;
  onClick(e: MouseEvent, node: DisplayNode): void;
}

/** A node drawn again only when its place, its content or its marks changed (a re-run keeps most). */
const NodeShape = memoBy(NodeShapeOf, (a, b) =>
  a.detail === b.detail && a.values === b.values && a.selected === b.selected && a.cursor === b.cursor && a.firstWrong === b.firstWrong &&
  a.onClick === b.onClick && a.n.x === b.n.x && a.n.y === b.n.y && a.n.width === b.n.width && a.n.height === b.n.height &&
  sameShallow(a.n.node, b.n.node));

/** An edge drawn again only when it is another edge (another layout) or its marks changed. */
const EdgeLine = memoBy(
  ({ e, related, detail }: { e: LaidEdge; related: boolean; detail: boolean }) => (
    <polyline
      class={`edge${related ? " edge-related" : ""}`}
      points={e.points.map((q) => `${q.x},${q.y}`).join(" ")}
      marker-end={detail ? "url(#arrow)" : undefined}
    />
  ),
  (a, b) => a.e === b.e && a.related === b.related && a.detail === b.detail,
);

function NodeShapeOf(p: NodeShapeProps) {
  const { n } = p;
  const node = n.node;
  const cls = [
    "node", `node-${node.kind}`, node.verdict ? `verdict-${node.verdict}` : "", node.named ? "named" : "",
    node.members ? "chain" : "", p.selected ? "selected" : "", p.cursor ? "cursor" : "", p.firstWrong ? "first-wrong" : "",
    node.leaf ? "leaf" : "",
  ].filter(Boolean).join(" ");
  const title = [
    node.kind === "op" ? `op ${node.label}` : node.label,
    node.shape ? fmtShape(node.shape) : "",
    node.verdict ? `cmp: ${node.verdict}` : "",
    node.line !== undefined ? `line ${node.line + 1}` : "",
    node.members ? `${node.members.length} ops folded (double-click or Space to unfold)` : "",
  ].filter(Boolean).join(" · ");
  const rx = node.kind === "op" ? n.height / 2 : 4;
  return (
    <g
      class={cls}
      transform={`translate(${n.x},${n.y})`}
      data-id={node.id}
      data-label={node.label}
      data-line={node.line}
      onClick={(ev) => p.onClick(ev, node)}
    >
      <title>{title}</title>
      {p.firstWrong && <rect class="first-wrong-halo" x={-5} y={-5} width={n.width + 10} height={n.height + 10} rx={rx + 5} />}
      <rect class="node-box" width={n.width} height={n.height} rx={rx} />
      {node.verdict && node.kind !== "op" && <rect class="verdict-stripe" width={5} height={n.height} rx={2} />}
      {p.detail && <NodeText n={n} values={p.values} />}
    </g>
  );
}

function NodeText({ n, values }: { n: LaidNode; values: boolean }) {
  const node = n.node;
  if (node.kind === "op") {
    return (
      <text class="node-op-label" x={n.width / 2} y={n.height / 2 + 4} text-anchor="middle">
        {node.label}{node.members ? ` ×${node.members.length}` : ""}
      </text>
    );
  }
  if (node.kind === "value") {
    return (
      <>
        {/* an unnamed Value's label is already its op and data */}
        <text class="node-label" x={12} y={17}>{node.label}{node.named && node.op ? <tspan class="node-sub"> {node.op}</tspan> : null}</text>
        <text class="node-sub" x={12} y={35}>data {fmtNumber(node.data)} · grad {fmtNumber(node.grad)}</text>
      </>
    );
  }
  const mark = node.verdict ? ` ${VERDICT_MARK[node.verdict]}` : "";
  return (
    <>
      <text class="node-label" x={14} y={17}>{node.label}<tspan class="node-mark">{mark}</tspan></text>
      <text class="node-sub" x={14} y={33}>{node.shape ? fmtShape(node.shape) : ""}{values && node.data !== undefined ? ` data ${fmtNumber(node.data)}` : ""}</text>
    </>
  );
}

/** Keyboard navigation: Up/Down follow edges (inputs/consumers), Left/Right move within a layer. */
function neighbour(layout: Layout, from: string | undefined, key: string, values: boolean): string | undefined {
  if (!from || !layout.byId.has(from)) {
    return [...layout.nodes].sort((a, b) => a.y - b.y || a.x - b.x)[0]?.node.id;
  }
  const cur = layout.byId.get(from)!;
  // in the values layout data flows left → right, so the axes swap
  const back = values ? "ArrowLeft" : "ArrowUp", fwd = values ? "ArrowRight" : "ArrowDown";
  if (key === back || key === fwd) {
    const ids = layout.edges.filter((e) => (key === back ? e.to === from : e.from === from)).map((e) => (key === back ? e.from : e.to));
    const cands = ids.map((id) => layout.byId.get(id)).filter((x): x is LaidNode => !!x);
    cands.sort((a, b) => Math.abs(a.x - cur.x) + Math.abs(a.y - cur.y) - (Math.abs(b.x - cur.x) + Math.abs(b.y - cur.y)));
    return cands[0]?.node.id;
  }
  const sign = key === "ArrowRight" || key === "ArrowDown" ? 1 : -1;
  const cx = cur.x + cur.width / 2, cy = cur.y + cur.height / 2;
  let best: LaidNode | undefined;
  let bestScore = Infinity;
  for (const n of layout.nodes) {
    if (n === cur) continue;
    const dx = n.x + n.width / 2 - cx, dy = n.y + n.height / 2 - cy;
    const along = values ? dy : dx, across = values ? dx : dy;
    if (along * sign <= 0) continue;
    const score = Math.abs(along) + 3 * Math.abs(across);
    if (score < bestScore) {
      bestScore = score;
      best = n;
    }
  }
  return best?.node.id;
}
