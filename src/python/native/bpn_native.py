# Backprop Ninja's runtime for the user's own Python and PyTorch (issue #22), run as a child process:
#   python bpn_native.py --events-fd 3          (the request arrives as one JSON line on stdin; with
#                                                "kernel": true it is a notebook kernel's session)
#   python bpn_native.py --probe                (prints {python, torch, device} as JSON and exits)
# The script (or a notebook's code cells, in order, in one namespace) is compiled through the same AST
# rewrite as the built-in engine's runtime (../site/_bpn_rewrite.py), with hooks for real PyTorch:
# bindings of tensors, cmp calls (the learner's own cmp still runs), errors at the user's line. Events
# are JSON lines on the events fd, so the script's own stdout/stderr stay untouched; tensors are
# summarized here (stats over all elements, a capped top-left window), never sent whole. After the run
# the host may ask questions on the request's requestsFd (the wrong rows' tensors, replays of the
# retained backward graph for the diagnosis) until it closes that pipe.
import builtins
import contextlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import math
import os
import sys
import types

_HERE = os.path.dirname(os.path.abspath(__file__))
MAX_ROWS = MAX_COLS = 64  # protocol/trace.ts MAX_SAMPLE_ROWS / MAX_SAMPLE_COLS


def _load_shared(name):
    """../site/<name>.py by its path: putting site/ on sys.path would shadow the user's real numpy
    and matplotlib with the built-in engine's emulations that live beside it."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(_HERE, "..", "site", name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_rewrite = _load_shared("_bpn_rewrite")
_pretty = _load_shared("_bpn_pretty")
_values = _load_shared("_bpn_values")
_events = None  # the events pipe (a text file, line buffered)
_sites = {}  # (name, line, col, cell) → value, as in _bpn_runtime.py
_user_files = set()
_cell = [None]
_roots = {}  # (kind, line, col, cell, name) → the micrograd Value last passed to backward() / draw_dot() there
_value_classes = []  # (cell, first line, last line) of each `class Value`: its `out`s are no roots
_units = []  # (cell index or None, filename, source) of the run, for the probes
_start = {}  # the random state the run started in, for the probes
_cmp_kept = []  # per cmp row: (tensor, manual copy, grad copy) for the graph's ids and the diagnosis
_bw = {"root": None, "root_grad": None, "retained": False, "calls": 0, "shapes": {}, "recording": 0.0}  # the last backward()
RETAIN_FIRST = 3  # backward() calls that keep their graph before any cmp (see _install_backward)
RETAIN_SHARE = 0.03  # after a cmp: the share of the run's time that recording retained graphs may take
EXACT_STATS_NUMEL = 1 << 20  # tensors up to this size get their stats in float64 (see _stats)
KEEP_CMP_NUMEL = 1 << 22  # cmp tensors larger than this are not copied for the diagnosis
MAX_GRAPH_NODES = 5000  # protocol/trace.ts MAX_GRAPH_NODES
SECOND_BACKWARD = ("Trying to backward through the graph a second time (or directly access saved tensors after they "
                   "have already been freed). Saved intermediate values of the graph are freed when you call "
                   ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
                   "graph a second time or if you need to access saved tensors after calling backward.")  # PyTorch's words
CELL_END = b"\x00bpn-cell-end\x00"  # nativeKernel.ts CELL_END: a kernel cell's output ends here
EVENT_FRAME = b"\x00bpn-event:"  # nativeKernel.ts EVENT_FRAME: an event inside stdout, up to the next NUL
_in_stream = [False]  # a kernel's shown values and figures go inside stdout, in order with the printed text
INLINE_BACKEND = "_bpn_inline_backend"  # matplotlib's backend in notebooks: plt.show() shows figures in the cell
_mem = {"cap": None, "base": None}  # the memory cap (MB) in force, and the runtime's own data size under it


def _emit(kind, **fields):
    fields["t"] = kind
    _events.write(json.dumps(fields, allow_nan=False, default=str) + "\n")
    _events.flush()


def _emit_in_order(kind, **fields):
    """An event shown among a cell's printed lines (a value, a figure): in a kernel, written into stdout
    after what the cell printed so far, as an EVENT_FRAME the host takes out there (JSON has no raw
    NUL); else, or when the cell closed its stdout, on the events pipe."""
    if _in_stream[0]:
        _flush_streams()
        fields["t"] = kind
        data = EVENT_FRAME + json.dumps(fields, allow_nan=False, default=str).encode("utf-8") + b"\x00"
        try:
            while data:
                data = data[os.write(1, data):]
            return
        except OSError:
            del fields["t"]
    _emit(kind, **fields)


def _num(x):
    """A JSON number, or the trace's string form of a non-finite one."""
    x = float(x)
    if math.isfinite(x):
        return x
    return "NaN" if x != x else ("Infinity" if x > 0 else "-Infinity")


def _shown(x):
    return _num(float(f"{x:.7g}")) if math.isfinite(x) else _num(x)


# ---------------------------------------------------------------- tensor summaries (trace.ts Stats, Sample)
def _window(t):
    """The top-left MAX_ROWS × MAX_COLS window of t seen as rows × its last dimension, as float64."""
    import torch
    cols = t.shape[-1] if t.dim() else 1
    numel = t.numel()
    rows = numel // cols if cols else 0
    r, c = min(rows, MAX_ROWS), min(cols, MAX_COLS)
    flat = t.detach().reshape(-1)[: r * cols] if numel else t.detach().reshape(-1)
    win = flat.reshape(r, cols)[:, :c].to(torch.float64) if r and c else flat[:0].to(torch.float64)
    return win, r, c, r < rows or c < cols


def _sample(t):
    win, r, c, truncated = _window(t)
    return {"rows": r, "cols": c, "values": [_shown(v) for v in win.reshape(-1).tolist()], "truncated": truncated}


def _diff_sample(a, b):
    wa, r, c, truncated = _window(a)
    wb = _window(b)[0]
    return {"rows": r, "cols": c, "values": [_shown(v) for v in (wa - wb).reshape(-1).tolist()], "truncated": truncated}


def _stats(t):
    """min, max, mean, std (population) over the finite elements, and the NaN/Inf counts, on the
    tensor's device. In float64 as the built-in engine's, except for tensors over EXACT_STATS_NUMEL
    elements: those in their own dtype, without a float64 copy (PyTorch's float32 sums are cascaded,
    accurate for display), and without the NaN/Inf scan when the mean is finite."""
    import torch
    x = t.detach().reshape(-1)
    n = x.numel()
    if n > EXACT_STATS_NUMEL and x.is_floating_point():
        lo, hi = torch.aminmax(x)
        std, mean = torch.std_mean(x, unbiased=False)
        stats = [float(lo), float(hi), float(mean), float(std)]
        if all(math.isfinite(v) for v in stats):  # a NaN or Inf would have reached the mean
            return {"min": stats[0], "max": stats[1], "mean": stats[2], "std": stats[3], "nanCount": 0, "infCount": 0, "numel": n}
    else:
        x = x.to(torch.float64)
    finite = torch.isfinite(x)
    nan = int(torch.isnan(x).sum())
    inf = n - nan - int(finite.sum())
    f = x[finite] if nan or inf else x
    if not f.numel():
        return {"min": None, "max": None, "mean": None, "std": None, "nanCount": nan, "infCount": inf, "numel": n}
    mean = f.mean()
    return {"min": float(f.min()), "max": float(f.max()), "mean": float(mean),
            "std": float(((f - mean) ** 2).mean().sqrt()), "nanCount": nan, "infCount": inf, "numel": n}


def _summary(t):
    return {"stats": _stats(t), "sample": _sample(t)}


def _dtype(t):
    return str(t.dtype).replace("torch.", "")


def _tensor_info(name, place, t):
    info = {"name": name, **place, "shape": list(t.shape), "dtype": _dtype(t), "device": str(t.device),
            "requiresGrad": t.requires_grad, "isLeaf": t.is_leaf, "value": _summary(t)}
    if t.grad_fn is not None:
        info["gradFn"] = type(t.grad_fn).__name__
    if t.is_leaf or t.retains_grad:  # .grad of other non-leaves warns and is None
        g = t.grad
        if g is not None:
            info["grad"] = _summary(g)
    return info


def _place(key):
    name, line, col, cell = key
    return {"line": line, "column": col + 1, **({"cell": cell} if cell is not None else {})}


def _name_of(value):
    """The latest binding site of this very object (the name a cmp's argument was bound to), or None."""
    found = None
    for key, v in _sites.items():
        if v is value:
            found = key
    return found


# ---------------------------------------------------------------- hooks called by rewritten code
def __bpn_cmp__(fn, line, col, *args, **kwargs):
    """Measure cmp(name, manual, t) with PyTorch's own ==, allclose and max|diff|, then run the cmp."""
    row = None
    if len(args) == 3 and not kwargs and isinstance(args[0], str):
        try:
            row = _comparison(line, col, *args)
        except Exception as e:  # noqa: BLE001 - measuring must never break the learner's cmp
            row = None
            sys.stderr.write(f"[backprop-ninja] cmp({args[0]!r}) not recorded: {e}\n")
    try:
        return fn(*args, **kwargs)
    finally:
        if row is not None:
            _emit("cmp", **row)
            _cmp_kept.append(_keep_cmp(*args[1:]))


def _keep_cmp(manual, t):
    """The compared tensor (its graph node) and copies of both gradients as cmp saw them."""
    import torch
    if not isinstance(t, torch.Tensor):
        return (None, None, None)
    grad = t.grad if (t.is_leaf or t.retains_grad) else None
    small = lambda x: isinstance(x, torch.Tensor) and x.numel() <= KEEP_CMP_NUMEL  # noqa: E731
    return (t, manual.detach().clone() if small(manual) else None, grad.detach().clone() if small(grad) else None)


def _comparison(line, col, name, manual, t):
    import torch
    if not isinstance(t, torch.Tensor) or not (manual is None or isinstance(manual, torch.Tensor)):
        return None
    grad = t.grad if (t.is_leaf or t.retains_grad) else None
    row = {"name": name, "line": line, "column": col + 1, **({"cell": _cell[0]} if _cell[0] is not None else {}),
           "manualShape": list(manual.shape) if manual is not None else None,
           "gradShape": list(grad.shape) if grad is not None else None,
           "requiresGrad": t.requires_grad, "isLeaf": t.is_leaf}
    for role, v in (("manual", manual), ("tensor", t)):
        key = _name_of(v) if v is not None else None
        if key is not None:
            row[role + "Name"] = key[0]
            if role == "manual":
                row["manualPlace"] = _place(key)
    if manual is None or grad is None:
        return row
    try:  # the notebook's own three numbers, as its cmp computes them
        row["exact"] = bool(torch.all(manual == grad).item())
        row["approximate"] = bool(torch.allclose(manual, grad))
        row["maxdiff"] = _num((manual - grad).abs().max().item())
    except RuntimeError as e:  # shapes that do not broadcast: the host calls it a shape mismatch
        row["message"] = str(e)
    row["manual"] = _sample(manual)
    row["grad"] = _sample(grad)
    if manual.shape == grad.shape:
        row["diff"] = _diff_sample(manual, grad)
    return row


def __bpn_root__(v, key):
    if _values.is_value(v):
        _roots[key] = v
    return v


def _svg_of(value):
    """The SVG a Jupyter frontend would show for value (a graphviz Digraph's, drawn by its dot; a
    matplotlib Figure's), or None."""
    try:
        if type(value).__module__ == "matplotlib.figure" and hasattr(value, "savefig"):
            return _figure_svg(value)
        bundle = value._repr_mimebundle_() if hasattr(value, "_repr_mimebundle_") else None
        svg = (bundle or {}).get("image/svg+xml")
        if svg is None and hasattr(value, "_repr_svg_"):
            svg = value._repr_svg_()
    except Exception as e:  # noqa: BLE001 - e.g. no `dot` on PATH: shown as text instead
        sys.stderr.write(f"[backprop-ninja] {type(value).__name__} not drawn: {type(e).__name__}: {e}\n")
        return None
    return svg if isinstance(svg, str) else None


def _show(value):
    svg = _svg_of(value)
    if svg is not None:
        title = getattr(value, "name", None)
        _emit_in_order("figure", cell=_cell[0], svg=svg, title=title if isinstance(title, str) and title else None)
    else:
        _emit_in_order("display", cell=_cell[0], text=_pretty.pretty(value))


# ---------------------------------------------------------------- matplotlib in notebooks
def _figure_svg(fig):
    import io
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    return buf.getvalue()


def _show_figures(*_args, **_kwargs):
    """plt.show() of the inline backend, and a cell's end: each open figure shown as SVG where the
    cell is, then closed (as Jupyter's inline backend does)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return
    from matplotlib import _pylab_helpers
    for manager in _pylab_helpers.Gcf.get_all_fig_managers():
        fig = manager.canvas.figure
        axes = fig.get_axes()
        _emit_in_order("figure", cell=_cell[0], svg=_figure_svg(fig), title=(axes[0].get_title() if axes else "") or None)
    pyplot.close("all")


class _InlineMatplotlib(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Makes INLINE_BACKEND importable (Agg's canvas, our show), and matplotlib's default backend once
    matplotlib is imported: an environment variable would reach the script's own subprocesses, which
    cannot import it. A backend the script chooses (matplotlib.use) still wins."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == INLINE_BACKEND:
            return importlib.util.spec_from_loader(fullname, self)
        if fullname != "matplotlib":
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _DefaultBackend(spec.loader)
        return spec

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        from matplotlib.backends import backend_agg
        module.__dict__.update({k: v for k, v in vars(backend_agg).items() if not k.startswith("__")})
        module.show = _show_figures


class _DefaultBackend(importlib.abc.Loader):
    """matplotlib's own loader, then INLINE_BACKEND as its rcParams backend."""

    def __init__(self, real):
        self.real = real

    def create_module(self, spec):
        return self.real.create_module(spec)

    def exec_module(self, module):
        self.real.exec_module(module)
        try:
            module.rcParams["backend"] = "module://" + INLINE_BACKEND
        except Exception as e:  # noqa: BLE001 - matplotlib then keeps its own default
            sys.stderr.write(f"[backprop-ninja] figures will not show in the notebook: {e}\n")

    def __getattr__(self, name):  # get_resource_reader, is_package, …: the real loader's
        return getattr(self.real, name)


def _inline_matplotlib():
    if not any(isinstance(f, _InlineMatplotlib) for f in sys.meta_path):
        sys.meta_path.insert(0, _InlineMatplotlib())


def __bpn_display__(value, always):
    """A notebook cell's last expression is shown, as IPython's Out[n] (SVG when it has one, as a
    Digraph does); a script shows nothing."""
    if always and value is not None:
        _show(value)
    return value


def _display(*values, **_kwargs):
    """IPython's display(), which notebooks call without importing it."""
    for v in values:
        _show(v)


# ---------------------------------------------------------------- the backward graph
def _install_backward():
    """Tensor.backward remembers its root, for the graph drawn and the diagnosis's replays. Replaying
    needs the saved tensors, so the graph is retained (retain_graph=True when the script left it
    unset) for the first few calls, and once a cmp ran for as long as recording them has taken at
    most RETAIN_SHARE of the run's time: a training loop then frees its graphs as usual, and at most
    one extra graph is held at a time. A later backward() that reaches a node of a graph kept only for
    us, whose saved tensors PyTorch would have freed, raises PyTorch's own error (see _record_shapes)."""
    import time
    import torch
    real = torch.Tensor.backward
    started = time.perf_counter()

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        retain = retain_graph
        if retain is None and not create_graph and (_bw["calls"] < RETAIN_FIRST or (
                _cmp_kept and _bw["recording"] <= RETAIN_SHARE * (time.perf_counter() - started))):
            retain = True
        _bw["calls"] += 1
        _bw.update(root=None, root_grad=None, shapes={})  # the previous graph can go before this pass
        freed = [False]  # set once this pass is over, when PyTorch would have freed its graph
        if retain and self.grad_fn is not None:
            t0 = time.perf_counter()
            _record_shapes(self, _bw["shapes"], freed if retain_graph is None and not create_graph else None)
            _bw["recording"] += time.perf_counter() - t0
        out = real(self, gradient, retain, create_graph, inputs)
        freed[0] = True
        _bw.update(root=self, root_grad=gradient, retained=bool(retain or create_graph))
        return out

    backward.__doc__ = real.__doc__
    torch.Tensor.backward = backward


def _record_shapes(root, shapes, freed=None):
    """Each node's output shapes (by its index in _walk's order), seen by a hook as the pass runs:
    calling a node directly returns its inputs' gradients before the engine sums them to the inputs'
    shapes (broadcasting), so a replay needs those shapes, which Python cannot read from a node. The
    hook holds the index, not the node: a node → hook → node cycle through C++ would never be freed.
    freed: for a graph kept only for us, a flag set after its pass; from then on the engine running a
    node that saved tensors (which PyTorch would have freed) raises PyTorch's error. Hooks run only in
    the engine's passes, not in the diagnosis's direct calls of nodes."""
    order, truncated = _walk(root)
    for i, node in enumerate(order or []):
        if type(node).__name__ == "AccumulateGrad":
            continue  # a leaf's shape is its variable's; its node outlives the graph (a hook would pile up)
        gone = freed if freed is not None and _saves_tensors(node) else None

        def hook(grad_inputs, grad_outputs, i=i, gone=gone):
            if gone is not None and gone[0]:
                raise RuntimeError(SECOND_BACKWARD)
            shapes[i] = [None if g is None else g.shape for g in grad_outputs]

        node.register_hook(hook)


_SAVES = {}  # node type → whether its backward reads saved tensors


def _saves_tensors(node):
    """Whether PyTorch frees tensors of this node after a pass (and a second pass through it fails):
    a built-in node with saved tensors (its _raw_saved_* fields), or a custom Function's ctx that
    called save_for_backward."""
    import torch
    if isinstance(node, torch.autograd.function.BackwardCFunction):
        return len(node.saved_tensors) > 0
    kind = type(node)
    saves = _SAVES.get(kind)
    if saves is None:
        saves = _SAVES[kind] = any(a.startswith("_raw_saved_") for a in dir(kind))
    return saves


def _walk(root):
    """The nodes below root.grad_fn, each before the nodes it sends gradient to (root first), capped."""
    start = root.grad_fn
    if start is None:
        return [], False
    post, seen, stack = [], {start}, [(start, iter(start.next_functions))]
    while stack:
        node, it = stack[-1]
        nxt = next(it, None)
        if nxt is None:
            stack.pop()
            post.append(node)
        elif nxt[0] is not None and nxt[0] not in seen:
            if len(seen) >= MAX_GRAPH_NODES:
                return None, True
            seen.add(nxt[0])
            stack.append((nxt[0], iter(nxt[0].next_functions)))
    post.reverse()
    return post, False


def _call_node(node, grads):
    """One node's backward applied to its output gradients (None for outputs nothing used), as a tuple."""
    for extra in range(8):  # outputs after the last one used are not known here: pad with None
        try:
            out = node(*grads, *([None] * extra))
            break
        except TypeError:
            continue
    else:
        out = node(*grads)  # raises the interpreter's own message
    return out if isinstance(out, tuple) else (out,)


def _replay(order, overrides=None, want=None):
    """autograd's pass again over the retained graph, from the gradient backward started with.
    overrides: node index → the gradient to send on instead (or "taint": unusable, mark what it feeds).
    Returns each reached node's incoming gradient (its output 0), per-use contributions into `want`
    nodes, and the tainted indexes."""
    import torch
    index = {n: i for i, n in enumerate(order)}
    root = _bw["root"]
    g0 = _bw["root_grad"] if _bw["root_grad"] is not None else torch.ones_like(root)
    pending = {(0, root.output_nr): g0.detach()}
    incoming, contributions, tainted = {}, {}, set()
    with torch.no_grad():
        for i, node in enumerate(order):
            outs = sorted(k[1] for k in pending if k[0] == i)
            if not outs:
                continue
            grads = [pending.pop((i, k), None) for k in range(outs[-1] + 1)]
            leaf = type(node).__name__ == "AccumulateGrad"
            shapes = [node.variable.shape] if leaf else _bw["shapes"].get(i) or []
            for k, g in enumerate(grads):  # the engine's sum over broadcast dims (validate_outputs)
                if g is not None and k < len(shapes) and shapes[k] is not None and g.shape != shapes[k]:
                    grads[k] = g.sum_to_size(shapes[k])
            incoming[i] = grads[0]
            o = (overrides or {}).get(i)
            if o is not None and not isinstance(o, str) and grads[0] is not None:
                grads[0] = o
            taints = isinstance(o, str) or i in tainted  # what this node feeds is tainted, not the node
            if leaf:
                continue
            results = _call_node(node, grads)
            for slot, ((nxt, nr), gi) in enumerate(zip(node.next_functions, results)):
                if nxt is None or gi is None:
                    continue
                j = index[nxt]
                if taints:
                    tainted.add(j)
                if want is not None and j in want:
                    contributions.setdefault(j, []).append((i, slot, gi))
                acc = pending.get((j, nr))
                pending[(j, nr)] = gi if acc is None else acc + gi
    return incoming, contributions, tainted


def _backward_graph(bound):
    """The last backward's graph for the host: nodes (op, output shape, inputs, leaf, named binding),
    the compared tensors' nodes. bound: id(tensor) → its index in the bindings event. Named non-leaf
    tensors without .grad get autograd's gradient from a replay (when the graph was retained)."""
    root = _bw["root"]
    if root is None:
        return None, {}
    order, truncated = _walk(root)
    if truncated or not order:
        return ({"nodes": [], "truncated": True, "replayable": False, "cmpNodes": []} if truncated else None), {}
    index = {n: i for i, n in enumerate(order)}
    leaves = {id(n.variable): n for n in order if type(n).__name__ == "AccumulateGrad"}
    node_of = lambda t: t.grad_fn if t.grad_fn is not None else leaves.get(id(t))  # noqa: E731
    named = {}  # node index → binding index (the last binding of its tensor)
    grads = {}  # binding index → autograd's gradient from the replay
    for key, v in _sites.items():
        b = bound.get(id(v))
        if b is None:
            continue
        node = node_of(v)
        if node in index and (v.grad_fn is None or v.output_nr == 0):
            named[index[node]] = b
    shapes = {i: list(s[0]) for i, s in _bw["shapes"].items() if s and s[0] is not None}
    error = None
    if _bw["retained"]:
        try:
            incoming = _replay(order)[0]
            for i, b in named.items():
                if i in incoming and incoming[i] is not None:
                    grads[b] = incoming[i]
        except Exception as e:  # noqa: BLE001 - e.g. a saved tensor changed in place after backward
            error = f"{type(e).__name__}: {e}"
    nodes = []
    for i, node in enumerate(order):
        leaf = type(node).__name__ == "AccumulateGrad"
        shape = list(node.variable.shape) if leaf else shapes.get(i)
        if i == 0 and shape is None:
            shape = list(root.shape)
        nodes.append({"op": type(node).__name__, "shape": shape, "leaf": leaf, "tensor": named.get(i),
                      "inputs": [[index[n], nr] if n is not None else None for n, nr in node.next_functions]})
    cmp_nodes = []
    for t, _m, _g in _cmp_kept:
        node = None if t is None else node_of(t)
        cmp_nodes.append(index.get(node) if node is not None else None)
    out = {"nodes": nodes, "truncated": False, "replayable": _bw["retained"] and error is None, "cmpNodes": cmp_nodes}
    if error:
        out["replayError"] = error
    _bw["order"] = order
    return out, grads


# ---------------------------------------------------------------- the host's questions after the run
def _b64(t):
    import base64
    import torch
    x = t.detach().to("cpu").contiguous()
    dtype = "float64" if x.dtype == torch.float64 else "float32"
    x = x.to(torch.float64 if dtype == "float64" else torch.float32)
    return {"shape": list(x.shape), "dtype": dtype, "b64": base64.b64encode(x.numpy().tobytes()).decode("ascii")}


def _from_b64(d, device):
    import base64
    import torch
    dtype = torch.float64 if d["dtype"] == "float64" else torch.float32
    raw = bytearray(base64.b64decode(d["b64"]))
    return torch.frombuffer(raw, dtype=dtype).reshape(d["shape"]).to(device) if raw else torch.zeros(d["shape"], dtype=dtype, device=device)


def _answer(req):
    """{"op": "tensors"}: every cmp row's manual gradient and autograd's, as cmp saw them.
    {"op": "replay", "passes": [{overrides: {index: data | "taint"}, want: [index…]}]}: autograd's pass
    with the learner's gradients sent on from those nodes; the incoming gradient and the per-use
    contributions at the `want` nodes, and the tainted nodes."""
    if req["op"] == "tensors":
        return {"rows": [{"manual": _b64(m) if m is not None else None, "grad": _b64(g) if g is not None else None}
                         for _t, m, g in _cmp_kept]}
    if req["op"] == "replay":
        order = _bw.get("order") or []
        device = _bw["root"].device
        out = []
        for p in req["passes"]:
            try:
                overrides = {int(k): (v if isinstance(v, str) else _from_b64(v, device)) for k, v in p["overrides"].items()}
                want = set(p["want"])
                incoming, contributions, tainted = _replay(order, overrides, want)
                out.append({"incoming": {i: _b64(incoming[i]) for i in want if incoming.get(i) is not None},
                            "contributions": {j: [{"from": i, "slot": k, "grad": _b64(g)} for i, k, g in cs] for j, cs in contributions.items()},
                            "tainted": sorted(tainted)})
            except Exception as e:  # noqa: BLE001 - reported to the host, which notes it
                out.append({"error": f"{type(e).__name__}: {e}"})
        return {"passes": out}
    if req["op"] == "probe":
        return _probe(req["name"], req["nudges"])
    return {"error": f"unknown request {req.get('op')!r}"}


# ---------------------------------------------------------------- finite-difference probes
# A probe re-runs the script from the random state its run started in, with the checked name's first
# value replaced by a float64 copy with one element shifted, and ends at the first backward() with the
# loss (as the built-in engine's probes: src/runner/finiteDifference.ts compares the losses).
class _ProbeDone(BaseException):
    """Ends a probe at backward(); a BaseException, so the script's `except Exception` lets it by."""

    def __init__(self, loss):
        super().__init__()
        self.loss = loss


def _promoting():
    """A torch function mode that computes in float64 whatever mixes float64 and float32 tensors: the
    nudged float64 copy then carries float64 through ops PyTorch does not promote (matmul, cat), as
    the built-in engine does. In-place ops keep their tensor's dtype. None before PyTorch 1.13."""
    import torch
    try:
        from torch.overrides import TorchFunctionMode
        from torch.utils._pytree import tree_flatten, tree_map
    except ImportError:
        return None

    def up(a):
        return a.double() if isinstance(a, torch.Tensor) and a.dtype == torch.float32 else a

    class Promote(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            name = getattr(func, "__name__", "")
            if not (name.endswith("_") or name == "__setitem__" or name.startswith("__i")):
                dtypes = {a.dtype for a in tree_flatten((args, kwargs))[0] if isinstance(a, torch.Tensor)}
                if torch.float64 in dtypes and torch.float32 in dtypes:
                    args, kwargs = tree_map(up, args), tree_map(up, kwargs)
            return func(*args, **kwargs)

    return Promote()


def _probe(name, nudges):
    """The loss at each (flat index, delta) of `name`'s first value, or the reason there is none."""
    import io
    import random
    import torch
    codes = [(index, filename, _rewrite.compile_source(source, filename, _rewrite.ProbeRewriter(index, name, inplace_hooks=False)))
             for index, filename, source in _units]
    state = {"bound": False, "nudge": None}

    def bpn_probe(value):
        if state["bound"] or not isinstance(value, torch.Tensor):
            return value
        state["bound"] = True
        flat, delta = state["nudge"]
        x = value.detach().double().clone()
        x.view(-1)[flat] += delta
        return x.requires_grad_(value.requires_grad)

    def stop(self, *args, **kwargs):
        raise _ProbeDone(self.item())

    real_backward, streams = torch.Tensor.backward, (sys.stdout, sys.stderr)
    builtins.__bpn_probe__ = bpn_probe
    losses = []
    try:
        torch.Tensor.backward = stop
        for flat, delta in nudges:
            state.update(bound=False, nudge=(int(flat), float(delta)))
            torch.set_rng_state(_start["torch"])
            random.setstate(_start["random"])
            mod = types.ModuleType("__main__")
            mod.__file__, mod.__builtins__ = _start["path"], builtins
            sys.stdout = sys.stderr = io.StringIO()
            sys.modules["__main__"] = mod
            promote = _promoting()
            try:
                with promote if promote is not None else contextlib.nullcontext():
                    for index, _filename, code in codes:
                        _cell[0] = index
                        exec(code, mod.__dict__)
            except _ProbeDone as done:
                if state["bound"]:
                    losses.append(_num(done.loss))
                    continue
            except BaseException as e:  # noqa: BLE001 - the check reports it
                kind, message = _label(e)
                return {"error": f"the script failed with {name} nudged: {kind}: {message}"}
            finally:
                sys.stdout, sys.stderr = streams
                sys.modules["__main__"] = _start["main"]
            if not state["bound"]:
                return {"error": f"'{name}' is never assigned a tensor before backward()"}
            return {"error": "the script never calls backward(), so there is no loss to differentiate"}
    finally:
        torch.Tensor.backward = real_backward
    return {"losses": losses}


def _serve(fd):
    """Answer the host's requests (one JSON line each, on fd) until it closes the pipe."""
    try:
        with os.fdopen(fd, "r", encoding="utf-8") as requests:
            for line in requests:
                try:
                    reply = _answer(json.loads(line))
                except Exception as e:  # noqa: BLE001
                    reply = {"error": f"{type(e).__name__}: {e}"}
                _emit("reply", **reply)
    except (KeyboardInterrupt, BrokenPipeError):  # Stop, or the host went away: the run is over anyway
        pass


# ---------------------------------------------------------------- running
def _is_user_file(filename):
    if filename in _user_files:
        return True
    return filename.endswith(".py") and not filename.startswith(_HERE) and "site-packages" not in filename \
        and "dist-packages" not in filename and not filename.startswith(sys.prefix) and not filename.startswith(sys.base_prefix)


def _label(exc):
    t = type(exc)
    return (t.__qualname__ if t.__module__ in ("builtins", "__main__") else f"{t.__module__}.{t.__qualname__}"), str(exc)


def _flush_bindings():
    import torch
    tensors, bound = [], {}
    for key, v in _sites.items():
        if isinstance(v, torch.Tensor):
            try:
                tensors.append(_tensor_info(key[0], _place(key), v))
                bound[id(v)] = len(tensors) - 1
            except Exception as e:  # noqa: BLE001 - one odd tensor (sparse, meta) must not lose the rest
                sys.stderr.write(f"[backprop-ninja] {key[0]} not summarized: {e}\n")
    graph = None
    try:
        graph, grads = _backward_graph(bound)
        for b, g in grads.items():
            if "grad" not in tensors[b] and g.shape == tuple(tensors[b]["shape"]):
                tensors[b]["grad"] = _summary(g)
    except Exception as e:  # noqa: BLE001 - the run's results stand without the graph
        sys.stderr.write(f"[backprop-ninja] the backward graph was not read: {type(e).__name__}: {e}\n")
    _emit("bindings", tensors=tensors)
    if graph is not None:
        _emit("graph", **graph)
    try:
        values = _values.report(_sites, _roots, _value_classes)
        if values is not None:
            _emit("values", bound=[{"name": k[0], **_place(k), "data": _values.num(v.data), "grad": _values.num(v.grad)}
                                   for k, v in _sites.items() if _values.is_value(v)], **values)
    except Exception as e:  # noqa: BLE001 - the run's results stand without the Values
        sys.stderr.write(f"[backprop-ninja] the micrograd Values were not read: {type(e).__name__}: {e}\n")


def _open_names_fallback():
    """BACKPROP_NINJA_NAMES: open('names.txt') reads that file when the working folder has none (as the
    built-in engine's runtime does)."""
    names = os.environ.get("BACKPROP_NINJA_NAMES")
    if not names:
        return
    real_open = builtins.open

    def open(file, *args, **kwargs):  # noqa: A001 - stands in for the builtin
        if isinstance(file, str) and os.path.normpath(file) == "names.txt" and not os.path.exists(file):
            file = names
        return real_open(file, *args, **kwargs)

    builtins.open = open


def _setup(path, cwd, argv=()):
    """The process's __main__ for `path`, the hooks the rewritten code calls, backward() wrapped."""
    os.chdir(cwd or os.path.dirname(path))
    sys.argv = [path, *argv]
    sys.path.insert(0, os.path.dirname(path))
    _open_names_fallback()
    mod = types.ModuleType("__main__")
    mod.__file__ = path
    mod.__builtins__ = builtins
    builtins.__bpn_sites__ = _sites
    for k in ("__bpn_cmp__", "__bpn_root__", "__bpn_display__"):
        setattr(builtins, k, globals()[k])
    if not hasattr(builtins, "display"):
        builtins.display = _display
    _install_backward()
    sys.modules["__main__"] = mod
    return mod


def _exec_unit(mod, index, filename, source):
    """Compiles and runs one unit (the script, or a notebook cell) in mod; raises what it raises."""
    _user_files.add(filename)
    _cell[0] = index
    if index is not None:
        _emit("cell", index=index)
    rewriter = _rewrite.Rewriter(index, _value_classes, inplace_hooks=False)
    code = _rewrite.compile_source(source, filename, rewriter, display_last=index is not None)
    try:
        exec(code, mod.__dict__)
    finally:
        if index is not None:  # a notebook cell shows the figures it left open, as Jupyter's inline backend
            try:
                _show_figures()
            except Exception as e:  # noqa: BLE001 - the cell's own outcome stands
                sys.stderr.write(f"[backprop-ninja] the cell's figures were not shown: {type(e).__name__}: {e}\n")


def _outcome(e, path):
    """The done event's fields for a unit that raised e (SystemExit(0) is a normal end)."""
    if isinstance(e, SystemExit):
        if e.code in (None, 0):
            return {"ok": True}
        return {"ok": False, "error": {"type": "SystemExit", "message": str(e.code), "traceback": f"SystemExit: {e.code}\n",
                                       "line": None, "column": None, "file": path, "cell": _cell[0], "kind": "runtime"}}
    return {"ok": False, "error": _rewrite.error_report(e, _is_user_file, _memory_label)}


# ---------------------------------------------------------------- the memory cap (backpropNinja.memoryCap)
def _data_size():
    """The process's data segment (private writable memory: what RLIMIT_DATA counts), bytes, or None."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


def _cap_memory(mb):
    """Caps what the script may allocate at `mb` MB above what the runtime, Python and PyTorch hold once
    loaded, with RLIMIT_DATA: an allocation past it fails where it is made (PyTorch's "can't allocate
    memory", numpy's and Python's MemoryError) and the process lives on. Linux only (other systems do
    not enforce RLIMIT_DATA), and not with CUDA, whose driver maps large areas (device memory has CUDA's
    own out-of-memory error). The hard limit stays, so a later cell may raise the cap again."""
    try:
        import resource
        import torch
    except ImportError:
        return
    if not mb or not sys.platform.startswith("linux") or torch.cuda.is_available():
        return
    if _mem["base"] is None:
        # PyTorch's intra-op threads start at the first parallel op: their stacks (8 MB each, counted
        # by RLIMIT_DATA) belong to the baseline, not to what the script may allocate
        torch.ones(1 << 18).add_(1).sum()
        _mem["base"] = _data_size()
        if _mem["base"] is None:
            return
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    limit = _mem["base"] + int(mb) * 2 ** 20
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    try:
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
        _mem["cap"] = int(mb)
    except (ValueError, OSError) as e:
        sys.stderr.write(f"[backprop-ninja] the memory cap was not set: {e}\n")


def _memory_label(exc):
    """_label, except that an allocation refused under the cap reads as MemoryError with the cap in it."""
    kind, message = _label(exc)
    refused = isinstance(exc, MemoryError) or (isinstance(exc, RuntimeError) and "can't allocate memory" in message)
    if _mem["cap"] is None or not refused:
        return kind, message
    detail = message.split("] err == 0. ", 1)[-1].strip()  # PyTorch's "[enforce fail at alloc_cpu.cpp:75] err == 0. "
    where = "the cell" if _cell[0] is not None else "the script"
    return "MemoryError", f"{where} went over the {_mem['cap']} MB memory cap{': ' + detail if detail else ''}"


def _flush_streams():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001
            pass


def run(req):
    path = req["file"]
    cells = req.get("cells")
    mod = _setup(path, req.get("cwd"), req.get("argv", []))
    if cells is not None:
        _inline_matplotlib()
    units = [(None, path, req["source"])] if cells is None else \
        [(c["index"], f"{path}#cell{c['index']}", c["source"]) for c in cells]
    import random
    import torch
    _units[:] = units
    _start.update(path=path, main=mod, torch=torch.get_rng_state(), random=random.getstate())
    result = {"ok": True}
    try:
        for index, filename, source in units:
            _exec_unit(mod, index, filename, source)
    except BaseException as e:  # noqa: BLE001 - the user's error (or Stop's KeyboardInterrupt) is the result
        result = _outcome(e, path)
    finally:
        _flush_streams()
    try:
        _flush_bindings()
    except KeyboardInterrupt:  # a second Stop while summarizing: end with what was sent
        pass
    _emit("done", **result)
    if req.get("requestsFd") is not None:
        _serve(int(req["requestsFd"]))


def kernel(req, requests):
    """A notebook kernel's session: cells arrive one at a time ({"op": "cell", index, source}) on
    `requests` (the request's requestsFd; stdin is the cells' own) and run in one __main__, globals kept, as in a Jupyter kernel; after each cell's done
    event the host may ask its questions (_answer) about that cell until it sends the next one.
    SIGINT (Stop) raises KeyboardInterrupt only while a cell runs; between cells it is ignored, so a
    Stop that arrives as the cell ends cannot break the session."""
    import signal
    path = req["file"]
    mod = _setup(path, req.get("cwd"))
    _start.update(path=path, main=mod)
    _inline_matplotlib()
    _in_stream[0] = True
    idle = lambda *_: None  # noqa: E731
    signal.signal(signal.SIGINT, idle)
    for line in requests:
        msg = json.loads(line)
        if msg.get("op") != "cell":
            try:
                reply = _answer(msg)
            except Exception as e:  # noqa: BLE001
                reply = {"error": f"{type(e).__name__}: {e}"}
            _emit("reply", **reply)
            continue
        index = msg["index"]
        _cap_memory(msg.get("memoryMb"))
        for key in [k for k in _sites if k[3] == index]:  # a re-run cell's old bindings and roots go
            del _sites[key]
        for key in [k for k in _roots if k[3] == index]:
            del _roots[key]
        _cmp_kept.clear()  # the rows (and the diagnosis's copies) are this cell's
        filename = f"{path}#cell{index}"
        _units[:] = [(index, filename, msg["source"])]
        result = {"ok": True}
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            _exec_unit(mod, index, filename, msg["source"])
        except BaseException as e:  # noqa: BLE001 - the cell's error is its result
            result = _outcome(e, path)
        finally:
            signal.signal(signal.SIGINT, idle)
            _flush_streams()
        _flush_bindings()
        _flush_streams()
        for fd in (1, 2):  # the host reads the cell's output up to here before it ends the cell
            try:
                os.write(fd, CELL_END)
            except OSError:
                pass
        _emit("done", **result)


def probe():
    import torch
    cuda = torch.cuda.is_available()
    print(json.dumps({"python": sys.version.split()[0], "executable": sys.executable, "torch": torch.__version__,
                      "device": "cuda" if cuda else "cpu",
                      "cudaName": torch.cuda.get_device_name(0) if cuda else None}))


def main():
    global _events
    if "--probe" in sys.argv:
        probe()
        return
    fd = int(sys.argv[sys.argv.index("--events-fd") + 1])
    _events = os.fdopen(fd, "w", buffering=1, encoding="utf-8")
    req = json.loads(sys.stdin.readline())
    import torch
    _emit("hello", torch=torch.__version__, python=sys.version.split()[0],
          device="cuda" if torch.cuda.is_available() else "cpu")
    _cap_memory(req.get("memoryMb"))
    if req.get("kernel"):
        with os.fdopen(int(req["requestsFd"]), "r", encoding="utf-8") as requests:
            kernel(req, requests)
    else:
        run(req)


if __name__ == "__main__":
    main()
