// A notebook's kernel on the user's own Python and PyTorch (#22): one child process per session
// (bpn_native.py with "kernel": true) keeps the notebook's globals between cells, as a Jupyter kernel
// does. The same surface as the built-in KernelSession, so the NotebookKernel runs either. Each cell's
// events (output, cmp rows, bindings, the backward graph, its end) come as for a script run; after a
// cell the diagnosis asks its questions before the next cell is sent. Stop is KeyboardInterrupt; a
// cell that has not stopped after the grace (or at a second Stop) ends the process and the session.
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";
import { StringDecoder } from "node:string_decoder";
import { MAX_FIGURES, type Figure, type NamedTensor, type RunEvent, type ScriptError, type Trace } from "../protocol/trace";
import { DEFAULT_MAX_OUTPUT_BYTES, RunRecorder } from "./record";
import { DEFAULT_MEMORY_MB } from "./memoryCap";
import { pairTensors } from "./trace";
import { codeCell } from "../python/notebook";
import type { RunHandle } from "./runner";
import { CellSession, KERNEL_RESTARTED, sessionLost, tellSession } from "./session";
import { diagnoseNative, protocolGraph, type AskChild, type NativeGraph } from "./nativeDiagnosis";
import {
  NATIVE_INTERRUPT_GRACE_MS, addNativeValues, emptyTrace, nativeFigure, engineLabel, nativeComparison, nativeRuntime, probeInterpreter, scriptError,
  type InterpreterInfo, type NativeError, type NativeEvent,
} from "./nativePython";

/** bpn_native.py's CELL_END: written to stdout and stderr after a cell's output, before its done event. */
export const CELL_END = "\0bpn-cell-end\0";
/** bpn_native.py's EVENT_FRAME: a shown value or figure inside stdout, in order with the text, up to the next NUL. */
export const EVENT_FRAME = "\0bpn-event:";
/** How long a cell's done event waits for CELL_END on both streams (a cell that closed fd 1 never sends it). */
const CELL_END_WAIT_MS = 2000;
/** What a cell refused an allocation over the memory cap adds: its process lives on. */
export const MEMORY_KEPT = "the allocation was not made, so the kernel keeps its session and globals";
/** After SIGTERM, how long the process gets before SIGKILL. */
const KILL_GRACE_MS = 2000;

export interface NativeKernelOptions {
  /** the interpreter (see resolvePython) */
  python: string;
  /** the cells' working directory (default: the notebook's folder) and extra environment */
  cwd?: string;
  env?: Record<string, string>;
  /** per cell */
  maxOutputBytes?: number;
  /** the memory cap when runCell gives none, MB (default DEFAULT_MEMORY_MB) */
  memoryMb?: number;
  /** how long a cell gets to honour Stop's KeyboardInterrupt before the process is ended */
  interruptGraceMs?: number;
}

/** The process of one session and the cell it is running. */
interface Process {
  child: ChildProcess;
  info: InterpreterInfo;
  /** the host's messages: cells and, after a cell, the diagnosis's questions */
  requests: NodeJS.WritableStream;
  cell?: CellState;
  /** why the host ended it (restart, a second Stop), for the cell that was running */
  endedBy?: ScriptError;
  killTimer?: NodeJS.Timeout;
}

export interface CellState {
  rec: RunRecorder;
  onEvent?: (e: RunEvent) => void;
  tensors: NamedTensor[];
  graph?: NativeGraph;
  values?: Extract<NativeEvent, { t: "values" }>;
  figures: Figure[];
  done?: { ok: boolean; error?: NativeError };
  waiting: { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }[];
  /** the `done` event, or the process's end */
  ended: Promise<void>;
  end: () => void;
  /** the streams whose CELL_END has come */
  streamsEnded: Set<"stdout" | "stderr">;
  /** both streams ended (or the process did) */
  output: Promise<void>;
  outputEnded: () => void;
}

/**
 * A stream's text up to CELL_END goes to the running cell; the marker itself is dropped. An
 * EVENT_FRAME's event goes to `onFrame` between the text before and after it. A chunk may end inside
 * a character, a marker or a frame: each waits for the next chunk.
 */
export class CellStream {
  private readonly decoder = new StringDecoder("utf8");
  private held = "";

  constructor(
    private readonly name: "stdout" | "stderr", private readonly cell: () => CellState | undefined, private readonly onFrame: (json: string) => void,
  ) {}

  push(d: Buffer): void {
    let text = this.held + this.decoder.write(d);
    this.held = "";
    for (;;) {
      const at = text.indexOf("\0");
      if (at < 0) break;
      if (at) this.cell()?.rec.write(this.name, text.slice(0, at));
      text = text.slice(at);
      if (text.startsWith(CELL_END)) {
        const cell = this.cell();
        if (cell) {
          cell.streamsEnded.add(this.name);
          if (cell.streamsEnded.size === 2) cell.outputEnded();
        }
        text = text.slice(CELL_END.length);
      } else if (text.startsWith(EVENT_FRAME)) {
        const end = text.indexOf("\0", EVENT_FRAME.length);
        if (end < 0) break; // the rest of the frame comes in a later chunk
        this.onFrame(text.slice(EVENT_FRAME.length, end));
        text = text.slice(end + 1);
      } else if (CELL_END.startsWith(text) || EVENT_FRAME.startsWith(text)) {
        break; // a marker's beginning: the rest comes in a later chunk
      } else {
        this.cell()?.rec.write(this.name, "\0"); // a NUL the cell printed itself
        text = text.slice(1);
      }
    }
    if (text.startsWith("\0")) this.held = text;
    else if (text) this.cell()?.rec.write(this.name, text);
  }
}

export class NativeKernelSession extends CellSession {
  private proc: Process | undefined;
  private graceTimer: NodeJS.Timeout | undefined;

  constructor(file: string, private readonly opts: NativeKernelOptions) {
    super(file);
  }

  /** Whether the session has a live process. */
  get hasWorker(): boolean {
    return this.proc !== undefined;
  }

  /**
   * Run one cell (its index among all the notebook's cells) after the cells run before it; `memoryMb`
   * caps what the session may allocate from this cell on (see bpn_native.py _cap_memory).
   */
  runCell(cell: { index: number; source: string }, onEvent?: (e: RunEvent) => void, opts: { memoryMb?: number } = {}): RunHandle {
    if (this.beginCell()) this.endProcess();
    const file = path.resolve(this.file);
    const startedAt = new Date().toISOString();
    const t0 = performance.now();
    let cancelled: string | undefined;
    const failed = (error: ScriptError, engine?: string): Trace => ({
      ...emptyTrace(file, cell.source, undefined, startedAt, engine), status: error.kind === "cancelled" ? "cancelled" : "error", error,
    });
    const trace = (async (): Promise<Trace> => {
      let info: InterpreterInfo;
      try {
        info = await probeInterpreter(this.opts.python);
      } catch (e) {
        return failed({ kind: "internal", name: "InterpreterError", message: (e as Error).message });
      }
      if (cancelled !== undefined) return failed({ kind: "cancelled", name: "KeyboardInterrupt", message: cancelled }, engineLabel(info));
      let proc: Process;
      try {
        proc = this.proc ?? this.start(info);
      } catch (e) {
        return failed({ kind: "internal", name: "Error", message: `Could not start ${info.python}: ${(e as Error).message}` }, engineLabel(info));
      }
      return await this.execute(proc, cell, opts.memoryMb ?? this.opts.memoryMb ?? DEFAULT_MEMORY_MB, onEvent, file, startedAt, t0);
    })().finally(() => clearTimeout(this.graceTimer));
    return this.running({
      file, trace,
      cancel: (reason = "interrupted") => {
        if (this.proc?.cell) this.proc.child.kill("SIGINT");
        else cancelled = reason;
      },
    });
  }

  /** KeyboardInterrupt, which keeps the session; a cell still running after the grace ends the process and the session. */
  protected firstInterrupt(run: RunHandle): void {
    run.cancel("interrupted");
    const grace = this.opts.interruptGraceMs ?? NATIVE_INTERRUPT_GRACE_MS;
    this.graceTimer = setTimeout(() => this.endProcess({
      kind: "cancelled", name: KERNEL_RESTARTED, message: `the cell did not stop within ${grace / 1000} s of the interrupt, so its process was ended`,
    }), grace);
  }

  /** A second Stop ends the process at once. */
  protected againInterrupt(): void {
    this.endProcess({ kind: "cancelled", name: KERNEL_RESTARTED, message: "the cell did not stop at the first interrupt, so the second one ended its process" });
  }

  /** Drop the session: a running cell is stopped with its process; the next cell starts with fresh globals. */
  restart(): void {
    this.endProcess({ kind: "cancelled", name: KERNEL_RESTARTED, message: "the kernel was restarted while the cell ran" });
    this.resetNext = true;
  }

  /** Ends the session for good; resolves once its process has exited. */
  dispose(): Promise<void> {
    this.disposed = true;
    const proc = this.proc;
    const exited = proc && proc.child.exitCode === null && proc.child.signalCode === null
      ? new Promise<void>((resolve) => proc.child.once("close", () => resolve()))
      : Promise.resolve();
    this.restart();
    return exited;
  }

  /** SIGTERM (then SIGKILL) to the session's process; `why` is the running cell's error. */
  private endProcess(why?: ScriptError): void {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc) return;
    if (why && proc.cell) proc.endedBy = why;
    proc.requests.end();
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
    proc.child.kill("SIGTERM");
    proc.killTimer = setTimeout(() => proc.child.kill("SIGKILL"), KILL_GRACE_MS);
    proc.killTimer.unref();
  }

  private start(info: InterpreterInfo): Process {
    const cwd = this.opts.cwd ?? path.dirname(path.resolve(this.file));
    const child = spawn(info.python, [nativeRuntime(), "--events-fd", "3"], {
      cwd,
      env: { ...process.env, ...this.opts.env, PYTHONUNBUFFERED: "1", PYTHONIOENCODING: "utf-8" },
      stdio: ["pipe", "pipe", "pipe", "pipe", "pipe"],
    });
    const requests = child.stdio[4] as NodeJS.WritableStream;
    const proc: Process = { child, info, requests };
    requests.on("error", () => {}); // the process died: the cell learns it on close
    child.stdin!.on("error", () => {});
    // the cells' stdin is empty (input() raises EOFError), as in a notebook without a frontend for it
    child.stdin!.end(JSON.stringify({ file: path.resolve(this.file), cwd, kernel: true, requestsFd: 4 }) + "\n");
    child.on("error", () => {}); // reported through "close" (exit code -2 and no done event)
    // events come on fd 3, and (shown values and figures, in order with the printed text) inside stdout
    const onEvent = (line: string) => {
      let e: NativeEvent;
      try { e = JSON.parse(line); } catch { return; }
      const cell = proc.cell;
      if (!cell) return;
      switch (e.t) {
        case "display": cell.rec.flush(); cell.onEvent?.({ type: "display", text: e.text, ...(e.cell !== undefined && e.cell !== null ? { cell: e.cell } : {}) }); break;
        case "cmp": cell.rec.comparison(nativeComparison(e, cell.rec.comparisons.length)); break;
        case "bindings": cell.tensors = e.tensors.map(({ device: _d, ...t }, id): NamedTensor => ({ ...t, kind: "tensor", id })); break;
        case "graph": { const { t: _t, ...g } = e; cell.graph = g; break; }
        case "values": cell.values = e; break;
        case "figure": {
          if (cell.figures.length >= MAX_FIGURES) break;
          const figure = nativeFigure(e);
          cell.figures.push(figure);
          cell.onEvent?.({ type: "figure", figure });
          break;
        }
        case "reply": { const { t: _t, ...r } = e; cell.waiting.shift()?.resolve(r); break; }
        case "done": cell.done = e; cell.end(); break;
      }
    };
    const out = new CellStream("stdout", () => proc.cell, onEvent), err = new CellStream("stderr", () => proc.cell, onEvent);
    child.stdout!.on("data", (d: Buffer) => out.push(d));
    child.stderr!.on("data", (d: Buffer) => err.push(d));
    readline.createInterface({ input: child.stdio[3] as NodeJS.ReadableStream }).on("line", onEvent);
    child.on("close", () => {
      clearTimeout(proc.killTimer);
      if (this.proc === proc) this.proc = undefined;
      const cell = proc.cell;
      for (const w of cell?.waiting.splice(0) ?? []) w.reject(new Error(`${info.python} ended before it answered`));
      cell?.end();
      cell?.outputEnded();
    });
    this.proc = proc;
    return proc;
  }

  private async execute(
    proc: Process, cell: { index: number; source: string }, memoryMb: number, onEvent: ((e: RunEvent) => void) | undefined, file: string, startedAt: string, t0: number,
  ): Promise<Trace> {
    let end = () => {}, outputEnded = () => {};
    const ended = new Promise<void>((resolve) => (end = resolve));
    const output = new Promise<void>((resolve) => (outputEnded = resolve));
    const state: CellState = {
      rec: new RunRecorder(onEvent, this.opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES), tensors: [], figures: [], waiting: [], ended, end, onEvent,
      streamsEnded: new Set(), output, outputEnded,
    };
    proc.cell = state;
    onEvent?.({ type: "phase", phase: "running" });
    // IPython's magics and shell lines are left out with a note, as the built-in kernel does
    const code = codeCell(cell.source, cell.index);
    state.rec.notes.push(...code.notes);
    proc.requests.write(JSON.stringify({ op: "cell", index: cell.index, source: code.source ?? "", memoryMb }) + "\n");
    await ended;
    const alive = () => proc.child.exitCode === null && proc.child.signalCode === null && !proc.endedBy;
    // printed text written before the done event may be read just after it: wait for its CELL_END
    let wait: NodeJS.Timeout | undefined;
    await Promise.race([output, new Promise((resolve) => (wait = setTimeout(resolve, CELL_END_WAIT_MS)))]);
    clearTimeout(wait);
    const ask: AskChild = (req) => new Promise((resolve, reject) => {
      if (!alive()) { reject(new Error("the process has ended")); return; }
      state.waiting.push({ resolve, reject });
      proc.requests.write(JSON.stringify(req) + "\n");
    });
    const { rec } = state;
    if (state.done && alive() && rec.comparisons.some((c) => c.status === "wrong" || c.status === "shape-mismatch")) {
      try {
        const note = await diagnoseNative(rec.comparisons, state.graph, state.tensors, "notebook", ask);
        if (note) rec.notes.push(note);
      } catch (e) {
        rec.notes.push(`cell ${cell.index + 1}: the wrong-gradient diagnosis failed: ${(e as Error).message}`);
      }
    }
    proc.cell = undefined;
    rec.flush();
    let error: ScriptError | undefined;
    if (proc.endedBy) error = { ...proc.endedBy };
    else if (state.done?.error) error = scriptError(state.done.error);
    else if (!state.done) {
      const { exitCode: code, signalCode: signal } = proc.child;
      error = {
        kind: "internal", name: "ProcessExit",
        message: `${proc.info.python} ended while the cell ran (${signal ? `signal ${signal}` : `exit code ${code}`}); see its stderr above`,
      };
    }
    if (error && !state.done) sessionLost(error);
    // the refused allocation was never made: unlike the worker's kernel, this one keeps its session
    else if (error?.kind === "memory") tellSession(error, MEMORY_KEPT);
    if (error?.place && error.place.cell === undefined) error.place.cell = cell.index;
    pairTensors(state.tensors);
    const drawn = state.graph && state.graph.nodes.length ? protocolGraph(state.graph, state.tensors, rec.comparisons) : null;
    const totalMs = performance.now() - t0;
    const trace: Trace = {
      ...emptyTrace(file, cell.source, undefined, startedAt, engineLabel(proc.info)),
      status: error?.kind === "cancelled" ? "cancelled" : error ? "error" : "ok", error,
      timings: { totalMs, prepareMs: 0, runMs: totalMs, traceMs: 0 },
      tensors: state.tensors, graph: drawn, comparisons: rec.comparisons, output: rec.output, notes: rec.notes, series: rec.seriesList(),
      outputTruncated: rec.droppedOutputBytes > 0, droppedOutputBytes: rec.droppedOutputBytes,
    };
    if (state.values) addNativeValues(trace, state.values);
    if (state.figures.length) trace.figures = state.figures;
    return trace;
  }
}
