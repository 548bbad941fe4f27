// "Check with finite differences": after a normal run, re-run the script's forward pass with one
// element of a named tensor nudged by ±h — in float64 (the nudged tensor is promoted, so everything
// computed from it is float64) — and compare (L(x+h) − L(x−h)) / 2h with autograd's gradient.
// Each probe stops at the script's first backward() call, whose root is the loss.
import * as fs from "node:fs";
import { inspector } from "../engine/inspect";
import { Tensor } from "../engine/tensor";
import { decodeNumber, type FiniteDifferenceReport, type Trace } from "../protocol/trace";
import { resetEngine, runPrepared, saveInspector, type BindingHook } from "./execute";
import { prepareScript, type PreparedScript } from "./instrument";

const STEP = 1e-4;
const REL_TOL = 1e-3, ABS_TOL = 1e-6;

class ProbeDone extends Error {}

/** The loss the script reaches with `name`'s element `flat` shifted by `delta` (float64). */
function probe(prepared: PreparedScript, file: string, name: string, flat: number, delta: number): number {
  let nudged = false;
  let loss: number | undefined;
  const hook: BindingHook = {
    bind(n, _line, _column, value) {
      if (n !== name || nudged || !(value instanceof Tensor)) return value;
      nudged = true;
      const x = value.detach().double();
      x._storage[flat] += delta;
      if (value.requires_grad) x.requires_grad_(true);
      return x;
    },
  };
  const restore = saveInspector();
  const savedLog = console.log;
  console.log = () => {};
  resetEngine(); // every probe sees the same random numbers as the first run
  inspector.onBackward = (root) => {
    loss = root.item();
    throw new ProbeDone();
  };
  try {
    runPrepared(prepared, file, hook);
  } catch (e) {
    if (!(e instanceof ProbeDone)) throw e;
  } finally {
    console.log = savedLog;
    restore();
  }
  if (!nudged) throw new Error(`'${name}' is never assigned in the script`);
  if (loss === undefined) throw new Error("the script never calls backward(), so there is no loss to differentiate");
  return loss;
}

/** Check `name`'s gradient from `trace` (a finished run of `file`) on up to `count` elements. */
export function finiteDifferenceCheck(file: string, trace: Trace, name: string, count = 6): FiniteDifferenceReport {
  if (trace.language !== "typescript" && trace.language !== "javascript") {
    return { name, error: "finite-difference checks work on TypeScript and JavaScript scripts" };
  }
  if (trace.status !== "ok") return { name, error: "the script must run without errors first" };
  const t = trace.tensors.find((x) => x.name === name);
  if (!t) return { name, error: `no tensor is bound to '${name}'` };
  if (!t.grad) return { name, error: `${name} has no gradient after the run (does the loss depend on it?)` };
  // one preparation serves every probe
  const prepared = prepareScript(fs.readFileSync(file, "utf8"), file);
  const cols = t.shape.length ? t.shape[t.shape.length - 1] : 1;
  const s = t.grad.sample;
  // the sampled window's largest gradients, plus a few spread through it
  const cells = Array.from({ length: s.rows * s.cols }, (_, i) => i);
  const magnitude = (i: number) => Math.abs(decodeNumber(s.values[i]));
  const biggest = [...cells].sort((a, b) => magnitude(b) - magnitude(a)).slice(0, Math.ceil(count / 2));
  const spread = Array.from({ length: count }, (_, k) => cells[Math.floor((k * cells.length) / count)]);
  const chosen = [...new Set([...biggest, ...spread])].slice(0, count);
  const values = t.value.sample;
  const samples = chosen.map((cell) => {
    const r = Math.floor(cell / s.cols), c = cell % s.cols;
    const flat = r * cols + c;
    const x = decodeNumber(values.values[r * values.cols + c]);
    const h = STEP * Math.max(1, Math.abs(x));
    const numeric = (probe(prepared, file, name, flat, h) - probe(prepared, file, name, flat, -h)) / (2 * h);
    const autograd = decodeNumber(s.values[cell]);
    const relError = Math.abs(autograd - numeric) / Math.max(Math.abs(numeric), ABS_TOL / REL_TOL);
    return { index: unflatten(flat, t.shape), autograd, numeric, relError };
  });
  const maxRelError = Math.max(...samples.map((x) => x.relError));
  return { name, step: STEP, samples, maxRelError, agrees: samples.every((x) => Math.abs(x.autograd - x.numeric) <= ABS_TOL + REL_TOL * Math.abs(x.numeric)) };
}

function unflatten(flat: number, shape: number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return out;
}
