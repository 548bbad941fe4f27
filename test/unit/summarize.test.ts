import assert from "node:assert/strict";
import { torch } from "../../src/engine/index";
import { PyRandom } from "../../src/engine/random/pyrandom";
import { display, displayGeneral, sample, sampleDifference, sampleDifferenceKept, sampleTensor, stats, summarize } from "../../src/runner/summarize";
import { MAX_SAMPLE_COLS, MAX_SAMPLE_ROWS } from "../../src/protocol/trace";

/** A seeded stream of doubles in [0, 1) (CPython's generator), so failures reproduce. */
function uniform(seed: number): () => number {
  const rng = new PyRandom(seed);
  return () => rng.random();
}

/** Reference statistics written the plain way: finite values only, two passes. */
function referenceStats(values: number[]) {
  const finite = values.filter((v) => Number.isFinite(v));
  const n = finite.length;
  const mean = n ? finite.reduce((a, b) => a + b, 0) / n : null;
  return {
    min: n ? Math.min(...finite) : null,
    max: n ? Math.max(...finite) : null,
    mean,
    std: n ? Math.sqrt(finite.reduce((a, v) => a + (v - mean!) ** 2, 0) / n) : null,
    nanCount: values.filter((v) => Number.isNaN(v)).length,
    infCount: values.filter((v) => v === Infinity || v === -Infinity).length,
    numel: values.length,
  };
}

describe("summarize: the numbers a trace shows", () => {
  describe("display (7 significant digits)", () => {
    const same = (v: number) => assert.ok(Object.is(display(v), Number(v.toPrecision(7))), `display(${v}) = ${display(v)}, toPrecision(7) gives ${Number(v.toPrecision(7))}`);

    it("gives Number(v.toPrecision(7)) for float32 values over every magnitude", () => {
      const r = uniform(7);
      for (let i = 0; i < 200_000; i++) {
        const v = Math.fround((r() - 0.5) * 2 ** (r() * 200 - 100));
        same(v);
        sameAsGeneral(v);
      }
    });

    it("gives Number(v.toPrecision(7)) for float64 values, incl. ones with more than 7 digits", () => {
      const r = uniform(11);
      for (let i = 0; i < 200_000; i++) same((r() - 0.5) * 10 ** (r() * 60 - 30));
    });

    // on an 8th digit of exactly 5 the scaled product can round up first (1.0000005e-15 → 1.000001e-15
    // where toPrecision gives 1e-15): there the fast path must agree with the Math.log10 one
    const sameAsGeneral = (v: number) => assert.ok(Object.is(display(v), displayGeneral(v)), `display(${v}) = ${display(v)}, the general path gives ${displayGeneral(v)}`);

    it("is the general path's rounding at decade boundaries, at the ends of the fast range and on halfway digits", () => {
      for (let d = -330; d <= 310; d++) {
        for (const m of ["1", "9.9999995", "9.9999994", "9.9999996", "1.0000005", "1.2345675", "5.0000005", "9.999999"]) {
          const x = Number(`${m}e${d}`);
          // (below the subnormals x is 0, whose sign toPrecision drops: the last test covers ±0)
          for (const v of [x, -x, x * (1 + 2 ** -52), x * (1 - 2 ** -53), Math.fround(x)]) if (v !== 0) sameAsGeneral(v);
        }
      }
      for (const v of [1e-16, 1e28, 9.999999999999999e27, 9.999999999999998e-17, Number.MIN_VALUE, Number.MAX_VALUE, 2 ** -1074 * 3]) {
        same(v);
        same(-v);
        sameAsGeneral(v);
        sameAsGeneral(-v);
      }
    });

    it("passes 0, -0, NaN and ±Inf through", () => {
      assert.ok(Object.is(display(0), 0));
      assert.ok(Object.is(display(-0), -0));
      assert.ok(Number.isNaN(display(NaN)));
      assert.equal(display(Infinity), Infinity);
      assert.equal(display(-Infinity), -Infinity);
    });
  });

  describe("stats", () => {
    it("matches the plain two-pass statistics on finite float32 and integer data", () => {
      const r = uniform(3);
      const f = Float32Array.from({ length: 5000 }, () => (r() - 0.3) * 7);
      assert.deepEqual(stats(f), referenceStats([...f]));
      const ints = Float64Array.from({ length: 20_000 }, () => Math.floor(r() * 27));
      assert.deepEqual(stats(ints), referenceStats([...ints]));
    });

    it("counts NaN and ±Inf apart and takes the rest from the finite values", () => {
      const v = [1, NaN, -2, Infinity, 3.5, -Infinity, NaN, 0.25];
      const s = stats(Float64Array.from(v));
      assert.deepEqual(s, referenceStats(v));
      assert.equal(s.nanCount, 2);
      assert.equal(s.infCount, 2);
      assert.equal(s.min, -2);
      assert.equal(s.max, 3.5);
    });

    it("handles a sum that overflows, all non-finite values and no values", () => {
      const big = [1.5e308, 1.5e308, -1e308];
      assert.deepEqual(stats(Float64Array.from(big)), referenceStats(big));
      assert.deepEqual(stats(Float32Array.from([NaN, Infinity])), { min: null, max: null, mean: null, std: null, nanCount: 1, infCount: 1, numel: 2 });
      assert.deepEqual(stats(new Float32Array(0)), { min: null, max: null, mean: null, std: null, nanCount: 0, infCount: 0, numel: 0 });
    });

    it("of a large tensor are taken again whenever any of its values changed", () => {
      const t = torch.randint(0, 27, [100_000, 3]);
      const first = summarize(t).stats;
      assert.deepEqual(first, stats(t._read()));
      // a new tensor on the same storage (what a warm re-run gets from the cached dataset split)
      const again = torch.fromArray([], [0], "int64");
      again.data = t;
      assert.deepEqual(summarize(again).stats, first);
      // written through .data (no new version), and straight into the storage, at the far end
      t.data.index(99_999, 2).fill_(1000);
      assert.equal(summarize(t).stats.max, 1000);
      (t._storage as Float64Array)[299_998] = -5;
      assert.equal(summarize(t).stats.min, -5);
      assert.deepEqual(summarize(t).stats, stats(t._read()));
      const f = torch.randn(300, 300);
      summarize(f);
      (f._storage as Float32Array)[0] = NaN;
      assert.equal(summarize(f).stats.nanCount, 1);
    });
  });

  describe("samples", () => {
    it("take the top-left window, rounded for display, with non-finite values encoded", () => {
      const rows = MAX_SAMPLE_ROWS + 3, cols = MAX_SAMPLE_COLS + 5;
      const v = Float32Array.from({ length: rows * cols }, (_, i) => Math.fround(Math.sin(i) * 1000));
      v[1] = NaN;
      v[cols + 2] = -Infinity;
      const s = sample(v, [rows, cols]);
      assert.equal(s.rows, MAX_SAMPLE_ROWS);
      assert.equal(s.cols, MAX_SAMPLE_COLS);
      assert.equal(s.truncated, true);
      assert.equal(s.values[1], "NaN");
      assert.equal(s.values[MAX_SAMPLE_COLS + 2], "-Infinity");
      for (const [i, j] of [[0, 0], [5, 7], [MAX_SAMPLE_ROWS - 1, MAX_SAMPLE_COLS - 1]]) {
        assert.equal(s.values[i * MAX_SAMPLE_COLS + j], Number(v[i * cols + j].toPrecision(7)));
      }
    });

    it("of a difference are manual − grad on the same window", () => {
      const a = Float32Array.from([1, 2, 3, 4, 5, 6]), b = Float32Array.from([1, 2.5, 3, 3, 5, 6.125]);
      assert.deepEqual(sampleDifference(a, b, [2, 3]), { rows: 2, cols: 3, values: [0, -0.5, 0, 1, 0, -0.125], truncated: false });
    });

    it("of a tensor are re-used only while its window holds the same bits", () => {
      const t = torch.randn(80, 70);
      const first = sampleTensor(t, undefined, true);
      assert.deepEqual(first, sample(t._read(), t.shape));
      const again = sampleTensor(t, undefined, true);
      assert.deepEqual(again, first);
      assert.notEqual(again, first, "a Sample of its own, so packing one trace's samples leaves the other's");
      // an in-place edit through .data (which does not count as a new version) inside the window
      t.data.index(3, 5).fill_(42);
      const edited = sampleTensor(t, undefined, true);
      assert.equal(edited.values[3 * edited.cols + 5], 42);
      assert.deepEqual(edited, sample(t._read(), t.shape));
      // without keep it still finds the kept sample
      assert.deepEqual(sampleTensor(t), edited);
      // outside the window: the same sample
      t.data.index(79, 69).fill_(7);
      assert.deepEqual(sampleTensor(t, undefined, true), edited);
      // 0 and -0 are told apart, and a sample whose values were packed away is taken again
      const z = torch.zeros(2, 2);
      const zs = sampleTensor(z, undefined, true);
      z.data.mul_(-1);
      assert.ok(Object.is(sampleTensor(z, undefined, true).values[0], -0));
      zs.values = [];
      const w = torch.ones(3);
      const ws = sampleTensor(w, undefined, true);
      ws.values = [];
      assert.deepEqual(sampleTensor(w, undefined, true).values, [1, 1, 1]);
    });

    it("of a slot (the same place in a re-run's trace) are re-used for another tensor only with the same shape and window bits", () => {
      const values = Float32Array.from({ length: 90 * 70 }, (_, i) => Math.sin(i) * 1e3);
      const first = sampleTensor(torch.fromArray(values, [90, 70]), undefined, false, "slot-a");
      assert.deepEqual(first, sample(values, [90, 70]));
      // a new tensor with the same values (the next run): the same sample, a Sample object of its own
      const again = sampleTensor(torch.fromArray(values, [90, 70]), undefined, false, "slot-a");
      assert.deepEqual(again, first);
      assert.notEqual(again, first);
      // packing the first trace's samples away (packSamples replaces values) leaves the others'
      first.values = [];
      assert.deepEqual(again.values, sample(values, [90, 70]).values);
      assert.deepEqual(sampleTensor(torch.fromArray(values, [90, 70]), undefined, false, "slot-a"), again);
      // one value changed inside the window, -0 for 0, another shape with the same leading values
      const edited = values.slice();
      edited[2 * 70 + 3] += 1;
      assert.deepEqual(sampleTensor(torch.fromArray(edited, [90, 70]), undefined, false, "slot-a"), sample(edited, [90, 70]));
      const zeros = new Float32Array(4), negZeros = Float32Array.from([-0, 0, 0, 0]);
      sampleTensor(torch.fromArray(zeros, [2, 2]), undefined, false, "slot-b");
      assert.ok(Object.is(sampleTensor(torch.fromArray(negZeros, [2, 2]), undefined, false, "slot-b").values[0], -0));
      assert.deepEqual(sampleTensor(torch.fromArray(values, [70, 90]), undefined, false, "slot-a"), sample(values, [70, 90]));
      // outside the window the values do not matter
      const outside = values.slice();
      outside[89 * 70 + 69] = NaN;
      assert.deepEqual(sampleTensor(torch.fromArray(outside, [90, 70]), undefined, false, "slot-a"), sample(values, [90, 70]));
    });

    it("of a difference in a slot are re-used only while both windows hold the same bits", () => {
      const a = Float32Array.from([1, 2, 3, 4, 5, 6]), b = Float32Array.from([1, 2.5, 3, 3, 5, 6.125]);
      const first = sampleDifferenceKept(a, b, [2, 3], "diff-a");
      assert.deepEqual(first, sampleDifference(a, b, [2, 3]));
      assert.deepEqual(sampleDifferenceKept(a.slice(), b.slice(), [2, 3], "diff-a"), first);
      const b2 = b.slice();
      b2[5] = 6;
      assert.deepEqual(sampleDifferenceKept(a, b2, [2, 3], "diff-a"), sampleDifference(a, b2, [2, 3]));
      const a2 = a.slice();
      a2[0] = 0;
      assert.deepEqual(sampleDifferenceKept(a2, b2, [2, 3], "diff-a"), sampleDifference(a2, b2, [2, 3]));
      assert.deepEqual(sampleDifferenceKept(a2, b2, [3, 2], "diff-a"), sampleDifference(a2, b2, [3, 2]));
    });
  });
});
