// The runner's worker thread: runs one script per message, streaming events, and posts its Trace.
// It never touches VS Code; the main thread can terminate it at any moment (time limit, Stop).
import * as v8 from "node:v8";
import * as vm from "node:vm";
import { parentPort } from "node:worker_threads";
import type { RunEvent, Trace } from "../protocol/trace";
import { executeScript } from "./execute";
import { allocation } from "../engine/dtype";
import { memoryCheck } from "./memoryCap";
import { resetEngine } from "./sandbox";
import { finiteDifferenceCheck, typescriptShiftedLoss, type ShiftedLoss } from "./finiteDifference";
import { packSamples } from "./summarize";

export interface WorkerRequest {
  /** "cell": one notebook cell in the worker's kernel session (Python), globals kept between cells */
  type: "run" | "cell";
  file: string;
  /** type "cell": the cell (its index among all cells, its text) and whether to restart the session first */
  cell?: { index: number; source: string; reset?: boolean };
  source?: string;
  /** a .py run of live mode: resume from the state the worker kept from the file's last live run */
  live?: boolean;
  documentVersion?: number;
  maxOutputBytes?: number;
  maxElements?: number;
  /** the run's memory cap, MB: its heap and tensors together (see memoryCap.ts) */
  memoryMb?: number;
  /** Int32Array(2) over a SharedArrayBuffer: the last [line, column] the script reached */
  lastPlace: SharedArrayBuffer;
  /** Int32Array(1): the host writes 2 to interrupt a Python run (KeyboardInterrupt) */
  interrupt?: SharedArrayBuffer;
  /** where the events not yet posted wait (see EventBatcher), for the host to read if it stops the worker */
  pending?: SharedArrayBuffer;
  workspace?: string;
  /** after the run, check this tensor's gradient with finite differences */
  finiteDifference?: { name: string; samples?: number };
  /** environment for the script (e.g. BACKPROP_NINJA_NAMES) and its working directory */
  env?: Record<string, string>;
  cwd?: string;
}

export type WorkerMessage =
  /** events in the order they happened; `lastSeq` is the sequence number of the last one */
  | { type: "events"; events: RunEvent[]; lastSeq: number }
  /** the trace with its samples' values moved to `samples` (packSamples): cheap to clone */
  | { type: "done"; trace: Trace; samples: Float64Array }
  | { type: "crash"; message: string; stack?: string };

export type PythonRunner = (req: WorkerRequest, emit: (e: RunEvent) => void) => Promise<Trace>;
/** The finite-difference probe of `name` in the Python script or notebook `req` ran (after its run). */
export type PythonProbe = (req: WorkerRequest, name: string) => Promise<ShiftedLoss>;

/** Python support plugs in here (see src/python); TypeScript/JavaScript run in executeScript. */
let pythonRunner: PythonRunner | undefined;
let pythonProbe: PythonProbe | undefined;
export function setPythonRunner(run: PythonRunner, probe?: PythonProbe): void {
  pythonRunner = run;
  pythonProbe = probe;
}

/**
 * A run's events go to the host in batches — one message per BATCH_MS (10 ms) instead of one per printed
 * line and cmp row (a message costs tens of µs on both sides; the exercise makes ~60) — and phase
 * changes at once. Until a batch is posted its events also wait, as JSON lines numbered in order,
 * in a buffer shared with the host, which reads it every so often while the script runs (a line
 * printed before a long silent computation still shows up) and when it stops a hung worker (a
 * stopped run keeps everything it printed). Header: [bytes used, generation]; the generation goes
 * up before the buffer is reused, so a reader can tell a torn read.
 */
export class EventBatcher {
  private queue: RunEvent[] = [];
  private lastPost = -Infinity;
  private seq = 0;
  private used = 0;
  private readonly header?: Int32Array;
  private readonly bytes?: Uint8Array;
  private readonly encoder = new TextEncoder();

  constructor(private readonly post: (m: WorkerMessage) => void, pending?: SharedArrayBuffer, private readonly batchMs = BATCH_MS) {
    if (pending) {
      this.header = new Int32Array(pending, 0, 2);
      this.bytes = new Uint8Array(pending, PENDING_HEADER_BYTES);
    }
  }

  push(event: RunEvent): void {
    this.queue.push(event);
    const seq = ++this.seq;
    const now = performance.now();
    if (event.type === "phase" || now - this.lastPost >= this.batchMs || !this.mirror(seq, event)) this.flush(now);
  }

  flush(now = performance.now()): void {
    this.lastPost = now;
    if (!this.queue.length) return;
    const events = this.queue;
    this.queue = [];
    this.post({ type: "events", events, lastSeq: this.seq });
    // (the host skips by number what it already has, from the buffer or a batch)
    this.used = 0;
    if (this.header) {
      Atomics.add(this.header, 1, 1);
      Atomics.store(this.header, 0, 0);
    }
  }

  /** Appends the event to the shared buffer; false when it does not fit (then it is posted now). */
  private mirror(seq: number, event: RunEvent): boolean {
    if (!this.bytes || !this.header) return true;
    const line = `${seq}\t${JSON.stringify(event)}\n`;
    const { read, written } = this.encoder.encodeInto(line, this.bytes.subarray(this.used));
    if (read !== line.length) return false;
    this.used += written;
    Atomics.store(this.header, 0, this.used); // the bytes first, then the length that covers them
    return true;
  }
}

export const BATCH_MS = 10;
export const PENDING_BYTES = 1 << 18;
const PENDING_HEADER_BYTES = 8;

/**
 * The events waiting in a worker's shared buffer numbered after `afterSeq`, with their numbers; an
 * empty list when the worker reused the buffer while it was read (those events come in a batch).
 */
export function pendingEvents(pending: SharedArrayBuffer, afterSeq: number): { seq: number; event: RunEvent }[] {
  const header = new Int32Array(pending, 0, 2);
  const generation = Atomics.load(header, 1);
  const used = Atomics.load(header, 0);
  const bytes = new Uint8Array(pending, PENDING_HEADER_BYTES, used).slice();
  if (Atomics.load(header, 1) !== generation) return [];
  const out: { seq: number; event: RunEvent }[] = [];
  for (const line of new TextDecoder().decode(bytes).split("\n")) {
    const tab = line.indexOf("\t");
    const seq = Number(line.slice(0, tab));
    if (tab < 0 || seq <= afterSeq) continue;
    out.push({ seq, event: JSON.parse(line.slice(tab + 1)) as RunEvent });
  }
  return out;
}

const startEnv = { ...process.env };
let setByLastRequest: string[] = [];

async function handle(req: WorkerRequest, batcher: EventBatcher): Promise<Trace> {
  // a kernel's cell continues its session: the generators and grad mode are as the last cell left them
  if (req.type !== "cell" || req.cell?.reset) resetEngine();
  const emit = (event: RunEvent) => batcher.push(event);
  // a warm worker serves many runs: variables an earlier request set do not carry over
  for (const key of setByLastRequest) {
    if (key in startEnv) process.env[key] = startEnv[key];
    else delete process.env[key];
  }
  setByLastRequest = Object.keys(req.env ?? {});
  if (req.env) Object.assign(process.env, req.env);
  // workers cannot chdir: the script's folder is passed on for relative lookups (e.g. names.txt)
  if (req.cwd) process.env.BACKPROP_NINJA_SCRIPT_DIR = req.cwd;
  const python = /\.(py|ipynb)$/i.test(req.file);
  if (python && !pythonRunner) throw new Error("Python support is not available in this build");
  allocation.checkMemory = req.memoryMb ? memoryCheck(req.memoryMb, gc && (() => gc!())) : undefined;
  let trace: Trace;
  try {
    trace = python ? await pythonRunner!(req, emit) : executeScript({
      file: req.file, source: req.source, documentVersion: req.documentVersion, emit,
      lastPlace: new Int32Array(req.lastPlace), maxOutputBytes: req.maxOutputBytes, maxElements: req.maxElements,
    });
  } finally {
    allocation.checkMemory = undefined;
  }
  if (req.finiteDifference) {
    const { name, samples } = req.finiteDifference;
    const probe = (): ShiftedLoss | Promise<ShiftedLoss> => {
      if (!python) return typescriptShiftedLoss(req.file, name, req.source);
      if (!pythonProbe) throw new Error("finite-difference checks of Python are not available in this build");
      return pythonProbe(req, name);
    };
    try {
      trace.finiteDifference = await finiteDifferenceCheck(trace, name, probe, samples);
    } catch (e) {
      trace.finiteDifference = { name, error: (e as Error).message };
    }
  }
  return trace;
}

/**
 * A minor GC between runs, once the trace is posted: a run's data is garbage by then, so it costs
 * little, and the next run starts with an empty young generation — the exercise allocates ~13 MB per
 * run, under the 16 MB semi-space, so it then runs without a scavenge, which otherwise copied its
 * live tensors and graph (~5-10 MB, 6-15 ms) in the middle of most runs. V8's gc() is only reachable
 * with --expose-gc; set for this process, it is picked up in a fresh context, and unset again at once
 * (the process is VS Code's extension host: no context made later gets a global gc).
 */
function exposedGc(): ((o?: { type: "minor" | "major" }) => void) | undefined {
  try {
    v8.setFlagsFromString("--expose-gc");
    return vm.runInNewContext("gc") as ((o?: { type: "minor" | "major" }) => void) | undefined;
  } catch {
    return undefined;
  } finally {
    v8.setFlagsFromString("--no-expose-gc");
  }
}

/** V8's gc() in a worker (a full collection when called with no argument; see above). */
const gc = parentPort ? exposedGc() : undefined;

if (parentPort) {
  const collectYoung = gc && !process.env.BPN_NO_IDLE_GC ? () => gc({ type: "minor" }) : undefined;
  parentPort.on("message", (req: WorkerRequest) => {
    const batcher = new EventBatcher((m) => parentPort!.postMessage(m), req.pending);
    handle(req, batcher).then(
      (trace) => {
        batcher.flush();
        const samples = packSamples(trace);
        parentPort!.postMessage({ type: "done", trace, samples } satisfies WorkerMessage, [samples.buffer as ArrayBuffer]);
        if (collectYoung) setImmediate(collectYoung);
      },
      (e: unknown) => {
        batcher.flush();
        const err = e instanceof Error ? e : new Error(String(e));
        parentPort!.postMessage({ type: "crash", message: err.message, stack: err.stack } satisfies WorkerMessage);
      },
    );
  });
}
