// firstWrong: walk the hand-written gradients from the loss towards the leaves and point at the
// earliest one that is wrong; later mismatches that only inherit its error are "downstream of" it.
//
// The rule (sound, decided by recomputation): a wrong gradient dX is downstream when its own step is
// right, i.e. when autograd's local backward rules applied to the learner's OWN upstream gradients
// (the manual dY of every named tensor Y that X feeds; autograd's values for unnamed steps in
// between) reproduce the learner's dX within the cmp tolerance. Then dX is exactly what a correct
// formula gives for the upstream it was handed, so the mistake is upstream; the names it is
// downstream of are the wrong gradients upstream of X whose own step is wrong (the root causes).
// The recomputation needs the recorded graph (see run.ts: `locallyCorrect`); without it every later
// mismatch stays "wrong" — nothing is called downstream on a guess.

export type GradientRole = "ok" | "first-wrong" | "wrong" | "downstream" | "unchecked";

export interface ComparedGradient {
  name: string;
  /** the cmp status ("exact" | "approximate" | "wrong" | "shape-mismatch" | "no-grad" | "not-written") */
  status: string;
}

export type WrongGradientReport =
  | { name: string; role: "ok" | "first-wrong" | "wrong" | "unchecked" }
  | { name: string; role: "downstream"; downstreamOf: string[] };

export interface FirstWrongOptions {
  /**
   * name → true when the learner's step for that tensor is right given their own upstream gradients
   * (false: the step itself is wrong; absent: unknown).
   */
  locallyCorrect?: ReadonlyMap<string, boolean>;
  /** name → names of the compared tensors it feeds, directly or through unnamed ops (its upstream in backward order) */
  upstream?: ReadonlyMap<string, readonly string[]>;
}

export interface FirstWrongResult {
  /** the earliest wrong hand-written gradient in backward order, or null when none is wrong */
  first: string | null;
  /** one entry per comparison, in backward order */
  reports: WrongGradientReport[];
  /** name → the wrong gradients upstream of it whose own step is wrong (its root causes) */
  causes: Map<string, string[]>;
}

const isWrong = (status: string) => status === "wrong" || status === "shape-mismatch";
const isOk = (status: string) => status === "exact" || status === "approximate";

/**
 * `backwardOrder` lists tensor names from the loss to the leaves (the order backward visits them);
 * comparisons of names not in it keep their script order after the known ones. When a name was
 * compared twice (exercise 2 re-checks logits), the first comparison is its step in the chain.
 */
export function firstWrong(comparisons: readonly ComparedGradient[], backwardOrder: readonly string[], opts: FirstWrongOptions = {}): FirstWrongResult {
  const latest = new Map<string, ComparedGradient>();
  for (const c of comparisons) if (!latest.has(c.name)) latest.set(c.name, c);
  const rank = new Map(backwardOrder.map((n, i) => [n, i]));
  const ordered = [...latest.values()].sort((a, b) => (rank.get(a.name) ?? Infinity) - (rank.get(b.name) ?? Infinity));

  // root causes flowing into each name: wrong gradients whose own step is wrong, upstream of it
  const causes = new Map<string, Set<string>>();
  const ownMistake = (c: ComparedGradient) => isWrong(c.status) && opts.locallyCorrect?.get(c.name) !== true;
  for (const c of ordered) {
    const set = new Set<string>();
    for (const up of opts.upstream?.get(c.name) ?? []) {
      const u = latest.get(up);
      if (!u) continue;
      for (const cause of causes.get(up) ?? []) set.add(cause);
      if (ownMistake(u)) set.add(up);
    }
    causes.set(c.name, set);
  }

  let first: string | null = null;
  const reports: WrongGradientReport[] = ordered.map((c) => {
    if (isOk(c.status)) return { name: c.name, role: "ok" };
    if (!isWrong(c.status)) return { name: c.name, role: "unchecked" };
    const inherited = [...(causes.get(c.name) ?? [])];
    if (opts.locallyCorrect?.get(c.name) === true && inherited.length) {
      return { name: c.name, role: "downstream", downstreamOf: inherited.sort((a, b) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0)) };
    }
    if (first === null) {
      first = c.name;
      return { name: c.name, role: "first-wrong" };
    }
    return { name: c.name, role: "wrong" };
  });
  const causeLists = new Map([...causes].map(([k, v]) => [k, [...v].sort((a, b) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0))]));
  return { first, reports, causes: causeLists };
}
