// Turning engine objects into trace data: stats and capped samples of tensors, and the autograd
// graph (walked iteratively, capped) with the user's names on its nodes.
import type { GradFn } from "../engine/autograd";
import { Tensor } from "../engine/tensor";
import { sameBytes } from "../engine/dtype";
import { sameShape } from "../engine/shape";
import {
  MAX_GRAPH_NODES, MAX_SAMPLE_COLS, MAX_SAMPLE_ROWS, decodeNumber, encodeNumber,
  type Graph, type GraphEdge, type GraphNode, type JsonNumber, type Place, type Sample, type Stats, type TensorSummary, type Trace,
} from "../protocol/trace";

export function stats(values: ArrayLike<number>): Stats {
  // fast path: one branch-light pass; the sum stays finite only when every value is finite (a NaN
  // or ±Inf, or an overflow, makes it NaN/±Inf), and then the counts are known without testing each
  let min = Infinity, max = -Infinity, sum = 0;
  const len = values.length;
  for (let i = 0; i < len; i++) {
    const v = values[i];
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (sum - sum !== 0) return statsWithNonFinite(values);
  if (!len) return { min: null, max: null, mean: null, std: null, nanCount: 0, infCount: 0, numel: 0 };
  const mean = sum / len;
  let sq = 0;
  for (let i = 0; i < len; i++) { const d = values[i] - mean; sq += d * d; }
  return { min, max, mean, std: Math.sqrt(sq / len), nanCount: 0, infCount: 0, numel: len };
}

/** Stats over the finite values, with NaN and ±Inf counted apart. */
function statsWithNonFinite(values: ArrayLike<number>): Stats {
  let min = Infinity, max = -Infinity, sum = 0, sq = 0, n = 0, nanCount = 0, infCount = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) { nanCount++; continue; }
    if (v === Infinity || v === -Infinity) { infCount++; continue; }
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    n++;
  }
  const mean = n ? sum / n : null;
  if (mean !== null) for (let i = 0; i < values.length; i++) { const v = values[i]; if (Number.isFinite(v)) { const d = v - mean; sq += d * d; } }
  return {
    min: n ? min : null, max: n ? max : null, mean, std: n ? Math.sqrt(sq / n) : null,
    nanCount, infCount, numel: values.length,
  };
}

const POW10 = Float64Array.from({ length: 23 }, (_, k) => 10 ** k);
/** 10^d as the nearest double, for decades d in [DECADE_MIN, DECADE_MIN + 45] */
const DECADE_MIN = -16;
const DECADE = Float64Array.from({ length: 46 }, (_, i) => Number(`1e${i + DECADE_MIN}`));
// the binary exponent of a double, read from its high word (which half that is depends on endianness)
const BITS = new Float64Array(1);
const HIGH_WORD = new Int32Array(BITS.buffer);
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LOG10_2 = 0.3010299956639812;

/**
 * Samples are for heatmaps and hovers: 7 significant digits halve the trace's size. Same digits as
 * Number(v.toPrecision(7)) (dividing by an exact power of ten rounds correctly), ~10× faster: a run
 * rounds ~100k sampled elements. The decade comes from the binary exponent (Math.log10 cost more
 * than the rest together) and Math.round(y) is written floor(y + 0.5), which is exact for the
 * scaled y in [1e6, 1e7]; outside 1e-16..1e28 (and for 0, NaN, ±Inf) the general path below.
 */
export function display(v: number): number {
  const a = v < 0 ? -v : v;
  if (!(a >= 1e-16 && a < 1e28)) return displayGeneral(v);
  BITS[0] = a;
  let d = Math.floor(((HIGH_WORD[HIGH] >>> 20) - 1023) * LOG10_2); // floor(log10 a) is d or d + 1
  if (a >= DECADE[d + 1 - DECADE_MIN]) d++;
  let r: number;
  if (d <= 6) { const p = POW10[6 - d]; r = Math.floor(a * p + 0.5) / p; }
  else { const p = POW10[d - 6]; r = Math.floor(a / p + 0.5) * p; }
  return v < 0 ? -r : r;
}

/** The same rounding through Math.log10 and Math.round, for every value (display's reference in tests). */
export function displayGeneral(v: number): number {
  if (v === 0 || !Number.isFinite(v)) return v;
  const a = Math.abs(v);
  const k = 6 - Math.floor(Math.log10(a)); // decimal places that keep 7 significant digits
  let r: number;
  if (k >= 0 && k <= 22) r = Math.round(a * POW10[k]) / POW10[k];
  else if (k < 0 && k >= -22) r = Math.round(a / POW10[-k]) * POW10[-k];
  else return Number(v.toPrecision(7));
  return v < 0 ? -r : r;
}

/** Rows × cols view of a row-major tensor: leading dims flattened into rows. */
export function sample(values: ArrayLike<number>, shape: readonly number[]): Sample {
  const w = windowOf(shape, values.length);
  const out: JsonNumber[] = new Array(w.r * w.c);
  for (let i = 0; i < w.r; i++) {
    const from = i * w.cols, to = i * w.c;
    for (let j = 0; j < w.c; j++) out[to + j] = shown(values[from + j]);
  }
  return { rows: w.r, cols: w.c, values: out, truncated: w.truncated };
}

/** The sample of a − b (manual − grad), computed on the sampled window only. */
export function sampleDifference(a: ArrayLike<number>, b: ArrayLike<number>, shape: readonly number[]): Sample {
  const w = windowOf(shape, a.length);
  const out: JsonNumber[] = new Array(w.r * w.c);
  for (let i = 0; i < w.r; i++) {
    const from = i * w.cols, to = i * w.c;
    for (let j = 0; j < w.c; j++) out[to + j] = shown(a[from + j] - b[from + j]);
  }
  return { rows: w.r, cols: w.c, values: out, truncated: w.truncated };
}

function windowOf(shape: readonly number[], numel: number) {
  const cols = shape.length ? shape[shape.length - 1] : 1;
  const rows = cols ? numel / cols : 0;
  const r = Math.min(rows, MAX_SAMPLE_ROWS), c = Math.min(cols, MAX_SAMPLE_COLS);
  return { cols, r, c, truncated: r < rows || c < cols };
}

function shown(x: number): JsonNumber {
  const v = display(x);
  return v - v === 0 ? v : encodeNumber(v);
}

/** Stats and sample of a tensor; `slot` names it across runs (see sampleTensor). */
export function summarize(t: Tensor, slot?: string): TensorSummary {
  const v = t._read();
  return { stats: v === t._storage && v.length >= KEPT_STATS_FROM ? keptStats(v) : stats(v), sample: sampleTensor(t, v, false, slot) };
}

/**
 * Stats of large storages with a copy of the values they were computed from: a warm re-run hands
 * out the cached dataset split on the same storage (~730k values), and comparing it with the copy
 * costs about a quarter of computing the stats again. Compared bit for bit, so any write shows.
 */
const KEPT_STATS_FROM = 1 << 16;
const statsKept = new WeakMap<object, { copy: ArrayLike<number> & ArrayBufferView; stats: Stats }>();

function keptStats(v: ArrayLike<number>): Stats {
  if (!ArrayBuffer.isView(v)) return stats(v);
  const view = v as ArrayLike<number> & ArrayBufferView & { slice(): ArrayLike<number> & ArrayBufferView };
  const kept = statsKept.get(view);
  if (kept && sameBytes(kept.copy, view)) return { ...kept.stats };
  const s = stats(v);
  statsKept.set(view, { copy: view.slice(), stats: s });
  return s;
}

/**
 * The last sample taken of a tensor with the raw window it came from. A cmp row samples the manual
 * gradient and the tensor's .grad, and the trace samples both again as named tensors: when the
 * window still holds the same values (compared, so in-place edits in between are seen; NaN payloads
 * aside, which display the same) the sample's values are copied instead of rounded again.
 */
const lastSample = new WeakMap<Tensor, { shape: number[]; window: Window; sample: Sample }>();

/** A sampled window's values, row after row, in the tensor's own storage type (so equal windows are equal bytes). */
type Window = Float32Array | Float64Array;

/**
 * The last sample taken in a slot — a place in the trace that a re-run fills again: a cmp row's
 * manual gradient, a named tensor's value… — with its window and values array (kept apart from the
 * trace's Sample object, whose values packSamples takes away). A live re-run mostly computes the
 * same numbers: compared bit for bit, they are copied instead of rounded again.
 */
const slotSamples = new Map<string, { shape: number[]; window: Window; rows: number; cols: number; truncated: boolean; values: JsonNumber[] }>();
const SLOTS_KEPT = 4096;

/**
 * sample(t's values, t.shape), re-using the last kept sample of `t`, or the last sample of `slot`,
 * when its window holds the same values; `keep` keeps this one for `t` (cmp rows do: the trace
 * samples the same tensors again).
 */
export function sampleTensor(t: Tensor, values: ArrayLike<number> = t._read(), keep = false, slot?: string): Sample {
  const shape = t.shape;
  const w = windowOf(shape, values.length);
  const kept = lastSample.get(t);
  // (a sample whose values went to packSamples is no longer complete)
  // (samples share their values array: nothing writes into one, packSamples replaces it)
  if (kept && kept.sample.values.length === w.r * w.c && sameShape(kept.shape, shape) && sameWindow(values, w, kept.window)) {
    return { ...kept.sample };
  }
  const before = slot === undefined ? undefined : slotSamples.get(slot);
  if (before && sameShape(before.shape, shape) && sameWindow(values, w, before.window)) {
    const s: Sample = { rows: before.rows, cols: before.cols, values: before.values, truncated: before.truncated };
    if (keep) lastSample.set(t, { shape, window: before.window, sample: s });
    return s;
  }
  if (!keep && slot === undefined) return sample(values, shape);
  const window = windowCopy(values, w);
  const out: JsonNumber[] = new Array(window.length);
  for (let i = 0; i < window.length; i++) out[i] = shown(window[i]);
  const s: Sample = { rows: w.r, cols: w.c, values: out, truncated: w.truncated };
  if (keep) lastSample.set(t, { shape, window, sample: s });
  if (slot !== undefined) keepSlot(slot, { shape, window, rows: w.r, cols: w.c, truncated: w.truncated, values: out });
  return s;
}

/** sampleDifference(a, b, shape), re-using the last difference of `slot` while both windows hold the same values. */
export function sampleDifferenceKept(a: ArrayLike<number>, b: ArrayLike<number>, shape: readonly number[], slot: string): Sample {
  const w = windowOf(shape, a.length);
  const before = slotSamples.get(slot);
  const both = before && before.window instanceof Float64Array && before.window.length === 2 * w.r * w.c ? before.window : undefined;
  if (before && both && sameShape(before.shape, shape) && sameWindow(a, w, both.subarray(0, w.r * w.c)) && sameWindow(b, w, both.subarray(w.r * w.c))) {
    return { rows: before.rows, cols: before.cols, values: before.values, truncated: before.truncated };
  }
  const s = sampleDifference(a, b, shape);
  const window = new Float64Array(2 * w.r * w.c);
  window.set(windowCopy(a, w, Float64Array));
  window.set(windowCopy(b, w, Float64Array), w.r * w.c);
  keepSlot(slot, { shape: shape.slice(), window, rows: s.rows, cols: s.cols, truncated: s.truncated, values: s.values });
  return s;
}

function keepSlot(slot: string, entry: typeof slotSamples extends Map<string, infer E> ? E : never): void {
  if (slotSamples.size >= SLOTS_KEPT && !slotSamples.has(slot)) slotSamples.clear();
  slotSamples.set(slot, entry);
}

/** The sampled window of `values`, row after row: float32 for float32 values, else float64. */
function windowCopy(values: ArrayLike<number>, w: ReturnType<typeof windowOf>, type = values instanceof Float32Array ? Float32Array : Float64Array): Window {
  const window = new type(w.r * w.c);
  if (w.c === w.cols) window.set(subarray(values, 0, w.r * w.c));
  else for (let i = 0; i < w.r; i++) window.set(subarray(values, i * w.cols, i * w.cols + w.c), i * w.c);
  return window;
}

/** The window of `values` holds what `window` kept: same numbers, same sign of zero, NaN where NaN. */
function sameWindow(values: ArrayLike<number>, w: ReturnType<typeof windowOf>, window: Window): boolean {
  // whole rows of the same storage type: one byte comparison (stricter: NaN payloads must match too)
  if (w.c === w.cols && ArrayBuffer.isView(values) && values.constructor === window.constructor) {
    return sameBytes((values as Window).subarray(0, w.r * w.c), window);
  }
  for (let i = 0; i < w.r; i++) {
    const from = i * w.cols, to = i * w.c;
    for (let j = 0; j < w.c; j++) {
      const a = values[from + j], b = window[to + j];
      if (a === b ? a === 0 && 1 / a !== 1 / b : a === a || b === b) return false;
    }
  }
  return true;
}

function subarray(values: ArrayLike<number>, from: number, to: number): ArrayLike<number> {
  return ArrayBuffer.isView(values) ? (values as Float64Array).subarray(from, to) : Array.prototype.slice.call(values, from, to);
}

export const opNodeId = (fn: GradFn): string => `op${fn.id}`;
export const tensorNodeId = (t: Tensor): string => `t${t.id}`;

export interface NameInfo { name: string; place: Place }

/** Graph id of a tensor: its grad_fn's node when it has one, else its own (a leaf). */
export function nodeIdOf(t: Tensor): string {
  return t.grad_fn ? opNodeId(t.grad_fn) : tensorNodeId(t);
}

/**
 * The autograd graph reachable from `roots`, data flowing from inputs to outputs. Nodes whose output
 * tensor has a name become named tensor nodes; AccumulateGrad nodes become their leaf tensor.
 */
export function autogradGraph(roots: Tensor[], names: Map<number, NameInfo>, source: Graph["source"], root?: Tensor): Graph {
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  const seen = new Set<GradFn>();
  const stack: GradFn[] = [];
  let truncated = false;

  const leafNode = (t: Tensor): string => {
    const id = tensorNodeId(t);
    if (!nodes.has(id)) {
      const n = names.get(t.id);
      nodes.set(id, { id, kind: "tensor", label: n?.name ?? "leaf", name: n?.name, shape: t.shape, tensorId: t.id, leaf: true, place: n?.place });
    }
    return id;
  };
  const visit = (fn: GradFn): string => {
    if (fn.variable) return leafNode(fn.variable);
    const id = opNodeId(fn);
    if (!nodes.has(id)) {
      const out = fn.output;
      const n = out ? names.get(out.id) : undefined;
      nodes.set(id, n
        ? { id, kind: "tensor", label: n.name, name: n.name, op: fn.name(), shape: fn.outputShape, tensorId: out!.id, place: n.place }
        : { id, kind: "op", label: fn.name(), op: fn.name(), shape: fn.outputShape, tensorId: out?.id });
    }
    if (!seen.has(fn)) {
      seen.add(fn);
      stack.push(fn);
    }
    return id;
  };

  for (const r of roots) {
    if (r.grad_fn) visit(r.grad_fn);
    else if (r.requires_grad) leafNode(r);
  }
  while (stack.length) {
    if (nodes.size >= MAX_GRAPH_NODES) { truncated = true; break; }
    const fn = stack.pop()!;
    const to = opNodeId(fn);
    for (const [next] of fn.next_functions) {
      if (next) edges.push({ from: visit(next), to });
    }
  }
  const known = new Set(nodes.keys());
  return {
    source,
    nodes: [...nodes.values()],
    edges: truncated ? edges.filter((e) => known.has(e.from) && known.has(e.to)) : edges,
    root: root ? nodeIdOf(root) : undefined,
    truncated,
  };
}

/** Every sample of a trace, in one fixed order (the order pack and unpack agree on). */
function samplesOf(trace: Trace): Sample[] {
  const out: Sample[] = [];
  for (const t of trace.tensors) for (const s of [t.value?.sample, t.grad?.sample]) if (s) out.push(s);
  for (const c of trace.comparisons) for (const s of [c.manual, c.grad, c.diff]) if (s) out.push(s);
  return out;
}

/**
 * The trace's sample values moved into one Float64Array (each sample's `values` left empty): the
 * structured clone to the host copies it in one go, where ~100k boxed numbers took ~25 ms.
 */
export function packSamples(trace: Trace): Float64Array {
  const samples = samplesOf(trace);
  let n = 0;
  for (const s of samples) n += s.values.length;
  const out = new Float64Array(n);
  let at = 0;
  for (const s of samples) {
    const v = s.values;
    for (let i = 0; i < v.length; i++) { const x = v[i]; out[at++] = typeof x === "number" ? x : decodeNumber(x); }
    s.values = [];
  }
  return out;
}

/** Puts packed values back into the samples of a trace that came through packSamples. */
export function unpackSamples(trace: Trace, packed: Float64Array): void {
  let at = 0;
  for (const s of samplesOf(trace)) {
    const n = s.rows * s.cols;
    const v: JsonNumber[] = new Array(n);
    for (let i = 0; i < n; i++) { const x = packed[at++]; v[i] = Number.isFinite(x) ? x : encodeNumber(x); }
    s.values = v;
  }
  if (at !== packed.length) throw new Error(`unpackSamples: ${packed.length} values for samples of ${at}`);
}
