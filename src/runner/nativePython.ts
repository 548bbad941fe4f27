// The second Python backend (#22): the user's own interpreter and PyTorch, run as a child process
// under src/python/native/bpn_native.py. The script's stdout/stderr are its own pipes; the runtime's
// events (cmp rows, bindings, the backward graph, the end, replies) are JSON lines on fd 3; after the
// run the host asks its questions (the diagnosis's tensors and replays) on fd 4. The result is the
// same Trace the built-in engine's runs produce, with `engine` saying which PyTorch made the verdicts.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline";
import { noGradMessage, shapeMismatch, shapeNote, type Comparison } from "../engine/cmp";
import { notebookCodeCells } from "../python/notebook";
import {
  TRACE_VERSION, decodeNumber, encodeNumber, type FiniteDifferenceReport, type Figure, type JsonNumber, type NamedTensor, type NamedValue, type Place, type RunEvent, type Sample, type ScriptError, type Trace, type TraceComparison,
} from "../protocol/trace";
import { DEFAULT_MAX_OUTPUT_BYTES, RunRecorder } from "./record";
import { DEFAULT_MEMORY_MB } from "./memoryCap";
import { languageOf, pairTensors, sha256 } from "./trace";
import type { RunHandle } from "./runner";
import { finiteDifferenceCheck, type ShiftedLoss } from "./finiteDifference";
import { diagnoseNative, protocolGraph, type AskChild, type NativeGraph } from "./nativeDiagnosis";
import type { PyValueGraph } from "../python/types";
import { addValueRoots, type ValueTableNode } from "./valueRoots";

/** How long the interpreter gets to honour Stop's SIGINT (KeyboardInterrupt) before SIGTERM. */
export const NATIVE_INTERRUPT_GRACE_MS = 3000;
/** The probe (`import torch`) may take a while on a cold disk, but not forever. */
const PROBE_TIMEOUT_MS = 60_000;

/** What `--probe` reports about an interpreter. */
export interface InterpreterInfo {
  /** the command or path that was run */
  python: string;
  executable: string;
  pythonVersion: string;
  torch: string;
  device: "cpu" | "cuda";
  cudaName?: string;
}

/** Why an interpreter cannot be used, in words for the user. */
export class InterpreterError extends Error {
  constructor(message: string, readonly kind: "missing" | "no-torch" | "too-old" | "broken") {
    super(message);
  }
}

/** The oldest PyTorch the runtime works with (torch.frombuffer, aminmax, std_mean) and the oldest Python (ast end positions). */
export const MIN_TORCH = [1, 10] as const;
export const MIN_PYTHON = [3, 8] as const;

/** Whether a version string ("1.13.0a0+git…", "3.11.2") is at least `min` (major, minor). */
export function versionAtLeast(version: string, min: readonly [number, number]): boolean {
  const [major, minor] = version.split(/[.+]/).map((x) => parseInt(x, 10));
  return major > min[0] || (major === min[0] && (minor ?? 0) >= min[1]);
}

/** The interpreter to use: the machine-scoped setting, else `python3` on PATH (never the workspace's). */
export const resolvePython = (setting: string | undefined): string => setting?.trim() || "python3";

/** e.g. "PyTorch 1.13.0a0 (CPU, Python 3.11.2)" */
export const engineLabel = (i: InterpreterInfo): string =>
  `PyTorch ${i.torch} (${i.device === "cuda" ? `CUDA${i.cudaName ? ` ${i.cudaName}` : ""}` : "CPU"}, Python ${i.pythonVersion})`;

/** bpn_native.py: beside the bundle (dist/python/native), or in the sources (src/python/native). */
export function nativeRuntime(): string {
  const candidates = [
    process.env.BPN_PYTHON_DIR && path.join(process.env.BPN_PYTHON_DIR, "native"),
    path.join(__dirname, "python", "native"), path.join(__dirname, "..", "python", "native"),
  ];
  for (const dir of candidates) {
    if (dir && fs.existsSync(path.join(dir, "bpn_native.py")) && fs.existsSync(path.join(dir, "..", "site", "_bpn_rewrite.py"))) {
      return path.join(dir, "bpn_native.py");
    }
  }
  throw new Error(`Backprop Ninja: bpn_native.py was not found near ${__dirname}`);
}

const probes = new Map<string, Promise<InterpreterInfo>>();

/** Checks `import torch` under `python` once (per path) and remembers the answer; a failure is retried next time. */
export function probeInterpreter(python: string): Promise<InterpreterInfo> {
  let p = probes.get(python);
  if (!p) {
    p = runProbe(python);
    probes.set(python, p);
    p.catch(() => probes.delete(python));
  }
  return p;
}

function runProbe(python: string): Promise<InterpreterInfo> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [nativeRuntime(), "--probe"], { stdio: ["ignore", "pipe", "pipe"], timeout: PROBE_TIMEOUT_MS });
    let out = "", err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", (e: NodeJS.ErrnoException) => reject(e.code === "ENOENT"
      ? new InterpreterError(`No Python interpreter "${python}" was found. Install Python 3 with PyTorch, or set backpropNinja.pythonPath in your user settings.`, "missing")
      : new InterpreterError(`Could not start "${python}": ${e.message}`, "broken")));
    child.on("close", (code) => {
      if (code === 0) {
        let info: InterpreterInfo | undefined;
        try {
          const j = JSON.parse(out.trim().split("\n").pop() ?? "");
          info = { python, executable: j.executable, pythonVersion: j.python, torch: j.torch, device: j.device, cudaName: j.cudaName ?? undefined };
        } catch { /* reported below */ }
        if (info && !versionAtLeast(info.pythonVersion, MIN_PYTHON)) {
          reject(new InterpreterError(`"${python}" is Python ${info.pythonVersion}; Backprop Ninja needs Python ${MIN_PYTHON.join(".")} or newer. Choose another interpreter.`, "too-old"));
          return;
        }
        if (info && !versionAtLeast(info.torch, MIN_TORCH)) {
          reject(new InterpreterError(`"${python}" has PyTorch ${info.torch}; Backprop Ninja needs PyTorch ${MIN_TORCH.join(".")} or newer. Upgrade it there (pip install -U torch) or choose another interpreter.`, "too-old"));
          return;
        }
        if (info) {
          resolve(info);
          return;
        }
      }
      if (/^SyntaxError|^\s+print "|invalid syntax/m.test(err) && !/No module named/.test(err)) {
        reject(new InterpreterError(`"${python}" cannot run Backprop Ninja's runtime: it needs Python ${MIN_PYTHON.join(".")} or newer (${err.trim().split("\n").pop()}).`, "too-old"));
      } else if (/No module named 'torch'/.test(err)) {
        reject(new InterpreterError(`"${python}" has no PyTorch (import torch failed). Install it there (pip install torch) or choose another interpreter.`, "no-torch"));
      } else {
        reject(new InterpreterError(`"${python}" failed to import torch (exit ${code}): ${err.trim().split("\n").slice(-3).join(" ")}`, "broken"));
      }
    });
  });
}

export interface NativeRunOptions {
  /** the interpreter (see resolvePython) */
  python: string;
  /** text to run instead of the file on disk (a .py's text or an .ipynb's JSON) */
  source?: string;
  documentVersion?: number;
  /** 0 or undefined: no limit */
  timeoutMs?: number;
  maxOutputBytes?: number;
  /** what the script may allocate beyond the loaded interpreter and PyTorch, MB (Linux, CPU; see bpn_native.py _cap_memory) */
  memoryMb?: number;
  cwd?: string;
  env?: Record<string, string>;
  onEvent?: (e: RunEvent) => void;
  /** after the run, check this tensor's gradient with finite differences (probes run in the same process) */
  finiteDifference?: { name: string; samples?: number };
}

/** The runtime's event lines (bpn_native.py's _emit). */
export type NativeEvent =
  | { t: "hello"; torch: string; python: string; device: string }
  | { t: "cell"; index: number }
  | { t: "display"; cell?: number; text: string }
  | { t: "figure"; cell: number | null; svg: string; title: string | null }
  | ({ t: "cmp" } & NativeComparison)
  | { t: "bindings"; tensors: (Omit<NamedTensor, "kind" | "id"> & { device: string })[] }
  | ({ t: "graph" } & NativeGraph)
  | ({ t: "values"; bound: (Place & { name: string; data: number | null; grad: number | null })[] } & PyValueGraph)
  | { t: "reply"; [key: string]: unknown }
  | { t: "done"; ok: boolean; error?: NativeError };

interface NativeComparison extends Place {
  name: string;
  manualShape: number[] | null;
  gradShape: number[] | null;
  requiresGrad: boolean;
  isLeaf: boolean;
  manualName?: string;
  manualPlace?: Place;
  tensorName?: string;
  exact?: boolean;
  approximate?: boolean;
  maxdiff?: number | string;
  message?: string;
  manual?: Sample;
  grad?: Sample;
  diff?: Sample;
}

export interface NativeError {
  type: string;
  message: string;
  traceback: string;
  line: number | null;
  column: number | null;
  cell: number | null;
  kind: string;
}

/** A cmp row from PyTorch's own numbers; the status rules are the built-in engine's (engine/cmp.ts). */
export function nativeComparison(c: NativeComparison, index: number): TraceComparison {
  const { name, manualShape, gradShape } = c;
  const place: Place = { line: c.line, column: c.column, ...(c.cell !== undefined ? { cell: c.cell } : {}) };
  const base = { name, exact: false, approximate: false, maxdiff: null, manualShape, gradShape };
  let verdict: Comparison;
  if (!manualShape) verdict = { ...base, status: "not-written", message: `d${name.replace(/^d/, "")} is not written yet` };
  else if (!gradShape) verdict = { ...base, status: "no-grad", message: noGradMessage(name, c.requiresGrad, !c.isLeaf) };
  else {
    const mismatch = shapeMismatch(name, manualShape, gradShape) ?? (c.exact === undefined ? { status: "shape-mismatch" as const, message: c.message } : undefined);
    if (mismatch) verdict = { ...base, ...mismatch };
    else {
      const maxdiff = typeof c.maxdiff === "number" ? c.maxdiff : null;
      const status = c.exact ? "exact" : c.approximate ? "approximate" : "wrong";
      const note = shapeNote(name, manualShape, gradShape, status);
      verdict = { ...base, exact: !!c.exact, approximate: !!c.approximate, maxdiff, status, ...(note ? { message: note } : {}) };
    }
  }
  return {
    ...verdict, ...place, index, manualName: c.manualName, manualPlace: c.manualPlace, tensorName: c.tensorName,
    manual: c.manual, grad: c.grad, diff: c.diff,
  };
}

export function scriptError(e: NativeError): ScriptError {
  const kind: ScriptError["kind"] = e.kind === "syntax" ? "syntax"
    : e.type === "ModuleNotFoundError" || e.type === "ImportError" ? "import"
      : e.type === "MemoryError" || /out of memory/i.test(e.message) ? "memory" : "runtime";
  const place = e.line ? { line: e.line, column: (e.column ?? 0) + 1, ...(e.cell !== null ? { cell: e.cell } : {}) } : undefined;
  return { kind, name: e.type, message: e.message, place, stack: e.traceback };
}

/** A figure a cell displayed (a graphviz Digraph drawn by the user's own dot). */
export const nativeFigure = (e: Extract<NativeEvent, { t: "figure" }>): Figure =>
  ({ kind: "svg", svg: e.svg, ...(e.title ? { title: e.title } : {}), ...(e.cell !== null ? { cell: e.cell } : {}) });

/** micrograd (#22): the Values the run bound (the last binding of each name) and its roots, as the built-in engine reports them. */
export function addNativeValues(trace: Trace, v: Extract<NativeEvent, { t: "values" }>): void {
  const byName = new Map(v.bound.map((b) => [b.name, b]));
  trace.values = [...byName.values()].map(({ name, data, grad, ...place }, id): NamedValue => ({
    kind: "value", id, name, ...place, data: encodeNumber(data ?? NaN), grad: encodeNumber(grad ?? NaN), op: "",
  }));
  if (!v.nodes.length) return;
  const table = new Map<number, ValueTableNode>(v.nodes.map((n) => [n.id, { op: n.op, name: n.name || undefined, data: n.data, grad: n.grad, inputs: n.children }]));
  addValueRoots(trace, table, v.roots.map((r) => ({
    value: r.node, kind: r.kind, name: r.name ?? undefined, nodes: r.count, whole: r.whole,
    place: { line: r.line, column: r.col + 1, ...(r.cell !== null ? { cell: r.cell } : {}) },
  })));
}

/** Runs `file` (a .py script or an .ipynb's code cells in order) under the user's interpreter. */
export function runNative(file: string, opts: NativeRunOptions, live?: Set<RunHandle>): RunHandle {
  file = path.resolve(file);
  let stop: ((reason: string, kind: "cancelled" | "timeout") => void) | undefined;
  let cancelled: string | undefined;
  const trace = (async () => {
    let info: InterpreterInfo;
    try {
      info = await probeInterpreter(opts.python);
    } catch (e) {
      return failedTrace(file, opts, { kind: "internal", name: "InterpreterError", message: (e as Error).message });
    }
    if (cancelled !== undefined) return failedTrace(file, opts, { kind: "cancelled", name: "Cancelled", message: cancelled }, engineLabel(info));
    return await new Promise<Trace>((resolve) => {
      stop = runChild(file, opts, info, resolve);
    });
  })();
  const handle: RunHandle = { file, trace, cancel: (reason = "stopped") => (stop ? stop(reason, "cancelled") : (cancelled = reason)) };
  // `live`: the caller's set of runs to stop when it shuts down; each leaves it when its trace is in
  live?.add(handle);
  void trace.finally(() => live?.delete(handle));
  return handle;
}

/** The trace of a run that never started (no interpreter, no torch, stopped while probing). */
function failedTrace(file: string, opts: NativeRunOptions, error: ScriptError, engine?: string): Trace {
  const text = opts.source ?? (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "");
  return { ...emptyTrace(file, text, opts.documentVersion, new Date().toISOString(), engine), status: error.kind === "cancelled" ? "cancelled" : "error", error };
}

export function emptyTrace(file: string, text: string, documentVersion: number | undefined, startedAt: string, engine: string | undefined): Trace {
  return {
    version: TRACE_VERSION, file, language: languageOf(file), sourceHash: sha256(text), documentVersion, status: "ok", startedAt,
    timings: { totalMs: 0, prepareMs: 0, runMs: 0, traceMs: 0 }, tensors: [], values: [], graph: null, comparisons: [],
    output: [], outputTruncated: false, droppedOutputBytes: 0, series: [], notes: [], ...(engine ? { engine } : {}),
  };
}

function runChild(file: string, opts: NativeRunOptions, info: InterpreterInfo, resolve: (t: Trace) => void): (reason: string, kind: "cancelled" | "timeout") => void {
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const text = opts.source ?? fs.readFileSync(file, "utf8");
  const notebook = languageOf(file) === "notebook";
  const rec = new RunRecorder(opts.onEvent, opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
  // fd 4: the host's questions after the run (the diagnosis's tensors and replays), answered on fd 3
  const request: Record<string, unknown> = { file, cwd: opts.cwd ?? path.dirname(file), requestsFd: 4, memoryMb: opts.memoryMb ?? DEFAULT_MEMORY_MB };
  if (notebook) {
    const { cells, notes } = notebookCodeCells(text);
    request.cells = cells.map((c) => ({ index: c.index, source: c.source }));
    rec.notes.push(...notes);
  } else request.source = text;

  const child: ChildProcess = spawn(info.python, [nativeRuntime(), "--events-fd", "3"], {
    cwd: request.cwd as string,
    env: { ...process.env, ...opts.env, PYTHONUNBUFFERED: "1", PYTHONIOENCODING: "utf-8" },
    stdio: ["pipe", "pipe", "pipe", "pipe", "pipe"],
  });
  opts.onEvent?.({ type: "phase", phase: "running" });
  let cell: number | undefined;
  let tensors: NamedTensor[] = [];
  let graph: NativeGraph | undefined;
  let values: Extract<NativeEvent, { t: "values" }> | undefined;
  const figures: Figure[] = [];
  let diagnosing: Promise<void> | undefined;
  let finiteDifference: FiniteDifferenceReport | undefined;
  const requests = child.stdio[4] as NodeJS.WritableStream;
  requests.on("error", () => {}); // the process died: its pending questions are rejected on close
  const waiting: { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }[] = [];
  const ask: AskChild = (req) => new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) { reject(new Error("the process has ended")); return; }
    waiting.push({ resolve, reject });
    requests.write(JSON.stringify(req) + "\n");
  });
  let done: { ok: boolean; error?: NativeError } | undefined;
  let ended: { reason: string; kind: "cancelled" | "timeout" } | undefined;
  let spawnError: Error | undefined;

  const write = (stream: "stdout" | "stderr") => (d: Buffer) => rec.write(stream, d.toString("utf8"));
  child.stdout!.on("data", write("stdout"));
  child.stderr!.on("data", write("stderr"));
  const events = readline.createInterface({ input: child.stdio[3] as NodeJS.ReadableStream });
  events.on("line", (line) => {
    let e: NativeEvent;
    try { e = JSON.parse(line); } catch { return; }
    switch (e.t) {
      case "cell": cell = e.index; break;
      case "display": rec.flush(); opts.onEvent?.({ type: "display", text: e.text, ...(e.cell !== undefined && e.cell !== null ? { cell: e.cell } : {}) }); break;
      case "cmp": rec.comparison(nativeComparison(e, rec.comparisons.length)); break;
      case "bindings":
        tensors = e.tensors.map(({ device: _d, ...t }, id): NamedTensor => ({ ...t, kind: "tensor", id }));
        break;
      case "graph": { const { t: _t, ...g } = e; graph = g; break; }
      case "values": values = e; break;
      case "figure": figures.push(nativeFigure(e)); break;
      case "reply": { const { t: _t, ...r } = e; waiting.shift()?.resolve(r); break; }
      case "done":
        done = e;
        clearTimeout(timer); // the script's time is over; Stop still ends the diagnosis
        diagnosing = diagnose().then(checkGradient).finally(() => requests.end());
        break;
    }
  });
  /** The diagnosis of the wrong rows, asking the child for PyTorch's tensors and replays. */
  const diagnose = async (): Promise<void> => {
    if (ended || !rec.comparisons.some((c) => c.status === "wrong" || c.status === "shape-mismatch")) return;
    try {
      const note = await diagnoseNative(rec.comparisons, graph, tensors, notebook ? "notebook" : "python", ask);
      if (note) rec.notes.push(note);
    } catch (e) {
      rec.notes.push(`the wrong-gradient diagnosis failed: ${(e as Error).message}`);
    }
  };
  /**
   * The finite-difference check, when asked for. finiteDifferenceCheck wants the losses synchronously,
   * and they come from the child: a first pass learns which (element, step) pairs it probes, the
   * child computes them all in one go, a second pass reads them (both passes pick the same ones).
   */
  const checkGradient = async (): Promise<void> => {
    const fd = opts.finiteDifference;
    if (!fd || ended) return;
    const run = { status: done?.ok ? "ok" : "error", tensors, comparisons: rec.comparisons } as Trace;
    const key = (flat: number, delta: number) => `${flat}:${delta}`;
    const nudges: [number, number][] = [];
    try {
      const first = await finiteDifferenceCheck(run, fd.name, (): ShiftedLoss => (flat, delta) => { nudges.push([flat, delta]); return 0; }, fd.samples);
      if (!nudges.length) { finiteDifference = first; return; } // nothing to probe: its reason
      const reply = await ask({ op: "probe", name: fd.name, nudges }) as { losses?: JsonNumber[]; error?: string };
      if (!reply.losses) throw new Error(reply.error ?? "no losses");
      const losses = new Map(nudges.map(([flat, delta], i) => [key(flat, delta), decodeNumber(reply.losses![i])]));
      finiteDifference = await finiteDifferenceCheck(run, fd.name, () => (flat, delta) => losses.get(key(flat, delta)) ?? NaN, fd.samples);
    } catch (e) {
      finiteDifference = { name: fd.name, error: (e as Error).message };
    }
  };
  child.stdin!.on("error", () => {}); // a script that ends without reading its input
  child.stdin!.end(JSON.stringify(request) + "\n");
  child.on("error", (e) => (spawnError = e));

  let timer: NodeJS.Timeout | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const end = (reason: string, kind: "cancelled" | "timeout") => {
    if (ended || child.exitCode !== null) return;
    ended = { reason, kind };
    child.kill("SIGINT");
    killTimer = setTimeout(() => child.kill("SIGTERM"), NATIVE_INTERRUPT_GRACE_MS);
  };
  if (opts.timeoutMs) timer = setTimeout(() => end(`time limit of ${opts.timeoutMs} ms reached`, "timeout"), opts.timeoutMs);

  // "close": the process exited and its pipes (output, events) are read to the end
  child.on("close", async (code, signal) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`${info.python} ended before it answered`));
    if (!done) requests.end();
    await diagnosing;
    clearTimeout(timer);
    clearTimeout(killTimer);
    rec.flush();
    let error: ScriptError | undefined;
    if (ended) error = { kind: ended.kind, name: ended.kind === "timeout" ? "TimeoutError" : "Cancelled", message: ended.reason, place: done?.error?.line ? scriptError(done.error).place : undefined };
    else if (spawnError) error = { kind: "internal", name: "Error", message: `Could not start ${info.python}: ${spawnError.message}` };
    else if (done?.error) error = scriptError(done.error);
    else if (!done) error = { kind: "internal", name: "ProcessExit", message: `${info.python} ended before the run finished (${signal ? `signal ${signal}` : `exit code ${code}`}); see its stderr in the output` };
    if (cell !== undefined && error?.place && error.place.cell === undefined) error.place.cell = cell;
    pairTensors(tensors);
    const drawn = graph && graph.nodes.length ? protocolGraph(graph, tensors, rec.comparisons) : null;
    const totalMs = performance.now() - t0;
    const trace: Trace = {
      ...emptyTrace(file, text, opts.documentVersion, startedAt, engineLabel(info)),
      status: ended?.kind === "cancelled" ? "cancelled" : error ? "error" : "ok", error,
      timings: { totalMs, prepareMs: 0, runMs: totalMs, traceMs: 0 },
      tensors, graph: drawn, comparisons: rec.comparisons, output: rec.output, ...(finiteDifference ? { finiteDifference } : {}), notes: rec.notes, series: rec.seriesList(),
      outputTruncated: rec.droppedOutputBytes > 0, droppedOutputBytes: rec.droppedOutputBytes,
    };
    if (values) addNativeValues(trace, values);
    if (figures.length) trace.figures = figures;
    resolve(trace);
  });
  return end;
}
