# micrograd Values (a class named Value with data, grad and _prev) as the panel draws them: the roots
# a run passed to backward() / draw_dot() or bound to names, and the Values of each root's graph. Shared
# by the built-in engine's runtime (_bpn_runtime.py) and the native one (../native/bpn_native.py).
import math


def is_value(v):
    t = type(v)
    return t.__name__ == "Value" and hasattr(v, "data") and hasattr(v, "grad") and hasattr(v, "_prev")


def num(x):
    try:
        f = float(x)
    except Exception:
        return None
    return f if math.isfinite(f) else None


def _inputs(v):
    return [p for p in (getattr(v, "_prev", ()) or ()) if is_value(p)]


def _ancestors(v, limit):
    """ids of the Values `v` was computed from, and its own (at most `limit`)."""
    seen = {id(v)}
    stack = [v]
    while stack and len(seen) < limit:
        for p in _inputs(stack.pop()):
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    return seen


def value_graph(candidates, names, limit=5000, count_limit=200000):
    """The roots the panel can draw (candidates: (kind, name or None, line, col, cell, value)), each
    with its size and whether another root contains it, and the Values of each root's graph: the
    `limit` nearest it, breadth first."""
    ids = {}
    order = []

    def node(v):
        if id(v) not in ids:
            ids[id(v)] = len(order)
            order.append(v)
        return ids[id(v)]

    within = {}
    for *_, v in candidates:
        if id(v) in within:
            continue
        within[id(v)] = _ancestors(v, count_limit)
        node(v)
        seen = {id(v)}
        queue = [v]
        head = 0
        while head < len(queue) and len(seen) < limit:
            for p in _inputs(queue[head]):
                if id(p) not in seen and len(seen) < limit:
                    seen.add(id(p))
                    queue.append(p)
                    node(p)
            head += 1
    roots = []
    for kind, name, line, col, cell, v in candidates:
        whole = not any(k != id(v) and id(v) in a for k, a in within.items())
        roots.append({"node": ids[id(v)], "kind": kind, "name": name, "line": line, "col": col, "cell": cell,
                      "count": len(within[id(v)]), "whole": whole})
    nodes = []
    for v in order:
        label = getattr(v, "label", "") or ""
        nodes.append({
            "id": ids[id(v)], "name": names.get(id(v)) or (label if isinstance(label, str) else ""),
            "data": num(v.data), "grad": num(v.grad), "op": str(getattr(v, "_op", "") or ""),
            "children": [ids[id(p)] for p in _inputs(v) if id(p) in ids],
        })
    return {"nodes": nodes, "roots": roots}


def report(sites, roots, value_classes):
    """The value graph of a run (value_graph's dict) from its bindings (sites: (name, line, col, cell) →
    value), its backward()/draw_dot() roots ((kind, line, col, cell, name) → Value) and the lines of its
    `class Value` definitions (whose `out`s are no roots); None without Values."""
    names = {id(v): k[0] for k, v in sites.items() if is_value(v)}
    if not names and not roots:
        return None
    candidates = [("named", name, line, col, cell, v) for (name, line, col, cell), v in sites.items()
                  if is_value(v) and not any(c == cell and a <= line <= b for c, a, b in value_classes)]
    candidates += [(kind, name, line, col, cell, v) for (kind, line, col, cell, name), v in roots.items()]
    return value_graph(candidates, names)
