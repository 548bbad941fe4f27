// Elementwise kernels write their results into storage that is not zeroed first (allocForOverwrite,
// src/engine/dtype.ts). With `overwriteCheck.poison` that storage starts as NaN, so an element a
// kernel forgets to write stays NaN; every layout the kernels handle is run both ways and must give
// the same bits, and no NaN where the inputs cannot make one.
import assert from "node:assert/strict";
import { torch, Tensor } from "../../src/engine/index";
import { allocForOverwrite, overwriteCheck } from "../../src/engine/dtype";

const g = torch.Generator().manual_seed(7);
const randn = (...shape: number[]) => torch.randn(shape, { generator: g });
const ints = (...shape: number[]) => torch.randint(-50, 50, shape, { generator: g });

/** [label, op]: every op gives ≥ 2048 elements, so the uninitialized allocation is used. */
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
      assert.ok(plain.numel() >= 2048, `${label}: ${plain.numel()} elements is below the uninitialized allocation's threshold`);
      assert.deepEqual(poisoned.shape, plain.shape);
      assert.equal(poisoned.dtype, plain.dtype);
      assert.ok(bits(poisoned) === bits(plain), `${label}: the results differ where the storage started as NaN`);
      const nan = poisoned.toArray().findIndex((x) => Number.isNaN(x));
      assert.equal(nan, -1, `${label}: element ${nan} was never written`);
    });
  }

  it("the check itself: with the poison on, fresh storage is all NaN (and only the large kind is uninitialized)", () => {
    overwriteCheck.poison = true;
    const fresh = allocForOverwrite("float32", 4096);
    assert.equal(fresh.length, 4096);
    assert.ok(fresh.every((x) => Number.isNaN(x)));
    assert.ok(allocForOverwrite("float64", 100).every((x) => x === 0));
  });
});
