// The JS half of numpy.random (src/python/site/numpy/random.py): draws from the engine's legacy
// RandomState (src/engine/random/numpy.ts), returned as engine tensors that numpy._core's
// _from_engine wraps as ndarrays. Python checks the arguments and broadcasts array parameters
// before calling; bounds of randint arrive as decimal strings so int64 limits stay exact.
import { torch, type Tensor } from "../engine/index";
import { NumpyRandomState, kahanSum, type IntDtype } from "../engine/random/numpy";
import { sinCosCR, sinCosCROut } from "../engine/random/libm";

type Param = number | ArrayLike<number>;
const dims = (shape: ArrayLike<number>): number[] => Array.from(shape);
const count = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
const f64 = (values: Float64Array, shape: ArrayLike<number>): Tensor => torch.fromArray(values, dims(shape), "float64");
const param = (p: Param): number | Float64Array => (typeof p === "number" ? p : Float64Array.from(p));

/** A seed from Python: None (undefined here) for entropy, an int, or a list of 32-bit words. */
type Seed = number | ArrayLike<number> | null | undefined;
const seedOf = (seed: Seed): number | number[] | null =>
  seed === null || seed === undefined ? null : typeof seed === "number" ? seed : Array.from(seed);

export const npRandom = {
  /** A RandomState seeded from `seed`: an int (init_genrand), words (init_by_array), None (entropy). */
  create: (seed: Seed): NumpyRandomState => new NumpyRandomState(seedOf(seed)),
  seed: (rs: NumpyRandomState, seed: Seed): void => rs.seed(seedOf(seed)),
  /** [key (624 words), pos, has_gauss, cached_gaussian] */
  getState: (rs: NumpyRandomState): [number[], number, number, number] => {
    const s = rs.getState();
    return [Array.from(s.key), s.pos, s.hasGauss, s.cachedGaussian];
  },
  setState: (rs: NumpyRandomState, key: ArrayLike<number>, pos: number, hasGauss: number, gauss: number): void =>
    rs.setState(Array.from(key), pos, hasGauss, gauss),

  // scalars (size=None): Python floats
  double: (rs: NumpyRandomState): number => rs.nextDouble(),
  uniform1: (rs: NumpyRandomState, low: number, range: number): number => low + range * rs.nextDouble(),
  normal1: (rs: NumpyRandomState, loc: number, scale: number): number => loc + scale * rs.nextGauss(),

  // arrays of `shape`; parameters are numbers or flat arrays already broadcast to the shape
  random: (rs: NumpyRandomState, shape: ArrayLike<number>): Tensor => f64(rs.randomSample(count(dims(shape))), shape),
  uniform: (rs: NumpyRandomState, low: Param, range: Param, shape: ArrayLike<number>): Tensor =>
    f64(rs.uniform(param(low), param(range), count(dims(shape))), shape),
  normal: (rs: NumpyRandomState, loc: Param, scale: Param, shape: ArrayLike<number>): Tensor =>
    f64(rs.normal(param(loc), param(scale), count(dims(shape))), shape),
  /** randint over [low, high) for scalar bounds (strings), or per-element bounds (string arrays). */
  randint: (rs: NumpyRandomState, low: string | ArrayLike<string>, high: string | ArrayLike<string>, shape: ArrayLike<number>, dtype: IntDtype): Tensor => {
    const bounds = (b: string | ArrayLike<string>) => (typeof b === "string" ? BigInt(b) : Array.from(b, (x) => BigInt(x)));
    const values = rs.randint(bounds(low), bounds(high), count(dims(shape)), dtype);
    return torch.fromArray(values, dims(shape), dtype === "bool" ? "bool" : "int64");
  },
  /** The legacy shuffle's order of n items: shuffled[k] = original[perm[k]], int64. */
  permutation: (rs: NumpyRandomState, n: number): Tensor => torch.fromArray(rs.permutation(n), [n], "int64"),
  /** choice's n indices into a population of popSize (p: checked probabilities or null), int64. */
  choice: (rs: NumpyRandomState, popSize: number, n: number, replace: boolean, p: ArrayLike<number> | null | undefined): Tensor =>
    torch.fromArray(rs.choice(popSize, n, replace, p === null || p === undefined ? null : Float64Array.from(p)), [n], "int64"),
  kahanSum: (p: ArrayLike<number>): number => kahanSum(Array.from(p)),
  /**
   * [cos(x) for x in xs] + [sin(x) for x in xs] as the C library computes them (correctly rounded
   * here, as glibc's are but for rare arguments), for sklearn's make_moons circles.
   */
  cosSin: (xs: ArrayLike<number>): Float64Array => {
    const n = xs.length, out = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      sinCosCR(xs[i]);
      out[i] = sinCosCROut.cos;
      out[n + i] = sinCosCROut.sin;
    }
    return out;
  },
};
