// A notebook cell's result shows as IPython shows it (its Out[n] text): the values of
// test/fixtures/pretty/values.py, each the last expression of a cell run by the kernel, against what
// IPython 8.5 printed for them (scripts/reference/pretty_outputs.py). Addresses read 0xADDR.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RunEvent } from "../../src/protocol/trace";
import { KernelSession } from "../../src/runner/runner";
import { runNative } from "../../src/runner/nativePython";

const dir = path.resolve(__dirname, "../fixtures/pretty");
const reference = () => JSON.parse(fs.readFileSync(path.join(dir, "values.json"), "utf8")) as { shown: [string, string][] };
const noAddresses = (s: string) => s.replace(/0x[0-9a-f]+/g, "0xADDR");

describe("cell results as IPython shows them", function () {
  this.timeout(180_000);

  it("long containers one item per line, objects without a repr by class and address, as IPython 8.5", async () => {
    const ref = reference();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bpn-pretty-"));
    const kernel = new KernelSession(path.join(tmp, "nb.ipynb"));
    try {
      const setup = await kernel.runCell({ index: 0, source: fs.readFileSync(path.join(dir, "values.py"), "utf8") + "\nV = values()\n" }).trace;
      assert.equal(setup.status, "ok", setup.error?.message);
      for (const [i, [label, want]] of ref.shown.entries()) {
        const shown: string[] = [];
        const t = await kernel.runCell({ index: i + 1, source: `V[${i}][1]` }, (e) => { if (e.type === "display") shown.push(e.text); }).trace;
        assert.equal(t.status, "ok", t.error?.message);
        assert.deepEqual(shown.map(noAddresses), [want], label);
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

  it("the native backend (the user's own CPython) shows them the same way", async function () {
    if (!fs.existsSync("/usr/bin/python3")) this.skip();
    const ref = reference();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bpn-pretty-native-"));
    try {
      const nb = path.join(tmp, "values.ipynb");
      const code = (source: string) => ({ cell_type: "code", source, metadata: {}, outputs: [], execution_count: null });
      fs.writeFileSync(nb, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [
        code(fs.readFileSync(path.join(dir, "values.py"), "utf8") + "\nV = values()\n"),
        ...ref.shown.map((_, i) => code(`V[${i}][1]`)),
      ] }));
      const shown: RunEvent[] = [];
      const t = await runNative(nb, { python: "/usr/bin/python3", onEvent: (e) => e.type === "display" && shown.push(e) }).trace;
      assert.equal(t.status, "ok", t.error?.message);
      assert.deepEqual(shown.map((e) => e.type === "display" ? [e.cell, noAddresses(e.text)] : []), ref.shown.map(([, want], i) => [i + 1, want]));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
