// Python scripts and notebooks in the runner's worker: src/python runs them through Pyodide; this
// turns what it reports into the same Trace a TypeScript run produces.
import * as fs from "node:fs";
import * as path from "node:path";
import { forgetLiveState, loadPython, runNotebookCell, runPython, runPythonLive } from "../python";
import type { PyBinding, PyComparison, PythonRunOptions, PythonRunResult, PyValueGraph } from "../python/types";
import { encodeNumber, type NamedValue, type Place, type RunEvent, type ScriptError, type Trace } from "../protocol/trace";
import { DEFAULT_MAX_OUTPUT_BYTES, RunRecorder, type RecorderMark } from "./record";
import { buildTrace, comparisonRow, languageOf } from "./trace";
import { addValueRoots, type RootCandidate, type ValueTableNode } from "./valueRoots";
import { watchRun, type WatchMark } from "./watch";
import type { NameInfo } from "./summarize";
import type { WorkerRequest } from "./worker";

const placeOf = (loc: { line: number; column: number; cell?: number }): Place =>
  ({ line: loc.line, column: loc.column + 1, ...(loc.cell !== undefined ? { cell: loc.cell } : {}) });

/**
 * Live runs (req.live): what the recorder and the watch held at each top-level statement boundary
 * of the file's last live run in this worker, for a run that resumes there (see runPythonLive).
 */
let liveMarks: { file: string; marks: { rec: RecorderMark; watch: WatchMark }[] } | undefined;

export async function runPythonTrace(req: WorkerRequest, emit: (e: RunEvent) => void): Promise<Trace> {
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const source = req.cell ? req.cell.source : req.source ?? fs.readFileSync(req.file, "utf8");
  const rec = new RunRecorder(emit, req.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
  const bindings = new Map<string, { value: unknown; place: Place }>();
  const names = new Map<number, NameInfo>();
  const valueBindings = new Map<string, PyBinding & { kind: "value" }>();

  // the first NaN/Inf: where Python was is not known here; the line that bound its tensor is (below)
  const watch = watchRun(rec, names, req.maxElements, { nonFinite: (t, op) => rec.noteNonFinite(t, op, () => undefined) }, languageOf(req.file));
  let result: PythonRunResult;
  try {
    // load Pyodide first (a cold load takes seconds): the run's time limit starts after it
    await loadPython((message) => emit({ type: "phase", phase: "loading-python", message }));
    emit({ type: "phase", phase: "running" });
    const options: PythonRunOptions = {
      source: req.source,
      cwd: req.cwd,
      workspace: req.workspace,
      // the run's environment (the CLI's --names sets BACKPROP_NINJA_NAMES), with that file's folder readable
      env: req.env,
      extraDirs: req.env?.BACKPROP_NINJA_NAMES ? [path.dirname(req.env.BACKPROP_NINJA_NAMES)] : undefined,
      interruptBuffer: req.interrupt ? new Int32Array(req.interrupt) : undefined,
      onLoadProgress: (message) => emit({ type: "phase", phase: "loading-python", message }),
      onOutput: (chunk) => rec.write(chunk.stream, chunk.text),
      onBinding: (b) => {
        const place = placeOf(b.location);
        if (b.kind === "tensor") {
          bindings.set(b.name, { value: b.tensor, place });
          names.set(b.tensor.id, { name: b.name, place });
        } else valueBindings.set(b.name, b);
      },
      onComparison: (c: PyComparison) =>
        rec.comparison(comparisonRow(c.comparison, placeOf(c.location), rec.comparisons.length, c.manual, c.tensor, names)),
      onDisplay: (d) => {
        rec.flush(); // after what the cell printed before it
        emit({ type: "display", text: d.text, ...(d.cell !== undefined ? { cell: d.cell } : {}) });
      },
    };
    const live = req.live && req.type === "run" && /\.py$/i.test(req.file);
    if (!live) {
      if (liveMarks) forgetLiveState();
      liveMarks = undefined;
    }
    if (live) {
      const marks = liveMarks?.file === req.file ? liveMarks.marks : [];
      liveMarks = { file: req.file, marks };
      options.live = {
        allowResume: marks.length > 0,
        boundary: (i) => { marks[i] = { rec: rec.mark(), watch: watch.mark() }; },
        resume: (i) => {
          marks.length = i + 1;
          rec.resume(marks[i].rec);
          watch.resume(marks[i].watch);
        },
        restart: (reason) => {
          marks.length = 0;
          rec.resume(EMPTY_MARK);
          watch.resume(emptyWatch);
          rec.notes.length = 0;
          emit({ type: "phase", phase: "running", message: `running in full: ${reason}` });
        },
      };
    }
    const emptyWatch = watch.mark();
    result = req.type === "cell" && req.cell ? await runNotebookCell(req.file, req.cell, options)
      : live ? await runPythonLive(req.file, { ...options, live: options.live! }) : await runPython(req.file, options);
  } finally {
    watch.dispose();
    rec.flush();
  }
  watch.diagnose();
  rec.notes.push(...result.notes);
  if (result.live) {
    const { resumedAt, statements, fullRunReason } = result.live;
    rec.notes.push(resumedAt === null
      ? `live run: all ${statements} statements ran${fullRunReason ? ` (${fullRunReason})` : ""}`
      : resumedAt >= statements ? `live run: no statement changed, the results are the last run's`
        : `live run: resumed at statement ${resumedAt + 1} of ${statements}, with the state kept from the last run`);
  }
  if (rec.nonFinite && !rec.nonFinite.place) rec.nonFinite.place = names.get(rec.nonFinite.tensorId)?.place;

  const tt = performance.now();
  const trace = buildTrace({
    file: req.file, source, documentVersion: req.documentVersion, startedAt, rec, bindings, names, backwardRoot: watch.root,
    error: result.error ? scriptError(result) : undefined,
  });
  trace.status = result.status;
  trace.values = [...valueBindings.values()].map((b, i): NamedValue => ({
    kind: "value", id: i, name: b.name, ...placeOf(b.location),
    data: encodeNumber(b.data ?? NaN), grad: encodeNumber(b.grad ?? NaN), op: "",
  }));
  if (result.valueGraph && result.valueGraph.nodes.length) addPythonValueRoots(trace, result.valueGraph);
  if (result.charts.length) trace.charts = result.charts;
  if (result.figures.length) trace.figures = result.figures;
  trace.timings = {
    totalMs: performance.now() - t0, prepareMs: result.timings.loadMs, runMs: result.timings.runMs, traceMs: performance.now() - tt,
    ...(result.live ? { snapshotMs: result.live.snapshotMs, snapshots: result.live.snapshots } : {}),
  };
  return trace;
}

const EMPTY_MARK: RecorderMark = {
  output: [], nOutput: 0, lastText: 0, outputBytes: 0, droppedOutputBytes: 0, comparisons: [], nComparisons: 0, series: new Map(), nonFinite: undefined,
};

function scriptError(r: PythonRunResult): ScriptError {
  const e = r.error!;
  const kind: ScriptError["kind"] = e.kind === "syntax" ? "syntax" : e.kind === "cancelled" ? "cancelled" : e.kind === "internal" ? "internal"
    : e.type === "ModuleNotFoundError" || e.type === "ImportError" ? "import" : e.type === "MemoryError" ? "memory" : "runtime";
  return { kind, name: e.type, message: e.message, place: e.location ? placeOf(e.location) : undefined, stack: e.traceback };
}

/** micrograd: the roots the runtime reported, with the graph of the initial one. */
function addPythonValueRoots(trace: Trace, g: PyValueGraph): void {
  const table = new Map<number, ValueTableNode>(g.nodes.map((n) => [n.id, { op: n.op, name: n.name || undefined, data: n.data, grad: n.grad, inputs: n.children }]));
  addValueRoots(trace, table, g.roots.map((r): RootCandidate => ({
    value: r.node, kind: r.kind, name: r.name ?? undefined, nodes: r.count, whole: r.whole,
    place: placeOf({ line: r.line, column: r.col, ...(r.cell !== null ? { cell: r.cell } : {}) }),
  })));
}
