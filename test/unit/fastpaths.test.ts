// The float32 tanh/exp kernels compute in double with their own series; rounded to float32 they must
// give what Math.fround(Math.tanh(x)) / Math.fround(Math.exp(x)) give. The default run checks every
// 61st float32 bit pattern over the ranges where the result is neither constant nor x itself (a few
// million inputs, ~2 s); FAST_MATH_EXHAUSTIVE=1 checks every float32 (about 1.5 minutes).
import assert from "node:assert/strict";
import { expF32, tanhF32 } from "../../src/engine/ops/fastmath";
import { torch, F, inspector, Tensor } from "../../src/engine/index";

const STEP = process.env.FAST_MATH_EXHAUSTIVE ? 1 : 61;
const f32 = new Float32Array(1), bits = new Uint32Array(f32.buffer);
const bitsOf = (x: number) => ((f32[0] = x), bits[0]);

/** Inputs ±x for every STEP-th float32 x in [lo, hi) that disagree with the reference. */
function mismatches(fast: (x: number) => number, ref: (x: number) => number, lo: number, hi: number) {
  const bad: number[] = [];
  let n = 0;
  for (let b = bitsOf(lo), end = bitsOf(hi); b < end; b += STEP) {
    bits[0] = b;
    for (const x of [f32[0], -f32[0]]) {
      n++;
      if (Math.fround(fast(x)) !== Math.fround(ref(x))) bad.push(x);
    }
  }
  return { n, bad };
}

describe("float32 tanh and exp kernels", function () {
  this.timeout(STEP === 1 ? 600_000 : 60_000);

  it("tanh rounds like Math.tanh on float32 inputs with 2^-14 <= |x| < 10", () => {
    const { n, bad } = mismatches(tanhF32, Math.tanh, 2 ** -14, 10);
    assert.ok(n > (STEP === 1 ? 2.8e8 : 4e6), `checked ${n}`);
    assert.deepEqual(bad, []);
  });

  it("exp rounds like Math.exp on float32 inputs in (-104, 89)", () => {
    // the exhaustive sweep finds 2 inputs (x ≈ 65.5 and 69.3) where the two double results straddle a float32 midpoint
    const { n, bad } = mismatches(expF32, Math.exp, 0, 104);
    assert.ok(n > (STEP === 1 ? 2.2e9 : 3.6e7), `checked ${n}`);
    assert.ok(bad.length <= 2 && bad.every((x) => x > 65), `mismatches at ${bad.slice(0, 5)}`);
  });

  it("keeps the edge cases: ±0, tiny, huge, ±Infinity, NaN", () => {
    for (const x of [0, -0, 1e-30, -1e-30, 1.4e-45, 2 ** -14, 0.25, -0.25, 19, 20, 21, 1e30, -1e30, Infinity, -Infinity, NaN]) {
      assert.ok(Object.is(Math.fround(tanhF32(x)), Math.fround(Math.tanh(x))), `tanh(${x})`);
    }
    for (const x of [0, -0, -87.3, -103.9, -104, -150, 88.7, 88.8, 1e30, -1e30, Infinity, -Infinity, NaN]) {
      assert.ok(Object.is(Math.fround(expF32(x)), Math.fround(Math.exp(x))), `exp(${x})`);
    }
  });

  it("is what float32 tensors use; float64 tensors keep Math.tanh/Math.exp", () => {
    const xs = [-3.7, -0.3, 0.1, 0.9, 2.5, 12];
    const t32 = torch.tensor(xs), t64 = torch.tensor(xs, { dtype: torch.float64 });
    assert.deepEqual(Array.from(t32.tanh().toArray()), xs.map((x) => Math.fround(Math.tanh(Math.fround(x)))));
    assert.deepEqual(Array.from(t64.tanh().toArray()), xs.map(Math.tanh));
    assert.deepEqual(Array.from(t32.exp().toArray()), xs.map((x) => Math.fround(Math.exp(Math.fround(x)))));
    assert.deepEqual(Array.from(t64.exp().toArray()), xs.map(Math.exp));
  });
});

describe("one-pass softmax / log_softmax rows", () => {
  // While onNonFinite is watched, a result with NaN/Inf is recomputed by the composite (which names the
  // op where it appears): the NaN row below makes the watched calls take the composite path.
  it("give the composite's values bit for bit (the composite runs while onNonFinite is watched)", () => {
    const g = torch.Generator().manual_seed(7);
    const x = torch.randn([32, 27], { generator: g }).mul(4);
    // rows with ties, -inf, +inf and NaN
    x.indexSet([0], torch.zeros(27));
    x.indexSet([1, 3], -Infinity);
    x.indexSet([2, 5], Infinity);
    x.indexSet([3, 7], NaN);
    const y = torch.randint(0, 27, [28], { generator: g });
    const fast = [F.softmax(x, 1), F.log_softmax(x, 1), F.cross_entropy(x.index("4:"), y)];
    const watching = inspector.on("nonFinite", () => {});
    try {
      const slow = [F.softmax(x, 1), F.log_softmax(x, 1), F.cross_entropy(x.index("4:"), y)];
      fast.forEach((t, k) => assert.deepEqual(Array.from(t.toArray()), Array.from(slow[k].toArray()), `output ${k}`));
    } finally {
      watching.dispose();
    }
  });
});

describe("cross_entropy's one-pass backward", () => {
  it("gives the general path's gradient bit for bit for every reduction (general path: onNonFinite watched, NaN row)", () => {
    const g = torch.Generator().manual_seed(5);
    const x = torch.randn([30, 27], { generator: g }).mul(3); // 30 rows: g / N rounds
    x.indexSet([1, 3], -Infinity);
    x.indexSet([2, 5], 80);
    x.indexSet([3, 7], NaN);
    const y = torch.randint(0, 27, [30], { generator: g });
    const grads = (reduction: "mean" | "sum" | "none") => {
      const l = x.clone().requires_grad_();
      const loss = F.cross_entropy(l, y, { reduction });
      loss.backward(reduction === "none" ? torch.randn([30], { generator: torch.Generator().manual_seed(9) }) : torch.tensor(0.7));
      return l.grad!;
    };
    for (const reduction of ["mean", "sum", "none"] as const) {
      const fast = grads(reduction);
      const watching = inspector.on("nonFinite", () => {});
      try {
        const slow = grads(reduction);
        assert.deepEqual(Array.from(fast.toArray()), Array.from(slow.toArray()), reduction);
      } finally {
        watching.dispose();
      }
    }
  });
});

describe("2-D reductions, broadcasts and indexing fast paths", () => {
  // The general paths run on the same values laid out as [m, n, 1] (or through a transposed view),
  // which the 2-D loops do not take; results must be identical.
  const g = torch.Generator().manual_seed(11);
  const a = torch.randn([33, 70], { generator: g }).mul(3);
  const a3 = a.view(33, 70, 1);
  const same = (x: Tensor, y: Tensor, what: string) => assert.deepEqual(Array.from(x.toArray()), Array.from(y.toArray()), what);

  it("sum / mean / var / std over one dim equal the general reduction", () => {
    for (const d of [0, 1]) {
      same(a.sum(d), a3.sum(d).reshape(-1), `sum ${d}`);
      same(a.mean(d), a3.mean(d).reshape(-1), `mean ${d}`);
      same(a.var(d), a3.var(d).reshape(-1), `var ${d}`);
      same(a.std(d, { correction: 0 }), a3.std(d, { correction: 0 }).reshape(-1), `std ${d}`);
      same(a.T.sum(d), a3.permute(1, 0, 2).sum(d).reshape(-1), `sum of a transposed view ${d}`);
      same(a.T.var(d), a3.permute(1, 0, 2).var(d).reshape(-1), `var of a transposed view ${d}`);
    }
  });

  it("the var backward over one dim of a 2-D tensor equals the general path's gradient", () => {
    const b = a.clone();
    b.indexSet([5, 3], NaN);
    b.indexSet([7, 9], Infinity);
    for (const src of [a, b, a.T]) {
      for (const d of [0, 1]) {
        for (const opts of [{ keepdim: true }, { correction: 0 }, { keepdim: true, correction: 2 }]) {
          const x = src.clone().requires_grad_(), x3 = src.clone().unsqueeze(2).requires_grad_();
          const v = x.var(d, opts), v3 = x3.var(d, opts);
          const w = torch.randn(v.shape, { generator: g });
          v.backward(w);
          v3.backward(opts.keepdim ? w.unsqueeze(2) : w.unsqueeze(1));
          same(x.grad!, x3.grad!.reshape(src.shape), `d var(${d}, ${JSON.stringify(opts)})`);
        }
      }
    }
    // a strided (transposed) leaf view takes the fast path too
    const y = torch.randn([70, 33], { generator: g, requires_grad: true }), y3 = y.detach().clone().view(70, 33, 1).requires_grad_();
    const w = torch.randn([33], { generator: g });
    y.T.var(1).backward(w);
    y3.permute(1, 0, 2).var(1).backward(w.view(33, 1));
    same(y.grad!, y3.grad!.reshape(70, 33), "d var of a transposed view");
  });

  it("the float32 pow backward in one kernel equals (k * x ** (k - 1)) * g op by op", () => {
    const x = torch.tensor([0, -0, 1, -1, 0.3, -2.5, 7, 1e-20, 3e30, Infinity, -Infinity, NaN]).mul(1.1);
    const w = torch.randn([12], { generator: g });
    for (const k of [2, 3, 1, 0.5, -0.5, -1, -1.5, -2, 1.7, 0.1, 4]) {
      const xl = x.clone().requires_grad_();
      xl.pow(k).backward(w);
      same(xl.grad!, torch.mul(k, x.pow(k - 1)).mul(w), `d x ** ${k}`);
    }
  });

  it("row and column broadcasts equal elementwise products of expanded copies", () => {
    const row = torch.randn([1, 70], { generator: g }), col = torch.randn([33, 1], { generator: g });
    same(a.mul(row), a.mul(row.expand(33, 70).contiguous()), "[m,n] * [1,n]");
    same(col.sub(a), col.expand(33, 70).contiguous().sub(a), "[m,1] - [m,n]");
    same(a.T.add(col.T), a.T.contiguous().add(col.T.expand(70, 33).contiguous()), "transposed + row");
    same(a.div(2.5), a.div(torch.full([33, 70], 2.5)), "tensor / number");
  });

  it("the gradient of a broadcast row factor is the learner's (a * g).sum(0, keepdim)", () => {
    const row = torch.randn([1, 70], { generator: g, requires_grad: true });
    const w = torch.randn([33, 70], { generator: g });
    row.mul(a).backward(w);
    same(row.grad!, a.mul(w).sum(0, { keepdim: true }), "d row");
    same(row.grad!, a3.mul(w.view(33, 70, 1)).sum(0).reshape(1, 70), "and the general path");
  });

  it("both gradients of full * row (bngain * bnraw) in one pass equal the general paths", () => {
    // rows that cancel (2^30, then −2^30 and 2^-30 in the next group of four): summing the products
    // in another order than the general path's gives 0 instead of 2^-30
    const cancel = torch.zeros(33, 70);
    cancel.indexSet([0], 2 ** 30);
    cancel.indexSet([4], -(2 ** 30));
    cancel.indexSet([5], 2 ** -30);
    const r = torch.ones(1, 70).requires_grad_(), c = cancel.clone().requires_grad_();
    c.mul(r).backward(torch.ones(33, 70));
    assert.deepEqual(Array.from(r.grad!.toArray()), new Array(70).fill(2 ** -30), "d row of cancelling rows");
    for (const full of [a, a.T.contiguous().T]) {
      for (const rowShape of [[1, 70], [70]]) {
        for (const rowFirst of [true, false]) {
          const row = torch.randn(rowShape, { generator: g });
          const w = torch.randn([33, 70], { generator: g });
          const f = full.clone().requires_grad_(), r = row.clone().requires_grad_();
          (rowFirst ? r.mul(f) : f.mul(r)).backward(w);
          // the general path: the same values laid out as [m, n, 1], which the 2-D pass does not take
          const f3 = full.unsqueeze(2).clone().requires_grad_(), r3 = row.reshape(1, 70, 1).clone().requires_grad_();
          (rowFirst ? r3.mul(f3) : f3.mul(r3)).backward(w.unsqueeze(2));
          const what = `${rowShape} ${rowFirst ? "row * full" : "full * row"}`;
          same(f.grad!, f3.grad!.reshape(33, 70), `d full, ${what}`);
          same(r.grad!, r3.grad!.reshape(rowShape), `d row, ${what}`);
        }
      }
    }
  });

  it("in-place arithmetic without a graph writes what the out-of-place op computes", () => {
    const row = torch.randn([70], { generator: g });
    const x = a.clone();
    torch.no_grad(() => x.mul_(row).add_(0.1).sub_(a, { alpha: 2 }).div_(3));
    same(x, a.mul(row).add(0.1).sub(a.mul(2)).div(3), "mul_ add_ sub_ div_");
    const y = a.clone();
    y.add_(y); // same storage, same layout
    same(y, a.add(a), "x.add_(x)");
    const z = torch.zeros(3, 3);
    z.index(0).add_(1); // a view: writes through to the base
    assert.deepEqual(z.tolist(), [[1, 1, 1], [0, 0, 0], [0, 0, 0]]);
  });

  it("t[rows, cols] (op)= number with two index tensors equals the general indexed write", () => {
    const rows = torch.tensor([0, 3, -1, 5, 3, 3], { dtype: torch.long }), cols = torch.tensor([2, -4, 9, 0, 1, 1], { dtype: torch.long });
    for (const src of [a, a.T.contiguous().T, a.double()]) {
      for (const mode of ["indexSet", "indexAdd", "indexSub", "indexMul", "indexDiv"] as const) {
        const fast = src.clone(), general = src.clone();
        torch.no_grad(() => {
          fast[mode]([rows, cols], 0.3);
          general.view(33, 70, 1)[mode]([rows, cols], 0.3); // a 3-D view: the general path
        });
        same(fast, general, `${mode} on ${src.dtype}${src.is_contiguous() ? "" : " strided"}`);
      }
    }
    const x = a.clone();
    x.indexSub([torch.arange(33), torch.randint(0, 70, [33], { generator: g })], 1); // the exercise's dlogits[range(n), Yb] -= 1
    assert.throws(() => x.indexSub([rows, torch.tensor([0, 0, 0, 70, 0, 0], { dtype: torch.long })], 1), /out of bounds|out of range/);
  });

  it("row gathers and row += give the general indexing results and gradients", () => {
    const C = torch.randn([27, 10], { generator: g, requires_grad: true });
    const X = torch.randint(0, 27, [32, 3], { generator: g });
    const emb = C.index(X);
    same(emb, C.index(X, ":"), "C[X] and the general C[X, :]");
    const w = torch.randn([32, 3, 10], { generator: g });
    emb.mul(w).sum().backward();
    const dC = torch.zeros(27, 10);
    for (let k = 0; k < 32; k++) for (let j = 0; j < 3; j++) dC.indexAdd([X.index(k, j)], w.index(k, j));
    same(C.grad!, dC, "dC by autograd and by the learner's loop");
    same(dC, torch.zeros(27, 10).index_put_([X.reshape(-1)], w.reshape(96, 10), true), "and by the general index_put_");
  });
});

describe("backward pass: gradients reused instead of copied", () => {
  // Leaves take their incoming gradient as .grad and second contributions are added in place only
  // when the pass allocated that gradient and nothing else holds it. The same graphs run with the
  // inspector's onCreate set (which turns the reuse off) must give the same values, and no two
  // gradients may share storage.
  function run(reuse: boolean) {
    const g = torch.Generator().manual_seed(3);
    const x = torch.randn([4, 5], { generator: g, requires_grad: true });
    const y = torch.randn([4, 5], { generator: g, requires_grad: true });
    const b = torch.randn([5], { generator: g, requires_grad: true });
    const c = torch.randn([4, 5], { generator: g });
    const creating = reuse ? undefined : inspector.on("create", () => {});
    try {
      const grads: Tensor[][] = [];
      for (let pass = 0; pass < 2; pass++) {
        const h = x.mul(c);
        h.retain_grad();
        const p = x.add(y).tanh(); // AddBackward hands one fresh gradient to both x and y
        const s = h.add(h).add(x).add(b); // h's two contributions are one tensor; x and b get passthroughs
        // one fresh gradient pending at two nodes (u, w) while one of them gets a second contribution
        // (from u * w, visited before or after u + w depending on the order the terms are summed)
        const u = x.mul(2), w = y.mul(3), u2 = x.mul(4), w2 = y.mul(5);
        const q = u.add(w).tanh().sum().add(u.mul(w).sum()).add(u2.mul(w2).sum().add(u2.add(w2).tanh().sum()));
        const v = s.mul(p).view(20).sum().add(x.sum(0).mul(b).sum()).add(y.T.matmul(c).sum()).add(q.sum());
        v.backward();
        grads.push([x.grad!.clone(), y.grad!.clone(), b.grad!.clone(), h.grad!.clone()]);
        // no aliasing: writing into one gradient leaves every other one as it was
        const all = [x.grad!, y.grad!, b.grad!, h.grad!];
        for (const t of all) {
          const before = all.map((u) => u.clone());
          torch.no_grad(() => t.add_(1000));
          all.forEach((u, k) => {
            if (u !== t) assert.deepEqual(Array.from(u.toArray()), Array.from(before[k].toArray()), "a gradient shares storage with another");
          });
          torch.no_grad(() => t.sub_(1000));
        }
        grads[pass] = [x.grad!.clone(), y.grad!.clone(), b.grad!.clone(), h.grad!.clone()];
      }
      return grads;
    } finally {
      creating?.dispose();
    }
  }

  it("gives the values of the copying path, and no gradient shares storage with another", () => {
    const fast = run(true), slow = run(false);
    fast.forEach((pass, i) => pass.forEach((t, k) => assert.deepEqual(Array.from(t.toArray()), Array.from(slow[i][k].toArray()), `pass ${i} grad ${k}`)));
  });

  it("never writes into a gradient after showing it to onNonFinite (the watcher may keep it)", () => {
    const inf = torch.tensor([[Infinity, 1], [1, NaN]]);
    const seen: [Tensor, number[]][] = [];
    const watching = inspector.on("nonFinite", (t) => void seen.push([t, Array.from(t.toArray())]));
    try {
      // each leaf gets a non-finite and a finite contribution, one leaf in each order
      const x = torch.tensor([[1, 2], [3, 4]]).requires_grad_(), z = torch.tensor([[5, 6], [7, 8]]).requires_grad_();
      x.mul(inf).sum().add(x.mul(2).sum()).add(z.mul(2).sum().add(z.mul(inf).sum())).backward();
      assert.ok(seen.length >= 2, `${seen.length} reports`);
      for (const [t, vals] of seen) assert.deepEqual(Array.from(t.toArray()), vals, "a reported tensor changed afterwards");
      assert.deepEqual(x.grad!.tolist(), [[Infinity, 3], [3, NaN]]);
      assert.deepEqual(z.grad!.tolist(), [[Infinity, 3], [3, NaN]]);
    } finally {
      watching.dispose();
    }
  });

  it("leaves the caller's gradient and saved tensors alone", () => {
    const x = torch.randn([3, 4], { requires_grad: true });
    const w = torch.randn([3, 4]);
    const keep = w.clone();
    x.add(0).view(12).view(3, 4).backward(w); // the root gradient reaches the leaf through passthroughs
    assert.deepEqual(Array.from(w.toArray()), Array.from(keep.toArray()));
    torch.no_grad(() => x.grad!.add_(1));
    assert.deepEqual(Array.from(w.toArray()), Array.from(keep.toArray()), "x.grad is the caller's tensor");
  });
});

describe("NaN/Inf watching in the generated kernels", () => {
  /** The ops onNonFinite hears about while `fn` runs. */
  function heard(fn: () => void): string[] {
    const ops: string[] = [];
    const watching = inspector.on("nonFinite", (_t, op) => void ops.push(op));
    try {
      fn();
    } finally {
      watching.dispose();
    }
    return ops;
  }
  const g = torch.Generator().manual_seed(3);
  const x = torch.randn([4, 6, 5], { generator: g });

  it("reports a non-finite value in every layout the loops take, and nothing when all are finite", () => {
    // NaN in the first and in the last element: every block is checked and none forgets an earlier one
    const poisonedAt = (i: number, j: number, k: number) => {
      const t = x.clone();
      t.indexSet([i, j, k], NaN);
      return t;
    };
    const row = torch.randn([5], { generator: g }), col = torch.randn([4, 6, 1], { generator: g });
    const layouts: [string, (t: typeof x) => unknown][] = [
      ["same shape", (t) => t.add(t)],
      ["row broadcast", (t) => t.mul(row)],
      ["column broadcast", (t) => t.sub(col)],
      ["a number", (t) => t.div(2)],
      ["strided (transposed) operand", (t) => t.transpose(0, 2).add(1)],
      ["outer blocks", (t) => t.transpose(1, 2).mul(x.transpose(1, 2))],
      ["unary", (t) => t.neg()],
      ["unary, strided", (t) => t.transpose(0, 1).abs()],
    ];
    for (const [what, op] of layouts) {
      assert.deepEqual(heard(() => op(x)), [], `${what}: finite input`);
      for (const poisoned of [poisonedAt(0, 0, 0), poisonedAt(3, 5, 4)]) assert.equal(heard(() => op(poisoned)).length, 1, `${what}: NaN input`);
    }
  });

  it("sees a value that only becomes infinite when stored as float32, and in-place writes", () => {
    const big = torch.tensor([1e30, 1]);
    assert.deepEqual(heard(() => big.mul(1e10)), ["mul"]);
    assert.deepEqual(heard(() => torch.tensor([1, 2]).mul(3)), []);
    const y = torch.tensor([1, 2, 3]);
    assert.deepEqual(heard(() => torch.no_grad(() => y.div_(0))), ["div"]);
  });

  it("stays silent for integer and bool results", () => {
    const i = torch.tensor([1, 2], { dtype: torch.long });
    assert.deepEqual(heard(() => { i.mul(2); i.gt(1); }), []);
  });
});
