# Live re-runs of a Python script (the extension's run on save): the script runs one top-level
# statement at a time, and between statements the interpreter's state is kept (a snapshot) where it
# pays off: after statements that took a while since the last one, after a backward(), at the end.
# When the script is saved again, the statements before the first changed one are not run again:
# the state kept nearest in front of it is put back and the run goes on from there, giving what a
# full run would.
#
# What a snapshot holds: __main__'s globals; the contents of the lists, dicts, sets, user-class
# instances and closure cells they reach; every tensor they reach (through _bpn_snapshots, in JS: values,
# layout, version, grad, autograd links), torch generators, Python's `random`, numpy.random's global
# state, grad mode, and the runtime's bookkeeping (named sites, micrograd roots). The host records
# its side (output, cmp rows, series, the last backward) at each boundary through _host.liveBoundary.
#
# A boundary gets no snapshot (None, with the reason) when something there cannot be put back
# safely: an object of another kind (open files, generators, iterators, numpy arrays, nn modules...),
# a module imported from the user's folders, a patched torch, changed builtins / environment /
# working directory, open matplotlib figures, or too many objects. The run then resumes from an
# earlier boundary, or runs in full. A resumed run whose backward() reaches autograd nodes made
# before the resume point is redone in full (_bpn_snapshots.unsafe), as is anything raising internally.
import ast
import builtins
import json
import operator
import os
import random
import sys
import time
import types

import _bpn_host as _host
import _bpn_snapshots as _js
import _bpn_runtime as _rt
import torch
from pyodide.ffi import to_js
from torch import _tensor as _tmod
from torch._dtypes import dtype as _dtype
from torch._tensor import Tensor

_ATOMS = frozenset((int, float, complex, bool, str, bytes, type(None), range, slice, type(Ellipsis), torch.Size, _dtype,
                    type(NotImplemented)))
_PLAIN = frozenset((str, int))  # element types whose `==` is identity of meaning (no 1 == 1.0 == True)
MAX_OBJECTS = 50_000
MAX_BYTES = 512 * 2**20  # value copies kept for all snapshots; older snapshots are dropped past it
# A boundary gets a snapshot once the statements since the last one ran this long: resuming from the
# one before costs at most that much more, and runs of quick statements are not snapshotted one by one.
SNAPSHOT_AFTER_MS = 5.0

_session = {"key": None, "mod": None, "stmts": [], "snaps": []}


class _Fallback(Exception):
    pass


class _Snap:
    __slots__ = ("globals", "containers", "cells", "classes", "js", "py_random", "np_random", "sites", "roots")


def _is_user_module(m):
    f = getattr(m, "__file__", None) or ""
    return bool(f) and not f.startswith(_rt._SITE_DIR) and not f.startswith("/lib/")


def _unchanged(saved, c, kind, plain):
    """`c` holds what `saved` (its copy) does, in the same order: the same objects, or for containers
    of strs or ints only, equal ones."""
    if len(saved) != len(c):
        return False
    if kind == "dict":
        if plain:
            return saved == c and list(saved) == list(c)
        return all(map(operator.is_, saved, c)) and all(map(operator.is_, saved.values(), c.values()))
    if plain and kind == "list":
        return saved == c
    return all(map(operator.is_, saved, c))


def _plain(items):
    kinds = set(map(type, items))
    return len(kinds) <= 1 and kinds <= _PLAIN


class _Taker:
    """Takes snapshots; containers unchanged since the previous snapshot share its copy."""

    def __init__(self):
        self.prev = {}  # id(container) -> (container, kind, saved, plain)

    def take(self, g):
        """A snapshot of globals `g` and what they reach, or (None, why not)."""
        tensors, gens, cells, classes = [], [torch.default_generator._g], [], []
        entries, now_prev = [], {}
        seen = set()
        stack = []

        def container(c, kind):
            old = self.prev.get(id(c))
            if old is not None and old[0] is c and _unchanged(old[2], c, kind, old[3]):
                entry = old
            else:
                saved = dict(c) if kind == "dict" else list(c)
                plain = _plain(saved.keys()) and _plain(saved.values()) if kind == "dict" else _plain(saved)
                entry = (c, kind, saved, plain)
            now_prev[id(c)] = entry
            entries.append(entry)
            if not entry[3]:
                if kind == "dict":
                    stack.extend(entry[2].keys())
                    stack.extend(entry[2].values())
                else:
                    stack.extend(entry[2])

        seen.add(id(g))
        container(g, "dict")
        while stack:
            o = stack.pop()
            t = type(o)
            if t in _ATOMS:
                continue
            i = id(o)
            if i in seen:
                continue
            seen.add(i)
            if len(seen) > MAX_OBJECTS:
                return None, f"the globals reach more than {MAX_OBJECTS} objects"
            if t is Tensor:
                tensors.append(o._h)
            elif t is list:
                container(o, "list")
            elif t is dict:
                container(o, "dict")
            elif t is set:
                container(o, "set")
            elif t is tuple or t is frozenset:
                stack.extend(o)
            elif t is torch.Generator:
                gens.append(o._g)
            elif t is types.ModuleType:
                if _is_user_module(o):
                    return None, f"the module {o.__name__} from the script's folder"
            elif t is types.FunctionType:
                if o.__module__ == "__main__":
                    for c in o.__closure__ or ():
                        if id(c) not in seen:
                            seen.add(id(c))
                            cells.append(c)
                            try:
                                stack.append(c.cell_contents)
                            except ValueError:
                                pass
                    stack.extend(o.__defaults__ or ())
                    stack.extend((o.__kwdefaults__ or {}).values())
            elif t is types.BuiltinFunctionType:
                owner = getattr(o, "__self__", None)
                if not (owner is None or type(owner) is types.ModuleType):
                    return None, f"the bound method {o.__name__}"
            elif isinstance(o, type):
                if o.__module__ == "__main__":
                    classes.append((o, dict(vars(o))))
                    stack.extend(vars(o).values())
            elif t.__module__ == "__main__" and type(getattr(o, "__dict__", None)) is dict and "__slots__" not in vars(t):
                seen.add(id(o.__dict__))
                container(o.__dict__, "dict")
                stack.append(t)
            else:
                name = "tensor subclass" if isinstance(o, Tensor) else f"{t.__module__}.{t.__qualname__}"
                return None, f"a {name} object"
        self.prev = now_prev
        s = _Snap()
        s.globals = dict(g)
        s.containers = entries
        s.cells = []
        for c in cells:
            try:
                s.cells.append((c, True, c.cell_contents))
            except ValueError:
                s.cells.append((c, False, None))
        s.classes = classes
        s.js = _js.take(to_js(tensors), to_js(gens))
        s.py_random = random.getstate()
        npr = sys.modules.get("numpy.random")
        s.np_random = npr.get_state() if npr is not None else None
        s.sites = dict(_rt._sites)
        s.roots = dict(_rt._roots)
        return s, None

    def after_restore(self, s):
        self.prev = {id(e[0]): e for e in s.containers}


def _restore(s, mod):
    for c, kind, saved, _ in s.containers:
        # (put back by clear() and update(), a set could iterate in another order than it did)
        if kind == "set" and not _unchanged(saved, c, kind, False):
            raise _Fallback("a set changed after its state was kept")
    _js.restore(s.js)
    for c, kind, saved, _ in s.containers:
        if kind == "list":
            c[:] = saved
        elif kind == "dict":
            if c is not mod.__dict__:
                c.clear()
                c.update(saved)
    g = mod.__dict__
    g.clear()
    g.update(s.globals)
    for cell, full, v in s.cells:
        if full:
            cell.cell_contents = v
        else:
            try:
                del cell.cell_contents
            except ValueError:
                pass
    for cls, d in s.classes:
        now = vars(cls)
        for k in [k for k in now if k not in d]:
            delattr(cls, k)
        for k, v in d.items():
            if now.get(k, _rt._MISSING) is not v and k not in ("__dict__", "__weakref__", "__doc__"):
                setattr(cls, k, v)
    random.setstate(s.py_random)
    if s.np_random is not None:
        sys.modules["numpy.random"].set_state(s.np_random)
    _rt._sites.clear()
    _rt._sites.update(s.sites)
    _rt._roots.clear()
    _rt._roots.update(s.roots)
    # wrappers cache their shape; `t[k] += v` remembers its last read
    _tmod._shape_epoch += 1
    _tmod._pending = None


_last_parse = {"path": None, "lines": [], "body": []}  # the last text compiled, and its statements


def _first_line(st):
    return min([st.lineno] + [d.lineno for d in getattr(st, "decorator_list", ())])


def _parse(path, source, lines):
    """The module's top-level statements, and those of them kept from the last parse of `path`."""
    last = _last_parse
    if last["path"] == path and last["body"]:
        body = _parse_changed(path, lines, last["lines"], last["body"])
        if body is not None:
            return body
    return ast.parse(source, path).body


def _parse_changed(path, lines, old, old_body):
    """Only the lines that changed since the last parse, widened to whole statements: the statements
    before them (all but the last one, which the change might extend) and, when the line count is the
    same, those after them are the last parse's. None when that cannot be done safely."""
    n = min(len(lines), len(old))
    d = 0
    while d < n and lines[d] == old[d]:
        d += 1
    if d == len(lines) == len(old):
        return list(old_body)
    first = [_first_line(st) for st in old_body]
    h = 0
    while h < len(old_body) and old_body[h].end_lineno <= d:  # (1-based: ends before line d + 1)
        h += 1
    h -= 1
    while h > 0 and old_body[h - 1].end_lineno >= first[h]:  # `a; b` on one line
        h -= 1
    if h <= 0:
        return None
    k = len(old_body)
    if len(lines) == len(old):
        same = 0  # lines equal at the end
        while same < len(lines) - d and lines[-1 - same] == old[-1 - same]:
            same += 1
        from_line = len(lines) - same + 1
        k = h + 1
        while k < len(old_body) and (first[k] < from_line or old_body[k - 1].end_lineno >= first[k]):
            k += 1
    end = first[k] - 1 if k < len(old_body) else len(lines)
    try:
        # padded with empty lines: the statements get their line numbers in the whole text
        middle = ast.parse("\n" * (first[h] - 1) + "".join(lines[first[h] - 1:end]), path).body
    except (SyntaxError, ValueError):
        return None  # the error, if real, comes from parsing the whole text
    return old_body[:h] + middle + old_body[k:]


def _statement_keys(tree, source_lines):
    keys = []
    n = len(tree.body)
    for i, st in enumerate(tree.body):
        text = "".join(source_lines[_first_line(st) - 1:st.end_lineno])  # decorators included
        keys.append((st.lineno, st.col_offset, st.end_lineno, st.end_col_offset, text, i == n - 1 and isinstance(st, ast.Expr)))
    return keys


_compiled = {}  # statement key -> (code, its `class Value` spans), from the last compile


def _compile_statements(tree, path, value_classes, keys):
    """Each top-level statement as its own code object, rewritten as run_script's whole module is
    (the rewrite of a statement depends on it alone: unchanged statements reuse their code)."""
    global _compiled
    codes = []
    n = len(tree.body)
    cache = {}
    for i, st in enumerate(tree.body):
        key = (path, keys[i])
        hit = _compiled.get(key)
        if hit is None:
            spans = []
            hit = (_compile_one(st, i, n, path, spans), spans)
        cache[key] = hit
        codes.append(hit[0])
        value_classes.extend(hit[1])
    _compiled = cache
    return codes


def _compile_one(st, i, n, path, spans):
    if i == n - 1 and isinstance(st, ast.Expr):
        st = ast.copy_location(ast.Expr(ast.Call(ast.Name("__bpn_display__", ast.Load()), [st.value, ast.Constant(False)], [])), st)
    body = [st] if i == 0 else [ast.copy_location(ast.Pass(), st), st]  # only the first may be a docstring
    m = _rt._Rewriter(None, spans).visit(ast.Module(body=body, type_ignores=[]))
    ast.fix_missing_locations(m)
    return compile(m, path, "exec", dont_inherit=True)


def _resume_point(keys, reason_out):
    ses = _session
    old, snaps = ses["stmts"], ses["snaps"]
    k = 0
    while k < len(keys) and k < len(old) and keys[k] == old[k]:
        k += 1
    if k == len(keys) == len(old):
        k = len(keys)  # nothing changed: the end state's snapshot, if the run got there
    j = min(k, len(snaps) - 1)
    while j > 0 and snaps[j] is None:
        j -= 1
    if j <= 0:
        reason_out.append(f"the first change is at statement {k + 1}" if k == 0 else "no state kept before the change")
        return 0
    return j


def _drop_from(i):
    snaps = _session["snaps"]
    for s in snaps[i:]:
        if s is not None:
            _js.drop(s.js)
    del snaps[i:]


def _drop_all():
    _drop_from(0)
    _session.update(key=None, mod=None, stmts=[])


def _keep_memory():
    """Past MAX_BYTES of copies, drop the oldest snapshots (edits early in the file then run in full)."""
    snaps = _session["snaps"]
    for i, s in enumerate(snaps):
        if _js.bytes() <= MAX_BYTES:
            return
        if s is not None and i < len(snaps) - 1:
            _js.drop(s.js)
            snaps[i] = None


def _boundary_state_ok(start_builtins, start_env, cwd):
    if vars(builtins) != start_builtins:
        return "the script changed builtins"
    if os.environ._data != start_env or os.getcwd() != cwd:
        return "the script changed its environment or working directory"
    for m, saved in _rt._PRISTINE_MODULES:
        if vars(m) != saved:
            return f"the script changed {m.__name__}"
    if vars(Tensor) != _rt._PRISTINE_TENSOR:
        return "the script changed torch.Tensor"
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None and (plt._figures or plt._shown[0]):
        return "matplotlib figures are open"
    return None


def run_live(path, source, cwd, argv, env_json="{}", allow_resume=True):
    """Run a script as run_script does, resuming from the state kept by the last call when only
    later statements changed. Returns JSON: {ok, error?, resumedAt (statement index or null),
    statements, fullRunReason?}."""
    ses = _session
    import linecache
    linecache.cache[path] = (len(source), None, source.splitlines(True), path)
    value_classes = []
    lines = source.splitlines(True)
    try:
        tree = ast.Module(body=_parse(path, source, lines), type_ignores=[])
        keys = _statement_keys(tree, lines)
        kept = {id(st) for st in _last_parse["body"]}
        if any(id(st) in kept and (path, key) not in _compiled for st, key in zip(tree.body, keys)):
            # a statement kept from the last parse is compiled from its own (rewritten) tree only once
            tree = ast.parse(source, path)
            keys = _statement_keys(tree, lines)
        if any(isinstance(st, ast.ImportFrom) and st.module == "__future__" for st in tree.body):
            raise ValueError("a __future__ import")
        # compiled before anything runs, as run_script compiles the whole module (a SyntaxError
        # leaves the kept state for the next save)
        codes = _compile_statements(tree, path, value_classes, keys)
        _last_parse.update(path=path, lines=lines, body=tree.body)
    except (SyntaxError, ValueError) as e:
        r = json.loads(_rt.run_script(path, source, cwd, argv, env_json))
        if not isinstance(e, SyntaxError):
            _drop_all()
            r["fullRunReason"] = str(e)
        r.update(resumedAt=None)
        return json.dumps(r)
    why = []
    start = 0
    if not allow_resume:
        why.append("no state kept for this file")
    elif ses["key"] != (path, cwd, env_json, tuple(argv)) or ses["mod"] is None:
        why.append("no state kept for this file" if ses["key"] is None or ses["key"][0] != path else "the run's environment changed")
    else:
        start = _resume_point(keys, why)
    try:
        return _run(path, cwd, argv, env_json, codes, value_classes, keys, start, why)
    except _Fallback as e:
        _host.liveRestart(str(e))
        return _run(path, cwd, argv, env_json, codes, value_classes, keys, 0, [str(e)])


def _run(path, cwd, argv, env_json, codes, value_classes, keys, start, why):
    ses = _session
    resumed = start > 0
    if resumed:
        snap = ses["snaps"][start]
        mod = ses["mod"]
        _restore(snap, mod)
        _drop_from(start + 1)
        # what _reset does, but the generators, grad mode and sites are the snapshot's
        _rt._restore_torch()
        os.environ.clear()
        os.environ.update(_rt._PRISTINE_ENVIRON)
        os.environ.update(json.loads(env_json))
        _rt._open_names_fallback()
        _rt._cell[0] = None
        _rt._user_files.clear()
        os.chdir(cwd)
        _host.liveResume(start)
        _js.watchRun(_js.nextNodeId(snap.js))
    else:
        _drop_all()
        _rt._reset(cwd, env_json)
        mod = _rt._fresh_main(path)
        ses.update(mod=mod, key=(path, cwd, env_json, tuple(argv)))
        _js.watchRun(-1)
    _rt._user_files.add(path)
    _rt._value_classes[:] = value_classes
    sys.modules["__main__"] = mod
    sys.argv = [path, *list(argv)]
    script_dir = os.path.dirname(path)
    sys.path.insert(0, script_dir)
    before = set(sys.modules)
    taker = _Taker()
    if resumed:
        taker.after_restore(ses["snaps"][start])
    start_builtins = dict(vars(builtins))
    start_env = dict(os.environ._data)
    result = {"ok": True}
    n = len(codes)
    del ses["stmts"][start:]
    since = 0.0  # ms the statements ran since the last snapshot
    snapshot_ms, snapshots = 0.0, 0
    backwards = _js.backwards()
    try:
        for i in range(start, n + 1):
            if i > start or not resumed:
                # none before the first statement (a change there runs everything anyway); always one
                # at the end (a save without changes) and after a statement that ran backward() (edits
                # of a hand-written backward pass resume there, not before the forward pass)
                snap = t_snap = None
                if i > 0 and (i == n or since >= SNAPSHOT_AFTER_MS or _js.backwards() != backwards):
                    t_snap = time.perf_counter()
                    sys.stdout.flush()
                    sys.stderr.flush()
                    bad = _boundary_state_ok(start_builtins, start_env, cwd)
                    snap, reason = (None, bad) if bad else taker.take(mod.__dict__)
                    if reason is not None:
                        taker.prev = {}
                    since = 0.0
                    backwards = _js.backwards()
                ses["snaps"].append(snap)
                if snap is not None:
                    _keep_memory()
                    _host.liveBoundary(i)
                    snapshots += 1
                if t_snap is not None:
                    snapshot_ms += (time.perf_counter() - t_snap) * 1000
            if i == n:
                break
            ses["stmts"].append(keys[i])
            t0 = time.perf_counter()
            exec(codes[i], mod.__dict__)
            since += (time.perf_counter() - t0) * 1000
            if resumed and _js.unsafe():
                raise _Fallback(_js.unsafe())
    except _Fallback:
        raise
    except SystemExit as e:
        if e.code not in (None, 0):
            result = {"ok": False, "error": {"type": "SystemExit", "message": str(e.code), "traceback": f"SystemExit: {e.code}\n",
                                             "line": None, "column": None, "file": path, "cell": None, "kind": "runtime"}}
    except BaseException as e:  # noqa: BLE001 - the user's error is the result
        if resumed and _js.unsafe():
            raise _Fallback(_js.unsafe()) from None
        result = {"ok": False, "error": _rt._error_report(e)}
    finally:
        _js.unguard()
        if sys.path and sys.path[0] == script_dir:
            sys.path.pop(0)
    _rt._finish()
    _rt._forget_user_modules(before)
    result.update(resumedAt=start if resumed else None, statements=n, snapshotMs=snapshot_ms, snapshots=snapshots)
    if not resumed and why:
        result["fullRunReason"] = why[0]
    return json.dumps(result)


def forget():
    """Drop the kept state (a run of something else needs the interpreter, or a stopped worker)."""
    _drop_all()
