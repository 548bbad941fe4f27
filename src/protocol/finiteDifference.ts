// What a finite-difference check found, in words that say what was compared with what: the
// Check gradient toast and the panel's drawer both say it this way. Pure; the webview imports it.
import type { FiniteDifferenceReport } from "./trace";

/** What the numeric derivative is, with its step (h = step · max(1, |x|)). */
export function numericWording(r: FiniteDifferenceReport): string {
  return `float64 central differences, h = ${r.step?.toExponential() ?? "?"}·max(1, |x|)`;
}

/** One line: autograd's .grad against the numeric derivative, then the learner's gradient when it was in a cmp. */
export function finiteDifferenceVerdict(r: FiniteDifferenceReport): string {
  if (r.error || !r.samples?.length) return `${r.name}: ${r.error ?? "no elements were checked"}`;
  const n = r.samples.length;
  const autogradOff = r.samples.filter((s) => !s.agrees).length;
  const head = autogradOff === 0
    ? `autograd's ${r.name}.grad agrees with float64 central differences at all ${n} elements checked`
    : `autograd's ${r.name}.grad differs from float64 central differences at ${autogradOff} of ${n} elements checked`;
  if (r.manualName === undefined) return `${head}; no cmp compares your gradient of ${r.name}, so only autograd was checked`;
  const mineOff = r.samples.filter((s) => s.manualAgrees === false).length;
  return `${head}; your ${r.manualName} ${mineOff === 0 ? (autogradOff === 0 ? "agrees too" : "agrees with the numeric derivative") : `differs at ${mineOff} of them`}`;
}
