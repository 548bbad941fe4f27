// What the runner, the diagnosis and the finite-difference probes watch while a script runs: each
// subscribes with `inspector.on(event, fn)` and disposes the subscription; user code never does.
import type { Comparison } from "./cmp";
import type { Tensor } from "./tensor";

export interface InspectorEvents {
  /** loss.backward() starts from `root` (before the pass frees its graph) */
  backward: (root: Tensor) => void;
  /** a cmp call (TypeScript's cmp, or Python's through the host) with both gradients */
  comparison: (c: Comparison, manual: Tensor | null | undefined, t: Tensor | null | undefined) => void;
  /** an op output that first contains NaN/Inf */
  nonFinite: (t: Tensor, op: string) => void;
  /** a scalar series point logged with `log(name, value, step?)` (loss curves) */
  log: (name: string, value: number, step: number | undefined) => void;
  /** every tensor an op creates (naming and graphs) */
  create: (t: Tensor) => void;
}
export type InspectorEvent = keyof InspectorEvents;

export interface Subscription {
  dispose(): void;
}

export interface SubscribeOptions {
  /** while subscribed, every non-leaf tensor keeps its .grad after backward, as if retain_grad() had been called */
  retainGrads?: boolean;
}

const EVENTS: readonly InspectorEvent[] = ["backward", "comparison", "nonFinite", "log", "create"];
const FIELD = { backward: "onBackward", comparison: "onComparison", nonFinite: "onNonFinite", log: "onLog", create: "onCreate" } as const;

export class Inspector {
  // One derived field per event: undefined while nobody listens (or muted), else one function that
  // calls every listener. An op's hot path pays a single field read to know whether to report.
  readonly onBackward?: InspectorEvents["backward"];
  readonly onComparison?: InspectorEvents["comparison"];
  readonly onNonFinite?: InspectorEvents["nonFinite"];
  readonly onLog?: InspectorEvents["log"];
  readonly onCreate?: InspectorEvents["create"];
  /** Some subscriber asked for every non-leaf grad to be kept (see SubscribeOptions.retainGrads). */
  readonly retainAllGrads: boolean = false;

  private readonly listeners: Record<InspectorEvent, readonly Listener[]> = { backward: [], comparison: [], nonFinite: [], log: [], create: [] };
  private retainers = 0;
  private mutedDepth = 0;

  on<E extends InspectorEvent>(event: E, fn: InspectorEvents[E], opts?: SubscribeOptions): Subscription {
    return this.subscribe({ [event]: fn }, opts);
  }

  /** Several events at once, disposed together. */
  subscribe(listeners: Partial<InspectorEvents>, opts: SubscribeOptions = {}): Subscription {
    // lists are replaced, never changed in place, so a dispatch under way keeps its own
    const edit = (change: (list: readonly Listener[], fn: Listener) => readonly Listener[]) => {
      for (const e of EVENTS) {
        const fn = listeners[e] as Listener | undefined;
        if (fn) this.listeners[e] = change(this.listeners[e], fn);
      }
    };
    edit((list, fn) => [...list, fn]);
    if (opts.retainGrads) this.retainers++;
    this.refresh();
    let live = true;
    return {
      dispose: () => {
        if (!live) return;
        live = false;
        edit((list, fn) => {
          const at = list.indexOf(fn);
          return [...list.slice(0, at), ...list.slice(at + 1)];
        });
        if (opts.retainGrads) this.retainers--;
        this.refresh();
      },
    };
  }

  /** Run `fn` with every event silenced (a diagnosis replay's tensors are not the script's). */
  muted<T>(fn: () => T): T {
    this.mutedDepth++;
    this.refresh();
    try {
      return fn();
    } finally {
      this.mutedDepth--;
      this.refresh();
    }
  }

  /** Recompute the derived fields (the only place that writes them). */
  private refresh(): void {
    const fields = this as unknown as Record<string, unknown>;
    for (const e of EVENTS) fields[FIELD[e]] = this.mutedDepth ? undefined : dispatcher(this.listeners[e]);
    fields.retainAllGrads = this.retainers > 0;
  }
}

type Listener = (...a: unknown[]) => void;

function dispatcher(list: readonly Listener[]): Listener | undefined {
  if (list.length === 0) return undefined;
  if (list.length === 1) return list[0];
  return (...a) => {
    for (const f of list) f(...a);
  };
}

export const inspector = new Inspector();

/**
 * Log one point of a scalar series (e.g. the training loss) so the panel can draw its curve. Outside
 * the runner it does nothing, so a script runs unchanged with plain Node.
 */
export function log(name: string, value: number, step?: number): void {
  inspector.onLog?.(name, value, step);
}
