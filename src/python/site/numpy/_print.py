# numpy 1.24's printing of arrays (repr and str), for the ndarray of _core.py: the default print
# options (precision 8, linewidth 75, threshold 1000, edgeitems 3), floatmode 'maxprec'.
from decimal import ROUND_HALF_EVEN, Decimal

import torch

PRECISION, LINEWIDTH, THRESHOLD, EDGEITEMS = 8, 75, 1000, 3
_INF = float("inf")


def _finite(v):
    return v == v and v not in (_INF, -_INF)


def _positional(v, shortest):
    """v's shortest digits, rounded to PRECISION fractional digits when longer: '1.', '-0.25'."""
    d = Decimal(shortest(v))
    if d.as_tuple().exponent < -PRECISION:
        d = Decimal(v).quantize(Decimal(1).scaleb(-PRECISION), ROUND_HALF_EVEN)
    s = format(d, "f")
    if "." not in s:
        s += "."
    return s.rstrip("0")


def _scientific(v, precision, shortest, pad):
    """(mantissa, exponent) of v: its shortest digits, rounded to `precision` fractional digits
    when longer; with pad, zeros fill the mantissa to `precision` digits."""
    d = Decimal(shortest(v))
    digits = "".join(map(str, d.as_tuple().digits)).rstrip("0") or "0"
    sign = "-" if d.is_signed() else ""
    exponent = 0 if d.is_zero() else d.adjusted()
    if len(digits) - 1 > precision:
        m, e = ("%.*e" % (precision, v)).split("e")
        sign, m = ("-", m[1:]) if m.startswith("-") else ("", m)
        digits, exponent = m.replace(".", "").rstrip("0") or "0", int(e)
    frac = digits[1:]
    if pad:
        frac = frac.ljust(precision, "0")
    return f"{sign}{digits[0]}.{frac}", exponent


class _FloatFormat:
    def __init__(self, values, shortest):
        self.shortest = shortest
        finite = [v for v in values if _finite(v)]
        nonzero = [abs(v) for v in finite if v != 0]
        self.exp = bool(nonzero) and (max(nonzero) >= 1e8 or min(nonzero) < 1e-4 or max(nonzero) / min(nonzero) > 1e3)
        self.pad_left = self.pad_right = self.precision = self.exp_size = 0
        if finite and self.exp:
            parts = [_scientific(v, PRECISION, shortest, False) for v in finite]
            self.exp_size = max(len(str(abs(e))) for _, e in parts)
            self.exp_size = max(self.exp_size, 2)
            self.precision = max(len(m.split(".")[1]) for m, _ in parts)
            self.pad_left = max(len(m.split(".")[0]) for m, _ in parts)
            self.pad_right = self.exp_size + 2 + self.precision
        elif finite:
            parts = [_positional(v, shortest).split(".") for v in finite]
            self.pad_left = max(len(i) for i, _ in parts)
            self.pad_right = max(len(f) for _, f in parts)
        if len(finite) != len(values):
            neginf = any(v == -_INF for v in values)
            self.pad_left = max(self.pad_left, 3 - (self.pad_right + 1), 3 + neginf - (self.pad_right + 1))

    def __call__(self, v):
        if not _finite(v):
            s = "nan" if v != v else "inf" if v > 0 else "-inf"
            return s.rjust(self.pad_left + self.pad_right + 1)
        if self.exp:
            m, e = _scientific(v, self.precision, self.shortest, True)
            i, f = m.split(".")
            return f"{i.rjust(self.pad_left)}.{f}e{'-' if e < 0 else '+'}{str(abs(e)).zfill(self.exp_size)}"
        i, f = _positional(v, self.shortest).split(".")
        return f"{i.rjust(self.pad_left)}.{f.ljust(self.pad_right)}"


def _formatter(flat, dtype):
    """The function that formats each element, fitted to the elements shown (numpy's fillFormat)."""
    if dtype.kind == "b":
        width = 5 if not all(flat) else 4
        return lambda v: ("True" if v else "False").rjust(width)
    if dtype.kind == "i":
        width = max((len(str(v)) for v in flat), default=0)
        return lambda v: str(v).rjust(width)
    from ._core import _f32_repr
    return _FloatFormat(flat, _f32_repr if dtype.name == "float32" else repr)


def _shown(a):
    """The elements printed, as nested lists: all of them, or when summarizing only the first and
    last EDGEITEMS along each long axis (taken by the engine, so a large array is not read whole)."""
    t = a._t
    summarize = a.size > THRESHOLD
    if summarize:
        for ax, n in enumerate(a.shape):
            if n > 2 * EDGEITEMS:
                lead = (slice(None),) * ax
                t = torch.cat([t[lead + (slice(0, EDGEITEMS),)], t[lead + (slice(n - EDGEITEMS, n),)]], dim=ax)
    return t.tolist(), summarize


def _flat(x, ndim):
    """The nested lists of an ndim-d array (ndim >= 1) as one flat list."""
    for _ in range(ndim - 1):
        x = [v for row in x for v in row]
    return x


def _body(a, prefix, separator, suffix):
    """numpy's array2string: nested brackets, lines wrapped to LINEWIDTH (less the suffix)."""
    values, summarize = _shown(a)
    ndim, shape = a.ndim, a.shape
    fmt = _formatter(_flat(values, ndim) if ndim else [values], a.dtype)
    if ndim == 0:
        return fmt(values)

    def nested(x, depth, indent, width):
        if depth == ndim:
            return fmt(x)
        n = len(x)
        short = summarize and shape[depth] > 2 * EDGEITEMS
        order = list(range(EDGEITEMS)) + [None] + list(range(n - EDGEITEMS, n)) if short else list(range(n))
        if depth == ndim - 1:
            limit = width - max(len(separator.rstrip()), 1)
            s, line = "", indent
            for k, i in enumerate(order):
                word = "..." if i is None else fmt(x[i])
                # wrap before a word that would pass the limit (not on a line that holds only the indent)
                if len(line) + len(word) > limit and len(line) > len(indent):
                    s += line.rstrip() + "\n"
                    line = indent
                line += word
                if k < len(order) - 1:
                    line += separator
            s += line
        else:
            between = separator.rstrip() + "\n" * (ndim - depth - 1)
            rows = [indent + ("..." if i is None else nested(x[i], depth + 1, indent + " ", width - 1)) for i in order]
            s = between.join(rows)
        return "[" + s[len(indent):] + "]"

    return nested(values, 0, " " * (len(prefix) + 1), LINEWIDTH - len(suffix))


def array_repr(a):
    implied = a.dtype.name in ("float64", "int64", "bool") and a.size > 0
    suffix = ")" if implied else ","
    if a.size > 0 or a.shape == (0,):
        body = "[]" if a.size == 0 else _body(a, "array(", ", ", suffix)
    else:
        body = f"[], shape={a.shape!r}"
    s = "array(" + body + suffix
    if implied:
        return s
    dtype = f"dtype={a.dtype.name})"
    last = len(s) - (s.rfind("\n") + 1)
    return s + ("\n" + " " * len("array(") if last + len(dtype) + 1 > LINEWIDTH else " ") + dtype


def array_str(a):
    if a.ndim == 0:
        return str(a[()])
    return "[]" if a.size == 0 else _body(a, "", " ", "")
