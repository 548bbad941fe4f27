// The backward graph of the last loss.backward(), kept so the diagnosis can replay it: per-use
// gradient contributions of a tensor used more than once, and the "learner pass" that applies
// autograd's local rules to the learner's own upstream gradients (see firstWrong.ts).
//
// The engine releases each node's backward closure as backward runs (release()), and exposes no way
// to apply a node after that. captureGraph() therefore runs from the inspector's backward event —
// before the pass — and keeps a reference to every node's backward closure (GradFn.vjp, read here
// and nowhere else). The closures use the tensors saved in the forward pass, so a
// replay is faithful as long as the script has not modified those tensors in place since (the
// notebook's cmp calls come right after backward). See the report for the engine request that would
// make this an official API.
import { GradFn, Tensor, torch } from "../engine";
import { inspector } from "../engine/inspect";
import { topoOrder, type BackwardFn } from "../engine/autograd";

export interface CapturedNode {
  node: GradFn;
  /** position in `order` (0 = the root) */
  index: number;
  backward: BackwardFn | null;
  /** [input node, input index in next_functions] for each input that needs a gradient */
  inputs: (CapturedNode | null)[];
  /** nodes that consume this node's output, with the input slot they use */
  consumers: { node: CapturedNode; slot: number }[];
}

export interface CapturedGraph {
  root: Tensor;
  /** nodes in backward order: every node before the nodes it sends gradient to */
  order: CapturedNode[];
  byNode: Map<GradFn, CapturedNode>;
  /** true when every non-leaf node's backward closure could be kept */
  replayable: boolean;
  /**
   * A graph recorded elsewhere (the native backend's PyTorch graph): the node of each compared
   * tensor, which stands in for it here, and the replay done where the graph lives. `override` is
   * asked per node with a placeholder incoming gradient (the learner's value does not depend on it).
   */
  byTensor?: Map<Tensor, CapturedNode>;
  replayWith?: (override: (node: CapturedNode, incoming: Tensor) => Tensor | "taint" | undefined) => ReplayResult;
}

/** Record the graph below `root`; call it from the inspector's backward event, before the pass frees it. */
export function captureGraph(root: Tensor): CapturedGraph {
  const post = topoOrder(root.grad_fn ?? root._accumulator());
  const byNode = new Map<GradFn, CapturedNode>();
  const order = post.map((node, index) => {
    const c: CapturedNode = { node, index, backward: node.variable ? null : node.vjp, inputs: [], consumers: [] };
    byNode.set(node, c);
    return c;
  });
  for (const c of order) {
    c.inputs = c.node.next_functions.map(([next]) => (next ? byNode.get(next) ?? null : null));
    c.inputs.forEach((inp, slot) => inp?.consumers.push({ node: c, slot }));
  }
  const replayable = order.every((c) => c.node.variable !== undefined || c.backward !== null);
  return { root, order, byNode, replayable };
}

/** The node whose incoming gradient is `t`'s gradient (its grad_fn, or the leaf's AccumulateGrad). */
export function nodeOf(graph: CapturedGraph, t: Tensor): CapturedNode | undefined {
  if (graph.byTensor) return graph.byTensor.get(t);
  if (t.grad_fn) return graph.byNode.get(t.grad_fn);
  for (const c of graph.order) if (c.node.variable === t) return c;
  return undefined;
}

export interface Contribution {
  from: CapturedNode;
  slot: number;
  grad: Tensor;
}

export interface ReplayResult {
  /** the gradient arriving at each node (sum of its contributions), before any override */
  incoming: Map<CapturedNode, Tensor>;
  /** each contribution into a node, one per use of its output */
  contributions: Map<CapturedNode, Contribution[]>;
  /** nodes whose incoming gradient depends on an upstream override that could not be used */
  tainted: Set<CapturedNode>;
}

/**
 * Run the captured backward closures again. `override(node, incoming)` may replace the gradient that
 * leaves a node (the learner's manual gradient for a compared tensor), or return "taint" when the
 * learner's value is unusable (wrong shape, not written): every node fed by it is then tainted.
 * The inspector is muted meanwhile, so the replay's tensors are not mistaken for the script's.
 */
export function replay(
  graph: CapturedGraph,
  rootGrad: Tensor,
  override?: (node: CapturedNode, incoming: Tensor) => Tensor | "taint" | undefined,
): ReplayResult {
  if (graph.replayWith) return graph.replayWith(override ?? (() => undefined));
  const incoming = new Map<CapturedNode, Tensor>();
  const contributions = new Map<CapturedNode, Contribution[]>();
  const tainted = new Set<CapturedNode>();
  const pending = new Map<CapturedNode, Tensor>([[graph.order[0], rootGrad]]);
  inspector.muted(() => torch.no_grad(() => {
    for (const c of graph.order) {
      let g = pending.get(c);
      pending.delete(c);
      if (!g) continue;
      incoming.set(c, g);
      const o = override?.(c, g);
      if (o && o !== "taint") g = o;
      const taints = o === "taint" || tainted.has(c);
      if (!c.backward) continue;
      const grads = c.backward(g);
      c.inputs.forEach((next, slot) => {
        const gi = grads[slot];
        if (!next || !gi) return;
        if (taints) tainted.add(next);
        let list = contributions.get(next);
        if (!list) contributions.set(next, (list = []));
        list.push({ from: c, slot, grad: gi });
        const acc = pending.get(next);
        pending.set(next, acc ? acc.add(gi) : gi);
      });
    }
  }));
  return { incoming, contributions, tainted };
}
