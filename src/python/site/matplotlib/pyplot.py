# matplotlib.pyplot subset: plot, scatter, contourf, imshow, hist, text, axhline/axvline, figure,
# subplot(s), title, labels, legend, grid, xlim/ylim, axis, show. Each figure becomes a chart (the
# model is src/protocol/chart.ts) handed to the host, which draws it in the panel.
# Arrays (numpy, tensors, lists) are reduced to plain floats here; NaN/Inf become None.
import json
import math

import _bpn_host as _host

from . import cm as _cm

_MAX_POINTS = 20000
_MAX_IMAGE = 256 * 256
# matplotlib's default colour cycle (tab10) and its one-letter colours
_CYCLE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
_LETTERS = {"b": "#0000ff", "g": "#008000", "r": "#ff0000", "c": "#00bfbf", "m": "#bf00bf", "y": "#bfbf00",
            "k": "#000000", "w": "#ffffff"}
_LINESTYLES = ("--", "-.", "-", ":")
_MARKERS = "o.xs+*^v<>dD"


def _unsupported(name, what="matplotlib"):
    raise NotImplementedError(
        "%s.%s is not available: matplotlib is emulated in Backprop Ninja (plot, scatter, contourf, imshow, "
        "hist, text, figure/subplots, titles, labels, legend, grid, xlim/ylim, axis, plt.cm colormaps)" % (what, name))


def _tolist(x):
    if hasattr(x, "detach"):
        x = x.detach()
    if hasattr(x, "tolist"):
        return x.tolist()
    return x


def _clean(v):
    v = float(v)
    return v if math.isfinite(v) else None


def _floats(x):
    x = _tolist(x)
    if isinstance(x, (int, float, bool)):
        return [_clean(x)]
    out = []
    stack = [iter(x)]
    while stack:
        try:
            v = next(stack[-1])
        except StopIteration:
            stack.pop()
            continue
        v = _tolist(v)
        if isinstance(v, (list, tuple)):
            stack.append(iter(v))
        else:
            out.append(_clean(v))
    return out


def _matrix(x):
    """A 2-D array as a list of rows of floats (a 1-D array is one row)."""
    x = _tolist(x)
    if not isinstance(x, (list, tuple)) or not x:
        return [[_clean(x)]] if not isinstance(x, (list, tuple)) else []
    if not isinstance(_tolist(x[0]), (list, tuple)):
        return [[_clean(_tolist(v)) for v in x]]
    return [[_clean(_tolist(v)) for v in _tolist(r)] for r in x]


def _columns(y):
    """plot's y: one line per column of a 2-D array, as matplotlib does."""
    y = _tolist(y)
    if isinstance(y, (list, tuple)) and y and isinstance(_tolist(y[0]), (list, tuple)):
        m = _matrix(y)
        return [[r[j] for r in m] for j in range(len(m[0]) if m else 0)]
    return [_floats(y)]


def _color(c):
    if c is None:
        return None
    if isinstance(c, str):
        if c in _LETTERS:
            return _LETTERS[c]
        if len(c) == 2 and c[0] == "C" and c[1].isdigit():
            return _CYCLE[int(c[1])]
        return c
    if isinstance(c, (tuple, list)) and len(c) in (3, 4):
        return "rgb(%d,%d,%d)" % tuple(int(round(float(v) * 255)) for v in c[:3])
    if isinstance(c, (int, float)):
        g = int(round(float(c) * 255))
        return "rgb(%d,%d,%d)" % (g, g, g)
    return str(c)


def _cmap_name(cmap, default="viridis"):
    if cmap is None:
        return default
    return cmap.name if hasattr(cmap, "name") else str(cmap)


def _parse_fmt(fmt):
    """'r--', 'o', 'k' → (colour or None, linestyle, marker)."""
    color, style, marker = None, None, ""
    rest = fmt
    for ls in _LINESTYLES:
        if ls in rest:
            style = ls
            rest = rest.replace(ls, "", 1)
            break
    for ch in rest:
        if ch in _LETTERS:
            color = _LETTERS[ch]
        elif ch in _MARKERS:
            marker = ch
        elif ch.isdigit() and rest.startswith("C"):
            color = _CYCLE[int(ch)]
    if style is None:
        style = "" if marker else "-"
    return color, style, marker


def max_n_levels(zmin, zmax, n=7):
    """contourf's automatic levels: matplotlib's MaxNLocator(n + 1) over the data's range."""
    if not (zmax > zmin):
        return [zmin - 1e-3, zmin + 1e-3] if zmin == zmax else [0.0, 1.0]
    nbins = n + 1
    raw = (zmax - zmin) / nbins
    scale = 10 ** math.floor(math.log10(raw))
    for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        step = m * scale
        if step < raw * (1 - 1e-9):
            continue
        lo = math.floor(zmin / step + 1e-9)
        hi = math.ceil(zmax / step - 1e-9)
        if hi - lo <= nbins:
            return [k * step for k in range(lo, hi + 1)]
    return [zmin, zmax]


def _bin_of(v, edges):
    for i in range(len(edges) - 1):
        if v < edges[i + 1]:
            return i
    return len(edges) - 2


class Axes:
    def __init__(self, fig, row=0, col=0):
        self.figure = fig
        self.row, self.col = row, col
        self.series = []
        self._title = self._xlabel = self._ylabel = None
        self._legend = False
        self._grid = False
        self._yscale = "linear"
        self._xlim = self._ylim = None
        self._axis = True
        self._cycle = 0

    def _next_color(self):
        c = _CYCLE[self._cycle % len(_CYCLE)]
        self._cycle += 1
        return c

    # plotting
    def plot(self, *args, label=None, color=None, c=None, linestyle=None, ls=None, marker=None, linewidth=None,
             lw=None, alpha=None, **kwargs):
        groups, args = [], list(args)
        while args:
            n = 1
            while n < len(args) and n < 2 and not isinstance(args[n], str):
                n += 1
            data, args = args[:n], args[n:]
            fmt = args.pop(0) if args and isinstance(args[0], str) else ""
            groups.append((data, fmt))
        lines = []
        for data, fmt in groups:
            fcolor, fstyle, fmarker = _parse_fmt(fmt)
            ys = _columns(data[-1])
            x = _floats(data[0]) if len(data) == 2 else list(range(len(ys[0]) if ys else 0))
            for y in ys:
                step = max(1, len(y) // _MAX_POINTS)
                style = linestyle or ls or fstyle
                line = {"kind": "line", "x": x[::step], "y": y[::step], "label": None if label is None else str(label),
                        "color": _color(color or c) or fcolor or self._next_color(),
                        "linestyle": "" if style in ("None", "none", " ") else style, "marker": marker or fmarker,
                        "linewidth": float(linewidth or lw or 1.5), "alpha": float(1 if alpha is None else alpha), "stride": step}
                self.series.append(line)
                lines.append(Line2D(line))
        return lines

    def scatter(self, x, y, s=None, c=None, marker=None, cmap=None, vmin=None, vmax=None, alpha=None, label=None,
                color=None, **kwargs):
        colors = None
        single = _color(color)
        if c is not None:
            if isinstance(c, str) or (isinstance(c, tuple) and len(c) in (3, 4) and all(isinstance(v, (int, float)) for v in c)):
                single = _color(c)
            else:
                colors = _floats(c)
        sizes = 36.0 if s is None else (float(s) if isinstance(s, (int, float)) else [v if v is not None else 0.0 for v in _floats(s)])
        self.series.append({"kind": "scatter", "x": _floats(x), "y": _floats(y), "c": colors,
                            "color": single or self._next_color(), "cmap": _cmap_name(cmap),
                            "vmin": None if vmin is None else float(vmin), "vmax": None if vmax is None else float(vmax),
                            "s": sizes, "alpha": float(1 if alpha is None else alpha),
                            "label": None if label is None else str(label)})
        return PathCollection()

    def contourf(self, *args, levels=None, cmap=None, alpha=None, **kwargs):
        if len(args) >= 3:
            X, Y, Z = args[0], args[1], args[2]
            rest = args[3:]
        else:
            X = Y = None
            Z, rest = args[0], args[1:]
        if rest and levels is None:
            levels = rest[0]
        z = _matrix(Z)
        rows, cols = len(z), len(z[0]) if z else 0
        if X is None:
            xs, ys = [float(j) for j in range(cols)], [float(i) for i in range(rows)]
        else:
            mx, my = _matrix(X), _matrix(Y)
            # meshgrid arrays (rows × cols) or the 1-D grids themselves
            xs = mx[0] if len(mx) == rows and len(mx[0]) == cols else _floats(X)
            ys = [r[0] for r in my] if len(my) == rows and len(my[0]) == cols else _floats(Y)
        flat = [v for r in z for v in r]
        finite = [v for v in flat if v is not None]
        if levels is None or isinstance(levels, int):
            lv = max_n_levels(min(finite), max(finite), 7 if levels is None else levels) if finite else [0.0, 1.0]
        else:
            lv = [float(v) for v in _floats(levels)]
        self.series.append({"kind": "contour", "x": xs, "y": ys, "z": flat, "levels": lv, "cmap": _cmap_name(cmap),
                            "alpha": float(1 if alpha is None else alpha)})
        return QuadContourSet(lv)

    def contour(self, *args, **kwargs):
        _unsupported("contour (line contours; contourf is available)")

    def imshow(self, x, cmap=None, interpolation=None, aspect=None, vmin=None, vmax=None, alpha=None, **kwargs):
        m = _matrix(x)
        rows, cols = len(m), (len(m[0]) if m else 0)
        step = 1
        while (rows // step) * (cols // step) > _MAX_IMAGE:
            step += 1
        m = [r[::step] for r in m[::step]]
        self.series.append({"kind": "image", "rows": len(m), "cols": len(m[0]) if m else 0,
                            "values": [v for r in m for v in r], "cmap": _cmap_name(cmap),
                            "vmin": None if vmin is None else float(vmin), "vmax": None if vmax is None else float(vmax),
                            "alpha": float(1 if alpha is None else alpha), "stride": step})
        return AxesImage()

    def hist(self, x, bins=10, range=None, density=False, label=None, color=None, alpha=None, **kwargs):
        vals = [v for v in _floats(x) if v is not None]
        if isinstance(bins, int):
            lo, hi = (float(range[0]), float(range[1])) if range else ((min(vals), max(vals)) if vals else (0.0, 1.0))
            if hi == lo:
                lo, hi = lo - 0.5, hi + 0.5
            edges = [lo + (hi - lo) * i / bins for i in _range(bins + 1)]  # `range` is hist's parameter here
        else:
            edges = [float(b) for b in _floats(bins)]
        nb = len(edges) - 1
        counts = [0.0] * nb
        for v in vals:
            if v < edges[0] or v > edges[-1]:
                continue
            counts[_bin_of(v, edges)] += 1
        if density and vals:
            total = sum(counts)
            counts = [c / (total * (edges[i + 1] - edges[i])) for i, c in enumerate(counts)]
        self.series.append({"kind": "hist", "edges": edges, "counts": counts, "label": None if label is None else str(label),
                            "color": _color(color) or self._next_color(), "alpha": float(1 if alpha is None else alpha)})
        return counts, edges, None

    def text(self, x, y, s, ha=None, va=None, horizontalalignment=None, verticalalignment=None, color=None,
             fontsize=None, size=None, **kwargs):
        self.series.append({"kind": "text", "x": float(_tolist(x)), "y": float(_tolist(y)), "text": str(s),
                            "color": _color(color) or "#000000", "ha": ha or horizontalalignment or "left",
                            "va": va or verticalalignment or "baseline", "fontsize": float(fontsize or size or 10)})

    def axhline(self, y=0, color=None, linestyle=None, ls=None, **kwargs):
        self.series.append({"kind": "hline", "at": float(_tolist(y)), "color": _color(color) or _CYCLE[0],
                            "linestyle": linestyle or ls or "-"})

    def axvline(self, x=0, color=None, linestyle=None, ls=None, **kwargs):
        self.series.append({"kind": "vline", "at": float(_tolist(x)), "color": _color(color) or _CYCLE[0],
                            "linestyle": linestyle or ls or "-"})

    # decorations
    def set_title(self, t, **kwargs):
        self._title = str(t)

    def set_xlabel(self, t, **kwargs):
        self._xlabel = str(t)

    def set_ylabel(self, t, **kwargs):
        self._ylabel = str(t)

    def set_yscale(self, s, **kwargs):
        self._yscale = "log" if str(s) == "log" else "linear"

    def _lim(self, which, args, kwargs):
        cur = self._xlim if which == "x" else self._ylim
        if not args and not kwargs:
            return tuple(cur) if cur else (0.0, 1.0)
        lo, hi = (args[0] if len(args) == 2 else (args[0][0] if args else None)), \
                 (args[1] if len(args) == 2 else (args[0][1] if args else None))
        lo = kwargs.get("left", kwargs.get("bottom", kwargs.get(which + "min", lo)))
        hi = kwargs.get("right", kwargs.get("top", kwargs.get(which + "max", hi)))
        new = [float(lo if lo is not None else (cur or [0, 1])[0]), float(hi if hi is not None else (cur or [0, 1])[1])]
        if which == "x":
            self._xlim = new
        else:
            self._ylim = new
        return tuple(new)

    def set_xlim(self, *args, **kwargs):
        return self._lim("x", args, kwargs)

    def set_ylim(self, *args, **kwargs):
        return self._lim("y", args, kwargs)

    def get_xlim(self):
        return self._lim("x", (), {})

    def get_ylim(self):
        return self._lim("y", (), {})

    def legend(self, *args, **kwargs):
        labels = args[0] if args and isinstance(args[0], (list, tuple)) else None
        if labels is not None:
            drawn = [s for s in self.series if s["kind"] in ("line", "scatter", "hist")]
            for s, lab in zip(drawn, labels):
                s["label"] = str(lab)
        self._legend = True

    def grid(self, visible=None, *args, **kwargs):
        self._grid = visible is not False

    def axis(self, arg=None, **kwargs):
        if arg in ("off", False):
            self._axis = False
        elif arg in ("on", True):
            self._axis = True
        elif isinstance(arg, (list, tuple)) and len(arg) == 4:
            self._xlim, self._ylim = [float(arg[0]), float(arg[1])], [float(arg[2]), float(arg[3])]

    def set_aspect(self, *args, **kwargs):
        pass

    def set_xticks(self, *args, **kwargs):
        pass

    def set_yticks(self, *args, **kwargs):
        pass

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        _unsupported(name, "Axes")

    def to_json(self):
        return {"title": self._title, "xlabel": self._xlabel, "ylabel": self._ylabel, "legend": self._legend,
                "grid": self._grid, "yscale": self._yscale, "xlim": self._xlim, "ylim": self._ylim,
                "axis": self._axis, "row": self.row, "col": self.col, "series": self.series}


_range = range


class Line2D:
    def __init__(self, d):
        self._d = d

    def set_label(self, s):
        self._d["label"] = str(s)

    def get_color(self):
        return self._d["color"]


class PathCollection:
    pass


class AxesImage:
    pass


class QuadContourSet:
    def __init__(self, levels):
        self.levels = levels


# where matplotlib defines them: a notebook shows plot()'s result as [<matplotlib.lines.Line2D at 0x...>]
Line2D.__module__ = "matplotlib.lines"
PathCollection.__module__ = "matplotlib.collections"
AxesImage.__module__ = "matplotlib.image"
QuadContourSet.__module__ = "matplotlib.contour"


class Figure:
    def __init__(self, figsize=None):
        self.figsize = [float(figsize[0]), float(figsize[1])] if figsize else [6.4, 4.8]
        self.axes = []
        self.rows = self.cols = 1
        self._suptitle = None
        self._current = None

    def add_subplot(self, *args, **kwargs):
        if len(args) == 1 and isinstance(args[0], int) and args[0] >= 111:
            args = (args[0] // 100, args[0] // 10 % 10, args[0] % 10)
        nrows, ncols, index = args if len(args) == 3 else (1, 1, 1)
        self.rows, self.cols = max(self.rows, nrows), max(self.cols, ncols)
        r, c = (index - 1) // ncols, (index - 1) % ncols
        for ax in self.axes:
            if (ax.row, ax.col) == (r, c):
                self._current = ax
                return ax
        ax = Axes(self, r, c)
        self.axes.append(ax)
        self._current = ax
        return ax

    def gca(self):
        return self._current or self.add_subplot()

    def suptitle(self, t, **kwargs):
        self._suptitle = str(t)

    def tight_layout(self, *args, **kwargs):
        pass

    def savefig(self, *args, **kwargs):
        pass

    def to_json(self):
        return {"figsize": self.figsize, "title": self._suptitle, "rows": self.rows, "cols": self.cols,
                "axes": [a.to_json() for a in self.axes]}


class _AxesGrid:
    """What subplots returns for several axes: indexed [i], [r, c] or [r][c], iterable, .flat/.ravel()."""

    def __init__(self, rows):
        self._rows = rows
        self._2d = isinstance(rows[0], _AxesGrid)

    def __getitem__(self, k):
        if isinstance(k, tuple):
            r = self._rows[k[0]]
            return r[k[1]] if len(k) > 1 else r
        return self._rows[k]

    def __iter__(self):
        return iter(self._rows)

    def __len__(self):
        return len(self._rows)

    @property
    def flat(self):
        return [a for r in self._rows for a in r] if self._2d else list(self._rows)

    def ravel(self):
        return self.flat

    flatten = ravel


_figures = []
_current = [None]
_shown = [0]


def _reset():
    _figures.clear()
    _current[0] = None
    _shown[0] = 0


def _flush_open_figures():
    show()


def figure(num=None, figsize=None, **kwargs):
    f = Figure(figsize)
    _figures.append(f)
    _current[0] = f
    return f


def gcf():
    return _current[0] or figure()


def gca():
    return gcf().gca()


def subplot(*args, **kwargs):
    return gcf().add_subplot(*args)


def subplots(nrows=1, ncols=1, figsize=None, squeeze=True, **kwargs):
    f = figure(figsize=figsize)
    axes = [f.add_subplot(nrows, ncols, i + 1) for i in range(nrows * ncols)]
    if squeeze and nrows * ncols == 1:
        return f, axes[0]
    if squeeze and (nrows == 1 or ncols == 1):
        return f, _AxesGrid(axes)
    return f, _AxesGrid([_AxesGrid(axes[r * ncols:(r + 1) * ncols]) for r in range(nrows)])


def _on_gca(name):
    def fn(*args, **kwargs):
        return getattr(gca(), name)(*args, **kwargs)
    fn.__name__ = name
    return fn


plot = _on_gca("plot")
scatter = _on_gca("scatter")
contourf = _on_gca("contourf")
contour = _on_gca("contour")
imshow = _on_gca("imshow")
hist = _on_gca("hist")
text = _on_gca("text")
axhline = _on_gca("axhline")
axvline = _on_gca("axvline")
title = _on_gca("set_title")
xlabel = _on_gca("set_xlabel")
ylabel = _on_gca("set_ylabel")
yscale = _on_gca("set_yscale")
xlim = _on_gca("set_xlim")
ylim = _on_gca("set_ylim")
legend = _on_gca("legend")
grid = _on_gca("grid")
axis = _on_gca("axis")
xticks = _on_gca("set_xticks")
yticks = _on_gca("set_yticks")

cm = _cm
get_cmap = _cm.get_cmap


def suptitle(t, **kwargs):
    gcf().suptitle(t)


def colorbar(*args, **kwargs):
    return None


def tight_layout(*args, **kwargs):
    return None


def close(*args, **kwargs):
    _figures.clear()
    _current[0] = None


def savefig(*args, **kwargs):
    show()


def show(*args, **kwargs):
    """Hand every open figure with something drawn to the host, then start afresh."""
    for f in _figures:
        if any(a.series for a in f.axes):
            _host.chart(json.dumps(f.to_json()))
            _shown[0] += 1
    close()


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    _unsupported(name, "matplotlib.pyplot")
