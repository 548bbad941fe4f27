// The pictures a script displayed (graphviz Digraphs laid out by Graphviz), one at a time: a strip to
// pick one, wheel to zoom at the pointer, drag to pan, F or the button to fit, Export to save the SVG.
// The SVG is shown as an <img> (data: URL): it draws as Graphviz made it and runs no script.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Figure } from "../model";
import "./figures.css";

interface View { scale: number; x: number; y: number }

const PT = 4 / 3; // Graphviz sizes its SVG in points; CSS pixels are 3/4 pt
const MIN_SCALE = 0.05, MAX_SCALE = 8;
const clampScale = (s: number) => Math.min(MAX_SCALE, Math.max(MIN_SCALE, s));

/** The drawing's size in CSS pixels, from the SVG's width/height (pt) or its viewBox. */
export function figureSize(svg: string): { width: number; height: number } {
  const attr = (name: string) => new RegExp(`<svg[^>]*\\s${name}="([\\d.]+)(pt|px)?"`).exec(svg);
  const w = attr("width"), h = attr("height");
  if (w && h) return { width: Number(w[1]) * (w[2] === "px" ? 1 : PT), height: Number(h[1]) * (h[2] === "px" ? 1 : PT) };
  const vb = /viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"/.exec(svg);
  return vb ? { width: Number(vb[1]), height: Number(vb[2]) } : { width: 300, height: 150 };
}

/** The figure shown for a saved selection: the last one drawn until one is picked (a re-run may have fewer). */
export const figureIndex = (figures: readonly Figure[], selected: number | undefined): number =>
  Math.min(Math.max(0, selected ?? figures.length - 1), figures.length - 1);

export function Figures(p: { figures: Figure[]; selected: number | undefined; onSelect(i: number): void; onExport(): void }) {
  const index = figureIndex(p.figures, p.selected);
  const figure = p.figures[index];
  const size = useMemo(() => figureSize(figure.svg), [figure.svg]);
  const url = useMemo(() => `data:image/svg+xml;charset=utf-8,${encodeURIComponent(figure.svg)}`, [figure.svg]);
  const viewport = useRef<HTMLDivElement>(null);
  const [view, setView] = useState<View | undefined>(undefined);
  const drag = useRef<{ x: number; y: number; view: View } | undefined>(undefined);

  const fit = () => {
    const el = viewport.current;
    if (!el) return;
    const pad = 16;
    const w = Math.max(1, el.clientWidth - 2 * pad), h = Math.max(1, el.clientHeight - 2 * pad);
    // small graphs keep their natural size (as a notebook shows them); large ones shrink to fit
    const scale = clampScale(Math.min(1, w / size.width, h / size.height));
    setView({ scale, x: (el.clientWidth - size.width * scale) / 2, y: (el.clientHeight - size.height * scale) / 2 });
  };
  useLayoutEffect(fit, [figure.svg]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.key === "f" || e.key === "F") && !e.ctrlKey && !e.metaKey && !e.altKey) fit();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [size]);

  const zoomAt = (factor: number, cx: number, cy: number) => setView((v) => {
    if (!v) return v;
    const scale = clampScale(v.scale * factor);
    const k = scale / v.scale;
    return { scale, x: cx - (cx - v.x) * k, y: cy - (cy - v.y) * k };
  });
  const zoomCenter = (factor: number) => {
    const el = viewport.current;
    if (el) zoomAt(factor, el.clientWidth / 2, el.clientHeight / 2);
  };

  return (
    <div class="figures" data-testid="figures">
      <div class="figures-bar">
        {p.figures.length > 1 && (
          <div class="figure-strip" role="tablist" aria-label="Figures">
            {p.figures.map((f, i) => (
              <button role="tab" aria-selected={i === index} class={`figure-chip${i === index ? " active" : ""}`} onClick={() => p.onSelect(i)} title={figureLabel(f, i)}>
                {figureLabel(f, i)}
              </button>
            ))}
          </div>
        )}
        {p.figures.length === 1 && <span class="dim figure-caption">{figureLabel(figure, 0)}</span>}
        <span class="spacer" />
        <span class="dim figure-zoom" data-testid="figure-zoom">{view ? `${Math.round(view.scale * 100)}%` : ""}</span>
        <button class="icon-button" title="Zoom out" onClick={() => zoomCenter(1 / 1.25)}><span class="codicon codicon-zoom-out" /></button>
        <button class="icon-button" title="Zoom in" onClick={() => zoomCenter(1.25)}><span class="codicon codicon-zoom-in" /></button>
        <button class="icon-button" title="Fit to view (F)" data-testid="figure-fit" onClick={fit}><span class="codicon codicon-screen-full" /></button>
        <button class="icon-button" title="Export as SVG" data-testid="figure-export" onClick={p.onExport}><span class="codicon codicon-export" /></button>
      </div>
      <div
        class="figure-view"
        ref={viewport}
        onWheel={(e) => {
          e.preventDefault();
          const r = viewport.current!.getBoundingClientRect();
          zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
        }}
        onPointerDown={(e) => {
          if (!view || e.button !== 0) return;
          drag.current = { x: e.clientX, y: e.clientY, view };
          (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
        }}
        onPointerMove={(e) => {
          const d = drag.current;
          if (d) setView({ ...d.view, x: d.view.x + e.clientX - d.x, y: d.view.y + e.clientY - d.y });
        }}
        onPointerUp={() => void (drag.current = undefined)}
      >
        <img
          class="figure-image"
          src={url}
          alt={figure.title ?? "graph"}
          draggable={false}
          width={size.width}
          height={size.height}
          style={view ? { transform: `translate(${view.x}px, ${view.y}px) scale(${view.scale})` } : { visibility: "hidden" }}
        />
      </div>
    </div>
  );
}

function figureLabel(f: Figure, i: number): string {
  return [f.title ?? `Figure ${i + 1}`, f.cell !== undefined ? `cell ${f.cell + 1}` : undefined].filter(Boolean).join(" · ");
}
