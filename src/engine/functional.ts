// torch.nn.functional: the fused ops of the exercise, each with its own backward.
import { noGrad, record } from "./autograd";
import { allocStorage } from "./dtype";
import { TorchError, fmtShape } from "./errors";
import { normDim } from "./shape";
import { Tensor } from "./tensor";
import { oneHot } from "./ops/creation";
import { exp, log, mul, sub, div, neg } from "./ops/elementwise";
import { functionalFunctions } from "./ops/table";
import { expF32 } from "./ops/fastmath";
import { inspector } from "./inspect";
import { maxmin, sum, type ValuesIndices } from "./ops/reduce";
import { expand } from "./ops/views";

function dimOf(x: Tensor, dim: number | { dim?: number } | undefined, op: string): number {
  const d = typeof dim === "object" ? dim.dim : dim;
  if (d === undefined) throw new TorchError(`${op}: pass dim explicitly, e.g. ${op}(x, 1)`);
  return normDim(d, x.ndim, op);
}

const rowMax = (x: Tensor, d: number): Tensor => (maxmin(x.detach(), d, true, "max") as ValuesIndices).values;

/**
 * softmax / log_softmax over the rows of a contiguous float32 [m, n] tensor in one pass per row,
 * with the same float32 roundings as the composite below (shift by the row max, exp, sum in double,
 * then divide, or subtract the log of the sum), so the values are identical. null when it does not
 * apply, or when the result has a NaN/Inf while the runner watches for them: the composite then
 * recomputes it and reports the op where it appears.
 */
function rowSoftmax(x: Tensor, d: number, logOut: boolean): Tensor | null {
  if (x.ndim !== 2 || d !== 1 || x.dtype !== "float32" || !x.is_contiguous()) return null;
  const [m, n] = x._shape;
  if (n === 0) return null;
  const s = x._storage, off = x._offset;
  const out = allocStorage("float32", m * n);
  for (let i = 0; i < m; i++) {
    const base = off + i * n, o = i * n;
    let best = s[base];
    for (let j = 1; j < n; j++) {
      const v = s[base + j];
      if (v > best || (v !== v && best === best)) best = v;
    }
    let acc = 0;
    for (let j = 0; j < n; j++) {
      const shifted = Math.fround(s[base + j] - best), e = Math.fround(expF32(shifted));
      out[o + j] = logOut ? shifted : e;
      acc += e;
    }
    const total = Math.fround(acc);
    if (logOut) {
      const lse = Math.fround(Math.log(total));
      for (let j = 0; j < n; j++) out[o + j] = out[o + j] - lse;
    } else {
      for (let j = 0; j < n; j++) out[o + j] = out[o + j] / total;
    }
  }
  if (inspector.onNonFinite) for (let i = 0; i < out.length; i++) if (!Number.isFinite(out[i])) return null;
  return new Tensor(out, [m, n], "float32");
}

export function softmax(x: Tensor, dim: number | { dim?: number }): Tensor {
  const d = dimOf(x, dim, "softmax");
  const y = rowSoftmax(x, d, false) ?? noGrad(() => {
    const e = exp(sub(x, rowMax(x, d)));
    return div(e, sum(e, [d], true));
  }).detach();
  return record(y, "SoftmaxBackward0", [x], (g) => [mul(y, sub(g, sum(mul(g, y), [d], true)))], [y]);
}

export function log_softmax(x: Tensor, dim: number | { dim?: number }): Tensor {
  const d = dimOf(x, dim, "log_softmax");
  const y = rowSoftmax(x, d, true) ?? noGrad(() => {
    const shifted = sub(x, rowMax(x, d));
    return sub(shifted, log(sum(exp(shifted), [d], true)));
  }).detach();
  return record(y, "LogSoftmaxBackward0", [x], (g) => [sub(g, mul(exp(y), sum(g, [d], true)))], [y]);
}

export interface CrossEntropyOpts { reduction?: "mean" | "sum" | "none" }

/** Fused cross-entropy of logits [N, C] against class indices [N]; backward (softmax − one_hot)/N. */
export function cross_entropy(logits: Tensor, target: Tensor, opts: CrossEntropyOpts = {}): Tensor {
  if (logits.ndim !== 2) throw new TorchError(`cross_entropy: expected logits of shape [N, C], got ${fmtShape(logits.shape)}`);
  if (target.dtype !== "int64") throw new TorchError(`cross_entropy: expected target of dtype int64 (class indices), got ${target.dtype}`);
  const [n, c] = logits.shape;
  if (target.ndim !== 1 || target.shape[0] !== n) {
    throw new TorchError(`cross_entropy: Expected input batch_size (${n}) to match target batch_size (${target.shape[0] ?? 0}).`);
  }
  const reduction = opts.reduction ?? "mean";
  const t = target._read();
  for (const k of t) if (k < 0 || k >= c) throw new TorchError(`cross_entropy: Target ${k} is out of bounds (${c} classes).`);
  const losses = noGrad(() => {
    const ls = log_softmax(logits.detach(), 1)._read();
    return Float64Array.from(t, (k, i) => -ls[i * c + k]);
  });
  const total = losses.reduce((a, b) => a + b, 0);
  const store = (vals: number[]) => {
    const s = allocStorage(logits.dtype, vals.length);
    s.set(vals);
    return s;
  };
  const out = reduction === "none"
    ? new Tensor(store(Array.from(losses)), [n], logits.dtype)
    : new Tensor(store([reduction === "mean" ? total / n : total]), [], logits.dtype);
  return record(out, "CrossEntropyLossBackward0", [logits], (g) => {
    const fused = crossEntropyBackwardRows(logits, target, g, reduction);
    if (fused) return [fused];
    const diff = sub(softmax(logits.detach(), 1), oneHot(target, c));
    if (reduction === "none") return [mul(diff, g.reshape([n, 1]))];
    const scale = reduction === "mean" ? div(g, n) : g;
    return [mul(diff, expand(scale.reshape([1, 1]), [n, c]))];
  }, [logits]); // PyTorch keeps log_softmax's result instead; this one reads the logits again
}

/**
 * cross_entropy's backward below, (softmax − one_hot) · scale, written into the one-pass softmax's
 * own buffer: the same float32 roundings (p − 1 at the target, then the product with the scale,
 * g / N for "mean", g for "sum", g[i] per row for "none") without the one-hot, difference and
 * product temporaries. null when the one-pass softmax does not apply or g is not float32.
 */
function crossEntropyBackwardRows(logits: Tensor, target: Tensor, g: Tensor, reduction: "mean" | "sum" | "none"): Tensor | null {
  if (g.dtype !== "float32") return null;
  const y = rowSoftmax(logits.detach(), 1, false);
  if (!y) return null;
  const [n, c] = y._shape, p = y._storage, t = target._read(), gv = g._read();
  const whole = reduction === "mean" ? Math.fround(gv[0] / n) : gv[0];
  for (let i = 0; i < n; i++) {
    const o = i * c, scale = reduction === "none" ? gv[i] : whole;
    p[o + t[i]] = p[o + t[i]] - 1;
    for (let j = 0; j < c; j++) p[o + j] = p[o + j] * scale;
  }
  return y;
}

export const one_hot = (t: Tensor, num_classes: number | { num_classes?: number } = -1): Tensor =>
  oneHot(t, typeof num_classes === "object" ? num_classes.num_classes ?? -1 : num_classes);

export const F = {
  one_hot,
  softmax,
  log_softmax,
  cross_entropy,
  ...functionalFunctions(),
  /** the engine's own alias (torch.nn.functional has no neg) */
  neg: (x: Tensor) => neg(x),
};
