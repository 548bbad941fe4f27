// The graph as drawn: folded (chains of unnamed ops) and laid out off the render path. A layout is
// tagged with the micrograd root (viewKey) it was made for, so another root's layout is never shown.
// A structure laid out before (a re-run of the same script) gets its layout in the same render.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Graph } from "../model";
import { foldChains, knownLayout, layoutGraph, type DisplayGraph, type Layout } from "./layout";

export interface GraphLayout {
  display: DisplayGraph | undefined;
  /** undefined while laying out, or when there is nothing to lay out */
  layout: Layout | undefined;
  layoutError: string | undefined;
}

export function useGraphLayout(graph: Graph | undefined, values: boolean | undefined, fold: boolean, unfolded: readonly string[], viewKey: string): GraphLayout {
  // the layout shown last, and the root it was made for; a finished layout run renders again (`setDone`)
  const laid = useRef<{ of: string; layout: Layout } | undefined>(undefined);
  const [, setDone] = useState(0);
  const [layoutError, setLayoutError] = useState<string | undefined>(undefined);
  const display = useMemo(
    () => (graph ? foldChains(graph, fold, new Set(unfolded)) : undefined),
    [graph, fold, unfolded.join("\u0000")],
  );
  const empty = !display || values === undefined || display.nodes.length === 0;
  const known = useMemo(() => (empty ? undefined : knownLayout(display, values)), [display, values]);
  if (empty) laid.current = undefined;
  else if (known) laid.current = { of: viewKey, layout: known };
  useEffect(() => {
    if (empty) return;
    setLayoutError(undefined);
    if (known) return;
    let cancelled = false;
    layoutGraph(display, values).then(
      (l) => {
        if (cancelled) return;
        laid.current = { of: viewKey, layout: l };
        setDone((n) => n + 1);
      },
      (e) => !cancelled && setLayoutError(e instanceof Error ? e.message : String(e)),
    );
    return () => void (cancelled = true);
  }, [display]);
  return { display, layout: laid.current?.of === viewKey ? laid.current.layout : undefined, layoutError };
}
