// What the panel keeps across hiding and window reloads (the host's getState/setState): the tab,
// selection, sort, folding, zoom, the last finite-difference check and, for small traces, the last run.
import { useRef, useState } from "preact/hooks";
import type { FiniteDifferenceReport } from "../src/protocol/trace";
import type { View } from "./graph/GraphView";
import type { Host } from "./host";
import type { PanelModel, ValueRoot } from "./model";
import type { TableState } from "./components/CmpTable";
import { modelFromTrace } from "./traceAdapter";
import type { Snapshot } from "./usePanelMessages";

export type Tab = "graph" | "checks" | "training" | "figures";

/** What is kept across reloads (never the trace: the host resends it after `ready`). */
export interface SavedState {
  tab?: Tab;
  table: TableState;
  selectedCmp?: number;
  selectedNode?: string;
  fold: boolean;
  unfolded: string[];
  logScale: boolean;
  /** the graph's view per micrograd root (rootKey), "" for a tensor graph */
  views?: Record<string, View>;
  /** the micrograd root drawn (rootKey), when the learner picked one */
  valueRoot?: string;
  /** the figure shown in the Figures tab */
  figure?: number;
  /** the last finite-difference check (Check gradient), shown in its tensor's drawer; `unmatched`: the run shown has no such tensor */
  fd?: { uri: string; report: FiniteDifferenceReport; at: number; unmatched?: boolean };
  /** the last run shown, so a window reload shows it again until the next run (small traces only) */
  last?: { uri?: string; version?: number; trace: unknown };
}

/** Traces larger than this (as JSON) are not kept in the webview's state across reloads. */
export const KEEP_TRACE_CHARS = 1_000_000;

const DEFAULT_STATE: SavedState = { table: { sort: "order", descending: false, onlyBad: false }, fold: true, unfolded: [], logScale: false };

function restore(raw: unknown): SavedState {
  if (!raw || typeof raw !== "object") return DEFAULT_STATE;
  const s = raw as Partial<SavedState>;
  return { ...DEFAULT_STATE, ...s, table: { ...DEFAULT_STATE.table, ...(s.table ?? {}) }, unfolded: Array.isArray(s.unfolded) ? s.unfolded : [] };
}

/**
 * The saved state, and `save(patch)` / `update(fn)` that change it and hand it to the host.
 * `keepLast(last)` stores the last run with it without a render: only a reload reads it (`last`).
 */
export function useSavedState(host: Host) {
  const [initial] = useState(() => restore(host.getState()));
  const [saved, setSaved] = useState<SavedState>(() => withoutLast(initial));
  // what the host holds: the rendered state plus the last run
  const held = useRef<{ state: SavedState; last: SavedState["last"] }>({ state: saved, last: initial.last });
  const hand = () => host.setState(held.current.last ? { ...held.current.state, last: held.current.last } : held.current.state);
  const update = (change: (s: SavedState) => SavedState) => {
    setSaved((s) => {
      const next = change(s);
      held.current.state = next;
      hand();
      return next;
    });
  };
  const save = (patch: Partial<SavedState>) => update((s) => ({ ...s, ...patch }));
  const keepLast = (last: SavedState["last"]) => {
    held.current.last = last;
    hand();
  };
  return { saved, save, update, keepLast, last: initial.last };
}

function withoutLast({ last: _last, ...rest }: SavedState): SavedState {
  return rest;
}

/** The saved last run as a snapshot, or undefined when there is none or it no longer reads. */
export function restoredSnapshot(last: SavedState["last"]): Snapshot | undefined {
  if (!last) return undefined;
  try {
    return { uri: last.uri, version: last.version, stale: false, model: modelFromTrace(last.trace, last.uri), restored: true };
  } catch {
    return undefined;
  }
}

/** A micrograd root across re-runs (its node id changes with every run): its name and line. */
export const rootKey = (r: ValueRoot) => `${r.name}:${r.line ?? ""}`;

/** The root a saved key names in this run: the same name and line, else the same name. */
export function savedRoot(roots: readonly ValueRoot[], key: string | undefined): ValueRoot | undefined {
  if (key === undefined) return undefined;
  return roots.find((r) => rootKey(r) === key) ?? roots.find((r) => r.name === key.slice(0, key.lastIndexOf(":")));
}

/** Where a checked tensor's drawer opens: its cmp row in Checks, else its graph node. */
export function drawerOf(model: PanelModel | undefined, name: string): Partial<SavedState> | undefined {
  const key = model && [...model.tensors.values()].find((t) => t.name === name)?.key;
  const row = model?.comparisons.findLast((c) => (key !== undefined && c.tensorKey === key) || c.name === name);
  if (row) return { tab: "checks", selectedCmp: row.index, selectedNode: row.nodeId };
  const node = model?.graph.nodes.find((n) => n.named && (n.tensorKey === key || n.label === name));
  return node ? { tab: "graph", selectedNode: node.id, selectedCmp: undefined } : undefined;
}

/** The tab shown when the learner has not picked one: what the run has to show. */
export function defaultTab(model: PanelModel | undefined, partialSeries: number): Tab {
  if (model?.figures.length && model.comparisons.length === 0) return "figures";
  if (model?.values) return "graph";
  if (partialSeries > 0 || (model && model.comparisons.length === 0 && model.series.length > 0)) return "training";
  return "checks";
}
