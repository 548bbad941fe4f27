// Run one TypeScript/JavaScript script in this thread (the runner's worker calls this) and build its
// Trace. Output, comparisons and logged series are also streamed as RunEvents while it runs.
import * as fs from "node:fs";
import * as path from "node:path";
import { format } from "node:util";
import { Tensor } from "../engine/tensor";
import { Value } from "../engine/value";
import type { OutputChunk, Place, RunEvent, ScriptError, Trace } from "../protocol/trace";
import { prepareScript, ScriptSyntaxError, type PreparedScript } from "./instrument";
import { DEFAULT_MAX_OUTPUT_BYTES, RunRecorder } from "./record";
import { runPrepared, type BindingHook } from "./sandbox";
import { callerPlace, userPlace, userStack } from "./stack";
import { addValues, buildTrace, comparisonRow, languageOf } from "./trace";
import { watchRun, type RunWatch } from "./watch";
import type { NameInfo } from "./summarize";

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
  // micrograd backward() roots, the latest per call site (a training loop's backward is one root)
  const backwardRoots = new Map<string, { value: Value; place?: Place }>();
  const valueBackward = Value.prototype.backward;
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
    Value.prototype.backward = function (this: Value) {
      const place = callerPlace(file, prepared);
      backwardRoots.set(place ? `${place.line}:${place.column}` : "", { value: this, place });
      valueBackward.call(this);
    };
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
    Value.prototype.backward = valueBackward;
    watch?.dispose();
    rec.flush();
  }

  watch?.diagnose();
  const tt = performance.now();
  const trace = buildTrace({
    file, source, documentVersion: opts.documentVersion, startedAt, rec, bindings, names, backwardRoot: watch?.root, error,
  });
  if (valueBindings.size || backwardRoots.size) addValues(trace, valueBindings, [...backwardRoots.values()]);
  trace.timings = { totalMs: performance.now() - t0, prepareMs, runMs, traceMs: performance.now() - tt };
  return trace;
}

function errorKind(err: Error): ScriptError["kind"] {
  if (err instanceof ScriptSyntaxError || err.name === "SyntaxError") return "syntax";
  if ((err as { code?: string }).code === "MODULE_NOT_FOUND") return "import";
  if (err instanceof RangeError && /allocation|Invalid typed array length|Array buffer/i.test(err.message)) return "memory";
  if (err.name === "TorchError" && /size of tensor|shape|cannot be multiplied|broadcast/i.test(err.message)) return "shape";
  return "runtime";
}
