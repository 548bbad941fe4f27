// diagnoseRun: after a script ran, explain every failing cmp row, from what a DiagnosisRecorder
// (./recorder.ts) collected while it ran: the cmp calls with copies of both gradients, the last
// backward graph and the first NaN/Inf events.
import type { Comparison, ComparisonStatus } from "../engine";
import { torch, type Tensor } from "../engine";
import { diagnoseGradient } from "./analyze";
import { firstWrong, type FirstWrongResult, type GradientRole, type WrongGradientReport } from "./firstWrong";
import { nodeOf, replay, type CapturedGraph, type CapturedNode, type ReplayResult } from "./graph";
import { EPS32, EPS64, matches, sameShape } from "./numeric";
import { opLabel } from "../protocol/ops";
import type { Language } from "../protocol/trace";
import type { ArrayTensor, Diagnosis, NamedGradient, PathContribution } from "./types";

export interface TensorLabel {
  name: string;
  /** 1-based line of the assignment */
  line?: number;
}
/** The runner's names for tensors (variable name and line of the latest assignment). */
export type Describe = (t: Tensor) => TensorLabel | undefined;

/** One cmp call as the recorder saw it: copies of both gradients taken at the time of the call. */
export interface RecordedComparison {
  comparison: Comparison;
  tensor?: Tensor;
  manualTensor?: Tensor;
  manual?: ArrayTensor & { dtype: string };
  grad?: ArrayTensor & { dtype: string };
}

export interface NonFiniteEvent {
  tensor: Tensor;
  op: string;
}

export interface GradientRow {
  name: string;
  status: ComparisonStatus;
  role: GradientRole;
  downstreamOf?: string[];
  diagnosis: Diagnosis | null;
  /** the learner's step is right given their own upstream gradients (undefined: not decided) */
  locallyCorrect?: boolean;
}

export interface RunDiagnosis {
  /** the earliest wrong hand-written gradient in backward order */
  first: string | null;
  /** one row per cmp call, in call order */
  rows: GradientRow[];
  /** compared names from the loss towards the leaves */
  backwardOrder: string[];
  /** whether the recorded backward graph could be replayed (paths, downstream detection) */
  graphReplayed: boolean;
}

const asArray = (t: Tensor): ArrayTensor => ({ shape: t.shape, data: t.toArray() });

/** Every tensor a manual gradient was computed from, following its own recorded graph. */
function ancestry(t: Tensor, limit = 20000): Set<Tensor> {
  const out = new Set<Tensor>([t]);
  const seen = new Set<unknown>();
  const stack = t.grad_fn ? [t.grad_fn] : [];
  while (stack.length && seen.size < limit) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    if (n.output) out.add(n.output);
    if (n.variable) out.add(n.variable);
    for (const [next] of n.next_functions) if (next && !seen.has(next)) stack.push(next);
  }
  return out;
}

export interface DiagnoseRunInput {
  comparisons: readonly RecordedComparison[];
  /** the last backward graph, captured by captureGraph() at the inspector's backward event */
  graph?: CapturedGraph | null;
  describe?: Describe;
  nonFinite?: readonly NonFiniteEvent[];
  /** the batch size, to name factors (1/n, n/(n−1)); guessed from the shapes when absent */
  n?: number;
  /** the script's language, in which fix hints are written (Python when absent) */
  language?: Language;
}

const isWrong = (s: ComparisonStatus) => s === "wrong" || s === "shape-mismatch";

/**
 * Explain every failing cmp row of a run, in three phases: index the run (names, the backward chain,
 * the compared tensors' graph nodes), check each wrong step against the learner's own upstream
 * gradients (the learner pass), then diagnose each row.
 */
export function diagnoseRun(input: DiagnoseRunInput): RunDiagnosis {
  const run = new RunIndex(input);
  const steps = run.graph && run.anyWrong ? checkSteps(run, run.graph) : { learner: null, upstream: new Map(), locallyCorrect: new Map() };
  const fw = firstWrong([...run.chain.values()].map((r) => ({ name: r.comparison.name, status: r.comparison.status })), run.backwardOrder, steps);
  const found: Findings = { ...steps, fw, reports: new Map(fw.reports.map((x) => [x.name, x])) };
  const rows = input.comparisons.map((r) => diagnoseRow(run, found, r));
  return { first: fw.first, rows, backwardOrder: run.backwardOrder, graphReplayed: !!steps.learner };
}

/** Phase 1: what the run recorded, indexed by name and by graph node. */
class RunIndex {
  readonly graph: CapturedGraph | null;
  /** the first comparison of each name is its step in the backward chain; later ones are re-checks */
  readonly chain = new Map<string, RecordedComparison>();
  readonly nodeByName = new Map<string, CapturedNode>();
  readonly nameByNode = new Map<CapturedNode, string>();
  readonly backwardOrder: string[];
  readonly n: number | undefined;
  /** every compared name's autograd gradient (wrong-variable candidates) */
  readonly others: NamedGradient[] = [];
  readonly anyWrong: boolean;
  private readonly cmpNames = new Map<Tensor, string>();
  private truthPass: ReplayResult | null | undefined;

  constructor(readonly input: DiagnoseRunInput) {
    const { comparisons } = input;
    this.graph = input.graph && input.graph.replayable ? input.graph : null;
    for (const r of comparisons) if (r.tensor && !this.cmpNames.has(r.tensor)) this.cmpNames.set(r.tensor, r.comparison.name);
    for (const r of comparisons) if (!this.chain.has(r.comparison.name)) this.chain.set(r.comparison.name, r);
    if (this.graph) {
      for (const [name, r] of this.chain) {
        const c = r.tensor ? nodeOf(this.graph, r.tensor) : undefined;
        if (c && !this.nameByNode.has(c)) {
          this.nodeByName.set(name, c);
          this.nameByNode.set(c, name);
        }
      }
    }
    this.backwardOrder = [...this.chain.keys()].sort((a, b) => (this.nodeByName.get(a)?.index ?? Infinity) - (this.nodeByName.get(b)?.index ?? Infinity));
    this.n = input.n ?? batchSize(this.chain.values());
    for (const [name, r] of this.chain) if (r.grad) this.others.push({ name, grad: r.grad });
    this.anyWrong = comparisons.some((r) => isWrong(r.comparison.status));
  }

  /** names: the runner's, else the cmp name of the compared tensor */
  readonly describe = (t: Tensor | null | undefined): TensorLabel | undefined => {
    if (!t) return undefined;
    const d = this.input.describe?.(t);
    if (d) return d;
    const name = this.cmpNames.get(t);
    return name ? { name } : undefined;
  };

  /** autograd's own pass over the graph (per-use contributions), run once and only when a row needs it */
  truth(): ReplayResult | null {
    if (this.truthPass === undefined) {
      try {
        this.truthPass = this.graph ? replay(this.graph, torch.ones_like(this.graph.root)) : null;
      } catch {
        this.truthPass = null;
      }
    }
    return this.truthPass;
  }

  /** A pass where the learner's manual gradients replace autograd's at the compared nodes (all, or only `only`). */
  replayLearner(graph: CapturedGraph, only: ReadonlySet<string> | null, jitter = false): ReplayResult {
    return replay(graph, torch.ones_like(graph.root), (c) => {
      const name = this.nameByNode.get(c);
      if (name === undefined || (only && !only.has(name))) return undefined;
      const m = this.chain.get(name)!.manual;
      if (!m || !sameShape(m.shape, c.node.outputShape)) return "taint";
      const f64 = m.dtype === "float64";
      const data = jitter ? jittered(m.data, f64 ? EPS64 : EPS32) : m.data;
      return torch.fromArray(data, [...m.shape], f64 ? "float64" : "float32");
    });
  }

  /** a compared name whose graph node a wrong-shaped upstream gradient did not taint */
  checkable(name: string, learner: ReplayResult): boolean {
    const c = this.nodeByName.get(name);
    return !!c && !learner.tainted.has(c);
  }
}

/** What phase 2 found: the learner pass, which names each compared name feeds, whose own step is right. */
interface StepChecks {
  /** null without a replayable graph, or when a closure failed (e.g. a saved tensor changed shape) */
  learner: ReplayResult | null;
  upstream: Map<string, string[]>;
  locallyCorrect: Map<string, boolean>;
}

/** Phase 2 with firstWrong's verdicts (the first wrong row, downstream rows, root causes). */
interface Findings extends StepChecks {
  fw: FirstWrongResult;
  reports: Map<string, WrongGradientReport>;
}

/** Phase 2: each wrong step checked against what autograd's rules give for the learner's own upstream. */
function checkSteps(run: RunIndex, graph: CapturedGraph): StepChecks {
  let learner: ReplayResult | null = null, learnerJitter: ReplayResult | null = null;
  try {
    learner = run.replayLearner(graph, null);
    learnerJitter = run.replayLearner(graph, null, true);
  } catch {
    learner = null;
  }
  // compared names each node sends its gradient to, first reached on each path
  const feeds = new Map<CapturedNode, Set<string>>();
  for (const c of graph.order) {
    const set = new Set<string>();
    for (const { node: k } of c.consumers) {
      const kn = run.nameByNode.get(k);
      if (kn !== undefined) set.add(kn);
      else for (const s of feeds.get(k) ?? []) set.add(s);
    }
    feeds.set(c, set);
  }
  const upstream = new Map<string, string[]>();
  for (const [name, c] of run.nodeByName) upstream.set(name, [...(feeds.get(c) ?? [])]);
  const locallyCorrect = new Map<string, boolean>();
  if (learner) {
    for (const [name, c] of run.nodeByName) {
      const r = run.chain.get(name)!;
      if (!isWrong(r.comparison.status) || !r.manual || learner.tainted.has(c)) continue;
      const same = locallySame(r, c, learner, learnerJitter);
      if (same !== undefined) locallyCorrect.set(name, same);
    }
  }
  return { learner, upstream, locallyCorrect };
}

/**
 * Is the learner's dX what the rules give for their upstream (`pass`)? The allowed difference is
 * the cmp rule widened by how much the rules' result moves when every upstream value moves by a
 * few ulps (`jitterPass`): sums with cancellation (db1 under batchnorm) are that sensitive, and a
 * formula written in another order than autograd's rule rounds differently by about that much.
 */
function locallySame(r: RecordedComparison, c: CapturedNode, pass: ReplayResult, jitterPass: ReplayResult | null): boolean | undefined {
  const expected = pass.incoming.get(c);
  if (!expected || !r.manual) return undefined;
  if (!sameShape(expected.shape, r.manual.shape)) return false;
  const e = expected.toArray();
  const j = jitterPass?.incoming.get(c)?.toArray();
  let slack: Float64Array | undefined;
  if (j && j.length === e.length) {
    // per element, plus a uniform share: one random direction underestimates some elements
    slack = new Float64Array(e.length);
    let most = 0;
    for (let i = 0; i < e.length; i++) {
      const d = Math.abs(e[i] - j[i]);
      slack[i] = d;
      if (d > most) most = d;
    }
    for (let i = 0; i < slack.length; i++) slack[i] = 4 * slack[i] + 2 * most;
  }
  return sameLocal(r.manual.data, e, r.manual.dtype === "float64" ? EPS64 : EPS32, slack);
}

/** Phase 3: one cmp row's role and diagnosis. */
function diagnoseRow(run: RunIndex, found: Findings, r: RecordedComparison): GradientRow {
  const { name, status } = r.comparison;
  const isChainStep = run.chain.get(name) === r;
  const report = isChainStep ? found.reports.get(name) : undefined;
  let role: GradientRole = isWrong(status) ? "wrong" : status === "exact" || status === "approximate" ? "ok" : "unchecked";
  if (report) role = report.role;
  const row: GradientRow = { name, status, role, diagnosis: null, locallyCorrect: isChainStep ? found.locallyCorrect.get(name) : undefined };
  if (!isWrong(status) || !r.manual || !r.grad) return row;
  if (report?.role === "downstream") {
    row.downstreamOf = report.downstreamOf;
    row.diagnosis = downstreamDiagnosis(name, report.downstreamOf, r);
    return row;
  }
  const { learner } = found;
  if (!isChainStep && learner && recheckDownstream(run, learner, found.fw, r, row)) return row;
  if (role === "wrong" && learner && unverifiable(run, learner, found.fw, r, row)) return row;
  row.diagnosis = ownMistake(run, found, r, role, isChainStep);
  return row;
}

/**
 * A re-check (exercise 2/3 compute the same gradient another way) is downstream when it equals
 * what autograd's rules give for the learner's upstream gradients and those are wrong. The
 * re-check may use only some of the learner's upstream gradients (exercise 3 starts from dhpreact
 * and skips the steps in between), so each subset of the upstream mistakes is tried.
 */
function recheckDownstream(run: RunIndex, learner: ReplayResult, fw: FirstWrongResult, r: RecordedComparison, row: GradientRow): boolean {
  const cn = run.nodeByName.get(row.name);
  if (!cn || !run.graph) return false;
  // only causes whose own value could be checked (not those behind a wrong-shaped gradient)
  const causes = (fw.causes.get(row.name) ?? []).filter((u) => run.checkable(u, learner)).slice(0, 4);
  for (const subset of subsets(causes)) {
    const only = new Set(subset);
    const pass = run.replayLearner(run.graph, only);
    if (!pass.tainted.has(cn) && locallySame(r, cn, pass, run.replayLearner(run.graph, only, true))) {
      row.role = "downstream";
      row.downstreamOf = subset;
      row.diagnosis = downstreamDiagnosis(row.name, subset, r);
      return true;
    }
  }
  return false;
}

/**
 * Fed by a wrong-shaped (or unwritten) upstream gradient: no autograd rule applies to what the
 * learner's formula received, so whether this step is right cannot be decided; say so.
 */
function unverifiable(run: RunIndex, learner: ReplayResult, fw: FirstWrongResult, r: RecordedComparison, row: GradientRow): boolean {
  const cn = run.nodeByName.get(row.name);
  if (!cn || !learner.tainted.has(cn) || !r.manual || !r.grad) return false;
  const blockers = (fw.causes.get(row.name) ?? []).filter((u) =>
    (run.chain.get(u)?.comparison.status === "shape-mismatch" || !run.chain.get(u)?.manual) && run.checkable(u, learner));
  if (!blockers.length) return false;
  const ds = blockers.map((u) => `d${u}`).join(", ");
  row.diagnosis = {
    kind: "unverifiable",
    sentence: `d${row.name} is computed from ${ds}, whose shape is wrong, so its own step cannot be checked yet; fix ${ds} first.`,
    evidence: { manualShape: [...r.manual.shape], gradShape: [...r.grad.shape], maxdiff: r.comparison.maxdiff, relativeTo: blockers },
    confidence: 0.5,
  };
  return true;
}

/** The row's own mistake, judged against the learner's upstream when that is wrong too. */
function ownMistake(run: RunIndex, found: Findings, r: RecordedComparison, role: GradientRole, isChainStep: boolean): Diagnosis | null {
  const name = r.comparison.name;
  const { learner, fw } = found;
  const upstream = found.upstream.get(name) ?? [];
  const wrongUpstream = upstream.filter((u) => isWrong(run.chain.get(u)?.comparison.status ?? "exact"));
  const c = isChainStep ? run.nodeByName.get(name) : undefined;
  // a later own mistake is judged against what autograd's rule gives for the learner's upstream
  const inherited = role === "wrong" && c && learner && !learner.tainted.has(c) && wrongUpstream.length > 0;
  const expected = inherited ? learner!.incoming.get(c!) : undefined;
  const reference: ArrayTensor = expected ? asArray(expected) : r.grad!;
  const upstreamManuals: NamedGradient[] = [];
  for (const u of upstream) {
    const m = run.chain.get(u)?.manual;
    if (m) upstreamManuals.push({ name: u, grad: m });
  }
  const d = diagnoseGradient(r.manual!, reference, {
    name, n: run.n, language: run.input.language, others: run.others.filter((o) => o.name !== name), upstream: upstreamManuals,
    paths: c && c.consumers.length > 1 ? pathsFor(run, expected ? learner : run.truth(), c) : undefined,
    nonFiniteOrigin: nonFiniteOrigin(r.manualTensor, run.input.nonFinite ?? [], run.describe),
  });
  if (d && expected) {
    d.evidence.relativeTo = wrongUpstream;
    d.sentence += ` (Judged against what autograd's rule gives for your own ${wrongUpstream.map((u) => `d${u}`).join(", ")}, which ${wrongUpstream.length === 1 ? "is" : "are"} wrong too.)`;
  }
  if (d && !learner && role === "wrong" && fw.first && d.kind !== "unexplained") {
    // no replayable graph: nothing proves this step is its own mistake
    d.sentence += ` (d${fw.first} is wrong earlier in the backward pass; this may only be inherited from it.)`;
    d.confidence = Math.min(d.confidence, 0.5);
  }
  return d;
}

/** Each use's contribution to a tensor used more than once, with the op and named tensor it came through. */
function pathsFor(run: RunIndex, pass: ReplayResult | null, c: CapturedNode): PathContribution[] | undefined {
  if (!pass) return undefined;
  const list = pass.contributions.get(c) ?? [];
  if (list.length < 2) return undefined;
  return list.map(({ from, grad }) => {
    const label = nearestNamed(from, run.describe);
    return { viaOp: opLabel(from.node.name()), viaName: label?.name, line: label?.line, data: asArray(grad) };
  });
}

function downstreamDiagnosis(name: string, causes: string[], r: RecordedComparison): Diagnosis {
  const ds = causes.map((s) => `d${s}`);
  return {
    kind: "downstream",
    sentence: `d${name} only inherits the error of ${ds.join(" and ")}; its own step is right (autograd's rule applied to your ${ds.join(", ")} gives exactly it).`,
    evidence: { manualShape: [...(r.manual?.shape ?? [])], gradShape: [...(r.grad?.shape ?? [])], maxdiff: r.comparison.maxdiff, downstreamOf: causes },
    confidence: 0.95,
  };
}

/** Non-empty subsets, smallest first. */
function subsets<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let mask = 1; mask < 1 << items.length; mask++) out.push(items.filter((_, i) => mask & (1 << i)));
  return out.sort((a, b) => a.length - b.length);
}

/** The batch size n: the most common leading dim among the compared gradients of 2+ dims. */
function batchSize(rows: Iterable<RecordedComparison>): number | undefined {
  const counts = new Map<number, number>();
  for (const r of rows) {
    const s = r.grad?.shape;
    if (s && s.length >= 2 && s[0] > 2) counts.set(s[0], (counts.get(s[0]) ?? 0) + 1);
  }
  let best: number | undefined, most = 0;
  for (const [v, c] of counts) if (c > most) { best = v; most = c; }
  return best;
}

/** The learner's dX equals what their upstream gives (both NaN/Inf at the same places counts as equal). */
function sameLocal(manual: ArrayLike<number>, expected: Float32Array | Float64Array, eps: number, slack?: Float64Array): boolean {
  const a = Float64Array.from(manual), b = Float64Array.from(expected);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) {
      if (Number.isFinite(a[i]) !== Number.isFinite(b[i])) return false;
      a[i] = b[i] = 0;
    }
  }
  if (slack) for (let i = 0; i < slack.length; i++) if (!Number.isFinite(slack[i])) slack[i] = 0;
  return matches(a, b, eps, slack).ok;
}

/** Every value moved by up to ±4 units of roundoff, pseudo-randomly (for the sensitivity estimate). */
function jittered(data: ArrayLike<number>, eps: number): Float64Array {
  const out = new Float64Array(data.length);
  let s = 0x9e3779b9;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    out[i] = data[i] * (1 + ((s / 2 ** 32) * 8 - 4) * eps);
  }
  return out;
}

/** The nearest named tensor an op's output feeds (itself, or walking towards the loss). */
function nearestNamed(from: CapturedNode, describe: (t: Tensor | null | undefined) => TensorLabel | undefined): TensorLabel | undefined {
  const queue = [from];
  const seen = new Set<CapturedNode>(queue);
  for (let i = 0; i < queue.length && i < 10000; i++) {
    const label = describe(queue[i].node.output);
    if (label) return label;
    for (const { node } of queue[i].consumers) if (!seen.has(node)) { seen.add(node); queue.push(node); }
  }
  return undefined;
}

function nonFiniteOrigin(manual: Tensor | undefined, events: readonly NonFiniteEvent[], describe: (t: Tensor | null | undefined) => TensorLabel | undefined) {
  if (!manual || !events.length) return undefined;
  const from = ancestry(manual);
  const e = events.find((ev) => from.has(ev.tensor));
  if (!e) return undefined;
  const label = describe(e.tensor);
  return { op: e.op, name: label?.name, line: label?.line };
}
