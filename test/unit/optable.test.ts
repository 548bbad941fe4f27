// The op table's `saves` is what each unary op's backward really reads: changing that tensor in
// place before backward() is PyTorch's "modified by an inplace operation" error, changing the other
// one (input or output) is not.
import { strict as assert } from "node:assert";
import { torch, type Tensor } from "../../src/engine/index";
import { UNARY_OPS } from "../../src/engine/ops/table";

const MODIFIED = /modified by an inplace operation/;

describe("op table: what each unary op saves", () => {
  for (const [name, row] of Object.entries(UNARY_OPS)) {
    if (row.saves !== "input" && row.saves !== "output") continue;
    const other = row.saves === "input" ? "output" : "input";
    it(`${name} reads its ${row.saves} in backward, not its ${other}`, () => {
      const run = (change: "input" | "output") => {
        const x = torch.tensor([0.5, 1.5, 2.0], { requires_grad: true });
        const input = x.mul(1); // not a leaf, so it may be changed in place
        const output: Tensor = row.fn(input);
        torch.no_grad(() => (change === "input" ? input : output).add_(0));
        output.sum().backward();
      };
      assert.throws(() => run(row.saves as "input" | "output"), MODIFIED);
      assert.doesNotThrow(() => run(other));
    });
  }
});
