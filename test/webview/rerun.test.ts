// What a re-run's snapshot costs the panel: a graph of a structure laid out before is not laid out
// again (and shows the new verdicts in the same render), a changed structure is; an open tensor view
// keeps its heatmaps across the re-run and draws again only a picture that changed. The page is
// watched from outside: ELK's layout requests to its worker and the canvases' putImageData calls.
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { compactTrace, detailOf, type Trace } from "../../src/protocol/trace";
import { loadFixture } from "./fixtures";
import { closeCheckingCsp, posted, postToPanel, usePanel } from "./harness";

const URI = "file:///work/exercise1.ts";

interface Watched {
  __layouts: number;
  __puts: number;
  __atVersion: Record<string, string>;
}

describe("gradient panel re-runs (webview, Chromium)", function () {
  this.timeout(120_000);
  const panel = usePanel();
  let page: Page;

  beforeEach(async () => {
    page = await panel.open();
    // count ELK layout requests and heatmap drawings; note the bndiff node's classes when each version renders
    await page.evaluate(() => {
      const w = window as unknown as Watched;
      w.__layouts = 0;
      w.__puts = 0;
      w.__atVersion = {};
      const post = Worker.prototype.postMessage;
      Worker.prototype.postMessage = function (this: Worker, ...args: Parameters<Worker["postMessage"]>) {
        if ((args[0] as { cmd?: string } | null)?.cmd === "layout") w.__layouts++;
        return post.apply(this, args);
      } as Worker["postMessage"];
      const put = CanvasRenderingContext2D.prototype.putImageData;
      CanvasRenderingContext2D.prototype.putImageData = function (this: CanvasRenderingContext2D, ...args: unknown[]) {
        w.__puts++;
        return (put as (...a: unknown[]) => void).apply(this, args);
      } as typeof put;
      new MutationObserver(() => {
        const v = document.querySelector(".app")?.getAttribute("data-version");
        if (v && !(v in w.__atVersion)) w.__atVersion[v] = document.querySelector('g.node[data-label="bndiff"]')?.getAttribute("class") ?? "";
      }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ["data-version"], childList: true });
    });
  });

  afterEach(async () => {
    await closeCheckingCsp(page);
  });

  const watched = () => page.evaluate(() => {
    const w = window as unknown as Watched;
    return { layouts: w.__layouts, puts: w.__puts, atVersion: w.__atVersion };
  });

  async function show(trace: unknown, version: number) {
    await postToPanel(page, { type: "snapshot", uri: URI, version, stale: false, trace });
    await page.locator(`.app[data-version="${version}"]`).waitFor();
  }

  it("lays a graph out once per structure: a re-run reuses it at once, a new node gets a new layout", async () => {
    const solved = loadFixture("exercise1-solved");
    await show(solved, 1);
    await page.locator('[data-tab="graph"]').click();
    await page.locator('g.node[data-label="bndiff"].verdict-exact').waitFor();
    const nodes = Number(await page.locator(".graph-view").getAttribute("data-nodes"));
    assert.equal((await watched()).layouts, 1);

    // the same structure, one gradient broken: no layout run, and the first render shows the new verdict
    await show(loadFixture("exercise1-one-wrong"), 2);
    await page.locator('g.node[data-label="bndiff"].verdict-wrong').waitFor();
    let w = await watched();
    assert.equal(w.layouts, 1, "a known structure is not laid out again");
    assert.match(w.atVersion["2"], /verdict-wrong/, "the render that shows version 2 draws its verdicts");

    // a graph with one more node: a new layout, with the node in it
    const grown: Trace = structuredClone(loadFixture("exercise1-one-wrong"));
    const root = grown.graph!.root!;
    grown.graph!.nodes.push({ id: "extra", kind: "tensor", label: "extra", name: "extra", shape: [1] });
    grown.graph!.edges.push({ from: root, to: "extra" });
    await show(grown, 3);
    await page.locator('g.node[data-id="extra"]').waitFor();
    w = await watched();
    assert.equal(w.layouts, 2, "a changed structure is laid out");
    assert.equal(Number(await page.locator(".graph-view").getAttribute("data-nodes")), nodes + 1);

    // back to the first structure: its layout is still known
    await show(solved, 4);
    await page.locator('g.node[data-label="bndiff"].verdict-exact').waitFor();
    assert.equal(await page.locator('g.node[data-id="extra"]').count(), 0);
    assert.equal((await watched()).layouts, 2, "a structure laid out before is reused");
  });

  it("an open tensor view keeps its heatmaps across a re-run and redraws only what changed", async () => {
    const full = loadFixture("exercise1-one-wrong");
    const row = full.comparisons.find((c) => c.name === "bndiff")!;
    let answered = 0;
    /** Answers the panel's requests for samples as the host does, from `from`; waits for the request of `version`. */
    const answer = async (from: Trace, version: number) => {
      await page.waitForFunction((v) => (window as unknown as { __posted: { type: string; version?: number }[] }).__posted
        .some((m) => m.type === "requestDetail" && m.version === v), version);
      const reqs = (await posted(page)).filter((m) => m.type === "requestDetail").slice(answered);
      answered += reqs.length;
      for (const r of reqs) {
        await postToPanel(page, { type: "detail", requestId: r.requestId, detail: detailOf(from, r.tensorId as number, r.cmpIndex as number) });
      }
    };
    const canvases = "[data-testid^=heatmap-] canvas";

    await show(compactTrace(full), 1);
    await page.locator(`tr.cmp-row[data-name="bndiff"]`).click();
    await answer(full, 1);
    await page.locator("[data-testid=heatmap-diff] canvas").waitFor();
    assert.equal(await page.locator(canvases).count(), 3);
    const drawn = (await watched()).puts;
    assert.equal(drawn, 3, "manual, autograd and their difference");
    await page.evaluate((sel) => document.querySelectorAll(sel).forEach((c) => ((c as unknown as { __kept: boolean }).__kept = true)), canvases);

    // the same run again: the view keeps its canvases while the samples are asked for, and draws nothing
    await show(compactTrace(full), 2);
    assert.equal(await page.locator(canvases).count(), 3, "the heatmaps stay while this run's samples come");
    await answer(full, 2);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50))));
    assert.equal((await watched()).puts, drawn, "the same pictures are not drawn again");
    const kept = await page.evaluate((sel) => [...document.querySelectorAll(sel)].map((c) => (c as unknown as { __kept?: boolean }).__kept === true), canvases);
    assert.deepEqual(kept, [true, true, true], "the canvases are the same elements");

    // the gradient fixed: the manual gradient and the difference change and are drawn again
    const solved = loadFixture("exercise1-solved");
    await show(compactTrace(solved), 3);
    await answer(solved, 3);
    await page.locator("[data-testid=heatmap-diff]", { hasText: "all zero: identical" }).waitFor();
    const redrawn = (await watched()).puts - drawn;
    assert.ok(redrawn >= 2 && redrawn <= 3, `the changed pictures are drawn again (${redrawn} drawn)`);
    assert.equal(await page.locator("tr.cmp-row.selected").getAttribute("data-name"), row.name);
  });
});
