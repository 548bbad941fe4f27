// cmp(name, manual, t): the notebook's gradient check as a first-class result. The same Comparison
// object feeds the printed line, the CLI table, the trace and the panel.
import { TorchError, fmtShape } from "./errors";
import { pyBool, pyFloatRepr } from "./format";
import { inspector } from "./inspect";
import { numelOf, sameShape } from "./shape";
import { sameBytes } from "./dtype";
import { Tensor } from "./tensor";

export type ComparisonStatus = "exact" | "approximate" | "wrong" | "shape-mismatch" | "no-grad" | "not-written";

export interface Comparison {
  name: string;
  /** every element of the manual gradient equals t.grad */
  exact: boolean;
  /** allclose(manual, t.grad, rtol=1e-5, atol=1e-8) */
  approximate: boolean;
  /** max |manual − t.grad| (computed in the tensors' dtype); null when not comparable or NaN */
  maxdiff: number | null;
  manualShape: number[] | null;
  gradShape: number[] | null;
  status: ComparisonStatus;
  /** why the comparison could not be made, in plain words */
  message?: string;
  /** engine ids of the two tensors (the manual gradient and the tensor whose .grad was compared) */
  manualId?: number;
  tensorId?: number;
}

export const CMP_RTOL = 1e-5;
export const CMP_ATOL = 1e-8;

function whyNoGrad(name: string, t: Tensor): string {
  return noGradMessage(name, t.requires_grad, !t.is_leaf && !t.retains_grad && !inspector.retainAllGrads);
}

/** Why `name.grad` is None, in plain words (also for PyTorch's tensors: src/runner/nativePython.ts). */
export function noGradMessage(name: string, requiresGrad: boolean, nonLeafNotRetained: boolean): string {
  if (!requiresGrad) return `${name} does not require grad, so autograd has no gradient to compare with`;
  if (nonLeafNotRetained) return `${name}.grad is None: ${name} is not a leaf; call ${name}.retain_grad() before loss.backward()`;
  return `${name}.grad is None: call loss.backward() before comparing`;
}

/** The manual gradient's shape vs the grad's, when they cannot be judged element by element. */
export function shapeMismatch(name: string, manual: readonly number[], grad: readonly number[]): Pick<Comparison, "status" | "message"> | undefined {
  if (sameShape(manual, grad) || broadcastsInPlace(manual, grad)) return undefined;
  return { status: "shape-mismatch", message: `manual gradient has shape ${fmtShape(manual)} but ${name}.grad has shape ${fmtShape(grad)}` };
}

/** The note of a row whose shapes differ only by size-1 dimensions (undefined when they are alike). */
export function shapeNote(name: string, manual: readonly number[], grad: readonly number[], status: ComparisonStatus): string | undefined {
  return sameShape(manual, grad) ? undefined : sizeOneNote(name, manual, grad, status);
}

export function compareGradients(name: string, manual: Tensor | null | undefined, t: Tensor | null | undefined): Comparison {
  const base = { name, exact: false, approximate: false, maxdiff: null, manualShape: manual instanceof Tensor ? manual.shape : null, gradShape: t?.grad ? t.grad.shape : null, manualId: manual instanceof Tensor ? manual.id : undefined, tensorId: t instanceof Tensor ? t.id : undefined };
  if (manual === null || manual === undefined) {
    return { ...base, status: "not-written", message: `d${name.replace(/^d/, "")} is not written yet` };
  }
  if (!(manual instanceof Tensor)) throw new TorchError(`cmp('${name}'): the manual gradient must be a Tensor, got ${typeof manual}`);
  if (!(t instanceof Tensor)) throw new TorchError(`cmp('${name}'): the third argument must be the Tensor whose .grad to compare, got ${t === null ? "null" : typeof t}`);
  const grad = t.grad;
  if (!grad) return { ...base, status: "no-grad", message: whyNoGrad(name, t) };
  // [64] vs [1, 64]: PyTorch's own cmp (==, allclose) pairs their elements one to one, so the values
  // are judged; shapes that would broadcast to more elements ([32, 1] vs [32]) are a mismatch
  const mismatch = shapeMismatch(name, manual._shape, grad._shape);
  if (mismatch) return { ...base, ...mismatch };
  const verdict = compareValues(manual, grad);
  const note = shapeNote(name, manual._shape, grad._shape, verdict.status);
  return note ? { ...base, ...verdict, message: note } : { ...base, ...verdict };
}

/**
 * Both shapes broadcast to one that has as many elements as each (they differ only by size-1
 * dimensions, e.g. [64] and [1, 64]): their elements then pair up in the same flat order.
 */
export function broadcastsInPlace(a: readonly number[], b: readonly number[]): boolean {
  const n = Math.max(a.length, b.length);
  let size = 1;
  for (let i = 1; i <= n; i++) {
    const da = a[a.length - i] ?? 1, db = b[b.length - i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return false;
    size *= Math.max(da, db);
  }
  return size === numelOf(a) && size === numelOf(b);
}

/** Why a [64]-vs-[1, 64] row still has a value verdict, and how to make the shapes alike. */
function sizeOneNote(name: string, manual: readonly number[], grad: readonly number[], status: ComparisonStatus): string {
  const verdict = status === "wrong" ? "compared element by element after broadcasting" : "equal after broadcasting";
  const how = manual.length < grad.length
    ? "a sum with keepdim keeps the shapes alike"
    : `${fmtShape(grad)} is ${name}'s own shape (a sum without keepdim, or .view, gives it)`;
  return `manual gradient ${fmtShape(manual)} vs ${name}.grad ${fmtShape(grad)}: ${verdict}; ${how}`;
}

/** exact / approximate / maxdiff of two tensors with the same number of elements, in flat order. */
function compareValues(manual: Tensor, grad: Tensor): Pick<Comparison, "exact" | "approximate" | "maxdiff" | "status"> {
  const a = manual._read(), b = grad._read();
  // the usual verdict of a finished exercise: the same bits, all finite (a NaN is not exact, and
  // ±Inf − ±Inf makes maxdiff NaN: those take the loop below)
  if (manual.dtype === grad.dtype && sameBytes(a, b) && allFinite(a)) {
    return { exact: true, approximate: true, maxdiff: 0, status: "exact" };
  }
  const round = manual.dtype === "float32" && grad.dtype === "float32" ? Math.fround : (v: number) => v;
  let exact = true, approximate = true, maxdiff = 0, sawNaN = false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    if (x !== y) exact = false;
    const d = Math.abs(round(x - y));
    if (!(d <= CMP_ATOL + CMP_RTOL * Math.abs(y)) && x !== y) approximate = false;
    if (d !== d) sawNaN = true;
    else if (d > maxdiff) maxdiff = d;
  }
  const status = exact ? "exact" : approximate ? "approximate" : "wrong";
  return { exact, approximate, maxdiff: sawNaN ? null : maxdiff, status };
}

function allFinite(v: ArrayLike<number>): boolean {
  for (let i = 0; i < v.length; i++) if (v[i] - v[i] !== 0) return false;
  return true;
}

/** `logprobs        | exact: True  | approximate: True  | maxdiff: 0.0` */
export function formatComparison(c: Comparison): string {
  const head = c.name.padEnd(15);
  switch (c.status) {
    case "exact":
    case "approximate":
    case "wrong":
      return `${head} | exact: ${pyBool(c.exact).padEnd(5)} | approximate: ${pyBool(c.approximate).padEnd(5)} | maxdiff: ${c.maxdiff === null ? "nan" : pyFloatRepr(c.maxdiff)}`;
    case "shape-mismatch":
      return `${head} | shape mismatch: manual ${fmtShape(c.manualShape ?? [])} vs grad ${fmtShape(c.gradShape ?? [])}`;
    case "no-grad":
      return `${head} | no gradient: ${c.message}`;
    case "not-written":
      return `${head} | not written yet`;
  }
}

/** The notebook's cmp: prints one line and returns the comparison. */
export function cmp(name: string, manual: Tensor | null | undefined, t: Tensor | null | undefined): Comparison {
  const c = compareGradients(name, manual, t);
  console.log(formatComparison(c));
  inspector.onComparison?.(c, manual, t);
  return c;
}
