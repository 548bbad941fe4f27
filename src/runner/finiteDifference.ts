// "Check with finite differences": after a normal run, re-run the script's forward pass with one
// element of a named tensor nudged by ±h — in float64 (the nudged tensor is promoted, so everything
// computed from it is float64) — and compare (L(x+h) − L(x−h)) / 2h with autograd's gradient.
// Each probe stops at the script's first backward() call, whose root is the loss. The sampling and
// the verdict are here for every language; only the probe (ShiftedLoss) is language-specific:
// TypeScript/JavaScript below, Python in src/python/probe.ts; a tensor in hand (tests) also works.
import * as fs from "node:fs";
import { inspector } from "../engine/inspect";
import { Tensor } from "../engine/tensor";
import { unravel } from "../diagnosis/numeric";
import { decodeNumber, type FiniteDifferenceReport, type FiniteDifferenceSample, type Sample, type Trace } from "../protocol/trace";
import { resetEngine, runPrepared, type BindingHook } from "./sandbox";
import { prepareScript } from "./instrument";

const STEP = 1e-4;
const REL_TOL = 1e-3, ABS_TOL = 1e-6;

/** The loss the script reaches with element `flat` (row-major) of the checked tensor shifted by `delta`. */
export type ShiftedLoss = (flat: number, delta: number) => number;

/** What a probe binds instead of the tensor's first value: a float64 copy of it, element `flat` shifted. */
export function nudged(value: Tensor, flat: number, delta: number): Tensor {
  const x = value.detach().double().clone(); // a copy of its own: the original's storage stays as it was
  x._storage[flat] += delta;
  if (value.requires_grad) x.requires_grad_(true);
  return x;
}

class ProbeDone extends Error {}

/** TypeScript/JavaScript probes: the script prepared once, each probe a muted run of it in this thread. */
export function typescriptShiftedLoss(file: string, name: string, source?: string): ShiftedLoss {
  const prepared = prepareScript(source ?? fs.readFileSync(file, "utf8"), file);
  return (flat, delta) => {
    let bound = false;
    let loss: number | undefined;
    const hook: BindingHook = {
      bind(n, _line, _column, value) {
        if (n !== name || bound || !(value instanceof Tensor)) return value;
        bound = true;
        return nudged(value, flat, delta);
      },
    };
    const savedLog = console.log;
    console.log = () => {};
    resetEngine(); // every probe sees the same random numbers as the first run
    const stopping = inspector.on("backward", (root) => {
      loss = root.item();
      throw new ProbeDone();
    });
    try {
      runPrepared(prepared, file, hook);
    } catch (e) {
      if (!(e instanceof ProbeDone)) throw e;
    } finally {
      console.log = savedLog;
      stopping.dispose();
    }
    if (!bound) throw new Error(`'${name}' is never assigned in the script`);
    if (loss === undefined) throw new Error("the script never calls backward(), so there is no loss to differentiate");
    return loss;
  };
}

/**
 * Check `name`'s gradient from `trace` (a finished run) on up to `count` elements of its sampled
 * window; `probe` makes the language's ShiftedLoss, once the trace shows there is something to check.
 * When a cmp compared the learner's gradient of `name`, its manual values at the same elements come too.
 */
export async function finiteDifferenceCheck(
  trace: Trace, name: string, probe: () => ShiftedLoss | Promise<ShiftedLoss>, count = 6,
): Promise<FiniteDifferenceReport> {
  if (trace.status !== "ok") return { name, error: "the script must run without errors first" };
  const t = trace.tensors.find((x) => x.name === name);
  if (!t) return { name, error: `no tensor is bound to '${name}'` };
  if (!t.grad) return { name, error: `${name} has no gradient after the run (does the loss depend on it?)` };
  const loss = await probe();
  const cols = t.shape.length ? t.shape[t.shape.length - 1] : 1;
  const s = t.grad.sample, values = t.value.sample;
  const mine = manualOf(trace, name, t.shape);
  const m = mine?.sample;
  const cells = pick(s.rows * s.cols, (i) => Math.abs(decodeNumber(s.values[i])), count);
  const report = compare(name, t.shape, loss, cells.map((cell) => {
    const r = Math.floor(cell / s.cols), c = cell % s.cols;
    const manual = m && r < m.rows && c < m.cols ? decodeNumber(m.values[r * m.cols + c]) : undefined;
    return { flat: r * cols + c, x: decodeNumber(values.values[r * values.cols + c]), autograd: decodeNumber(s.values[cell]), manual };
  }));
  return mine && report.samples ? { ...report, manualName: mine.name } : report;
}

/** The learner's gradient of `name` as the run's last cmp of it sampled it (same shape only), and its name. */
function manualOf(trace: Trace, name: string, shape: number[]): { name: string; sample: Sample } | undefined {
  const row = trace.comparisons.findLast((c) => (c.tensorName ?? c.name) === name);
  if (!row?.manual || row.status === "shape-mismatch" || row.manualShape?.join() !== shape.join()) return undefined;
  return { name: row.manualName ?? `d${name}`, sample: row.manual };
}

/** The same check for a tensor in hand: `grad` is the gradient to check, `loss` nudges `x`'s elements. */
export function tensorFiniteDifferenceCheck(name: string, x: Tensor, grad: Tensor, loss: ShiftedLoss, count = 6): FiniteDifferenceReport {
  const xs = x.toArray(), gs = grad.toArray();
  const flats = pick(gs.length, (i) => Math.abs(gs[i]), count);
  return compare(name, x.shape, loss, flats.map((flat) => ({ flat, x: xs[flat], autograd: gs[flat] })));
}

/** Up to `count` of `n` candidates: the largest |gradient| ones, plus a few spread through them. */
function pick(n: number, magnitude: (i: number) => number, count: number): number[] {
  const cells = Array.from({ length: n }, (_, i) => i);
  const biggest = [...cells].sort((a, b) => magnitude(b) - magnitude(a)).slice(0, Math.ceil(count / 2));
  const spread = Array.from({ length: count }, (_, k) => cells[Math.floor((k * cells.length) / count)]);
  return [...new Set([...biggest, ...spread])].slice(0, count);
}

/**
 * Central differences at each element (`flat`: row-major index, `x`: its value) against autograd's
 * gradient and, when given, the learner's (`manual`); each element's verdicts are withinTolerance's.
 */
function compare(
  name: string, shape: number[], loss: ShiftedLoss,
  elements: { flat: number; x: number; autograd: number; manual?: number }[],
): FiniteDifferenceReport {
  const samples = elements.map(({ flat, x, autograd, manual }) => {
    const h = STEP * Math.max(1, Math.abs(x));
    const numeric = (loss(flat, h) - loss(flat, -h)) / (2 * h);
    const relError = Math.abs(autograd - numeric) / Math.max(Math.abs(numeric), ABS_TOL / REL_TOL);
    const sample: FiniteDifferenceSample = { index: unravel(flat, shape), autograd, numeric, relError, agrees: withinTolerance(autograd, numeric) };
    return manual === undefined ? sample : { ...sample, manual, manualAgrees: withinTolerance(manual, numeric) };
  });
  const maxRelError = Math.max(...samples.map((x) => x.relError));
  return {
    name, step: STEP, tolerance: { relative: REL_TOL, absolute: ABS_TOL }, samples, maxRelError, agrees: samples.every((x) => x.agrees),
  };
}

/** The check's verdict on one element, and the one place its tolerance is: relative 1e-3 of the numeric derivative, plus absolute 1e-6. */
export function withinTolerance(value: number, numeric: number): boolean {
  return Math.abs(value - numeric) <= ABS_TOL + REL_TOL * Math.abs(numeric);
}
