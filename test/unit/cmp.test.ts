// cmp's verdict against its definition, element by element: the shortcut for identical bits must
// give what the full comparison gives (incl. -0 vs 0, NaN, ±Inf, float32 and float64).
import assert from "node:assert/strict";
import { torch, Tensor } from "../../src/engine/index";
import { CMP_ATOL, CMP_RTOL, compareGradients } from "../../src/engine/cmp";
import { PyRandom } from "../../src/engine/random/pyrandom";

/** The verdict from the definitions, one pair of values at a time. */
function reference(manual: number[], grad: number[], float32: boolean) {
  const round = float32 ? Math.fround : (v: number) => v;
  let exact = true, approximate = true, maxdiff: number | null = 0;
  for (let i = 0; i < manual.length; i++) {
    const x = round(manual[i]), y = round(grad[i]);
    if (x !== y) exact = false;
    const d = Math.abs(round(x - y));
    if (x !== y && !(d <= CMP_ATOL + CMP_RTOL * Math.abs(y))) approximate = false;
    if (Number.isNaN(d)) maxdiff = null;
    else if (maxdiff !== null && d > maxdiff) maxdiff = d;
  }
  return { exact, approximate, maxdiff, status: exact ? "exact" : approximate ? "approximate" : "wrong" };
}

/** A leaf whose .grad holds `grad`, and the manual gradient `manual`, both of `dtype`. */
function pair(manual: number[], grad: number[], dtype: "float32" | "float64"): [Tensor, Tensor] {
  const t = torch.zeros([grad.length], { dtype, requires_grad: true });
  t.grad = torch.tensor(grad, { dtype });
  return [torch.tensor(manual, { dtype }), t];
}

describe("cmp: the verdict", () => {
  const special = [0, -0, 1, -1.5, 1e-30, 3.4e38, NaN, Infinity, -Infinity];
  const r = new PyRandom(11);
  const cases: [number[], number[]][] = [];
  for (let k = 0; k < 400; k++) {
    const n = 1 + Math.floor(r.random() * 6);
    const grad = Array.from({ length: n }, () => (r.random() < 0.3 ? special[Math.floor(r.random() * special.length)] : r.random() * 4 - 2));
    // the same values, or a few changed by a little, by a lot, to -0/NaN/Inf
    const manual = grad.map((v) => {
      const u = r.random();
      if (u < 0.6) return v;
      if (u < 0.75) return v * (1 + 1e-7);
      if (u < 0.85) return v + 1;
      return special[Math.floor(r.random() * special.length)];
    });
    cases.push([manual, grad]);
  }
  cases.push([[1, 2, 3], [1, 2, 3]], [[Infinity, 1], [Infinity, 1]], [[NaN], [NaN]], [[-0, 0], [0, -0]], [[], []]);

  for (const dtype of ["float32", "float64"] as const) {
    it(`is the element-by-element verdict for identical, close, different and non-finite values (${dtype})`, () => {
      let identical = 0;
      for (const [manual, grad] of cases) {
        const [m, t] = pair(manual, grad, dtype);
        const c = compareGradients("x", m, t);
        const want = reference(manual, grad, dtype === "float32");
        assert.deepEqual({ exact: c.exact, approximate: c.approximate, maxdiff: c.maxdiff, status: c.status }, want, JSON.stringify({ manual, grad }));
        if (manual.every((v, i) => Object.is(v, grad[i]))) identical++;
      }
      assert.ok(identical > 50, `${identical} cases with identical values`);
    });
  }
});

describe("cmp: shapes that differ only by size-1 dimensions", () => {
  /** manual of shape `ms` holding `manual`, against a leaf whose .grad of shape `gs` holds `grad` */
  const shaped = (manual: number[], ms: number[], grad: number[], gs: number[]): [Tensor, Tensor] => {
    const t = torch.zeros(gs, { requires_grad: true });
    t.grad = torch.tensor(grad).view(gs);
    return [torch.tensor(manual).view(ms), t];
  };
  const values = Array.from({ length: 64 }, (_, i) => Math.sin(i) / 7);

  it("[64] against [1, 64] (and back) is judged on the values, element by element, with a note", () => {
    const cases: [number[], number[], number[]][] = [
      [values, [64], [1, 64]], [values.map((v) => v * (1 + 1e-7)), [64], [1, 64]], [values.map((v) => -v), [64], [1, 64]],
      [values, [1, 64], [64]], [values.map((v) => -v), [1, 64, 1], [64, 1]],
    ];
    for (const [manual, ms, gs] of cases) {
      const c = compareGradients("bnmeani", ...shaped(manual, ms, values, gs));
      const want = reference(manual, values, true);
      assert.deepEqual({ exact: c.exact, approximate: c.approximate, maxdiff: c.maxdiff, status: c.status }, want, `${ms} vs ${gs}`);
      assert.deepEqual([c.manualShape, c.gradShape], [ms, gs]);
      assert.match(c.message ?? "", new RegExp(`^manual gradient \\[${ms.join(", ")}\\] vs bnmeani\\.grad \\[${gs.join(", ")}\\]: ${want.status === "wrong" ? "compared element by element" : "equal"} after broadcasting; `));
    }
    // the note names keepdim when the manual gradient lost a size-1 dimension the tensor has
    assert.match(compareGradients("b", ...shaped(values, [64], values, [1, 64])).message!, /keepdim keeps the shapes alike$/);
    // the same shapes carry no note
    assert.equal(compareGradients("b", ...shaped(values, [1, 64], values, [1, 64])).message, undefined);
  });

  it("shapes that broadcast to more elements than either stay a shape mismatch, never broadcast", () => {
    const col = Array.from({ length: 32 }, (_, i) => i);
    for (const [ms, gs, m, g] of [
      [[32, 1], [32], col, col], [[1, 32], [32, 1], col, col], [[1, 1, 32], [32, 1], col, col], [[32, 1], [32, 27], col, Array(32 * 27).fill(0)], [[2, 16], [32], col, col],
    ] as [number[], number[], number[], number[]][]) {
      const c = compareGradients("x", ...shaped(m, ms, g, gs));
      assert.equal(c.status, "shape-mismatch", `${ms} vs ${gs}`);
      assert.equal(c.maxdiff, null);
    }
  });
});
