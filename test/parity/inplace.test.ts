// A tensor that a backward function needs, changed in place before backward(): PyTorch raises (its
// saved tensors carry a version); where it does not, it computes the gradients. The same scenarios as
// scripts/reference/gen_inplace_fixtures.py, whose output from real PyTorch 1.13 is
// test/fixtures/parity/inplace.json: the engine must raise exactly where PyTorch does, with the same
// first sentence (tensor type, shape, the node whose output it is, the versions), and otherwise give
// the same gradients.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { torch, F, type Tensor } from "../../src/engine/index";

interface Outcome {
  raises: boolean;
  message?: string;
  grads?: unknown[];
}
const fixture = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../fixtures/parity/inplace.json"), "utf8")) as {
  torch: string;
  scenarios: Record<string, Outcome>;
};

const leaf = (values: number[] | number[][]) => torch.tensor(values, { requires_grad: true });
const noGrad = (fn: () => unknown) => void torch.no_grad(fn);

/** Each returns the loss and the leaves whose gradients PyTorch reported. */
const SCENARIOS: Record<string, () => [Tensor, Tensor[]]> = {
  tanh_output_changed() {
    const x = leaf([0.5, -1.0, 2.0]);
    const y = x.tanh();
    y.mul_(2);
    return [y.sum(), [x]];
  },
  leaf_changed_under_no_grad() {
    const x = leaf([1, 2, 3]), w = leaf([0.5, 0.25, -1]);
    const z = x.mul(w).sum();
    noGrad(() => w.add_(1));
    return [z, [x, w]];
  },
  leaf_changed_twice() {
    const x = leaf([1, 2, 3]), w = leaf([0.5, 0.25, -1]);
    const z = x.mul(w).sum();
    noGrad(() => w.add_(1).mul_(2));
    return [z, [x, w]];
  },
  add_saves_nothing() {
    const x = leaf([1, 2, 3]), w = leaf([0.5, 0.25, -1]);
    const z = x.add(w).sum();
    noGrad(() => w.add_(1));
    return [z, [x, w]];
  },
  data_is_not_tracked() {
    const x = leaf([1, 2, 3]), w = leaf([0.5, 0.25, -1]);
    const z = x.mul(w).sum();
    w.data.add_(1);
    return [z, [x, w]];
  },
  log_input_changed() {
    const a = leaf([0.5, 1.5, 2.5]);
    const x = a.mul(1);
    const y = x.log();
    x.add_(1);
    return [y.sum(), [a]];
  },
  exp_keeps_its_output() {
    const a = leaf([0.5, 1.5, -2.5]);
    const x = a.mul(1);
    const y = x.exp();
    x.add_(1);
    return [y.sum(), [a]];
  },
  pow_input_changed() {
    const a = leaf([0.5, 1.5, -2.5]);
    const x = a.mul(1);
    const y = x.pow(2);
    x.mul_(3);
    return [y.sum(), [a]];
  },
  sum_then_change() {
    const a = leaf([0.5, 1.5, -2.5]);
    const x = a.mul(1);
    const y = x.sum();
    x.mul_(3);
    return [y, [a]];
  },
  scalar_mul_then_change() {
    const a = leaf([0.5, 1.5, -2.5]);
    const x = a.mul(1);
    const y = x.mul(2);
    x.add_(1);
    return [y.sum(), [a]];
  },
  mul_constant_changed() {
    const w = leaf([0.5, 0.25, -1]);
    const c = torch.tensor([1, 2, 3]);
    const z = c.mul(w).sum();
    c.add_(1);
    return [z, [w]];
  },
  mul_unneeded_factor_changed() {
    const a = leaf([0.5, 1.5, -2.5]);
    const x = a.mul(1);
    const c = torch.tensor([1, 2, 3]);
    const z = x.mul(c).sum();
    x.add_(1);
    return [z, [a]];
  },
  div_denominator_changed() {
    const a = leaf([0.5, 1.5, -2.5]);
    const x = a.mul(1);
    const c = torch.tensor([1, 2, 3]);
    const z = c.div(x).sum();
    x.add_(1);
    return [z, [a]];
  },
  softmax_output_changed() {
    const a = leaf([[0.5, 1.5, -2.5], [1, 0, 2]]);
    const y = F.softmax(a, 1);
    y.add_(1);
    return [y.mul(torch.tensor([1, 2, 3])).sum(), [a]];
  },
  relu_output_changed() {
    const a = leaf([0.5, -1.5, 2.5]);
    const y = a.relu();
    y.mul_(2);
    return [y.sum(), [a]];
  },
  matmul_weight_changed() {
    const x = torch.tensor([[1, 2, 3], [0.5, -1, 0.25]]);
    const w = leaf([[0.5, 1], [-1, 0.25], [2, 0.5]]);
    const z = x.matmul(w).sum();
    noGrad(() => w.mul_(2));
    return [z, [w]];
  },
  matmul_base_of_view_changed() {
    const x = torch.tensor([[1, 2, 3], [0.5, -1, 0.25]]);
    const w = leaf([[0.5, -1, 2], [1, 0.25, 0.5]]);
    const z = x.matmul(w.T).sum();
    noGrad(() => w.mul_(2));
    return [z, [w]];
  },
};

/** PyTorch's first sentence, up to "expected version N instead." (the hints differ on purpose). */
const firstSentence = (m: string) => m.slice(0, m.indexOf(" instead.") + " instead.".length);

describe(`in-place changes of saved tensors, against PyTorch ${fixture.torch}`, () => {
  it("covers every scenario of the fixture", () => {
    assert.deepEqual(Object.keys(SCENARIOS).sort(), Object.keys(fixture.scenarios).sort());
  });
  for (const [name, expected] of Object.entries(fixture.scenarios)) {
    it(`${name}: ${expected.raises ? "raises" : "computes the gradients"} as PyTorch does`, () => {
      const [loss, leaves] = SCENARIOS[name]();
      let error: Error | undefined;
      try {
        loss.backward();
      } catch (e) {
        error = e as Error;
      }
      if (expected.raises) {
        assert.ok(error, "backward() did not raise");
        assert.equal(firstSentence(error.message), firstSentence(expected.message!));
        assert.match(error.message, /Hint: \w+Backward\d needs its values/);
      } else {
        assert.equal(error, undefined, error?.message);
        leaves.forEach((t, i) => {
          const want = expected.grads![i] as number[];
          const got = t.grad!.tolist() as number[];
          assert.deepEqual(got.flat().map((v) => Math.fround(v)), want.flat(2 as 1).map((v) => Math.fround(v as number)), `grad of leaf ${i}`);
        });
      }
    });
  }
});
