// Run one TypeScript/JavaScript script in this thread (the runner's worker calls this) and build its
// Trace. Output, comparisons and logged series are also streamed as RunEvents while it runs.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { builtinModules, createRequire } from "node:module";
import * as path from "node:path";
import { format } from "node:util";
import * as vm from "node:vm";
import * as engine from "../engine/index";
import type { Comparison } from "../engine/cmp";
import { DEFAULT_SEED } from "../engine/random/generator";
import { Tensor } from "../engine/tensor";
import { Value } from "../engine/value";
import {
  TRACE_VERSION, encodeNumber,
  type Language, type NamedTensor, type OutputChunk, type Place, type RunEvent, type ScriptError, type Series,
  type Trace, type TraceComparison, type NonFiniteEvent, type Graph, MAX_GRAPH_NODES,
} from "../protocol/trace";
import { prepareScript, ScriptSyntaxError, WRAPPER_HEAD, type PreparedScript } from "./instrument";
import { autogradGraph, nodeIdOf, sampleDifferenceKept, sampleTensor, summarize, type NameInfo } from "./summarize";
import { watchRun, type RunWatch } from "./watch";

export interface ExecuteOptions {
  file: string;
  /** the text to run instead of the file on disk (unsaved editor contents) */
  source?: string;
  documentVersion?: number;
  /** receives output, comparisons and series points as they happen */
  emit?: (e: RunEvent) => void;
  /** shared cell the runner reads when it has to stop the script: [line, column] of the last binding */
  lastPlace?: Int32Array;
  /** output kept in the trace (the rest is counted, not kept) */
  maxOutputBytes?: number;
  /** the biggest single tensor allowed, in elements */
  maxElements?: number;
}

export const DEFAULT_MAX_OUTPUT_BYTES = 1 << 20;
const MAX_SERIES_POINTS = 10_000;
const FLUSH_MS = 100;

export const languageOf = (file: string): Language =>
  /\.ipynb$/i.test(file) ? "notebook" : /\.py$/i.test(file) ? "python" : /\.(c|m)?tsx?$/i.test(file) ? "typescript" : "javascript";

export const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/** Everything a run collects before it becomes a Trace (also what a cancelled run still has). */
export class RunRecorder {
  readonly output: OutputChunk[] = [];
  outputBytes = 0;
  droppedOutputBytes = 0;
  readonly comparisons: TraceComparison[] = [];
  readonly series = new Map<string, Series>();
  nonFinite?: NonFiniteEvent;
  readonly notes: string[] = [];
  private pendingSeries: RunEvent[] = [];
  private lastFlush = 0;

  constructor(private readonly emit: ((e: RunEvent) => void) | undefined, private readonly maxOutputBytes: number) {}

  write(stream: OutputChunk["stream"], text: string): void {
    const bytes = Buffer.byteLength(text);
    if (this.outputBytes + bytes > this.maxOutputBytes) {
      this.droppedOutputBytes += bytes;
      return;
    }
    this.outputBytes += bytes;
    const last = this.output[this.output.length - 1];
    if (last && last.stream === stream && last.text.length < 4096) last.text += text;
    else this.output.push({ stream, text });
    this.emit?.({ type: "output", chunk: { stream, text } });
  }

  comparison(c: TraceComparison): void {
    this.comparisons.push(c);
    // the live event is for progress and a stopped run's rows: its samples would cost a clone per cmp
    const { manual: _m, grad: _g, diff: _d, ...row } = c;
    this.emit?.({ type: "comparison", comparison: row });
  }

  /** The run's first NaN/Inf: the op that made it and where the script was (`place`, asked once). */
  noteNonFinite(t: Tensor, op: string, place: () => Place | undefined): void {
    if (this.nonFinite) return;
    const v = t._read();
    let kind: "nan" | "inf" = "inf";
    for (let i = 0; i < v.length; i++) if (v[i] !== v[i]) { kind = "nan"; break; }
    this.nonFinite = { op, kind, tensorId: t.id, place: place() };
  }

  log(name: string, value: number, step: number | undefined): void {
    let s = this.series.get(name);
    if (!s) this.series.set(name, (s = { name, steps: [], values: [] }));
    const at = step ?? s.steps.length;
    s.steps.push(at);
    s.values.push(encodeNumber(value));
    if (this.emit) {
      this.pendingSeries.push({ type: "series", name, step: at, value: encodeNumber(value) });
      const now = Date.now();
      if (now - this.lastFlush > FLUSH_MS) this.flush(now);
    }
  }

  flush(now = Date.now()): void {
    this.lastFlush = now;
    // a long run logs every step: send the latest point of each series per flush
    const latest = new Map<string, RunEvent>();
    for (const e of this.pendingSeries) if (e.type === "series") latest.set(e.name, e);
    this.pendingSeries = [];
    for (const e of latest.values()) this.emit?.(e);
  }

  /** Series downsampled to at most MAX_SERIES_POINTS (the last point always kept). */
  seriesList(): Series[] {
    return [...this.series.values()].map((s) => {
      if (s.steps.length <= MAX_SERIES_POINTS) return s;
      const k = Math.ceil(s.steps.length / MAX_SERIES_POINTS);
      const keep = (_: unknown, i: number) => i % k === 0 || i === s.steps.length - 1;
      return { name: s.name, steps: s.steps.filter(keep), values: s.values.filter(keep) };
    });
  }
}

/** Matches `file:line:column` in a stack frame of the user's file. */
function frameRegex(file: string): RegExp {
  return new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:(\\d+):(\\d+)`);
}

/** The innermost frame of `stack` that is in the user's file, mapped to their source. */
export function userPlace(stack: string | undefined, file: string, prepared: PreparedScript | undefined): Place | undefined {
  if (!stack || !prepared) return undefined;
  const re = frameRegex(file);
  for (const line of stack.split("\n")) {
    const m = re.exec(line);
    if (m) return prepared.toOriginal(Number(m[1]), Number(m[2]) - 1);
  }
  return undefined;
}

const callSites = (_: Error, sites: NodeJS.CallSite[]) => sites;

/**
 * Where the user's code is in the current call stack (the innermost frame in their file): what
 * userPlace(new Error().stack, …) finds, from V8's call sites instead of a formatted stack (a cmp
 * row or the first NaN pays ~0.15 ms less).
 */
export function callerPlace(file: string, prepared: PreparedScript | undefined): Place | undefined {
  if (!prepared) return undefined;
  // the user's frame is usually a few calls up (hook → cmp → the script): look at that many frames
  // first, and at the whole stack only when it is further away
  return userFrame(file, prepared, NEAR_FRAMES) ?? userFrame(file, prepared, Error.stackTraceLimit);
}

/** A cmp call or an op that the script made itself sits this many frames above callerPlace. */
const NEAR_FRAMES = 6;

function userFrame(file: string, prepared: PreparedScript, frames: number): Place | undefined {
  const saved = Error.prepareStackTrace, savedLimit = Error.stackTraceLimit;
  Error.prepareStackTrace = callSites;
  Error.stackTraceLimit = frames;
  let sites: NodeJS.CallSite[];
  try {
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, callerPlace);
    sites = holder.stack as NodeJS.CallSite[];
  } finally {
    Error.prepareStackTrace = saved;
    Error.stackTraceLimit = savedLimit;
  }
  if (!Array.isArray(sites)) return undefined;
  for (const s of sites) {
    if (s.getFileName() !== file) continue;
    const line = s.getLineNumber(), column = s.getColumnNumber();
    if (line !== null && column !== null) return prepared.toOriginal(line, column - 1);
  }
  return undefined;
}

/** The stack rewritten in the user's terms: their frames only, at their lines. */
function userStack(err: Error, file: string, prepared: PreparedScript | undefined): string {
  const lines = (err.stack ?? String(err)).split("\n");
  const head = lines.filter((l) => !/^\s+at /.test(l));
  const frames: string[] = [];
  const re = frameRegex(file);
  for (const l of lines) {
    const m = re.exec(l);
    if (!m || !prepared) continue;
    const p = prepared.toOriginal(Number(m[1]), Number(m[2]) - 1);
    if (p) frames.push(l.replace(re, `${file}:${p.line}:${p.column}`));
  }
  return [...head, ...frames].join("\n");
}

function errorKind(err: Error): ScriptError["kind"] {
  if (err instanceof ScriptSyntaxError || err.name === "SyntaxError") return "syntax";
  if ((err as { code?: string }).code === "MODULE_NOT_FOUND") return "import";
  if (err instanceof RangeError && /allocation|Invalid typed array length|Array buffer/i.test(err.message)) return "memory";
  if (err.name === "TorchError" && /size of tensor|shape|cannot be multiplied|broadcast/i.test(err.message)) return "shape";
  return "runtime";
}

const ALLOWED_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** require() for user scripts: the engine under its public name, Node built-ins, and files next to them. */
export function makeRequire(file: string): NodeRequire {
  const real = createRequire(file);
  const cache = new Map<string, unknown>();
  const req = ((id: string) => {
    if (id === "backprop-ninja") return engine;
    if (ALLOWED_BUILTINS.has(id)) return real(id);
    if (id.startsWith(".") || path.isAbsolute(id)) {
      const resolved = resolveLocal(path.resolve(path.dirname(file), id));
      if (resolved) {
        if (!cache.has(resolved)) cache.set(resolved, loadLocal(resolved));
        return cache.get(resolved);
      }
    }
    const e = new Error(`Cannot find module '${id}': scripts can import "backprop-ninja", Node built-ins and files next to them`);
    (e as { code?: string }).code = "MODULE_NOT_FOUND";
    throw e;
  }) as NodeRequire;
  return req;
}

function resolveLocal(base: string): string | undefined {
  for (const ext of ["", ".ts", ".js", ".mjs", ".cjs", ".mts", "/index.ts", "/index.js"]) {
    if (fs.existsSync(base + ext) && fs.statSync(base + ext).isFile()) return base + ext;
  }
  return undefined;
}

function loadLocal(file: string): unknown {
  const prepared = prepareScript(fs.readFileSync(file, "utf8"), file, false);
  return runPrepared(prepared, file, { bind: (_n, _l, _c, v) => v });
}

/** What instrumented code calls at every binding; returns the value the variable gets. */
export interface BindingHook {
  bind(name: string, line: number, column: number, value: unknown): unknown;
}

/** Run a prepared script in this thread as a CommonJS module; returns its exports. */
export function runPrepared(prepared: PreparedScript, file: string, hook: BindingHook): unknown {
  const fn = new vm.Script(WRAPPER_HEAD + prepared.code + "\n})", { filename: file, lineOffset: -1 }).runInThisContext();
  const module = { exports: {} };
  fn(module.exports, makeRequire(file), module, file, path.dirname(file), hook);
  return module.exports;
}

/** A reused worker starts every run like a fresh process: grad mode on, global generator reseeded. */
export function resetEngine(): void {
  engine.torch.set_grad_enabled(true);
  engine.torch.manual_seed(DEFAULT_SEED);
}

const placeOfName = (n: NameInfo | undefined): Place | undefined => (n ? { ...n.place } : undefined);

/** A cmp call as a trace row: where it was made, the names involved, samples taken now. */
export function comparisonRow(c: Comparison, place: Place, index: number, manual: Tensor | null | undefined, t: Tensor | null | undefined, names: Map<number, NameInfo>): TraceComparison {
  const mv = manual ? manual._read() : undefined;
  const gv = t?.grad ? t.grad._read() : undefined;
  const hasDiff = mv && gv && mv.length === gv.length && c.status !== "shape-mismatch";
  return {
    ...c, ...place, index,
    manualName: manual ? names.get(manual.id)?.name : undefined,
    manualPlace: manual ? placeOfName(names.get(manual.id)) : undefined,
    tensorName: t ? names.get(t.id)?.name : undefined,
    nodeId: t ? nodeIdOf(t) : undefined,
    // slots: the same row of a re-run (its samples are re-used while the values are the same)
    manual: mv && manual ? sampleTensor(manual, mv, true, `cmp${index}:${c.name}:manual`) : undefined,
    grad: gv && t?.grad ? sampleTensor(t.grad, gv, true, `cmp${index}:${c.name}:grad`) : undefined,
    diff: hasDiff && t?.grad ? sampleDifferenceKept(mv, gv, t.grad.shape, `cmp${index}:${c.name}:diff`) : undefined,
  };
}

/** Run the script to completion (or error) and return its trace. */
export function executeScript(opts: ExecuteOptions): Trace {
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const file = path.resolve(opts.file);
  const source = opts.source ?? fs.readFileSync(file, "utf8");
  const rec = new RunRecorder(opts.emit, opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);

  // name → latest binding; tensor id → the name it was last bound to
  const bindings = new Map<string, { value: unknown; place: Place }>();
  const names = new Map<number, NameInfo>();
  const valueBindings = new Map<string, { value: Value; place: Place }>();
  let prepared: PreparedScript | undefined;
  let watch: RunWatch | undefined;
  let error: ScriptError | undefined;
  let prepareMs = 0, runMs = 0;

  const bpn: BindingHook = {
    bind(name, line, column, value) {
      if (opts.lastPlace) { opts.lastPlace[0] = line; opts.lastPlace[1] = column; }
      if (value instanceof Tensor) {
        const place = { line, column };
        bindings.set(name, { value, place });
        names.set(value.id, { name, place });
      } else if (value instanceof Value) {
        valueBindings.set(name, { value, place: { line, column } });
      }
      return value;
    },
  };

  const savedConsole = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug };
  const out = (stream: OutputChunk["stream"]) => (...args: unknown[]) => rec.write(stream, format(...args) + "\n");
  try {
    const tp = performance.now();
    try {
      prepared = prepareScript(source, file);
    } finally {
      prepareMs = performance.now() - tp;
    }
    watch = watchRun(rec, names, opts.maxElements, {
      nonFinite: (t, op) => rec.noteNonFinite(t, op, () => callerPlace(file, prepared)),
      comparison: (c, manual, t) => {
        const place = callerPlace(file, prepared) ?? { line: 0, column: 0 };
        rec.comparison(comparisonRow(c, place, rec.comparisons.length, manual instanceof Tensor ? manual : null, t instanceof Tensor ? t : null, names));
      },
    }, languageOf(file));
    for (const k of Object.keys(savedConsole) as (keyof typeof savedConsole)[]) {
      console[k] = out(k === "error" || k === "warn" ? "stderr" : "stdout");
    }
    opts.emit?.({ type: "phase", phase: "running" });
    const tr = performance.now();
    try {
      runPrepared(prepared, file, bpn);
    } finally {
      runMs = performance.now() - tr;
    }
  } catch (e) {
    let err = e instanceof Error ? e : new Error(String(e));
    if (err.name === "SyntaxError" && prepared?.reusedParse) {
      // an early error acorn reports only with the whole program (e.g. a name declared twice): the
      // full parse gives the same error a preparation without the previous parse would have given
      try {
        prepareScript(source, file, true, false);
      } catch (full) {
        if (full instanceof Error) err = full;
      }
    }
    error = {
      kind: errorKind(err),
      name: err.name,
      message: err.message,
      place: err instanceof ScriptSyntaxError ? err.place : userPlace(err.stack, file, prepared),
      stack: err instanceof ScriptSyntaxError ? undefined : userStack(err, file, prepared),
    };
  } finally {
    Object.assign(console, savedConsole);
    watch?.dispose();
    rec.flush();
  }

  watch?.diagnose();
  const tt = performance.now();
  const trace = buildTrace({
    file, source, documentVersion: opts.documentVersion, startedAt, rec, bindings, names, backwardRoot: watch?.root, error,
  });
  if (valueBindings.size) addValues(trace, valueBindings);
  trace.timings = { totalMs: performance.now() - t0, prepareMs, runMs, traceMs: performance.now() - tt };
  return trace;
}

interface TraceParts {
  file: string;
  source: string;
  documentVersion?: number;
  startedAt: string;
  rec: RunRecorder;
  bindings: Map<string, { value: unknown; place: Place }>;
  names: Map<number, NameInfo>;
  backwardRoot?: Tensor;
  error?: ScriptError;
}

export function buildTrace(p: TraceParts): Trace {
  const tensors: NamedTensor[] = [];
  for (const [name, { value, place }] of p.bindings) {
    if (!(value instanceof Tensor)) continue;
    tensors.push({
      kind: "tensor", id: value.id, name, ...place, shape: value.shape, dtype: value.dtype,
      requiresGrad: value.requires_grad, isLeaf: value.is_leaf, gradFn: value.grad_fn?.name(),
      value: summarize(value, `${name}:value`), grad: value.grad ? summarize(value.grad, `${name}:grad`) : undefined,
    });
  }
  const byName = new Set(tensors.map((t) => t.name));
  for (const t of tensors) {
    if (t.name.startsWith("d") && byName.has(t.name.slice(1))) t.pair = t.name.slice(1);
    else if (byName.has("d" + t.name)) t.pair = "d" + t.name;
  }
  const named = tensors.map((t) => p.bindings.get(t.name)!.value as Tensor).filter((t) => t.requires_grad);
  const graph = p.backwardRoot
    ? autogradGraph([p.backwardRoot], p.names, "backward", p.backwardRoot)
    : named.length ? autogradGraph(named, p.names, "named") : null;
  if (graph) {
    const ids = new Set(graph.nodes.map((n) => n.id));
    for (const t of tensors) {
      const tensor = p.bindings.get(t.name)!.value as Tensor;
      const id = nodeIdOf(tensor);
      if (ids.has(id) && graph.nodes.find((n) => n.id === id)?.tensorId === tensor.id) t.nodeId = id;
    }
  }
  if (p.rec.nonFinite) p.rec.nonFinite.name = p.names.get(p.rec.nonFinite.tensorId)?.name;
  return {
    version: TRACE_VERSION,
    file: p.file,
    language: languageOf(p.file),
    sourceHash: sha256(p.source),
    documentVersion: p.documentVersion,
    status: p.error ? "error" : "ok",
    startedAt: p.startedAt,
    timings: { totalMs: 0, prepareMs: 0, runMs: 0, traceMs: 0 },
    tensors,
    values: [],
    graph,
    comparisons: p.rec.comparisons,
    output: p.rec.output,
    outputTruncated: p.rec.droppedOutputBytes > 0,
    droppedOutputBytes: p.rec.droppedOutputBytes,
    series: p.rec.seriesList(),
    nonFinite: p.rec.nonFinite,
    error: p.error,
    notes: p.rec.notes,
  };
}

/**
 * micrograd Values bound to names, and — when no tensor backward was drawn — the graph of the
 * Value backward() ran from, with data and grad on every node, capped near the root.
 */
function addValues(trace: Trace, bound: Map<string, { value: Value; place: Place }>): void {
  const nameOf = new Map<number, string>();
  for (const [name, { value }] of bound) nameOf.set(value.id, name);
  trace.values = [...bound].map(([name, { value, place }]) => ({
    kind: "value", id: value.id, name, ...place, data: encodeNumber(value.data), grad: encodeNumber(value.grad),
    op: value.op, nodeId: `v${value.id}`,
  }));
  if (trace.graph) return;
  // backward() seeds its root's grad with 1: the latest such Value is the loss that was drawn from
  const candidates = [...bound.values()].map((b) => b.value);
  const root = candidates.reverse().find((v) => v.grad === 1 && v.op !== "") ?? candidates[0];
  if (!root) return;
  const g = Value.graph(root);
  const nodes = g.nodes.slice(-MAX_GRAPH_NODES);
  const kept = new Set(nodes.map((n) => n.id));
  const graph: Graph = {
    source: "values",
    nodes: nodes.map((n) => {
      const name = nameOf.get(n.id) ?? n.label;
      return {
        id: `v${n.id}`, kind: "value", label: name ?? (n.op || "value"), name, op: n.op || undefined,
        data: encodeNumber(n.data), grad: encodeNumber(n.grad), leaf: !g.edges.some((e) => e.to === n.id),
      };
    }),
    edges: g.edges.filter((e) => kept.has(e.from) && kept.has(e.to)).map((e) => ({ from: `v${e.from}`, to: `v${e.to}` })),
    root: `v${root.id}`,
    truncated: nodes.length < g.nodes.length,
  };
  trace.graph = graph;
}
