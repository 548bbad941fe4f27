# DOT quoting as the graphviz package (0.20) writes it: names that are DOT IDs stay bare, others are
# double-quoted with their unescaped quotes escaped; '<...>' strings pass as HTML-like labels.
import re

_ID = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*|-?(\.[0-9]+|[0-9]+(\.[0-9]*)?))$")
_HTML = re.compile(r"<.*>$", re.DOTALL)
_KEYWORDS = {"node", "edge", "graph", "digraph", "subgraph", "strict"}
# an optional backslash before a quote counts as that quote; pairs of backslashes are kept as they are
_QUOTE = re.compile(r'(?P<pairs>(?:\\{2})*)\\?"')


class NoHtml(str):
    """A str whose '<...>' is text, not an HTML-like label."""
    __slots__ = ()


def nohtml(s):
    return NoHtml(s)


def escape(s):
    """Backslashes and '<...>' taken literally (graphviz.escape)."""
    return nohtml(s.replace("\\", "\\\\"))


def quote(identifier):
    if not isinstance(identifier, str):
        raise TypeError(f"expected string or bytes-like object, got {type(identifier).__name__!r}")
    if _HTML.match(identifier) and not isinstance(identifier, NoHtml):
        return identifier
    if _ID.match(identifier) and identifier.lower() not in _KEYWORDS:
        return identifier
    return '"' + _QUOTE.sub(lambda m: m.group("pairs") + '\\"', identifier) + '"'


def quote_edge(identifier):
    """An edge end 'node:port:compass' with node and port quoted on their own."""
    node, _, rest = identifier.partition(":")
    parts = [quote(node)]
    if rest:
        port, _, compass = rest.partition(":")
        parts.append(quote(port))
        if compass:
            parts.append(compass)
    return ":".join(parts)


def _items(mapping):
    # plain dicts are written sorted by key, other mappings (OrderedDict...) in their own order
    items = list(mapping.items()) if hasattr(mapping, "items") else list(mapping)
    return sorted(items) if type(mapping) is dict else items


def a_list(label=None, kwargs=None, attributes=None):
    parts = [f"label={quote(label)}"] if label is not None else []
    for mapping in (kwargs, attributes):
        if mapping:
            parts += [f"{quote(k)}={quote(v)}" for k, v in _items(mapping) if v is not None]
    return " ".join(parts)


def attr_list(label=None, kwargs=None, attributes=None):
    content = a_list(label, kwargs, attributes)
    return f" [{content}]" if content else ""
