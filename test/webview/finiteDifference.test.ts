// Check gradient's result in the panel: the host's `finiteDifference` message opens the checked
// tensor's drawer with a "Finite differences" table (numeric, autograd, yours) whose marks are the
// runner's per-element verdicts. The reports come from the runner's own finiteDifferenceCheck on a
// fixture trace, with a loss whose derivatives are known. Screenshots in .test-artifacts/webview/.
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { finiteDifferenceCheck, type ShiftedLoss } from "../../src/runner/finiteDifference";
import { compactTrace, decodeNumber, detailOf, type Trace } from "../../src/protocol/trace";
import { parseWebviewMessage } from "../../src/protocol/messages";
import { fmtNumber } from "../../webview/model";
import { loadFixture } from "./fixtures";
import { closeCheckingCsp, posted, postToPanel, screenshot, usePanel } from "./harness";

const URI = "file:///work/exercise1.ts";

/**
 * A loss linear in `name`'s elements whose derivatives are `scale(flat)` times autograd's (so central
 * differences give them exactly): scale 1 everywhere makes autograd right.
 */
function linearLoss(trace: Trace, name: string, scale: (flat: number) => number = () => 1): ShiftedLoss {
  const t = trace.tensors.find((x) => x.name === name)!;
  const s = t.grad!.sample;
  assert.equal(s.cols, t.shape[t.shape.length - 1], "the whole last dimension is sampled");
  return (flat, delta) => scale(flat) * decodeNumber(s.values[flat]) * delta;
}

describe("gradient panel: finite differences in the tensor drawer (Chromium)", function () {
  this.timeout(120_000);
  const panel = usePanel();
  let page: Page;
  const trace = loadFixture("exercise1-one-wrong");

  async function open(theme: "dark" | "light", width = 1100): Promise<void> {
    page = await panel.open({ theme, width, height: 760 });
    await postToPanel(page, { type: "snapshot", uri: URI, version: 3, stale: false, trace: compactTrace(trace) });
    await page.locator("[data-testid=run-header]").waitFor();
  }

  afterEach(async () => {
    if (!page || page.isClosed()) return;
    await closeCheckingCsp(page);
  });

  /** Answers the drawer's request for samples as the host does, so its heatmaps show. */
  async function answerDetail(): Promise<void> {
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === "requestDetail"));
    const req = parseWebviewMessage((await posted(page)).filter((m) => m.type === "requestDetail").pop());
    assert.ok(req?.type === "requestDetail");
    await postToPanel(page, { type: "detail", requestId: req.requestId, detail: detailOf(trace, req.tensorId, req.cmpIndex) });
    await page.locator("[data-testid=heatmap-grad] canvas").waitFor();
  }

  /** The drawer's table, row by row: index, numeric, autograd and yours as shown, and each cell's mark. */
  async function table() {
    return page.locator("[data-testid=fd-row]").evaluateAll((rows) => rows.map((r) => {
      const cells = [...r.querySelectorAll("td")];
      return {
        text: cells.map((c) => c.textContent!.trim()),
        marks: cells.map((c) => c.getAttribute("data-agrees")),
        off: cells.filter((c) => c.querySelector(".codicon-close")).length,
      };
    }));
  }

  for (const theme of ["dark", "light"] as const) {
    it(`W1 (${theme}): autograd agrees everywhere, the learner's dW1 is marked where it differs`, async () => {
      const report = await finiteDifferenceCheck(trace, "W1", () => linearLoss(trace, "W1"), 8);
      assert.equal(report.manualName, "dW1");
      const off = report.samples!.filter((s) => s.manualAgrees === false).length;
      assert.ok(off > 0 && off < report.samples!.length, `the fixture's dW1 is wrong at some of the sampled elements, not all (${off})`);
      await open(theme);
      await postToPanel(page, { type: "finiteDifference", uri: URI, report });

      const fd = page.locator("[data-testid=fd]");
      await fd.waitFor();
      // the drawer opened on W1's cmp row, in Checks
      assert.equal(await page.locator(".tab.active").getAttribute("data-tab"), "checks");
      assert.match(await page.locator("[data-testid=tensor-panel] h3").innerText(), /^W1$/);
      assert.equal(
        await page.locator("[data-testid=fd-verdict]").innerText(),
        `Autograd's W1.grad agrees with float64 central differences at all 8 elements checked; your dW1 differs at ${off} of them.`,
      );
      assert.match(await page.locator("[data-testid=fd-compared]").innerText(),
        /^numeric \(float64 central differences, h = 1e-4·max\(1, \|x\|\)\) vs autograd's W1\.grad vs your dW1 · tolerance 1e-3 relative \+ 1e-6 absolute$/);
      assert.deepEqual(await page.locator("[data-testid=fd-table] th").allInnerTexts(), ["index", "numeric", "autograd", "yours"]);

      const rows = await table();
      assert.equal(rows.length, 8);
      rows.forEach((row, i) => {
        const s = report.samples![i];
        assert.equal(row.text[0], `[${s.index.join(", ")}]`);
        assert.deepEqual(row.text.slice(1), [s.numeric, s.autograd, s.manual!].map((v) => fmtNumber(v, 6)), `values at [${s.index}]`);
        assert.deepEqual(row.marks, [null, null, "true", String(s.manualAgrees)], `marks at [${s.index}]`);
        assert.equal(row.off, s.manualAgrees ? 0 : 1);
      });
      await answerDetail();
      await screenshot(page, `fd-W1-${theme}`);
    });
  }

  it("autograd off at one element (a path it does not see): its mark, and the verdict says autograd differs", async () => {
    const sampled = (await finiteDifferenceCheck(trace, "b2", () => linearLoss(trace, "b2"), 6)).samples!.map((s) => s.index[0]);
    const wrong = sampled[1];
    const report = await finiteDifferenceCheck(trace, "b2", () => linearLoss(trace, "b2", (flat) => (flat === wrong ? 1.5 : 1)), 6);
    await open("dark", 700);
    await postToPanel(page, { type: "finiteDifference", uri: URI, report });
    await page.locator("[data-testid=fd]").waitFor();
    assert.match(await page.locator("[data-testid=fd-verdict]").innerText(),
      /^Autograd's b2\.grad differs from float64 central differences at 1 of 6 elements checked; your db2 /);
    const rows = await table();
    assert.deepEqual(rows.map((r) => r.marks[2]), sampled.map((i) => String(i !== wrong)));
    assert.ok(rows[1].off >= 1, "a mark at the element autograd gets wrong");
    await answerDetail();
    await screenshot(page, "fd-b2-autograd-off-narrow");
  });

  it("a tensor the run shown does not have: the drawer shows the check alone", async () => {
    const report = await finiteDifferenceCheck(trace, "W1", () => linearLoss(trace, "W1"), 4);
    await open("dark");
    await postToPanel(page, { type: "finiteDifference", uri: "file:///work/other.py", report });
    await page.locator("[data-testid=fd]").waitFor();
    assert.match(await page.locator("[data-testid=tensor-panel] h3").innerText(), /^W1$/);
    assert.equal((await table()).length, 4);
    assert.equal(await page.locator("[data-testid=heatmap-grad]").count(), 0, "no heatmaps of another file's run");
  });
});
