// The Figures tab in headless Chromium, fed the trace of a real run of the draw_dot notebook
// (test/fixtures/graphviz/draw_dot.ipynb through the runner): Graphviz's SVG shown, zoomed, panned,
// picked among the run's figures and exported. Screenshots in .test-artifacts/webview/.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { compactTrace, type Trace } from "../../src/protocol/trace";
import { Runner } from "../../src/runner/runner";
import { closeCheckingCsp, posted, postToPanel, repoRoot, screenshot, usePanel } from "./harness";

describe("gradient panel: figures (webview, Chromium)", function () {
  this.timeout(300_000);
  const panel = usePanel();
  let page: Page;
  let trace: Trace;
  let uri: string;

  before(async () => {
    // a copy, so that dot.render('neuron', directory='out') writes outside the repository
    const nb = path.join(mkdtempSync(path.join(tmpdir(), "bpn-figures-")), "draw_dot.ipynb");
    copyFileSync(path.join(repoRoot, "test/fixtures/graphviz/draw_dot.ipynb"), nb);
    uri = `file://${nb}`;
    const runner = new Runner();
    try {
      trace = await runner.run(nb, { timeoutMs: 240_000 }).trace;
    } finally {
      runner.dispose();
    }
    assert.equal(trace.status, "ok", trace.error?.message);
    assert.equal(trace.figures?.length, 3);
  });

  beforeEach(async () => {
    page = await panel.open();
  });

  afterEach(async () => {
    await closeCheckingCsp(page);
  });

  /** Size of the shown picture on screen and whether the browser decoded Graphviz's SVG. */
  const shown = () => page.$eval("img.figure-image", (img) => {
    const i = img as HTMLImageElement;
    const r = i.getBoundingClientRect();
    return { decoded: i.complete && i.naturalWidth > 0, width: r.width, height: r.height, left: r.left, src: i.src };
  });

  it("opens on the Figures tab on the last of the run's three draw_dot graphs; zoom, pan, pick, fit", async () => {
    await postToPanel(page, { type: "snapshot", uri, version: 1, stale: false, trace: compactTrace(trace) });
    await page.waitForSelector('[data-tab="figures"][aria-selected="true"]');
    await page.waitForFunction(() => {
      const i = document.querySelector("img.figure-image") as HTMLImageElement | null;
      return !!i && i.complete && i.naturalWidth > 0;
    });
    const chips = await page.$$eval(".figure-chip", (els) => els.map((e) => e.textContent));
    assert.deepEqual(chips, trace.figures!.map((f, i) => `Figure ${i + 1} · cell ${f.cell! + 1}`));
    assert.equal(await page.$eval(".figure-chip.active", (e) => e.textContent), chips[2], "the last graph drawn shows first");
    const fitted = await shown();
    assert.ok(fitted.decoded, "Chromium decoded the SVG");
    const view = await page.$eval(".figure-view", (e) => e.getBoundingClientRect().width);
    assert.ok(fitted.width <= view && fitted.width > view * 0.8, `the wide graph is fitted to the view: ${fitted.width} of ${view} px`);
    await screenshot(page, "20-figures-draw-dot");

    // the wheel zooms in at the pointer, a drag pans
    const box = (await page.$(".figure-view"))!;
    const b = (await box.boundingBox())!;
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
    await page.mouse.wheel(0, -600);
    await page.waitForFunction((w) => (document.querySelector("img.figure-image") as HTMLElement).getBoundingClientRect().width > w * 1.5, fitted.width);
    const zoomed = await shown();
    await page.mouse.down();
    await page.mouse.move(b.x + b.width / 2 + 120, b.y + b.height / 2, { steps: 4 });
    await page.mouse.up();
    const panned = await shown();
    assert.ok(Math.abs(panned.left - zoomed.left - 120) < 2, `a 120 px drag moves the picture 120 px (${panned.left - zoomed.left})`);
    await screenshot(page, "21-figures-zoomed");

    // picking the first figure (drawn before backward) shows a different picture; F fits it again
    await page.click(".figure-chip >> nth=0");
    await page.waitForFunction((src) => (document.querySelector("img.figure-image") as HTMLImageElement).src !== src, panned.src);
    await page.keyboard.press("f");
    const first = await shown();
    assert.ok(first.width <= view, "fitted again");
    assert.equal(await page.$eval(".figure-chip.active", (e) => e.textContent), chips[0]);
  });

  it("exports the figure shown: its button runs Export graph as SVG, which gets that figure's SVG", async () => {
    await postToPanel(page, { type: "snapshot", uri, version: 1, stale: false, trace: compactTrace(trace) });
    await page.waitForSelector(".figure-chip");
    await page.click(".figure-chip >> nth=1");
    await page.waitForSelector(".figure-chip.active >> nth=0");
    assert.equal(await page.$eval(".figure-chip.active", (e) => e.textContent), "Figure 2 · cell 6");
    await page.click('[data-testid="figure-export"]');
    assert.ok((await posted(page)).some((m) => m.type === "exportSvg"), "the button asks the host to export");
    await postToPanel(page, { type: "exportSvg", requestId: 7 });
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === "svg"));
    const answer = (await posted(page)).find((m) => m.type === "svg")!;
    assert.equal(answer.requestId, 7);
    assert.equal(answer.svg, trace.figures![1].svg);
  });
});
