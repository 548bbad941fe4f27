import assert from "node:assert/strict";
import * as path from "node:path";
import { runPython } from "../../src/python/index";

// Our numpy.random and sklearn.datasets through Pyodide against the same real numpy 1.24 /
// scikit-learn 1.2 fixtures as test/unit/nprandom.test.ts (test/fixtures/python/nprandom_replay.py).
describe("numpy.random and sklearn.datasets in Python match numpy 1.24 and scikit-learn 1.2", function () {
  this.timeout(600_000);
  const fixtures = path.join(__dirname, "../fixtures/rng");

  it("every fixture call, as RandomState objects and through np.random's global state", async () => {
    const r = await runPython(path.join(__dirname, "../fixtures/python/nprandom_replay.py"), { argv: [fixtures], extraDirs: [fixtures] });
    assert.equal(r.status, "ok", r.error?.traceback);
    const out = r.output.filter((o) => o.stream === "stdout").map((o) => o.text).join("");
    const s = JSON.parse(out.trim().split("\n").pop()!);
    console.log(`      ${s.calls} calls (${s.skipped} of integer dtypes without an ndarray here, advanced in the engine): ` +
      `${s.values} values, ${s.exact} bit-identical, ${s.ulp1} Gaussians 1 ulp away (glibc's log), ` +
      `${s.beyond_2_53} int64 beyond 2^53 equal as doubles (the engine's int64 storage); ` +
      `${s.datasets} make_moons/make_blobs calls: ${s.dataset_values} values, ${s.dataset_exact} bit-identical, ${s.dataset_ulp1} within 2^-52 (glibc's log, sin, cos)`);
    assert.deepEqual(s.mismatches, []);
    assert.ok(s.values > 20_000 && s.dataset_values > 4_000, "the fixtures were replayed");
    assert.equal(s.exact + s.ulp1 + s.beyond_2_53, s.values);
    assert.ok(s.ulp1 <= s.values * 0.001);
  });
});
