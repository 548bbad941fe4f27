// The gradient panel in headless Chromium: the built bundle in a page with the extension's CSP and a
// fake host, fed fixture traces; checks of the DOM and of what the panel posts back, screenshots in
// .test-artifacts/webview/.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { Runner } from "../../src/runner/runner";
import { compactTrace, detailOf, type Trace } from "../../src/protocol/trace";
import { loadFixture } from "./fixtures";
import { closeCheckingCsp, posted, postToPanel, screenshot, usePanel } from "./harness";

const URI = "file:///work/exercise1.ts";

describe("gradient panel (webview, Chromium)", function () {
  this.timeout(120_000);
  const panel = usePanel();
  let page: Page;

  before(async () => {
    const b = panel.built;
    console.log(`      built panel: ${(b.bytes / 1024).toFixed(0)} KiB in ${b.ms.toFixed(0)} ms`);
  });

  beforeEach(async () => {
    page = await panel.open();
  });

  afterEach(async () => {
    await closeCheckingCsp(page);
  });

  async function snapshot(trace: Trace | undefined, extra: Record<string, unknown> = {}) {
    await postToPanel(page, { type: "snapshot", uri: URI, version: 3, stale: false, trace, ...extra });
  }

  async function clearPosted() {
    await page.evaluate(() => void ((window as unknown as { __posted: unknown[] }).__posted.length = 0));
  }

  async function lastPosted(type: string) {
    const all = await posted(page);
    return all.filter((m) => m.type === type).pop();
  }

  it("sends ready first and shows what to do before any run", async () => {
    const first = (await posted(page))[0];
    assert.equal(first.type, "ready");
    await snapshot(undefined);
    const empty = page.locator("[data-testid=empty]");
    await empty.waitFor();
    const text = await empty.innerText();
    assert.match(text, /No run yet/);
    assert.match(text, /Run backprop exercise/);
    await screenshot(page, "01-empty");
    await clearPosted();
    await empty.getByRole("button", { name: /Run exercise/ }).click();
    assert.deepEqual(await lastPosted("run"), { type: "run" });
  });

  it("exercise 1 solved: 26 rows, all exact, notebook columns; a row click reveals its cmp line", async () => {
    const trace = loadFixture("exercise1-solved");
    // time from the host's post to the 26 rows in the DOM (the panel's share of save → panel updated)
    // (no named functions inside: the test's transpiler would wrap them in a helper the page lacks)
    const ms = await page.evaluate((t) => new Promise<number>((resolve) => {
      const t0 = performance.now();
      new MutationObserver(() => {
        if (document.querySelectorAll("tr.cmp-row").length === 26) resolve(performance.now() - t0);
      }).observe(document.body, { childList: true, subtree: true });
      window.postMessage({ type: "snapshot", uri: "file:///work/exercise1.ts", version: 3, stale: false, trace: t }, "*");
    }), trace as unknown);
    console.log(`      snapshot (${(JSON.stringify(trace).length / 1024).toFixed(0)} KiB trace) → 26 rows in ${ms.toFixed(1)} ms`);
    assert.equal(await page.locator("tr.cmp-row").count(), 26);
    assert.equal(await page.locator("tr.cmp-row.verdict-exact").count(), trace.comparisons.filter((c) => c.status === "exact").length);
    assert.equal(await page.locator("tr.cmp-row.bad").count(), 0);
    const headers = await page.locator(".cmp-table th").allInnerTexts();
    for (const h of ["name", "exact", "approximate", "maxdiff"]) assert.ok(headers.some((x) => x.trim() === h), `column ${h} in ${headers}`);
    assert.match(await page.locator("[data-testid=cmp-summary]").innerText(), /26 exact/);
    await screenshot(page, "02-solved-checks");

    await clearPosted();
    const logits = trace.comparisons.find((c) => c.name === "logits")!;
    await page.locator('tr.cmp-row[data-name="logits"]').click();
    assert.deepEqual(await lastPosted("reveal"), { type: "reveal", uri: URI, line: logits.line - 1, column: logits.column - 1 });
    // the tensor view opens with the three heatmaps and the histogram
    await page.locator("[data-testid=tensor-panel]").waitFor();
    for (const id of ["heatmap-manual", "heatmap-grad", "heatmap-diff", "histogram"]) {
      assert.equal(await page.locator(`[data-testid=${id}] canvas`).count(), 1, id);
    }
    await screenshot(page, "03-solved-tensor");
  });

  it("compact snapshot (no samples): says it rendered, and fetches a row's samples when its heatmaps show", async () => {
    const full = loadFixture("exercise1-one-wrong");
    const compact = compactTrace(full);
    await clearPosted();
    await snapshot(compact as unknown as Trace, { version: 6 });
    await page.locator('.app[data-version="6"] tr.cmp-row').first().waitFor();
    assert.deepEqual(await lastPosted("rendered"), { type: "rendered", uri: URI, version: 6 });
    assert.equal(await lastPosted("renderTimings"), undefined, "timings only when the host asks for them");
    await postToPanel(page, { type: "debug", reportTimings: true });
    await snapshot(compact as unknown as Trace, { version: 7 });
    await page.locator('.app[data-version="7"] tr.cmp-row').first().waitFor();
    assert.equal(await page.locator("tr.cmp-row").count(), full.comparisons.length);
    assert.deepEqual(await lastPosted("rendered"), { type: "rendered", uri: URI, version: 7 });
    const timings = (await lastPosted("renderTimings"))!;
    assert.deepEqual(timings, { type: "renderTimings", uri: URI, version: 7, at: timings.at, receivedAt: timings.receivedAt, queuedMs: timings.queuedMs });
    assert.ok((timings.receivedAt as number) <= (timings.at as number));
    assert.ok(typeof timings.queuedMs === "number" && timings.queuedMs >= 0 && timings.queuedMs < 60_000, `queuedMs ${timings.queuedMs}`);
    assert.ok(typeof timings.at === "number" && Math.abs(timings.at - Date.now()) < 60_000);
    assert.equal(await lastPosted("requestDetail"), undefined, "nothing is fetched before a tensor view opens");

    const row = full.comparisons.find((c) => c.status === "wrong")!;
    await page.locator(`tr.cmp-row[data-name="${row.name}"]`).click();
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === "requestDetail"));
    const req = (await lastPosted("requestDetail"))!;
    assert.deepEqual(req, { type: "requestDetail", requestId: req.requestId, uri: URI, version: 7, tensorId: row.tensorId, cmpIndex: row.index });
    // until the answer comes, the view has no heatmaps; an answer to another request changes nothing
    await page.locator("[data-testid=tensor-panel]").waitFor();
    assert.equal(await page.locator("[data-testid=heatmap-diff] canvas").count(), 0);
    await postToPanel(page, { type: "detail", requestId: 999, detail: detailOf(full, row.tensorId, row.index) });
    assert.equal(await page.locator("[data-testid=heatmap-diff] canvas").count(), 0);
    await postToPanel(page, { type: "detail", requestId: req.requestId, detail: detailOf(full, row.tensorId, row.index) });
    for (const id of ["heatmap-manual", "heatmap-grad", "heatmap-diff", "histogram"]) {
      await page.locator(`[data-testid=${id}] canvas`).waitFor();
    }
    await screenshot(page, "03b-compact-tensor-detail");
    // a new snapshot drops the fetched samples and asks again for the view still open
    await clearPosted();
    await snapshot(compact as unknown as Trace, { version: 8 });
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string; version?: number }[] }).__posted.some((m) => m.type === "requestDetail" && m.version === 8));
    assert.equal((await lastPosted("rendered"))?.version, 8);
  });

  it("sorts by a column and keeps the sort after a reload (getState/setState)", async () => {
    await snapshot(loadFixture("exercise1-solved"));
    await page.locator("tr.cmp-row").first().waitFor();
    await page.locator('th[data-sort="name"] button').click();
    const names = await page.locator("tr.cmp-row").evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.name!));
    assert.deepEqual(names, [...names].sort((a, b) => a.localeCompare(b)));
    assert.notEqual(names[0], "logprobs");
    await page.locator('th[data-sort="name"] button').click();
    const desc = await page.locator("tr.cmp-row").evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.name!));
    assert.deepEqual(desc, [...names].reverse());

    await page.reload();
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === "ready"));
    await snapshot(loadFixture("exercise1-solved"));
    await page.locator("tr.cmp-row").first().waitFor();
    const restored = await page.locator("tr.cmp-row").evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.name!));
    assert.deepEqual(restored, desc);
    assert.equal(await page.locator('th[data-sort="name"]').getAttribute("aria-sort"), "descending");
  });

  it("a window reload keeps the last results until the next run; Run runs their file", async () => {
    const trace = compactTrace(loadFixture("exercise1-one-wrong"));
    await snapshot(trace as unknown as Trace, { version: 4 });
    await page.locator("tr.cmp-row").first().waitFor();
    assert.equal(await page.locator("[data-testid=run-file]").innerText(), "exercise1.ts");
    // the state is saved after the render, off its path
    await page.waitForFunction(() => (JSON.parse(sessionStorage.getItem("state") ?? "{}") as { last?: unknown }).last !== undefined);

    // VS Code reloads the webview; the host, reloaded too, has no run to send
    await page.reload();
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === "ready"));
    await postToPanel(page, { type: "snapshot", stale: false });
    await page.locator("[data-testid=restored]").waitFor();
    assert.equal(await page.locator("tr.cmp-row").count(), trace.comparisons.length);
    assert.equal(await page.locator("tr.cmp-row.first-wrong").getAttribute("data-name"), "bndiff");
    await page.locator("tr.cmp-row.first-wrong").click();
    await page.locator("[data-testid=tensor-note]").waitFor(); // says why there are no heatmaps
    assert.equal(await lastPosted("requestDetail"), undefined, "no samples asked of a host that never had them");
    await screenshot(page, "17-restored-after-reload");
    await clearPosted();
    await page.locator("[data-testid=run]").click();
    assert.deepEqual(await lastPosted("run"), { type: "run", uri: URI });

    // the next run replaces them
    await snapshot(loadFixture("exercise1-solved"), { version: 5 });
    await page.locator('.app[data-version="5"]').waitFor();
    assert.equal(await page.locator("[data-testid=restored]").count(), 0);
    assert.equal(await page.locator("tr.cmp-row.bad").count(), 0);
  });

  it("a notebook's rows say which cell and line their cmp is in, as VS Code counts cells", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "bpn-cells-"));
    const nb = path.join(dir, "cells.ipynb");
    const cell = (cell_type: string, source: string) => ({ cell_type, metadata: {}, source, ...(cell_type === "code" ? { outputs: [], execution_count: null } : {}) });
    writeFileSync(nb, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [
      cell("code", "import torch\ndef cmp(s, dt, t):\n    pass"),
      cell("markdown", "# the check"),
      cell("code", "x = torch.ones(3, requires_grad=True)\n(x * 2).sum().backward()\ncmp('x', 2 * torch.ones(3), x)"),
    ] }));
    const runner = new Runner();
    try {
      const trace = await runner.run(nb, { timeoutMs: 120_000 }).trace;
      assert.equal(trace.status, "ok", trace.error?.message);
      await postToPanel(page, { type: "snapshot", uri: `file://${nb}`, version: 1, stale: false, trace });
      await page.locator("tr.cmp-row").first().waitFor();
      assert.equal(await page.locator("th.col-line").innerText(), "cell:line");
      assert.equal(await page.locator("tr.cmp-row td.col-line").first().innerText(), "3:3");
      // a click reveals the line in its cell, not in the notebook's JSON
      await page.locator("tr.cmp-row").first().click();
      const r = await lastPosted("reveal");
      assert.deepEqual([r?.uri, r?.cell, r?.line], [`file://${nb}`, 2, 2]);
    } finally {
      runner.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the header says which file ran, in which language and when; the output reads plainly", async () => {
    const trace = loadFixture("exercise-python");
    await postToPanel(page, { type: "snapshot", uri: "file:///work/examples/python/backprop_ninja.py", version: 1, stale: false, trace });
    const header = page.locator("[data-testid=run-header]");
    await header.waitFor();
    assert.equal(await page.locator("[data-testid=run-file]").innerText(), "backprop_ninja.py");
    assert.match(await header.innerText(), /Python/);
    assert.match(await page.locator("[data-testid=run-time]").innerText(), /^ran \d\d:\d\d:\d\d · [\d.]+ (ms|s)/);
    await page.locator("[data-testid=run-output] summary").click();
    const out = await page.locator("[data-testid=run-output] pre").innerText();
    assert.ok(out.includes(trace.output.map((o) => o.text).join("").trim().split("\n")[0]), out.slice(0, 200));
    assert.doesNotMatch(out, /│|\[info\]/, "no log prefixes");
    await screenshot(page, "18-python-header-output");
    // a run of another file starts: the header says so while the old results stay
    await postToPanel(page, { type: "running", running: { uri: "file:///work/train_ninja.ts", startedAt: Date.now(), progress: {} } });
    await page.locator("[data-testid=running-other]").waitFor();
    assert.match(await page.locator("[data-testid=running-other]").innerText(), /running train_ninja\.ts/);
    await screenshot(page, "19-header-running-other");
    // a notebook kernel's trace ends with one cell's run: the time is that cell's, and the header says so
    await postToPanel(page, { type: "snapshot", uri: "file:///work/exercise.ipynb", version: 2, stale: false, trace: { ...trace, ranCell: 4 } });
    await page.locator(".app[data-version=\"2\"]").waitFor();
    assert.match(await page.locator("[data-testid=run-time]").innerText(), /^cell 5 ran \d\d:\d\d:\d\d · [\d.]+ (ms|s)/);
  });

  it("one wrong gradient: wrong rows marked, the first wrong in backward order highlighted in table and graph", async () => {
    const trace = loadFixture("exercise1-one-wrong");
    const wrong = trace.comparisons.filter((c) => c.status === "wrong");
    assert.ok(wrong.length > 0, "the fixture has a wrong gradient");
    await snapshot(trace);
    await page.locator("tr.cmp-row").first().waitFor();
    assert.equal(await page.locator("tr.cmp-row.verdict-wrong").count(), wrong.length);
    const first = page.locator("tr.cmp-row.first-wrong");
    assert.equal(await first.count(), 1);
    assert.equal(await first.getAttribute("data-name"), "bndiff");
    assert.match(await first.innerText(), /first to fix/);
    assert.equal(await page.locator(".tab-badge").innerText(), String(wrong.length));
    await screenshot(page, "04-wrong-checks");

    await page.getByRole("checkbox", { name: /Only failing/ }).check();
    assert.equal(await page.locator("tr.cmp-row").count(), wrong.length);
    await first.click();
    await page.locator("[data-testid=diagnosis]").waitFor();
    await screenshot(page, "05-wrong-filtered-tensor");

    await page.locator('[data-tab="graph"]').click();
    const node = page.locator("g.node.first-wrong");
    await node.waitFor(); // the first view centers on it
    assert.equal(await node.getAttribute("data-label"), "bndiff");
    // its halo pulses to draw the eye, then rests: an endless animation repaints the panel every frame
    const haloEnds = await node.locator(".first-wrong-halo").evaluate((el) => el.getAnimations().map((a) => a.effect!.getComputedTiming().endTime));
    assert.ok(haloEnds.length > 0 && haloEnds.every((t) => Number.isFinite(Number(t))), `the halo's animations end at ${haloEnds.join(", ")} ms`);
    await screenshot(page, "06-wrong-graph");
    await page.locator("[data-testid=fit]").click(); // the whole graph, so every node is in the DOM
    await page.waitForFunction(() => document.querySelector(".graph-view")?.getAttribute("data-rendered") === document.querySelector(".graph-view")?.getAttribute("data-nodes"));
    assert.equal(await page.locator("g.node.verdict-wrong").count(), wrong.length);
    for (const v of ["exact", "approximate"] as const) {
      assert.equal(await page.locator(`g.node.verdict-${v}`).count(), trace.comparisons.filter((c) => c.status === v).length, v);
    }
    await page.keyboard.press("Escape");
    await screenshot(page, "06b-wrong-graph-fit");
  });

  it("graph: a node click reveals its line; the editor's cursor line highlights its node", async () => {
    const trace = loadFixture("exercise1-solved");
    await snapshot(trace);
    await page.locator('[data-tab="graph"]').click();
    await page.locator("g.node").first().waitFor();
    // a small graph is whole in the DOM even where it is off screen (the e2e suite looks nodes up by name)
    assert.equal(await page.locator("g.node").count(), Number(await page.locator(".graph-view").getAttribute("data-nodes")));
    for (const name of ["logits", "probs", "hprebn", "emb", "C", "W1"]) assert.equal(await page.locator(`g.node[data-label="${name}"]`).count(), 1, name);
    await screenshot(page, "06c-solved-graph");
    await page.locator("[data-testid=fit]").click();
    const logits = page.locator('g.node[data-label="logits"]');
    await logits.waitFor();
    const place = trace.graph!.nodes.find((n) => n.name === "logits")!.place!;
    await clearPosted();
    await logits.click();
    assert.deepEqual(await lastPosted("reveal"), { type: "reveal", uri: URI, line: place.line - 1, column: place.column - 1 });

    const hPlace = trace.graph!.nodes.find((n) => n.name === "h")!.place!;
    // a cursor in another file is ignored (the stale banner after it shows the message was handled)
    await postToPanel(page, { type: "cursor", uri: "file:///work/other.ts", line: hPlace.line - 1 });
    await postToPanel(page, { type: "stale", stale: true });
    await page.locator("[data-testid=stale]").waitFor();
    assert.equal(await page.locator("g.node.cursor").count(), 0);
    await postToPanel(page, { type: "cursor", uri: URI, line: hPlace.line - 1 });
    await page.locator('g.node.cursor[data-label="h"]').waitFor();
    assert.equal(await page.locator("g.node.cursor").count(), 1);
  });

  it("host notifications: selectComparison opens the row, stale and running show", async () => {
    const trace = loadFixture("exercise1-one-wrong");
    await snapshot(trace);
    await page.locator('[data-tab="graph"]').click();
    await postToPanel(page, { type: "selectComparison", index: 9 });
    const row = page.locator("tr.cmp-row.selected");
    await row.waitFor();
    assert.equal(await row.getAttribute("data-name"), trace.comparisons[9].name);
    assert.equal(await page.locator("[data-testid=tensor-panel] h3").innerText(), trace.comparisons[9].name);
    await postToPanel(page, { type: "stale", stale: true });
    await page.locator("[data-testid=stale]").waitFor();
    await postToPanel(page, { type: "running", running: { uri: URI, startedAt: Date.now(), progress: { message: "running" } } });
    await page.locator("[data-testid=stop]").waitFor();
    await page.locator(".run-progress").waitFor();
    await screenshot(page, "12-stale-running");
    await postToPanel(page, { type: "running", running: null });
    await page.locator("[data-testid=run]").waitFor();
    assert.equal(await page.locator(".run-progress").count(), 0);
  });

  it("a re-run with the same graph keeps positions and view, and recolors the nodes", async () => {
    await snapshot(loadFixture("exercise1-solved"));
    await page.locator('[data-tab="graph"]').click();
    await page.locator('g.node[data-label="bndiff"].verdict-exact').waitFor();
    const box = (await page.locator(".graph-view").boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, 300); // zoom out a little: a view of the user's own
    await page.waitForFunction(() => Number(document.querySelector(".graph-view")?.getAttribute("data-zoom")) < 1);
    const before = await page.evaluate(() => ({
      transform: document.querySelector(".graph-svg > g")!.getAttribute("transform"),
      bndiff: document.querySelector('g.node[data-label="bndiff"]')!.getAttribute("transform"),
    }));
    await snapshot(loadFixture("exercise1-one-wrong")); // same script structure, one gradient broken
    await page.locator('g.node[data-label="bndiff"].verdict-wrong').waitFor();
    const after = await page.evaluate(() => ({
      transform: document.querySelector(".graph-svg > g")!.getAttribute("transform"),
      bndiff: document.querySelector('g.node[data-label="bndiff"]')!.getAttribute("transform"),
    }));
    assert.deepEqual(after, before);
  });

  it("keyboard: arrows move between graph nodes, Enter reveals, F fits", async () => {
    const trace = loadFixture("exercise1-solved");
    await snapshot(trace);
    await page.locator('[data-tab="graph"]').click();
    await page.locator("g.node").first().waitFor();
    await page.locator(".graph-view").focus();
    await page.keyboard.press("ArrowDown"); // nothing selected yet: selects the top node
    const first = await page.locator("g.node.selected").getAttribute("data-id");
    assert.ok(first);
    await page.keyboard.press("ArrowDown"); // follows an edge to a consumer
    const second = await page.locator("g.node.selected").getAttribute("data-id");
    assert.ok(second && second !== first);
    assert.ok(trace.graph!.edges.some((e) => e.from === first && e.to === second), `${first} → ${second} is an edge`);
    await clearPosted();
    await page.keyboard.press("Enter");
    const node = trace.graph!.nodes.find((n) => n.id === second)!;
    if (node.place) assert.deepEqual(await lastPosted("reveal"), { type: "reveal", uri: URI, line: node.place.line - 1, column: node.place.column - 1 });
    const before = await page.locator(".graph-view").getAttribute("data-zoom");
    await page.keyboard.press("f");
    await page.waitForFunction((z) => document.querySelector(".graph-view")?.getAttribute("data-zoom") !== z, before);
  });

  it("live training: partial traces update the curve and steps/s", async () => {
    await snapshot(undefined);
    await postToPanel(page, { type: "running", running: { uri: URI, startedAt: Date.now(), progress: {} } });
    await page.locator('[data-tab="training"]').click();
    const steps: number[] = [], values: number[] = [];
    for (let i = 0; i < 5; i++) {
      for (let k = 0; k < 50; k++) {
        steps.push(steps.length);
        values.push(3 - steps.length / 200);
      }
      await postToPanel(page, { type: "partial", trace: { series: [{ name: "loss", steps, values }] } });
      await page.waitForTimeout(120);
    }
    const text = await page.locator("[data-testid=training]").innerText();
    assert.match(text, /loss 1\.75/);
    assert.match(text, /step 249/);
    const rate = Number(/(\d+) steps\/s/.exec(text)?.[1]);
    assert.ok(rate > 50 && rate < 2000, `steps/s ${rate}`);
  });

  it("keyboard: arrows move through the table, Enter reveals", async () => {
    const trace = loadFixture("exercise1-solved");
    await snapshot(trace);
    await page.locator("tr.cmp-row").first().focus();
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    await clearPosted();
    await page.keyboard.press("Enter");
    const third = trace.comparisons[2];
    assert.deepEqual(await lastPosted("reveal"), { type: "reveal", uri: URI, line: third.line - 1, column: third.column - 1 });
  });

  it("script error: tells what failed and where, and goes to the line", async () => {
    const trace = loadFixture("script-error");
    await snapshot(trace);
    const banner = page.locator("[data-testid=error]");
    await banner.waitFor();
    const text = await banner.innerText();
    const line = trace.error!.place!.line;
    assert.match(text, new RegExp(`at line ${line}`));
    assert.ok(text.includes(trace.error!.message.slice(0, 40)), text);
    assert.match(text, /save/i);
    assert.equal(await page.locator("tr.cmp-row").count(), trace.comparisons.length);
    await screenshot(page, "07-error");
    await clearPosted();
    await page.locator("[data-testid=error-reveal]").click();
    assert.deepEqual(await lastPosted("reveal"), { type: "reveal", uri: URI, line: line - 1, column: trace.error!.place!.column - 1 });
  });

  it("light theme: follows the theme's variables", async () => {
    await page.close();
    page = await panel.open({ theme: "light" });
    await snapshot(loadFixture("exercise1-one-wrong"));
    await page.locator("tr.cmp-row.first-wrong").click();
    await page.locator("[data-testid=tensor-panel]").waitFor();
    const colors = await page.evaluate(() => ({
      body: getComputedStyle(document.body).backgroundColor,
      text: getComputedStyle(document.querySelector(".col-name")!).color,
    }));
    assert.deepEqual(colors, { body: "rgb(255, 255, 255)", text: "rgb(59, 59, 59)" });
    await screenshot(page, "15-light-checks");
    await page.locator('[data-tab="graph"]').click();
    await page.locator("g.node.first-wrong").waitFor();
    await screenshot(page, "16-light-graph");
  });

  it("NaN/Inf: says where it first appeared and goes there", async () => {
    // test input: the solved trace with a non-finite event added by hand
    const trace: Trace = { ...loadFixture("exercise1-solved"), nonFinite: { op: "LogBackward0", kind: "nan", tensorId: 1, name: "logprobs", place: { line: 50, column: 7 } } };
    await snapshot(trace);
    const banner = page.locator("[data-testid=non-finite]");
    await banner.waitFor();
    assert.match(await banner.innerText(), /NaN first appeared in log \(bound to logprobs\) at line 50/);
    await clearPosted();
    await banner.getByRole("button").click();
    assert.deepEqual(await lastPosted("reveal"), { type: "reveal", uri: URI, line: 49, column: 6 });
  });

  it("narrow panel beside the editor: nothing overflows sideways, the tensor view goes under the graph", async () => {
    await page.setViewportSize({ width: 520, height: 820 });
    await snapshot(loadFixture("exercise1-one-wrong"));
    await page.locator("tr.cmp-row.first-wrong").click();
    await page.locator("[data-testid=tensor-panel]").waitFor();
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(await overflow(), 0);
    await screenshot(page, "13-narrow-checks");
    await page.locator('[data-tab="graph"]').click();
    await page.locator("g.node.first-wrong").waitFor();
    const graphBox = (await page.locator(".graph-view").boundingBox())!, drawerBox = (await page.locator(".graph-drawer").boundingBox())!;
    assert.ok(drawerBox.y >= graphBox.y + graphBox.height - 1, "the tensor view sits under the graph, hiding none of it");
    assert.equal(await overflow(), 0);
    await screenshot(page, "14-narrow-graph");
  });

  it("1,000-node graph: laid out, rendered with culling, the overview shows it whole in a sane time", async () => {
    const trace = loadFixture("graph-1000");
    const total = trace.graph!.nodes.length;
    assert.ok(total >= 1000, `fixture has ${total} nodes`);
    await page.evaluate(() => (window as unknown as { __t0: number }).__t0 = performance.now());
    await snapshot(trace);
    await page.locator('[data-tab="graph"]').click();
    const view = page.locator(".graph-view");
    await view.waitFor({ timeout: 60_000 });
    const folded = Number(await view.getAttribute("data-nodes"));
    const ms = await page.evaluate(() => performance.now() - (window as unknown as { __t0: number }).__t0);
    console.log(`      ${total} nodes (${folded} after folding chains): on screen in ${ms.toFixed(0)} ms`);
    assert.ok(folded < total, "chains of unnamed ops are folded");
    assert.ok(ms < 30_000, `layout took ${ms} ms`);

    // unfold everything: all 1,000 nodes laid out
    await page.evaluate(() => (window as unknown as { __t1: number }).__t1 = performance.now());
    await page.locator("[data-testid=fold]").click();
    await page.waitForFunction((n) => document.querySelector(".graph-view")?.getAttribute("data-nodes") === String(n), total, { timeout: 60_000 });
    const msAll = await page.evaluate(() => performance.now() - (window as unknown as { __t1: number }).__t1);
    console.log(`      all ${total} nodes unfolded: on screen in ${msAll.toFixed(0)} ms`);
    assert.ok(msAll < 30_000, `layout took ${msAll} ms`);

    // zoom in far: culling keeps only what is on screen in the DOM
    const box = (await view.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 40; i++) {
      await page.mouse.wheel(0, -400);
      if (Number(await view.getAttribute("data-zoom")) > 1) break;
      await page.waitForTimeout(30);
    }
    await page.waitForFunction(() => Number(document.querySelector(".graph-view")?.getAttribute("data-zoom")) > 1);
    const rendered = Number(await view.getAttribute("data-rendered"));
    assert.ok(rendered > 0 && rendered < total / 4, `culled to ${rendered} of ${total}`);
    assert.equal(await page.locator("g.node").count(), rendered);
    await screenshot(page, "08-big-zoomed");

    // fit keeps labels readable, so it shows part of this graph and offers the whole one (an overview)
    const t2 = Date.now();
    await page.locator("[data-testid=fit]").click();
    await page.locator("[data-testid=graph-scale-note]").getByRole("button", { name: "Whole graph" }).click();
    assert.match(await page.locator("[data-testid=graph-scale-note]").innerText(), /Overview: labels hidden/);
    await page.waitForFunction((n) => document.querySelector(".graph-view")?.getAttribute("data-rendered") === String(n), total);
    console.log(`      fit: ${Date.now() - t2} ms`);
    const bounds = await page.evaluate(() => {
      const g = document.querySelector(".graph-svg > g")!.getBoundingClientRect();
      const v = document.querySelector(".graph-view")!.getBoundingClientRect();
      return { g: [g.left, g.top, g.right, g.bottom], v: [v.left, v.top, v.right, v.bottom] };
    });
    assert.ok(bounds.g[0] >= bounds.v[0] - 1 && bounds.g[1] >= bounds.v[1] - 1 && bounds.g[2] <= bounds.v[2] + 1 && bounds.g[3] <= bounds.v[3] + 1,
      `graph ${bounds.g} inside view ${bounds.v}`);
    await screenshot(page, "09-big-fit");
  });

  it("training: loss curve, log scale, steps/s, Stop while running", async () => {
    await postToPanel(page, { type: "running", running: { uri: URI, startedAt: Date.now(), progress: { step: 100, totalSteps: 200_000, fraction: 0.0005 } } });
    await snapshot(loadFixture("training"));
    await page.locator('[data-tab="training"]').click();
    await page.locator("[data-testid=training] canvas").waitFor();
    const text = await page.locator("[data-testid=training]").innerText();
    assert.match(text, /steps\/s/);
    assert.match(text, /step 100 \/ 200,000/);
    assert.match(text, /about [\d.]+ (s|min|h) left/, "the time left, from steps/s and the loop's length");
    const pixels = () => page.locator("[data-testid=training] canvas").evaluate((c) => (c as HTMLCanvasElement).toDataURL());
    const linear = await pixels();
    await page.getByRole("checkbox", { name: /Log scale/ }).check();
    assert.notEqual(await pixels(), linear, "log scale redraws the curve");
    await screenshot(page, "10-training");
    await clearPosted();
    await page.locator("[data-testid=training]").getByRole("button", { name: /Stop/ }).click();
    assert.deepEqual(await lastPosted("stop"), { type: "stop" });
    await postToPanel(page, { type: "running", running: null });
    await page.locator("[data-testid=training]").getByRole("button", { name: /Stop/ }).waitFor({ state: "detached" });
  });

  it("micrograd Values: the graph shows data and grad in every node", async () => {
    const trace = loadFixture("values");
    await snapshot(trace);
    await page.locator("g.node-value").first().waitFor();
    assert.equal(await page.locator("g.node-value").count(), trace.graph!.nodes.length);
    const texts = await page.locator("g.node-value").allTextContents();
    assert.ok(texts.every((t) => /data .* grad /.test(t)), texts.join(" | "));
    await screenshot(page, "11-values");
  });

  it("exports the graph as SVG on request, labels inside their boxes, and ignores malformed messages", async () => {
    await snapshot(loadFixture("exercise1-one-wrong"));
    await page.locator('[data-tab="graph"]').click();
    await page.locator("g.node").first().waitFor();
    await postToPanel(page, { type: "cursor", uri: URI, line: -4 }); // malformed: ignored
    await postToPanel(page, { type: "nonsense" });
    await postToPanel(page, { type: "exportSvg", requestId: 7 });
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === "svg"));
    const svg = (await lastPosted("svg")) as unknown as { requestId: number; svg: string };
    assert.equal(svg.requestId, 7);
    assert.match(svg.svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    for (const name of ["logits", "bndiff", "hprebn"]) assert.ok(svg.svg.includes(`>${name}`), name);
    assert.ok(!svg.svg.includes("var(--"), "colors are resolved");
    // drawn as a file viewer would: every label ends inside its node's box
    const spills = await page.evaluate((text) => {
      const holder = document.createElement("div");
      holder.innerHTML = text;
      document.body.append(holder);
      const out: string[] = [];
      for (const g of holder.querySelectorAll("svg > g")) {
        const box = g.querySelector("rect")!.getBoundingClientRect();
        for (const t of g.querySelectorAll("text")) {
          const r = t.getBoundingClientRect();
          if (r.left < box.left - 0.5 || r.right > box.right + 0.5) out.push(`${t.textContent}: ${Math.round(r.right - box.right)} px past its box`);
        }
      }
      holder.remove();
      return out;
    }, svg.svg);
    assert.deepEqual(spills, []);
    assert.ok(svg.svg.includes("hprebn<tspan"), "a verdict is a mark after the name, not a word that spills");
  });
});
