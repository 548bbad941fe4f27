// Timings against the issue's targets (activation ≤ 50 ms; save → panel updated ≤ 100 ms for the
// exercise-1 script). These are measurements printed for the report, not pass/fail thresholds: the
// machine is shared and timed assertions would be flaky. The assertions check the runs themselves.
//
// Save → panel is timed from the save event (onDidSaveTextDocument, which also starts live mode's
// run) to the panel's report that its DOM shows that document version (the webview's `rendered`),
// so the editor's own save round trip is not counted and the panel's share is.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import type { BackpropNinjaApi } from "../../../src/extension/extension";
import type { PanelRendered } from "../../../src/extension/panel";
import type { RunRecord } from "../../../src/extension/runs";
import { exerciseNotebook, runCells, within } from "../exerciseNotebook";
import { metric, note } from "../report";

function nextRender(api: BackpropNinjaApi, uri: vscode.Uri, version: number): Promise<PanelRendered> {
  return new Promise((resolve) => {
    const sub = api.onDidRenderPanel((r) => {
      if (r.version === version && r.uri === uri.toString()) { sub.dispose(); resolve(r); }
    });
  });
}

/** Starts the inspector's CPU profiler in this process (the extension host); the result stops it. */
async function startProfile(): Promise<() => Promise<object>> {
  const inspector = await import("node:inspector");
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) => new Promise<any>((resolve, reject) => session.post(method, params ?? {}, (e, r) => (e ? reject(e) : resolve(r))));
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: 200 });
  await post("Profiler.start");
  return async () => {
    const { profile } = await post("Profiler.stop");
    session.disconnect();
    return profile as object;
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const fmt = (xs: number[]) => `median ${median(xs).toFixed(0)} ms, min ${Math.min(...xs).toFixed(0)} ms (${xs.map((s) => s.toFixed(0)).join(", ")})`;

/** A copy of an exercise in the workspace with the sign of dlogprobs flipped: 26 wrong rows to diagnose. */
function signFlipped(folder: vscode.Uri, rel: string, from: string, to: string): vscode.Uri {
  const src = path.join(folder.fsPath, rel);
  const text = fs.readFileSync(src, "utf8");
  assert.ok(text.includes(from), `${rel}: ${from} not found`);
  const out = path.join(path.dirname(src), `signflip_${path.basename(src)}`);
  fs.writeFileSync(out, text.replace(from, to));
  return vscode.Uri.file(out);
}

interface SaveTimings {
  toResult: number[]; toPanel: number[]; saveCall: number[]; toDom: number[]; resultToDom: number[];
  finishToPost: number[]; postToArrival: number[]; arrivalToDom: number[]; queued: number[]; hostBlocked: number[]; toStart: number[]; runner: number[]; script: number[]; last?: RunRecord;
}

/**
 * `saves` edits of `doc`, each saved and timed from the save event to the run's result and to the
 * panel's DOM showing it. The edit toggles one trailing newline, or with `toggle` = [a, b] rewrites
 * the line that reads a into b and back (an edit that changes a statement, where a Python live run
 * resumes).
 */
async function timeSaves(api: BackpropNinjaApi, doc: vscode.TextDocument, saves: number, toggle?: readonly [string, string]): Promise<SaveTimings> {
  // the editor in the first group, the panel visible in its own group beside it (a hidden webview
  // is unloaded and renders nothing), and one run shown before the saves start
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One });
  await vscode.commands.executeCommand("backpropNinja.showPanel");
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One });
  const shownFirst = nextRender(api, doc.uri, doc.version);
  await api.runs.run(doc, "command");
  await within(shownFirst, 120_000, `the panel showing the first run of ${path.basename(doc.uri.fsPath)}`);

  const t: SaveTimings = { toResult: [], toPanel: [], saveCall: [], toDom: [], resultToDom: [], finishToPost: [], postToArrival: [], arrivalToDom: [], queued: [], hostBlocked: [], toStart: [], runner: [], script: [] };
  for (let i = 0; i < saves; i++) {
    // a whitespace-only edit (toggle one trailing newline) so that save really writes and re-runs
    const edit = new vscode.WorkspaceEdit();
    const last = doc.lineCount - 1;
    if (toggle) {
      const text = doc.getText();
      const [from, to] = text.includes(toggle[0]) ? toggle : [toggle[1], toggle[0]];
      const at = text.indexOf(from);
      assert.ok(at >= 0, `neither form of the toggled line is in ${doc.uri.fsPath}`);
      edit.replace(doc.uri, new vscode.Range(doc.positionAt(at), doc.positionAt(at + from.length)), to);
    } else if (doc.getText().endsWith("\n\n")) edit.delete(doc.uri, new vscode.Range(last - 1, doc.lineAt(last - 1).text.length, last, 0));
    else edit.insert(doc.uri, doc.lineAt(last).range.end, "\n");
    await vscode.workspace.applyEdit(edit);
    const version = doc.version;
    let savedAt: number | undefined, savedWall = 0;
    const saved = vscode.workspace.onDidSaveTextDocument((d) => {
      if (d.uri.toString() !== doc.uri.toString() || savedAt !== undefined) return;
      savedAt = performance.now();
      savedWall = Date.now();
    });
    // the panel's listener posted the snapshot just before this one runs; the host's RPC writer sends
    // it on a zero-delay timer, so a timer set here fires right after the write: the time between is
    // the extension host's own work blocking the post
    const finished = new Promise<RunRecord>((resolve) => {
      const sub = api.runs.onDidFinish((r) => {
        if (r.version !== version) return;
        sub.dispose();
        const at = Date.now();
        setTimeout(() => t.hostBlocked.push(Date.now() - at));
        resolve(r);
      });
    });
    const rendered = nextRender(api, doc.uri, version);
    const c0 = performance.now();
    await doc.save();
    t.saveCall.push(performance.now() - c0);
    const rec = await within(finished, 60_000, `the run of version ${version}`);
    const resultAt = performance.now(), resultWall = Date.now();
    const shown = await within(rendered, 60_000, `the panel showing version ${version}`);
    saved.dispose();
    assert.ok(savedAt !== undefined, "onDidSaveTextDocument fired");
    assert.equal(rec.outcome.status, "ok", rec.outcome.error?.message);
    assert.equal(rec.reason, "save");
    t.last = rec;
    t.toResult.push(resultAt - savedAt);
    t.toStart.push(rec.startedAt - savedWall);
    t.runner.push(rec.finishedAt - rec.startedAt);
    const timings = (rec.trace as { timings?: { totalMs: number } } | undefined)?.timings;
    if (timings) t.script.push(timings.totalMs);
    t.toPanel.push(shown.at - savedAt);
    if (shown.webviewAt !== undefined) {
      t.toDom.push(shown.webviewAt - savedWall);
      t.resultToDom.push(shown.webviewAt - resultWall);
      if (shown.postedAt !== undefined && shown.receivedAt !== undefined) {
        t.finishToPost.push(shown.postedAt - resultWall);
        t.postToArrival.push(shown.receivedAt - shown.postedAt);
        t.arrivalToDom.push(shown.webviewAt - shown.receivedAt);
        if (shown.queuedMs !== undefined) t.queued.push(shown.queuedMs);
      }
    }
  }
  return t;
}

/** The pause before each timed notebook re-run (see timeReruns' callers). */
const SETTLE_MS = 1000;

interface RerunTimings { toCell: number[]; toPanel: number[]; both: number[]; phases: Record<string, number[]> }

/**
 * `times` runs of cell `cell`, each `settleMs` after the last showed, timed from the execute command to
 * the kernel having the cell's outputs applied and to the panel's DOM showing the published trace.
 * With `toggle` = [a, b] each run first rewrites the cell's line a into b and back (its table changes).
 */
async function timeReruns(api: BackpropNinjaApi, nb: vscode.NotebookDocument, cell: number, times: number, settleMs: number, toggle?: readonly [string, string]): Promise<RerunTimings> {
  const t: RerunTimings = {
    toCell: [], toPanel: [], both: [],
    phases: { "request → kernel": [], "→ cell started": [], "→ trace (runner)": [], "→ outputs sent": [], "→ outputs applied (workbench)": [], "→ published": [] },
  };
  for (let i = 0; i < times; i++) {
    const doc = nb.cellAt(cell).document;
    if (toggle) {
      const text = doc.getText();
      const [from, to] = text.includes(toggle[0]) ? toggle : [toggle[1], toggle[0]];
      const at = text.indexOf(from);
      assert.ok(at >= 0, `neither form of the toggled line is in cell ${cell}`);
      const edit = new vscode.WorkspaceEdit();
      edit.replace(doc.uri, new vscode.Range(doc.positionAt(at), doc.positionAt(at + from.length)), to);
      assert.ok(await vscode.workspace.applyEdit(edit));
    }
    if (settleMs) await new Promise((r) => setTimeout(r, settleMs));
    // the panel also renders the last trace again when it goes stale: the render that counts shows
    // the version the run was published with, after it was
    const renders: PanelRendered[] = [];
    let heard = () => {};
    const sub = api.onDidRenderPanel((r) => { if (r.uri === nb.uri.toString()) { renders.push(r); heard(); } });
    const t0 = performance.now();
    // (the execute command itself resolves later than the kernel's end: not counted)
    const e = await runCells(api, nb, cell);
    const marks = [t0, e.at.requested, e.at.started, e.at.ran, e.at.sent, e.at.written, e.at.published];
    Object.values(t.phases).forEach((v, k) => v.push(marks[k + 1] - marks[k]));
    const version = api.runs.last(nb.uri)!.version;
    const find = () => renders.find((x) => x.version === version && x.at >= e.at.published);
    const r = find() ?? await within(new Promise<PanelRendered>((resolve) => { heard = () => { const f = find(); if (f) resolve(f); }; }), 60_000, "the panel showing the re-run cell");
    sub.dispose();
    t.toCell.push(e.at.written - t0);
    t.toPanel.push(r.at - t0);
    t.both.push(Math.max(e.at.written, r.at) - t0);
    const table = nb.cellAt(cell).outputs.flatMap((o) => o.items).find((it) => it.mime === "text/html");
    assert.ok(table, "the cell has its cmp table");
    const html = new TextDecoder().decode(table.data);
    assert.equal((html.match(/<tr data-status=/g) ?? []).length, 26);
    const flipped = toggle && doc.getText().includes(toggle[1]);
    assert.equal((html.match(/data-status="exact"/g) ?? []).length === 26, !flipped, flipped ? "the flipped sign's rows are wrong" : "26 exact rows");
  }
  const doc = nb.cellAt(cell).document;
  if (toggle && doc.getText().includes(toggle[1])) {
    // the cell as it was (the next timings re-run it)
    const at = doc.getText().indexOf(toggle[1]);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, new vscode.Range(doc.positionAt(at), doc.positionAt(at + toggle[1].length)), toggle[0]);
    assert.ok(await vscode.workspace.applyEdit(edit));
  }
  return t;
}

describe("Backprop Ninja timings (printed, not asserted)", function () {
  it("activation and save → result → panel updated", async function () {
    const ext = vscode.extensions.getExtension<BackpropNinjaApi>("backprop-ninja.backprop-ninja")!;
    const api = ext.isActive ? ext.exports : await ext.activate();
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder, "backprop_ninja.ts"));
    const { toResult, toPanel, saveCall, toDom, resultToDom, finishToPost, postToArrival, arrivalToDom, queued } =
      await timeSaves(api, doc, Number(process.env.BPN_TIMING_SAVES ?? 6));
    // the same snapshot posted again with nothing else going on: the transport alone
    const idle: number[] = [], idleQueued: number[] = [], rpc: number[] = [];
    for (let i = 0; i < 8; i++) {
      const shown = nextRender(api, doc.uri, doc.version);
      api.resendToPanel();
      const r = await within(shown, 60_000, "the panel showing the re-sent run");
      if (r.postedAt !== undefined && r.receivedAt !== undefined) idle.push(r.receivedAt - r.postedAt);
      if (r.queuedMs !== undefined) idleQueued.push(r.queuedMs);
      // one round trip to the workbench and back (a command the workbench runs), for comparison
      const c0 = performance.now();
      await vscode.commands.executeCommand("setContext", "backpropNinja.timingProbe", i);
      rpc.push(performance.now() - c0);
    }
    // loading the bundle: evaluate a fresh copy of dist/extension.js (the module cache has the original)
    const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bpn-load-")), "extension.js");
    fs.copyFileSync(path.join(ext.extensionPath, "dist", "extension.js"), copy);
    const l0 = performance.now();
    const mod = require(copy) as { activate?: unknown };
    const loadMs = performance.now() - l0;
    const bundleKiB = fs.statSync(copy).size / 1024;
    fs.rmSync(path.dirname(copy), { recursive: true, force: true });
    assert.equal(typeof mod.activate, "function");
    note(`bundle load: ${loadMs.toFixed(1)} ms (${bundleKiB.toFixed(0)} KiB); activate(): ${api.activationMs.toFixed(1)} ms`);
    note(`save event → run finished: ${fmt(toResult)}`);
    if (toDom.length) note(`save event → panel updated (the webview's DOM shows the run, its clock): ${fmt(toDom)}; of which run finished → DOM: ${fmt(resultToDom)}`);
    if (finishToPost.length) {
      note(`  run finished → snapshot posted (host): ${fmt(finishToPost)}; posted → arrived in the webview: ${fmt(postToArrival)}; ` +
        `arrived → DOM shows it: ${fmt(arrivalToDom)}`);
      if (queued.length) note(`  of posted → arrived, waiting in the webview's own task queue: ${fmt(queued)}`);
    }
    note(`save event → the host hears the panel shows the run (adds the way back): ${fmt(toPanel)}`);
    if (idle.length) note(`idle: the same snapshot posted again → arrived in the webview: ${fmt(idle)}; queued in the webview: ${fmt(idleQueued)}`);
    note(`idle: one extension host → workbench → extension host round trip (setContext): ${fmt(rpc)}`);
    metric("activate_ms", api.activationMs);
    metric("save_to_run_ms", median(toResult));
    if (toDom.length) metric("save_to_panel_ms", median(toDom));
    if (postToArrival.length) metric("post_to_webview_ms", median(postToArrival));
    if (idle.length) metric("idle_post_to_webview_ms", median(idle));
    metric("save_to_reply_ms", median(toPanel)); // the panel's `rendered` back in the host
    note(`(doc.save() call itself, not counted above: ${fmt(saveCall)})`);
  });

  // The notebook kernel: exercise 1's backward cell run again, timed from the request to run it (the
  // execute command) to the kernel having written its outputs (the cmp table) and to the panel's DOM
  // showing the notebook's trace, whichever is later.
  it("notebook: the exercise-1 cell re-run → its table and the panel updated", async function () {
    const api = await vscode.extensions.getExtension<BackpropNinjaApi>("backprop-ninja.backprop-ninja")!.activate();
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const uri = vscode.Uri.joinPath(folder, "timings_exercise.ipynb");
    fs.writeFileSync(uri.fsPath, exerciseNotebook(vscode.Uri.joinPath(folder, "python/backprop_ninja.py").fsPath));
    const nb = await vscode.workspace.openNotebookDocument(uri);
    await vscode.window.showNotebookDocument(nb, { viewColumn: vscode.ViewColumn.One });
    await vscode.commands.executeCommand("backpropNinja.showPanel");
    // the notebook in a group other than the panel's: a hidden webview renders nothing (after the
    // notebook suite the panel may sit in the first group)
    const panelGroup = vscode.window.tabGroups.all.find((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith("backpropNinja.gradientPanel")));
    const column = panelGroup?.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One;
    await vscode.window.showNotebookDocument(nb, { viewColumn: column });
    const EX1 = 4;
    await runCells(api, nb, 1, EX1 + 1);
    // one re-run untimed: the first lays the panel's graph out and warms the code paths
    await timeReruns(api, nb, EX1, 1, 0);
    const n = Number(process.env.BPN_TIMING_SAVES ?? 6);
    // BPN_PROFILE_EXTHOST=file.cpuprofile: a CPU profile of the extension host over the re-runs
    const profile = process.env.BPN_PROFILE_EXTHOST ? await startProfile() : undefined;
    // a learner re-runs a cell a second or more after the last result showed: the workbench has then
    // done the last run's deferred updates (toolbars, cell status bar, CodeLens). Re-runs back to back,
    // each as soon as the panel showed the last, are timed too.
    const backToBack = await timeReruns(api, nb, EX1, n, 0);
    const settled = await timeReruns(api, nb, EX1, n, SETTLE_MS);
    const flipped = await timeReruns(api, nb, EX1, n, SETTLE_MS, ["dlogprobs[range(n), Yb] = -1.0 / n", "dlogprobs[range(n), Yb] = 1.0 / n"]);
    if (profile) fs.writeFileSync(process.env.BPN_PROFILE_EXTHOST!, JSON.stringify(await profile()));
    for (const [what, t] of [["re-run", settled], ["edited (sign flip toggled) and re-run", flipped], ["re-run back to back", backToBack]] as const) {
      note(`notebook: exercise-1 cell ${what} → its outputs (cmp table): ${fmt(t.toCell)}; → the panel's DOM (heard back in the host): ${fmt(t.toPanel)}; both: ${fmt(t.both)}`);
      note(`  of which: ${Object.entries(t.phases).map(([k, v]) => `${k} ${median(v).toFixed(0)} ms`).join(", ")} (medians)`);
    }
    metric("notebook_cell_rerun_ms", median(settled.both));
    metric("notebook_cell_edit_rerun_ms", median(flipped.both));
    metric("notebook_cell_rerun_back_to_back_ms", median(backToBack.both));
    await vscode.commands.executeCommand("workbench.action.closeActiveEditor");
  });

  // A sign flip in dlogprobs: every row wrong, the first diagnosed, the rest downstream of it. Each
  // save rewrites the flipped line (`1.0 / n` <-> `1.0/n`): an edit in the backward part, where a
  // Python live run resumes rather than building the dataset again.
  for (const [lang, rel, from, to] of [
    ["typescript", "backprop_ninja.ts", "dlogprobs.indexSet([range(n), Yb], -1.0 / n);", "dlogprobs.indexSet([range(n), Yb], 1.0 / n);"],
    ["python", "python/backprop_ninja.py", "dlogprobs[range(n), Yb] = -1.0 / n", "dlogprobs[range(n), Yb] = 1.0 / n"],
  ] as const) {
    it(`save → panel updated with the diagnosis of a sign flip (${lang})`, async function () {
      const api = await vscode.extensions.getExtension<BackpropNinjaApi>("backprop-ninja.backprop-ninja")!.activate();
      const folder = vscode.workspace.workspaceFolders![0].uri;
      const doc = await vscode.workspace.openTextDocument(signFlipped(folder, rel, from, to));
      const t = await timeSaves(api, doc, Number(process.env.BPN_TIMING_SAVES ?? 6), [to, to.replace("1.0 / n", "1.0/n")]);
      const rows = t.last!.outcome.comparisons;
      const wrong = rows.filter((c) => c.status === "wrong");
      assert.ok(wrong.length >= 20, `${wrong.length} wrong rows`);
      const first = rows.find((c) => c.name === "logprobs")!;
      assert.equal(first.diagnosisKind, "sign-flipped", `logprobs: ${first.diagnosis}`);
      assert.ok(rows.filter((c) => c.causes?.includes("logprobs")).length >= 20, "later rows are downstream of logprobs");
      note(`sign flip (${lang}), ${wrong.length} wrong rows: save event → run finished: ${fmt(t.toResult)}; of which save → run started ${fmt(t.toStart)}, started → finished ${fmt(t.runner)}, the worker's script → trace ${fmt(t.script)}`);
      const live = (t.last!.trace as { notes?: string[] } | undefined)?.notes?.find((n) => n.startsWith("live run"));
      if (live) note(`sign flip (${lang}), the last save: ${live}`);
      if (t.toDom.length) note(`sign flip (${lang}): save event → panel updated (webview's DOM): ${fmt(t.toDom)}; of which run finished → posted → arrived: ${fmt(t.finishToPost)} → ${fmt(t.postToArrival)}, the host busy after the post: ${fmt(t.hostBlocked)}`);
      metric(`signflip_${lang === "typescript" ? "ts" : "py"}_save_to_panel_ms`, median(t.toDom.length ? t.toDom : t.toPanel));
    });
  }
});
