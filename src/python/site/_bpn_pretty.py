# A cell's result as IPython shows it (its Out[n] text), not as repr() gives it: a list, tuple, set
# or dict too long for one line of 79 characters puts one item per line, and an object without a
# __repr__ of its own reads "<module.Class at 0x...>". Nested containers that fit stay on one line;
# a repr over several lines breaks the container it is in.
# Pure standard library: both Python runtimes use it (the built-in engine's and the native one).
WIDTH = 79


def pretty(value):
    return _fmt(value, 0, 0, 0, set())


def _fmt(v, col, indent, trailer, seen):
    """v's text starting at column `col`, followed on its last line by `trailer` more characters; a
    broken container's later items start at its `indent` plus the width of its opening (IPython's
    groups indent from their parent's indentation, not from the column they start at)."""
    flat = _flat(v, seen)
    parts = _parts(v)
    if parts is None:  # a repr over several lines goes on at the indentation it is at
        return flat.replace("\n", "\n" + " " * indent)
    if id(v) in seen or not parts[1] or ("\n" not in flat and len(flat) + col + trailer <= WIDTH):
        return flat
    open_, items, close = parts
    seen = seen | {id(v)}
    inner = indent + len(open_)
    lines = []
    for k, item in enumerate(items):
        at = col + len(open_) if k == 0 else inner
        lines.append(_fmt_item(item, at, inner, len(close) + trailer if k == len(items) - 1 else 1, seen))
    return open_ + (",\n" + " " * inner).join(lines) + close


def _fmt_item(item, col, indent, trailer, seen):
    if not isinstance(item, _KeyValue):
        return _fmt(item, col, indent, trailer, seen)
    key = _fmt(item.key, col, indent, 2, seen)
    last = key.rsplit("\n", 1)[-1]
    at = (col if "\n" not in key else 0) + len(last) + 2
    return key + ": " + _fmt(item.value, at, indent, trailer, seen)


def _flat(v, seen):
    """The one-line text (what repr gives, but with IPython's text for objects without a repr)."""
    if isinstance(v, _KeyValue):
        return _flat(v.key, seen) + ": " + _flat(v.value, seen)
    parts = _parts(v)
    if parts is None:
        return _leaf(v)
    open_, items, close = parts
    if id(v) in seen:
        return open_ + "..." + close
    seen = seen | {id(v)}
    return open_ + ", ".join(_flat(i, seen) for i in items) + close


class _KeyValue:
    __slots__ = ("key", "value")

    def __init__(self, key, value):
        self.key, self.value = key, value


def _parts(v):
    """(opening, items, closing) of a container IPython breaks over lines, else None."""
    t = type(v)
    if t.__repr__ not in (list.__repr__, tuple.__repr__, dict.__repr__, set.__repr__, frozenset.__repr__):
        return None  # a subclass with a repr of its own (torch.Size, namedtuples...) keeps it
    if isinstance(v, list):
        return "[", list(v), "]"
    if isinstance(v, tuple):
        return ("(", list(v), ",)") if len(v) == 1 else ("(", list(v), ")")
    if isinstance(v, dict):
        return "{", [_KeyValue(k, x) for k, x in v.items()], "}"
    if isinstance(v, (set, frozenset)):
        if not v:
            return None
        items = list(v)
        try:
            items = sorted(items)
        except TypeError:
            pass
        return ("{", items, "}") if isinstance(v, set) else ("frozenset({", items, "})")
    return None


def _leaf(v):
    t = type(v)
    if getattr(t, "__repr__", None) is object.__repr__:
        mod = getattr(t, "__module__", None)
        name = getattr(t, "__qualname__", t.__name__)
        if mod not in (None, "builtins"):
            name = mod + "." + name
        return "<%s at 0x%x>" % (name, id(v))
    return repr(v)
