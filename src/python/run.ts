// Running a Python script or a notebook's code cells through Pyodide, in the calling thread (the
// runner's worker). The result carries the printed output, the cmp verdicts with their lines, the
// tensors and micrograd Values bound to names, matplotlib figures and the Python traceback.
import * as fs from "node:fs";
import * as path from "node:path";
import { compareGradients, type Comparison } from "../engine/cmp";
import { inspector } from "../engine/inspect";
import type { Tensor } from "../engine/tensor";
import { loadPython, mountHostDir, type LoadedPython } from "./pyodide";
import { graphvizVersion, loadGraphviz, renderDot } from "./graphviz";
import { MAX_FIGURES, type Figure } from "../protocol/trace";
import { codeCell, notebookCodeCells } from "./notebook";
import type {
  PyBinding, PyChart, PyOutputChunk, PyComparison, PyError, PyLocation, PyValueGraph, PythonRunOptions, PythonRunResult,
} from "./types";

interface RawError {
  type: string; message: string; traceback: string; line: number | null; column: number | null;
  file: string | null; cell: number | null; kind: "syntax" | "runtime";
}

/** Run a .py file (or a .ipynb, by extension) and collect what it did. */
export async function runPython(file: string, opts: PythonRunOptions = {}): Promise<PythonRunResult> {
  return file.endsWith(".ipynb") ? runNotebook(file, opts) : runPythonScript(file, opts);
}

export async function runPythonScript(file: string, opts: PythonRunOptions = {}): Promise<PythonRunResult> {
  const abs = path.resolve(file);
  const source = opts.source ?? fs.readFileSync(abs, "utf8");
  return runWith(abs, opts, (rt, cwd) => rt.run_script(abs, source, cwd, opts.argv ?? [], JSON.stringify(opts.env ?? {})));
}

export async function runNotebook(file: string, opts: PythonRunOptions = {}): Promise<PythonRunResult> {
  const abs = path.resolve(file);
  const text = opts.source ?? fs.readFileSync(abs, "utf8");
  const { cells, notes } = notebookCodeCells(text);
  const result = await runWith(abs, opts, (rt, cwd) =>
    rt.run_cells(abs, JSON.stringify(cells.map((c) => ({ index: c.index, source: c.source }))), cwd, JSON.stringify(opts.env ?? {})));
  result.cells = cells.map((c) => ({ index: c.index, skippedLines: c.skippedLines }));
  result.notes.unshift(...notes);
  return result;
}

/**
 * A script run for live mode: it resumes from the interpreter state kept in front of the first
 * statement that changed since the last live run of the file in this thread (see _bpn_live.py), or
 * runs in full and keeps state for the next one. `opts.live` hears where it resumed from.
 */
export async function runPythonLive(file: string, opts: PythonRunOptions & { live: NonNullable<PythonRunOptions["live"]> }): Promise<PythonRunResult> {
  const abs = path.resolve(file);
  const source = opts.source ?? fs.readFileSync(abs, "utf8");
  return runWith(abs, opts, (_rt, cwd, py) => {
    const live = py.pyimport("_bpn_live") as unknown as { run_live(...a: unknown[]): string; destroy(): void };
    try {
      return live.run_live(abs, source, cwd, opts.argv ?? [], JSON.stringify(opts.env ?? {}), opts.live.allowResume);
    } finally {
      live.destroy();
    }
  });
}

/** Drop the state live runs keep in this thread (before the interpreter serves anything else). */
export function forgetLiveState(): void {
  if (!loaded) return;
  void loadPython().then(({ py }) => {
    const live = py.pyimport("_bpn_live") as unknown as { forget(): void; destroy(): void };
    live.forget();
    live.destroy();
  });
}

/**
 * One cell of a notebook in the thread's kernel session (globals kept from the cells run before, see
 * `run_cell` in _bpn_runtime.py); `reset` starts a fresh session first (a restarted kernel).
 */
export async function runNotebookCell(
  file: string, cell: { index: number; source: string; reset?: boolean }, opts: PythonRunOptions = {},
): Promise<PythonRunResult> {
  const abs = path.resolve(file);
  const { source, skippedLines, notes } = codeCell(cell.source, cell.index);
  const result = await runWith(abs, opts, (rt, cwd) => {
    if (cell.reset) rt.reset_session();
    return source === undefined ? JSON.stringify({ ok: true }) : rt.run_cell(abs, cell.index, source, cwd, JSON.stringify(opts.env ?? {}));
  });
  result.cells = [{ index: cell.index, skippedLines }];
  result.notes.unshift(...notes);
  return result;
}

interface Runtime {
  run_script(path: string, source: string, cwd: string, argv: string[], envJson: string): string;
  run_cells(path: string, cellsJson: string, cwd: string, envJson: string): string;
  run_cell(path: string, index: number, source: string, cwd: string, envJson: string): string;
  reset_session(): void;
  destroy(): void;
}

async function runWith(
  abs: string, opts: PythonRunOptions, call: (rt: Runtime, cwd: string, py: LoadedPython["py"]) => string,
): Promise<PythonRunResult> {
  const t0 = performance.now();
  const cold = !loaded;
  const python = await loadPython(opts.onLoadProgress);
  await loadGraphviz(); // the `graphviz` module lays graphs out synchronously, through the host
  loaded = true;
  const loadMs = performance.now() - t0;
  const { py } = python;

  const cwd = path.resolve(opts.cwd ?? path.dirname(abs));
  for (const dir of [opts.workspace, path.dirname(abs), cwd, ...(opts.extraDirs ?? [])]) {
    if (dir) mountHostDir(py, dir);
  }
  // a names.txt symlinked next to the script points outside the mounted folders: mount its target's
  for (const dir of new Set([path.dirname(abs), cwd])) {
    for (const target of symlinkTargets(dir)) mountHostDir(py, path.dirname(target));
  }

  const result: PythonRunResult = {
    status: "ok", file: abs, output: [], comparisons: [], bindings: [], valueGraph: null, charts: [], figures: [], notes: [],
    timings: { loadMs, coldLoad: cold, runMs: 0 },
  };
  const cell: { index: number | undefined } = { index: undefined };
  const emit = (stream: "stdout" | "stderr") => {
    const decoder = new TextDecoder();
    return {
      write(buf: Uint8Array): number {
        const chunk = { stream, text: decoder.decode(buf, { stream: true }), cell: cell.index };
        const last = result.output[result.output.length - 1];
        if (last && last.stream === stream && last.cell === chunk.cell) last.text += chunk.text;
        else result.output.push({ ...chunk });
        opts.onOutput?.(chunk);
        return buf.length;
      },
      isatty: false,
    };
  };
  py.setStdout(emit("stdout"));
  py.setStderr(emit("stderr"));
  py.setStdin({ error: true }); // input() fails fast (EOFError) instead of blocking the worker
  installHost(python, abs, result, cell, opts);
  if (opts.interruptBuffer) py.setInterruptBuffer(opts.interruptBuffer);
  const restoreHook = opts.interruptBuffer ? keepInterruptsFromFinalizers(python, opts.interruptBuffer) : undefined;

  const rt = py.pyimport("_bpn_runtime") as unknown as Runtime;
  const tRun = performance.now();
  let raw: {
    ok: boolean; error?: RawError; resumedAt?: number | null; statements?: number; fullRunReason?: string; snapshotMs?: number; snapshots?: number;
  };
  try {
    raw = JSON.parse(call(rt, cwd, py));
  } catch (e) {
    // an error of our own machinery, not of the script
    raw = { ok: false };
    result.error = { type: "InternalError", message: String((e as Error)?.message ?? e), traceback: String((e as Error)?.stack ?? e), kind: "internal" };
  } finally {
    rt.destroy();
    restoreHook?.();
    if (opts.interruptBuffer) py.setInterruptBuffer(undefined as unknown as Int32Array);
  }
  result.timings.runMs = performance.now() - tRun;
  if (raw.error) result.error = toPyError(raw.error, abs);
  if (!raw.ok) result.status = result.error?.type === "KeyboardInterrupt" ? "cancelled" : "error";
  if (result.status === "cancelled" && result.error) result.error.kind = "cancelled";
  if (opts.live && raw.statements !== undefined) {
    result.live = {
      resumedAt: raw.resumedAt ?? null, statements: raw.statements, ...(raw.fullRunReason ? { fullRunReason: raw.fullRunReason } : {}),
      snapshotMs: raw.snapshotMs ?? 0, snapshots: raw.snapshots ?? 0,
    };
  }
  return result;
}

let loaded = false;

/** What a live run's result held at each statement boundary (see liveBoundary in installHost). */
const liveMarks: { output: PyOutputChunk[]; nOutput: number; lastText: number; notes: string[]; charts: PyChart[]; figures: Figure[] }[] = [];

interface UnraisableInfo { exc_type: { __name__: string; destroy(): void } | null | undefined }
interface PySys { unraisablehook: unknown; __unraisablehook__: ((info: UnraisableInfo) => void) & { destroy(): void }; destroy(): void }

/**
 * Stop raises KeyboardInterrupt wherever Python is when it checks the interrupt buffer, which may be
 * inside a finalizer (Tensor.__del__ runs for every tensor dropped). Python reports exceptions from
 * finalizers to sys.unraisablehook and goes on, so Stop would be lost: this hook, a JS function (no
 * Python code that could itself be interrupted), raises the interrupt again at the next check.
 */
function keepInterruptsFromFinalizers(python: LoadedPython, buffer: Int32Array): () => void {
  const sys = python.py.pyimport("sys") as unknown as PySys;
  const fallback = sys.__unraisablehook__;
  sys.unraisablehook = (info: UnraisableInfo): void => {
    const type = info.exc_type;
    const name = type?.__name__;
    type?.destroy();
    if (name === "KeyboardInterrupt") Atomics.store(buffer, 0, 2);
    else fallback(info);
  };
  return () => {
    sys.unraisablehook = fallback;
    fallback.destroy();
    sys.destroy();
  };
}

function symlinkTargets(dir: string, limit = 500): string[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).slice(0, limit).filter((e) => e.isSymbolicLink()).flatMap((e) => {
      try {
        return [fs.realpathSync(path.join(dir, e.name))];
      } catch {
        return []; // dangling link: Python reports the missing file itself
      }
    });
  } catch {
    return [];
  }
}

function toPyError(e: RawError, abs: string): PyError {
  const location: PyLocation | undefined = e.line === null
    ? undefined
    : { file: (e.file ?? abs).split("#cell")[0], line: e.line, column: e.column ?? 0, ...(e.cell === null ? {} : { cell: e.cell }) };
  return { type: e.type, message: e.message, traceback: e.traceback, ...(location ? { location } : {}), kind: e.kind };
}

const FIGURES_DROPPED = `figures after the first ${MAX_FIGURES} were not kept`;

/** The callbacks Python's `_bpn_host` module calls during this run. */
function installHost(
  python: LoadedPython, abs: string, result: PythonRunResult, cell: { index: number | undefined }, opts: PythonRunOptions,
): void {
  const loc = (line: number, column: number, c: number | null | undefined): PyLocation =>
    c === null || c === undefined ? { file: abs, line, column } : { file: abs, line, column, cell: c };
  const orNull = <T>(x: T | null | undefined): T | null => (x === undefined || x === null ? null : x);
  Object.assign(python.host, {
    compare(name: string, manual: Tensor | null | undefined, t: Tensor | null | undefined, line: number, column: number, c: number | null): PyComparison {
      const comparison: Comparison = compareGradients(name, orNull(manual), orNull(t));
      // the same hook TypeScript's cmp calls: the run's diagnosis records both gradients now, before
      // the learner's own cmp runs (and whether or not it raises)
      inspector.onComparison?.(comparison, orNull(manual), orNull(t));
      return { comparison, location: loc(line, column, c), manual: orNull(manual), tensor: orNull(t) };
    },
    commitComparison(report: PyComparison): void {
      result.comparisons.push(report);
      opts.onComparison?.(report);
    },
    bindTensor(name: string, tensor: Tensor, line: number, column: number, c: number | null): void {
      const b: PyBinding = { kind: "tensor", name, location: loc(line, column, c), tensor };
      result.bindings.push(b);
      opts.onBinding?.(b);
    },
    bindValue(name: string, line: number, column: number, c: number | null, data: number | null, grad: number | null): void {
      const b: PyBinding = { kind: "value", name, location: loc(line, column, c), data: orNull(data), grad: orNull(grad) };
      result.bindings.push(b);
      opts.onBinding?.(b);
    },
    valueGraph(json: string): void {
      result.valueGraph = JSON.parse(json) as PyValueGraph;
    },
    chart(json: string): void {
      const chart = JSON.parse(json) as PyChart;
      if (cell.index !== undefined) chart.cell = cell.index;
      result.charts.push(chart);
      opts.onChart?.(chart);
    },
    /** something the learner should know that is not an error (an emulated module skipped a widget) */
    note(text: string): void {
      if (!result.notes.includes(text)) result.notes.push(text);
    },
    graphviz: renderDot,
    graphvizVersion,
    figure(json: string): void {
      if (result.figures.length >= MAX_FIGURES) {
        if (!result.notes.includes(FIGURES_DROPPED)) result.notes.push(FIGURES_DROPPED);
        return;
      }
      const f = JSON.parse(json) as { svg: string; title: string | null };
      result.figures.push({ kind: "svg", svg: f.svg, ...(f.title ? { title: f.title } : {}), ...(cell.index !== undefined ? { cell: cell.index } : {}) } satisfies Figure);
    },
    cellStarted(index: number): void {
      cell.index = index;
    },
    displayResult(text: string): void {
      opts.onDisplay?.({ text, ...(cell.index !== undefined ? { cell: cell.index } : {}) });
    },
    // live runs: what the result holds at each statement boundary, put back when a run resumes
    liveBoundary(index: number): void {
      const last = result.output[result.output.length - 1];
      liveMarks[index] = { output: result.output, nOutput: result.output.length, lastText: last ? last.text.length : 0, notes: result.notes.slice(), charts: result.charts.slice(), figures: result.figures.slice() };
      opts.live?.boundary(index);
    },
    liveResume(index: number): void {
      const m = liveMarks[index];
      liveMarks.length = index + 1;
      result.output.splice(0, Infinity, ...m.output.slice(0, m.nOutput).map((c, i) => ({ ...c, text: i === m.nOutput - 1 ? c.text.slice(0, m.lastText) : c.text })));
      result.notes.splice(0, Infinity, ...m.notes);
      result.charts.splice(0, Infinity, ...m.charts);
      result.figures.splice(0, Infinity, ...m.figures);
      opts.live?.resume(index);
    },
    liveRestart(reason: string): void {
      liveMarks.length = 0;
      result.output.length = result.notes.length = result.charts.length = result.figures.length = 0;
      opts.live?.restart(reason);
    },
  });
}
