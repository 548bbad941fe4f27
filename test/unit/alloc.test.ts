// Elementwise kernels write their results into storage that is not zeroed first (allocForOverwrite,
// src/engine/dtype.ts). With `overwriteCheck.poison` that storage starts as NaN, so an element a
// kernel forgets to write stays NaN; every layout the kernels handle is run both ways and must give
// the same bits, and no NaN where the inputs cannot make one.
import assert from "node:assert/strict";
import { torch, Tensor } from "../../src/engine/index";
import { allocForOverwrite, overwriteCheck, storagePool } from "../../src/engine/dtype";
import { F } from "../../src/engine/index";

const g = torch.Generator().manual_seed(7);
const randn = (...shape: number[]) => torch.randn(shape, { generator: g });
const ints = (...shape: number[]) => torch.randint(-50, 50, shape, { generator: g });

/** [label, op]: each op's output, large and in the layouts the kernels treat apart. */
const a = randn(64, 64), row = randn(64), col = randn(64, 1), big3 = randn(4, 32, 33), mid = randn(4, 1, 33);
const wide = randn(64, 128), ia = ints(64, 64), irow = ints(64);
const cases: [string, () => Tensor][] = [
  ["same shape", () => a.add(a)],
  ["row broadcast", () => a.mul(row)],
  ["column broadcast", () => a.sub(col)],
  ["number operand", () => a.div(3)],
  ["number first", () => a.rsub(1.5)],
  ["transposed view", () => a.T.add(row)],
  ["strided slice", () => wide.index(":", torch.slice(null, null, 2)).mul(a)],
  ["expanded", () => col.expand(64, 64).add(row)],
  ["3-D with a broadcast middle dim", () => big3.mul(mid)],
  ["3-D permuted", () => big3.permute(2, 0, 1).add(1)],
  ["unary contiguous", () => a.tanh()],
  ["unary transposed", () => a.T.exp()],
  ["unary 3-D permuted", () => big3.permute(1, 2, 0).neg()],
  ["pow", () => a.pow(2)],
  ["float64", () => a.double().mul(row.double())],
  ["int64", () => ia.add(irow)],
  ["int64 to float division", () => ia.div(7)],
  ["comparison (bool)", () => a.gt(row)],
  ["cast", () => a.to("float64")],
  ["matmul", () => a.matmul(a)],
];

function bits(t: Tensor): string {
  const v = t.toArray();
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex");
}

describe("elementwise kernels write every element of their (uninitialized) output", () => {
  afterEach(() => {
    overwriteCheck.poison = false;
  });

  for (const [label, op] of cases) {
    it(label, () => {
      overwriteCheck.poison = false;
      const plain = op();
      overwriteCheck.poison = true;
      const poisoned = op();
      assert.deepEqual(poisoned.shape, plain.shape);
      assert.equal(poisoned.dtype, plain.dtype);
      assert.ok(bits(poisoned) === bits(plain), `${label}: the results differ where the storage started as NaN`);
      const nan = poisoned.toArray().findIndex((x) => Number.isNaN(x));
      assert.equal(nan, -1, `${label}: element ${nan} was never written`);
    });
  }

  it("the check itself: with the poison on, storage for overwriting is all NaN, whatever its size", () => {
    overwriteCheck.poison = true;
    for (const n of [4096, 100]) {
      const fresh = allocForOverwrite(n === 100 ? "float64" : "float32", n);
      assert.equal(fresh.length, n);
      assert.ok(fresh.every((x) => Number.isNaN(x)));
    }
  });
});

/**
 * The backward pass hands the gradients it allocated and used up to the next allocations of their
 * size (storagePool). Exercise 4's step, with a reshape (a view of a gradient), a tensor used twice
 * (two contributions), a retained intermediate grad and an in-place update, run with the pool and
 * without: every loss and every gradient must have the same bits, and a .grad from an earlier step,
 * kept by the script, must not change when later steps reuse storage.
 */
describe("storage reuse in the backward pass", () => {
  afterEach(() => {
    storagePool.enabled = true;
  });

  function train(steps: number, pool: boolean): { losses: string[]; grads: string[]; kept: { t: Tensor; bits: string }[] } {
    storagePool.enabled = pool;
    const gen = torch.Generator().manual_seed(42);
    const X = torch.randint(0, 27, [500, 3], { generator: gen }), Y = torch.randint(0, 27, [500], { generator: gen });
    const C = torch.randn([27, 10], { generator: gen }), W1 = torch.randn([30, 64], { generator: gen }).mul(0.3);
    const b1 = torch.randn([64], { generator: gen }).mul(0.1), W2 = torch.randn([64, 27], { generator: gen }).mul(0.1);
    const b2 = torch.randn([27], { generator: gen }).mul(0.1), bngain = torch.ones([1, 64]), bnbias = torch.zeros([1, 64]);
    const params = [C, W1, b1, W2, b2, bngain, bnbias];
    for (const p of params) p.requires_grad = true;
    const losses: string[] = [], kept: { t: Tensor; bits: string }[] = [];
    let grads: string[] = [];
    for (let step = 0; step < steps; step++) {
      const ix = torch.randint(0, 500, [32], { generator: gen });
      const emb = C.index(X.index(ix));
      const hprebn = emb.view(32, -1).matmul(W1).add(b1);
      const bndiff = hprebn.sub(hprebn.mean(0, { keepdim: true }));
      const bnraw = bndiff.mul(bndiff.pow(2).mean(0, { keepdim: true }).add(1e-5).pow(-0.5));
      const h = torch.tanh(bngain.mul(bnraw).add(bnbias));
      h.retain_grad();
      const logits = h.matmul(W2).add(b2).add(h.sum(1, { keepdim: true }).mul(0.01));
      const loss = F.cross_entropy(logits, Y.index(ix));
      for (const p of params) p.grad = null;
      loss.backward();
      losses.push(bits(loss));
      grads = [...params.map((p) => bits(p.grad!)), bits(h.grad!)];
      if (step % 10 === 0) kept.push({ t: W1.grad!, bits: bits(W1.grad!) }, { t: h.grad!, bits: bits(h.grad!) });
      torch.no_grad(() => params.forEach((p) => p.data.add_(torch.mul(-0.1, p.grad!))));
    }
    return { losses, grads, kept };
  }

  it("gives the same bits as fresh storage, and never writes into a gradient the script holds", () => {
    const before = storagePool.reused;
    const pooled = train(60, true);
    assert.ok(storagePool.reused > before, "the pool never served an allocation: the test checks nothing");
    const fresh = train(60, false);
    assert.deepEqual(pooled.losses, fresh.losses);
    assert.deepEqual(pooled.grads, fresh.grads);
    for (const [i, k] of pooled.kept.entries()) assert.equal(bits(k.t), k.bits, `kept gradient ${i} changed after its step`);
  });
});
