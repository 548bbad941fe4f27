import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { torch, F } from "../../src/engine/index";
import type { Generator } from "../../src/engine/random/generator";

const SHARED = path.resolve(__dirname, "../../../shared/data/torch-rng-vectors.json");
// scripts/reference/gen_rng_vectors.py run on Debian's python3-torch
const OURS = path.join(__dirname, "../fixtures/rng/torch-vectors.json");

type Step = { op: string; shape?: number[]; dtype?: "float32" | "float64"; low?: number; high?: number; probs?: number[] | number[][]; n?: number; replacement?: boolean; seed?: number };

function runStep(g: Generator, s: Step): number[] | null {
  const opts = { generator: g, dtype: s.dtype };
  switch (s.op) {
    case "randn": return Array.from(torch.randn(s.shape!, opts).toArray());
    case "rand": return Array.from(torch.rand(s.shape!, opts).toArray());
    case "randint": return Array.from(torch.randint(s.low!, s.high!, s.shape!, { generator: g }).toArray());
    case "multinomial":
      return Array.from(torch.multinomial(torch.tensor(s.probs!), s.n!, { replacement: s.replacement, generator: g }).toArray());
    case "reseed": g.manual_seed(s.seed!); return null;
  }
  throw new Error(`unknown step ${s.op}`);
}

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
  const ours = JSON.parse(fs.readFileSync(OURS, "utf8"));
  for (const c of ours.cases) {
    it(`seed ${c.seed}: randn of 1…4099 elements (AVX2 and scalar paths, cached normal), rand, float64 (normals within 2 ulp), randint, multinomial, reseed (PyTorch ${ours.torch_version})`, () => {
      const g = torch.Generator().manual_seed(BigInt(c.seed));
      let checked = 0;
      c.steps.forEach((s: Step, i: number) => {
        const got = runStep(g, s);
        if (got === null) return;
        const float64Normal = s.op === "randn" && s.dtype === "float64";
        const bad = countMismatches(got, c.outputs[i], s.op !== "randint" && s.op !== "multinomial" && s.dtype !== "float64", float64Normal ? 2 : 0);
        assert.equal(bad, 0, `step ${i} ${JSON.stringify(s)}: ${bad} of ${got.length} values differ`);
        checked += got.length;
      });
      assert.ok(checked > 9_000, `only ${checked} values checked`);
    });
  }

  it("the shared vectors (exercise seeds, softmax + multinomial)", () => {
    const d = JSON.parse(fs.readFileSync(SHARED, "utf8"));
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
});
