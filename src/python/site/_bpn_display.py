# Showing rich objects the way Jupyter does: an object with `_repr_svg_` (a graphviz Digraph) becomes
# an SVG figure in the run's trace; anything else shows as IPython shows it (_bpn_pretty).
import json

import _bpn_host as _host
from _bpn_pretty import pretty

# True while a notebook kernel runs a cell: plain values go to the cell's output as a result of
# their own (IPython's Out[n]) instead of being printed
kernel = [False]


def show_svg(svg, title=None):
    """Hand one SVG document to the host as a figure of this run (the panel shows it)."""
    _host.figure(json.dumps({"kind": "svg", "svg": svg, "title": title}))


def display_value(value, echo=True):
    """A notebook cell's last expression (echo: print the repr of plain values) or a script's (not)."""
    if value is None:
        return
    svg = _svg_of(value)
    if svg is not None:
        show_svg(svg, getattr(value, "_bpn_title_", None))
    elif echo and kernel[0]:
        _host.displayResult(pretty(value))
    elif echo:
        print(pretty(value))


def display(*objs, **kwargs):
    """IPython's display(): each object as a notebook shows it."""
    for obj in objs:
        display_value(obj)


def _svg_of(value):
    if isinstance(value, type):
        return None  # the class Digraph itself, not a graph
    method = getattr(value, "_repr_svg_", None)
    return method() if callable(method) else None
