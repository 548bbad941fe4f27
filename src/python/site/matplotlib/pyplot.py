# matplotlib.pyplot subset: plot, hist, imshow, figure, subplot(s), title, labels, legend, show.
# Each figure becomes a JSON chart description handed to the host, which draws it in the panel.
# Tensors and lists are reduced to plain floats here (images are capped so the trace stays small).
import json
import math

import _bpn_host as _host

_MAX_POINTS = 20000
_MAX_IMAGE = 256 * 256


def _floats(x):
    if hasattr(x, "tolist"):
        x = x.tolist()
    if isinstance(x, (int, float, bool)):
        return [float(x)]
    out = []
    stack = [iter(x)]
    while stack:
        try:
            v = next(stack[-1])
        except StopIteration:
            stack.pop()
            continue
        if hasattr(v, "tolist"):
            v = v.tolist()
        if isinstance(v, (list, tuple)):
            stack.append(iter(v))
        else:
            out.append(_clean(float(v)))
    return out


def _clean(v):
    return v if math.isfinite(v) else None


def _matrix(x):
    if hasattr(x, "tolist"):
        x = x.tolist()
    rows = [r if isinstance(r, (list, tuple)) else [r] for r in x]
    return [[_clean(float(v)) for v in r] for r in rows]


class Axes:
    def __init__(self, fig):
        self.figure = fig
        self.series = []
        self.title = None
        self.xlabel = None
        self.ylabel = None
        self._legend = False
        self._grid = False
        self.yscale = "linear"

    # plotting
    def plot(self, *args, label=None, **kwargs):
        args = [a for a in args if not isinstance(a, str)]
        if len(args) == 1:
            y = _floats(args[0])
            x = list(range(len(y)))
        else:
            x, y = _floats(args[0]), _floats(args[1])
        step = max(1, len(y) // _MAX_POINTS)
        self.series.append({"kind": "line", "x": x[::step], "y": y[::step], "label": label, "stride": step})
        return []

    def hist(self, x, bins=10, label=None, density=False, **kwargs):
        vals = [v for v in _floats(x) if v is not None]
        nb = bins if isinstance(bins, int) else len(bins) - 1
        lo, hi = (min(vals), max(vals)) if vals else (0.0, 1.0)
        if not isinstance(bins, int):
            edges = [float(b) for b in bins]
        else:
            if hi == lo:
                lo, hi = lo - 0.5, hi + 0.5
            edges = [lo + (hi - lo) * i / nb for i in range(nb + 1)]
        counts = [0] * nb
        for v in vals:
            if v < edges[0] or v > edges[-1]:
                continue
            k = min(nb - 1, int((v - edges[0]) / (edges[-1] - edges[0]) * nb)) if isinstance(bins, int) else _bin_of(v, edges)
            counts[k] += 1
        if density and vals:
            counts = [c / (len(vals) * (edges[i + 1] - edges[i])) for i, c in enumerate(counts)]
        self.series.append({"kind": "hist", "edges": edges, "counts": counts, "label": label})
        return counts, edges, None

    def imshow(self, x, cmap=None, interpolation=None, aspect=None, **kwargs):
        m = _matrix(x)
        rows, cols = len(m), (len(m[0]) if m else 0)
        step = 1
        while (rows // step) * (cols // step) > _MAX_IMAGE:
            step += 1
        m = [r[::step] for r in m[::step]]
        self.series.append({"kind": "image", "rows": len(m), "cols": len(m[0]) if m else 0,
                            "values": [v for r in m for v in r], "cmap": cmap or "viridis", "stride": step})
        return None

    def scatter(self, x, y, c=None, s=None, label=None, **kwargs):
        self.series.append({"kind": "scatter", "x": _floats(x), "y": _floats(y),
                            "c": _floats(c) if c is not None and not isinstance(c, str) else None, "label": label})
        return None

    def axhline(self, y=0, **kwargs):
        self.series.append({"kind": "hline", "y": float(y)})

    # decorations
    def set_title(self, t, **kwargs):
        self.title = str(t)

    def set_xlabel(self, t, **kwargs):
        self.xlabel = str(t)

    def set_ylabel(self, t, **kwargs):
        self.ylabel = str(t)

    def set_yscale(self, s, **kwargs):
        self.yscale = str(s)

    def legend(self, *args, **kwargs):
        self._legend = True

    def grid(self, *args, **kwargs):
        self._grid = True

    def to_json(self):
        return {"title": self.title, "xlabel": self.xlabel, "ylabel": self.ylabel, "legend": self._legend,
                "grid": self._grid, "yscale": self.yscale, "series": self.series}


def _bin_of(v, edges):
    for i in range(len(edges) - 1):
        if v < edges[i + 1]:
            return i
    return len(edges) - 2


class Figure:
    def __init__(self, figsize=None):
        self.figsize = list(figsize) if figsize else None
        self.axes = []
        self.suptitle = None
        self._current = None

    def add_subplot(self, *args, **kwargs):
        ax = Axes(self)
        self.axes.append(ax)
        self._current = ax
        return ax

    def gca(self):
        return self._current or self.add_subplot()

    def to_json(self):
        return {"figsize": self.figsize, "title": self.suptitle, "axes": [a.to_json() for a in self.axes]}


_figures = []
_current = [None]
_shown = [0]


def _reset():
    _figures.clear()
    _current[0] = None
    _shown[0] = 0


def _flush_open_figures():
    show()


def figure(figsize=None, **kwargs):
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


def subplots(nrows=1, ncols=1, figsize=None, **kwargs):
    f = figure(figsize)
    axes = [f.add_subplot() for _ in range(nrows * ncols)]
    if nrows * ncols == 1:
        return f, axes[0]
    if nrows == 1 or ncols == 1:
        return f, axes
    return f, [axes[r * ncols:(r + 1) * ncols] for r in range(nrows)]


def plot(*args, **kwargs):
    return gca().plot(*args, **kwargs)


def hist(*args, **kwargs):
    return gca().hist(*args, **kwargs)


def imshow(*args, **kwargs):
    return gca().imshow(*args, **kwargs)


def scatter(*args, **kwargs):
    return gca().scatter(*args, **kwargs)


def axhline(*args, **kwargs):
    return gca().axhline(*args, **kwargs)


def title(t, **kwargs):
    gca().set_title(t)


def suptitle(t, **kwargs):
    gcf().suptitle = str(t)


def xlabel(t, **kwargs):
    gca().set_xlabel(t)


def ylabel(t, **kwargs):
    gca().set_ylabel(t)


def yscale(s, **kwargs):
    gca().set_yscale(s)


def legend(*args, **kwargs):
    gca().legend()


def grid(*args, **kwargs):
    gca().grid()


def colorbar(*args, **kwargs):
    return None


def xlim(*args, **kwargs):
    return None


def ylim(*args, **kwargs):
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
