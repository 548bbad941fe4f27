// The team's lecture-like notebooks and scripts (test/fixtures/lectures) through our runner print what
// real CPython printed on Debian's numpy/matplotlib/sklearn/torch (<name>.out, written by
// scripts/reference/lecture_outputs.py): the same lines, numbers equal to 1e-12 relative.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { runPython } from "../../src/python/index";

const dir = path.resolve(__dirname, "../fixtures/lectures");
const NUMBER = /-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/gi;

/** Lines equal once every number is replaced by a placeholder, and the numbers equal to 1e-12 relative. */
function sameOutput(ours: string, real: string, name: string): void {
  const a = ours.split("\n"), b = real.split("\n");
  assert.equal(a.length, b.length, `${name}: ${a.length} lines printed, CPython printed ${b.length}`);
  a.forEach((line, i) => {
    assert.equal(line.replace(NUMBER, "#"), b[i].replace(NUMBER, "#"), `${name}:${i + 1}`);
    const x = line.match(NUMBER) ?? [], y = b[i].match(NUMBER) ?? [];
    x.forEach((v, k) => {
      const p = Number(v), q = Number(y[k]);
      assert.ok(p === q || Math.abs(p - q) <= 1e-12 * Math.max(Math.abs(p), Math.abs(q)), `${name}:${i + 1}: ${v} vs CPython's ${y[k]}`);
    });
  });
}

describe("lecture-like notebooks print what CPython prints", function () {
  this.timeout(240_000);
  for (const file of fs.readdirSync(dir).filter((f) => /\.(py|ipynb)$/.test(f))) {
    it(file, async () => {
      const r = await runPython(path.join(dir, file));
      assert.equal(r.status, "ok", r.error?.traceback);
      const printed = r.output.filter((o) => o.stream === "stdout").map((o) => o.text).join("");
      sameOutput(printed, fs.readFileSync(path.join(dir, file.replace(/\.(py|ipynb)$/, ".out")), "utf8"), file);
    });
  }
});
