// The status bar item: a spinner with progress while a run goes on, then the verdict of the last
// run ("∇ 24/26 exact · 2 wrong"); clicking it opens the gradient panel (or stops a running run).
import * as vscode from "vscode";
import { CommandId } from "./commands/ids";
import { readConfig } from "./config";
import { describeVerdict, verdictOf } from "./model";
import type { RunController, RunRecord } from "./runs";
import { isTrusted, UNTRUSTED_MESSAGE } from "./trust";

const PROGRESS_REFRESH_MS = 100;

const fmtSeconds = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

/** "ran in 2.1 s"; a notebook kernel's record times its last cell, not the notebook: "cell 5 ran in 7 ms". */
export const ranIn = (rec: RunRecord, ms: number): string =>
  `${rec.cell !== undefined ? `cell ${rec.cell + 1} ` : ""}ran in ${fmtSeconds(ms)}`;

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("backpropNinja.status", vscode.StatusBarAlignment.Left, 50);
  private readonly disposables: vscode.Disposable[] = [];
  private lastPaint = 0;
  private pending: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly runs: RunController) {
    this.item.name = "Backprop Ninja";
    this.disposables.push(
      this.item,
      runs.onDidChangeState(() => this.schedule()),
      vscode.window.onDidChangeActiveTextEditor(() => this.paint()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.paint()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration("backpropNinja.liveMode")) this.paint();
      }),
    );
    this.paint();
  }

  /** The first step seen of the run in flight, with its time: the rate since then gives the time left. */
  private firstStep: { run: number; step: number; at: number } | undefined;

  /** "3 min 10 s" once the run has gone on for a few seconds and its loop length is known. */
  private timeLeft(run: number, step: number | undefined, total: number | undefined): string | undefined {
    if (step === undefined || !total) return undefined;
    const now = Date.now();
    if (this.firstStep?.run !== run) this.firstStep = { run, step, at: now };
    const f = this.firstStep;
    const dt = (now - f.at) / 1000;
    if (dt < 3 || step <= f.step) return undefined;
    const secs = ((total - step) * dt) / (step - f.step);
    if (!Number.isFinite(secs) || secs < 0) return undefined;
    return secs < 60 ? `${Math.ceil(secs)} s` : secs < 3600 ? `${Math.floor(secs / 60)} min ${Math.round(secs % 60)} s` : `${Math.floor(secs / 3600)} h ${Math.round((secs % 3600) / 60)} min`;
  }

  /** Progress events can come thousands of times a second; repaint at most every 100 ms. */
  private schedule(): void {
    const wait = this.lastPaint + PROGRESS_REFRESH_MS - Date.now();
    if (!this.runs.running || wait <= 0) {
      this.paint();
      return;
    }
    this.pending ??= setTimeout(() => this.paint(), wait);
  }

  private paint(): void {
    if (this.pending) clearTimeout(this.pending);
    this.pending = undefined;
    this.lastPaint = Date.now();
    const live = readConfig().liveMode ? "" : " (live mode off)";
    const running = this.runs.running;
    if (running) {
      const p = running.progress;
      const pct = p.fraction !== undefined ? ` ${Math.round(p.fraction * 100)}%` : "";
      const steps = p.step !== undefined ? ` step ${p.step.toLocaleString("en-US")}${p.totalSteps ? `/${p.totalSteps.toLocaleString("en-US")}` : ""}` : "";
      const left = this.timeLeft(running.id, p.step, p.totalSteps);
      this.item.text = `$(sync~spin) ∇ running${pct}${steps}${left ? ` · ${left} left` : ""}`;
      this.item.tooltip = `Backprop Ninja: running ${vscode.workspace.asRelativePath(running.uri)}${p.message ? ` — ${p.message}` : ""}. Click to stop.`;
      this.item.command = CommandId.Stop;
      this.item.backgroundColor = undefined;
      this.item.show();
      return;
    }
    const editor = vscode.window.activeTextEditor;
    if (!isTrusted()) {
      this.item.text = "$(shield) ∇ restricted mode";
      this.item.tooltip = UNTRUSTED_MESSAGE;
      this.item.command = "workbench.trust.manage";
      this.item.backgroundColor = undefined;
      this.item.show();
      return;
    }
    const rec = (editor && this.runs.last(editor.document.uri)) ?? this.runs.last();
    if (!rec) {
      this.item.text = `∇ Backprop Ninja${live}`;
      this.item.tooltip = "Run the exercise in the active editor (Backprop Ninja: Run backprop exercise)";
      this.item.command = CommandId.Run;
      this.item.backgroundColor = undefined;
      if (editor && /^(typescript|javascript|python)$/.test(editor.document.languageId)) this.item.show();
      else this.item.hide();
      return;
    }
    const o = rec.outcome;
    const v = verdictOf(o.comparisons);
    const stale = this.runs.isStale(rec) ? " (edited since)" : "";
    if (o.status === "error") {
      this.item.text = `$(error) ∇ ${o.error?.kind === "syntax" ? "syntax error" : "script error"}${o.error?.line !== undefined ? ` line ${o.error.line + 1}` : ""}`;
      this.item.backgroundColor = new vscode.ThemeColor("statusBarItem.errorBackground");
    } else if (o.status === "cancelled") {
      this.item.text = `$(debug-stop) ∇ stopped${v.total ? ` · ${describeVerdict(v)}` : ""}`;
      this.item.backgroundColor = undefined;
    } else if (v.total === 0) {
      // a script without cmp() (training, micrograd): say that it ran, not "0/0 exact"
      this.item.text = `$(pass) ∇ ${ranIn(rec, o.durationMs)}, no cmp() checks`;
      this.item.backgroundColor = undefined;
    } else {
      this.item.text = `${v.wrong ? "$(warning)" : "$(pass)"} ∇ ${describeVerdict(v)}`;
      this.item.backgroundColor = v.wrong ? new vscode.ThemeColor("statusBarItem.warningBackground") : undefined;
    }
    this.item.text += stale;
    const engine = (rec.trace as { engine?: string } | undefined)?.engine; // set when not the built-in engine
    const took = rec.cell !== undefined ? ranIn(rec, o.durationMs) : `${o.durationMs.toFixed(0)} ms`;
    this.item.tooltip = `Backprop Ninja: ${vscode.workspace.asRelativePath(rec.uri)}, ${took}${live}${engine ? `, ${engine}` : ""}. Click to show the gradient panel.`;
    this.item.command = CommandId.ShowPanel;
    this.item.show();
  }

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
