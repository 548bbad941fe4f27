// Our emulated numpy (src/python/site/numpy, issue 18) against real numpy 1.24: the same script
// (test/fixtures/numpy/numpy_checks.py) printed by both; the reference lines come from
// scripts/reference/numpy_outputs.py run with Debian's python3-numpy.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadPython, runPython } from "../../src/python/index";

const repoRoot = path.resolve(__dirname, "../..");
const SCRIPT = path.join(repoRoot, "test/fixtures/numpy/numpy_checks.py");
const NUMBER = /-?\d+(?:\.\d*)?(?:e[+-]?\d+)?/g;

/**
 * The same line up to float64 rounding: identical text around the numbers, and each number equal
 * to 1e-12 relative (the engine's pow/exp may differ from glibc's by an ulp).
 */
function sameUpTo1e12(ours: string, ref: string): boolean {
  if (ours.replace(NUMBER, "#") !== ref.replace(NUMBER, "#")) return false;
  const a = ours.match(NUMBER) ?? [], b = ref.match(NUMBER) ?? [];
  return a.every((x, i) => Math.abs(Number(x) - Number(b[i])) <= 1e-12 * Math.abs(Number(b[i])));
}

describe("numpy (emulated) prints what numpy 1.24 prints", function () {
  this.timeout(180_000);
  before(async () => {
    await loadPython();
  });

  it("runs the numpy checks with the same output lines", async () => {
    const ref = JSON.parse(fs.readFileSync(SCRIPT.replace(/\.py$/, ".json"), "utf8")) as { numpy: string; stdout: string[] };
    assert.match(ref.numpy, /^1\.24/);
    const r = await runPython(SCRIPT);
    assert.equal(r.status, "ok", r.error?.traceback);
    const ours = r.output.filter((o) => o.stream === "stdout").map((o) => o.text).join("").split("\n");
    if (ours[ours.length - 1] === "") ours.pop();
    assert.equal(ours.length, ref.stdout.length, "number of lines");
    const different = ref.stdout.flatMap((line, i) =>
      ours[i] === line || sameUpTo1e12(ours[i], line) ? [] : [`line ${i + 1}:\n  ours:  ${ours[i]}\n  numpy: ${line}`]);
    assert.deepEqual(different, []);
    const exact = ref.stdout.filter((line, i) => ours[i] === line).length;
    console.log(`      numpy checks: ${exact}/${ref.stdout.length} lines identical, the rest equal to 1e-12`);
  });

  it("names an unsupported function and says numpy is emulated", async () => {
    const r = await runPython(SCRIPT, { source: "import numpy as np\nnp.fft.fft([1.0])\n" });
    assert.equal(r.status, "error");
    assert.match(r.error?.traceback ?? "", /numpy\.fft is not available: numpy is emulated here/);
  });
});
