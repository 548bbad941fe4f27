// The panel at the widths it gets in VS Code — 360 px (a narrow column beside the editor), 760 px
// (half of a laptop screen) and 1200 px — in the dark and the light theme, with the solved exercise,
// a failing run, a fresh scaffold and a micrograd graph. What must hold at every width: the cmp
// table's name, verdict and maxdiff are on screen; a node's tensor drawer opens inside the viewport;
// Fit keeps labels readable or says it shows an overview; a new graph opens fitted. Screenshots of
// every case go to .test-artifacts/webview/layouts/.
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import type { Trace } from "../../src/protocol/trace";
import { loadFixture } from "./fixtures";
import { postToPanel, screenshot, usePanel } from "./harness";

const WIDTHS = [360, 760, 1200] as const;
const THEMES = ["dark", "light"] as const;
const HEIGHT = 800;
/** the smallest label font on screen that still reads (px) */
const READABLE_PX = 9;

describe("gradient panel layouts (360 / 760 / 1200 px, dark and light)", function () {
  this.timeout(180_000);
  const panel = usePanel();
  let page: Page;

  afterEach(async () => {
    await page?.close();
  });

  async function open(theme: string, width: number): Promise<void> {
    page = await panel.open({ theme: theme as "dark" | "light", width, height: HEIGHT });
  }

  async function show(trace: Trace, uri: string, version = 1): Promise<void> {
    await postToPanel(page, { type: "snapshot", uri, version, stale: false, trace });
    await page.locator(`.app[data-version="${version}"]`).waitFor();
  }

  const shot = (name: string) => screenshot(page, `layouts/${name}`);

  /** Every part of `selector` lies inside the viewport (1 px of rounding allowed). */
  async function insideViewport(selector: string): Promise<{ ok: boolean; box: number[] }> {
    return page.evaluate((sel) => {
      const r = document.querySelector(sel)!.getBoundingClientRect();
      const ok = r.width > 0 && r.height > 0 && r.left >= -1 && r.top >= -1 && r.right <= innerWidth + 1 && r.bottom <= innerHeight + 1;
      return { ok, box: [r.left, r.top, r.right, r.bottom].map(Math.round) };
    }, selector);
  }

  /** Name, verdict and maxdiff of the first rows are on screen, and nothing overflows sideways. */
  async function assertKeyColumns(label: string): Promise<void> {
    const cells = await page.evaluate(() => {
      const out: string[] = [];
      for (const tr of [...document.querySelectorAll("tr.cmp-row")].slice(0, 5)) {
        for (const sel of [".col-name .mono", ".col-verdict .codicon", "td.col-maxdiff"]) {
          const el = tr.querySelector(sel) as HTMLElement | null;
          const r = el?.getBoundingClientRect();
          const visible = !!r && r.width > 0 && r.left >= 0 && r.right <= document.documentElement.clientWidth + 0.5 &&
            getComputedStyle(el!).visibility !== "hidden";
          if (!visible) out.push(`${(tr as HTMLElement).dataset.name} ${sel}: ${r ? [r.left, r.right].map(Math.round).join("–") : "missing"}`);
        }
      }
      return out;
    });
    assert.deepEqual(cells, [], `${label}: name/verdict/maxdiff off screen`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, `${label}: the page scrolls sideways`);
  }

  /** The toolbar's buttons (tabs, Fit, Run) are all on screen. */
  async function assertToolbar(label: string): Promise<void> {
    const clipped = await page.evaluate(() => [...document.querySelectorAll(".toolbar button")]
      .filter((b) => {
        const r = b.getBoundingClientRect();
        return r.width === 0 || r.right > innerWidth + 0.5 || r.left < 0;
      }).map((b) => b.getAttribute("title") ?? b.textContent));
    assert.deepEqual(clipped, [], `${label}: toolbar buttons clipped`);
  }

  /** Every label drawn is at least READABLE_PX on screen, or the view says it is an overview. */
  async function assertReadableOrOverview(label: string): Promise<string> {
    const r = await page.evaluate(() => {
      const view = document.querySelector(".graph-view")!;
      const k = Number(view.getAttribute("data-zoom"));
      const sizes = [...view.querySelectorAll("g.node text")].map((t) => parseFloat(getComputedStyle(t).fontSize) * k);
      const note = document.querySelector("[data-testid=graph-scale-note]")?.textContent ?? "";
      return { mode: view.getAttribute("data-view"), min: sizes.length ? Math.min(...sizes) : Infinity, labels: sizes.length, note };
    });
    if (r.mode === "overview") {
      assert.equal(r.labels, 0, `${label}: an overview draws no labels`);
      assert.match(r.note, /overview/i, `${label}: the overview says so`);
    } else {
      assert.equal(r.mode, "fit", label);
      assert.ok(r.labels > 0, `${label}: labels drawn`);
      assert.ok(r.min >= READABLE_PX - 0.01, `${label}: smallest label ${r.min.toFixed(1)} px`);
    }
    return `${r.mode} (${r.labels ? `labels ≥ ${r.min.toFixed(1)} px` : "no labels"})`;
  }

  /** Fit, and Fit again (the whole graph when it is bigger than the view at a readable zoom): readable or an overview. */
  async function assertFitReadable(label: string): Promise<string> {
    const seen: string[] = [];
    for (let press = 0; press < 2; press++) {
      const before = await page.locator(".graph-view").getAttribute("data-zoom");
      await page.locator("[data-testid=fit]").click();
      await page.waitForFunction((z) => document.querySelector(".graph-view")?.getAttribute("data-view") !== "user" ||
        document.querySelector(".graph-view")?.getAttribute("data-zoom") !== z, before);
      seen.push(await assertReadableOrOverview(`${label}, Fit ×${press + 1}`));
    }
    return seen.join(" → ");
  }

  for (const theme of THEMES) {
    for (const width of WIDTHS) {
      const tag = `${width}-${theme}`;

      it(`${tag}: the solved exercise and a failing run keep name, verdict and maxdiff; the drawer opens on screen`, async () => {
        await open(theme, width);
        await show(loadFixture("exercise1-solved"), "file:///work/backprop_ninja.ts");
        await page.locator("tr.cmp-row").first().waitFor();
        await assertKeyColumns(`${tag} solved`);
        await assertToolbar(`${tag} solved`);
        await shot(`${tag}-exercise-checks`);

        await show(loadFixture("exercise1-one-wrong"), "file:///work/backprop_ninja.ts", 2);
        await page.locator("tr.cmp-row.first-wrong").waitFor();
        await assertKeyColumns(`${tag} failing`);
        await shot(`${tag}-failing-checks`);

        // the graph: a node click opens the tensor drawer inside the viewport
        await page.locator('[data-tab="graph"]').click();
        await assertToolbar(`${tag} graph`);
        const node = page.locator("g.node.first-wrong");
        await node.waitFor();
        await assertReadableOrOverview(`${tag} graph as it opens`);
        await node.click();
        await page.locator(".graph-drawer [data-testid=tensor-panel]").waitFor();
        // the node clicked stays in the graph's view, beside or above the drawer
        await page.waitForTimeout(100);
        const seen = await page.evaluate(() => {
          const n = document.querySelector("g.node.first-wrong .node-box")!.getBoundingClientRect();
          const v = document.querySelector(".graph-view")!.getBoundingClientRect();
          return { ok: n.left >= v.left - 1 && n.top >= v.top - 1 && n.right <= v.right + 1 && n.bottom <= v.bottom + 1,
            n: [n.left, n.top, n.right, n.bottom].map(Math.round), v: [v.left, v.top, v.right, v.bottom].map(Math.round) };
        });
        assert.ok(seen.ok, `${tag}: the node clicked at ${seen.n} is outside the graph's view ${seen.v}`);
        const drawer = await insideViewport(".graph-drawer");
        assert.ok(drawer.ok, `${tag}: drawer at ${drawer.box} outside the ${width}×${HEIGHT} viewport`);
        const head = await insideViewport(".graph-drawer .tensor-head");
        assert.ok(head.ok, `${tag}: drawer head at ${head.box}`);
        await shot(`${tag}-failing-drawer`);
        await page.keyboard.press("Escape");

        const fit = await assertFitReadable(`${tag} failing graph`);
        console.log(`      ${tag}: Fit → ${fit}`);
        await shot(`${tag}-failing-fit`);
      });

      it(`${tag}: a fresh scaffold is neutral, not a wall of red`, async () => {
        await open(theme, width);
        const trace = loadFixture("scaffold");
        await show(trace, "file:///work/backprop_ninja.ts");
        await page.locator("tr.cmp-row").first().waitFor();
        assert.equal(await page.locator("tr.cmp-row").count(), trace.comparisons.length);
        assert.equal(await page.locator("tr.cmp-row.bad").count(), 0, "not-written rows are not failures");
        assert.equal(await page.locator(".badge-first").count(), 0, "no 'first to fix'");
        assert.equal(await page.locator(".tab-badge").count(), 0, "no count of failures on the tab");
        const summary = await page.locator("[data-testid=cmp-summary]").innerText();
        assert.match(summary, new RegExp(`${trace.comparisons.length} not written yet`));
        assert.doesNotMatch(summary, /to fix/);
        await assertKeyColumns(`${tag} scaffold`);
        await shot(`${tag}-scaffold-checks`);
      });

      it(`${tag}: a micrograd graph opens fitted, and so does any new graph after panning`, async () => {
        await open(theme, width);
        await show(loadFixture("exercise1-solved"), "file:///work/backprop_ninja.ts");
        await page.locator('[data-tab="graph"]').click();
        await page.locator("g.node").first().waitFor();
        // the user's own view of this graph: zoomed out and dragged aside
        const box = (await page.locator(".graph-view").boundingBox())!;
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        await page.mouse.wheel(0, 600);
        await page.mouse.down();
        await page.mouse.move(box.x + box.width - 5, box.y + box.height - 5, { steps: 4 });
        await page.mouse.up();
        await page.waitForFunction(() => document.querySelector(".graph-view")?.getAttribute("data-view") === "user");

        await show(loadFixture("values"), "file:///work/micrograd.py", 2);
        await page.locator("g.node-value").first().waitFor();
        await page.waitForFunction(() => document.querySelector(".graph-view")?.getAttribute("data-view") === "fit");
        await assertReadableOrOverview(`${tag} new graph`);
        // fitted: the graph's nodes start inside the view, none half off its left or top edge
        const bounds = await page.evaluate(() => {
          const v = document.querySelector(".graph-view")!.getBoundingClientRect();
          const n = [...document.querySelectorAll("g.node .node-box")].map((e) => e.getBoundingClientRect());
          return { v: [v.left, v.top, v.right, v.bottom], left: Math.min(...n.map((r) => r.left)), top: Math.min(...n.map((r) => r.top)) };
        });
        assert.ok(bounds.left >= bounds.v[0] - 1 && bounds.top >= bounds.v[1] - 1, `${tag}: graph starts at ${bounds.left},${bounds.top} in view ${bounds.v}`);
        await shot(`${tag}-micrograd-graph`);
        const fit = await assertFitReadable(`${tag} micrograd`);
        console.log(`      ${tag}: micrograd Fit → ${fit}`);
      });
    }
  }
});
