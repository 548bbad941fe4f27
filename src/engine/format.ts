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
const LINE_WIDTH = 80;

function elementFormatter(t: Tensor, values: ArrayLike<number>): (v: number) => string {
  if (t.dtype === "bool") return (v) => pyBool(v !== 0);
  if (t.dtype === "int64") return (v) => String(v);
  // one pass, no spread: a summarized tensor's values can be millions long
  let allInts = true, maxAbs = 0, minAbs = Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (allInts && !Number.isInteger(v)) allInts = false;
    const a = Math.abs(v);
    if (a > maxAbs) maxAbs = a;
    if (a > 0 && a < minAbs) minAbs = a;
  }
  if (minAbs === Infinity) minAbs = 0;
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
  const shape = t.shape;
  const numel = shape.reduce((a, b) => a * b, 1);
  const summarize = numel > SUMMARIZE_OVER;
  // elements are read through the strides, so a summarized repr touches only the ones it shows
  const storage = t._storage, strides = t._strides;
  const at = (offset: number) => storage[offset];
  const shown: number[] = [];
  const indices = (n: number) => (summarize && n > 2 * EDGE
    ? [...Array(EDGE).keys(), ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)] : [...Array(n).keys()]);
  const collect = (dim: number, base: number): void => {
    if (dim === shape.length) { shown.push(at(base)); return; }
    for (const i of indices(shape[dim])) collect(dim + 1, base + i * strides[dim]);
  };
  if (numel > 0) collect(0, t._offset);
  // as torch's _Formatter over get_summarized_data: the format comes from the shown values only
  const fmt = elementFormatter(t, shown);
  // as torch's _Formatter: a float tensor's column width comes from its nonzero finite values only
  // (tensor([-0., 1., 2.]) is not padded for the -0.)
  const counted = t.dtype === "float32" || t.dtype === "float64" ? shown.filter((v) => v !== 0 && Number.isFinite(v)) : shown;
  const width = Math.max(1, ...counted.map((v) => fmt(v).length));
  const indent = "tensor(".length;
  const render = (dim: number, base: number): string => {
    if (dim === shape.length) return fmt(at(base)).padStart(width);
    const step = strides[dim];
    const n = shape[dim];
    const parts: string[] = [];
    const cut = summarize && n > 2 * EDGE;
    const last = dim === shape.length - 1;
    for (let i = 0; i < n; i++) {
      if (cut && i === EDGE) { parts.push(last ? " ..." : "..."); i = n - EDGE - 1; continue; }
      parts.push(render(dim + 1, base + i * step));
    }
    if (last) {
      // torch's _vector_str: as many elements per line as fit in 80 columns after the indent
      const perLine = Math.max(1, Math.floor((LINE_WIDTH - indent - dim) / (width + 2)));
      const lines: string[] = [];
      for (let i = 0; i < parts.length; i += perLine) lines.push(parts.slice(i, i + perLine).join(", "));
      return `[${lines.join(",\n" + " ".repeat(indent + dim + 1))}]`;
    }
    return `[${parts.join("," + "\n".repeat(shape.length - dim - 1) + " ".repeat(indent + dim + 1))}]`;
  };
  const body = shape.length === 0 ? fmt(at(t._offset)) : numel === 0 ? "[]" : render(0, t._offset);
  const extras: string[] = [];
  if (t.dtype === "float64") extras.push("dtype=torch.float64");
  if (numel === 0 && t.dtype !== "float32") extras.push(`size=(${shape.join(", ")}${shape.length === 1 ? "," : ""})`);
  if (t.grad_fn) extras.push(`grad_fn=<${t.grad_fn.name()}>`);
  else if (t.requires_grad) extras.push("requires_grad=True");
  // torch's _add_suffixes: a suffix that would pass 80 columns goes on its own line (its +1 quirk kept)
  let str = `tensor(${body}`;
  let lastLine = str.length - str.lastIndexOf("\n") + 1;
  for (const e of extras) {
    if (lastLine + e.length + 2 > LINE_WIDTH) { str += ",\n" + " ".repeat(indent) + e; lastLine = indent + e.length; }
    else { str += ", " + e; lastLine += e.length + 2; }
  }
  return str + ")";
}

