// Printing numbers and tensors exactly as Python and PyTorch 1.13 do: test/fixtures/parity/format.json
// (made by scripts/reference/gen_format_fixtures.py) holds '{:.4f}', '{:.0f}', '{:.4e}' of doubles —
// exact ties among them, which Python rounds to even and toFixed/toExponential round away from zero —
// and the reprs of float32 tensors with -0., NaN and mixed magnitudes.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { torch } from "../../src/engine/index";
import { pyExponential, pyFixed } from "../../src/engine/format";

const fixture = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../fixtures/parity/format.json"), "utf8")) as {
  torch: string;
  numbers: { x: number; f4: string; f0: string; e4: string }[];
  tensors: { shape: number[]; values: (number | string)[]; repr: string }[];
};

describe(`printing, against Python and PyTorch ${fixture.torch}`, () => {
  it(`formats ${fixture.numbers.length} doubles as Python's {:.4f}, {:.0f} and {:.4e}`, () => {
    const wrong = fixture.numbers.flatMap(({ x, f4, f0, e4 }) => {
      const ours = [pyFixed(x, 4), pyFixed(x, 0), pyExponential(x, 4)];
      return ours.join(" ") === [f4, f0, e4].join(" ") ? [] : [`${x}: ours ${ours.join(" ")}, Python ${f4} ${f0} ${e4}`];
    });
    assert.deepEqual(wrong, []);
  });
  for (const t of fixture.tensors) {
    it(`prints ${t.repr}`, () => {
      const values = t.values.map((v) => (typeof v === "string" ? Number(v.replace("inf", "Infinity")) : v));
      assert.equal(String(torch.fromArray(values, t.shape, "float32")), t.repr);
    });
  }
});
