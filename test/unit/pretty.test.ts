// A notebook cell's result shows as IPython shows it (its Out[n] text): the values of
// test/fixtures/pretty/values.py, each the last expression of a cell run by the kernel, against what
// IPython 8.5 printed for them (scripts/reference/pretty_outputs.py). Addresses read 0xADDR.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KernelSession } from "../../src/runner/runner";

const dir = path.resolve(__dirname, "../fixtures/pretty");

describe("cell results as IPython shows them", function () {
  this.timeout(180_000);

  it("long containers one item per line, objects without a repr by class and address, as IPython 8.5", async () => {
    const ref = JSON.parse(fs.readFileSync(path.join(dir, "values.json"), "utf8")) as { shown: [string, string][] };
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bpn-pretty-"));
    const kernel = new KernelSession(path.join(tmp, "nb.ipynb"));
    try {
      const setup = await kernel.runCell({ index: 0, source: fs.readFileSync(path.join(dir, "values.py"), "utf8") + "\nV = values()\n" }).trace;
      assert.equal(setup.status, "ok", setup.error?.message);
      for (const [i, [label, want]] of ref.shown.entries()) {
        const shown: string[] = [];
        const t = await kernel.runCell({ index: i + 1, source: `V[${i}][1]` }, (e) => { if (e.type === "display") shown.push(e.text); }).trace;
        assert.equal(t.status, "ok", t.error?.message);
        assert.deepEqual(shown.map((s) => s.replace(/0x[0-9a-f]+/g, "0xADDR")), [want], label);
      }
      // matplotlib's artists by the module matplotlib defines them in
      const shown: string[] = [];
      await kernel.runCell({ index: 99, source: "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])" }, (e) => { if (e.type === "display") shown.push(e.text); }).trace;
      assert.match(shown[0] ?? "", /^\[<matplotlib\.lines\.Line2D at 0x[0-9a-f]+>\]$/);
    } finally {
      kernel.dispose();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
