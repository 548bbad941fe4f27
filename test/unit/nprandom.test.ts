import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { NumpyRandomState, type IntDtype } from "../../src/engine/random/numpy";

// Real numpy 1.24 outputs, written by scripts/reference/gen_numpy_random.py (/usr/bin/python3).
const ref = JSON.parse(fs.readFileSync(path.join(__dirname, "../fixtures/rng/numpy_random.json"), "utf8"));

type Json = number | string | boolean | null | Json[] | { [k: string]: Json };
interface Step { fn: string; args: Json[] & { shape?: number[]; out?: Json[] }; kwargs: Record<string, Json>; shape: number[] | null; dtype: string; out: Json }

const flat = (x: Json): Json[] => (Array.isArray(x) ? x.flatMap(flat) : [x]);
const count = (size: Json | undefined): number => (size === undefined || size === null ? 1 : flat(size).reduce<number>((a, b) => a * Number(b), 1));
const big = (x: Json): bigint => BigInt(x as number | string);

/** numpy's (positional, keyword) arguments by name, with defaults. */
function argsOf(step: Step, names: string[], defaults: Record<string, Json>): Record<string, Json> {
  const a: Record<string, Json> = { ...defaults };
  (step.args as Json[]).forEach((v, i) => (a[names[i]] = v));
  return { ...a, ...step.kwargs };
}

/** Rows of a flat C-order array of `shape`, reordered as shuffled[k] = rows[perm[k]]. */
function permuteRows(values: Json[], rows: number, perm: Float64Array): Json[] {
  const w = values.length / Math.max(rows, 1);
  return Array.from(perm).flatMap((r) => values.slice(r * w, r * w + w));
}

/** One fixture step through NumpyRandomState, as the flat values numpy returned. */
function replay(rs: NumpyRandomState, step: Step): Json[] {
  switch (step.fn) {
    case "rand":
      return Array.from(rs.randomSample(count(step.args)));
    case "randn":
      return Array.from(rs.normal(0, 1, count(step.args)));
    case "random_sample":
    case "random":
      return Array.from(rs.randomSample(count(step.args[0])));
    case "uniform": {
      const a = argsOf(step, ["low", "high", "size"], { low: 0, high: 1, size: null });
      if (Array.isArray(a.low)) {
        const lo = a.low.map(Number), hi = (a.high as number[]).map(Number);
        return Array.from(rs.uniform(lo, hi.map((h, i) => h - lo[i]), lo.length));
      }
      return Array.from(rs.uniform(a.low as number, (a.high as number) - (a.low as number), count(a.size)));
    }
    case "normal": {
      const a = argsOf(step, ["loc", "scale", "size"], { loc: 0, scale: 1, size: null });
      if (Array.isArray(a.loc)) return Array.from(rs.normal(a.loc as number[], a.scale as number[], a.loc.length));
      return Array.from(rs.normal(a.loc as number, a.scale as number, count(a.size)));
    }
    case "randint": {
      const a = argsOf(step, ["low", "high", "size"], { high: null, size: null, dtype: "int64" });
      let low = a.low, high = a.high;
      if (high === null) [low, high] = [0, low];
      const dtype = a.dtype as IntDtype;
      const out = Array.isArray(low)
        ? rs.randint(low.map(big), (high as Json[]).map(big), low.length, dtype)
        : rs.randint(big(low), big(high), count(a.size), dtype);
      return Array.from(out, (v) => (dtype === "bool" ? v !== 0 : Math.abs(v) > 2 ** 53 ? String(BigInt(v)) : v));
    }
    case "permutation": {
      const x = step.args[0];
      if (typeof x === "number") return Array.from(rs.permutation(x));
      return permuteRows(flat(x), (x as Json[]).length, rs.permutation((x as Json[]).length));
    }
    case "shuffle": {
      const { shape, out } = step.args as unknown as { shape: number[]; out: Json[] };
      return permuteRows(out, shape[0], rs.permutation(shape[0]));
    }
    case "choice": {
      const a = argsOf(step, ["a", "size", "replace", "p"], { size: null, replace: true, p: null });
      const pop = typeof a.a === "number" ? a.a : (a.a as Json[]).length;
      const idx = rs.choice(pop, count(a.size), a.replace as boolean, a.p as number[] | null);
      return Array.from(idx, (i) => (typeof a.a === "number" ? i : (a.a as Json[])[i]));
    }
    default:
      throw new Error(`no replay for ${step.fn}`);
  }
}

/** numpy's big ints are strings in the fixture; ours are doubles, exact only below 2^53. */
const comparable = (v: Json): Json => (typeof v === "string" && /^-?\d+$/.test(v) ? Number(BigInt(v)) : v);

/** Units in the last place between two doubles of the same sign. */
function ulpsApart(a: number, b: number): number {
  const w = new BigInt64Array(new Float64Array([a, b]).buffer);
  const d = w[0] - w[1];
  return Number(d < 0n ? -d : d);
}

// Gaussians go through the C library's log, which glibc rounds differently from the correctly
// rounded logCR in ~0.08% of arguments: those values may be 1 ulp away, and are counted.
const GAUSSIAN = new Set(["randn", "normal"]);
let gaussians = 0, gaussiansOff = 0;

describe(`numpy.random's legacy RandomState matches numpy ${ref.numpy} bit for bit`, () => {
  for (const c of ref.cases) {
    const seed = c.seed as number | number[];
    it(`seed ${Array.isArray(seed) ? `[${seed.length > 4 ? `${seed.length} words` : seed.join(", ")}]` : seed}: ${c.steps.length} calls`, () => {
      const rs = new NumpyRandomState(seed);
      for (const [k, step] of (c.steps as Step[]).entries()) {
        const what = `call ${k}: ${step.fn}(${JSON.stringify(step.args).slice(0, 60)}, ${JSON.stringify(step.kwargs)})`;
        if (step.fn === "get_state") {
          const s = rs.getState(), want = step.out as { key: number[]; pos: number; has_gauss: number; cached_gaussian: number };
          assert.deepEqual([Array.from(s.key), s.pos, s.hasGauss, s.cachedGaussian], [want.key, want.pos, want.has_gauss, want.cached_gaussian], what);
          continue;
        }
        const got = replay(rs, step).map(comparable), want = flat(step.out).map(comparable);
        assert.equal(got.length, want.length, what);
        if (GAUSSIAN.has(step.fn)) gaussians += got.length;
        const i = got.findIndex((v, j) => {
          if (Object.is(v, want[j])) return false;
          if (!GAUSSIAN.has(step.fn) || ulpsApart(v as number, want[j] as number) > 1) return true;
          gaussiansOff++;
          return false;
        });
        assert.equal(i, -1, `${what}: element ${i} is ${got[i]}, numpy gives ${want[i]}`);
      }
    });
  }

  after(() => {
    console.log(`      numpy.random: ${gaussians} Gaussian values, ${gaussians - gaussiansOff} bit-identical, ${gaussiansOff} 1 ulp away (glibc's log)`);
    assert.ok(gaussiansOff <= gaussians * 0.002, "more 1-ulp Gaussians than glibc's log explains");
  });

  it("set_state restores a state mid-stream, cached Gaussian included", () => {
    const a = new NumpyRandomState(42);
    a.normal(0, 1, 3); // leaves the second value of a pair cached
    const s = a.getState();
    assert.equal(s.hasGauss, 1);
    const next = Array.from(a.normal(0, 1, 5));
    const b = new NumpyRandomState(0);
    b.setState(s.key, s.pos, s.hasGauss, s.cachedGaussian);
    assert.deepEqual(Array.from(b.normal(0, 1, 5)), next);
  });
});
