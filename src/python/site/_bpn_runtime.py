# Runs a user's Python script (or notebook cells) for Backprop Ninja, inside Pyodide.
#
# The script is compiled from a lightly rewritten AST, with its own file name and line numbers, so
# tracebacks and frames point at the user's lines:
#   x = expr           →  x = expr; __bpn_sites__[("x", line, col, cell)] = x   (names for tensors / Values)
#   a, b = expr        →  a, b = expr; __bpn_sites__[("a", ...)] = a; __bpn_sites__[("b", ...)] = b
#   cmp(s, dt, t)      →  __bpn_cmp__(cmp, line, col, s, dt, t)            (the user's own cmp still runs)
#   x.backward()       →  __bpn_root__(x, ("backward", line, col, cell, "x")).backward()   (micrograd roots
#   draw_dot(x)        →  draw_dot(__bpn_root__(x, ("drawn", line, col, cell, "x")))      the panel can draw;
#                         the name is None unless x is one)
#   a[k] += b[j]       →  __bpn_iadd_indexed__(a, k, b, j, False)          (-=: True; a, b names, keys
#                         names or int constants: nothing is evaluated out of Python's order)
#   a[key] op= x       →  __bpn_iop_indexed__(a, key, x, op)               (+= -= *= /=; a a name, x a
#                         name or a number, key any expression but a slice: evaluated once, first)
#   p.data op= expr    →  __bpn_iop_data__(p, expr, op)                    (+= -= *= /=; p a name, expr
#                         names and numbers under + - * / and unary minus: reading p.data first, as
#                         Python does, gives a view, which no such expression can change)
# Bindings are kept per (name, line) site, last value wins, and reported when the run ends. The site
# key is a constant baked into the code, so an assignment in a training loop costs one dict store:
# no call, no tuple built, nothing crossing into JS.
import builtins
import json
import math
import os
import random
import sys

import _bpn_host as _host
import _bpn_rewrite as _rewrite
import _bpn_values as _values
import _bpn_display
from pyodide.ffi import JsException, to_js

import torch
from torch._tensor import Tensor, _iadd_indexed, _iop_data, _iop_indexed, _wrap

_SITE_DIR = os.path.dirname(__file__)

_sites = {}  # (name, line, col, cell) → value
_roots = {}  # (kind, line, col, cell, name) → the micrograd Value last passed to backward() / draw_dot() there
_value_classes = []  # (cell, first line, last line) of each `class Value`: its `out`s are no roots
_cell = [None]  # index of the notebook cell running, or None for a script
_user_files = set()


# ---------------------------------------------------------------- hooks called by rewritten code
def __bpn_cmp__(fn, line, col, *args, **kwargs):
    report = None
    if len(args) == 3 and not kwargs and isinstance(args[0], str):
        name, manual, t = args
        if (manual is None or isinstance(manual, Tensor)) and isinstance(t, Tensor):
            report = _host.compare(name, None if manual is None else manual._t, t._t, line, col, _cell[0])
    try:
        return fn(*args, **kwargs)
    finally:
        if report is not None:
            _host.commitComparison(report)


def __bpn_root__(v, key):
    if _is_value(v):
        _roots[key] = v
    return v


# ---------------------------------------------------------------- the AST rewrite (shared with the native runtime)
_Rewriter = _rewrite.Rewriter


def _compile(source, filename, mode="exec", display_last=False, rewriter=None):
    return _rewrite.compile_source(source, filename, rewriter or _Rewriter(_cell[0], _value_classes), mode, display_last)


__bpn_display__ = _bpn_display.display_value


# ---------------------------------------------------------------- errors
def _error_report(exc):
    return _rewrite.error_report(exc, _is_user_file, _exception_label)


def _exception_label(exc):
    if isinstance(exc, JsException):
        # an engine TorchError: PyTorch raises RuntimeError for these
        msg = str(exc)
        for prefix in ("TorchError: ", "Error: "):
            if msg.startswith(prefix):
                msg = msg[len(prefix):]
                break
        return "RuntimeError", msg
    return type(exc).__qualname__ if type(exc).__module__ in ("builtins", "__main__") else f"{type(exc).__module__}.{type(exc).__qualname__}", str(exc)


def _is_user_file(filename):
    """The script, its cells and Python modules it imported from the user's folders (not ours, not the
    standard library, and not the JS frames Pyodide splices into tracebacks)."""
    if filename in _user_files:
        return True
    return filename.endswith(".py") and not filename.startswith(_SITE_DIR) and not filename.startswith("/lib/")


# ---------------------------------------------------------------- micrograd Values
_is_value, _num = _values.is_value, _values.num


# ---------------------------------------------------------------- reporting
def _flush_bindings():
    for (name, line, col, cell), v in _sites.items():
        if isinstance(v, Tensor):
            _host.bindTensor(name, v._t, line, col, cell)
    graph = _values.report(_sites, _roots, _value_classes)
    if graph is not None:
        for (name, line, col, cell), v in _sites.items():
            if _is_value(v):
                _host.bindValue(name, line, col, cell, _num(v.data), _num(v.grad))
        _host.valueGraph(json.dumps(graph))


def _pristine_state():
    import torch.nn.functional as F
    mods = [torch, torch.nn, F, torch._tensor]
    return [(m, dict(vars(m))) for m in mods], dict(vars(Tensor))


_PRISTINE_MODULES, _PRISTINE_TENSOR = _pristine_state()


def _restore_torch():
    """Undo what a previous script patched in torch (monkeypatching torch.randn, Tensor methods...),
    so runs sharing this interpreter start like fresh processes."""
    for mod, saved in _PRISTINE_MODULES:
        d = vars(mod)
        for k in [k for k in d if k not in saved]:
            del d[k]
        for k, v in saved.items():
            if d.get(k, _MISSING) is not v:
                d[k] = v
    current = dict(vars(Tensor))
    for k in current:
        if k not in _PRISTINE_TENSOR:
            delattr(Tensor, k)
    for k, v in _PRISTINE_TENSOR.items():
        if current.get(k, _MISSING) is not v and k not in ("__dict__", "__weakref__", "__doc__"):
            setattr(Tensor, k, v)


_MISSING = object()
_run_random_state = [random.getstate()]
_PRISTINE_ENVIRON = dict(os.environ)
_builtin_open = builtins.open


def _open_names_fallback():
    """With BACKPROP_NINJA_NAMES set (the CLI's --names), open('names.txt') reads that file when the
    working directory has no names.txt, as data.loadWords() does for TypeScript scripts."""
    names = os.environ.get("BACKPROP_NINJA_NAMES")
    if not names:
        builtins.open = _builtin_open
        return

    def open(file, *args, **kwargs):  # noqa: A001 - stands in for the builtin
        if isinstance(file, str) and os.path.normpath(file) == "names.txt" and not os.path.exists(file):
            file = names
        return _builtin_open(file, *args, **kwargs)

    builtins.open = open


def _reset(cwd, env_json, probe=False):
    _restore_torch()
    os.environ.clear()
    os.environ.update(_PRISTINE_ENVIRON)
    os.environ.update(json.loads(env_json))
    _open_names_fallback()
    _sites.clear()
    _roots.clear()
    _value_classes.clear()
    _cell[0] = None
    _user_files.clear()
    torch.set_grad_enabled(True)
    torch.default_generator.manual_seed(67280421310721)  # a fresh PyTorch process's default seed
    # Python's random is seeded from the OS in a fresh process: a probe starts where its run started
    if probe:
        random.setstate(_run_random_state[0])
    else:
        _run_random_state[0] = random.getstate()
    try:
        import matplotlib.pyplot as plt
        plt._reset()
    except ImportError:
        pass
    os.chdir(cwd)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True)  # each printed line reaches the output as it happens
        except (AttributeError, ValueError):
            pass


def _fresh_main(path):
    import types
    mod = types.ModuleType("__main__")
    mod.__file__ = path
    mod.__builtins__ = builtins
    for k in ("__bpn_cmp__", "__bpn_display__", "__bpn_root__"):
        setattr(builtins, k, globals()[k])
    builtins.__bpn_iadd_indexed__ = _iadd_indexed
    builtins.__bpn_iop_indexed__ = _iop_indexed
    builtins.__bpn_iop_data__ = _iop_data
    builtins.__bpn_sites__ = _sites
    builtins.display = _bpn_display.display  # IPython's, which notebooks call without importing it
    sys.modules["__main__"] = mod
    return mod


def _forget_user_modules(before):
    for name in list(sys.modules):
        if name not in before:
            m = sys.modules[name]
            f = getattr(m, "__file__", None) or ""
            if f and not f.startswith(_SITE_DIR) and not f.startswith("/lib/"):
                del sys.modules[name]


def run_script(path, source, cwd, argv, env_json="{}"):
    """Run one script as __main__. Returns a JSON string: {ok, error?}."""
    _reset(cwd, env_json)
    _user_files.add(path)
    sys.argv = [path, *list(argv)]
    script_dir = os.path.dirname(path)
    sys.path.insert(0, script_dir)
    before = set(sys.modules)
    mod = _fresh_main(path)
    result = {"ok": True}
    try:
        code = _compile(source, path, display_last="rich")
        exec(code, mod.__dict__)
    except SystemExit as e:
        if e.code not in (None, 0):
            result = {"ok": False, "error": {"type": "SystemExit", "message": str(e.code), "traceback": f"SystemExit: {e.code}\n",
                                             "line": None, "column": None, "file": path, "cell": None, "kind": "runtime"}}
    except BaseException as e:  # noqa: BLE001 - the user's error is the result
        result = {"ok": False, "error": _error_report(e)}
    finally:
        _finish()
        if sys.path and sys.path[0] == script_dir:
            sys.path.pop(0)
        _forget_user_modules(before)
    return json.dumps(result)


def run_cells(path, cells_json, cwd, env_json="{}"):
    """Run notebook code cells in order in one namespace; cell i compiles as '<path>#cell<i>'."""
    _reset(cwd, env_json)
    cells = json.loads(cells_json)
    sys.argv = [path]
    sys.path.insert(0, os.path.dirname(path))
    before = set(sys.modules)
    mod = _fresh_main(path)
    result = {"ok": True, "cellsRun": 0}
    try:
        for cell in cells:
            filename = f"{path}#cell{cell['index']}"
            _user_files.add(filename)
            _cell[0] = cell["index"]
            _host.cellStarted(cell["index"])
            code = _compile(cell["source"], filename, display_last=True)
            try:
                exec(code, mod.__dict__)
            finally:
                _show_figures()  # like the inline backend: a cell's figures appear under it
            result["cellsRun"] += 1
    except SystemExit:
        pass
    except BaseException as e:  # noqa: BLE001
        result = {"ok": False, "cellsRun": result["cellsRun"], "error": _error_report(e)}
    finally:
        _finish()
        sys.path.pop(0)
        _forget_user_modules(before)
    return json.dumps(result)


# ---------------------------------------------------------------- a notebook kernel's session
# run_cell keeps one __main__ between calls, as a Jupyter kernel keeps its globals; the bindings of
# every cell run so far stay in _sites (a re-run cell's old sites are dropped first), so each cell's
# report names the tensors earlier cells bound.
_session = {"path": None, "mod": None}


def reset_session():
    """Forget the kernel's namespace (restart): the next run_cell starts like a fresh process."""
    _session.update(path=None, mod=None)
    _sites.clear()


def run_cell(path, index, source, cwd, env_json="{}"):
    """Run one notebook cell in the session's namespace; it compiles as '<path>#cell<index>' and shows
    its last expression through _host.displayResult. Returns a JSON string: {ok, error?}."""
    if _session["mod"] is None or _session["path"] != path:
        _reset(cwd, env_json)
        _session.update(path=path, mod=_fresh_main(path))
        sys.argv = [path]
        sys.path.insert(0, os.path.dirname(path))
    mod = _session["mod"]
    sys.modules["__main__"] = mod
    os.chdir(cwd)
    for key in [k for k in _sites if k[3] == index]:
        del _sites[key]
    filename = f"{path}#cell{index}"
    _user_files.add(filename)
    _cell[0] = index
    _host.cellStarted(index)
    _bpn_display.kernel[0] = True
    result = {"ok": True}
    try:
        code = _compile(source, filename, display_last=True)
        try:
            exec(code, mod.__dict__)
        finally:
            _show_figures()
    except SystemExit:
        pass
    except BaseException as e:  # noqa: BLE001 - the cell's error is its result
        result = {"ok": False, "error": _error_report(e)}
    finally:
        _bpn_display.kernel[0] = False
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:
            pass
        _flush_bindings()
    return json.dumps(result)


def _show_figures():
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt._flush_open_figures()


def _finish():
    builtins.open = _builtin_open
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        pass
    _show_figures()
    _flush_bindings()
    _sites.clear()
    _roots.clear()


# ---------------------------------------------------------------- finite-difference probes
# A probe re-runs the script with the checked name's first value replaced by _host.nudge(value) (a
# float64 copy with one element shifted) and ends at the first backward() with the loss. The code
# is compiled once (probe_prepare) for all the probes of one check.
class _ProbeDone(BaseException):
    """Ends a probe at backward(); a BaseException, so the script's `except Exception` lets it by."""

    def __init__(self, loss):
        super().__init__()
        self.loss = loss


_probe = {"path": None, "codes": [], "bound": False}


def __bpn_probe__(value):
    if _probe["bound"] or not isinstance(value, Tensor):
        return value
    _probe["bound"] = True
    return _wrap(_host.nudge(value._t))


def _probe_backward(self, *args, **kwargs):
    raise _ProbeDone(self.item())


def probe_prepare(path, name, cells_json):
    """Compile the script for probes of `name`: cells [{index, source}], index None for a script."""
    codes = []
    for cell in json.loads(cells_json):
        index = cell["index"]
        filename = path if index is None else f"{path}#cell{index}"
        codes.append((index, filename, _compile(cell["source"], filename, rewriter=_rewrite.ProbeRewriter(index, name))))
    _probe.update(path=path, codes=codes)


def probe_loss(cwd, env_json="{}"):
    """One probe of the prepared code, from the state its run started in. Returns a JSON string:
    {bound, loss?, error?} (loss: a number, or its repr when not finite)."""
    _reset(cwd, env_json, probe=True)
    path = _probe["path"]
    _probe["bound"] = False
    sys.argv = [path]
    sys.path.insert(0, os.path.dirname(path))
    before = set(sys.modules)
    mod = _fresh_main(path)
    builtins.__bpn_probe__ = __bpn_probe__
    Tensor.backward = _probe_backward
    result = {}
    try:
        for index, filename, code in _probe["codes"]:
            _user_files.add(filename)
            _cell[0] = index
            exec(code, mod.__dict__)
    except _ProbeDone as done:
        result["loss"] = done.loss if math.isfinite(done.loss) else repr(done.loss)
    except SystemExit:
        pass
    except BaseException as e:  # noqa: BLE001 - reported to the check
        result["error"] = _error_report(e)
    finally:
        Tensor.backward = _PRISTINE_TENSOR["backward"]
        builtins.open = _builtin_open
        _sites.clear()
        sys.path.pop(0)
        _forget_user_modules(before)
    result["bound"] = _probe["bound"]
    return json.dumps(result)
