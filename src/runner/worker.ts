// The runner's worker thread: runs one script per message, streaming events, and posts its Trace.
// It never touches VS Code; the main thread can terminate it at any moment (time limit, Stop).
import { parentPort } from "node:worker_threads";
import type { RunEvent, Trace } from "../protocol/trace";
import { executeScript, resetEngine } from "./execute";
import { finiteDifferenceCheck } from "./finiteDifference";
import { packSamples } from "./summarize";

export interface WorkerRequest {
  type: "run";
  file: string;
  source?: string;
  documentVersion?: number;
  maxOutputBytes?: number;
  maxElements?: number;
  /** Int32Array(2) over a SharedArrayBuffer: the last [line, column] the script reached */
  lastPlace: SharedArrayBuffer;
  /** Int32Array(1): the host writes 2 to interrupt a Python run (KeyboardInterrupt) */
  interrupt?: SharedArrayBuffer;
  workspace?: string;
  /** after the run, check this tensor's gradient with finite differences */
  finiteDifference?: { name: string; samples?: number };
  /** environment for the script (e.g. BACKPROP_NINJA_NAMES) and its working directory */
  env?: Record<string, string>;
  cwd?: string;
}

export type WorkerMessage =
  | { type: "event"; event: RunEvent }
  /** the trace with its samples' values moved to `samples` (packSamples): cheap to clone */
  | { type: "done"; trace: Trace; samples: Float64Array }
  | { type: "crash"; message: string; stack?: string };

export type PythonRunner = (req: WorkerRequest, emit: (e: RunEvent) => void) => Promise<Trace>;

/** Python support plugs in here (see src/python); TypeScript/JavaScript run in executeScript. */
let pythonRunner: PythonRunner | undefined;
export function setPythonRunner(run: PythonRunner): void {
  pythonRunner = run;
}

async function handle(req: WorkerRequest): Promise<Trace> {
  resetEngine();
  const emit = (event: RunEvent) => parentPort!.postMessage({ type: "event", event } satisfies WorkerMessage);
  if (req.env) Object.assign(process.env, req.env);
  // workers cannot chdir: the script's folder is passed on for relative lookups (e.g. names.txt)
  if (req.cwd) process.env.BACKPROP_NINJA_SCRIPT_DIR = req.cwd;
  if (/\.(py|ipynb)$/i.test(req.file)) {
    if (!pythonRunner) throw new Error("Python support is not available in this build");
    return pythonRunner(req, emit);
  }
  const trace = executeScript({
    file: req.file, source: req.source, documentVersion: req.documentVersion, emit,
    lastPlace: new Int32Array(req.lastPlace), maxOutputBytes: req.maxOutputBytes, maxElements: req.maxElements,
  });
  if (req.finiteDifference) {
    const { name, samples } = req.finiteDifference;
    try {
      trace.finiteDifference = finiteDifferenceCheck(req.file, trace, name, samples);
    } catch (e) {
      trace.finiteDifference = { name, error: (e as Error).message };
    }
  }
  return trace;
}

if (parentPort) {
  parentPort.on("message", (req: WorkerRequest) => {
    handle(req).then(
      (trace) => {
        const samples = packSamples(trace);
        parentPort!.postMessage({ type: "done", trace, samples } satisfies WorkerMessage, [samples.buffer as ArrayBuffer]);
      },
      (e: unknown) => {
        const err = e instanceof Error ? e : new Error(String(e));
        parentPort!.postMessage({ type: "crash", message: err.message, stack: err.stack } satisfies WorkerMessage);
      },
    );
  });
}
