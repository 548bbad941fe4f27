// End-to-end in a real VS Code: the packaged VSIX installed into code-server 4.139.1 (VS Code
// 1.139.1), a workspace copy of examples/, and headless chromium doing what a user does. Screenshots
// of every step go to .test-artifacts/e2e/. Every wait is on a condition of the UI.
//   npm run test:e2e         (BPN_VSIX=path skips packaging; BPN_KEEP=1 keeps the temp folder)
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { CodeServer, installExtension } from "./support/codeServer";
import { Workbench } from "./support/workbench";
import { needShared, sharedFile } from "../support/sharedData";

const repoRoot = path.resolve(__dirname, "../..");
const namesTxt = sharedFile("names.txt");
const artifacts = path.join(repoRoot, ".test-artifacts", "e2e");
const EXERCISE = "backprop_ninja.ts";
const TRAINING = "train_ninja.ts";

/** The packaged extension: BPN_VSIX, or a fresh `npm run package` (once per test process). */
function packagedVsix(): string {
  if (process.env.BPN_VSIX) return path.resolve(process.env.BPN_VSIX);
  const out = path.join(os.tmpdir(), `bpn-e2e-${process.pid}.vsix`);
  if (fs.existsSync(out)) return out;
  const r = spawnSync(process.execPath, ["scripts/package.mjs", "--out", out], { cwd: repoRoot, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`npm run package failed:\n${r.stdout}\n${r.stderr}`);
  return out;
}

/** 1-based line of the first line of `file` that contains `needle`. */
function lineOf(file: string, needle: string): number {
  const i = fs.readFileSync(file, "utf8").split("\n").findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`${needle} not found in ${file}`);
  return i + 1;
}

describe("Backprop Ninja in a real VS Code (code-server)", function () {
  let tmp: string;
  let ws: string;
  let server: CodeServer | undefined;
  let wb: Workbench | undefined;
  let namesServer: http.Server | undefined;
  let offline = false; // the names server drops connections, as a machine without network would

  before(async function () {
    // "Download names.txt" fetches from a local server here (the machine has no internet)
    namesServer = http.createServer((req, res) => {
      if (offline) {
        req.socket.destroy();
      } else if (req.url === "/names.txt" && namesTxt) {
        res.writeHead(200, { "content-type": "text/plain" });
        fs.createReadStream(namesTxt).pipe(res);
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => namesServer!.listen(0, "127.0.0.1", resolve));
    const namesUrl = `http://127.0.0.1:${(namesServer.address() as AddressInfo).port}/names.txt`;
    fs.rmSync(artifacts, { recursive: true, force: true });
    fs.mkdirSync(artifacts, { recursive: true });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bpn-e2e-"));
    ws = path.join(tmp, "workspace");
    // without examples/scaffold: its backprop_ninja.ts would be a second file of the exercise's name
    // in quick open, and was picked for it once a run had opened it
    const scaffold = path.join(repoRoot, "examples", "scaffold");
    fs.cpSync(path.join(repoRoot, "examples"), ws, { recursive: true, filter: (src) => !src.startsWith(scaffold) });
    // the real dataset next to the scripts (a temporary copy, never in the repo)
    if (namesTxt) fs.copyFileSync(namesTxt, path.join(ws, "names.txt"));
    const vsix = packagedVsix();
    const userData = path.join(tmp, "user-data"), extensions = path.join(tmp, "extensions");
    installExtension(vsix, extensions, userData);
    server = await CodeServer.start({
      folder: ws,
      userDataDir: userData,
      extensionsDir: extensions,
      logFile: path.join(artifacts, "code-server.log"),
      // trusted: this suite checks runs; the restricted-mode behaviour has its own suite
      settings: { "security.workspace.trust.enabled": false, "backpropNinja.runOnType": false, "backpropNinja.namesUrl": namesUrl },
    });
    // 2400 px: the 28 cmp calls and their CodeLens fit on one screen
    wb = await Workbench.open(`${server.url}/?folder=${encodeURIComponent(ws)}`, artifacts, 2400);
  });

  after(async function () {
    if (wb && this.currentTest?.state === "failed") await wb.screenshot("failure").catch(() => undefined);
    await wb?.close().catch(() => undefined);
    server?.stop();
    namesServer?.close();
    if (!process.env.BPN_KEEP && tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state === "failed" && wb) await wb.screenshot(`failed-${this.currentTest.title.replace(/\W+/g, "-")}`).catch(() => undefined);
  });

  it("Download names.txt puts makemore's file next to the exercise", async function () {
    const names = needShared(this, "names.txt");
    const w = wb!;
    const target = path.join(ws, "names.txt");
    fs.rmSync(target, { force: true });
    await w.openFile(EXERCISE);
    await w.runCommand("Backprop Ninja: Download names.txt");
    await w.notification(/names\.txt saved \(32033 names, makemore's file\)/).waitFor({ state: "visible", timeout: 60_000 });
    assert.ok(fs.readFileSync(target).equals(fs.readFileSync(names)), "downloaded bytes differ");
    await w.screenshot("download-names");
  });

  it("Download names.txt offline says why and offers the embedded name list", async function () {
    const w = wb!;
    const target = path.join(ws, "names.txt");
    const saved = fs.existsSync(target) ? fs.readFileSync(target) : undefined;
    fs.rmSync(target, { force: true });
    offline = true;
    try {
      await w.openFile(EXERCISE);
      await w.runCommand("Backprop Ninja: Download names.txt");
      const toast = w.notification(/could not download names\.txt/);
      await toast.waitFor({ state: "visible", timeout: 60_000 });
      const text = (await toast.textContent()) ?? "";
      assert.match(text, /embedded list of ([\d,]+) English first names \(makemore's file has 32,033\)/);
      assert.match(text, /split \([\d,]+ \/ [\d,]+ \/ [\d,]+ train\/dev\/test examples\)/);
      await w.screenshot("download-names-offline");
      await toast.getByRole("button", { name: "Save the embedded list as names.txt" }).click();
      await w.notification(/names\.txt saved with the embedded list/).waitFor({ state: "visible", timeout: 30_000 });
      const count = Number(/embedded list of ([\d,]+)/.exec(text)![1].replace(/,/g, ""));
      assert.equal(fs.readFileSync(target, "utf8").split("\n").filter(Boolean).length, count);
    } finally {
      offline = false;
      if (saved) fs.writeFileSync(target, saved);
      else fs.rmSync(target, { force: true });
    }
  });

  it("runs the exercise from the command palette: panel with every cmp exact", async function () {
    const w = wb!;
    await w.openFile(EXERCISE);
    const cmps = fs.readFileSync(path.join(ws, EXERCISE), "utf8").match(/^cmp\("/gm)!.length;
    const firstCmp = lineOf(path.join(ws, EXERCISE), 'cmp("logprobs"');
    const lastCmp = lineOf(path.join(ws, EXERCISE), 'cmp("hprebn", dhprebn_fast');
    await w.runCommand("Backprop Ninja: Run backprop exercise");
    // status bar: "∇ 26/28 exact · 2 approximate" once the run is done. Exercise 1 (the first 26
    // calls) is exact; the one-step formulas of exercises 2 and 3 are approximate, as in PyTorch.
    const status = w.statusItem(new RegExp(`∇ \\d+/${cmps} exact`));
    await status.waitFor({ state: "visible", timeout: 120_000 });
    const statusText = await status.innerText();
    assert.doesNotMatch(statusText, /wrong|unchecked/);
    // Monaco renders the CodeLens of visible lines only: collect them at both ends of the cmp block
    const seen = new Set<string>();
    for (const at of [lastCmp, firstCmp]) {
      await w.goToLine(at);
      await w.codeLens(/^[✓≈✗○⚠]/).waitFor({ state: "visible" });
      // the verdict lenses (each cmp also has a "∂ finite differences" lens)
      for (const t of await w.codeLenses()) if (/^[✓≈✗○⚠]/.test(t.trim())) seen.add(t.trim());
    }
    await w.screenshot("run-solution");
    const lenses = [...seen];
    assert.equal(lenses.length, cmps, lenses.join("\n"));
    assert.ok(lenses.every((l) => /^(✓ \w+: exact|≈ \w+: approximate, maxdiff)/.test(l)), lenses.join("\n"));
    assert.ok(lenses.filter((l) => l.startsWith("✓")).length >= 26, lenses.join("\n"));
    const view = w.webview();
    const rows = view.locator("tr.cmp-row");
    await rows.first().waitFor({ state: "visible", timeout: 60_000 });
    const names = await rows.evaluateAll((trs) => trs.map((tr) => `${(tr as HTMLElement).dataset.name}:${tr.className}`));
    assert.equal(names.length, cmps, names.join("\n"));
    assert.ok(names.slice(0, 26).every((n) => /verdict-exact/.test(n)), names.join("\n"));
    assert.ok(names.slice(26).every((n) => /verdict-(exact|approximate)/.test(n)), names.join("\n"));
    await w.screenshot("panel-table");
    // the graph has the named nodes of the forward pass
    await view.locator('button[role=tab][data-tab="graph"]').click();
    for (const name of ["logits", "probs", "hprebn", "emb", "C", "W1"]) {
      await view.locator(`.graph-view g[data-label="${name}"]`).first().waitFor({ state: "attached" });
    }
    await w.screenshot("panel-graph");
    await view.locator('button[role=tab][data-tab="checks"]').click();
  });

  it("a window reload keeps the last results in the panel; its Run button runs the open exercise", async function () {
    const w = wb!;
    await w.webview().locator("tr.cmp-row").first().waitFor({ state: "visible", timeout: 60_000 });
    const before = await w.webview().locator("tr.cmp-row").count();
    await w.runCommand("Developer: Reload Window");
    await w.page.locator(".monaco-workbench").waitFor({ state: "visible", timeout: 90_000 });
    // the serializer restores the panel; its saved state shows the last run, marked as kept
    const view = w.webview();
    await view.locator("[data-testid=restored]").waitFor({ state: "visible", timeout: 90_000 });
    assert.equal(await view.locator("tr.cmp-row").count(), before);
    assert.equal(await view.locator("[data-testid=run-file]").innerText(), EXERCISE);
    await w.screenshot("reload-results-kept");
    // a click into the panel leaves no active text editor: Run still runs the exercise
    await view.locator("[data-testid=run]").click();
    await view.locator("[data-testid=restored]").waitFor({ state: "detached", timeout: 120_000 });
    await view.locator("tr.cmp-row.verdict-exact").first().waitFor({ state: "visible" });
    await w.statusItem(/∇ \d+\/\d+ exact/).waitFor({ state: "visible", timeout: 60_000 });
    await w.screenshot("reload-run-from-panel");
  });

  it("hovering dlogits shows its shape and verdict", async function () {
    const w = wb!;
    const file = path.join(ws, EXERCISE);
    const line = lineOf(file, "const dlogits = ");
    await w.openFile(EXERCISE);
    const text = await w.hover(line, fs.readFileSync(file, "utf8").split("\n")[line - 1], "dlogits", /exact/);
    assert.match(text, /\[32, 27\]/);
    assert.match(text, /cmp\("logits"\)/);
    assert.match(text, /✓ exact/);
    await w.screenshot("hover-dlogits");
  });

  it("a planted wrong gradient shows ✗ in CodeLens and a Problems entry; saving a fix updates the panel", async function () {
    const w = wb!;
    const file = path.join(ws, EXERCISE);
    const line = lineOf(file, "const db2 = ");
    const original = fs.readFileSync(file, "utf8").split("\n")[line - 1];
    await w.openFile(EXERCISE);
    await w.replaceLine(line, "const db2 = dlogits.sum(0).mul(2); // planted bug");
    await w.save(); // live mode re-runs on save
    const cmpLine = lineOf(file, 'cmp("b2"');
    await w.goToLine(cmpLine);
    await w.codeLens(/✗ b2: wrong, maxdiff/).waitFor({ state: "visible", timeout: 120_000 });
    await w.statusItem(/1 wrong/).waitFor({ state: "visible" });
    await w.screenshot("wrong-codelens");
    const problems = await w.problems();
    const entry = problems.filter({ hasText: /scaled: db2 = 2 × b2\.grad/ }).first();
    await entry.waitFor({ state: "visible" });
    assert.match(await entry.innerText(), new RegExp(`\\[Ln ${line}, Col`)); // at the line assigning db2
    await w.screenshot("wrong-problems");
    // the hover on the wrong gradient: verdict, maxdiff and a heatmap of manual − autograd
    await w.openFile(EXERCISE);
    const hover = await w.hover(line, "const db2 = dlogits.sum(0).mul(2); // planted bug", "db2", /✗ wrong/);
    assert.match(hover, /maxdiff/);
    const img = w.page.locator('.monaco-hover img[src^="data:image/svg+xml"]').first();
    await img.waitFor({ state: "visible" });
    await w.screenshot("wrong-hover");
    await w.page.keyboard.press("Escape");
    await w.runCommand("Backprop Ninja: Show gradient panel");
    const view = w.webview();
    await view.locator('tr.cmp-row.verdict-wrong[data-name="b2"]').waitFor({ state: "visible" });

    // the fix: back to the right formula, save, and everything is exact again
    await w.openFile(EXERCISE);
    await w.replaceLine(line, original);
    await w.save();
    await w.goToLine(cmpLine);
    await w.codeLens(/✓ b2: exact/).waitFor({ state: "visible", timeout: 120_000 });
    await entry.waitFor({ state: "detached" });
    await view.locator('tr.cmp-row.verdict-exact[data-name="b2"]').waitFor({ state: "visible" });
    assert.equal(await view.locator("tr.cmp-row.verdict-wrong").count(), 0);
    await w.screenshot("fixed");
  });

  it("a Python sign flip: the diagnosis in the panel and one Problems entry at the assignment", async function () {
    const w = wb!;
    const rel = "python/backprop_ninja.py";
    const file = path.join(ws, rel);
    const line = lineOf(file, "dlogprobs[range(n), Yb] = -1.0 / n");
    const original = fs.readFileSync(file, "utf8").split("\n")[line - 1];
    await w.openFile(rel);
    await w.replaceLine(line, original.replace("-1.0 / n", "1.0 / n"));
    await w.save();
    // a Python file joins live mode once it has been run (Pyodide loads on the first Python run)
    await w.runCommand("Backprop Ninja: Run backprop exercise");
    const view = w.webview();
    const first = view.locator('tr.cmp-row.first-wrong[data-name="logprobs"]');
    await first.waitFor({ state: "visible", timeout: 180_000 });
    await first.click();
    await view.getByText(/sign flipped/).first().waitFor({ state: "visible" });
    await w.screenshot("python-signflip-panel");
    const problems = await w.problems();
    const entries = problems.filter({ hasText: /sign flipped/ });
    await entries.first().waitFor({ state: "visible" });
    assert.equal(await entries.count(), 1, "one entry for the one mistake");
    // at the statement binding dlogprobs (its in-place write on the next line binds no name)
    const bound = lineOf(file, "dlogprobs = torch.zeros_like(logprobs)");
    assert.match(await entries.first().innerText(), new RegExp(`\\[Ln ${bound}, Col`));
    await w.screenshot("python-signflip-problems");
    await w.openFile(rel);
    await w.replaceLine(line, original);
    await w.save();
    await entries.first().waitFor({ state: "detached", timeout: 120_000 });
  });

  it("reports a syntax error at its line", async function () {
    const w = wb!;
    const file = path.join(ws, EXERCISE);
    const line = lineOf(file, "const db2 = ");
    const original = fs.readFileSync(file, "utf8").split("\n")[line - 1];
    await w.openFile(EXERCISE);
    await w.replaceLine(line, "const db2 = dlogits.sum(0;");
    await w.save();
    await w.statusItem(new RegExp(`syntax error line ${line}`)).waitFor({ state: "visible", timeout: 120_000 });
    const problems = await w.problems();
    const entry = problems.filter({ hasText: /Backprop Ninja/ }).filter({ hasText: new RegExp(`\\b${line}\\b`) }).first();
    await entry.waitFor({ state: "visible" });
    await w.screenshot("syntax-error");
    await w.openFile(EXERCISE);
    await w.replaceLine(line, original);
    await w.save();
    await w.statusItem(/∇ \d+\/\d+ exact/).filter({ hasNotText: /wrong/ }).waitFor({ state: "visible", timeout: 120_000 });
  });

  it("Stop ends a long training run", async function () {
    const w = wb!;
    await w.openFile(TRAINING);
    await w.runCommand("Backprop Ninja: Run backprop exercise");
    // running, and the loop is really going: the status bar counts steps
    await w.statusItem(/∇ running.*step [1-9]/).waitFor({ state: "visible", timeout: 120_000 });
    await w.screenshot("training");
    await w.runCommand("Backprop Ninja: Stop run");
    await w.statusItem(/∇ stopped/).waitFor({ state: "visible", timeout: 30_000 });
    assert.equal(await w.statusItem(/∇ running/).count(), 0);
    await w.screenshot("stopped");
  });
});

describe("Backprop Ninja in an untrusted workspace (restricted mode)", function () {
  let tmp: string;
  let server: CodeServer | undefined;
  let wb: Workbench | undefined;

  before(async function () {
    fs.mkdirSync(artifacts, { recursive: true });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bpn-e2e-untrusted-"));
    const ws = path.join(tmp, "workspace");
    fs.cpSync(path.join(repoRoot, "examples"), ws, { recursive: true });
    const userData = path.join(tmp, "user-data"), extensions = path.join(tmp, "extensions");
    installExtension(packagedVsix(), extensions, userData);
    server = await CodeServer.start({
      folder: ws, userDataDir: userData, extensionsDir: extensions,
      logFile: path.join(artifacts, "code-server-untrusted.log"),
      settings: { "security.workspace.trust.enabled": true, "security.workspace.trust.startupPrompt": "never", "security.workspace.trust.untrustedFiles": "open" },
    });
    wb = await Workbench.open(`${server.url}/?folder=${encodeURIComponent(ws)}`, path.join(artifacts, "untrusted"));
  });

  after(async function () {
    await wb?.close().catch(() => undefined);
    server?.stop();
    if (!process.env.BPN_KEEP && tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("explains why nothing runs instead of running the script", async function () {
    const w = wb!;
    await w.openFile(EXERCISE);
    await w.runCommand("Backprop Ninja: Run backprop exercise");
    await w.notification(/only in a trusted workspace/).waitFor({ state: "visible" });
    await w.screenshot("untrusted-run");
    await w.statusItem(/∇ restricted mode/).waitFor({ state: "visible" });
    assert.equal(await w.statusItem(/∇ running|exact/).count(), 0);
  });
});

after(function () {
  if (!process.env.BPN_VSIX) fs.rmSync(path.join(os.tmpdir(), `bpn-e2e-${process.pid}.vsix`), { force: true });
});
