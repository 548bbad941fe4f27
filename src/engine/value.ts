// Scalar autograd (micrograd): a Value wraps one float64, its gradient, the Values it was made from
// and the op that made it. Every op's forward and backward sit side by side; gradients accumulate
// (+=) so a Value used twice gets the sum of both paths. backward() sorts the graph iteratively, so a
// 100k-deep chain does not overflow the JavaScript stack.

export type Scalar = number | Value;

let nextId = 1;

const enum Step { None, Add, Mul, Pow, Exp, Log, Tanh, Relu, Sigmoid }
let traversal = 0;

export interface ValueGraphNode {
  id: number;
  op: string;
  label?: string;
  data: number;
  grad: number;
}

export interface ValueGraph {
  /** every Value reachable from the root, root last (topological order: inputs before outputs) */
  nodes: ValueGraphNode[];
  /** data flow: `from` is an input of `to` (one edge per distinct parent) */
  edges: { from: number; to: number }[];
}

export class Value {
  // fields are assigned in the constructor (not class-field initialisers): graphs have millions of
  // Values and define-semantics fields make each construction several times slower
  declare data: number;
  declare grad: number;
  /** the Values this one was computed from (an operand used twice appears twice) */
  declare readonly prev: readonly Value[];
  /** the op that produced it ("" for a leaf), e.g. "+", "*", "tanh", "**2" */
  declare readonly op: string;
  declare label: string | undefined;
  /** stable and unique per object: equal data never merges two nodes */
  declare readonly id: number;
  /** which local chain-rule step backward() applies (a switch, not a closure per Value) */
  private declare step: Step;
  /** the exponent of a `**k` Value */
  private declare k: number;
  /** traversal stamp: the topological sort marks visited nodes without a Set */
  private declare visitMark: number;

  constructor(data: number, prev: readonly Value[] = [], op = "", label?: string) {
    this.data = data;
    this.grad = 0;
    this.prev = prev;
    this.op = op;
    this.id = nextId++;
    this.step = Step.None;
    this.k = 0;
    this.visitMark = 0;
    this.label = label;
  }

  static from(x: Scalar): Value {
    return x instanceof Value ? x : new Value(x);
  }

  /** a new Value made by `op` from `prev`; `step` says which chain-rule step backward() applies */
  private static make(data: number, prev: Value[], op: string, step: Step, k = 0): Value {
    const out = new Value(data, prev, op);
    out.step = step;
    out.k = k;
    return out;
  }

  add(other: Scalar): Value {
    const o = Value.from(other);
    return Value.make(this.data + o.data, [this, o], "+", Step.Add);
  }

  mul(other: Scalar): Value {
    const o = Value.from(other);
    return Value.make(this.data * o.data, [this, o], "*", Step.Mul);
  }

  /** this ** k for a number exponent */
  pow(k: number): Value {
    if (typeof k !== "number") throw new TypeError("Value.pow: only number exponents are supported");
    return Value.make(this.data ** k, [this], `**${k}`, Step.Pow, k);
  }

  exp(): Value {
    return Value.make(Math.exp(this.data), [this], "exp", Step.Exp);
  }

  log(): Value {
    return Value.make(Math.log(this.data), [this], "log", Step.Log);
  }

  tanh(): Value {
    return Value.make(Math.tanh(this.data), [this], "tanh", Step.Tanh);
  }

  relu(): Value {
    return Value.make(this.data < 0 ? 0 : this.data, [this], "ReLU", Step.Relu);
  }

  sigmoid(): Value {
    return Value.make(1 / (1 + Math.exp(-this.data)), [this], "sigmoid", Step.Sigmoid);
  }

  /** This Value's local chain-rule step: add its share of this.grad into its inputs' grads. */
  private backwardStep(): void {
    const g = this.grad, prev = this.prev;
    switch (this.step) {
      case Step.None: return;
      case Step.Add: prev[0].grad += g; prev[1].grad += g; return;
      case Step.Mul: {
        const a = prev[0], b = prev[1];
        a.grad += b.data * g;
        b.grad += a.data * g;
        return;
      }
      case Step.Pow: { const x = prev[0], k = this.k; x.grad += k * x.data ** (k - 1) * g; return; }
      case Step.Exp: prev[0].grad += this.data * g; return;
      case Step.Log: prev[0].grad += g / prev[0].data; return;
      case Step.Tanh: prev[0].grad += (1 - this.data * this.data) * g; return;
      case Step.Relu: prev[0].grad += (this.data > 0 ? 1 : 0) * g; return;
      case Step.Sigmoid: prev[0].grad += this.data * (1 - this.data) * g; return;
    }
  }

  // composites, as micrograd writes them: no backward of their own
  neg(): Value {
    return this.mul(-1);
  }
  sub(other: Scalar): Value {
    return this.add(Value.from(other).neg());
  }
  div(other: Scalar): Value {
    return this.mul(Value.from(other).pow(-1));
  }
  /** other + this */
  radd(other: Scalar): Value {
    return Value.from(other).add(this);
  }
  /** other − this */
  rsub(other: Scalar): Value {
    return Value.from(other).sub(this);
  }
  /** other · this */
  rmul(other: Scalar): Value {
    return Value.from(other).mul(this);
  }
  /** other / this */
  rdiv(other: Scalar): Value {
    return Value.from(other).div(this);
  }

  /** Every Value reachable from this one, inputs before outputs, this one last. Iterative DFS. */
  topo(): Value[] {
    const mark = ++traversal;
    const order: Value[] = [];
    // the explicit stack: a node and the index of its next parent to visit
    const nodes: Value[] = [this];
    const next: number[] = [0];
    this.visitMark = mark;
    while (nodes.length > 0) {
      const top = nodes.length - 1;
      const node = nodes[top];
      const i = next[top];
      if (i < node.prev.length) {
        next[top] = i + 1;
        const parent = node.prev[i];
        if (parent.visitMark !== mark) {
          parent.visitMark = mark;
          nodes.push(parent);
          next.push(0);
        }
      } else {
        nodes.pop();
        next.pop();
        order.push(node);
      }
    }
    return order;
  }

  /** Seeds this.grad = 1 and applies the chain rule in reverse topological order. */
  backward(): void {
    const order = this.topo();
    this.grad = 1;
    for (let i = order.length - 1; i >= 0; i--) order[i].backwardStep();
  }

  /** Nodes and edges for drawing the graph of `root`. */
  static graph(root: Value): ValueGraph {
    const order = root.topo();
    const nodes = order.map((v) => ({
      id: v.id, op: v.op, data: v.data, grad: v.grad, ...(v.label !== undefined ? { label: v.label } : {}),
    }));
    const edges: { from: number; to: number }[] = [];
    for (const v of order) {
      const seen = new Set<number>();
      for (const p of v.prev) {
        if (!seen.has(p.id)) {
          seen.add(p.id);
          edges.push({ from: p.id, to: v.id });
        }
      }
    }
    return { nodes, edges };
  }

  toString(): string {
    return `Value(data=${this.data}, grad=${this.grad})`;
  }
}
