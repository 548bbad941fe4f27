// diagnoseGradient: why does a hand-written gradient disagree with autograd's? Each known mistake is
// a cheap transform of the manual gradient (sum it, broadcast it, transpose it, negate it, rescale
// it, add the missing path…) that is tested against autograd's gradient; the first transform that
// reproduces it within float32 rounding is the diagnosis. A gradient cmp accepts gets none.
import type { ArrayTensor, Diagnosis, DiagnosisContext, Evidence, PathContribution } from "./types";
import {
  EPS32, EPS64, broadcastDims, expandTo, fmtShape, matches, maxAbs, maxAbsDiff, nameFactor, numelOf, passesCmp,
  reduceTo, sameShape, sameUpToSingletons, toF64, transpose2d, unravel,
} from "./numeric";
import { spelling, type Spelling } from "./spelling";

const HIGH = 0.95; // the fix reproduces autograd's gradient element by element
const MEDIUM = 0.7; // the pattern fits but the evidence is weaker (shape only, part of the tensor)
const LOW = 0.3;

const dname = (name: string | undefined) => (name ? `d${name}` : "the manual gradient");
const tname = (name: string | undefined) => name ?? "the tensor";
const fmtIndex = (idx: number[]) => `[${idx.join(", ")}]`;
const fmtNum = (v: number) => (Number.isFinite(v) ? String(Number(v.toPrecision(4))) : String(v));
const dimsWord = (dims: number[]) => (dims.length === 1 ? `dim ${dims[0]}` : `dims (${dims.join(", ")})`);

/** The matmul backward rule, as a reminder: "for y = x @ W, dW = x.T @ dy[ and dx = dy @ W.T]". */
function matmulRule(sp: Spelling, withInput: boolean): string {
  const dx = withInput ? ` and dx = ${sp.matmul("dy", "W.T")}` : "";
  return `for y = ${sp.matmul("x", "W")}, dW = ${sp.matmul("x.T", "dy")}${dx}`;
}

function describePath(p: Pick<PathContribution, "viaOp" | "viaName" | "line">): string {
  const where = p.line !== undefined ? ` at line ${p.line}` : "";
  if (p.viaName) return `${p.viaOp} → ${p.viaName}${where}`;
  return `${p.viaOp}${where}`;
}

/** The batch size, when the context does not say: the leading dim of the larger 2-D+ shape. */
function guessN(manual: ArrayTensor, grad: ArrayTensor): number | undefined {
  for (const s of [grad.shape, manual.shape]) if (s.length >= 2 && s[0] > 2) return s[0];
  return undefined;
}

export function diagnoseGradient(manual: ArrayTensor, grad: ArrayTensor, ctx: DiagnosisContext = {}): Diagnosis | null {
  const f32 = ctx.float32 ?? (manual.data instanceof Float32Array || grad.data instanceof Float32Array);
  const eps = f32 ? EPS32 : EPS64;
  if (passesCmp(manual, grad)) return null;
  const m = toF64(manual), g = toF64(grad);
  const base: Evidence = {
    manualShape: [...manual.shape], gradShape: [...grad.shape],
    maxdiff: sameShape(manual.shape, grad.shape) ? maxAbsDiff(m, g) : null,
  };
  const name = ctx.name;
  const n = ctx.n ?? guessN(manual, grad);

  const nonFinite = checkNonFinite(m, g, manual.shape, base, ctx);
  if (nonFinite) return nonFinite;

  if (!sameShape(manual.shape, grad.shape)) return diagnoseShape(m, manual.shape, g, grad.shape, base, ctx, eps, n);
  return diagnoseValues(m, g, grad.shape, base, ctx, eps, n);
}

function checkNonFinite(m: Float64Array, g: Float64Array, shape: readonly number[], base: Evidence, ctx: DiagnosisContext): Diagnosis | null {
  let count = 0, first = -1, bothBad = 0, firstBoth = -1;
  const aligned = m.length === g.length;
  for (let i = 0; i < m.length; i++) {
    if (Number.isFinite(m[i])) continue;
    if (aligned && !Number.isFinite(g[i])) {
      bothBad++;
      if (firstBoth < 0) firstBoth = i;
      continue;
    }
    count++;
    if (first < 0) first = i;
  }
  const name = ctx.name;
  if (count > 0) {
    const idx = unravel(first, shape);
    const origin = ctx.nonFiniteOrigin;
    const where = origin
      ? ` It first appeared in ${origin.op}${origin.name ? ` (${origin.name})` : ""}${origin.line !== undefined ? ` at line ${origin.line}` : ""}.`
      : "";
    return {
      kind: "non-finite",
      sentence: `${dname(name)} has ${count} NaN/Inf value${count === 1 ? "" : "s"} where autograd's gradient is finite, first at ${fmtIndex(idx)} (${m[first]}); look for a division by zero, log of 0 or an overflowing exp in the formula.${where}`,
      evidence: { ...base, count, total: m.length, firstIndex: idx, manualValue: m[first], gradValue: aligned ? g[first] : undefined, origin },
      confidence: HIGH,
    };
  }
  if (bothBad > 0) {
    const idx = unravel(firstBoth, shape);
    const rest = new Float64Array(m.length), restG = new Float64Array(g.length);
    for (let i = 0; i < m.length; i++) if (Number.isFinite(m[i]) || Number.isFinite(g[i])) { rest[i] = m[i]; restG[i] = g[i]; }
    const agreesElsewhere = maxAbsDiff(rest, restG) <= 1e-5 * maxAbs(restG) + 1e-8;
    if (agreesElsewhere) {
      return {
        kind: "non-finite",
        sentence: `${tname(name)}.grad itself has ${bothBad} NaN/Inf value${bothBad === 1 ? "" : "s"} (first at ${fmtIndex(idx)}), and ${dname(name)} matches it everywhere else: the forward pass produced them, not your formula.`,
        evidence: { ...base, count: bothBad, total: m.length, firstIndex: idx, origin: ctx.nonFiniteOrigin },
        confidence: MEDIUM,
      };
    }
  }
  return null;
}

/**
 * The local derivative written without the upstream factor: manual · dU (broadcast, then summed
 * down to the tensor's shape when the op broadcast it) reproduces the reference for one of the
 * tensors U this one feeds.
 */
function checkChainFactor(
  m: Float64Array, ms: readonly number[], g: Float64Array, gs: readonly number[], base: Evidence, ctx: DiagnosisContext, eps: number,
): Diagnosis | null {
  for (const up of ctx.upstream ?? []) {
    const us = up.grad.shape;
    let target: readonly number[];
    if (broadcastDims(ms, us)) target = us;
    else if (broadcastDims(us, ms)) target = ms;
    else continue;
    const a = broadcastDims(ms, target)!.length ? expandTo(m, ms, target) : m;
    const u = toF64(up.grad);
    const b = broadcastDims(us, target)!.length ? expandTo(u, us, target) : u;
    if (maxAbs(b) === 0) continue;
    const prod = new Float64Array(a.length);
    for (let i = 0; i < prod.length; i++) prod[i] = a[i] * b[i];
    let cand: ArrayLike<number> = prod, slack: ArrayLike<number> | undefined;
    if (!sameShape(target, gs)) {
      if (!broadcastDims(gs, target)) continue;
      const red = reduceTo(prod, target, gs);
      cand = red.data;
      slack = red.absSum.map((v) => v * red.count * eps);
    }
    const r = matches(cand, g, eps, slack);
    if (!r.ok) continue;
    const name = ctx.name, dn = dname(name);
    const sp = spelling(ctx.language);
    const summed = !sameShape(target, gs) ? ` (then summed back to ${fmtShape(gs)})` : "";
    return {
      kind: "missing-chain-factor",
      sentence: `${dn} is the local derivative alone: multiplied by d${up.name}${summed} it is right (chain rule: ${dn} = ${sp.mul("local derivative", `d${up.name}`)}).`,
      evidence: { ...base, matches: up.name, residual: r.residual }, confidence: HIGH,
    };
  }
  return null;
}

function diagnoseShape(
  m: Float64Array, ms: readonly number[], g: Float64Array, gs: readonly number[], base: Evidence, ctx: DiagnosisContext, eps: number, n?: number,
): Diagnosis {
  const name = ctx.name, dn = dname(name);
  const sp = spelling(ctx.language);
  const shapes = `${dn} has shape ${fmtShape(ms)} but ${tname(name)}.grad has shape ${fmtShape(gs)}`;

  // transposed: [a, b] vs [b, a]
  if (ms.length === 2 && gs.length === 2 && ms[0] === gs[1] && ms[1] === gs[0]) {
    const t = transpose2d(m, ms[0], ms[1]);
    const r = matches(t, g, eps);
    if (r.ok) {
      return {
        kind: "transposed",
        sentence: `${shapes}, and ${dn}.T equals it: the gradient is transposed (${matmulRule(sp, true)}).`,
        evidence: { ...base, residual: r.residual }, confidence: HIGH,
      };
    }
  }

  // the same values with size-1 dims added or dropped: keepdim or a view
  if (numelOf(ms) === numelOf(gs)) {
    const r = matches(m, g, eps);
    if (r.ok) {
      const hint = sameUpToSingletons(ms, gs)
        ? ms.length < gs.length ? `keep the summed dimension (${sp.keepdim}) or reshape it` : "drop the extra size-1 dimension (sum without keepdim, or .view)"
        : `reshape it with .view(${gs.join(", ")})`;
      return {
        kind: "reshape",
        sentence: `${shapes}; the values are right: ${hint}.`,
        evidence: { ...base, residual: r.residual }, confidence: HIGH,
      };
    }
    if (sameUpToSingletons(ms, gs)) {
      const inner = diagnoseValues(m, g, gs, { ...base }, ctx, eps, n);
      if (inner) {
        return { ...inner, sentence: `${inner.sentence} (Also: ${dn} has shape ${fmtShape(ms)}, autograd's ${fmtShape(gs)}.)`, confidence: inner.confidence * 0.9 };
      }
    }
  }

  // manual is bigger: the sum over the dims broadcasting created is missing
  const reduceDims = broadcastDims(gs, ms);
  if (reduceDims && reduceDims.length) {
    const red = reduceTo(m, ms, gs);
    const slack = red.absSum.map((s) => s * red.count * eps);
    const r = matches(red.data, g, eps, slack);
    const keepdim = gs.length === ms.length;
    const lead = ms.length - gs.length;
    const dims = reduceDims;
    if (r.ok) {
      return {
        kind: "missing-sum",
        sentence: `${shapes}: ${tname(name)} was broadcast over ${dimsWord(dims)} in the forward pass, so its gradient must be summed over ${dims.length === 1 ? "it" : "them"}: ${dn}${sp.sum(dims, keepdim)} equals autograd's.`,
        evidence: { ...base, dims, keepdim, residual: r.residual }, confidence: HIGH,
      };
    }
    void lead;
    const chain = checkChainFactor(m, ms, g, gs, base, ctx, eps);
    if (chain) return chain;
    return {
      kind: "missing-sum",
      sentence: `${shapes}: ${tname(name)} was broadcast over ${dimsWord(dims)}, so its gradient needs a sum over ${dims.length === 1 ? "it" : "them"} (${sp.sum(dims, keepdim)}); the values are also off after that sum.`,
      evidence: { ...base, dims, keepdim, residual: r.residual }, confidence: LOW,
    };
  }

  // manual is smaller: a broadcast is missing, or it was summed once too often
  const expandDims = broadcastDims(ms, gs);
  if (expandDims && expandDims.length) {
    const e = expandTo(m, ms, gs);
    const r = matches(e, g, eps);
    if (r.ok) {
      return {
        kind: "missing-broadcast",
        sentence: `${shapes}; broadcast to ${fmtShape(gs)} the values are right: expand it over ${dimsWord(expandDims)} (e.g. ${sp.mul(`torch.ones_like(${tname(name)})`, dn)}), since every element of ${tname(name)} gets that gradient.`,
        evidence: { ...base, dims: expandDims, residual: r.residual }, confidence: HIGH,
      };
    }
    const red = reduceTo(g, gs, ms);
    const slack = red.absSum.map((s) => s * red.count * eps);
    const r2 = matches(m, red.data, eps, slack);
    const keepdim = ms.length === gs.length;
    if (r2.ok) {
      return {
        kind: "extra-sum",
        sentence: `${shapes}: ${dn} equals autograd's gradient summed over ${dimsWord(expandDims)}; ${tname(name)} is not broadcast there, so drop that ${sp.sum(expandDims, keepdim)}.`,
        evidence: { ...base, dims: expandDims, keepdim, residual: r2.residual }, confidence: HIGH,
      };
    }
    const chain = checkChainFactor(m, ms, g, gs, base, ctx, eps);
    if (chain) return chain;
    return {
      kind: "wrong-shape",
      sentence: `${shapes}: a sum with ${sp.keepdim} or a broadcast is missing (the gradient of a tensor always has that tensor's shape).`,
      evidence: { ...base, dims: expandDims }, confidence: MEDIUM,
    };
  }

  const chain = checkChainFactor(m, ms, g, gs, base, ctx, eps);
  if (chain) return chain;
  return {
    kind: "wrong-shape",
    sentence: `${shapes}: the gradient of a tensor always has that tensor's shape; check which operand each factor of the formula belongs to.`,
    evidence: base, confidence: MEDIUM,
  };
}

function diagnoseValues(
  m: Float64Array, g: Float64Array, shape: readonly number[], base: Evidence, ctx: DiagnosisContext, eps: number, n?: number,
): Diagnosis | null {
  const name = ctx.name, dn = dname(name), tn = tname(name);
  const sp = spelling(ctx.language);
  const gmax = maxAbs(g);

  // zeros where autograd is not: all of it, or elements never assigned
  {
    let zeros = 0, first = -1;
    const filled = new Float64Array(m.length);
    for (let i = 0; i < m.length; i++) {
      filled[i] = m[i];
      if (m[i] === 0 && g[i] !== 0 && Math.abs(g[i]) > 64 * eps * gmax) {
        zeros++;
        if (first < 0) first = i;
        filled[i] = g[i];
      }
    }
    if (zeros > 0 && matches(filled, g, eps).ok) {
      const idx = unravel(first, shape);
      const all = zeros === m.length || maxAbs(m) === 0;
      return {
        kind: "zeros",
        sentence: all
          ? `${dn} is all zeros but ${tn}.grad is not: it was created (zeros_like) and never assigned.`
          : `${dn} is 0 at ${zeros} of ${m.length} elements where ${tn}.grad is not (first at ${fmtIndex(idx)}, autograd ${fmtNum(g[first])}); those elements were never assigned, and the rest is right.`,
        evidence: { ...base, count: zeros, total: m.length, firstIndex: idx, gradValue: g[first], residual: 0 },
        confidence: all ? HIGH : HIGH,
      };
    }
  }

  // sign flipped
  {
    const r = matches(m.map((v) => -v), g, eps);
    if (r.ok) {
      return {
        kind: "sign-flipped",
        sentence: `${dn} = −${tn}.grad everywhere: the sign is flipped (check the minus of a subtraction, 1/x → −1/x², or the −mean of the loss).`,
        evidence: { ...base, factor: -1, factorLabel: "−1", residual: r.residual }, confidence: HIGH,
      };
    }
  }

  // only some paths of a tensor used more than once
  const paths = (ctx.paths ?? []).filter((p) => sameShape(p.data.shape, shape));
  if (paths.length >= 2 && paths.length <= 8) {
    const pd = paths.map((p) => toF64(p.data));
    for (let mask = 1; mask < (1 << paths.length) - 1; mask++) {
      const sum = new Float64Array(m.length);
      const slack = new Float64Array(m.length);
      for (let k = 0; k < paths.length; k++) {
        if (!(mask & (1 << k))) continue;
        for (let i = 0; i < sum.length; i++) {
          sum[i] += pd[k][i];
          slack[i] += 2 * eps * Math.abs(pd[k][i]);
        }
      }
      if (maxAbs(sum) === 0) continue;
      const r = matches(m, sum, eps, slack);
      if (!r.ok) continue;
      const info = (p: PathContribution) => ({ viaOp: p.viaOp, viaName: p.viaName, line: p.line });
      const included = paths.filter((_, k) => mask & (1 << k)).map(info);
      const missing = paths.filter((_, k) => !(mask & (1 << k))).map(info);
      return {
        kind: "one-path",
        sentence: `${dn} only has the gradient through ${included.map(describePath).join(" and ")}; ${tn} also feeds ${missing.map(describePath).join(" and ")}; add that path (${sp.addTo(dn, "…")}).`,
        evidence: { ...base, includedPaths: included, missingPaths: missing, residual: r.residual }, confidence: HIGH,
      };
    }
  }

  // the gradient of another tensor
  for (const other of ctx.others ?? []) {
    if (other.name === name || !sameShape(other.grad.shape, shape)) continue;
    const og = toF64(other.grad);
    if (maxAbs(og) === 0) continue;
    const r = matches(m, og, eps);
    if (r.ok) {
      return {
        kind: "wrong-variable",
        sentence: `${dn} equals ${other.name}.grad, not ${tn}.grad: this is the gradient of ${other.name} (the local derivative of the step from ${tn} to it may be missing, or the wrong variable was used).`,
        evidence: { ...base, matches: other.name, residual: r.residual }, confidence: HIGH,
      };
    }
  }

  const chain = checkChainFactor(m, shape, g, shape, base, ctx, eps);
  if (chain) return chain;

  // scaled by a constant
  if (gmax > 0) {
    let mg = 0, gg = 0;
    for (let i = 0; i < m.length; i++) {
      mg += m[i] * g[i];
      gg += g[i] * g[i];
    }
    const k = mg / gg;
    if (Number.isFinite(k) && k !== 0 && Math.abs(k - 1) > 1e-4) {
      const f = nameFactor(k, n);
      const r = matches(m.map((v) => v / f.value), g, eps);
      if (r.ok) {
        const inverse = nameFactor(1 / f.value, n);
        const withN = /n/.test(f.label) && n !== undefined ? ` (n = ${n})` : "";
        const hint = f.label === "(n−1)/n" ? "; 1/n where Bessel's 1/(n−1) belongs?" : f.label === "n/(n−1)" ? "; 1/(n−1) where 1/n belongs?" : "";
        return {
          kind: "scaled",
          sentence: `${dn} = ${f.label} × ${tn}.grad everywhere${withN}: a constant factor is extra or missing; multiply it by ${inverse.label}${hint || "."}`,
          evidence: { ...base, factor: f.value, factorLabel: f.label, residual: r.residual }, confidence: HIGH,
        };
      }
    }
  }

  // transposed square matrix
  if (shape.length === 2 && shape[0] === shape[1]) {
    const t = transpose2d(m, shape[0], shape[1]);
    const r = matches(t, g, eps);
    if (r.ok) {
      return {
        kind: "transposed",
        sentence: `${dn}.T equals ${tn}.grad: the gradient is transposed (${matmulRule(sp, false)}).`,
        evidence: { ...base, residual: r.residual }, confidence: HIGH,
      };
    }
  }

  // none fits: say where it is most wrong
  let worst = 0, wrong = 0;
  for (let i = 0; i < m.length; i++) {
    const d = Math.abs(m[i] - g[i]);
    if (d > 1e-8 + 1e-5 * Math.abs(g[i])) wrong++;
    if (d > Math.abs(m[worst] - g[worst])) worst = i;
  }
  const idx = unravel(worst, shape);
  return {
    kind: "unexplained",
    sentence: `${dn} differs from ${tn}.grad at ${wrong} of ${m.length} elements, most at ${fmtIndex(idx)} (manual ${fmtNum(m[worst])}, autograd ${fmtNum(g[worst])}); no common mistake (sign, factor, missing sum or path, transpose) explains it.`,
    evidence: { ...base, count: wrong, total: m.length, firstIndex: idx, manualValue: m[worst], gradValue: g[worst] },
    confidence: 0,
  };
}
