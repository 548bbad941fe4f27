// matplotlib figures in the Figures tab, in headless Chromium: test/fixtures/matplotlib/charts.py run
// through the runner (a contourf + scatter decision boundary, an imshow count matrix with text labels,
// a histogram), each drawn from the trace's chart data. Screenshots in .test-artifacts/webview/.
import assert from "node:assert/strict";
import path from "node:path";
import type { Page } from "playwright-core";
import type { ChartHist, ChartScatter } from "../../src/protocol/chart";
import { compactTrace, type Trace } from "../../src/protocol/trace";
import { Runner } from "../../src/runner/runner";
import { postToPanel, repoRoot, screenshot, usePanel } from "./harness";

describe("gradient panel: matplotlib charts (webview, Chromium)", function () {
  this.timeout(300_000);
  const panel = usePanel();
  let page: Page;
  let trace: Trace;

  before(async () => {
    const runner = new Runner();
    try {
      trace = await runner.run(path.join(repoRoot, "test/fixtures/matplotlib/charts.py"), { timeoutMs: 240_000 }).trace;
    } finally {
      runner.dispose();
    }
    assert.equal(trace.status, "ok", trace.error?.message);
    assert.equal(trace.charts?.length, 3);
  });

  /** Picks figure i and returns the SVG the <img> shows, once Chromium has decoded it. */
  async function show(i: number): Promise<string> {
    await page.click(`.figure-chip >> nth=${i}`);
    await page.waitForFunction(() => {
      const img = document.querySelector("img.figure-image") as HTMLImageElement | null;
      return !!img && img.complete && img.naturalWidth > 0;
    });
    await page.keyboard.press("f");
    const src = await page.$eval("img.figure-image", (img) => (img as HTMLImageElement).src);
    return decodeURIComponent(src.slice(src.indexOf(",") + 1));
  }

  it("draws the decision boundary, the labelled count matrix and the histogram", async () => {
    page = await panel.open();
    await postToPanel(page, { type: "snapshot", uri: "file:///charts.py", version: 1, stale: false, trace: compactTrace(trace) });
    await page.waitForSelector('[data-tab="figures"][aria-selected="true"]');
    const chips = await page.$$eval(".figure-chip", (els) => els.map((e) => e.textContent));
    assert.deepEqual(chips, ["decision boundary", "Figure 2", "tanh activations"]);

    const [boundary, matrix, histogram] = trace.charts!;
    const svg0 = await show(0);
    const points = boundary.axes[0].series.find((s): s is ChartScatter => s.kind === "scatter")!;
    assert.equal((svg0.match(/<circle /g) ?? []).length, points.x.length, "one dot per sample");
    assert.equal((svg0.match(/<image /g) ?? []).length, 1, "the filled contours");
    await screenshot(page, "30-chart-decision-boundary");

    const svg1 = await show(1);
    const labels = matrix.axes[0].series.filter((s) => s.kind === "text").length;
    assert.equal(labels, 72);
    assert.equal((svg1.match(/<text [^>]*fill="gray"/g) ?? []).length, labels, "every plt.text label");
    assert.ok(!svg1.includes('stroke="#000"'), "axis('off') draws no frame or ticks");
    await screenshot(page, "31-chart-imshow-text");

    const svg2 = await show(2);
    const hist = histogram.axes[0].series[0] as ChartHist;
    assert.equal(hist.counts.reduce((a, b) => a + b, 0), 500 * 20);
    assert.equal((svg2.match(/<rect [^>]*fill="#1f77b4"/g) ?? []).length, hist.counts.filter((c) => c > 0).length, "one bar per non-empty bin");
    await screenshot(page, "32-chart-histogram");
    await page.close();
  });
});
