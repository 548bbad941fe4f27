# A stand-in for the graphviz package (0.20 API): Graph/Digraph build DOT text exactly as graphviz
# writes it; layout and rendering are done by real Graphviz compiled to WebAssembly on the host
# (@viz-js/viz, see src/python/graphviz.ts). Displayed graphs become SVG figures in the panel.
import contextlib
import os
import subprocess

import _bpn_host as _host
from pyodide.ffi import JsException

from .quoting import a_list as _a_list, attr_list as _attr_list, escape, nohtml, quote as _quote, quote_edge as _quote_edge

__version__ = "0.20.1"
__all__ = ["Graph", "Digraph", "Source", "escape", "nohtml", "render", "pipe", "version",
           "ExecutableNotFound", "CalledProcessError", "ENGINES", "FORMATS"]

ENGINES = {"dot", "neato", "twopi", "circo", "fdp", "sfdp", "osage", "patchwork"}
# what the WebAssembly build renders: SVG and Graphviz's text formats (no raster or PDF back end)
FORMATS = {"svg", "dot", "gv", "canon", "xdot", "plain", "plain-ext", "json", "json0", "dot_json", "xdot_json"}
_EMULATED = ("Backprop Ninja runs graphviz as Graphviz compiled to WebAssembly, which renders svg and text "
             "formats (dot, json, plain, xdot) but not {fmt}; use format='svg'")


class ExecutableNotFound(RuntimeError):
    pass


class CalledProcessError(subprocess.CalledProcessError):
    def __str__(self):
        return f"{super().__str__()} [stderr: {self.stderr!r}]"


def version():
    return tuple(int(p) for p in str(_host.graphvizVersion()).split(".")[:3])


def pipe(engine, format, data, renderer=None, formatter=None, quiet=False):
    """Lay `data` (DOT bytes) out with `engine` and return the `format` output as bytes."""
    source = data.decode("utf-8") if isinstance(data, bytes) else str(data)
    return _layout(source, engine, format, "graphviz.pipe").encode("utf-8")


def render(engine, format, filepath, renderer=None, formatter=None, quiet=False, outfile=None):
    """Render the DOT file `filepath` to `filepath.format` (or `outfile`); returns the output path."""
    with open(filepath, encoding="utf-8") as f:
        source = f.read()
    out = os.fspath(outfile) if outfile is not None else f"{filepath}.{format}"
    _write_output(out, _layout(source, engine, format, "graphviz.render"))
    return out


def _layout(source, engine, fmt, caller):
    if fmt not in FORMATS:
        raise ValueError(f"{caller}(format={fmt!r}): " + _EMULATED.format(fmt=repr(fmt)))
    if engine not in ENGINES:
        raise ValueError(f"unknown engine: {engine!r}")
    try:
        return str(_host.graphviz(source, engine, fmt))
    except JsException as e:
        # a DOT syntax error (or a layout failure): Graphviz's message, as the dot process reports it
        raise CalledProcessError(1, [engine, f"-T{fmt}"], output=b"", stderr=str(e).encode("utf-8")) from None


def _write_output(path, text):
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


class _Rendering:
    """What Graph, Digraph and Source share: file names, format/engine, save, pipe, render, display."""
    _default_extension = "gv"

    def _init_rendering(self, filename, directory, format, engine, encoding):
        if filename is None:
            filename = f"{self.name or type(self).__name__}.{self._default_extension}"
        self.filename = filename
        self.directory = os.fspath(directory) if directory else ""
        self.format = format or "pdf"
        self.engine = engine or "dot"
        self.encoding = encoding

    @property
    def filepath(self):
        return os.path.join(self.directory, self.filename)

    def __str__(self):
        return self.source

    def save(self, filename=None, directory=None, *, skip_existing=False):
        if filename is not None:
            self.filename = filename
        if directory is not None:
            self.directory = os.fspath(directory)
        path = self.filepath
        if skip_existing and os.path.exists(path):
            return path
        _write_output(path, self.source)
        return path

    def pipe(self, format=None, renderer=None, formatter=None, neato_no_op=None, quiet=False, *, engine=None, encoding=None):
        text = _layout(self.source, engine or self.engine, format or self.format, f"{type(self).__name__}.pipe")
        return text if encoding is not None else text.encode(self.encoding or "utf-8")

    def render(self, filename=None, directory=None, view=False, cleanup=False, format=None, renderer=None,
               formatter=None, neato_no_op=None, quiet=False, quiet_view=False, *, outfile=None, engine=None,
               raise_if_result_exists=False, overwrite_source=False):
        """Save the DOT source, lay it out into `<source file>.<format>` (or `outfile`) and show it."""
        if outfile is not None:
            outfile = os.fspath(outfile)
            stem, suffix = os.path.splitext(outfile)
            format = format or suffix.lstrip(".") or None
            if filename is None:
                filename = f"{os.path.basename(stem)}.{self._default_extension}"
                directory = directory if directory is not None else os.path.dirname(outfile)
        fmt = format or self.format
        text = _layout(self.source, engine or self.engine, fmt, f"{type(self).__name__}.render")
        source_path = self.save(filename, directory)
        out = outfile if outfile is not None else f"{source_path}.{fmt}"
        if raise_if_result_exists and os.path.exists(out):
            raise FileExistsError(f"output file exists: {out!r}")
        _write_output(out, text)
        if cleanup:
            os.remove(source_path)
        if fmt == "svg":
            _display().show_svg(text, self._bpn_title_)
        return out

    def view(self, filename=None, directory=None, cleanup=False, quiet=False, quiet_view=False):
        """No viewer here: the rendered graph shows in Backprop Ninja's panel."""
        return self.render(filename, directory, cleanup=cleanup, format="svg")

    def unflatten(self, *args, **kwargs):
        raise NotImplementedError("graphviz unflatten: Backprop Ninja's emulated graphviz has no unflatten tool")

    # Jupyter's display protocol: a notebook shows the SVG whatever `format` is
    def _repr_image_svg_xml(self):
        return self.pipe(format="svg", encoding="utf-8")

    _repr_svg_ = _repr_image_svg_xml

    def _repr_mimebundle_(self, include=None, exclude=None, **_):
        if (include is not None and "image/svg+xml" not in include) or (exclude and "image/svg+xml" in exclude):
            return {}
        return {"image/svg+xml": self._repr_image_svg_xml()}

    @property
    def _bpn_title_(self):
        return self.name or None


def _display():
    import _bpn_display
    return _bpn_display


class _Dot(_Rendering):
    _keyword = ""
    _edge_op = ""

    def __init__(self, name=None, comment=None, filename=None, directory=None, format=None, engine=None,
                 encoding="utf-8", graph_attr=None, node_attr=None, edge_attr=None, body=None, strict=False,
                 *, renderer=None, formatter=None):
        self.name = name
        self.comment = comment
        self.graph_attr = dict(graph_attr) if graph_attr is not None else {}
        self.node_attr = dict(node_attr) if node_attr is not None else {}
        self.edge_attr = dict(edge_attr) if edge_attr is not None else {}
        self.body = list(body) if body is not None else []
        self.strict = strict
        self.renderer = renderer
        self.formatter = formatter
        self._init_rendering(filename, directory, format, engine, encoding)

    @property
    def directed(self):
        return self._edge_op == "->"

    def copy(self):
        return type(self)(name=self.name, comment=self.comment, filename=self.filename, directory=self.directory,
                          format=self.format, engine=self.engine, encoding=self.encoding, graph_attr=self.graph_attr,
                          node_attr=self.node_attr, edge_attr=self.edge_attr, body=self.body, strict=self.strict)

    def clear(self, keep_attrs=False):
        if not keep_attrs:
            for attrs in (self.graph_attr, self.node_attr, self.edge_attr):
                attrs.clear()
        self.body.clear()

    def _lines(self, subgraph=False):
        """The DOT text line by line: comment, head, default attributes, body, closing brace."""
        if self.comment:
            yield f"// {self.comment}\n"
        name = _quote(self.name) + " " if self.name else ""
        if subgraph:
            if self.strict:
                raise ValueError("subgraphs cannot be strict")
            yield f"subgraph {name}{{\n" if self.name else "{\n"
        else:
            yield f"{'strict ' if self.strict else ''}{self._keyword} {name}{{\n"
        for kw in ("graph", "node", "edge"):
            attrs = getattr(self, f"{kw}_attr")
            if attrs:
                yield f"\t{kw}{_attr_list(None, attrs)}\n"
        yield from self.body
        yield "}\n"

    def __iter__(self):
        return self._lines()

    @property
    def source(self):
        return "".join(self._lines())

    def node(self, name, label=None, _attributes=None, **attrs):
        self.body.append(f"\t{_quote(name)}{_attr_list(label, attrs, _attributes)}\n")

    def edge(self, tail_name, head_name, label=None, _attributes=None, **attrs):
        ends = f"{_quote_edge(tail_name)} {self._edge_op} {_quote_edge(head_name)}"
        self.body.append(f"\t{ends}{_attr_list(label, attrs, _attributes)}\n")

    def edges(self, tail_head_iter):
        self.body += [f"\t{_quote_edge(t)} {self._edge_op} {_quote_edge(h)}\n" for t, h in tail_head_iter]

    def attr(self, kw=None, _attributes=None, **attrs):
        """attr(key=value): graph attribute statements; attr('node'|'edge'|'graph', ...): defaults."""
        if kw is not None and kw.lower() not in ("graph", "node", "edge"):
            raise ValueError(f"attr statement must target graph, node, or edge: {kw!r}")
        if not (attrs or _attributes):
            return
        if kw is None:
            self.body.append(f"\t{_a_list(None, attrs, _attributes)}\n")
        else:
            self.body.append(f"\t{kw}{_attr_list(None, attrs, _attributes)}\n")

    def subgraph(self, graph=None, name=None, comment=None, graph_attr=None, node_attr=None, edge_attr=None, body=None):
        """subgraph(g) adds g's lines; subgraph(name=...) is a context manager yielding a new subgraph."""
        if graph is None:
            sub = type(self)(name=name, comment=comment, graph_attr=graph_attr, node_attr=node_attr,
                             edge_attr=edge_attr, body=body, strict=None)
            return self._subgraph_context(sub)
        if any(a is not None for a in (name, comment, graph_attr, node_attr, edge_attr, body)):
            raise ValueError("graph must be sole argument of subgraph()")
        if graph.directed != self.directed:
            raise ValueError(f"{self!r} cannot add subgraph of different kind: {graph!r}")
        self.body += [f"\t{line}" for line in graph._lines(subgraph=True)]

    @contextlib.contextmanager
    def _subgraph_context(self, sub):
        yield sub
        self.subgraph(sub)


class Graph(_Dot):
    """An undirected graph: edges are written `a -- b`."""
    _keyword = "graph"
    _edge_op = "--"


class Digraph(_Dot):
    """A directed graph: edges are written `a -> b`."""
    _keyword = "digraph"
    _edge_op = "->"


class Source(_Rendering):
    """Verbatim DOT text, rendered like a graph."""

    def __init__(self, source, filename=None, directory=None, format=None, engine=None, encoding="utf-8",
                 *, renderer=None, formatter=None, loaded_from_path=None):
        self.name = None
        self._source = source if source.endswith("\n") else source + "\n"  # as graphviz keeps it
        self._init_rendering(filename, directory, format, engine, encoding)

    @classmethod
    def from_file(cls, filename, directory=None, format=None, engine=None, encoding="utf-8", renderer=None, formatter=None):
        path = os.path.join(os.fspath(directory), filename) if directory else filename
        with open(path, encoding=encoding) as f:
            return cls(f.read(), filename=os.path.basename(filename), directory=directory, format=format,
                       engine=engine, encoding=encoding)

    @property
    def source(self):
        return self._source

    def __iter__(self):
        return iter(self._source.splitlines(keepends=True))
