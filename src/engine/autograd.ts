// The autograd graph: one GradFn per op output, torch-like (name(), next_functions), and the backward
// pass. Backward walks nodes in an order computed iteratively (graphs can be 100k nodes deep).
import { TorchError, fmtShape } from "./errors";
import { inspector } from "./inspect";
import { collectAllocations, DTYPE_LABEL, releaseStorage, type Storage } from "./dtype";
import type { Tensor } from "./tensor";

let gradEnabled = true;
export const isGradEnabled = (): boolean => gradEnabled;
export function setGradEnabled(on: boolean): void {
  gradEnabled = on;
}

/** Run `fn` with autograd recording off; restores the previous mode even if `fn` throws. */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

export type Edge = [GradFn | null, number];
/** Computes the gradient of each input from the gradient of the output (null: no gradient). */
export type BackwardFn = (grad: Tensor) => (Tensor | null)[];

let nextNodeId = 1;
/** @internal the node id counter, for the Python live mode's snapshots (src/python/live.ts) */
export const nodeIds = { next: (): number => nextNodeId, setNext(n: number): void { nextNodeId = n; } };

/**
 * A tensor whose values a backward function reads, with its version counter's value when the op ran
 * (PyTorch's SavedVariable): an in-place change of it before the backward is an error there, not a
 * silently different gradient.
 */
interface SavedTensor {
  t: Tensor;
  version: number;
  /** saved as this node's own output (else the message names the tensor's grad_fn at the check, as PyTorch does) */
  isOutput: boolean;
}

export class GradFn {
  readonly id = nextNodeId++;
  /** The tensor this node produced (kept so retain_grad and the inspector can store its grad). */
  output: Tensor | null = null;
  released = false;
  private saved: SavedTensor[] | null = null;
  constructor(
    private readonly label: string,
    public readonly next_functions: Edge[],
    public readonly outputShape: number[],
    private backwardFn: BackwardFn | null,
    /** Only for AccumulateGrad: the leaf whose .grad it fills. */
    public readonly variable?: Tensor,
  ) {}
  name(): string {
    return this.label;
  }
  apply(grad: Tensor): (Tensor | null)[] {
    if (this.released || !this.backwardFn) {
      throw new TorchError(
        `${this.label}: Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). ` +
          "Specify retain_graph=true if you need to backward through the graph a second time.",
      );
    }
    if (this.saved) this.checkSaved(this.saved);
    return this.backwardFn(grad);
  }
  /** Remembers the versions of the tensors the backward reads (`out`: this node's output). */
  save(tensors: readonly (Tensor | null)[], out: Tensor): void {
    for (const t of tensors) {
      if (!t) continue;
      (this.saved ??= []).push({ t, version: t._version.value, isOutput: t === out });
    }
  }
  private checkSaved(saved: SavedTensor[]): void {
    for (const s of saved) {
      const now = s.t._version.value;
      if (now === s.version) continue;
      const outputOf = s.isOutput ? this.label : s.t.grad_fn?.name();
      throw new TorchError(
        `one of the variables needed for gradient computation has been modified by an inplace operation: ` +
          `[torch.${DTYPE_LABEL[s.t.dtype]}Tensor ${fmtShape(s.t.shape)}]${outputOf ? `, which is output 0 of ${outputOf},` : ""} ` +
          `is at version ${now}; expected version ${s.version} instead. Hint: ${this.label} needs its values as they were when it ran; ` +
          "something changed them in place since (an op ending in _, +=, -=, *=, /=, an index assignment, copy_), " +
          "so its gradient would be wrong. Make that change out of place (y = y + 1) or on a .clone(), or after backward().",
      );
    }
  }
  release(): void {
    this.released = true;
    this.backwardFn = null;
    this.saved = null;
  }
  /** The node's vector–Jacobian product while the graph is alive (null once freed, or for leaves). */
  get vjp(): BackwardFn | null {
    return this.backwardFn;
  }
  toString(): string {
    return `<${this.label} object #${this.id}>`;
  }
}

/** The edge a new node keeps to one of its inputs. */
export function edgeTo(t: Tensor): Edge {
  if (!t.requires_grad) return [null, 0];
  if (t.grad_fn) return [t.grad_fn, 0];
  return [t._accumulator(), 0];
}

/**
 * Attach a GradFn to `out` when recording is on and some input requires grad. `backward` receives
 * the output's gradient and returns one gradient per input (it runs with recording off). `saved`:
 * the tensors whose values `backward` reads (inputs or `out`), as PyTorch saves them for that op.
 */
export function record(out: Tensor, label: string, inputs: readonly Tensor[], backward: BackwardFn, saved?: readonly (Tensor | null)[]): Tensor {
  if (!gradEnabled || !inputs.some((t) => t.requires_grad)) return out;
  const node = new GradFn(label, inputs.map(edgeTo), out.shape, backward);
  if (saved) node.save(saved, out);
  node.output = out;
  out._setGradFn(node);
  return out;
}

export interface BackwardHooks {
  /** Adds two gradient contributions (the same kernel as Tensor.add). */
  add(a: Tensor, b: Tensor): Tensor;
  /**
   * add(a, b) written into a's storage (a contiguous, and the sum of a's shape and dtype); false,
   * having written nothing, when that does not hold.
   */
  addInto(a: Tensor, b: Tensor): boolean;
  /** A contiguous copy detached from any graph. */
  copy(t: Tensor): Tensor;
}

/** Nodes reachable from `start`, in an order where every node precedes the nodes it feeds into. */
export function topoOrder(start: GradFn): GradFn[] {
  const post: GradFn[] = [];
  const seen = new Set<GradFn>([start]);
  const stack: [GradFn, number][] = [[start, 0]];
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [node, i] = top;
    if (i < node.next_functions.length) {
      top[1] = i + 1;
      const next = node.next_functions[i][0];
      if (next && !seen.has(next)) {
        seen.add(next);
        stack.push([next, 0]);
      }
    } else {
      stack.pop();
      post.push(node);
    }
  }
  return post.reverse();
}

/**
 * Which gradients the backward pass may reuse instead of copying. A gradient's storage belongs to
 * the pass alone when the pass allocated it (so no user tensor, saved tensor or .grad holds it) and
 * no other pending gradient shares it; such a gradient can become a leaf's .grad as it is, and a
 * second contribution can be added into it in place. Backward functions therefore must not keep
 * what they return. Off while the inspector's onCreate may hold on to every new tensor; a tensor
 * shown to onNonFinite is handed over (never written into again).
 */
class GradOwnership {
  // weak, so that a long pass does not keep every intermediate it allocated alive until it ends
  private readonly fresh = new WeakSet<Storage>();
  /** How many pending gradients use each storage. */
  private readonly refs = new WeakMap<Storage, number>();
  private readonly prevCollector: WeakSet<Storage> | null;
  constructor() {
    this.prevCollector = collectAllocations(this.fresh);
  }
  end(): void {
    collectAllocations(this.prevCollector);
  }
  held(t: Tensor): void {
    this.refs.set(t._storage, (this.refs.get(t._storage) ?? 0) + 1);
  }
  released(t: Tensor): void {
    this.refs.set(t._storage, (this.refs.get(t._storage) ?? 1) - 1);
  }
  /** t is the only user of a storage this pass allocated, and covers all of it. */
  owns(t: Tensor, pendingUses: number): boolean {
    const s = t._storage;
    return this.fresh.has(s) && (this.refs.get(s) ?? 0) === pendingUses &&
      t._offset === 0 && s.length === t.numel() && t.is_contiguous();
  }
  /** t's storage is used up: nothing else holds it, so the next allocation of its size may take it. */
  recycle(t: Tensor): void {
    if (!this.owns(t, 0)) return;
    this.fresh.delete(t._storage);
    releaseStorage(t._storage);
  }
  /** t leaves the pass (as a .grad): nothing may write into its storage any more. */
  handOver(t: Tensor): void {
    this.fresh.delete(t._storage);
  }
}

export function runBackward(root: Tensor, grad: Tensor, retainGraph: boolean, hooks: BackwardHooks): void {
  if (!root.requires_grad) {
    throw new TorchError("element 0 of tensors does not require grad and does not have a grad_fn");
  }
  if (grad.numel() !== root.numel()) {
    throw new TorchError(`backward: Mismatch in shape: grad_output[0] has a shape of ${fmtShape(grad.shape)} and output[0] has a shape of ${fmtShape(root.shape)}.`);
  }
  inspector.onBackward?.(root);
  const start = root.grad_fn ?? root._accumulator();
  const order = topoOrder(start);
  const pending = new Map<GradFn, Tensor>([[start, grad]]);
  const own = inspector.onCreate ? null : new GradOwnership();
  own?.held(grad);
  // a tensor shown to a nonFinite watcher may be kept by it: it is never written into afterwards
  const handing = own && inspector.onNonFinite ? inspector.on("nonFinite", (t) => own.handOver(t)) : undefined;
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    for (const node of order) {
      const g = pending.get(node);
      if (!g) continue;
      pending.delete(node);
      own?.released(g);
      if (node.variable) {
        const v = node.variable;
        if (v.grad) v.grad = hooks.add(v.grad, g);
        else if (own?.owns(g, 0)) {
          own.handOver(g);
          v.grad = g.detach();
          continue;
        } else v.grad = hooks.copy(g);
        own?.recycle(g);
        continue;
      }
      const out = node.output;
      if (out && (out.retains_grad || inspector.retainAllGrads)) {
        out.grad = out.grad ? hooks.add(out.grad, g) : hooks.copy(g);
      }
      const inputGrads = node.apply(g);
      const edges = node.next_functions;
      for (let i = 0; i < edges.length; i++) {
        const next = edges[i][0], gi = inputGrads[i];
        if (!next || !gi) continue;
        const acc = pending.get(next);
        if (!acc) {
          pending.set(next, gi);
          own?.held(gi);
        } else if (!(own?.owns(acc, 1) && acc._storage !== gi._storage && hooks.addInto(acc, gi))) {
          const sum = hooks.add(acc, gi);
          pending.set(next, sum);
          own?.released(acc);
          own?.held(sum);
        }
      }
      own?.recycle(g);
      if (!retainGraph) node.release();
    }
  } finally {
    gradEnabled = prev;
    own?.end();
    handing?.dispose();
  }
}
