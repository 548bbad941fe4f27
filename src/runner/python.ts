// Python scripts and notebooks in the runner's worker: src/python runs them through Pyodide; this
// turns what it reports into the same Trace a TypeScript run produces.
import * as fs from "node:fs";
import { inspector } from "../engine/inspect";
import { Tensor } from "../engine/tensor";
import { installDiagnosis } from "../diagnosis";
import { loadPython, runPython } from "../python";
import type { PyBinding, PyComparison, PythonRunResult } from "../python/types";
import { encodeNumber, type Graph, type NamedValue, type Place, type RunEvent, type ScriptError, type Trace, type TraceComparison } from "../protocol/trace";
import { attachDiagnoses, buildTrace, RunRecorder, DEFAULT_MAX_OUTPUT_BYTES } from "./execute";
import { nodeIdOf, sample, type NameInfo } from "./summarize";
import type { WorkerRequest } from "./worker";

const placeOf = (loc: { line: number; column: number; cell?: number }): Place =>
  ({ line: loc.line, column: loc.column + 1, ...(loc.cell !== undefined ? { cell: loc.cell } : {}) });

export async function runPythonTrace(req: WorkerRequest, emit: (e: RunEvent) => void): Promise<Trace> {
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const source = req.source ?? fs.readFileSync(req.file, "utf8");
  const rec = new RunRecorder(emit, req.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
  const bindings = new Map<string, { value: unknown; place: Place }>();
  const names = new Map<number, NameInfo>();
  const valueBindings = new Map<string, PyBinding & { kind: "value" }>();
  let backwardRoot: Tensor | undefined;

  const saved = { ...inspector };
  inspector.retainAllGrads = true;
  inspector.maxElements = req.maxElements;
  inspector.onBackward = (root) => { backwardRoot = root; };
  inspector.onLog = (name, value, step) => rec.log(name, value, step);
  const { recorder, uninstall } = installDiagnosis(inspector, {
    describe: (t) => { const n = names.get(t.id); return n && { name: n.name, line: n.place.line }; },
  });
  let result: PythonRunResult;
  try {
    // load Pyodide first (a cold load takes seconds): the run's time limit starts after it
    await loadPython((message) => emit({ type: "phase", phase: "loading-python", message }));
    emit({ type: "phase", phase: "running" });
    result = await runPython(req.file, {
      source: req.source,
      cwd: req.cwd,
      workspace: req.workspace,
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
      onComparison: (c: PyComparison) => rec.comparison(comparisonRow(c, rec.comparisons.length, names)),
    });
  } finally {
    uninstall();
    for (const k of Object.keys(inspector) as (keyof typeof inspector)[]) delete inspector[k];
    Object.assign(inspector, saved);
    rec.flush();
  }
  attachDiagnoses(rec.comparisons, recorder, rec.notes);
  rec.notes.push(...result.notes);

  const tt = performance.now();
  const trace = buildTrace({
    file: req.file, source, documentVersion: req.documentVersion, startedAt, rec, bindings, names, backwardRoot,
    error: result.error ? scriptError(result) : undefined,
  });
  trace.status = result.status;
  trace.values = [...valueBindings.values()].map((b, i): NamedValue => ({
    kind: "value", id: i, name: b.name, ...placeOf(b.location),
    data: encodeNumber(b.data ?? NaN), grad: encodeNumber(b.grad ?? NaN), op: "",
  }));
  if (result.valueGraph && result.valueGraph.nodes.length) trace.graph = valueGraph(result);
  if (result.charts.length) trace.charts = result.charts;
  trace.timings = {
    totalMs: performance.now() - t0, prepareMs: result.timings.loadMs, runMs: result.timings.runMs, traceMs: performance.now() - tt,
  };
  return trace;
}

function comparisonRow(c: PyComparison, index: number, names: Map<number, NameInfo>): TraceComparison {
  const { manual, tensor } = c;
  const mv = manual ? manual._read() : undefined;
  const gv = tensor?.grad ? tensor.grad._read() : undefined;
  const diff = mv && gv && mv.length === gv.length && c.comparison.status !== "shape-mismatch" ? Float64Array.from(mv, (x, i) => x - gv[i]) : undefined;
  return {
    ...c.comparison, ...placeOf(c.location), index,
    manualName: manual ? names.get(manual.id)?.name : undefined,
    tensorName: tensor ? names.get(tensor.id)?.name : undefined,
    nodeId: tensor ? nodeIdOf(tensor) : undefined,
    manual: mv && manual ? sample(mv, manual.shape) : undefined,
    grad: gv && tensor?.grad ? sample(gv, tensor.grad.shape) : undefined,
    diff: diff && tensor?.grad ? sample(diff, tensor.grad.shape) : undefined,
  };
}

function scriptError(r: PythonRunResult): ScriptError {
  const e = r.error!;
  const kind: ScriptError["kind"] = e.kind === "syntax" ? "syntax" : e.kind === "cancelled" ? "cancelled" : e.kind === "internal" ? "internal"
    : e.type === "ModuleNotFoundError" || e.type === "ImportError" ? "import" : e.type === "MemoryError" ? "memory" : "runtime";
  return { kind, name: e.type, message: e.message, place: e.location ? placeOf(e.location) : undefined, stack: e.traceback };
}

/** micrograd: every Value node with its data and grad, edges from operands to results. */
function valueGraph(r: PythonRunResult): Graph {
  const g = r.valueGraph!;
  return {
    source: "values",
    nodes: g.nodes.map((n) => ({
      id: `v${n.id}`, kind: "value", label: n.name || n.op || "value", name: n.name || undefined, op: n.op || undefined,
      data: encodeNumber(n.data ?? NaN), grad: encodeNumber(n.grad ?? NaN), leaf: n.children.length === 0,
    })),
    edges: g.nodes.flatMap((n) => n.children.map((c) => ({ from: `v${c}`, to: `v${n.id}` }))),
    truncated: g.truncated,
  };
}
