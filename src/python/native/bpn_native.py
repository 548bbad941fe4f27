# Backprop Ninja's runtime for the user's own Python and PyTorch (issue #22), run as a child process:
#   python bpn_native.py --events-fd 3          (the request arrives as one JSON line on stdin)
#   python bpn_native.py --probe                (prints {python, torch, device} as JSON and exits)
# The script (or a notebook's code cells, in order, in one namespace) is compiled through the same AST
# rewrite as the built-in engine's runtime (../site/_bpn_rewrite.py), with hooks for real PyTorch:
# bindings of tensors, cmp calls (the learner's own cmp still runs), errors at the user's line. Events
# are JSON lines on the events fd, so the script's own stdout/stderr stay untouched; tensors are
# summarized here (stats over all elements, a capped top-left window), never sent whole.
import builtins
import importlib.util
import json
import math
import os
import sys
import types

_HERE = os.path.dirname(os.path.abspath(__file__))
MAX_ROWS = MAX_COLS = 64  # protocol/trace.ts MAX_SAMPLE_ROWS / MAX_SAMPLE_COLS


def _load_rewrite():
    """../site/_bpn_rewrite.py by its path: putting site/ on sys.path would shadow the user's real numpy
    and matplotlib with the built-in engine's emulations that live beside it."""
    spec = importlib.util.spec_from_file_location("_bpn_rewrite", os.path.join(_HERE, "..", "site", "_bpn_rewrite.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_rewrite = _load_rewrite()
_events = None  # the events pipe (a text file, line buffered)
_sites = {}  # (name, line, col, cell) → value, as in _bpn_runtime.py
_user_files = set()
_cell = [None]


def _emit(kind, **fields):
    fields["t"] = kind
    _events.write(json.dumps(fields, allow_nan=False, default=str) + "\n")
    _events.flush()


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
    import torch
    x = t.detach().to(torch.float64).reshape(-1)
    n = x.numel()
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
    return v  # micrograd roots: not reported by this runtime yet


def __bpn_display__(value, always):
    """A notebook cell's last expression is shown, as IPython's Out[n]; a script shows nothing."""
    if always and value is not None:
        _emit("display", cell=_cell[0], text=repr(value))
    return value


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
    tensors = []
    for key, v in _sites.items():
        if isinstance(v, torch.Tensor):
            try:
                tensors.append(_tensor_info(key[0], _place(key), v))
            except Exception as e:  # noqa: BLE001 - one odd tensor (sparse, meta) must not lose the rest
                sys.stderr.write(f"[backprop-ninja] {key[0]} not summarized: {e}\n")
    _emit("bindings", tensors=tensors)


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


def run(req):
    path = req["file"]
    cells = req.get("cells")
    os.chdir(req.get("cwd") or os.path.dirname(path))
    sys.argv = [path, *req.get("argv", [])]
    sys.path.insert(0, os.path.dirname(path))
    _open_names_fallback()
    mod = types.ModuleType("__main__")
    mod.__file__ = path
    mod.__builtins__ = builtins
    builtins.__bpn_sites__ = _sites
    for k in ("__bpn_cmp__", "__bpn_root__", "__bpn_display__"):
        setattr(builtins, k, globals()[k])
    sys.modules["__main__"] = mod
    units = [(None, path, req["source"])] if cells is None else \
        [(c["index"], f"{path}#cell{c['index']}", c["source"]) for c in cells]
    result = {"ok": True}
    try:
        for index, filename, source in units:
            _user_files.add(filename)
            _cell[0] = index
            if index is not None:
                _emit("cell", index=index)
            rewriter = _rewrite.Rewriter(index, inplace_hooks=False)
            code = _rewrite.compile_source(source, filename, rewriter, display_last=index is not None)
            exec(code, mod.__dict__)
    except SystemExit as e:
        if e.code not in (None, 0):
            result = {"ok": False, "error": {"type": "SystemExit", "message": str(e.code), "traceback": f"SystemExit: {e.code}\n",
                                             "line": None, "column": None, "file": path, "cell": None, "kind": "runtime"}}
    except BaseException as e:  # noqa: BLE001 - the user's error (or Stop's KeyboardInterrupt) is the result
        result = {"ok": False, "error": _rewrite.error_report(e, _is_user_file, _label)}
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
    try:
        _flush_bindings()
    except KeyboardInterrupt:  # a second Stop while summarizing: end with what was sent
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
    run(req)


if __name__ == "__main__":
    main()
