# The AST rewrite both Python runtimes share: _bpn_runtime.py (Pyodide, the built-in engine) and
# native/bpn_native.py (the user's own Python and PyTorch). Pure `ast` and standard library: each
# runtime supplies the hooks the rewritten code calls (__bpn_sites__, __bpn_cmp__, __bpn_root__...).
# What the rewrite does is described at the top of _bpn_runtime.py.
import ast
import io
import linecache
import tokenize
import traceback

def _target_names(target):
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Starred):
        return None
    return None


def _plain_key(k):
    """A subscript key whose evaluation has no effects: a name, an int, or a tuple of those."""
    if isinstance(k, ast.Tuple):
        return all(_plain_key(e) and not isinstance(e, ast.Tuple) for e in k.elts)
    return isinstance(k, ast.Name) or (isinstance(k, ast.Constant) and type(k.value) is int)


_IOP_CODES = {ast.Add: 0, ast.Sub: 1, ast.Mult: 2, ast.Div: 3}  # torch._tensor._IOPS


def _name_or_number(v):
    return isinstance(v, ast.Name) or (isinstance(v, ast.Constant) and type(v.value) in (int, float))


def _plain_value(v):
    """A right-hand side that is a name or a number: loading it before a[k] is read changes nothing."""
    if isinstance(v, ast.UnaryOp) and isinstance(v.op, (ast.USub, ast.UAdd)):
        v = v.operand
    return _name_or_number(v)


def _arithmetic(v):
    """Names and numbers combined by + - * / and unary signs (the update `-lr * grad`)."""
    if isinstance(v, ast.UnaryOp) and isinstance(v.op, (ast.USub, ast.UAdd)):
        return _arithmetic(v.operand)
    if isinstance(v, ast.BinOp) and type(v.op) in _IOP_CODES:
        return _arithmetic(v.left) and _arithmetic(v.right)
    return _name_or_number(v)


def _has_slice(k):
    """a[1:2] keys hold ast.Slice nodes, which only a subscript may contain (not a call's argument)."""
    return isinstance(k, ast.Slice) or (isinstance(k, ast.Tuple) and any(isinstance(e, ast.Slice) for e in k.elts))


class Rewriter(ast.NodeTransformer):
    """cell: the notebook cell's index (None for a script), baked into the keys. value_classes: a list
    that gets (cell, first line, last line) of each `class Value`. inplace_hooks: rewrite in-place
    updates of indexed tensors and .data into the engine's calls (the built-in engine needs them to
    keep autograd's view semantics; real PyTorch does not)."""

    def __init__(self, cell, value_classes=None, inplace_hooks=True):
        super().__init__()
        self._cell = cell
        self._value_classes = value_classes if value_classes is not None else []
        self._inplace = inplace_hooks

    def _record(self, name, node):
        """`__bpn_sites__[(name, line, col, cell)] = name`, placed right after the assignment `node`."""
        key = ast.Constant((name, node.lineno, node.col_offset, self._cell))
        target = ast.Subscript(ast.Name("__bpn_sites__", ast.Load()), key, ast.Store())
        return ast.copy_location(ast.Assign([target], ast.Name(name, ast.Load())), node)

    def visit_Assign(self, node):
        self.generic_visit(node)
        if len(node.targets) == 1:
            t = node.targets[0]
            if isinstance(t, ast.Name):
                return [node, self._record(t.id, node)]
            if isinstance(t, (ast.Tuple, ast.List)) and all(not isinstance(e, ast.Starred) for e in t.elts):
                names = [n for n in (_target_names(e) for e in t.elts) if n is not None]
                # a name listed twice keeps its last value, as Python does
                return [node, *(self._record(n, node) for n in dict.fromkeys(names))]
        return node

    def visit_AnnAssign(self, node):
        self.generic_visit(node)
        if node.value is not None and isinstance(node.target, ast.Name):
            return [node, self._record(node.target.id, node)]
        return node

    def visit_AugAssign(self, node):
        self.generic_visit(node)
        if not self._inplace:
            return node
        t, v = node.target, node.value
        if isinstance(node.op, (ast.Add, ast.Sub)) and isinstance(t, ast.Subscript) and isinstance(v, ast.Subscript) \
                and isinstance(t.value, ast.Name) and isinstance(v.value, ast.Name) and _plain_key(t.slice) and _plain_key(v.slice):
            call = ast.Call(ast.Name("__bpn_iadd_indexed__", ast.Load()),
                            [ast.Name(t.value.id, ast.Load()), t.slice, ast.Name(v.value.id, ast.Load()), v.slice,
                             ast.Constant(isinstance(node.op, ast.Sub))], [])
            return ast.copy_location(ast.Expr(ast.copy_location(call, node)), node)
        op = _IOP_CODES.get(type(node.op))
        if op is not None and isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and _plain_value(v) \
                and not _has_slice(t.slice):
            call = ast.Call(ast.Name("__bpn_iop_indexed__", ast.Load()),
                            [ast.Name(t.value.id, ast.Load()), t.slice, v, ast.Constant(op)], [])
            return ast.copy_location(ast.Expr(ast.copy_location(call, node)), node)
        if op is not None and isinstance(t, ast.Attribute) and t.attr == "data" and isinstance(t.value, ast.Name) \
                and _arithmetic(v):
            call = ast.Call(ast.Name("__bpn_iop_data__", ast.Load()), [ast.Name(t.value.id, ast.Load()), v, ast.Constant(op)], [])
            return ast.copy_location(ast.Expr(ast.copy_location(call, node)), node)
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "cmp":
            new = ast.Call(ast.Name("__bpn_cmp__", ast.Load()),
                           [node.func, ast.Constant(node.lineno), ast.Constant(node.col_offset), *node.args],
                           node.keywords)
            return ast.copy_location(new, node)
        f = node.func
        if isinstance(f, ast.Attribute) and f.attr == "backward" and not node.args:
            f.value = self._root(f.value, "backward", node)
        elif isinstance(f, ast.Name) and f.id == "draw_dot" and node.args and not isinstance(node.args[0], ast.Starred):
            node.args[0] = self._root(node.args[0], "drawn", node)
        return node

    def visit_ClassDef(self, node):
        if node.name == "Value":
            self._value_classes.append((self._cell, node.lineno, node.end_lineno))
        return self.generic_visit(node)

    def _root(self, expr, kind, call):
        name = expr.id if isinstance(expr, ast.Name) else None
        key = ast.Constant((kind, call.lineno, call.col_offset, self._cell, name))
        return ast.copy_location(ast.Call(ast.Name("__bpn_root__", ast.Load()), [expr, key], []), expr)


class ProbeRewriter(Rewriter):
    """For finite-difference probes (both runtimes): assignments to `name` pass its value through
    __bpn_probe__; nothing else is recorded, and cmp calls run as written."""

    def __init__(self, cell, name, inplace_hooks=True):
        super().__init__(cell, inplace_hooks=inplace_hooks)
        self._name = name

    def _record(self, name, node):
        if name != self._name:
            return ast.copy_location(ast.Pass(), node)
        call = ast.Call(ast.Name("__bpn_probe__", ast.Load()), [ast.Name(name, ast.Load())], [])
        return ast.copy_location(ast.Assign([ast.Name(name, ast.Store())], call), node)

    def visit_Call(self, node):
        return self.generic_visit(node)


def _ends_with_semicolon(source):
    """IPython's rule: a cell whose last token (comments aside) is `;` displays nothing."""
    last = None
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER,
                                tokenize.INDENT, tokenize.DEDENT):
                last = tok
    except (tokenize.TokenError, SyntaxError):
        return False
    return last is not None and last.type == tokenize.OP and last.string == ";"


def compile_source(source, filename, rewriter, mode="exec", display_last=False):
    """display_last: a notebook cell shows the value of its last expression (True), a script only a rich
    one such as a graphviz Digraph ("rich"; plain values are not printed, as `python file.py` does)."""
    # tracebacks read lines through linecache: give it the text that runs (maybe unsaved, or a cell)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    tree = ast.parse(source, filename, mode)
    if display_last and tree.body and isinstance(tree.body[-1], ast.Expr) and not _ends_with_semicolon(source):
        last = tree.body[-1]
        args = [last.value, ast.Constant(display_last is True)]
        tree.body[-1] = ast.copy_location(ast.Expr(ast.Call(ast.Name("__bpn_display__", ast.Load()), args, [])), last)
    tree = rewriter.visit(tree)
    ast.fix_missing_locations(tree)
    return compile(tree, filename, mode, dont_inherit=True)


def error_report(exc, is_user_file, label):
    """The traceback as Python prints it, limited to user frames (is_user_file(filename)), plus the
    innermost user location; label(exc) gives the exception's (type name, message)."""
    tb = exc.__traceback__
    frames = [f for f in traceback.extract_tb(tb) if is_user_file(f.filename)]
    where = frames[-1] if frames else None
    kind = "syntax" if isinstance(exc, SyntaxError) else "runtime"
    etype, message = label(exc)
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.format_list(frames)
    if isinstance(exc, SyntaxError):
        lines += traceback.format_exception_only(type(exc), exc)
        line, col = exc.lineno, (exc.offset or 1) - 1
        filename = exc.filename
    else:
        lines.append(f"{etype}: {message}\n" if message else f"{etype}\n")
        line, col = (where.lineno, (where.colno or 0)) if where else (None, None)
        filename = where.filename if where else None
    text = "".join(lines)
    cell = None
    if filename and "#cell" in filename:
        cell = int(filename.rsplit("#cell", 1)[1])
    return {"type": etype, "message": message, "traceback": text, "line": line, "column": col,
            "file": filename, "cell": cell, "kind": kind}
