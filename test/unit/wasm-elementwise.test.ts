// The WebAssembly elementwise kernels (src/engine/ops/wasm-elementwise.ts) must store exactly what
// the JS loops store, for every value (NaN, ±Inf, ±0, subnormals, results that overflow or underflow
// when rounded to float32), layout and dtype, and report a non-finite result the same way. Each case
// runs with the WASM path on and off and compares the bytes, except a NaN's sign and payload: no
// JS engine fixes those (V8 may swap the operands of an addition, and x86 keeps the first NaN).
import assert from "node:assert/strict";
import { torch, Tensor } from "../../src/engine/index";
import { inspector } from "../../src/engine/inspect";
import { float32Exact, parseExpression, wasmBinary, wasmElementwise } from "../../src/engine/ops/wasm-elementwise";

/** Deterministic values with every special kind mixed in (about one in four is special). */
function values(n: number, seed: number): Float32Array {
  const special = [NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 1.1754942e-38, 3.4028235e38, -3.4028235e38, 1e-30, 2e19, 0.5, 1];
  const out = new Float32Array(n);
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  for (let i = 0; i < n; i++) {
    const u = next();
    out[i] = u < 0.25 ? special[Math.floor(next() * special.length)] : (next() - 0.5) * 2 ** Math.floor(next() * 40 - 20);
  }
  return out;
}
const tensor = (shape: number[], seed: number, dtype: "float32" | "float64" = "float32") => {
  const n = shape.reduce((a, b) => a * b, 1), v = values(n, seed);
  return new Tensor(dtype === "float32" ? v : Float64Array.from(v), shape, dtype);
};
/** The bytes, with every NaN as one pattern. */
const bits = (t: Tensor) => {
  const v = t.toArray().map((x) => (Number.isNaN(x) ? NaN : x));
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex");
};

/** The op with WASM on, then off: the same bytes. */
function same(label: string, op: () => Tensor): void {
  wasmElementwise.enabled = true;
  const w = op();
  wasmElementwise.enabled = false;
  const js = op();
  wasmElementwise.enabled = true;
  assert.deepEqual(w.shape, js.shape, label);
  assert.equal(w.dtype, js.dtype, label);
  if (bits(w) !== bits(js)) {
    const a = w.toArray(), b = js.toArray();
    const i = a.findIndex((x, k) => !Object.is(x, b[k]));
    assert.fail(`${label}: element ${i} is ${a[i]} with WASM, ${b[i]} with the JS loop`);
  }
}

describe("WASM elementwise kernels store what the JS loops store", () => {
  after(() => { wasmElementwise.enabled = true; });
  const a = tensor([32, 203], 1), b = tensor([32, 203], 2), row = tensor([203], 3), col = tensor([32, 1], 4);
  const wide = tensor([32, 406], 5), a64 = tensor([32, 203], 6, "float64");
  const positive = a.abs();
  const layouts: [string, () => Tensor][] = [
    ["same shape", () => a.add(b)],
    ["row broadcast", () => a.mul(row)],
    ["row first", () => row.sub(a)],
    ["column broadcast", () => a.div(col)],
    ["column first", () => col.mul(a)],
    ["a number", () => a.mul(0.1)],
    ["a float32 number", () => a.add(0.5)],
    ["a number first", () => a.rsub(1)],
    ["division by a number", () => a.div(32)],
    ["strided rows (every other column)", () => wide.index(":", torch.slice(null, null, 2)).mul(b)],
    ["a slice of rows", () => wide.index(":", torch.slice(3, 206)).sub(a)],
    ["transposed (the JS loop)", () => a.T.add(1)],
    ["x * x", () => a.pow(2)],
    ["x ** -0.5", () => positive.pow(-0.5)],
    ["x ** 0.5", () => positive.pow(0.5)],
    ["x ** -1", () => a.pow(-1)],
    ["x ** 3", () => a.pow(3)],
    ["negation", () => a.neg()],
    ["abs", () => a.abs()],
    ["float64", () => a64.mul(a64)],
    ["float64 and float32", () => a64.add(b)],
    ["float32 and a float64 row", () => a.mul(row.double())],
    ["float64 and a number", () => a64.mul(0.1)],
    ["in place", () => { const c = a.clone(); c.mul_(row); return c; }],
    ["in place with a number", () => { const c = a.clone(); c.sub_(0.1); return c; }],
  ];
  for (const [label, op] of layouts) it(label, () => same(label, op));

  it("backward kernels: tanh's (1 − y²)·g and pow's k·x^(k−1)·g", () => {
    for (const [label, f] of [["tanh", (x: Tensor) => x.tanh()], ["square", (x: Tensor) => x.pow(2)], ["cube", (x: Tensor) => x.pow(3)]] as const) {
      same(label, () => {
        const x = a.clone().requires_grad_();
        f(x).backward(b);
        return x.grad!;
      });
    }
  });

  it("blocks larger than one call's memory are done in pieces", () => {
    const big = tensor([1024, 1500], 7), bigRow = tensor([1500], 8);
    same("same shape, 1.5M elements", () => big.mul(big));
    same("row broadcast, 1.5M elements", () => big.add(bigRow));
    same("one long row", () => big.reshape([-1]).sub(big.reshape([-1])));
    same("in place, in pieces", () => { const c = big.clone(); c.mul_(bigRow); return c; });
  });

  it("odd and tiny widths: the last columns one by one", () => {
    for (const n of [1, 3, 5, 7, 129, 130, 131]) {
      const x = tensor([64, n], 10 + n), r = tensor([n], 20 + n);
      same(`[64, ${n}] * [${n}]`, () => x.mul(r));
      same(`[64, ${n}] - number`, () => x.sub(3));
    }
  });

  it("tanh: the f64x2 form of tanhF32 gives its bits for any float32 input", () => {
    // random bit patterns (every exponent, NaNs, infinities, subnormals), then the branch edges
    let seed = 12345;
    const bitsIn = new Uint32Array(1 << 20).map(() => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0));
    const edges = [0, -0, 0.25, -0.25, 20, -20, 19.999998, 0.24999999, 1e-40, -1e-40, 88.7, Infinity, -Infinity, NaN];
    const x = new Float32Array(bitsIn.buffer);
    x.set(edges.flatMap((v) => [v, Math.fround(v * (1 + 2 ** -23)), Math.fround(v * (1 - 2 ** -24))]));
    const t = new Tensor(x, [1024, 1024], "float32");
    same("tanh of 2^20 bit patterns", () => t.tanh());
    same("tanh of odd rows", () => new Tensor(x.subarray(0, 33 * 77), [33, 77], "float32").tanh());
    same("tanh, values across the branches", () => torch.arange(-210000, 210001).div(10000).tanh());
  });

  it("column sums: sum, mean and var over dim 0", () => {
    for (const n of [1, 2, 7, 203]) {
      const x = tensor([32, n], 30 + n), wideRows = tensor([32, 2 * n + 3], 40 + n).index(":", torch.slice(1, n + 1));
      for (const [label, t] of [[`[32, ${n}]`, x], [`[32, ${n}] rows of a wider tensor`, wideRows]] as const) {
        same(`sum(0) of ${label}`, () => t.sum(0));
        same(`mean(0) of ${label}`, () => t.mean(0, { keepdim: true }));
        same(`var(0) of ${label}`, () => t.var(0, { keepdim: true, unbiased: true }));
        same(`var(0) of |${label}| (finite)`, () => t.abs().clamp(0, 1e30).var(0));
      }
    }
  });

  it("a NaN or ±Inf result is reported as by the JS loop (the runner's NaN watch)", () => {
    const seen: string[] = [];
    const watching = inspector.on("nonFinite", (_t, op) => { seen.push(op); });
    try {
      const finite = torch.ones([64, 64]), huge = torch.full([64, 64], 3e38, { dtype: "float32" });
      for (const enabled of [true, false]) {
        wasmElementwise.enabled = enabled;
        seen.length = 0;
        finite.mul(2);
        huge.mul(2); // overflows when rounded to float32
        huge.mul(2).sub(huge.mul(2)); // inf − inf
        finite.div(0);
        assert.deepEqual(seen, ["mul", "mul", "mul", "sub", "div"], `WASM ${enabled}`);
      }
    } finally {
      watching.dispose();
      wasmElementwise.enabled = true;
    }
  });
});

describe("which expressions run in WASM", () => {
  it("translates the arithmetic kernels and leaves the rest to JS", () => {
    for (const e of ["p + q", "p - q", "p * q", "p / q", "Math.fround(1 - Math.fround(p * p)) * q", "Math.fround((2) * Math.fround(p)) * q", "(1 - p * p) * q"]) {
      assert.ok(parseExpression(e, ["p", "q"]), e);
    }
    for (const e of ["x * x", "-x", "1 / x", "Math.sqrt(x)", "1 / Math.fround(Math.sqrt(x))", "Math.abs(x)", "x * 1e-7", "x - -0.5"]) {
      assert.ok(parseExpression(e, ["x"]), e);
    }
    assert.ok(parseExpression("tanhF32(x)", ["x"]));
    for (const e of ["expF32(x)", "Math.exp(x)", "Math.pow(x, 3)", "x > 0 ? x : 0", "x !== x", "p && q ? 1 : 0", "y * 2", "Math.fround(x, 1)", "x +", ""]) {
      assert.equal(parseExpression(e, ["x"]), null, e);
    }
  });

  it("uses float32 lanes only where each step rounds to float32", () => {
    const exact = (e: string) => float32Exact(parseExpression(e, ["p", "q", "x"])!);
    assert.ok(exact("p * q"));
    assert.ok(exact("x * x"));
    assert.ok(exact("1 / Math.fround(Math.sqrt(x))"));
    assert.ok(exact("Math.fround(1 - Math.fround(p * p)) * q"));
    assert.ok(exact("-(p * q)"));
    assert.ok(!exact("(1 - p * p) * q"), "1 − p·p is not rounded before the multiply");
    assert.ok(!exact("x * 0.1"), "0.1 is not a float32 value");
    assert.ok(!exact("Math.fround(x * x) * x * x"));
  });

  it("the exercise's ops take the WASM path", () => {
    const out = new Float32Array(6400), x = new Float32Array(6400).fill(1.5), y = new Float32Array(6400).fill(-2);
    for (const expr of ["p + q", "p * q", "Math.fround(1 - Math.fround(p * p)) * q"]) {
      assert.equal(wasmBinary({ expr }, out, 0, x, y, 32, 200, 0, 200, 1, 0, 0, 1), 0, expr);
    }
    assert.equal(out[0], Math.fround(Math.fround(1 - Math.fround(1.5 * 1.5)) * -2));
    assert.equal(wasmBinary({ expr: "p * q" }, out, 0, x, y, 1, 100, 0, 0, 1, 0, 0, 1), -1, "a small block stays in JS");
  });
});
