// Printing like Python and PyTorch: float repr, and tensor reprs close to torch's (4 decimals,
// scientific notation for wide ranges, `grad_fn=<...>` suffix).
import type { Tensor } from "./tensor";

/** Python's repr() of a float: shortest round-trip digits, 0.0, 1e-05, 3.725290298461914e-09. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mant, expStr] = x.toExponential().split("e");
  const exp = Number(expStr);
  const digits = mant.replace("-", "").replace(".", "");
  const sign = x < 0 ? "-" : "";
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (exp >= 0) {
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
    return `${sign}${intPart}.${digits.slice(exp + 1) || "0"}`;
  }
  return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
}

export const pyBool = (b: boolean): string => (b ? "True" : "False");

/**
 * Python's '{:.<digits>f}'.format(x) for finite x: like toFixed, but an exact tie rounds to the even
 * digit (toFixed rounds it away from zero) and -0.0 keeps its sign. A double is halfway between two
 * `digits`-decimal numbers only when x · 2^(digits+1) is an odd integer (the 5^digits of the
 * denominator cannot divide a power of two), e.g. -0.03125 → -0.0312.
 */
export function pyFixed(x: number, digits: number): string {
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  const a = Math.abs(x);
  const twice = a * 2 ** (digits + 1);
  const scale = 10 ** digits;
  if (Number.isInteger(twice) && twice % 2 === 1 && a * scale < Number.MAX_SAFE_INTEGER) {
    const down = Math.floor(a * scale); // exact here: a · 10^digits = odd · 5^digits / 2
    const even = down % 2 === 0 ? down : down + 1;
    return sign + (even / scale).toFixed(digits);
  }
  return sign + a.toFixed(digits);
}

/**
 * Python's '{:.<digits>e}'.format(x) for finite x (exponent at least two digits): like toExponential,
 * but an exact tie rounds to the even digit (1.23445e5 → 1.2344e+05) and -0.0 keeps its sign. A tie
 * shows in the exact expansion, which toExponential gives to 100 digits.
 */
export function pyExponential(x: number, digits: number): string {
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  const a = Math.abs(x);
  let s = a.toExponential(digits);
  const [mant, exp] = a.toExponential(100).split("e");
  const frac = mant.slice(2); // after "d."
  if (a !== 0 && frac[digits] === "5" && /^0*$/.test(frac.slice(digits + 1))) {
    const kept = digits === 0 ? mant[0] : mant.slice(0, 2 + digits);
    if (Number(kept[kept.length - 1]) % 2 === 0) s = `${kept}e${exp}`; // toExponential rounded up
  }
  return sign + s.replace(/e([+-])(\d)$/, "e$10$2");
}

const SUMMARIZE_OVER = 1000;
const EDGE = 3;

function elementFormatter(t: Tensor, values: ArrayLike<number>): (v: number) => string {
  if (t.dtype === "bool") return (v) => pyBool(v !== 0);
  if (t.dtype === "int64") return (v) => String(v);
  const finite = Array.from(values).filter(Number.isFinite);
  const absVals = finite.map(Math.abs);
  const allInts = finite.every((v) => Number.isInteger(v));
  const maxAbs = absVals.length ? Math.max(...absVals) : 0;
  const nonzero = absVals.filter((v) => v > 0);
  const minAbs = nonzero.length ? Math.min(...nonzero) : 0;
  const special = (v: number) => (Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf");
  if (allInts) {
    if (maxAbs > 1e8) return (v) => (Number.isFinite(v) ? pyExponential(v, 4) : special(v));
    return (v) => (Number.isFinite(v) ? `${pyFixed(v, 0)}.` : special(v));
  }
  const sci = maxAbs / Math.max(minAbs, Number.MIN_VALUE) > 1000 || maxAbs > 1e8 || minAbs < 1e-4;
  if (sci) return (v) => (Number.isFinite(v) ? pyExponential(v, 4) : special(v));
  return (v) => (Number.isFinite(v) ? pyFixed(v, 4) : special(v));
}

/** torch-style repr: tensor([[ 0.1234, -1.0000],\n        [ 2.0000,  3.5000]], grad_fn=<MulBackward0>) */
export function formatTensor(t: Tensor): string {
  const values = t._read();
  const summarize = values.length > SUMMARIZE_OVER;
  const shape = t.shape;
  const fmt = elementFormatter(t, values);
  const shown: number[] = [];
  const collect = (dim: number, base: number): void => {
    if (dim === shape.length) { shown.push(values[base]); return; }
    const step = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    const n = shape[dim];
    const idx = summarize && n > 2 * EDGE ? [...Array(EDGE).keys(), ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)] : [...Array(n).keys()];
    for (const i of idx) collect(dim + 1, base + i * step);
  };
  collect(0, 0);
  // as torch's _Formatter: a float tensor's column width comes from its nonzero finite values only
  // (tensor([-0., 1., 2.]) is not padded for the -0.)
  const counted = t.dtype === "float32" || t.dtype === "float64" ? shown.filter((v) => v !== 0 && Number.isFinite(v)) : shown;
  const width = Math.max(1, ...counted.map((v) => fmt(v).length));
  const indent = "tensor(".length;
  const render = (dim: number, base: number): string => {
    if (dim === shape.length) return fmt(values[base]).padStart(width);
    const step = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    const n = shape[dim];
    const parts: string[] = [];
    const cut = summarize && n > 2 * EDGE;
    for (let i = 0; i < n; i++) {
      if (cut && i === EDGE) { parts.push("..."); i = n - EDGE - 1; continue; }
      parts.push(render(dim + 1, base + i * step));
    }
    const sep = dim === shape.length - 1 ? ", " : "," + "\n".repeat(shape.length - dim - 1) + " ".repeat(indent + dim + 1);
    return `[${parts.join(sep)}]`;
  };
  const body = shape.length === 0 ? fmt(values[0]) : values.length === 0 ? "[]" : render(0, 0);
  const extras: string[] = [];
  if (t.dtype === "float64") extras.push("dtype=torch.float64");
  if (values.length === 0 && t.dtype !== "float32") extras.push(`size=(${shape.join(", ")}${shape.length === 1 ? "," : ""})`);
  if (t.grad_fn) extras.push(`grad_fn=<${t.grad_fn.name()}>`);
  else if (t.requires_grad) extras.push("requires_grad=True");
  return `tensor(${body}${extras.map((e) => ", " + e).join("")})`;
}

