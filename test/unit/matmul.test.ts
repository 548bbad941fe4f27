// The two matmul kernels (WebAssembly SIMD and the JS fallback) against the numeric model they share:
// each output is the sum of its k products taken in order p = 0..k-1 — in float32 (every product and
// sum rounded) when operands and output are float32, else in doubles rounded once to the output's
// type. Both must give exactly those bits for every layout the engine hands them.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { torch, Tensor } from "../../src/engine/index";
import { matmulKernel } from "../../src/engine/ops/matmul";
import { wasmMatmul, wasmMatmulAvailable } from "../../src/engine/ops/wasm-matmul";

type Storage = Float32Array | Float64Array;

/** A strided view over a storage: element (r, c) at off + r*s0 + c*s1. */
interface View { s: Storage; off: number; s0: number; s1: number }

/**
 * The model, written plainly: sequential accumulation, in float32 (Math.fround after every product
 * and sum) when operands and output are float32, else in doubles with one rounding on the store.
 */
function reference(a: View, b: View, m: number, k: number, n: number, out: Storage): void {
  const f32 = a.s instanceof Float32Array && b.s instanceof Float32Array && out instanceof Float32Array;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) {
        const x = a.s[a.off + i * a.s0 + p * a.s1] * b.s[b.off + p * b.s0 + j * b.s1];
        acc = f32 ? Math.fround(acc + Math.fround(x)) : acc + x;
      }
      out[i * n + j] = acc;
    }
  }
}

const gen = torch.Generator().manual_seed(1234);
/** Random float32 values with the awkward ones mixed in: ±0, ±Inf, NaN, huge, tiny (subnormal). */
function values(count: number, awkward: boolean): Float32Array {
  const v = torch.randn([count], { generator: gen }).toArray() as Float32Array;
  if (awkward) {
    const special = [0, -0, Infinity, -Infinity, NaN, 3e38, -2e-38, 1e-45];
    const pick = torch.randint(0, count, [Math.min(count, 6)], { generator: gen }).tolist() as number[];
    pick.forEach((at, i) => { v[at] = special[(at + i) % special.length]; });
  }
  return v;
}

/** The [rows, cols] matrix x laid out as `layout` in a fresh storage of x's type. */
function lay(x: Storage, rows: number, cols: number, layout: string): View {
  const make = (len: number): Storage => (x instanceof Float32Array ? new Float32Array(len) : new Float64Array(len));
  const at = (r: number, c: number) => x[r * cols + c];
  switch (layout) {
    case "contiguous": return { s: x, off: 0, s0: cols, s1: 1 };
    case "transposed": { // the .T of a contiguous [cols, rows] tensor
      const s = make(rows * cols);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) s[c * rows + r] = at(r, c);
      return { s, off: 0, s0: 1, s1: rows };
    }
    case "offset-pitch": { // a slice t[1:, 2:2+cols] of a wider tensor
      const pitch = cols + 5, off = pitch + 2, s = make(off + rows * pitch).fill(7);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) s[off + r * pitch + c] = at(r, c);
      return { s, off, s0: pitch, s1: 1 };
    }
    case "every-other": { // t[::2, ::2]
      const s = make(4 * rows * cols + 2).fill(-3);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) s[r * 4 * cols + 2 * c] = at(r, c);
      return { s, off: 0, s0: 4 * cols, s1: 2 };
    }
    case "broadcast-row": { // row 0 expanded over all rows (stride 0)
      return { s: x, off: 0, s0: 0, s1: 1 };
    }
    case "sparse": { // a few elements of a huge storage: gathered rather than copied whole
      const pitch = 50 * cols + 3, s = make((rows - 1) * pitch + 50 * (cols - 1) + 1);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) s[r * pitch + 50 * c] = at(r, c);
      return { s, off: 0, s0: pitch, s1: 50 };
    }
    default: throw new Error(layout);
  }
}
const bits = (x: number) => (Number.isNaN(x) ? "NaN" : Object.is(x, -0) ? "-0" : String(x));
function assertSame(what: string, got: Storage, want: Storage): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) assert.fail(`${what}: element ${i} is ${bits(got[i])}, the model gives ${bits(want[i])}`);
  }
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 7, 1], [2, 3, 5], [3, 5, 7], [5, 1, 9], [4, 4, 4], [7, 9, 2], [9, 16, 8], [33, 17, 9],
  [32, 30, 200], [32, 200, 27], [200, 32, 27], [32, 27, 200], [30, 32, 200], [65, 64, 66], [3, 130, 1],
];
const LAYOUTS = ["contiguous", "transposed", "offset-pitch", "every-other", "broadcast-row", "sparse"];

describe("matmul kernels", () => {
  it("WebAssembly SIMD is available in Node 20", () => {
    assert.ok(wasmMatmulAvailable());
  });

  it("with relaxed SIMD enabled every test here gives the same bits (the kernels never use it)", function () {
    this.timeout(120000);
    if (process.env.MATMUL_RELAXED_CHILD) this.skip(); // the child run below
    // Node 20 has relaxed SIMD only behind a flag (later V8s, e.g. VS Code's Electron, have it on):
    // run this file again with it
    const repoRoot = path.resolve(__dirname, "../..");
    const child = spawnSync(process.execPath, [
      path.join(repoRoot, "node_modules/mocha/bin/mocha.js"), "--import=tsx", "--timeout", "60000", "--v8-experimental-wasm-relaxed-simd", __filename,
    ], { cwd: repoRoot, env: { ...process.env, MATMUL_RELAXED_CHILD: "1" }, encoding: "utf8" });
    if (/bad option/.test(child.stderr)) this.skip(); // a Node without the flag
    assert.equal(child.status, 0, `the run with relaxed SIMD failed:\n${child.stdout}\n${child.stderr}`);
    assert.match(child.stdout, / 7 passing/);
  });

  it("WASM and JS kernels give the model's bits: odd shapes, every operand layout, Inf/NaN/±0/subnormals", () => {
    let checked = 0;
    for (const [m, k, n] of SHAPES) {
      for (const awkward of [false, true]) {
        const a = values(m * k, awkward), b = values(k * n, awkward);
        for (const la of LAYOUTS) {
          for (const lb of LAYOUTS) {
            if ((la === "sparse" || lb === "sparse") && m * k * n > 20000) continue; // keep the run short
            const va = lay(a, m, k, la), vb = lay(b, k, n, lb);
            const want = new Float32Array(m * n), js = new Float32Array(m * n), wasm = new Float32Array(m * n).fill(5);
            reference(va, vb, m, k, n, want);
            matmulKernel(va.s, va.off, va.s0, va.s1, vb.s, vb.off, vb.s0, vb.s1, m, k, n, js, 0);
            assert.ok(wasmMatmul(va.s, va.off, va.s0, va.s1, vb.s, vb.off, vb.s0, vb.s1, m, k, n, wasm, 0));
            const what = `${m}x${k}x${n} A ${la}, B ${lb}${awkward ? ", awkward values" : ""}`;
            assertSame(`JS ${what}`, js, want);
            assertSame(`WASM ${what}`, wasm, want);
            checked++;
          }
        }
      }
    }
    assert.ok(checked > 1000, `only ${checked} cases ran`);
  });

  it("float64 operands and float64 results: no rounding to float32, same bits in both kernels", () => {
    for (const [m, k, n] of [[3, 5, 7], [32, 30, 200], [9, 16, 8], [200, 32, 27]] as [number, number, number][]) {
      // float64 values with bits below float32's precision, so products are not exact in double
      const a = Float64Array.from(values(m * k, false), (v, i) => v * (1 + i * 1e-12));
      const b = Float64Array.from(values(k * n, true), (v, i) => v / 3 + i * 1e-13);
      for (const [la, lb] of [["contiguous", "contiguous"], ["transposed", "transposed"], ["every-other", "offset-pitch"]]) {
        const va = lay(a, m, k, la), vb = lay(b, k, n, lb);
        const want = new Float64Array(m * n), js = new Float64Array(m * n), wasm = new Float64Array(m * n);
        reference(va, vb, m, k, n, want);
        matmulKernel(va.s, va.off, va.s0, va.s1, vb.s, vb.off, vb.s0, vb.s1, m, k, n, js, 0);
        wasmMatmul(va.s, va.off, va.s0, va.s1, vb.s, vb.off, vb.s0, vb.s1, m, k, n, wasm, 0);
        assertSame(`JS float64 ${m}x${k}x${n} ${la}/${lb}`, js, want);
        assertSame(`WASM float64 ${m}x${k}x${n} ${la}/${lb}`, wasm, want);
      }
      // mixed: float32 A, float64 B, float64 result
      const a32 = values(m * k, false), want = new Float64Array(m * n), wasm = new Float64Array(m * n);
      reference(lay(a32, m, k, "contiguous"), lay(b, k, n, "contiguous"), m, k, n, want);
      wasmMatmul(a32, 0, k, 1, b, 0, n, 1, m, k, n, wasm, 0);
      assertSame(`WASM mixed ${m}x${k}x${n}`, wasm, want);
    }
  });

  it("writes only its m x n block of the output, at the given offset", () => {
    const [m, k, n] = [5, 6, 7];
    const a = values(m * k, false), b = values(k * n, false);
    const out = new Float32Array(3 + m * n + 4).fill(42), want = new Float32Array(m * n);
    reference(lay(a, m, k, "contiguous"), lay(b, k, n, "contiguous"), m, k, n, want);
    wasmMatmul(a, 0, k, 1, b, 0, n, 1, m, k, n, out, 3);
    assertSame("block", out.subarray(3, 3 + m * n), want);
    assert.deepEqual([...out.subarray(0, 3), ...out.subarray(3 + m * n)], [42, 42, 42, 42, 42, 42, 42]);
  });

  it("k = 0 gives zeros and m = 0 or n = 0 writes nothing", () => {
    const out = new Float32Array(12).fill(9);
    wasmMatmul(new Float32Array(0), 0, 0, 1, new Float32Array(0), 0, 4, 1, 3, 0, 4, out, 0);
    assert.deepEqual([...out], new Array(12).fill(0));
    const untouched = new Float32Array(4).fill(9);
    wasmMatmul(new Float32Array(0), 0, 3, 1, new Float32Array(12), 0, 4, 1, 0, 3, 4, untouched, 0);
    assert.deepEqual([...untouched], [9, 9, 9, 9]);
  });

  it("a product after a much larger one (memory already grown) and after a smaller one gives the same bits", () => {
    const small = () => {
      const a = values(6, false), b = values(9, false), out = new Float32Array(6), want = new Float32Array(6);
      reference(lay(a, 2, 3, "contiguous"), lay(b, 3, 3, "transposed"), 2, 3, 3, want);
      const vb = lay(b, 3, 3, "transposed");
      wasmMatmul(a, 0, 3, 1, vb.s, 0, vb.s0, vb.s1, 2, 3, 3, out, 0);
      assertSame("small", out, want);
    };
    small();
    const big = 300, a = values(big * big, false), out = new Float32Array(big * big), want = new Float32Array(big * big);
    wasmMatmul(a, 0, big, 1, a, 0, big, 1, big, big, big, out, 0);
    reference(lay(a, big, big, "contiguous"), lay(a, big, big, "contiguous"), big, big, big, want);
    assertSame("300^3", out, want);
    small();
  });

  it("the learner's h.T @ g and autograd's matmul backward give the same bits", () => {
    const h = torch.randn([32, 64], { generator: gen, requires_grad: true });
    const W = torch.randn([64, 27], { generator: gen, requires_grad: true });
    const logits = h.matmul(W);
    const g = torch.randn([32, 27], { generator: gen });
    logits.backward(g);
    const byHand: Tensor = h.T.matmul(g), dh: Tensor = g.matmul(W.T);
    assertSame("dW", byHand.toArray(), (W.grad as Tensor).toArray());
    assertSame("dh", dh.toArray(), (h.grad as Tensor).toArray());
  });
});
