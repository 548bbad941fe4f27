// Remainder, fmod and floor/trunc division against real PyTorch 1.13 and numpy 1.24: the checks
// script (test/fixtures/python/divmod_checks.py) through our Python prints the lines that
// scripts/reference/python_outputs.py recorded from the real ones (every bit, signs of zero
// included); the TypeScript API's calls of the same ops give the values of those lines.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { torch, type Tensor } from "../../src/engine/index";
import { loadPython, runPython } from "../../src/python/index";

const repoRoot = path.resolve(__dirname, "../..");
const SCRIPT = path.join(repoRoot, "test/fixtures/python/divmod_checks.py");
const ref = JSON.parse(fs.readFileSync(path.join(repoRoot, "test/fixtures/python/divmod.json"), "utf8")) as { torch: string; stdout: string[] };

/** The values PyTorch printed on the line labelled `label` ("label: dtype [shape] [values]"), as numbers. */
function refValues(label: string): number[] {
  const line = ref.stdout.find((l) => l.startsWith(`${label}: `));
  assert.ok(line, `no reference line ${label}`);
  const list = line.slice(line.indexOf("] [") + 2);
  return JSON.parse(list.replace(/\bnan\b/g, '"NaN"').replace(/-inf\b/g, '"-Infinity"').replace(/\binf\b/g, '"Infinity"'))
    .flat(Infinity).map(Number);
}

/** Bit-level equality, so −0 and 0 differ and NaN equals NaN. */
function sameValues(t: Tensor, expected: number[], what: string): void {
  const got = Array.from(t.toArray());
  assert.equal(got.length, expected.length, `${what}: length`);
  got.forEach((v, i) => assert.ok(Object.is(v, expected[i]), `${what}[${i}]: ${v} vs PyTorch ${expected[i]}`));
}

// the inputs of divmod_checks.py
const A = [5.5, -5.5, 5.5, -5.5, 0.0, -0.0, 3.0, 7.25, -1.0, 1.0, 1e-30, 2 ** 60];
const B = [2.0, 2.0, -2.0, -2.0, 2.0, -2.0, 0.0, Infinity, Infinity, -0.1, 3.0, 0.3];
const IA = [7, -7, 7, -7, 0, 6, -6, 123456789];
const IB = [2, 2, -2, -2, 3, -3, 3, 1000];

describe("remainder, fmod and rounded division", function () {
  this.timeout(180_000);

  describe("TypeScript API: the values PyTorch 1.13 printed", () => {
    const ops: [string, (a: Tensor, b: Tensor | number) => Tensor][] = [
      ["remainder", (a, b) => a.remainder(b)],
      ["fmod", (a, b) => a.fmod(b)],
      ["floor", (a, b) => a.div(b, { rounding_mode: "floor" })],
      ["trunc", (a, b) => torch.div(a, b, { rounding_mode: "trunc" })],
      ["floor_divide", (a, b) => torch.floor_divide(a, b)],
    ];
    for (const [name, op] of ops) {
      it(`${name}: float32, float64, int64, numbers`, () => {
        for (const dtype of ["float32", "float64"] as const) {
          const a = torch.tensor(A, { dtype }), b = torch.tensor(B, { dtype });
          sameValues(op(a, b), refValues(`${name} torch.${dtype}`), `${name} ${dtype}`);
          for (const n of [2.5, -0.3, 3, -4]) sameValues(op(a, n), refValues(`${name} torch.${dtype} number ${n}`), `${name} ${dtype} ${n}`);
        }
        const ia = torch.tensor(IA, { dtype: "int64" }), ib = torch.tensor(IB, { dtype: "int64" });
        const r = op(ia, ib);
        assert.equal(r.dtype, "int64");
        sameValues(r, refValues(`${name} int64`), `${name} int64`);
        sameValues(op(ia, -4), refValues(`${name} int64 number -4`), `${name} int64 -4`);
        sameValues(op(ia, 2.5), refValues(`${name} int64 number 2.5`), `${name} int64 2.5`);
        assert.throws(() => op(ia, 0), /ZeroDivisionError/);
      });
    }

    it("reflected forms and gradients", () => {
      const x = torch.tensor([[1.5, -2.5, 4.0], [-0.75, 3.0, -6.0]]);
      sameValues(x.rmod(7), refValues("7 % x"), "7 % x");
      sameValues(x.rfloordiv(-7.5), refValues("-7.5 // x"), "-7.5 // x");
      const g = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -3.0]]);
      const a = x.clone().requires_grad_(), z = torch.tensor([0.7, -1.3, 2.0], { requires_grad: true });
      const out = a.remainder(z);
      out.mul(g).sum().backward();
      assert.equal(out.grad_fn?.name(), "RemainderBackward1");
      const line = ref.stdout.find((l) => l.startsWith("grad remainder b[3]: "))!;
      const [ga, gz] = line.slice(line.indexOf("[[")).split("]] ").map((s, i) => JSON.parse(i === 0 ? s + "]]" : s).flat());
      sameValues(a.grad!, ga, "d/da");
      sameValues(z.grad!, gz, "d/dz");
      assert.throws(() => a.floor_divide(2).sum().backward(), /derivative for aten::floor_divide is not implemented/);
    });
  });

  describe("Python (torch and numpy) prints what PyTorch 1.13 and numpy 1.24 print", () => {
    before(async () => {
      await loadPython();
    });

    it("runs divmod_checks.py with the same output lines", async () => {
      assert.match(ref.torch, /^1\.13/);
      const r = await runPython(SCRIPT);
      assert.equal(r.status, "ok", r.error?.traceback);
      const ours = r.output.filter((o) => o.stream === "stdout").map((o) => o.text).join("").split("\n");
      if (ours[ours.length - 1] === "") ours.pop();
      const different = ref.stdout.flatMap((line, i) => (ours[i] === line ? [] : [`line ${i + 1}:\n  ours: ${ours[i]}\n  real: ${line}`]));
      assert.deepEqual(different, []);
      assert.equal(ours.length, ref.stdout.length, "number of lines");
    });
  });
});
