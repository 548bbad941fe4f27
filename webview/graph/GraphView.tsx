// The computation graph as SVG: pan (drag), zoom (wheel, +/-), fit (F or the toolbar), keyboard
// navigation along edges, and culling — only nodes and edges inside the viewport are in the DOM, so a
// 1,000-node graph stays smooth.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { fmtNumber, fmtShape } from "../model";
import type { Layout, LaidNode } from "./layout";

export interface View {
  x: number;
  y: number;
  k: number;
}

export interface GraphViewProps {
  layout: Layout;
  values: boolean;
  selected?: string;
  /** node of the editor's cursor line */
  cursor?: string;
  firstWrong?: string;
  /** initial transform (restored state); fit when absent */
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

export function fitView(layout: Layout, w: number, h: number): View {
  const pad = 24;
  const k = Math.min(MAX_K, Math.max(MIN_K, Math.min((w - 2 * pad) / Math.max(1, layout.width), (h - 2 * pad) / Math.max(1, layout.height), 1.25)));
  return { k, x: (w - layout.width * k) / 2, y: (h - layout.height * k) / 2 };
}

/** Readable zoom for a small graph: the whole graph if it fits legibly, else centered on the first
 * wrong node (or the top) at a zoom where labels can be read. */
const READABLE_K = 1;

function initialView(layout: Layout, w: number, h: number, focus?: string): View {
  const fit = fitView(layout, w, h);
  if (fit.k >= READABLE_K || layout.nodes.length > 400) return fit;
  const k = READABLE_K;
  const n = focus !== undefined ? layout.byId.get(focus) : undefined;
  const cx = n ? n.x + n.width / 2 : layout.width / 2;
  const x = Math.min(24, Math.max(w - 24 - layout.width * k, w / 2 - cx * k));
  const y = n ? Math.min(24, Math.max(h - 24 - layout.height * k, h / 2 - (n.y + n.height / 2) * k)) : 24;
  return { k, x: layout.width * k <= w ? (w - layout.width * k) / 2 : x, y };
}

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

  // fit on a new layout (unless a view was restored) and on request
  const lastFit = useRef(-1);
  const lastLayout = useRef<Layout | undefined>(undefined);
  useEffect(() => {
    if (size.w === 0) return;
    // a re-run with the same structure keeps the user's view
    const newLayout = lastLayout.current?.key !== p.layout.key;
    const restored = newLayout && lastLayout.current === undefined && p.view !== undefined;
    if ((newLayout && !restored) || lastFit.current !== p.fitRequest) {
      const explicit = lastFit.current !== p.fitRequest && lastFit.current !== -1;
      lastFit.current = p.fitRequest;
      const v = explicit ? fitView(p.layout, size.w, size.h) : initialView(p.layout, size.w, size.h, p.firstWrong);
      setView(v);
      p.onView(v);
    }
    lastLayout.current = p.layout;
  }, [p.layout, p.fitRequest, size.w, size.h]);

  const v = view ?? { x: 0, y: 0, k: 1 };
  const commit = (nv: View) => {
    setView(nv);
    p.onView(nv);
  };
  const zoomAt = (factor: number, cx: number, cy: number) => {
    const cur = viewRef.current ?? v;
    const k = Math.min(MAX_K, Math.max(MIN_K, cur.k * factor));
    const f = k / cur.k;
    commit({ k, x: cx - (cx - cur.x) * f, y: cy - (cy - cur.y) * f });
  };

  // bring the selected / cursor node into view when it is outside
  const focusId = p.cursor ?? p.selected;
  useEffect(() => {
    if (!focusId || !view || size.w === 0) return;
    const n = p.layout.byId.get(focusId);
    if (!n) return;
    const sx = n.x * v.k + v.x, sy = n.y * v.k + v.y;
    if (sx < 0 || sy < 0 || sx + n.width * v.k > size.w || sy + n.height * v.k > size.h) {
      commit({ k: v.k, x: size.w / 2 - (n.x + n.width / 2) * v.k, y: size.h / 2 - (n.y + n.height / 2) * v.k });
    }
  }, [focusId, p.layout.key]);

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

  const detail = v.k >= 0.45; // labels are unreadable below this zoom; skip them
  const related = useMemo(() => {
    const s = new Set<string>();
    if (!p.selected) return s;
    for (const e of p.layout.edges) if (e.from === p.selected || e.to === p.selected) s.add(`${e.from}>${e.to}`);
    return s;
  }, [p.layout, p.selected]);

  const onKey = (e: KeyboardEvent) => {
    const c = { x: size.w / 2, y: size.h / 2 };
    if (e.key === "+" || e.key === "=") zoomAt(1.25, c.x, c.y);
    else if (e.key === "-" || e.key === "_") zoomAt(0.8, c.x, c.y);
    else if (e.key === "f" || e.key === "F" || e.key === "0") commit(fitView(p.layout, size.w, size.h));
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
      aria-label="Computation graph. Arrow keys move between nodes, Enter reveals the line, F fits, + and - zoom."
      data-nodes={p.layout.nodes.length}
      data-rendered={nodes.length}
      data-zoom={v.k.toFixed(4)}
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
        setView({ k: v.k, x: d.vx + dx, y: d.vy + dy });
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
              <polyline
                key={`${e.from}>${e.to}`}
                class={`edge${related.has(`${e.from}>${e.to}`) ? " edge-related" : ""}`}
                points={e.points.map((q) => `${q.x},${q.y}`).join(" ")}
                marker-end={detail ? "url(#arrow)" : undefined}
              />
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
                onClick={(ev) => {
                  if (drag.current?.moved) return;
                  p.onSelect(n.node.id);
                  if (n.node.members && ev.detail === 2) p.onToggleChain(n.node.id);
                  else p.onActivate(n.node.id);
                }}
              />
            ))}
          </g>
        </g>
      </svg>
    </div>
  );
}

function NodeShape(p: { n: LaidNode; detail: boolean; values: boolean; selected: boolean; cursor: boolean; firstWrong: boolean; onClick(e: MouseEvent): void }) {
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
      onClick={p.onClick}
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
        <text class="node-label" x={12} y={17}>{node.label}{node.op ? <tspan class="node-sub"> {node.op}</tspan> : null}</text>
        <text class="node-sub" x={12} y={35}>data {fmtNumber(node.data)} · grad {fmtNumber(node.grad)}</text>
      </>
    );
  }
  const mark = node.verdict === "exact" || node.verdict === "approximate" ? (node.verdict === "exact" ? " ✓" : " ≈")
    : node.verdict ? " ✗" : "";
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
