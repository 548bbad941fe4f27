// Graphviz for Python's `graphviz` module (src/python/site/graphviz/): real Graphviz compiled to
// WebAssembly (@viz-js/viz). Python calls the host synchronously, so the instance is made (~50 ms,
// once per worker) before a run starts.
import { instance, type Viz } from "@viz-js/viz";

let viz: Viz | undefined;
let loading: Promise<Viz> | undefined;

export function loadGraphviz(): Promise<Viz> {
  loading ??= instance().then((v) => (viz = v));
  return loading;
}

/** Lays out DOT text with `engine` and returns the `format` output; throws Graphviz's own error. */
export function renderDot(source: string, engine: string, format: string): string {
  if (!viz) throw new Error("Graphviz is not loaded (loadGraphviz() first)");
  const r = viz.render(source, { engine, format });
  if (r.status === "success") return r.output;
  throw new Error(r.errors.map((e) => `${e.level === "warning" ? "Warning" : "Error"}: ${e.message}`).join("\n") || "Graphviz failed");
}

export function graphvizVersion(): string {
  if (!viz) throw new Error("Graphviz is not loaded (loadGraphviz() first)");
  return viz.graphvizVersion;
}
