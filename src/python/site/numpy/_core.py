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
import math as _math
from array import array as array_module

import _bpn_bridge as _b
import torch

from . import _print
from pyodide.ffi import to_js
from torch._tensor import _wrap as _wrap_js, _wrap_h

_float, _int, _bool = builtins.float, builtins.int, builtins.bool


def _from_flat(values, shape, dtype="float64"):
    """An ndarray of `shape` from flat C-order `values` (see the module comment)."""
    shape = tuple(_int(s) for s in shape)
    d = _dtype_of(dtype)
    t = _wrap_js(_b.fromFlat(to_js(array_module("d", values)), to_js(list(shape)), d._torch.name, False))
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


_F64 = _DTYPES["float64"]
_I64 = _DTYPES["int64"]
_BOOL = _DTYPES["bool"]
_KIND_RANK = {"b": 0, "i": 1, "f": 2}


def _promote(a, b):
    """numpy's promotion of two array dtypes (int64 with float32 gives float64, unlike torch)."""
    if a is b:
        return a
    if a.kind == "b":
        return b
    if b.kind == "b":
        return a
    if a.kind == "f" and b.kind == "f":
        return _F64
    return _F64 if "f" in (a.kind, b.kind) else a


def _scalar_dtype(x):
    """The dtype of a Python or numpy scalar, or None when x is not one."""
    d = getattr(type(x), "_bpn_dtype", None)
    if d is not None:
        return _DTYPES[d]
    if isinstance(x, builtins.bool):
        return _BOOL
    if isinstance(x, builtins.int):
        return _I64
    if isinstance(x, builtins.float):
        return _F64
    return None


def _promote_value(arr, sc):
    """numpy 1.24's value-based casting: an array with a scalar keeps the array's dtype unless the
    scalar's kind (bool < int < float) is higher."""
    if _KIND_RANK[sc.kind] <= _KIND_RANK[arr.kind]:
        return arr
    return sc if sc.kind == "i" else _F64


def _number(x, d):
    """A scalar as the Python number the torch ops take for an operand of dtype d."""
    if d.kind == "f":
        return builtins.float(x)
    return builtins.int(x) if d.kind == "i" else builtins.bool(x)


def _cast(t, d):
    return t if t.dtype is d._torch else t.to(d._torch)


def _out(t):
    """A result tensor as numpy returns it: a numpy scalar when 0-d, else an ndarray."""
    if t.ndim == 0:
        return _BY_TORCH[t.dtype].type(t.item())
    return _wrap(t)


def _operands(a, b):
    """Two operands (arrays, scalars, lists) → (tensor or number, tensor or number, result dtype)."""
    da, db = _scalar_dtype(a), _scalar_dtype(b)
    if da is None:
        a = asarray(a)
    if db is None:
        b = asarray(b)
    if da is None and db is None:
        if a.ndim == 0 and b.ndim > 0:
            d = _promote_value(b.dtype, a.dtype)
        elif b.ndim == 0 and a.ndim > 0:
            d = _promote_value(a.dtype, b.dtype)
        else:
            d = _promote(a.dtype, b.dtype)
        return _cast(a._t, d), _cast(b._t, d), d
    if da is None:
        d = _promote_value(a.dtype, db)
        return _cast(a._t, d), _number(b, d), d
    if db is None:
        d = _promote_value(b.dtype, da)
        return _number(a, d), _cast(b._t, d), d
    d = _promote(da, db)
    return _cast(full((), a, d)._t, d), _number(b, d), d


def _binary(fn, true_divide=False):
    """A numpy ufunc of two operands from a torch operator (the engine's op table row behind it)."""
    def op(a, b):
        x, y, d = _operands(a, b)
        if true_divide and d.kind != "f":
            x = _cast(x, _F64) if not isinstance(x, (builtins.int, builtins.float)) else builtins.float(x)
            y = _cast(y, _F64) if not isinstance(y, (builtins.int, builtins.float)) else builtins.float(y)
        return _out(fn(x, y))
    return op


def _method(ufunc, reflected=False):
    def m(self, o):
        if isinstance(o, torch.Tensor) or not (isinstance(o, (ndarray, builtins.int, builtins.float, list, tuple))):
            return NotImplemented
        return ufunc(o, self) if reflected else ufunc(self, o)
    return m


def _inplace(ufunc):
    """a op= b writes into a's storage (numpy's in-place ufunc with out=a), keeping a's dtype."""
    def m(self, o):
        r = ufunc(self, o)
        rd = _scalar_dtype(r) or r.dtype
        if _promote(rd, self.dtype) is not self.dtype:
            raise TypeError(f"Cannot cast ufunc output from dtype('{rd.name}') to dtype('{self.dtype.name}') with casting rule 'same_kind'")
        self[...] = r
        return self
    return m


def _unary(fn, floating=True):
    """A numpy ufunc of one operand: ints and bools compute in float64 when the op is floating."""
    def op(x):
        x = asarray(x)
        t = x._t
        if floating and x.dtype.kind != "f":
            t = _cast(t, _F64)
        return _out(fn(t))
    return op


def _axis(axis, ndim):
    """numpy's axis argument (None, an int, a tuple) → None or a tuple of nonnegative axes."""
    if axis is None:
        return None
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    out = []
    for ax in axes:
        ax = builtins.int(ax)
        if not -ndim <= ax < ndim:
            raise ValueError(f"axis {ax} is out of bounds for array of dimension {ndim}")
        out.append(ax % ndim)
    return tuple(out)


def _reduce(name, x, axis, keepdims, fn, want=None):
    """A reduction over `axis` (None: all, int, tuple) with keepdims; fn(t, dim, keepdim) reduces
    one axis (or all when dim is None); want: the dtype the values are reduced in."""
    x = asarray(x)
    t = x._t if want is None else _cast(x._t, want)
    axes = _axis(axis, x.ndim)
    if x.size == 0 and name in ("max", "min", "argmax", "argmin"):
        raise ValueError(f"zero-size array to reduction operation {name} which has no identity")
    if axes is None or builtins.len(axes) == x.ndim and builtins.len(axes) != 1:
        r = fn(t, None, False)
        if keepdims:
            r = r.reshape([1] * x.ndim)
        return _out(r)
    for ax in sorted(axes, reverse=True):
        t = fn(t, ax, keepdims)
    return _out(t)


class ndarray:
    """numpy.ndarray over an engine tensor `_t` (a torch.Tensor that never requires grad)."""
    __slots__ = ("_t", "__weakref__")
    __array_priority__ = 1001

    def __new__(cls, *args, **kwargs):
        raise TypeError("np.ndarray(...) directly is not supported here (numpy is emulated); use np.array / np.zeros")

    # ---- attributes ----
    @property
    def shape(self):
        return tuple(self._t.shape)

    @shape.setter
    def shape(self, s):
        self._t = self._t.view(*((s,) if isinstance(s, builtins.int) else s))

    @property
    def dtype(self):
        return _BY_TORCH[self._t.dtype]

    @property
    def ndim(self):
        return self._t.ndim

    @property
    def size(self):
        n = 1
        for s in self._t.shape:
            n *= s
        return n

    @property
    def itemsize(self):
        return self.dtype.itemsize

    @property
    def nbytes(self):
        return self.size * self.dtype.itemsize

    @property
    def T(self):
        return self.transpose()

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of unsized object")
        return self._t.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        if self.ndim == 1:
            return iter(self.dtype.type(v) for v in self._t.tolist())
        return (self[i] for i in range(self._t.shape[0]))

    # ---- values ----
    def tolist(self):
        return self._t.tolist()

    def item(self, *args):
        if args:
            return self[args if builtins.len(args) > 1 else args[0]].item()
        if self.size != 1:
            raise ValueError("can only convert an array of size 1 to a Python scalar")
        return self._t.reshape(()).item() if self.ndim else self._t.item()

    def __float__(self):
        return builtins.float(self.item())

    def __int__(self):
        return builtins.int(self.item())

    def __index__(self):
        if self.dtype.kind == "f":
            raise TypeError("only integer scalar arrays can be converted to a scalar index")
        return builtins.int(self.item())

    def __bool__(self):
        if self.size != 1:
            raise ValueError("The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()")
        return builtins.bool(self.item())

    def astype(self, dtype, copy=True):
        d = _dtype_of(dtype)
        return _wrap(self._t.clone() if self._t.dtype is d._torch else self._t.to(d._torch))

    def copy(self):
        return _wrap(self._t.clone())

    def numpy(self):
        return self

    # ---- shape ----
    def reshape(self, *shape, order="C"):
        if builtins.len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return _wrap(self._t.reshape([builtins.int(s) for s in shape]))

    def ravel(self):
        return _wrap(self._t.reshape([-1]))

    def flatten(self):
        return _wrap(self._t.reshape([-1]).clone())

    def transpose(self, *axes):
        if builtins.len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = axes[0]
        if not axes:
            axes = tuple(range(self.ndim))[::-1]
        return _wrap(self._t.permute(*axes)) if self.ndim > 1 else _wrap(self._t.view(*self.shape))

    def squeeze(self, axis=None):
        return _wrap(self._t.squeeze(axis) if axis is not None else self._t.reshape([s for s in self.shape if s != 1]))

    # ---- indexing ----
    def __getitem__(self, key):
        return _out(self._t[_key(key)])

    def __setitem__(self, key, value):
        d = _scalar_dtype(value)
        if d is not None:
            self._t[_key(key)] = _number(value, self.dtype)
        else:
            self._t[_key(key)] = _cast(asarray(value)._t, self.dtype)

    # ---- operators (numpy's ufuncs, below) ----
    def __add__(self, o): return _method(add)(self, o)
    def __radd__(self, o): return _method(add, True)(self, o)
    def __sub__(self, o): return _method(subtract)(self, o)
    def __rsub__(self, o): return _method(subtract, True)(self, o)
    def __mul__(self, o): return _method(multiply)(self, o)
    def __rmul__(self, o): return _method(multiply, True)(self, o)
    def __truediv__(self, o): return _method(true_divide)(self, o)
    def __rtruediv__(self, o): return _method(true_divide, True)(self, o)
    def __pow__(self, o): return _method(power)(self, o)
    def __rpow__(self, o): return _method(power, True)(self, o)
    def __mod__(self, o): return _method(remainder)(self, o)
    def __rmod__(self, o): return _method(remainder, True)(self, o)
    def __floordiv__(self, o): return _method(floor_divide)(self, o)
    def __rfloordiv__(self, o): return _method(floor_divide, True)(self, o)
    def __divmod__(self, o): return _method(divmod)(self, o)
    def __rdivmod__(self, o): return _method(divmod, True)(self, o)
    def __matmul__(self, o): return _method(matmul)(self, o)
    def __rmatmul__(self, o): return _method(matmul, True)(self, o)
    def __eq__(self, o): return _method(equal)(self, o)
    def __ne__(self, o): return _method(not_equal)(self, o)
    def __lt__(self, o): return _method(less)(self, o)
    def __le__(self, o): return _method(less_equal)(self, o)
    def __gt__(self, o): return _method(greater)(self, o)
    def __ge__(self, o): return _method(greater_equal)(self, o)
    def __and__(self, o): return _method(logical_and)(self, o)
    def __rand__(self, o): return _method(logical_and, True)(self, o)
    def __or__(self, o): return _method(logical_or)(self, o)
    def __ror__(self, o): return _method(logical_or, True)(self, o)
    def __iadd__(self, o): return _inplace(add)(self, o)
    def __isub__(self, o): return _inplace(subtract)(self, o)
    def __imul__(self, o): return _inplace(multiply)(self, o)
    def __itruediv__(self, o): return _inplace(true_divide)(self, o)
    def __ipow__(self, o): return _inplace(power)(self, o)
    def __imod__(self, o): return _inplace(remainder)(self, o)
    def __ifloordiv__(self, o): return _inplace(floor_divide)(self, o)
    __hash__ = None

    def __neg__(self):
        return negative(self)

    def __pos__(self):
        return self.copy()

    def __abs__(self):
        return absolute(self)

    def __invert__(self):
        if self.dtype.kind != "b":
            raise TypeError("~ on a non-bool array (bitwise not) is not emulated here; numpy is emulated for bool masks")
        return logical_not(self)

    # ---- methods that are functions too ----
    def sum(self, axis=None, dtype=None, keepdims=False):
        r = sum(self, axis, keepdims=keepdims)
        return r if dtype is None else asarray(r, dtype=dtype)[()]

    def mean(self, axis=None, keepdims=False):
        return mean(self, axis, keepdims=keepdims)

    def std(self, axis=None, ddof=0, keepdims=False):
        return std(self, axis, ddof=ddof, keepdims=keepdims)

    def var(self, axis=None, ddof=0, keepdims=False):
        return var(self, axis, ddof=ddof, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        return amax(self, axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return amin(self, axis, keepdims=keepdims)

    def argmax(self, axis=None, keepdims=False):
        return argmax(self, axis, keepdims=keepdims)

    def argmin(self, axis=None, keepdims=False):
        return argmin(self, axis, keepdims=keepdims)

    def any(self, axis=None, keepdims=False):
        return any(self, axis, keepdims=keepdims)

    def all(self, axis=None, keepdims=False):
        return all(self, axis, keepdims=keepdims)

    def clip(self, a_min=None, a_max=None):
        return clip(self, a_min, a_max)

    def round(self, decimals=0):
        return round(self, decimals)

    def dot(self, o):
        return dot(self, o)

    # ---- printing (_print.py) ----
    def __repr__(self):
        return _print.array_repr(self)

    def __str__(self):
        return _print.array_str(self)

    def __format__(self, spec):
        return format(str(self), spec)


def _key(key):
    """A numpy index → a torch index: arrays and lists become index tensors, numpy ints Python ints."""
    if isinstance(key, tuple):
        return tuple(_key_item(k) for k in key)
    return _key_item(key)


def _key_item(k):
    if isinstance(k, ndarray):
        if k.dtype.kind == "f":
            raise IndexError("arrays used as indices must be of integer (or boolean) type")
        return k._t
    if isinstance(k, list):
        return _key_item(asarray(k)) if k else torch.tensor([], dtype=torch.int64)
    if isinstance(k, builtins.bool) or type(k) is bool_:
        raise IndexError("a scalar bool index is not emulated here (numpy is emulated)")
    if isinstance(k, builtins.int):
        return builtins.int(k)
    return k


# ---------------------------------------------------------------- creation
def _infer(data):
    """Shape, flat values and dtype of nested lists/tuples of numbers, numpy scalars and arrays."""
    if isinstance(data, ndarray):
        return data.shape, None, data.dtype
    d = _scalar_dtype(data)
    if d is not None:
        return (), [data], d
    if not isinstance(data, (list, tuple)):
        if isinstance(data, torch.Tensor):
            raise TypeError("np.array(tensor): use tensor.numpy() (numpy is emulated here)")
        if hasattr(data, "__iter__") and not isinstance(data, (str, bytes, dict)):
            data = builtins.list(data)
        else:
            raise TypeError(f"np.array of a {type(data).__name__}: numpy is emulated here, for numbers only")
    if not data:
        return (0,), [], _F64
    parts = [_infer(x) for x in data]
    shape0 = parts[0][0]
    if builtins.any(p[0] != shape0 for p in parts):
        raise ValueError("setting an array element with a sequence. The requested array has an inhomogeneous shape")
    d = parts[0][2]
    flat = []
    for (s, f, pd), x in zip(parts, data):
        d = _promote(d, pd)
        flat.extend(f if f is not None else x._t.reshape([-1]).tolist())
    return (builtins.len(data),) + tuple(shape0), flat, d


def array(obj, dtype=None, copy=True, ndmin=0):
    if isinstance(obj, ndarray):
        r = obj.astype(dtype if dtype is not None else obj.dtype)
    else:
        shape, flat, d = _infer(obj)
        d = d if dtype is None else _dtype_of(dtype)
        r = _wrap(_wrap_js(_b.fromFlat(to_js(array_module("d", flat)), to_js(builtins.list(shape)), d._torch.name, False)))
    while r.ndim < ndmin:
        r = r.reshape((1,) + r.shape)
    return r


def asarray(a, dtype=None):
    if isinstance(a, ndarray) and (dtype is None or _dtype_of(dtype) is a.dtype):
        return a
    return array(a, dtype)


def _shape_of(shape):
    return [builtins.int(shape)] if isinstance(shape, builtins.int) else [builtins.int(s) for s in shape]


def full(shape, fill_value, dtype=None):
    d = _dtype_of(dtype) if dtype is not None else (_scalar_dtype(fill_value) or _F64)
    return _wrap(torch.full(_shape_of(shape), _number(fill_value, d), dtype=d._torch))


def zeros(shape, dtype=None):
    return full(shape, 0, _F64 if dtype is None else dtype)


def ones(shape, dtype=None):
    return full(shape, 1, _F64 if dtype is None else dtype)


empty = zeros


def full_like(a, fill_value, dtype=None):
    a = asarray(a)
    return full(a.shape, fill_value, a.dtype if dtype is None else dtype)


def zeros_like(a, dtype=None):
    return full_like(a, 0, dtype)


def ones_like(a, dtype=None):
    return full_like(a, 1, dtype)


empty_like = zeros_like


def arange(start, stop=None, step=1, dtype=None):
    if stop is None:
        start, stop = 0, start
    d = _dtype_of(dtype) if dtype is not None else (
        _I64 if builtins.all(_scalar_dtype(v) in (_I64, _BOOL) for v in (start, stop, step)) else _F64)
    if d.kind == "f":
        # numpy steps by (start + step) - start, which differs from step by rounding
        step = (builtins.float(start) + step) - start
    return _wrap(torch.arange(start, stop, step, dtype=d._torch))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None):
    num = builtins.int(num)
    div = (num - 1) if endpoint else num
    step = (stop - start) / div if div > 0 else builtins.float("nan")
    y = _wrap(torch.arange(0, num, 1, dtype=torch.float64))
    y = y * step + start if div > 0 else y + start
    if endpoint and num > 1:
        y[-1] = stop
    if dtype is not None:
        y = y.astype(dtype)
    return (y, step) if retstep else y


def meshgrid(*xs, indexing="xy"):
    xs = [asarray(x).ravel() for x in xs]
    shape = [builtins.len(x) for x in xs]
    axes = builtins.list(range(builtins.len(xs)))
    if indexing == "xy" and builtins.len(xs) > 1:
        shape[0], shape[1] = shape[1], shape[0]
        axes[0], axes[1] = 1, 0
    out = []
    for x, ax in zip(xs, axes):
        view = [1] * builtins.len(xs)
        view[ax] = builtins.len(x)
        out.append(_wrap(x._t.reshape(view).expand(*shape).clone()))
    return out


def _common(arrays):
    arrays = [asarray(a) for a in arrays]
    d = arrays[0].dtype
    for a in arrays[1:]:
        d = _promote(d, a.dtype)
    return [_cast(a._t, d) for a in arrays]


def concatenate(arrays, axis=0):
    if axis is None:
        return concatenate([asarray(a).ravel() for a in arrays])
    return _wrap(torch.cat(_common(arrays), dim=axis))


def stack(arrays, axis=0):
    return _wrap(torch.stack(_common(arrays), dim=axis))


def vstack(arrays):
    return concatenate([a if a.ndim > 1 else a.reshape(1, -1) for a in map(asarray, arrays)], 0)


def hstack(arrays):
    arrays = [asarray(a) for a in arrays]
    return concatenate(arrays, 0 if arrays[0].ndim == 1 else 1)


class _Concatenator:
    """np.r_ / np.c_: index with arrays, numbers and slices (a:b:c, or a:b:nj for linspace)."""

    def __init__(self, columns):
        self._columns = columns

    def __getitem__(self, key):
        items = key if isinstance(key, tuple) else (key,)
        parts = []
        for k in items:
            if isinstance(k, slice):
                start = 0 if k.start is None else k.start
                step = 1 if k.step is None else k.step
                if isinstance(step, builtins.complex):
                    a = linspace(start, k.stop, builtins.int(builtins.abs(step)))
                else:
                    a = arange(start, k.stop, step)
            else:
                a = asarray(k)
            if a.ndim == 0:
                a = a.reshape(1)
            if self._columns and a.ndim == 1:
                a = a.reshape(-1, 1)
            parts.append(a)
        return concatenate(parts, -1 if self._columns else 0)


r_ = _Concatenator(False)
c_ = _Concatenator(True)


def reshape(a, newshape):
    return asarray(a).reshape(newshape)


def ravel(a):
    return asarray(a).ravel()


def transpose(a, axes=None):
    return asarray(a).transpose(*(axes or ()))


def shape(a):
    return asarray(a).shape


def ndim(a):
    return asarray(a).ndim


def size(a):
    return asarray(a).size


def copy(a):
    return array(a)


# ---------------------------------------------------------------- ufuncs (each a torch op: the engine's op table)
add = _binary(lambda x, y: x + y)
subtract = _binary(lambda x, y: x - y)
multiply = _binary(lambda x, y: x * y)
true_divide = divide = _binary(lambda x, y: x / y, true_divide=True)
power = _binary(lambda x, y: x ** y)


def _divmod_ufunc(fn, signed_zero=False):
    """numpy's remainder, fmod and floor_divide over the torch ops, with numpy's differences: bools
    divide as int64, an integer divided by 0 gives 0 (numpy warns, torch raises), and a float
    remainder of 0 has the divisor's sign (signed_zero)."""
    def op(a, b):
        x, y, d = _operands(a, b)
        if d.kind == "b":
            d = _I64
            x, y = (_number(v, d) if isinstance(v, (builtins.int, builtins.float)) else _cast(v, d) for v in (x, y))
        if isinstance(x, (builtins.int, builtins.float)):
            x = full((), x, d)._t
        zero = None  # where an integer divisor is 0: a bool tensor, True for a number 0
        if d.kind == "i":
            zero = y == 0
            if isinstance(zero, torch.Tensor):
                zero = zero if zero.any().item() else None
            elif not zero:
                zero = None
            if zero is not None:
                y = torch.where(zero, 1, y) if isinstance(zero, torch.Tensor) else 1
        r = fn(x, y)
        if zero is not None:
            r = torch.where(zero, 0, r) if isinstance(zero, torch.Tensor) else torch.zeros_like(r)
        if signed_zero and d.kind == "f":
            if isinstance(y, torch.Tensor):
                z = torch.zeros((), dtype=d._torch)
                r = torch.where(r == 0, torch.where(y < 0, -z, z), r)
            else:
                r = torch.where(r == 0, _math.copysign(0.0, y), r)
        return _out(r)
    return op


remainder = mod = _divmod_ufunc(lambda x, y: x % y, signed_zero=True)
fmod = _divmod_ufunc(torch.fmod)
floor_divide = _divmod_ufunc(lambda x, y: x // y)


def divmod(a, b):
    return floor_divide(a, b), remainder(a, b)


class errstate:
    """numpy.errstate: a context manager for floating-point error handling. Our numpy never warns
    or raises on division by zero or invalid values, so there is nothing to switch."""

    def __init__(self, **kwargs):
        self.settings = kwargs

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


equal = _binary(lambda x, y: x == y)
not_equal = _binary(lambda x, y: x != y)
less = _binary(lambda x, y: x < y)
less_equal = _binary(lambda x, y: x <= y)
greater = _binary(lambda x, y: x > y)
greater_equal = _binary(lambda x, y: x >= y)


def _logical(fn):
    def op(a, b):
        return _out(fn(_cast(asarray(a)._t, _BOOL), _cast(asarray(b)._t, _BOOL)))
    return op


logical_and = _logical(lambda x, y: x & y)
logical_or = _logical(lambda x, y: x | y)


def logical_not(x):
    return _out(torch.logical_not(asarray(x)._t))


def matmul(a, b):
    x, y, d = _operands(a, b)
    if isinstance(x, (builtins.int, builtins.float)) or isinstance(y, (builtins.int, builtins.float)):
        raise ValueError("matmul: Input operand does not have enough dimensions")
    return _out(x @ y)


def dot(a, b):
    a, b = asarray(a), asarray(b)
    return multiply(a, b) if a.ndim == 0 or b.ndim == 0 else matmul(a, b)


tanh = _unary(torch.tanh)
exp = _unary(torch.exp)
log = _unary(torch.log)
log10 = _unary(torch.log10)
sqrt = _unary(torch.sqrt)
sin = _unary(torch.sin)
cos = _unary(torch.cos)
absolute = abs = _unary(torch.abs, floating=False)
negative = _unary(lambda t: -t, floating=False)
square = _unary(lambda t: t * t, floating=False)
isnan = _unary(torch.isnan, floating=False)


def round(a, decimals=0):
    """Halves to even; with decimals, numpy's rint(a · 10^d) / 10^d."""
    a = asarray(a)
    if a.dtype.kind != "f":
        return _out(a._t.clone())
    if decimals == 0:
        return _out(torch.round(a._t))
    scale = 10.0 ** decimals
    return _out(torch.round(a._t * scale) / scale) if decimals > 0 else _out(torch.round(a._t / (1.0 / scale)) * (1.0 / scale))


around = round


def _extremum(greater_or_equal):
    # numpy's maximum/minimum propagate NaN: a where (a ≥ b (≤ for minimum) or a is NaN), else b
    def op(a, b):
        x, y, d = _operands(a, b)
        x = x if isinstance(x, torch.Tensor) else torch.tensor(x, dtype=d._torch)
        y = y if isinstance(y, torch.Tensor) else torch.tensor(y, dtype=d._torch)
        pick = (x >= y if greater_or_equal else x <= y) | torch.isnan(x)
        return _out(torch.where(pick, x, y))
    return op


maximum = _extremum(True)
minimum = _extremum(False)


def clip(a, a_min, a_max):
    a = asarray(a)
    if a_min is not None and _scalar_dtype(a_min) is None or a_max is not None and _scalar_dtype(a_max) is None:
        r = a if a_min is None else maximum(a, a_min)
        return r if a_max is None else minimum(r, a_max)
    d = a.dtype
    for v in (a_min, a_max):
        if v is not None:
            d = _promote_value(d, _scalar_dtype(v))
    lo = None if a_min is None else _number(a_min, d)
    hi = None if a_max is None else _number(a_max, d)
    return _out(_cast(a._t, d).clamp(lo, hi))


def where(condition, x=None, y=None):
    if x is None and y is None:
        return nonzero(condition)
    c = _cast(asarray(condition)._t, _BOOL)
    xa, ya = asarray(x), asarray(y)
    sx, sy = _scalar_dtype(x), _scalar_dtype(y)
    if sx is not None and sy is None and ya.ndim > 0:
        d = _promote_value(ya.dtype, sx)
    elif sy is not None and sx is None and xa.ndim > 0:
        d = _promote_value(xa.dtype, sy)
    else:
        d = _promote(xa.dtype, ya.dtype)
    return _out(torch.where(c, _cast(xa._t, d), _cast(ya._t, d)))


def nonzero(a):
    a = asarray(a)
    flat = _cast(a._t, _BOOL).reshape([-1]).tolist()
    hits = [i for i, v in enumerate(flat) if v]
    out = []
    for s in reversed(a.shape):
        out.append([h % s for h in hits])
        hits = [h // s for h in hits]
    return tuple(array(ix, dtype=int64) for ix in reversed(out))


# ---------------------------------------------------------------- reductions
def sum(a, axis=None, dtype=None, keepdims=False):
    a = asarray(a)
    want = _I64 if a.dtype.kind == "b" else None
    r = _reduce("sum", a, axis, keepdims, lambda t, d, k: t.sum(d, keepdim=k), want)
    return r if dtype is None else asarray(r, dtype=dtype)[()]


def mean(a, axis=None, dtype=None, keepdims=False):
    a = asarray(a)
    want = _F64 if a.dtype.kind != "f" else None
    return _reduce("mean", a, axis, keepdims, lambda t, d, k: t.mean(d, keepdim=k), want)


def _variance(a, axis, ddof, keepdims, std):
    a = asarray(a)
    want = _F64 if a.dtype.kind != "f" else None
    fn = (lambda t, d, k: t.std(d, keepdim=k, correction=ddof)) if std else (lambda t, d, k: t.var(d, keepdim=k, correction=ddof))
    return _reduce("std" if std else "var", a, axis, keepdims, fn, want)


def var(a, axis=None, dtype=None, ddof=0, keepdims=False):
    return _variance(a, axis, ddof, keepdims, False)


def std(a, axis=None, dtype=None, ddof=0, keepdims=False):
    return _variance(a, axis, ddof, keepdims, True)


def amax(a, axis=None, keepdims=False):
    return _reduce("max", a, axis, keepdims, lambda t, d, k: t.max() if d is None else t.max(d, keepdim=k)[0])


def amin(a, axis=None, keepdims=False):
    return _reduce("min", a, axis, keepdims, lambda t, d, k: t.min() if d is None else t.min(d, keepdim=k)[0])


max, min = amax, amin


def _arg(name, a, axis, keepdims):
    a = asarray(a)
    if a.size == 0:
        raise ValueError(f"attempt to get {name} of an empty sequence")
    t = a._t if axis is not None or not keepdims else a._t.reshape([-1])
    r = getattr(t, name)(None if axis is None else _axis(axis, a.ndim)[0], keepdim=builtins.bool(keepdims))
    if axis is None and keepdims:
        r = r.reshape([1] * a.ndim)
    return _out(r)


def argmax(a, axis=None, keepdims=False):
    return _arg("argmax", a, axis, keepdims)


def argmin(a, axis=None, keepdims=False):
    return _arg("argmin", a, axis, keepdims)


def any(a, axis=None, keepdims=False):
    return greater(sum(not_equal(a, 0), axis, keepdims=keepdims), 0)


def all(a, axis=None, keepdims=False):
    return logical_not(any(logical_not(not_equal(a, 0)), axis, keepdims=keepdims))


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
    return struct.unpack("f", struct.pack("f", x))[0] if x == x and builtins.abs(x) < 3.4028235677973366e38 else x


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

# the types print as numpy's do (<class 'numpy.float64'>)
for _type in (ndarray, dtype, float64, float32, int64, bool_):
    _type.__module__ = "numpy"
del _type
