// The graph as drawn: folded (chains of unnamed ops) and laid out off the render path. A layout is
// tagged with the micrograd root (viewKey) it was made for, so another root's layout is never shown.
import { useEffect, useMemo, useState } from "preact/hooks";
import type { Graph } from "../model";
import { foldChains, layoutGraph, type DisplayGraph, type Layout } from "./layout";

export interface GraphLayout {
  display: DisplayGraph | undefined;
  /** undefined while laying out, or when there is nothing to lay out */
  layout: Layout | undefined;
  layoutError: string | undefined;
}

export function useGraphLayout(graph: Graph | undefined, values: boolean | undefined, fold: boolean, unfolded: readonly string[], viewKey: string): GraphLayout {
  const [laid, setLaid] = useState<{ of: string; layout: Layout } | undefined>(undefined);
  const [layoutError, setLayoutError] = useState<string | undefined>(undefined);
  const display = useMemo(
    () => (graph ? foldChains(graph, fold, new Set(unfolded)) : undefined),
    [graph, fold, unfolded.join("\u0000")],
  );
  useEffect(() => {
    if (!display || values === undefined || display.nodes.length === 0) {
      setLaid(undefined);
      return;
    }
    let cancelled = false;
    setLayoutError(undefined);
    layoutGraph(display, values).then(
      (l) => !cancelled && setLaid({ of: viewKey, layout: l }),
      (e) => !cancelled && setLayoutError(e instanceof Error ? e.message : String(e)),
    );
    return () => void (cancelled = true);
  }, [display]);
  return { display, layout: laid?.of === viewKey ? laid.layout : undefined, layoutError };
}
