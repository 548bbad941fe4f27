// Runs of exercise files: one at a time, a newer run cancels the one in flight, and each result is
// tied to the exact text (and document version) it ran, so results never mix versions of a file.
import * as vscode from "vscode";
import { ContextKey } from "./commands/ids";
import type { Log } from "./log";
import type { RunOutcome } from "./model";

export type RunReason = "command" | "save" | "type" | "panel" | "kernel";

/**
 * A run is shown as running (status bar spinner, the Running context key, the panel's progress)
 * only once it has taken this long: a live re-run usually ends sooner, and then the editor is not
 * made to redraw twice for a spinner nobody could see — the workbench is free for the result.
 */
export const ANNOUNCE_AFTER_MS = 150;

export interface RunProgress {
  message?: string;
  /** 0..1 when known */
  fraction?: number;
  step?: number;
  totalSteps?: number;
}

export interface RunRequest {
  file: string;
  /** the workspace folder holding the file, if any */
  workspace?: string;
  source: string;
  /** the editor's version of that text */
  documentVersion: number;
  signal: AbortSignal;
  /** 0: no limit; undefined: the runner's default */
  timeoutMs?: number;
  /** a re-run of live mode (save, typing): Python may resume from the state its last run kept */
  live?: boolean;
  onProgress(p: RunProgress): void;
  onOutput(line: string): void;
  /** called with the trace so far while a long run goes on (training loss curves) */
  onPartial?(trace: unknown): void;
}

export interface ExecutorResult {
  outcome: RunOutcome;
  /** the runner's Trace, for the panel */
  trace: unknown;
}

/** Runs one request; loaded lazily so activation does not pay for the runner. */
export type Executor = (req: RunRequest) => Promise<ExecutorResult>;

/** Which run: of what file and text, why, when it started. */
interface RunStart {
  id: number;
  uri: vscode.Uri;
  /** document version whose text was run */
  version: number;
  reason: RunReason;
  startedAt: number;
}

export interface RunRecord extends RunStart {
  finishedAt: number;
  outcome: RunOutcome;
  trace: unknown;
  /** a notebook kernel's record: the version of each cell's text (by index) when it last ran */
  cellVersions?: ReadonlyMap<number, number>;
  /** a notebook kernel's record: the cell (index) whose run it ends with; outcome.durationMs is that run's */
  cell?: number;
}

export interface ActiveRun extends RunStart {
  progress: RunProgress;
}

export class RunController implements vscode.Disposable {
  private readonly records = new Map<string, RunRecord>();
  private active: (ActiveRun & { abort: AbortController; announced: boolean; announceTimer?: ReturnType<typeof setTimeout> }) | undefined;
  private hasTraceContext = false;
  private hasValueRootsContext = false;
  private nextId = 1;
  private lastRecord: RunRecord | undefined;
  private readonly didChangeState = new vscode.EventEmitter<void>();
  private readonly didFinish = new vscode.EventEmitter<RunRecord>();
  private readonly didProgress = new vscode.EventEmitter<{ run: ActiveRun; partial?: unknown }>();
  /** running state changed (started, progressed, ended) */
  readonly onDidChangeState = this.didChangeState.event;
  /** a run ended with a result that is the newest for its file */
  readonly onDidFinish = this.didFinish.event;
  readonly onDidProgress = this.didProgress.event;

  constructor(private readonly loadExecutor: () => Promise<Executor>, private readonly log: Log) {}

  /** The run in flight, once it is announced (see ANNOUNCE_AFTER_MS). */
  get running(): ActiveRun | undefined {
    return this.active?.announced ? this.active : undefined;
  }

  last(uri?: vscode.Uri): RunRecord | undefined {
    return uri ? this.records.get(uri.toString()) : this.lastRecord;
  }

  isStale(rec: RunRecord): boolean {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === rec.uri.toString());
    return doc !== undefined && doc.version !== rec.version;
  }

  /**
   * Runs the document's current text. Resolves with the record, or undefined when a newer run or
   * Stop superseded it before it finished (a stopped run still reports what it had).
   */
  async run(doc: vscode.TextDocument, reason: RunReason, timeoutMs?: number): Promise<RunRecord | undefined> {
    const previous = this.active;
    previous?.abort.abort(new Error("superseded by a newer run"));
    clearTimeout(previous?.announceTimer);
    const abort = new AbortController();
    const run: NonNullable<typeof this.active> = {
      id: this.nextId++, uri: doc.uri, version: doc.version, reason, startedAt: Date.now(), progress: {}, abort, announced: false,
    };
    this.active = run;
    const announce = () => {
      if (this.active !== run || run.announced) return;
      run.announced = true;
      this.setRunningContext(true);
      this.didChangeState.fire();
    };
    // a run that replaces a shown one stays shown (no flicker of the spinner)
    if (previous?.announced) announce();
    else run.announceTimer = setTimeout(announce, ANNOUNCE_AFTER_MS);
    this.log.info(`run #${run.id} ${vscode.workspace.asRelativePath(doc.uri)} (v${doc.version}, ${reason})`);
    let result: ExecutorResult | undefined;
    let failure: unknown;
    try {
      const execute = await this.loadExecutor();
      result = await execute({
        file: doc.uri.fsPath,
        workspace: vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath,
        source: doc.getText(),
        documentVersion: doc.version,
        signal: abort.signal,
        timeoutMs,
        live: reason === "save" || reason === "type",
        onProgress: (p) => {
          if (this.active !== run) return;
          run.progress = p;
          this.didProgress.fire({ run });
          if (run.announced) this.didChangeState.fire();
        },
        onOutput: (line) => this.log.script(line),
        onPartial: (trace) => {
          if (this.active === run) this.didProgress.fire({ run, partial: trace });
        },
      });
    } catch (e) {
      failure = e;
    }
    clearTimeout(run.announceTimer);
    const superseded = this.active !== run;
    if (!superseded) {
      this.active = undefined;
      if (run.announced) this.setRunningContext(false);
    }
    if (failure !== undefined) {
      if (!abort.signal.aborted) this.log.error(failure instanceof Error ? failure : String(failure));
      this.didChangeState.fire();
      if (superseded || abort.signal.aborted) return undefined;
      result = {
        outcome: {
          status: "error", comparisons: [], tensors: new Map(), durationMs: Date.now() - run.startedAt, output: [],
          error: { message: `Backprop Ninja could not run the script: ${failure instanceof Error ? failure.message : String(failure)}`, kind: "internal" },
        },
        trace: undefined,
      };
    }
    if (superseded || !result) {
      this.didChangeState.fire();
      return undefined; // a newer run of some file owns the UI now
    }
    const rec: RunRecord = {
      id: run.id, uri: run.uri, version: run.version, reason, startedAt: run.startedAt, finishedAt: Date.now(),
      outcome: result.outcome, trace: result.trace,
    };
    this.record(rec);
    return rec;
  }

  /**
   * A result that did not come from run(): a notebook kernel's trace of the cells run so far. It is
   * the file's newest result, shown by the panel, CodeLens and Problems like a run's.
   */
  publish(uri: vscode.Uri, version: number, result: ExecutorResult, cells?: { versions: ReadonlyMap<number, number>; ran: number }): RunRecord {
    const now = Date.now();
    const rec: RunRecord = {
      id: this.nextId++, uri, version, reason: "kernel", startedAt: now - result.outcome.durationMs, finishedAt: now,
      outcome: result.outcome, trace: result.trace, ...(cells ? { cellVersions: cells.versions, cell: cells.ran } : {}),
    };
    this.record(rec);
    return rec;
  }

  private record(rec: RunRecord): void {
    this.records.set(rec.uri.toString(), rec);
    this.lastRecord = rec;
    // the panel's snapshot is the first listener (see activate), so it leaves before the editor's updates
    this.didFinish.fire(rec);
    this.didChangeState.fire();
    if (!this.hasTraceContext) {
      this.hasTraceContext = true;
      void vscode.commands.executeCommand("setContext", ContextKey.HasTrace, true);
    }
    if (!this.hasValueRootsContext && (rec.trace as { valueRoots?: unknown[] } | undefined)?.valueRoots?.length) {
      this.hasValueRootsContext = true;
      void vscode.commands.executeCommand("setContext", ContextKey.HasValueRoots, true);
    }
    const o = rec.outcome;
    this.log.info(`run #${rec.id} ${o.status} in ${o.durationMs.toFixed(0)} ms: ${o.comparisons.length} cmp` +
      (o.error ? `; ${o.error.kind} error${o.error.line !== undefined ? ` at line ${o.error.line + 1}` : ""}: ${o.error.message}` : ""));
  }

  /** Stops the run in flight; true if there was one. */
  stop(): boolean {
    if (!this.active) return false;
    this.log.info(`run #${this.active.id} stopped`);
    this.active.abort.abort(new Error("stopped"));
    return true;
  }

  private setRunningContext(running: boolean): void {
    void vscode.commands.executeCommand("setContext", ContextKey.Running, running);
  }

  dispose(): void {
    clearTimeout(this.active?.announceTimer);
    this.active?.abort.abort(new Error("extension deactivated"));
    this.active = undefined;
    this.didChangeState.dispose();
    this.didFinish.dispose();
    this.didProgress.dispose();
  }
}
