// The main-thread side: each run gets its own worker thread with a time limit and a memory cap; a
// newer run cancels an older one; Stop really stops (the worker is terminated). Whatever the end,
// the caller gets a Trace — partial when the script was stopped — and never a hung promise.
import * as fs from "node:fs";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { TRACE_VERSION, type OutputChunk, type RunEvent, type ScriptError, type Series, type Trace, type TraceComparison } from "../protocol/trace";
import { DEFAULT_MAX_OUTPUT_BYTES } from "./record";
import { languageOf, sha256 } from "./trace";
import { CellSession, KERNEL_RESTARTED, sessionLost } from "./session";
import { unpackSamples } from "./summarize";
import { DEFAULT_MEMORY_MB } from "./memoryCap";
export { DEFAULT_MEMORY_MB } from "./memoryCap";
// the user's own Python and PyTorch (#22), for the extension, which loads this bundle lazily
export { engineLabel, probeInterpreter, resolvePython, runNative } from "./nativePython";
export { NativeKernelSession } from "./nativeKernel";
export { SESSION_LOST } from "./session";
import { PENDING_BYTES, pendingEvents, type WorkerMessage, type WorkerRequest } from "./worker";

export interface RunOptions {
  /** text to run instead of the file on disk */
  source?: string;
  documentVersion?: number;
  /** 0 or undefined: no limit (explicit training runs); default 30 s */
  timeoutMs?: number;
  /** heap cap of the worker, MB (default 2048) */
  memoryMb?: number;
  maxOutputBytes?: number;
  /** the script's working directory (default: its folder) and extra environment */
  cwd?: string;
  /** the workspace folder (Python scripts can open files in it) */
  workspace?: string;
  /** after the run, check this named tensor's gradient against central differences (float64) */
  finiteDifference?: { name: string; samples?: number };
  env?: Record<string, string>;
  onEvent?: (e: RunEvent) => void;
  /** a .py script: resume from the state the worker kept from the file's last live run (live mode) */
  live?: boolean;
  /** run this notebook cell in the worker's kernel session instead of the whole file (KernelSession) */
  cell?: WorkerRequest["cell"];
  /**
   * How long a Python run gets to honour a cancel's KeyboardInterrupt before its worker is ended
   * (default 3 s); 0: no limit, the worker ends at a second cancel or terminate().
   */
  interruptGraceMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
/** How long a Python run gets to honour a KeyboardInterrupt before its worker is terminated. */
const PYTHON_INTERRUPT_GRACE_MS = 3000;
/** How often the host reads the events a running worker has not posted yet. */
const PENDING_POLL_MS = 100;
/** Extra time a run may take to start (worker, transpiling, a cold Pyodide) before its limit applies. */
const STARTUP_ALLOWANCE_MS = 60_000;

export interface RunHandle {
  readonly file: string;
  readonly trace: Promise<Trace>;
  /** stop the run; its trace resolves with status "cancelled" */
  cancel(reason?: string): void;
}

/** A run in a worker of ours, which can also be ended at once. */
interface WorkerRun extends RunHandle {
  /** end the worker now (no KeyboardInterrupt first); the trace resolves with `error` */
  terminate(error: ScriptError): void;
}

/** Where the bundled worker lives; in development (sources run through tsx) it is built on demand. */
function workerScript(): string {
  const bundled = path.join(__dirname, "runner-worker.js");
  if (!__filename.endsWith(".ts") && fs.existsSync(bundled)) return bundled;
  return buildDevWorker();
}

let devWorker: string | undefined;
function buildDevWorker(): string {
  if (devWorker) return devWorker;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require("esbuild") as typeof import("esbuild");
  // inside the repository, so the bundle's external packages resolve from node_modules
  const cacheDir = path.resolve(__dirname, "../../node_modules/.cache/backprop-ninja");
  fs.mkdirSync(cacheDir, { recursive: true });
  const out = path.join(fs.mkdtempSync(path.join(cacheDir, "worker-")), "runner-worker.js");
  esbuild.buildSync({
    entryPoints: [path.join(__dirname, "worker-main.ts")], bundle: true, platform: "node", target: "node20",
    format: "cjs", outfile: out, logLevel: "warning", external: ["pyodide"],
  });
  return (devWorker = out);
}

/** In development the bundled worker lives in a cache folder: tell it where the Python files are. */
function devEnv(): Record<string, string> {
  if (!devWorker) return {};
  const repo = path.resolve(__dirname, "../..");
  return { BPN_PYTHON_DIR: path.join(repo, "src/python"), BPN_PYODIDE_DIR: path.join(repo, "node_modules/pyodide") };
}

/**
 * A script in a subfolder without names.txt of its own reads the workspace folder's (TypeScript's
 * data.loadWords() and Python's open('names.txt') both follow BACKPROP_NINJA_NAMES).
 */
export function workspaceNames(file: string, workspace: string | undefined): Record<string, string> {
  if (!workspace || fs.existsSync(path.join(path.dirname(file), "names.txt"))) return {};
  const names = path.join(workspace, "names.txt");
  return fs.existsSync(names) ? { BACKPROP_NINJA_NAMES: names } : {};
}

/**
 * One warm worker is kept between runs: a live re-run then skips starting a thread, loading the
 * engine and (for Python) loading Pyodide again. A worker that was stopped mid-run is never reused.
 */
/** Where a run gets its worker and gives it back when the worker may serve another run. */
interface WorkerSource {
  take(memoryMb: number): Worker;
  give(worker: Worker, memoryMb: number): void;
}

function newWorker(memoryMb: number): Worker {
  return new Worker(workerScript(), { resourceLimits: { maxOldGenerationSizeMb: memoryMb }, stdout: true, stderr: true });
}

class WorkerPool implements WorkerSource {
  private idle: { worker: Worker; memoryMb: number } | undefined;
  private disposed = false;

  take(memoryMb: number): Worker {
    const w = this.idle;
    this.idle = undefined;
    if (w && w.memoryMb === memoryMb) return w.worker;
    if (w) void w.worker.terminate();
    return newWorker(memoryMb);
  }

  give(worker: Worker, memoryMb: number): void {
    if (this.disposed || this.idle) {
      void worker.terminate();
      return;
    }
    this.idle = { worker, memoryMb };
    worker.unref();
  }

  dispose(): void {
    this.disposed = true;
    if (this.idle) void this.idle.worker.terminate();
    this.idle = undefined;
  }
}

export class Runner {
  private current: RunHandle | undefined;
  private readonly pool = new WorkerPool();

  /** Start a run; a run already in flight is cancelled first. */
  run(file: string, opts: RunOptions = {}): RunHandle {
    this.current?.cancel("a newer run started");
    const handle = startRun(path.resolve(file), opts, this.pool);
    this.current = handle;
    handle.trace.finally(() => { if (this.current === handle) this.current = undefined; }).catch(() => {});
    return handle;
  }

  cancel(reason = "stopped"): void {
    this.current?.cancel(reason);
  }

  get running(): boolean {
    return this.current !== undefined;
  }

  dispose(): void {
    this.cancel("the runner was disposed");
    this.pool.dispose();
  }
}

/**
 * A notebook's kernel: one worker of its own whose Pyodide keeps the notebook's globals between
 * cells (see `run_cell` in src/python/site/_bpn_runtime.py). Cells run one at a time. An interrupt
 * raises KeyboardInterrupt and waits for it, as Jupyter does; a second one, while the first has not
 * taken effect, ends the worker, and so does reaching the memory cap: the next cell starts a new
 * session, and the cell that ended it says so (SESSION_LOST).
 */
export class KernelSession extends CellSession<WorkerRun> {
  private worker: Worker | undefined;

  constructor(file: string, private readonly base: Omit<RunOptions, "cell" | "onEvent" | "source"> = {}) {
    super(file);
  }

  /** Whether the session has a worker (false after dispose, once it was ended). */
  get hasWorker(): boolean {
    return this.worker !== undefined;
  }

  /**
   * Run one cell (its index among all the notebook's cells) after the cells run before it; `memoryMb`
   * overrides the session's cap from this cell on (a new worker's heap limit takes it too).
   */
  runCell(cell: { index: number; source: string }, onEvent?: (e: RunEvent) => void, opts: { memoryMb?: number } = {}): RunHandle {
    const reset = this.beginCell();
    const source: WorkerSource = {
      take: (memoryMb) => {
        if (this.worker) return this.worker;
        const w = newWorker(memoryMb);
        w.once("exit", () => { if (this.worker === w) this.worker = undefined; });
        return (this.worker = w);
      },
      give: (w) => { w.unref(); },
    };
    const handle = startRun(path.resolve(this.file), {
      timeoutMs: 0, interruptGraceMs: 0, ...this.base, ...opts, cell: { ...cell, reset }, onEvent,
    }, source);
    const trace = handle.trace.then((t) => {
      if (t.error?.kind === "memory") {
        // what the cell allocated is held by its globals: only a new session gives it back
        this.endWorker();
        sessionLost(t.error);
      } else if (t.error?.name === KERNEL_RESTARTED) sessionLost(t.error);
      return t;
    });
    return this.running({ file: handle.file, trace, cancel: (r) => handle.cancel(r), terminate: (e) => handle.terminate(e) });
  }

  /** KeyboardInterrupt, which keeps the session. */
  protected firstInterrupt(run: WorkerRun): void {
    run.cancel("interrupted");
  }

  /** A cell still running (stuck in one long engine call, or catching KeyboardInterrupt): its worker, and the session, end. */
  protected againInterrupt(run: WorkerRun): void {
    this.worker = undefined;
    run.terminate({ kind: "cancelled", name: KERNEL_RESTARTED, message: "the cell did not stop at the first interrupt, so the second one ended its worker" });
  }

  /** Drop the session: a running cell is stopped with its worker; the next cell starts with fresh globals. */
  restart(): void {
    if (this.current) {
      this.worker = undefined;
      this.current.terminate({ kind: "cancelled", name: KERNEL_RESTARTED, message: "the kernel was restarted while the cell ran" });
    }
    this.resetNext = true;
  }

  /** Ends the session for good; resolves once its worker thread has exited. */
  dispose(): Promise<void> {
    this.disposed = true;
    const worker = this.worker;
    this.restart();
    this.endWorker();
    return worker ? worker.terminate().then(() => undefined) : Promise.resolve();
  }

  private endWorker(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }
}

function startRun(file: string, opts: RunOptions, pool: WorkerSource): WorkerRun {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const lastPlace = new SharedArrayBuffer(8);
  // Python runs can be interrupted in place (KeyboardInterrupt), keeping the loaded interpreter
  const interrupt = new SharedArrayBuffer(4);
  // events the worker has not posted yet (it batches them): read while it runs and when it is stopped
  const pending = new SharedArrayBuffer(PENDING_BYTES);
  let receivedSeq = 0;
  const readPending = () => {
    let events: ReturnType<typeof pendingEvents>;
    try {
      events = pendingEvents(pending, receivedSeq);
    } catch {
      return; // (cannot happen: lines are complete before they are counted) the batch brings them
    }
    for (const { seq, event } of events) {
      receivedSeq = seq;
      onRunEvent(event);
    }
  };
  const poll = setInterval(readPending, PENDING_POLL_MS);
  poll.unref();
  const isPython = /\.(py|ipynb)$/i.test(file);
  let interruptRequested = false;
  const memoryMb = opts.memoryMb ?? DEFAULT_MEMORY_MB;
  // partial results, for a run that ends without a trace of its own
  const output: OutputChunk[] = [];
  const comparisons: TraceComparison[] = [];
  const series = new Map<string, Series>();
  let source = opts.source;
  let settle: (t: Trace) => void = () => {};
  let settled = false;
  const trace = new Promise<Trace>((resolve) => { settle = resolve; });

  const worker = pool.take(memoryMb);
  worker.ref();
  const onStdout = (d: Buffer) => output.push({ stream: "stdout", text: d.toString() });
  const onStderr = (d: Buffer) => output.push({ stream: "stderr", text: d.toString() });
  worker.stdout.on("data", onStdout);
  worker.stderr.on("data", onStderr);

  const partial = (status: Trace["status"], error: ScriptError): Trace => {
    readPending();
    const at = new Int32Array(lastPlace);
    const place = at[0] ? { line: at[0], column: at[1] } : undefined;
    if (source === undefined) { try { source = fs.readFileSync(file, "utf8"); } catch { source = ""; } }
    return {
      version: TRACE_VERSION, file, language: languageOf(file), sourceHash: sha256(source),
      documentVersion: opts.documentVersion, status, startedAt,
      timings: { totalMs: Date.now() - started, prepareMs: 0, runMs: Date.now() - started, traceMs: 0 },
      tensors: [], values: [], graph: null, comparisons, output, outputTruncated: false, droppedOutputBytes: 0,
      series: [...series.values()], error: { ...error, place: error.place ?? place }, notes: [], lastPlace: place,
    };
  };
  const finish = (t: Trace, reusable = false) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    clearInterval(poll);
    worker.stdout.off("data", onStdout);
    worker.stderr.off("data", onStderr);
    worker.off("message", onMessage);
    worker.off("error", onError);
    worker.off("exit", onExit);
    if (reusable) pool.give(worker, memoryMb);
    else void worker.terminate();
    settle(t);
  };
  let stopping: { status: Trace["status"]; error: ScriptError } | undefined;
  const stop = (status: Trace["status"], error: ScriptError) => {
    if (settled || stopping) return;
    stopping = { status, error };
    void worker.terminate();
  };

  // The time limit counts the script's own run, from the moment the worker starts executing it
  // (loading the worker or Pyodide does not count); a worker that never gets there is stopped too.
  const limitMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const onTimeout = () => stop("error", {
    kind: "timeout", name: "Timeout",
    message: `the script ran longer than the ${limitMs / 1000} s time limit and was stopped${lastLineText(lastPlace)}`,
  });
  let timer: NodeJS.Timeout | undefined = limitMs === 0 ? undefined : setTimeout(onTimeout, limitMs + STARTUP_ALLOWANCE_MS);

  const onRunEvent = (e: RunEvent) => {
    if (e.type === "phase" && e.phase === "running" && limitMs !== 0 && !settled && !stopping) {
      clearTimeout(timer);
      timer = setTimeout(onTimeout, limitMs);
    }
    if (e.type === "output") output.push(e.chunk);
    else if (e.type === "comparison") comparisons.push(e.comparison);
    else if (e.type === "series") {
      let s = series.get(e.name);
      if (!s) series.set(e.name, (s = { name: e.name, steps: [], values: [] }));
      s.steps.push(e.step);
      s.values.push(e.value);
    }
    opts.onEvent?.(e);
  };
  const onMessage = (m: WorkerMessage) => {
    if (m.type === "events") {
      // (the first ones may have come through the shared buffer already)
      const first = m.lastSeq - m.events.length + 1;
      for (let i = Math.max(0, receivedSeq + 1 - first); i < m.events.length; i++) onRunEvent(m.events[i]);
      receivedSeq = Math.max(receivedSeq, m.lastSeq);
    } else if (m.type === "done") {
      unpackSamples(m.trace, m.samples);
      finish(m.trace, true);
    } else {
      stop("error", { kind: "internal", name: "InternalError", message: `the runner failed: ${m.message}`, stack: m.stack });
    }
  };
  const onError = (e: Error & { code?: string }) => {
    const memory = e.code === "ERR_WORKER_OUT_OF_MEMORY";
    finish(partial("error", memory
      ? { kind: "memory", name: "MemoryError", message: `the script used more than the ${memoryMb} MB memory cap and was stopped${lastLineText(lastPlace)}` }
      : { kind: "internal", name: e.name, message: e.message, stack: e.stack }));
  };
  const onExit = (code: number) => {
    if (settled) return;
    if (stopping) finish(partial(stopping.status, stopping.error));
    else finish(partial("error", { kind: "internal", name: "WorkerExit", message: `the script's worker exited (code ${code})` }));
  };
  worker.on("message", onMessage);
  worker.on("error", onError);
  worker.on("exit", onExit);

  const req: WorkerRequest = {
    type: opts.cell ? "cell" : "run", file, cell: opts.cell, source: opts.source, live: opts.live, documentVersion: opts.documentVersion,
    maxOutputBytes: opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    maxElements: Math.floor((memoryMb * 2 ** 20) / 8), memoryMb,
    lastPlace, interrupt, pending, cwd: opts.cwd ?? path.dirname(file), workspace: opts.workspace,
    env: { ...devEnv(), ...workspaceNames(file, opts.workspace), ...opts.env },
    finiteDifference: opts.finiteDifference,
  };
  worker.postMessage(req);
  opts.onEvent?.({ type: "phase", phase: "preparing" });

  return {
    file,
    trace,
    cancel(reason = "stopped") {
      if (settled || stopping) return;
      const error: ScriptError = {
        kind: "cancelled", name: "Cancelled",
        message: `the run was ${reason === "stopped" ? "stopped" : `cancelled: ${reason}`}${lastLineText(lastPlace)}`,
      };
      if (isPython && !interruptRequested) {
        // KeyboardInterrupt first: the worker (and its loaded Pyodide) survives if Python stops in time
        interruptRequested = true;
        Atomics.store(new Int32Array(interrupt), 0, 2);
        const grace = opts.interruptGraceMs ?? PYTHON_INTERRUPT_GRACE_MS;
        if (grace > 0) setTimeout(() => stop("cancelled", error), grace).unref();
        return;
      }
      stop("cancelled", error);
    },
    terminate(error) {
      stop("cancelled", { ...error, message: error.message + lastLineText(lastPlace) });
    },
  };
}

function lastLineText(buf: SharedArrayBuffer): string {
  const line = new Int32Array(buf)[0];
  return line ? ` (last seen at line ${line})` : "";
}
