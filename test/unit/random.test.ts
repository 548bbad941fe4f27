import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { torch, F } from "../../src/engine/index";
import { needShared } from "../support/sharedData";

// Through the public engine API (torch.randn/rand/randint/multinomial, F.softmax); the full
// generated streams are replayed on the Generator itself in random.streams.test.ts.

/**
 * Same bits: float32 outputs compared as float32, integers exactly. `ulps` > 0 allows that many units
 * in the last place (float64 normals go through the platform's double log/sin/cos: V8's fdlibm
 * and glibc can differ in the last bit).
 */
function countMismatches(got: number[], want: number[], float32: boolean, ulps = 0): number {
  assert.equal(got.length, want.length);
  let bad = 0;
  for (let i = 0; i < got.length; i++) {
    const a = float32 ? Math.fround(got[i]) : got[i], b = float32 ? Math.fround(want[i]) : want[i];
    if (Object.is(a, b)) continue;
    if (ulps && Math.abs(a - b) <= ulps * Number.EPSILON * Math.abs(b)) continue;
    bad++;
  }
  return bad;
}

describe("torch.Generator reproduces PyTorch's streams bit for bit", () => {
  it("the shared vectors (exercise seeds, softmax + multinomial)", function () {
    const d = JSON.parse(fs.readFileSync(needShared(this, "torch-rng-vectors.json"), "utf8"));
    let g = torch.Generator();
    for (const c of d.cases) {
      const seed = /manual_seed\((\d+)\)/.exec(c.call);
      if (seed) g = torch.Generator().manual_seed(Number(seed[1]));
      const body = c.call.replace(/^.*?; /, "").replace("...continued: ", "");
      let got: number[];
      if (body.startsWith("randn")) got = Array.from(torch.randn(c.shape, { generator: g }).toArray());
      else if (body.startsWith("rand(")) got = Array.from(torch.rand(c.shape, { generator: g }).toArray());
      else if (body.startsWith("randint")) got = Array.from(torch.randint(0, 182625, c.shape, { generator: g }).toArray());
      else {
        const p = F.softmax(torch.randn([1, 27], { generator: g }), 1);
        got = Array.from({ length: 20 }, () => torch.multinomial(p, 1, { generator: g }).item());
      }
      assert.equal(countMismatches(got, c.values, c.dtype === "float32"), 0, c.call);
    }
  });

  it("torch.manual_seed seeds the global generator used without generator=", () => {
    torch.manual_seed(42);
    const a = torch.randn(20).toArray();
    torch.manual_seed(42);
    assert.deepEqual(torch.randn(20).toArray(), a);
    assert.deepEqual(a, torch.Generator().manual_seed(42).normalFloat32(20));
  });

  it("randint refuses bounds int64 tensors cannot hold exactly here (beyond 2^53), from JS and as Python's BigInt", () => {
    const g = torch.Generator().manual_seed(1);
    assert.throws(() => torch.randint(0, 2 ** 60, [3], { generator: g }), /randint: bounds must be integers within ±\(2\^53 − 1\)/);
    assert.throws(() => torch.randint(BigInt(-(2 ** 62)) as unknown as number, 5, [3], { generator: g }), /bounds must be integers/);
    assert.throws(() => torch.randint(0, 2.5, [3], { generator: g }), /bounds must be integers/);
    const big = torch.randint(0, 2 ** 53 - 1, [1000], { generator: g }).toArray();
    assert.ok(big.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 53), "draws within a large safe range stay integers in range");
  });
});
