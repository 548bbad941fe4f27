# numpy's ndarray, emulated over the engine: an ndarray holds a torch.Tensor (our torch package,
# src/python/torch) that never requires grad, so every elementwise op, reduction and index goes
# through the torch handle bridge and the engine's op table; this module adds numpy's semantics
# (float64 by default, its dtypes' promotion, numpy scalars, printing).
#
# Building arrays from other modules (numpy.random, sklearn): the two entry points are
#   _from_flat(values, shape, dtype="float64")  values: a flat Python sequence (list or array('d'))
#       of numbers in C order, shape: a tuple of ints, dtype: "float64" | "float32" | "int64" | "bool"
#       or a numpy dtype; returns an ndarray, or a numpy scalar when shape == () (as numpy's 0-d
#       results of random.rand() etc. are Python-visible as scalars, e.g. np.random.rand() -> float).
#   _from_engine(t, dtype=None)  t: a torch.Tensor or an int handle of the bridge's tensor table
#       (torch/_handles.py); the ndarray takes it over (no copy; do not modify t afterwards);
#       with dtype, the values are cast to it.
# Use `from numpy._core import _from_flat, _from_engine`.
import builtins
from array import array

import _bpn_bridge as _b
import torch
from pyodide.ffi import to_js
from torch._tensor import _wrap as _wrap_js, _wrap_h

_float, _int, _bool = builtins.float, builtins.int, builtins.bool


def _from_flat(values, shape, dtype="float64"):
    """An ndarray of `shape` from flat C-order `values` (see the module comment)."""
    shape = tuple(_int(s) for s in shape)
    d = _dtype_of(dtype)
    t = _wrap_js(_b.fromFlat(to_js(array("d", values)), to_js(list(shape)), d._torch.name, False))
    return _wrap(t) if shape else _scalar(t.item(), d)


def _from_engine(t, dtype=None):
    """An ndarray over an engine tensor: a torch.Tensor or a bridge handle (see the module comment)."""
    if isinstance(t, _int):
        t = _wrap_h(t)
    if dtype is not None:
        d = _dtype_of(dtype)
        if t.dtype is not d._torch:
            t = t.to(d._torch)
    return _wrap(t)


def _wrap(t):
    a = object.__new__(ndarray)
    a._t = t
    return a


class dtype:
    """numpy.dtype, for the four dtypes the engine has (made once each, in _DTYPES)."""
    __slots__ = ("name", "_torch", "kind", "itemsize", "type")

    def __new__(cls, d):
        return _dtype_of(d)

    def __repr__(self):
        return f"dtype('{self.name}')"

    def __str__(self):
        return self.name

    def __eq__(self, other):
        try:
            return _dtype_of(other) is self
        except TypeError:
            return False

    def __hash__(self):
        return hash(self.name)


def _make_dtype(name, torch_dtype, kind, itemsize):
    d = object.__new__(dtype)
    d.name, d._torch, d.kind, d.itemsize = name, torch_dtype, kind, itemsize
    return d


_DTYPES = {
    "float64": _make_dtype("float64", torch.float64, "f", 8),
    "float32": _make_dtype("float32", torch.float32, "f", 4),
    "int64": _make_dtype("int64", torch.int64, "i", 8),
    "bool": _make_dtype("bool", torch.bool, "b", 1),
}
_BY_TORCH = {d._torch: d for d in _DTYPES.values()}
# what else names a dtype: Python's types (as numpy reads them) and numpy's spellings
_ALIASES = {builtins.float: "float64", builtins.int: "int64", builtins.bool: "bool", "float": "float64",
            "int": "int64", "bool_": "bool", "f8": "float64", "f4": "float32", "i8": "int64", "double": "float64",
            "single": "float32", "int_": "int64", "?": "bool", "d": "float64", "f": "float32"}


def _dtype_of(d):
    """Anything numpy accepts as a dtype (a dtype, a scalar type, a name, a Python type) → our dtype."""
    if isinstance(d, dtype):
        return d
    if d is None:
        return _DTYPES["float64"]
    name = getattr(d, "_bpn_dtype", None) or _ALIASES.get(d, d)
    if isinstance(name, str) and name in _DTYPES:
        return _DTYPES[name]
    raise TypeError(f"numpy.dtype {d!r}: numpy is emulated here, with float64, float32, int64 and bool only")


def _scalar(v, d):
    """A numpy scalar of dtype d holding the Python number v."""
    return d.type(v)


class ndarray:
    __slots__ = ("_t", "__weakref__")

    def __new__(cls, *args, **kwargs):
        raise TypeError("np.ndarray(...) directly is not supported here (numpy is emulated); use np.array / np.zeros")

    @property
    def shape(self):
        return tuple(self._t.shape)

    @property
    def dtype(self):
        return _BY_TORCH[self._t.dtype]

    def tolist(self):
        return self._t.tolist()


# ---- numpy scalars: subclasses of Python's number types, printed as numpy 1.24 prints them
class float64(builtins.float):
    _bpn_dtype = "float64"

    def item(self):
        return builtins.float(self)


class float32(builtins.float):
    _bpn_dtype = "float32"

    def __new__(cls, v=0.0):
        return builtins.float.__new__(cls, _round_f32(builtins.float(v)))

    def __repr__(self):
        return _f32_repr(builtins.float(self))

    __str__ = __repr__

    def item(self):
        return builtins.float(self)


class int64(builtins.int):
    _bpn_dtype = "int64"

    def item(self):
        return builtins.int(self)


class bool_(builtins.int):
    # Python's bool cannot be subclassed: an int that prints and compares as True/False
    _bpn_dtype = "bool"

    def __new__(cls, v=False):
        return builtins.int.__new__(cls, 1 if v else 0)

    def __repr__(self):
        return "True" if self else "False"

    __str__ = __repr__

    def item(self):
        return builtins.bool(self)


def _round_f32(x):
    import struct
    return struct.unpack("f", struct.pack("f", x))[0] if x == x and abs(x) < 3.4028235677973366e38 else x


def _f32_repr(x):
    """The shortest decimal that reads back as the same float32 (numpy's repr of a float32)."""
    if x != x or x in (builtins.float("inf"), builtins.float("-inf")):
        return repr(x)
    for p in range(1, 10):
        s = f"{x:.{p}g}"
        if _round_f32(builtins.float(s)) == x:
            return repr(builtins.float(s))
    return repr(x)


for _name, _type in (("float64", float64), ("float32", float32), ("int64", int64), ("bool", bool_)):
    _DTYPES[_name].type = _type
del _name, _type
