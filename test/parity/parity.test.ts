// Replays test/fixtures/parity/tensor.json (made by scripts/reference/gen_parity_fixtures.py with real
// PyTorch) through the engine: every case's forward outputs and the gradients of Σ sum(out_k · w_k)
// must match PyTorch within the case's stated tolerances (exact for integers, bools and indices; NaN
// and ±Inf at the same positions).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { torch, F, Tensor } from "../../src/engine/index";
import type { DType } from "../../src/engine/dtype";
import { BINARY_OPS, UNARY_OPS } from "../../src/engine/ops/table";

const repoRoot = path.resolve(__dirname, "../..");

type JsonNum = number | "NaN" | "Infinity" | "-Infinity";
interface Encoded {
  shape: number[];
  dtype: DType;
  values: JsonNum[];
}
interface Case {
  name: string;
  op: string;
  kw: Record<string, any>;
  inputs: Encoded[];
  outputs: Encoded[];
  weights: (Encoded | null)[];
  grads: (Encoded | null)[];
  tol: { rtol: number; atol: number; grad_rtol: number; grad_atol: number };
}
interface Fixture {
  torch: string;
  python: string;
  machine: string;
  cases: Case[];
}

const decodeNum = (v: JsonNum): number => (v === "NaN" ? NaN : v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : v);
const decode = (e: Encoded): Tensor => torch.fromArray(e.values.map(decodeNum), e.shape, e.dtype);
const isFloat = (d: DType) => d === "float32" || d === "float64";

type IndexJson = { t?: number; s?: string; i?: number; none?: 1; ellipsis?: 1; list?: number[] };
function indexItems(items: IndexJson[], xs: Tensor[]) {
  return items.map((it) => {
    if (it.t !== undefined) return xs[it.t];
    if (it.s !== undefined) return it.s;
    if (it.i !== undefined) return it.i;
    if (it.none) return null;
    if (it.ellipsis) return "...";
    return it.list!;
  });
}

// the op table's rows, called as Tensor methods (the generator reads the same table)
const UNARY = Object.keys(UNARY_OPS) as (keyof typeof UNARY_OPS)[];
const BINARY = Object.keys(BINARY_OPS) as (keyof typeof BINARY_OPS)[];

/** The same table as PY in gen_parity_fixtures.py: op name → engine call. */
const OPS: Record<string, (xs: Tensor[], kw: Record<string, any>) => Tensor | Tensor[]> = {
  ...Object.fromEntries(UNARY.map((op) => [op, (xs: Tensor[]) => (xs[0][op] as () => Tensor)()])),
  ...Object.fromEntries(BINARY.map((op) => [op, (xs: Tensor[]) => (xs[0][op] as (o: Tensor) => Tensor)(xs[1])])),
  ...Object.fromEntries(BINARY.map((op) => [`${op}_n`, (xs: Tensor[], kw: Record<string, any>) => (xs[0][op] as (o: number) => Tensor)(kw.n)])),
  rsub_n: (xs, kw) => xs[0].rsub(kw.n),
  rdiv_n: (xs, kw) => xs[0].rdiv(kw.n),
  rpow_n: (xs, kw) => xs[0].rpow(kw.n),
  where: (xs) => torch.where(xs[0], xs[1], xs[2]),
  masked_fill: (xs, kw) => xs[0].masked_fill(xs[1], decodeNum(kw.value)),
  sum: (xs, kw) => (kw.dim === undefined ? xs[0].sum() : xs[0].sum(kw.dim, { keepdim: kw.keepdim })),
  mean: (xs, kw) => (kw.dim === undefined ? xs[0].mean() : xs[0].mean(kw.dim, { keepdim: kw.keepdim })),
  var: (xs, kw) => (kw.dim === undefined ? xs[0].var({ unbiased: kw.unbiased }) : xs[0].var(kw.dim, { keepdim: kw.keepdim, unbiased: kw.unbiased })),
  std: (xs, kw) => (kw.dim === undefined ? xs[0].std({ unbiased: kw.unbiased }) : xs[0].std(kw.dim, { keepdim: kw.keepdim, unbiased: kw.unbiased })),
  var_correction: (xs, kw) => xs[0].var(kw.dim, { correction: kw.correction, keepdim: kw.keepdim ?? false }),
  max_all: (xs) => xs[0].max(),
  min_all: (xs) => xs[0].min(),
  max_dim: (xs, kw) => {
    const r = xs[0].max(kw.dim, { keepdim: kw.keepdim ?? false });
    return [r.values, r.indices];
  },
  min_dim: (xs, kw) => {
    const r = xs[0].min(kw.dim, { keepdim: kw.keepdim ?? false });
    return [r.values, r.indices];
  },
  argmax: (xs, kw) => (kw.dim === undefined ? xs[0].argmax() : xs[0].argmax(kw.dim, { keepdim: kw.keepdim })),
  matmul: (xs) => xs[0].matmul(xs[1]),
  view: (xs, kw) => xs[0].view(...kw.shape),
  reshape: (xs, kw) => xs[0].reshape(...kw.shape),
  T: (xs) => xs[0].T,
  transpose: (xs, kw) => xs[0].transpose(kw.a, kw.b),
  permute: (xs, kw) => xs[0].permute(...kw.dims),
  unsqueeze: (xs, kw) => xs[0].unsqueeze(kw.dim),
  squeeze: (xs, kw) => (kw.dim === undefined ? xs[0].squeeze() : xs[0].squeeze(kw.dim)),
  expand: (xs, kw) => xs[0].expand(...kw.shape),
  flatten: (xs) => xs[0].flatten(),
  contiguous_T: (xs) => xs[0].T.contiguous(),
  add_inplace: (xs) => xs[0].clone().add_(xs[1]),
  mul_inplace: (xs) => xs[0].clone().mul_(xs[1]),
  sub_inplace_n: (xs, kw) => xs[0].clone().sub_(kw.n),
  div_inplace_n: (xs, kw) => xs[0].clone().div_(kw.n),
  index: (xs, kw) => xs[0].index(...indexItems(kw.items, xs)),
  index_put: (xs, kw) => xs[0].clone().index_put_([xs[1]], xs[2], kw.accumulate),
  one_hot: (xs, kw) => F.one_hot(xs[0], kw.num_classes ?? -1),
  softmax: (xs, kw) => F.softmax(xs[0], kw.dim),
  log_softmax: (xs, kw) => F.log_softmax(xs[0], kw.dim),
  cross_entropy: (xs) => F.cross_entropy(xs[0], xs[1]),
};

/** Compares element by element; returns a description of the first few mismatches, or "" */
function mismatch(actual: Tensor, expected: Encoded, rtol: number, atol: number): string {
  if (JSON.stringify(actual.shape) !== JSON.stringify(expected.shape)) {
    return `shape [${actual.shape}] vs PyTorch [${expected.shape}]`;
  }
  if (actual.dtype !== expected.dtype) return `dtype ${actual.dtype} vs PyTorch ${expected.dtype}`;
  const got = actual.dtype === "float32" || actual.dtype === "float64" ? Array.from(actual.toArray()) : (actual.tolist() as any);
  const flat: number[] = Array.isArray(got) ? (got as unknown[]).flat(Infinity as 1).map(Number) : [Number(got)];
  const bad: string[] = [];
  let worst = 0;
  expected.values.forEach((ev, i) => {
    const e = decodeNum(ev), a = flat[i];
    let ok: boolean;
    if (Number.isNaN(e) || Number.isNaN(a)) ok = Number.isNaN(e) && Number.isNaN(a);
    else if (!Number.isFinite(e) || !Number.isFinite(a)) ok = a === e;
    else {
      const d = Math.abs(a - e);
      ok = d <= atol + rtol * Math.abs(e);
      worst = Math.max(worst, d);
    }
    if (!ok) bad.push(`[${i}] ${a} vs ${e}`);
  });
  return bad.length ? `${bad.length}/${expected.values.length} differ (max |diff| ${worst}): ${bad.slice(0, 4).join(", ")}` : "";
}

/**
 * Cases where the engine is known to differ from PyTorch, with the reason, reported to the engine's
 * author. They still run: while they differ they show as pending with the difference; once the engine
 * matches, the test fails until the entry is removed, so this list cannot go stale.
 */
const KNOWN_DIVERGENCES: Record<string, string> = {};

const fixture = JSON.parse(fs.readFileSync(path.join(repoRoot, "test/fixtures/parity/tensor.json"), "utf8")) as Fixture;

describe(`Tensor engine parity with PyTorch ${fixture.torch} (Python ${fixture.python}, ${fixture.machine}; ${fixture.cases.length} cases)`, () => {
  before(() => console.log(`    fixtures made by PyTorch ${fixture.torch} on ${fixture.machine}`));

  it("every fixture op has an engine call", () => {
    const missing = [...new Set(fixture.cases.map((c) => c.op))].filter((op) => !OPS[op]);
    assert.deepEqual(missing, []);
  });

  for (const c of fixture.cases) {
    it(c.name, function () {
      const xs = c.inputs.map((e) => {
        const t = decode(e);
        return isFloat(e.dtype) ? t.requires_grad_() : t;
      });
      const out = OPS[c.op](xs, c.kw);
      const outs = Array.isArray(out) ? out : [out];
      assert.equal(outs.length, c.outputs.length, "number of outputs");
      const problems: string[] = [];
      outs.forEach((o, k) => {
        const m = mismatch(o.detach(), c.outputs[k], c.tol.rtol, c.tol.atol);
        if (m) problems.push(`output ${k}: ${m}`);
      });
      const terms = outs.flatMap((o, k) => (c.weights[k] ? [o.mul(decode(c.weights[k]!)).sum()] : []));
      if (terms.length) {
        terms.reduce((s, t) => s.add(t)).backward();
        c.grads.forEach((g, i) => {
          if (!g) return;
          const grad = xs[i].grad;
          if (!grad) problems.push(`input ${i}: no gradient (PyTorch has one)`);
          else {
            const m = mismatch(grad, g, c.tol.grad_rtol, c.tol.grad_atol);
            if (m) problems.push(`grad of input ${i}: ${m}`);
          }
        });
      }
      const known = KNOWN_DIVERGENCES[c.name];
      if (known) {
        assert.ok(problems.length > 0, `${c.name} now matches PyTorch: remove it from KNOWN_DIVERGENCES`);
        console.log(`      known divergence, ${known}:\n        ${problems.join("\n        ")}`);
        this.skip();
      }
      assert.ok(problems.length === 0, `${c.name} (rtol ${c.tol.rtol}/atol ${c.tol.atol}; grad ${c.tol.grad_rtol}/${c.tol.grad_atol}):\n  ${problems.join("\n  ")}`);
    });
  }
});
