import assert from "node:assert/strict";
import { torch, F, cmp, range, TorchError, Tensor, pyFloatRepr } from "../../src/engine/index";

const t = torch.tensor;
const L = (v: Parameters<typeof torch.tensor>[0]) => torch.tensor(v, { dtype: torch.long });
const close = (a: Tensor, b: number[] | number, tol = 1e-6) => {
  const x = a.toArray();
  const y = typeof b === "number" ? [b] : b;
  assert.equal(x.length, y.length, `length ${x.length} vs ${y.length}`);
  x.forEach((v, i) => assert.ok(Math.abs(v - y[i]) <= tol * (1 + Math.abs(y[i])), `element ${i}: ${v} vs ${y[i]}`));
};

describe("tensor creation and dtypes", () => {
  it("makes float32 from numbers (JS has no ints), bool from booleans, int64 on request", () => {
    assert.equal(t([1, 2, 3]).dtype, "float32");
    assert.equal(t([1, 2, 3], { dtype: torch.long }).dtype, "int64");
    assert.equal(t([true, false]).dtype, "bool");
    assert.equal(t([1.5, 2]).dtype, "float32");
    assert.deepEqual(t([[1, 2], [3, 4]]).shape, [2, 2]);
  });
  it("stores float32 values rounded to float32", () => {
    assert.equal(t([0.1]).item(), Math.fround(0.1));
    assert.equal(t([0.1], { dtype: "float64" }).item(), 0.1);
  });
  it("rejects ragged nested arrays", () => {
    assert.throws(() => t([[1, 2], [3]]), TorchError);
  });
  it("arange, zeros, ones, full and the _like forms", () => {
    assert.deepEqual(torch.arange(5).tolist(), [0, 1, 2, 3, 4]);
    assert.deepEqual(torch.arange(1, 7, 2).tolist(), [1, 3, 5]);
    assert.deepEqual(torch.zeros(2, 3).shape, [2, 3]);
    assert.deepEqual(torch.ones([2]).tolist(), [1, 1]);
    assert.deepEqual(torch.full([2], 7).tolist(), [7, 7]);
    const x = t([[1.5, 2]]);
    assert.deepEqual(torch.zeros_like(x).tolist(), [[0, 0]]);
    assert.equal(torch.ones_like(x).dtype, "float32");
  });
});

describe("elementwise ops", () => {
  it("broadcasts [32,27] with [32,1] and [27]", () => {
    const a = torch.ones(4, 3), b = t([[1], [2], [3], [4]]), c = t([10, 20, 30]);
    assert.deepEqual(a.mul(b).add(c).tolist(), [[11, 21, 31], [12, 22, 32], [13, 23, 33], [14, 24, 34]]);
  });
  it("names the op and both sizes when shapes do not broadcast", () => {
    assert.throws(() => torch.ones(32, 27).mul(torch.ones(27, 32)), /mul: The size of tensor a \(27\) must match the size of tensor b \(32\) at non-singleton dimension 1/);
  });
  it("uses torch's pow fast paths, rounding each float32 step", () => {
    const x = t([3.7, 0.3, 2.5]);
    const xs = x.toArray();
    const f = Math.fround;
    assert.deepEqual(Array.from(x.pow(3).toArray()), Array.from(xs, (v) => f(f(v * v) * v)));
    assert.deepEqual(Array.from(x.pow(-0.5).toArray()), Array.from(xs, (v) => f(1 / f(Math.sqrt(v)))));
    assert.deepEqual(Array.from(x.pow(-2).toArray()), Array.from(xs, (v) => f(1 / f(v * v))));
    close(x.pow(1.5), Array.from(xs, (v) => v ** 1.5));
  });
  it("keeps int tensors integral and promotes with float scalars", () => {
    const i = L([1, 2, 3]);
    assert.equal(i.add(1).dtype, "int64");
    assert.equal(i.mul(0.5).dtype, "float32");
    assert.equal(i.div(2).dtype, "float32");
    assert.deepEqual(i.div(2).tolist(), [0.5, 1, 1.5]);
  });
  it("comparisons return bool tensors; where and masked_fill select", () => {
    const x = t([-1, 0, 2.5]);
    assert.deepEqual(x.gt(0).tolist(), [false, false, true]);
    assert.deepEqual(torch.where(x.gt(0), x, t(0.0)).tolist(), [0, 0, 2.5]);
    assert.deepEqual(x.masked_fill(x.lt(0), 9).tolist(), [9, 0, 2.5]);
  });
  it("handles NaN and infinities like IEEE float32", () => {
    const x = t([0, -1, Infinity]);
    assert.deepEqual(x.log().tolist(), [-Infinity, NaN, Infinity]);
    assert.deepEqual(x.exp().tolist(), [1, Math.fround(Math.exp(-1)), Infinity]);
    assert.equal((t([NaN, 1]).relu().tolist() as number[])[0], NaN);
  });
});

describe("reductions", () => {
  const x = t([[1, 2, 3], [4, 5, 6]], { dtype: "float32" });
  it("sum/mean with dim, negative dim, keepdim and keepdims", () => {
    assert.deepEqual(x.sum().tolist(), 21);
    assert.deepEqual(x.sum(0).tolist(), [5, 7, 9]);
    assert.deepEqual(x.sum(-1, { keepdim: true }).shape, [2, 1]);
    assert.deepEqual(x.sum(1, { keepdims: true }).tolist(), [[6], [15]]);
    assert.deepEqual(x.mean(1).tolist(), [2, 5]);
    assert.deepEqual(x.sum([0, 1]).tolist(), 21);
  });
  it("var/std are unbiased by default, with unbiased=false and correction", () => {
    close(x.var(1), [1, 1]);
    close(x.var(1, { unbiased: false }), [2 / 3, 2 / 3]);
    close(x.var(1, { correction: 0 }), [2 / 3, 2 / 3]);
    close(x.std(), Math.sqrt(3.5));
  });
  it("max/min return values and indices (first on ties); argmax", () => {
    const y = t([[3, 7, 7], [9, 1, 2]]);
    const { values, indices } = y.max(1);
    assert.deepEqual(values.tolist(), [7, 9]);
    assert.deepEqual(indices.tolist(), [1, 0]);
    const [v2, i2] = y.min(0, { keepdim: true });
    assert.deepEqual(v2.tolist(), [[3, 1, 2]]);
    assert.deepEqual(i2.tolist(), [[0, 1, 1]]);
    assert.equal(y.argmax().item(), 3);
    assert.equal(y.max().item(), 9);
  });
  it("rejects an out-of-range dim", () => {
    assert.throws(() => x.sum(2), /Dimension out of range/);
  });
});

describe("views, matmul and indexing", () => {
  it("views share storage; reshape copies a non-contiguous tensor", () => {
    const a = torch.arange(6).float();
    const v = a.view(2, 3);
    v.data.index(0, 0).fill_(100);
    assert.equal(a.index(0).item(), 100);
    assert.throws(() => v.T.view(6), /view size is not compatible/);
    assert.deepEqual(v.T.reshape(6).tolist(), [100, 3, 1, 4, 2, 5]);
    assert.throws(() => a.view(4, -1), /invalid for input of size 6/);
  });
  it("matmul for 1-D, 2-D and batched operands", () => {
    const A = t([[1, 2], [3, 4]], { dtype: "float32" });
    assert.deepEqual(A.matmul(t([1.0, 1.0])).tolist(), [3, 7]);
    assert.deepEqual(t([1.0, 1.0]).matmul(A).tolist(), [4, 6]);
    assert.equal(t([1.0, 2.0]).matmul(t([3.0, 4.0])).item(), 11);
    const B = torch.stack([A, A.mul(2)]);
    assert.deepEqual(B.matmul(A).shape, [2, 2, 2]);
    assert.deepEqual(B.matmul(A).index(1).tolist(), [[14, 20], [30, 44]]);
    assert.throws(() => torch.ones(32, 64).matmul(torch.ones(27, 64)), /mat1 and mat2 shapes cannot be multiplied \(32x64 and 27x64\)/);
  });
  it("C[Xb] gathers rows into [32, 3, 10]; logprobs[range(n), Yb] picks one per row", () => {
    const C = torch.randn(27, 10);
    const Xb = torch.randint(0, 27, [32, 3]);
    const emb = C.index(Xb);
    assert.deepEqual(emb.shape, [32, 3, 10]);
    assert.deepEqual(emb.index(5, 2).tolist(), C.index(Xb.index(5, 2).item()).tolist());
    const lp = torch.arange(12).view(3, 4);
    assert.deepEqual(lp.index(range(3), L([3, 0, 1])).tolist(), [3, 4, 9]);
    assert.deepEqual(lp.index(":", L([0, 2])).tolist(), [[0, 2], [4, 6], [8, 10]]);
    assert.deepEqual(lp.index("1:", "::2").tolist(), [[4, 6], [8, 10]]);
    assert.deepEqual(lp.index(lp.gt(9)).tolist(), [10, 11]);
    assert.deepEqual(lp.index(null, 0).shape, [1, 4]);
    assert.throws(() => lp.index(3), /index 3 is out of bounds for dimension 0 with size 3/);
  });
  it("index assignment with scalars, tensors and Python's += semantics", () => {
    const z = torch.zeros(3, 4);
    z.indexSet([range(3), L([1, 2, 3])], -0.5);
    assert.deepEqual(z.tolist(), [[0, -0.5, 0, 0], [0, 0, -0.5, 0], [0, 0, 0, -0.5]]);
    const d = torch.zeros(3, 2);
    d.indexAdd([L(1)], t([1.0, 2.0]));
    d.indexAdd([L(1)], t([1.0, 2.0]));
    assert.deepEqual(d.tolist(), [[0, 0], [2, 4], [0, 0]]);
    // t[[1, 1]] += 1 writes once (read, add, write back), while index_put_ accumulates
    const e = torch.zeros(3);
    e.indexAdd([[1, 1]], 1);
    assert.deepEqual(e.tolist(), [0, 1, 0]);
    e.index_put_([L([1, 1])], t([1.0, 1.0]), true);
    assert.deepEqual(e.tolist(), [0, 3, 0]);
  });
});

describe("autograd", () => {
  it("accumulates a tensor used twice and across backward calls", () => {
    const x = t([2.0], { requires_grad: true });
    const y = x.mul(x).add(x); // 2x + 1
    y.sum().backward();
    assert.deepEqual(x.grad!.tolist(), [5]);
    x.mul(3).sum().backward();
    assert.deepEqual(x.grad!.tolist(), [8]);
  });
  it("keeps non-leaf grads only with retain_grad (or the inspector)", () => {
    const x = t([1.0, 2.0], { requires_grad: true });
    const h = x.mul(2), k = x.mul(3);
    h.retain_grad();
    h.add(k).sum().backward();
    assert.deepEqual(h.grad!.tolist(), [1, 1]);
    assert.equal(k.grad, null);
    const retaining = torch.inspector.on("backward", () => {}, { retainGrads: true });
    try {
      const m = x.mul(4);
      m.sum().backward();
      assert.deepEqual(m.grad!.tolist(), [1, 1]);
    } finally {
      retaining.dispose();
    }
  });
  it("follows torch's in-place rules", () => {
    const w = t([1.0], { requires_grad: true });
    assert.throws(() => w.add_(1), /a leaf Variable that requires grad is being used in an in-place operation/);
    torch.no_grad(() => w.add_(1));
    assert.equal(w.item(), 2);
    w.data.mul_(10);
    assert.equal(w.item(), 20);
    // in-place on a non-leaf joins the graph
    const a = w.mul(1);
    a.mul_(3);
    a.sum().backward();
    assert.deepEqual(w.grad!.tolist(), [3]);
  });
  it("builds a torch-like graph: grad_fn names and AccumulateGrad leaves", () => {
    const x = t([1.0], { requires_grad: true });
    const y = x.exp().mul(2);
    assert.equal(y.grad_fn!.name(), "MulBackward0");
    const exp = y.grad_fn!.next_functions[0][0]!;
    assert.equal(exp.name(), "ExpBackward0");
    const acc = exp.next_functions[0][0]!;
    assert.equal(acc.name(), "AccumulateGrad");
    assert.equal(acc.variable, x);
  });
  it("errors on a second backward through a freed graph, and on non-scalar backward", () => {
    const x = t([1.0, 2.0], { requires_grad: true });
    const y = x.mul(x).sum();
    y.backward();
    assert.throws(() => y.backward(), /backward through the graph a second time/);
    assert.throws(() => x.mul(2).backward(), /grad can be implicitly created only for scalar outputs/);
    x.mul(2).backward(torch.ones(2));
  });
  it("survives a 100,000-op deep graph", () => {
    let y = t([1.0], { requires_grad: true });
    const x = y;
    for (let i = 0; i < 100_000; i++) y = y.add(0);
    y.sum().backward();
    assert.deepEqual(x.grad!.tolist(), [1]);
  });
});

/** Central differences in float64 for f: R^n -> R at x. */
function numericGrad(f: (x: Tensor) => Tensor, x: Tensor, eps = 1e-6): number[] {
  const base = x.toArray();
  return Array.from(base, (_, i) => {
    const plus = base.slice(), minus = base.slice();
    plus[i] += eps;
    minus[i] -= eps;
    const fp = f(torch.fromArray(plus, x.shape, "float64")).item();
    const fm = f(torch.fromArray(minus, x.shape, "float64")).item();
    return (fp - fm) / (2 * eps);
  });
}

describe("gradients match float64 finite differences", () => {
  const dbl = { dtype: "float64" as const };
  const x0 = () => torch.randn(3, 4, dbl).mul(0.8).add(0.1);
  const w = torch.randn(3, 4, dbl);
  const cases: [string, (x: Tensor) => Tensor, () => Tensor][] = [
    ["exp", (x) => x.exp(), x0],
    ["log", (x) => x.log(), () => x0().abs().add(0.5)],
    ["tanh", (x) => x.tanh(), x0],
    ["sigmoid", (x) => x.sigmoid(), x0],
    ["relu", (x) => x.relu(), () => x0().add(0.05)],
    ["sqrt", (x) => x.sqrt(), () => x0().abs().add(0.5)],
    ["abs", (x) => x.abs(), () => x0().add(0.05)],
    ["pow 3", (x) => x.pow(3), x0],
    ["pow -1.5", (x) => x.pow(-1.5), () => x0().abs().add(0.5)],
    ["pow tensor", (x) => x.abs().add(0.5).pow(x), x0],
    ["div broadcast", (x) => x.div(x.sum(1, { keepdim: true }).add(10)), x0],
    ["sub broadcast", (x) => x.sub(x.mean(0, { keepdim: true })), x0],
    ["var", (x) => x.var(0, { keepdim: true }), x0],
    ["std", (x) => x.std(1), x0],
    ["max dim", (x) => x.max(1, { keepdim: true }).values, x0],
    ["matmul", (x) => x.matmul(x.T.mul(0.5)), x0],
    ["softmax", (x) => F.softmax(x, 1), x0],
    ["log_softmax", (x) => F.log_softmax(x, 0), x0],
    ["cross_entropy", (x) => F.cross_entropy(x, L([0, 3, 1])), x0],
    ["index", (x) => x.index(L([2, 0, 2])).mul(x.index(range(3), L([1, 1, 3])).unsqueeze(1)), x0],
    ["view/transpose", (x) => x.view(4, 3).transpose(0, 1).mul(x), x0],
    ["cat", (x) => torch.cat([x, x.mul(2)], 1).sum(0), x0],
    ["where", (x) => torch.where(x.gt(0), x.mul(x), x.mul(-3)), () => x0().add(0.05)],
  ];
  for (const [name, f, init] of cases) {
    it(name, () => {
      const x = init().detach().requires_grad_();
      const out = f(x);
      const wv = out.numel() === 12 ? w.view(out.shape) : torch.randn(out.shape, dbl);
      out.mul(wv).sum().backward();
      const num = numericGrad((z) => f(z).mul(wv).sum(), x);
      const got = x.grad!.toArray();
      num.forEach((v, i) => assert.ok(Math.abs(got[i] - v) <= 1e-6 * (1 + Math.abs(v)), `${name} element ${i}: autograd ${got[i]} vs numeric ${v}`));
    });
  }
});

describe("cmp", () => {
  it("reports exact, approximate, wrong, shape mismatch, no grad and not written", () => {
    const x = t([1.0, 2.0], { requires_grad: true });
    x.mul(3).sum().backward();
    const quiet = console.log;
    console.log = () => {};
    try {
      assert.equal(cmp("x", t([3.0, 3.0]), x).status, "exact");
      const approx = cmp("x", t([3.0, 3.00001]), x);
      assert.equal(approx.status, "approximate");
      assert.equal(approx.maxdiff, Math.fround(Math.fround(3.00001) - 3));
      assert.equal(cmp("x", t([3.0, 4.0]), x).status, "wrong");
      const sm = cmp("x", t([[3.0], [3.0]]), x);
      assert.equal(sm.status, "shape-mismatch");
      assert.match(sm.message!, /\[2, 1\].*\[2\]/);
      const y = x.mul(2);
      assert.equal(cmp("y", t([1.0, 1.0]), y).status, "no-grad");
      assert.match(cmp("y", t([1.0, 1.0]), y).message!, /retain_grad/);
      assert.equal(cmp("z", null, x).status, "not-written");
    } finally {
      console.log = quiet;
    }
  });
  it("prints maxdiff like Python's float repr", () => {
    assert.equal(pyFloatRepr(0), "0.0");
    assert.equal(pyFloatRepr(3.725290298461914e-9), "3.725290298461914e-09");
    assert.equal(pyFloatRepr(0.0001), "0.0001");
    assert.equal(pyFloatRepr(1.5e-5), "1.5e-05");
    assert.equal(pyFloatRepr(123.25), "123.25");
    assert.equal(pyFloatRepr(1e16), "1e+16");
  });
});

describe("printing", () => {
  it("looks like torch's repr", () => {
    assert.equal(String(t([1.0, 2.5])), "tensor([1.0000, 2.5000])");
    assert.equal(String(L([[1, 2], [3, 4]])), "tensor([[1, 2],\n        [3, 4]])");
    assert.equal(String(t([2.0], { requires_grad: true }).mul(2)), "tensor([4.], grad_fn=<MulBackward0>)");
    assert.equal(String(t(3.5)), "tensor(3.5000)");
  });
});
