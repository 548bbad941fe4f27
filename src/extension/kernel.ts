// The notebook kernel: a NotebookController that runs Jupyter notebooks' Python cells in one Pyodide
// session per notebook (the runner's KernelSession), globals kept between cells. Output streams into
// the cell while it runs; its last expression, figures (graphviz; matplotlib drawn as SVG by the
// panel's chart renderer), cmp table and error follow. The
// cells run so far make one trace of the notebook (notebookTrace.ts), published to the RunController
// so the panel, CodeLens and Problems follow the notebook as they follow a script.
import * as vscode from "vscode";
import { relabelCellFrames, type RunEvent, type Trace } from "../protocol/trace";
import type { KernelSession, NativeKernelSession } from "../runner/runner";
import { chartSvg } from "../../webview/chart/render";
import { cmpTableHtml, cmpTableText } from "./cellOutput";
import { readConfig } from "./config";
import { loadRunner } from "./executor";
import type { Log } from "./log";
import { mergeCellTrace } from "./notebookTrace";
import type { RunController } from "./runs";
import { outcomeOf } from "./traceAdapter";
import { UNTRUSTED_MESSAGE, ensureTrusted, isTrusted } from "./trust";

export const KERNEL_LABEL = "Backprop Ninja (Python in WebAssembly)";
export const JUPYTER_NOTEBOOK = "jupyter-notebook";
/** Our own .ipynb notebook type, registered only when no Jupyter serializer (vscode.ipynb) is there. */
export const FALLBACK_NOTEBOOK = "backprop-ninja";
const STREAM_FLUSH_MS = 50;
/** a re-run keeps the last run's outputs this long at most (until its own are in) */
const CLEAR_AFTER_MS = 250;
/** with the Jupyter extension there are Python kernels to choose from: ours is then not preferred */
const JUPYTER_EXTENSION = "ms-toolsai.jupyter";

interface NotebookState {
  /** the built-in engine's, or the user's own interpreter's (backpropNinja.pythonBackend, #22) */
  session: KernelSession | NativeKernelSession;
  backend: "builtin" | "interpreter";
  /** the session the accumulated trace belongs to (a restart starts both afresh) */
  sessionId: number;
  order: number;
  trace?: Trace;
  /** the version of each cell's text (by index) when it ran in this session: CodeLens marks an edited cell stale */
  cellVersions: Map<number, number>;
  /** cell index → the execution count it last ran with, in this session (for tracebacks) */
  cellOrders: Map<number, number>;
  /** cells run one after another: an execute request waits for the one before */
  queue: Promise<void>;
  interrupted: boolean;
  /** when Stop last reached the session (Date.now()) */
  lastInterrupt: number;
  /** the notebook was closed: its cells' results go nowhere */
  closed: boolean;
}

/**
 * One Stop may arrive twice (the controller's interrupt handler and the execution's cancellation
 * token); only a later press is the second interrupt that ends the session.
 */
const SAME_STOP_MS = 500;

/**
 * A cell run's end; `at`: performance.now() when the kernel got the request, started the cell, had its
 * trace, had sent the cell's outputs, heard they were applied, and had published the notebook's trace
 * (the timings suite). The event fires then: the cell's outputs are in the document.
 */
export interface CellRun {
  notebook: vscode.NotebookDocument;
  cell: number;
  ms: number;
  at: { requested: number; started: number; ran: number; sent: number; written: number; published: number };
}

export class NotebookKernel implements vscode.Disposable {
  readonly controllers: vscode.NotebookController[] = [];
  private readonly notebooks = new Map<string, NotebookState>();
  /** closed notebooks' sessions, until their workers have exited */
  private readonly releasing = new Map<string, Promise<void>>();
  /** errors this kernel wrote to the log (a cell's own errors are outputs, never these) */
  private loggedErrors = 0;
  /** notebooks whose kernel (as VS Code's picker shows it) is ours */
  private readonly selected = new Set<string>();
  private readonly disposables: vscode.Disposable[] = [];
  private runner: ReturnType<typeof loadRunner> | undefined;
  private readonly didRunCell = new vscode.EventEmitter<CellRun>();
  /** a cell finished and its results were published (the tests time cell → output with it) */
  readonly onDidRunCell = this.didRunCell.event;

  constructor(private readonly context: vscode.ExtensionContext, private readonly runs: RunController, private readonly log: Log) {
    const types = [JUPYTER_NOTEBOOK];
    if (!vscode.extensions.getExtension("vscode.ipynb")) {
      this.disposables.push(vscode.workspace.registerNotebookSerializer(FALLBACK_NOTEBOOK, new IpynbSerializer()));
      types.push(FALLBACK_NOTEBOOK);
    }
    for (const type of types) {
      const c = vscode.notebooks.createNotebookController(`backprop-ninja-${type}`, type, KERNEL_LABEL);
      c.supportedLanguages = ["python"];
      c.supportsExecutionOrder = true;
      describeController(c);
      c.detail = "Cells share one Python session; cmp() verdicts show under their cells and in the gradient panel";
      c.executeHandler = (cells, notebook, controller) => this.execute(cells, notebook, controller);
      c.interruptHandler = (notebook) => this.interrupt(notebook);
      this.controllers.push(c);
      this.disposables.push(c.onDidChangeSelectedNotebooks(({ notebook, selected }) => {
        if (selected) this.selected.add(notebook.uri.toString());
        else this.selected.delete(notebook.uri.toString());
      }));
    }
    this.disposables.push(
      ...this.controllers,
      this.didRunCell,
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.controllers.forEach(describeController)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration("backpropNinja.pythonBackend") || e.affectsConfiguration("backpropNinja.pythonPath")) this.controllers.forEach(describeController);
      }),
      vscode.workspace.onDidOpenNotebookDocument((nb) => this.prefer(nb)),
      vscode.workspace.onDidCloseNotebookDocument((nb) => this.forget(nb)),
    );
    for (const nb of vscode.workspace.notebookDocuments) this.prefer(nb);
  }

  /** Whether the notebook's selected kernel is this one (the toolbar then shows KERNEL_LABEL). */
  isSelected(notebook: vscode.NotebookDocument): boolean {
    return this.selected.has(notebook.uri.toString());
  }

  /**
   * Without the Jupyter extension ours is the only Python kernel: preferred, it is the picker's
   * suggestion and runs the notebook's cells without a question (VS Code then selects it).
   */
  private prefer(notebook: vscode.NotebookDocument): void {
    if (vscode.extensions.getExtension(JUPYTER_EXTENSION)) return;
    this.controllerFor(notebook)?.updateNotebookAffinity(notebook, vscode.NotebookControllerAffinity.Preferred);
  }

  controllerFor(notebook: vscode.NotebookDocument): vscode.NotebookController | undefined {
    return this.controllers.find((c) => c.notebookType === notebook.notebookType);
  }

  /** Runs every code cell of the notebook with this kernel (Run backprop exercise), made its kernel. */
  async runAll(notebook: vscode.NotebookDocument): Promise<void> {
    const controller = this.controllerFor(notebook);
    if (!controller) throw new Error(`${notebook.notebookType} notebooks cannot run with ${KERNEL_LABEL}`);
    controller.updateNotebookAffinity(notebook, vscode.NotebookControllerAffinity.Preferred);
    // cells run here bypass VS Code's execution service, which would select the kernel: select it,
    // so the toolbar names it (the kernel id VS Code wants is `${extension}/${id}`, made of these)
    const editor = vscode.window.visibleNotebookEditors.find((e) => e.notebook === notebook);
    if (editor && !this.isSelected(notebook)) {
      await vscode.commands.executeCommand("notebook.selectKernel", { notebookEditor: editor, id: controller.id, extension: this.context.extension.id });
    }
    await this.execute(notebook.getCells().filter((c) => c.kind === vscode.NotebookCellKind.Code), notebook, controller);
  }

  /** Drops the notebook's session: the next cell starts with fresh globals, numbering from 1 again. */
  restart(notebook: vscode.NotebookDocument): void {
    const state = this.notebooks.get(notebook.uri.toString());
    if (!state) return;
    state.interrupted = true;
    state.session.restart();
    state.order = 0;
    state.trace = undefined;
    this.log.info(`kernel of ${vscode.workspace.asRelativePath(notebook.uri)} restarted`);
  }

  private interrupt(notebook: vscode.NotebookDocument): void {
    const state = this.notebooks.get(notebook.uri.toString());
    if (!state) return;
    state.interrupted = true; // the cells queued after the running one do not start
    interruptOnce(state);
  }

  private stateOf(notebook: vscode.NotebookDocument): NotebookState {
    const key = notebook.uri.toString();
    let state = this.notebooks.get(key);
    const config = readConfig();
    if (state && state.backend !== config.pythonBackend && !state.session.busy) {
      // the backend was switched: the next cell starts a session on the new one
      void state.session.dispose().catch((e) => this.error(e));
      state = undefined;
    }
    if (!state) {
      this.runner ??= loadRunner(this.context);
      const workspace = vscode.workspace.getWorkspaceFolder(notebook.uri)?.uri.fsPath;
      const env = this.runner.workspaceNames(notebook.uri.fsPath, workspace);
      const session = config.pythonBackend === "interpreter"
        ? new this.runner.NativeKernelSession(notebook.uri.fsPath, { python: this.runner.resolvePython(config.pythonPath), env })
        : new this.runner.KernelSession(notebook.uri.fsPath, { workspace, env });
      state = { session, backend: config.pythonBackend, sessionId: 0, order: 0, queue: Promise.resolve(), interrupted: false, lastInterrupt: 0, closed: false, cellVersions: new Map(), cellOrders: new Map() };
      this.notebooks.set(key, state);
    }
    return state;
  }

  /** A closed notebook: its running cell is stopped, its queued cells dropped, its worker ended. */
  private forget(notebook: vscode.NotebookDocument): void {
    const key = notebook.uri.toString();
    this.selected.delete(key);
    const state = this.notebooks.get(key);
    this.notebooks.delete(key);
    if (!state) return;
    state.closed = true;
    state.interrupted = true;
    const released = state.session.dispose().catch((e) => this.error(e));
    this.releasing.set(key, released);
    void released.then(() => { if (this.releasing.get(key) === released) this.releasing.delete(key); });
  }

  /** The number of errors this kernel logged (the tests check that closing a notebook mid-run adds none). */
  get errorCount(): number {
    return this.loggedErrors;
  }

  /** Whether the notebook has a kernel session (a worker, or one being started). */
  hasSession(uri: vscode.Uri): boolean {
    return this.notebooks.has(uri.toString());
  }

  /** Resolves once the worker of the closed notebook at `uri` has exited. */
  whenReleased(uri: vscode.Uri): Promise<void> {
    return this.releasing.get(uri.toString()) ?? Promise.resolve();
  }

  private error(e: unknown): void {
    this.loggedErrors++;
    this.log.error(e instanceof Error ? e : String(e));
  }

  private execute(cells: vscode.NotebookCell[], notebook: vscode.NotebookDocument, controller: vscode.NotebookController): Promise<void> {
    const requested = performance.now();
    if (!isTrusted()) return this.refuseUntrusted(cells, controller);
    const state = this.stateOf(notebook);
    // created now, so the queued cells show as pending
    const executions = cells.map((cell) => controller.createNotebookCellExecution(cell));
    const previous = state.queue;
    const done = previous.then(async () => {
      state.interrupted = false;
      // as in Jupyter, a cell that fails ends the run: the cells queued after it do not run
      let failed = false;
      for (const exec of executions) {
        if (state.closed) {
          endQuietly(exec, undefined); // the extension host keeps an execution until it is ended
          continue;
        }
        if (failed || state.interrupted || exec.token.isCancellationRequested) {
          exec.start();
          exec.end(undefined);
          continue;
        }
        failed = (await this.runCell(exec, notebook, state, requested)) === "error";
      }
    });
    state.queue = done.catch((e) => this.error(e));
    return state.queue;
  }

  /**
   * Restricted mode: nothing runs. VS Code's own Run Cell asks for trust before it gets here; a run
   * that arrives anyway (Run backprop exercise) says why in the first cell and in a notification.
   */
  private async refuseUntrusted(cells: vscode.NotebookCell[], controller: vscode.NotebookController): Promise<void> {
    ensureTrusted();
    if (!cells.length) return;
    const exec = controller.createNotebookCellExecution(cells[0]);
    exec.start(); // no times: nothing ran, so no duration is shown
    const err = new Error(UNTRUSTED_MESSAGE);
    err.name = "WorkspaceTrust";
    // a sentence a line: the renderer does not wrap
    err.stack = `${err.name}: ${UNTRUSTED_MESSAGE.replace(/\. /g, ".\n")}\nNothing ran. Trust the workspace (Manage Workspace Trust), then run the cells again.`;
    await exec.replaceOutput(new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.error(err)]));
    exec.end(false);
  }

  /** Runs one cell; resolves with how its run ended. */
  private async runCell(exec: vscode.NotebookCellExecution, notebook: vscode.NotebookDocument, state: NotebookState, requested: number): Promise<Trace["status"]> {
    const cell = exec.cell;
    const t0 = Date.now();
    const started = performance.now();
    exec.start(t0);
    const stream = new CellOutputs(exec);
    const cancel = exec.token.onCancellationRequested(() => interruptOnce(state));
    const memoryMb = readConfig().memoryCap;
    let trace: Trace;
    let ranAt = 0;
    let loading: LoadingPython | undefined;
    let streamedFigures = 0;
    try {
      const onEvent = (e: RunEvent) => {
        if (e.type === "output") stream.write(e.chunk.stream, e.chunk.text);
        else if (e.type === "display") stream.result(e.text);
        else if (e.type === "figure") { stream.result(e.figure.svg, "image/svg+xml"); streamedFigures++; }
        else if (e.type === "phase" && e.phase === "loading-python") (loading ??= new LoadingPython()).report(e.message);
        else if (e.type === "phase") loading?.done();
      };
      const version = cell.document.version;
      const run = state.session.runCell({ index: cell.index, source: cell.document.getText() }, onEvent, { memoryMb });
      if (state.session.session !== state.sessionId) {
        // a new session (first cell, restart, or a worker that was ended): numbering starts again
        // at 1 and earlier cells' results are gone
        state.sessionId = state.session.session;
        state.order = 0;
        state.trace = undefined;
        state.cellVersions = new Map();
        state.cellOrders = new Map();
      }
      state.cellVersions.set(cell.index, version);
      exec.executionOrder = ++state.order;
      state.cellOrders.set(cell.index, state.order);
      trace = await run.trace;
    } finally {
      ranAt = performance.now();
      loading?.done();
      cancel.dispose();
    }
    if (state.closed) {
      // the notebook was closed while the cell ran: no editor shows results any more, but the
      // extension host keeps the execution (and refuses a new one of the cell) until it is ended
      await stream.close().then(({ edited }) => edited).then(undefined, () => undefined);
      endQuietly(exec, false);
      return trace.status;
    }
    state.trace = mergeCellTrace(state.trace, trace, cell.index, notebook.version);
    const outcome = outcomeOf(state.trace);
    const outputs: vscode.NotebookCellOutput[] = [];
    const svg = (text: string) => new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.text(text, "image/svg+xml")]);
    // (the ones a kernel showed as they came are in place among the printed text already)
    for (const f of (trace.figures ?? []).slice(streamedFigures)) outputs.push(svg(f.svg));
    for (const c of trace.charts ?? []) outputs.push(svg(chartSvg(c)));
    const rows = outcome.comparisons.filter((c) => c.cell === cell.index);
    if (rows.length) {
      outputs.push(new vscode.NotebookCellOutput([
        vscode.NotebookCellOutputItem.text(cmpTableHtml(rows), "text/html"),
        vscode.NotebookCellOutputItem.text(cmpTableText(rows), "text/plain"),
      ], { backpropNinja: "cmp" }));
    }
    const notes = trace.notes.filter((n) => n.startsWith(`cell ${cell.index + 1}`));
    if (notes.length) outputs.push(new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.stderr(notes.map((n) => `note: ${n}\n`).join(""))]));
    if (trace.error) {
      const e = trace.error;
      const err = new Error(e.message);
      err.name = e.name;
      // frames in cells read as in Jupyter: Cell In[n], n the execution count the cell last ran with
      err.stack = relabelCellFrames(e.stack ?? `${e.name}: ${e.message}`, (k) => {
        const n = state.cellOrders.get(k);
        return n !== undefined ? `Cell In[${n}]` : `cell ${k + 1}`;
      });
      // the renderer shows the stack, which ends saying the session is gone (KernelSession): the cap's setting follows
      if (e.kind === "memory") err.stack = `${err.stack.trimEnd()} ${memoryHint(memoryMb)}`;
      // the interpreter could not be used (no torch, too old, missing): say where the choice is made
      if (e.name === "InterpreterError") err.stack = `${err.stack.replace(/\. /g, ".\n").trimEnd()}\n${CHOOSE_BACKEND_HINT}`;
      outputs.push(new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.error(err)]));
    }
    // the last printed text and the results in one edit; the panel and the editors get the
    // notebook's trace once the workbench has applied it (published first, their updates delay the
    // cell's outputs)
    const { edited } = await stream.close(outputs);
    const sentAt = performance.now();
    await edited;
    const writtenAt = performance.now();
    exec.end(trace.status === "ok", Date.now());
    this.runs.publish(notebook.uri, notebook.version, { outcome, trace: state.trace }, { versions: new Map(state.cellVersions), ran: cell.index });
    this.didRunCell.fire({
      notebook, cell: cell.index, ms: Date.now() - t0,
      at: { requested, started, ran: ranAt, sent: sentAt, written: writtenAt, published: performance.now() },
    });
    return trace.status;
  }

  dispose(): void {
    for (const state of this.notebooks.values()) void state.session.dispose();
    this.notebooks.clear();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/**
 * A cell's outputs as they come. The last run's outputs stay until this run has its own in one edit:
 * a quick cell's all at its end (no clearing and refilling), a longer cell's after CLEAR_AFTER_MS,
 * then its printed text a few times a second at most. Consecutive text of one stream goes into one
 * output (appended to), a result (Out[n]) into one of its own.
 */
class CellOutputs {
  /** the current output of streamed text, once this run's outputs are in the cell */
  private last: { stream: "stdout" | "stderr"; output: vscode.NotebookCellOutput } | undefined;
  /** text (a stream's) and results (`stream` undefined; `mime` text/plain unless said) not yet in the cell */
  private pending: { stream?: "stdout" | "stderr"; text: string; mime?: string }[] = [];
  /** whether this run's outputs replaced the last run's */
  private opened = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private chain: Thenable<void> = Promise.resolve();

  constructor(private readonly exec: vscode.NotebookCellExecution) {
    this.timer = setTimeout(() => this.flush(), CLEAR_AFTER_MS);
  }

  write(stream: "stdout" | "stderr", text: string): void {
    const last = this.pending[this.pending.length - 1];
    if (last && last.stream === stream) last.text += text;
    else this.pending.push({ stream, text });
    if (this.opened) this.timer ??= setTimeout(() => this.flush(), STREAM_FLUSH_MS);
  }

  result(text: string, mime?: string): void {
    this.pending.push({ text, mime });
    if (this.opened) this.flush();
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const edit = this.take([]);
    this.chain = this.chain.then(edit);
  }

  /**
   * The edit that puts what is pending and `results` in the cell: the first replaces the last run's
   * outputs; later ones append, text of the stream being written to its output.
   */
  private take(results: vscode.NotebookCellOutput[]): () => Thenable<void> {
    const outputs: vscode.NotebookCellOutput[] = [];
    let appendTo: { item: vscode.NotebookCellOutputItem; output: vscode.NotebookCellOutput } | undefined;
    for (const { stream, text, mime } of this.pending.splice(0)) {
      if (!stream) {
        outputs.push(new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.text(text, mime ?? "text/plain")]));
        this.last = undefined;
        continue;
      }
      const item = stream === "stdout" ? vscode.NotebookCellOutputItem.stdout(text) : vscode.NotebookCellOutputItem.stderr(text);
      if (this.opened && !outputs.length && this.last?.stream === stream) appendTo = { item, output: this.last.output };
      else {
        const output = new vscode.NotebookCellOutput([item]);
        outputs.push(output);
        this.last = { stream, output };
      }
    }
    outputs.push(...results);
    if (results.length) this.last = undefined;
    const exec = this.exec;
    if (!this.opened) {
      this.opened = true;
      return () => exec.replaceOutput(outputs);
    }
    return () => {
      const edits: Thenable<void>[] = [];
      if (appendTo) edits.push(exec.appendOutputItems(appendTo.item, appendTo.output));
      if (outputs.length) edits.push(exec.appendOutput(outputs));
      return Promise.all(edits).then(() => undefined);
    };
  }

  /**
   * Puts what is pending and `results` (the cell's own outputs) in the cell once the earlier edits
   * are in. `edited` resolves when the workbench has applied them.
   */
  async close(results: vscode.NotebookCellOutput[] = []): Promise<{ edited: Thenable<void> }> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.chain;
    return { edited: this.take(results)() };
  }
}

/** A minimal .ipynb (nbformat 4) serializer for when VS Code has no Jupyter one: cells, sources, outputs dropped. */
class IpynbSerializer implements vscode.NotebookSerializer {
  deserializeNotebook(content: Uint8Array): vscode.NotebookData {
    const text = new TextDecoder().decode(content);
    const nb = text.trim() ? JSON.parse(text) as { cells?: { cell_type?: string; source?: string | string[] }[]; metadata?: object } : {};
    const cells = (nb.cells ?? []).map((c) => {
      const source = Array.isArray(c.source) ? c.source.join("") : c.source ?? "";
      return c.cell_type === "code"
        ? new vscode.NotebookCellData(vscode.NotebookCellKind.Code, source, "python")
        : new vscode.NotebookCellData(vscode.NotebookCellKind.Markup, source, "markdown");
    });
    const data = new vscode.NotebookData(cells);
    data.metadata = { metadata: nb.metadata ?? {} };
    return data;
  }

  serializeNotebook(data: vscode.NotebookData): Uint8Array {
    const lines = (s: string) => s.split(/(?<=\n)/);
    const nb = {
      nbformat: 4, nbformat_minor: 5, metadata: (data.metadata?.metadata as object | undefined) ?? {},
      cells: data.cells.map((c) => c.kind === vscode.NotebookCellKind.Code
        ? { cell_type: "code", metadata: {}, source: lines(c.value), outputs: [], execution_count: null }
        : { cell_type: "markdown", metadata: {}, source: lines(c.value) }),
    };
    return new TextEncoder().encode(JSON.stringify(nb, null, 1) + "\n");
  }
}

/** Under an interpreter's error in a cell. */
const CHOOSE_BACKEND_HINT = "Run Backprop Ninja: Choose Python backend (Command Palette) to pick the built-in engine or another interpreter.";

/** The kernel's label on the interpreter backend (backpropNinja.pythonBackend): cells run in the user's own Python. */
export const INTERPRETER_KERNEL_LABEL = "Backprop Ninja (your Python and PyTorch)";

/**
 * The kernel picker's label and the line under it: which Python runs the cells. In restricted mode
 * it says why cells do not run: VS Code asks for trust itself before a cell reaches a kernel, and
 * tells no extension when the user declines.
 */
function describeController(c: vscode.NotebookController): void {
  const { pythonBackend, pythonPath } = readConfig();
  const own = pythonBackend === "interpreter";
  c.label = own ? INTERPRETER_KERNEL_LABEL : KERNEL_LABEL;
  c.description = !isTrusted() ? "Restricted mode: cells run once the workspace is trusted"
    : own ? (pythonPath || "python3 on PATH") : "Pyodide with Backprop Ninja's torch";
}

/** Under a cell that reached the memory cap: the cap and the setting that raises it. */
export function memoryHint(memoryMb: number): string {
  return `The memory cap is ${memoryMb} MB; raise it with the setting backpropNinja.memoryCap (MB).`;
}

/** Ends an execution of a closed notebook, whose start or end VS Code may refuse by now. */
function endQuietly(exec: vscode.NotebookCellExecution, success: boolean | undefined): void {
  try {
    exec.start();
  } catch { /* started already */ }
  try {
    exec.end(success, Date.now());
  } catch { /* ended already */ }
}

function interruptOnce(state: NotebookState): void {
  const now = Date.now();
  if (now - state.lastInterrupt < SAME_STOP_MS) return;
  state.lastInterrupt = now;
  state.session.interrupt();
}

/**
 * A session's first cell waits seconds for Pyodide to load, and the cell's timer counts them: the
 * status bar says why meanwhile.
 */
class LoadingPython {
  private progress?: vscode.Progress<{ message?: string }>;
  private finish!: () => void;
  private readonly finished = new Promise<void>((resolve) => (this.finish = resolve));

  constructor() {
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: "Backprop Ninja" }, (p) => {
      this.progress = p;
      p.report({ message: "starting Python (Pyodide)…" });
      return this.finished;
    });
  }

  report(message?: string): void {
    if (message) this.progress?.report({ message });
  }

  done(): void {
    this.finish();
  }
}
