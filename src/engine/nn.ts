// micrograd's nn on top of Value: Neuron, Layer, MLP, and a deterministic two-moons data set.
// Weights are uniform in [-1, 1) from Python's random (PyRandom, bit-identical to CPython), so a
// seed gives the same network as `random.seed(seed)` followed by micrograd's constructors.
import { PyRandom } from "./random/pyrandom";
import { Value, type Scalar } from "./value";

export type Nonlin = "tanh" | "relu" | "linear";

export interface NeuronOpts {
  nonlin?: Nonlin;
  /** source of the initial weights; shared by all neurons of a layer/MLP so they differ */
  rng?: PyRandom;
  /** used when no rng is given */
  seed?: number;
}

export abstract class Module {
  abstract parameters(): Value[];
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = 0;
  }
}

const uniform = (rng: PyRandom, a: number, b: number) => a + (b - a) * rng.random();

export class Neuron extends Module {
  readonly w: Value[];
  readonly b: Value;
  readonly nonlin: Nonlin;

  constructor(nin: number, opts: NeuronOpts = {}) {
    super();
    const rng = opts.rng ?? new PyRandom(opts.seed ?? 0);
    this.w = Array.from({ length: nin }, () => new Value(uniform(rng, -1, 1)));
    this.b = new Value(0);
    this.nonlin = opts.nonlin ?? "relu";
  }

  /** act = Σ wᵢxᵢ + b, summed left to right like Python's sum(..., b) */
  call(x: readonly Scalar[]): Value {
    if (x.length !== this.w.length) throw new Error(`Neuron: expected ${this.w.length} inputs, got ${x.length}`);
    let act = this.b;
    for (let i = 0; i < this.w.length; i++) act = act.add(this.w[i].mul(x[i]));
    switch (this.nonlin) {
      case "tanh": return act.tanh();
      case "relu": return act.relu();
      default: return act;
    }
  }

  parameters(): Value[] {
    return [...this.w, this.b];
  }

  override toString(): string {
    return `${this.nonlin === "linear" ? "Linear" : this.nonlin === "tanh" ? "Tanh" : "ReLU"}Neuron(${this.w.length})`;
  }
}

export class Layer extends Module {
  readonly neurons: Neuron[];

  constructor(nin: number, nout: number, opts: NeuronOpts = {}) {
    super();
    const rng = opts.rng ?? new PyRandom(opts.seed ?? 0);
    this.neurons = Array.from({ length: nout }, () => new Neuron(nin, { ...opts, rng }));
  }

  call(x: readonly Scalar[]): Value[] {
    return this.neurons.map((n) => n.call(x));
  }

  parameters(): Value[] {
    return this.neurons.flatMap((n) => n.parameters());
  }

  override toString(): string {
    return `Layer of [${this.neurons.join(", ")}]`;
  }
}

export interface MLPOpts {
  /** nonlinearity of the hidden layers; the last layer is linear */
  nonlin?: Exclude<Nonlin, "linear">;
  seed?: number;
  rng?: PyRandom;
}

export class MLP extends Module {
  readonly layers: Layer[];

  constructor(nin: number, nouts: number[], opts: MLPOpts = {}) {
    super();
    const rng = opts.rng ?? new PyRandom(opts.seed ?? 0);
    const sizes = [nin, ...nouts];
    this.layers = nouts.map((_, i) => new Layer(sizes[i], sizes[i + 1], {
      rng, nonlin: i === nouts.length - 1 ? "linear" : opts.nonlin ?? "relu",
    }));
  }

  call(x: readonly Scalar[]): Value[] {
    let out: readonly Scalar[] = x;
    for (const layer of this.layers) out = layer.call(out);
    return out as Value[];
  }

  parameters(): Value[] {
    return this.layers.flatMap((l) => l.parameters());
  }

  override toString(): string {
    return `MLP of [${this.layers.join(", ")}]`;
  }
}

export interface Moons {
  /** points [x, y] */
  X: [number, number][];
  /** labels: -1 for the upper (outer) moon, +1 for the lower (inner) one */
  y: number[];
}

/**
 * Two interleaved half-moons, like scikit-learn's make_moons with labels mapped to ±1:
 * the outer moon (cos t, sin t) and the inner (1 − cos t, 0.5 − sin t) for t evenly spaced over
 * [0, π], plus Gaussian noise of standard deviation `noise` (Box–Muller on PyRandom), then shuffled.
 */
export function makeMoons(n: number, opts: { noise?: number; seed?: number } = {}): Moons {
  const rng = new PyRandom(opts.seed ?? 0);
  const noise = opts.noise ?? 0;
  const nOuter = Math.floor(n / 2), nInner = n - nOuter;
  const at = (i: number, count: number) => (count > 1 ? (Math.PI * i) / (count - 1) : 0);
  const points: { p: [number, number]; label: number }[] = [];
  for (let i = 0; i < nOuter; i++) points.push({ p: [Math.cos(at(i, nOuter)), Math.sin(at(i, nOuter))], label: -1 });
  for (let i = 0; i < nInner; i++) points.push({ p: [1 - Math.cos(at(i, nInner)), 0.5 - Math.sin(at(i, nInner))], label: 1 });
  const gauss = () => {
    const u1 = 1 - rng.random(); // (0, 1]: log is finite
    const u2 = rng.random();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  };
  if (noise > 0) for (const pt of points) pt.p = [pt.p[0] + noise * gauss(), pt.p[1] + noise * gauss()];
  // Fisher–Yates with the same generator
  for (let i = points.length - 1; i > 0; i--) {
    const j = rng.randbelow(i + 1);
    [points[i], points[j]] = [points[j], points[i]];
  }
  return { X: points.map((q) => q.p), y: points.map((q) => q.label) };
}
