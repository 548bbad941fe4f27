// The "New backprop exercise" scaffold (examples/scaffold/backprop_ninja.ts): it runs as-is, every
// blank gradient is reported as "not written yet" (not as an error), and filling one blank with the
// solution's expression turns that row exact while the rest stay blank.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Runner } from "../../src/runner/runner";
import { countVerdicts } from "../../src/protocol/trace";
import { exitCode } from "../../src/cli/main";

const repoRoot = path.resolve(__dirname, "../..");
const scaffoldFile = path.join(repoRoot, "examples/scaffold/backprop_ninja.ts");
const scaffold = fs.readFileSync(scaffoldFile, "utf8");

describe("exercise scaffold", function () {
  this.timeout(120_000);
  const runner = new Runner();
  after(() => runner.dispose());

  it("runs as-is and reports every blank gradient as not written yet", async () => {
    const t = await runner.run(scaffoldFile, { timeoutMs: 60_000 }).trace;
    assert.equal(t.status, "ok", JSON.stringify(t.error));
    assert.equal(t.error, undefined);
    const cmpCalls = scaffold.split("\n").filter((l) => l.startsWith("cmp(")).length;
    assert.equal(cmpCalls, 28);
    assert.equal(t.comparisons.length, cmpCalls);
    assert.deepEqual(countVerdicts(t.comparisons), {
      total: cmpCalls, exact: 0, approximate: 0, wrong: 0, shapeMismatch: 0, noGrad: 0, notWritten: cmpCalls,
    });
    // each row sits at its cmp line and names the tensor it compares against
    const lines = scaffold.split("\n");
    for (const c of t.comparisons) {
      assert.ok(c.line, `${c.name} has no line`);
      assert.match(lines[c.line - 1], new RegExp(`^cmp\\("${c.name}", d\\w+, ${c.tensorName}\\)`));
    }
    // the forward pass is traced: named intermediates with grads retained, and the loss is finite
    const loss = t.tensors.find((x) => x.name === "loss");
    assert.ok(loss && loss.kind === "tensor", "loss traced");
    assert.equal(typeof loss.value.stats.mean, "number");
    assert.ok(Number.isFinite(loss.value.stats.mean as number), "loss is finite");
    for (const name of ["logprobs", "hprebn", "bnvar_inv", "emb"]) {
      const x = t.tensors.find((y) => y.name === name);
      assert.ok(x && x.kind === "tensor", `${name} traced`);
      assert.ok(x.grad, `${name} keeps its grad`);
    }
    assert.equal(exitCode(t), 1, "blanks are not a script error (2) but not a pass (0) either");
  });

  it("a blank filled with the solution's expression becomes exact, the rest stay blank", async () => {
    const blank = "const dlogprobs: Tensor | null = null; // hint: only the n picked entries of logprobs reach the loss";
    assert.ok(scaffold.includes(blank));
    const filled = scaffold.replace(blank,
      "const dlogprobs = torch.zeros_like(logprobs); dlogprobs.indexSet([range(n), Yb], -1.0 / n);");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bpn-scaffold-"));
    try {
      const f = path.join(dir, "backprop_ninja.ts");
      fs.writeFileSync(f, filled);
      const t = await runner.run(f, { timeoutMs: 60_000 }).trace;
      assert.equal(t.status, "ok", JSON.stringify(t.error));
      const logprobs = t.comparisons.find((c) => c.name === "logprobs")!;
      assert.equal(logprobs.status, "exact");
      const v = countVerdicts(t.comparisons);
      assert.equal(v.exact, 1);
      assert.equal(v.notWritten, t.comparisons.length - 1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
