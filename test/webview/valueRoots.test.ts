// The micrograd root picker in headless Chromium, fed the trace of a real run of examples/micrograd.ts:
// the panel opens on the neuron's graph, another root's graph is asked of the host (requestGraph) and
// drawn, each graph keeps its own zoom, unnamed Values read "op · data". Screenshots in
// .test-artifacts/webview/. Also logs the layout time of the initial graph and of the training graph.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { compactTrace, valueGraphOf, type Trace, type ValueRoot } from "../../src/protocol/trace";
import { executeScript } from "../../src/runner/execute";
import { posted, postToPanel, repoRoot, screenshot, usePanel } from "./harness";

describe("gradient panel: micrograd roots (webview, Chromium)", function () {
  this.timeout(300_000);
  const panel = usePanel();
  let page: Page;
  let trace: Trace;
  const file = path.join(repoRoot, "examples/micrograd.ts");
  const uri = `file://${file}`;
  const root = (name: string): ValueRoot => trace.valueRoots!.find((r) => r.name === name)!;

  before(async () => {
    trace = executeScript({ file });
    assert.equal(trace.status, "ok", trace.error?.message);
  });


  beforeEach(async () => {
    page = await panel.open();
    await postToPanel(page, { type: "snapshot", uri, version: 1, stale: false, trace: compactTrace(trace) });
  });

  afterEach(async () => {
    await page.close();
  });

  const nodesShown = () => page.getAttribute(".graph-view", "data-nodes").then(Number);
  const layoutMs = async () => Number(/layout (\d+) ms/.exec(await page.innerText("[data-testid=graph-legend]"))![1]);

  /** Picks a root in the toolbar and answers the panel's requestGraph as the host does (the initial root's graph it has). */
  async function pick(name: string): Promise<void> {
    const before = (await posted(page)).length;
    await page.selectOption("[data-testid=root-picker]", root(name).id);
    if (root(name).id === trace.valueRoot) return;
    await page.waitForFunction((n) => (window as unknown as { __posted: { type: string }[] }).__posted.length > n, before);
    const ask = (await posted(page)).slice(before).find((m) => m.type === "requestGraph")!;
    assert.equal(ask.root, root(name).id);
    assert.equal(ask.uri, uri);
    await postToPanel(page, { type: "graph", requestId: ask.requestId, graph: valueGraphOf(trace, String(ask.root)) });
  }

  it("opens on the neuron, lists every root with its size, and draws a picked one", async () => {
    await page.waitForSelector(".graph-view[data-nodes='10']");
    const options = await page.$$eval("[data-testid=root-picker] option", (os) => os.map((o) => o.textContent));
    assert.equal(options.length, trace.valueRoots!.length);
    assert.ok(options.includes("o · 10 nodes"), options.join(", "));
    assert.ok(options.includes("total · 68,819 nodes"), options.join(", "));
    assert.equal(await page.$eval("[data-testid=root-picker]", (s) => (s as HTMLSelectElement).value), root("o").id);
    // unnamed Values by op and data: x1·w1 + x2·w2 = -6
    const labels = await page.$$eval(".graph-view .node", (ns) => ns.map((n) => n.getAttribute("data-label")));
    assert.ok(labels.includes("+ · -6.0"), labels.join(", "));
    assert.ok(labels.includes("o") && labels.includes("x1"));
    console.log(`      initial graph (o, 10 nodes): layout ${await layoutMs()} ms`);
    await screenshot(page, "micrograd-roots-initial");

    await pick("x1w1");
    await page.waitForSelector(".graph-view[data-nodes='3']");
    assert.deepEqual((await page.$$eval(".graph-view .node", (ns) => ns.map((n) => n.getAttribute("data-label")))).sort(), ["w1", "x1", "x1w1"]);
    await screenshot(page, "micrograd-roots-picked");
  });

  it("an unnamed backward() root is labelled by the line of its call, as the editor numbers it", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "bpn-roots-"));
    try {
      const script = path.join(dir, "unnamed.ts");
      writeFileSync(script, ['import { Value } from "backprop-ninja";', "const a = new Value(2);", "a.mul(new Value(3)).backward();", ""].join("\n"));
      const t = executeScript({ file: script });
      assert.equal(t.status, "ok", t.error?.message);
      const r = t.valueRoots!.find((x) => x.kind === "backward")!;
      await postToPanel(page, { type: "snapshot", uri: `file://${script}`, version: 1, stale: false, trace: compactTrace(t) });
      await page.waitForSelector("[data-testid=root-picker] option", { state: "attached" });
      assert.doesNotMatch(r.name, /^[A-Za-z_$][\w$]*$/, `the root has no variable name (${r.name})`);
      const options = await page.$$eval("[data-testid=root-picker] option", (os) => os.map((o) => o.textContent));
      assert.ok(options.some((o) => o?.includes(" line 3 ")), options.join(", "));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps the view of each graph when switching between roots", async () => {
    await page.waitForSelector(".graph-view[data-nodes='10']");
    await page.focus(".graph-view");
    for (let i = 0; i < 3; i++) await page.keyboard.press("+");
    const zoomed = await page.getAttribute(".graph-view", "data-zoom");
    await pick("n");
    await page.waitForSelector(".graph-view[data-nodes='9']");
    assert.notEqual(await page.getAttribute(".graph-view", "data-zoom"), zoomed, "another graph opens fitted");
    await pick("o");
    await page.waitForSelector(".graph-view[data-nodes='10']");
    assert.equal(await page.getAttribute(".graph-view", "data-zoom"), zoomed, "o's zoom came back");
    await screenshot(page, "micrograd-roots-view-kept");
  });

  it("draws the training graph only when asked, and times its layout", async () => {
    await page.waitForSelector(".graph-view[data-nodes='10']");
    await pick("total");
    await page.waitForSelector(".graph-view[data-nodes='5000']", { timeout: 120_000 });
    assert.match(await page.innerText("[data-testid=graph-legend]"), /5,000 nodes nearest the root of 68,819/);
    console.log(`      training graph (total, ${await nodesShown()} nodes): layout ${await layoutMs()} ms`);
    await screenshot(page, "micrograd-roots-training");
  });

  it("shows the Value the editor asks for (showValue)", async () => {
    await page.waitForSelector(".graph-view[data-nodes='10']");
    const before = (await posted(page)).length;
    await postToPanel(page, { type: "showValue", uri, name: "x2w2", line: 20 });
    await page.waitForFunction((n) => (window as unknown as { __posted: { type: string }[] }).__posted.length > n, before);
    const ask = (await posted(page)).slice(before).find((m) => m.type === "requestGraph")!;
    assert.equal(ask.root, root("x2w2").id);
    await postToPanel(page, { type: "graph", requestId: ask.requestId, graph: valueGraphOf(trace, String(ask.root)) });
    await page.waitForSelector(".graph-view[data-nodes='3']");
    assert.equal(await page.$eval("[data-testid=root-picker]", (s) => (s as HTMLSelectElement).value), root("x2w2").id);
  });
});
