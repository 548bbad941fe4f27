# The Python face of the engine's Tensor: every method is a thin call into the JS engine through
# Pyodide's FFI (`_bpn_bridge` is registered by src/python/pyodide.ts). Keyword arguments are
# resolved here and passed positionally, so the JS side never needs option objects. The op table's
# methods (_ops) are added to Tensor at the end; handles and buffers are _handles', dtypes _dtypes',
# index keys _index', error translation _errors'.
# This module must not shadow builtins (torch/__init__.py defines torch.float, torch.sum, ...).
import builtins
import itertools
import operator
from array import array

import _bpn_bridge as _b
from pyodide.ffi import JsException, jsnull, to_js

from . import _ops
from ._dtypes import _BY_CODE, _ITEM_TYPE, _TENSOR_TYPE, _js_dtype, dtype, float32
from ._errors import _raising_like_torch, _translate, _wrap_class
from ._handles import (_A, _I, _RELEASE_EVERY, _dead, _release_dead, _h_put, _h_get, _h_dup, _h_T, _h_data,  # noqa: F401
                       _h_setData, _h_grad, _h_shape, _h_ndim, _h_dtype, _h_item, _h_index1, _h_index2,
                       _h_setItem1, _h_getItemN, _h_iaddIndexed, _h_iopIndexedN, _h_iopData, _h_setItemN,
                       _h_view, _h_reshape, _h_sum, _h_mean, _h_variance, _h_softmax, _h_zero_)
from ._size import Size

_new = object.__new__
_int, _float = builtins.int, builtins.float
# bridge functions looked up once: attribute access on a JS object is the costly part of a call
_b_allclose = _b.allclose
_b_argExtreme = _b.argExtreme
_b_copyOf = _b.copyOf
_b_extreme = _b.extreme
_b_fromFlat = _b.fromFlat
_b_full = _b.full
_b_genOpts = _b.genOpts
_b_getItem = _b.getItem
_b_mean = _b.mean
_b_multinomial = _b.multinomial
_b_repr = _b.repr
_b_retainGraphOpts = _b.retainGraphOpts
_b_setItem = _b.setItem
_b_softmax = _b.softmax
_b_sum = _b.sum
_b_variance = _b.variance

# engine methods as plain JS functions, looked up once (see bridge.ts)
_t_all = _b.t_all
_t_any = _b.t_any
_t_bool = _b.t_bool
_t_copy_ = _b.t_copy_
_t_detach = _b.t_detach
_t_double = _b.t_double
_t_equal = _b.t_equal
_t_expand_as = _b.t_expand_as
_t_fill_ = _b.t_fill_
_t_float = _b.t_float
_t_item = _b.t_item
_t_long = _b.t_long
_t_numel = _b.t_numel
_t_retain_grad = _b.t_retain_grad
_t_squeeze = _b.t_squeeze
_t_to = _b.t_to
_t_toArray = _b.t_toArray
_t_view = _b.t_view
_t_view_as = _b.t_view_as
_t_clamp = _b.t_clamp
_t_divRounded = _b.t_divRounded

_NAN = builtins.float("nan")
_shape_epoch = 0  # bumped when a JS tensor's shape changes (Tensor.shape)

# `t[k] += v` runs as r = t[k]; r += v; t[k] = r. When r is a view of t and nothing but in-place ops
# on r happened since (no autograd involved), the final copy writes r onto itself: it is skipped.
# _pending is (t, k, r) after such a read; every other mutation clears it.
_pending = None


def _mutating():
    global _pending
    _pending = None


def _wrap_h(h):
    t = _new(Tensor)
    t._h = h
    t._s = None
    return t


def _unary(name):
    fn = getattr(_b, "h_" + name)

    def op(self):
        _A[0] = self._h
        try:
            h = fn()
        except JsException as e:
            raise _translate(e) from None
        t = _new(Tensor)
        t._h = h
        t._s = None
        return t
    op.__name__ = op.__qualname__ = name
    op._bpn_inline = True  # translates engine errors itself
    return op


def _binary(name):
    """self (op) other, other a Tensor or a number (anything else goes the JsProxy way)."""
    with_tensor = getattr(_b, f"h_{name}_t")
    with_number = getattr(_b, f"h_{name}_s")

    def op(self, o):
        to = type(o)
        try:
            if to is Tensor:
                _A[0] = self._h
                _A[1] = o._h
                h = with_tensor()
            elif to is _float or to is _int:
                _A[0] = self._h
                _A[1] = o
                h = with_number()
            else:
                x = _operand(o)
                return _wrap(getattr(self._t, name)(x))
        except JsException as e:
            raise _translate(e) from None
        t = _new(Tensor)
        t._h = h
        t._s = None
        return t
    op.__name__ = op.__qualname__ = name
    op._bpn_inline = True  # translates engine errors itself
    return op


def _inplace(name):
    with_tensor = getattr(_b, f"h_{name}_t")
    with_number = getattr(_b, f"h_{name}_s")

    def op(self, o):
        global _pending
        to = type(o)
        try:
            if to is Tensor:
                _A[0] = self._h
                _A[1] = o._h
                requires_grad = with_tensor()
            elif to is _float or to is _int:
                _A[0] = self._h
                _A[1] = o
                requires_grad = with_number()
            else:
                _pending = None
                getattr(self._t, name)(_operand(o))
                return self
        except JsException as e:
            _pending = None
            raise _translate(e) from None
        if _pending is not None and (_pending[2] is not self or requires_grad):
            _pending = None
        return self
    op.__name__ = op.__qualname__ = name
    op._bpn_inline = True  # translates engine errors itself
    return op


def _tensor_only(name):
    """A binary op whose operand must be a tensor (matmul, copy_, ...)."""
    with_tensor = getattr(_b, f"h_{name}_t")

    def op(self, o):
        if type(o) is not Tensor:
            if not isinstance(o, Tensor):
                o = tensor(o)
        _A[0] = self._h
        _A[1] = o._h
        try:
            h = with_tensor()
        except JsException as e:
            raise _translate(e) from None
        t = _new(Tensor)
        t._h = h
        t._s = None
        return t
    op.__name__ = op.__qualname__ = name
    op._bpn_inline = True  # translates engine errors itself
    return op


# the op table's functions (dunders below use them; the table's methods are added after the class)
_UNARY = {n: _unary(n) for n in _ops.UNARY}
_BINARY = {n: _binary(n) for n in _ops.BINARY}
_INPLACE = {n: _inplace(n) for n in _ops.INPLACE}
_add, _sub, _mul, _div, _pow = (_BINARY[n] for n in ("add", "sub", "mul", "div", "pow"))
_rsub, _rdiv, _rpow = _BINARY["rsub"], _BINARY["rdiv"], _BINARY["rpow"]
_remainder, _rmod, _floor_divide, _rfloordiv = (_BINARY[n] for n in ("remainder", "rmod", "floor_divide", "rfloordiv"))
_eq, _ne, _lt, _le, _gt, _ge = (_BINARY[n] for n in ("eq", "ne", "lt", "le", "gt", "ge"))
_add_, _sub_, _mul_, _div_, _pow_ = (_INPLACE[n] for n in ("add_", "sub_", "mul_", "div_", "pow_"))


# ---------------------------------------------------------------- helpers
def _is_null(x):
    return x is None or x is jsnull


def _wrap(js):
    """A JS tensor seen as a JsProxy (cold paths) → a Tensor with a handle of its own."""
    t = _new(Tensor)
    t._h = _h_put(js)
    t._s = None
    return t


def _operand(x):
    """A Python operand → what the engine accepts (Tensor handle or number)."""
    tx = type(x)
    if tx is Tensor:
        return x._t
    if tx is builtins.float or tx is builtins.int or tx is builtins.bool:
        return x
    if isinstance(x, Tensor):
        return x._t
    if isinstance(x, (builtins.int, builtins.float)):
        return builtins.float(x) if isinstance(x, builtins.float) else builtins.int(x)
    if isinstance(x, (list, tuple)):
        return tensor(x)._t
    raise TypeError(f"unsupported operand type for a tensor op: '{tx.__name__}'")


def _shape_args(args, what="shape"):
    """(2, 3) / ((2, 3),) / ([2, 3],) / (torch.Size([2, 3]),) → [2, 3]."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    out = []
    for a in args:
        if isinstance(a, Tensor):
            a = a.item()
        if not isinstance(a, builtins.int):
            raise TypeError(f"{what} must be a sequence of ints, got {type(a).__name__}")
        out.append(builtins.int(a))
    return out


def _dims(dim):
    if dim is None:
        return None
    if isinstance(dim, (tuple, list)):
        return to_js([builtins.int(d) for d in dim])
    return builtins.int(dim)


def _keep(keepdim, kw):
    if kw:
        if "keepdims" in kw:
            keepdim = kw.pop("keepdims")
        if kw:
            raise TypeError(f"unexpected keyword argument '{next(iter(kw))}'")
    return builtins.bool(keepdim)


def _infer_nested(data):
    """Shape, flat values and dtype name of a nested list/tuple of numbers (or 0-d tensors)."""
    shape = []
    probe = data
    while isinstance(probe, (list, tuple)):
        shape.append(len(probe))
        if not probe:
            break
        probe = probe[0]
    flat = data
    for _ in range(len(shape) - 1):
        flat = list(itertools.chain.from_iterable(flat))
    flat = list(flat) if shape else [data]
    n = 1
    for s in shape:
        n *= s
    if len(flat) != n or builtins.any(isinstance(v, (list, tuple)) for v in flat[:1]):
        raise ValueError(f"expected sequence of length {shape[-1] if shape else 0} at dim {len(shape) - 1} (got a ragged nested list)")
    kinds = set(map(type, flat))
    if Tensor in kinds:
        flat = [v.item() if isinstance(v, Tensor) else v for v in flat]
        kinds = set(map(type, flat))
    if kinds <= {builtins.bool} and flat:
        name = "bool"
    elif kinds <= {builtins.int, builtins.bool}:
        name = "int64" if flat else "float32"
    else:
        for k in kinds:
            if k not in (builtins.int, builtins.float, builtins.bool) and not issubclass(k, (builtins.int, builtins.float)):
                raise TypeError(f"new(): invalid data type '{k.__name__}'")
        name = "float32"
    return shape, flat, name


def _ndarray_tensor(x):
    """The engine tensor under our numpy's ndarray (site/numpy/_core.py), or None for anything else."""
    return x._t if type(x).__name__ == "ndarray" and type(x).__module__ == "numpy" else None


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    under = _ndarray_tensor(data)
    if under is not None:  # an ndarray's values and dtype, copied as PyTorch does
        data = under
    if isinstance(data, Tensor):
        return _wrap(_b_copyOf(data._t, _js_dtype(dtype), builtins.bool(requires_grad)))
    shape, flat, inferred = _infer_nested(data)
    values = array("d", flat)  # ints and bools convert on the way in, no per-element Python call
    return _wrap(_b_fromFlat(to_js(values), to_js(shape), _js_dtype(dtype) or inferred, builtins.bool(requires_grad)))


# ---------------------------------------------------------------- grad_fn view
class _GradFn:
    __slots__ = ("_n",)

    def __init__(self, node):
        self._n = node

    def name(self):
        return self._n.name()

    @property
    def next_functions(self):
        out = []
        for edge in self._n.next_functions:
            node, k = edge[0], edge[1]
            out.append((None if _is_null(node) else _GradFn(node), k))
        return tuple(out)

    @property
    def variable(self):
        v = self._n.variable
        return None if _is_null(v) else _wrap(v)

    def __eq__(self, other):
        try:
            return isinstance(other, _GradFn) and other._n.id == self._n.id
        except JsException as e:
            raise _translate(e) from None

    def __hash__(self):
        return hash(("grad_fn", self._n.id))

    def __repr__(self):
        return f"<{self._n.name()} object at {hex(0x7f0000000000 + self._n.id * 16)}>"


class _ValuesIndices(tuple):
    """torch.return_types.max(values=..., indices=...)"""

    def __new__(cls, name, values, indices):
        r = tuple.__new__(cls, (values, indices))
        r._name = name
        return r

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]

    def __repr__(self):
        return f"torch.return_types.{self._name}(\nvalues={self[0]!r},\nindices={self[1]!r})"


# ---------------------------------------------------------------- Tensor
class Tensor:
    # _s: the shape as a Size, cached while _se == _shape_epoch (see `shape`)
    __slots__ = ("_h", "_s", "_se", "__weakref__")
    __hash__ = object.__hash__
    __array_priority__ = 1000

    def __init__(self, *args, **kwargs):
        self._h = -1
        self._s = None
        # torch.Tensor(2, 3) / torch.Tensor([1, 2]) (legacy constructor: always float32)
        if len(args) == 1 and isinstance(args[0], (list, tuple)):
            self._t = tensor(args[0], dtype=float32)._t
        else:
            self._t = _b_full(to_js(_shape_args(args) if args else [0]), 0, "float32", False)

    def __del__(self):
        try:
            _dead.append(self._h)
        except AttributeError:  # interrupted between object.__new__ and setting _h
            return
        if len(_dead) >= _RELEASE_EVERY:
            _release_dead()

    @property
    def _t(self):
        """The JS tensor as a JsProxy (for the cold paths; the hot ones pass the handle)."""
        return _h_get(self._h)

    @_t.setter
    def _t(self, js):
        old = self._h
        self._h = _h_put(js)
        self._s = None
        if old >= 0:
            _dead.append(old)

    def __copy__(self):
        _A[0] = self._h
        return _wrap_h(_h_dup())

    def __deepcopy__(self, memo):
        r = self.detach().clone()
        if self.requires_grad:
            r.requires_grad_(True)
        memo[id(self)] = r
        return r

    def __reduce_ex__(self, protocol):
        raise TypeError("Backprop Ninja's tensors cannot be pickled")

    # ---- identity, shape, dtype ----
    @property
    def shape(self):
        # A JS tensor's shape changes only when `.data =` gives it another tensor's (bridge.ts
        # h_setData), and several wrappers may share one JS tensor (t.grad, copy.copy): such an
        # assignment bumps _shape_epoch, which drops every cached shape at once. (Every wrapper is
        # made with _s = None.)
        s = self._s
        if s is not None and self._se == _shape_epoch:
            return s
        _A[0] = self._h
        n = _h_shape()
        s = self._s = Size(_I[:n])
        self._se = _shape_epoch
        return s

    def size(self, dim=None):
        if dim is None:
            return self.shape
        return self._t.size(builtins.int(dim))

    @property
    def dtype(self):
        _A[0] = self._h
        return _BY_CODE[_h_dtype()]

    @property
    def ndim(self):
        _A[0] = self._h
        return _h_ndim()

    def dim(self):
        _A[0] = self._h
        return _h_ndim()

    def numel(self):
        return _t_numel(self._t)

    nelement = numel

    def stride(self, dim=None):
        s = tuple(self._t.stride().to_py())
        return s if dim is None else s[dim]

    def is_contiguous(self):
        return self._t.is_contiguous()

    def is_floating_point(self):
        return self._t.is_floating_point()

    @property
    def device(self):
        return "cpu"

    def to(self, *args, **kwargs):
        d = kwargs.get("dtype")
        for a in args:
            if isinstance(a, dtype):
                d = a
        return self if d is None else _wrap(_t_to(self._t, _js_dtype(d)))

    def cpu(self):
        return self

    def float(self):
        return _wrap(_t_float(self._t))

    def double(self):
        return _wrap(_t_double(self._t))

    def long(self):
        return _wrap(_t_long(self._t))

    def int(self):
        return _wrap(_t_long(self._t))

    def bool(self):
        return _wrap(_t_bool(self._t))

    def type(self, dtype=None):
        if dtype is None:
            return _TENSOR_TYPE[self._t.dtype]
        return _wrap(_t_to(self._t, _js_dtype(dtype)))

    # ---- values ----
    def item(self):
        _A[0] = self._h
        try:
            v = _h_item()
        except JsException as e:
            raise _translate(e) from None
        return _ITEM_TYPE[_int(_A[1])](v)

    def tolist(self):
        d = self._t.dtype
        flat = _t_toArray(self._t).to_py().tolist()
        if d == "int64":
            flat = [builtins.int(v) for v in flat]
        elif d == "bool":
            flat = [v != 0 for v in flat]
        shape = self._t._shape.to_py()
        if not shape:
            return flat[0]
        for s in reversed(shape[1:]):
            flat = [flat[i:i + s] for i in range(0, len(flat), s)]
        return flat

    def numpy(self):
        """An ndarray sharing this tensor's storage (our emulated numpy, site/numpy)."""
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        import numpy
        return numpy._from_engine(self.__copy__())

    def __float__(self):
        return builtins.float(_t_item(self._t))

    def __int__(self):
        return builtins.int(_t_item(self._t))

    def __index__(self):
        if self._t.dtype not in ("int64", "bool"):
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(_t_item(self._t))

    def __bool__(self):
        if _t_numel(self._t) != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous")
        return _t_item(self._t) != 0

    def __len__(self):
        shape = self.shape
        if not shape:
            raise TypeError("len() of a 0-d tensor")
        return shape[0]

    def __iter__(self):
        shape = self.shape
        if not shape:
            raise TypeError("iteration over a 0-d tensor")
        for i in range(shape[0]):
            yield self[i]

    def __contains__(self, x):
        return builtins.bool(self.eq(x).any().item())

    def __repr__(self):
        return _b_repr(self._t)

    __str__ = __repr__

    def __format__(self, spec):
        if self._t.ndim == 0 and spec:
            return format(self.item(), spec)
        return format(repr(self), spec)

    # ---- autograd ----
    @property
    def requires_grad(self):
        return self._t.requires_grad

    @requires_grad.setter
    def requires_grad(self, on):
        _mutating()
        self._t.requires_grad = builtins.bool(on)

    def requires_grad_(self, requires_grad=True):
        _mutating()
        self._t.requires_grad_(builtins.bool(requires_grad))
        return self

    @property
    def grad(self):
        _A[0] = self._h
        h = _h_grad()
        return None if h < 0 else _wrap_h(h)

    @grad.setter
    def grad(self, g):
        _mutating()
        try:
            self._t.grad = jsnull if g is None else g._t
        except JsException as e:
            raise _translate(e) from None

    @property
    def grad_fn(self):
        n = self._t.grad_fn
        return None if _is_null(n) else _GradFn(n)

    @property
    def is_leaf(self):
        return self._t.is_leaf

    @property
    def retains_grad(self):
        return self._t.retains_grad

    def retain_grad(self):
        _t_retain_grad(self._t)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        _mutating()
        g = None if gradient is None else _operand(gradient)
        if retain_graph:
            self._t.backward(g, _b_retainGraphOpts())
        else:
            self._t.backward(g)

    def detach(self):
        return _wrap(_t_detach(self._t))

    def detach_(self):
        return self.detach()

    @property
    def data(self):
        _A[0] = self._h
        return _wrap_h(_h_data())

    @data.setter
    def data(self, src):
        global _shape_epoch, _pending
        if type(src) is not Tensor and not isinstance(src, Tensor):
            raise TypeError(f"data must be a Tensor, not {type(src).__name__}")
        _pending = None
        _A[0] = self._h
        _A[1] = src._h
        try:
            if _h_setData():
                _shape_epoch += 1
        except JsException as e:
            raise _translate(e) from None

    # ---- arithmetic operators ----
    __add__ = __radd__ = _add
    __sub__ = _sub
    __rsub__ = _rsub
    __mul__ = __rmul__ = _mul
    __truediv__ = _div
    __rtruediv__ = _rdiv
    __pow__ = _pow
    __rpow__ = _rpow
    __mod__ = _remainder
    __rmod__ = _rmod
    __floordiv__ = _floor_divide
    __rfloordiv__ = _rfloordiv
    __matmul__ = _tensor_only("matmul")

    def __rmatmul__(self, o):
        return tensor(o) @ self

    __neg__ = _UNARY["neg"]

    def __pos__(self):
        return self

    __abs__ = _UNARY["abs"]

    def __invert__(self):
        if self._t.dtype != "bool":
            raise TypeError("~ is only supported for bool tensors here")
        return self.logical_not()

    def __and__(self, o):
        return _wrap(_t_bool(self._t).mul(_operand(o)).bool())

    def __or__(self, o):
        return _wrap(_t_bool(self._t).add(_operand(o)).bool())

    # in place: x += y modifies x (and returns it), as in PyTorch
    __iadd__ = _add_
    __isub__ = _sub_
    __imul__ = _mul_
    __itruediv__ = _div_
    __ipow__ = _pow_
    __imod__ = _INPLACE["remainder_"]
    __ifloordiv__ = _INPLACE["floor_divide_"]

    # comparisons → bool tensors
    def __eq__(self, o):
        if not isinstance(o, (Tensor, builtins.int, builtins.float)):
            return NotImplemented
        return _eq(self, o)

    def __ne__(self, o):
        if not isinstance(o, (Tensor, builtins.int, builtins.float)):
            return NotImplemented
        return _ne(self, o)

    __lt__ = _lt
    __le__ = _le
    __gt__ = _gt
    __ge__ = _ge

    # ---- methods named like the operators (mul, div, eq, ...: the op table's) ----
    def add(self, o, alpha=None):
        return _add(self, o if alpha is None else o * alpha)

    def sub(self, o, alpha=None):
        return _sub(self, o if alpha is None else o * alpha)

    def div(self, o, *, rounding_mode=None):
        if rounding_mode is None:
            return _div(self, o)
        return _wrap(_t_divRounded(self._t, _operand(o), rounding_mode))

    matmul = __matmul__
    mm = _tensor_only("mm")

    def equal(self, o):
        return _t_equal(self._t, o._t)

    def allclose(self, o, rtol=1e-05, atol=1e-08, equal_nan=False):
        return _b_allclose(self._t, o._t, rtol, atol, builtins.bool(equal_nan))

    # ---- elementwise (the op table's exp, log, ... are added after the class) ----
    def clamp(self, min=None, max=None):
        return _wrap(_t_clamp(self._t, min, max))

    clip = clamp

    def masked_fill(self, mask, value):
        return _wrap(self._t.masked_fill(mask._t, value))

    # ---- reductions ----
    def _reduce(self, fn, dim, keepdim):
        td = type(dim)
        if td is builtins.int or dim is None:
            _A[0] = self._h
            _A[1] = _NAN if dim is None else dim
            _A[2] = 1 if keepdim else 0
            return _wrap_h(fn())
        if td is builtins.bool or not isinstance(dim, (builtins.int, tuple, list)):
            raise TypeError(f"dim must be an int or a tuple of ints, not {td.__name__}")
        return None

    def sum(self, dim=None, keepdim=False, dtype=None, **kw):
        try:
            keepdim = _keep(keepdim, kw)
            r = self._reduce(_h_sum, dim, keepdim)
            if r is None:
                r = _wrap(_b_sum(self._t, _dims(dim), keepdim))
            return r if dtype is None else _wrap(r._t.to(_js_dtype(dtype)))
        except JsException as e:
            raise _translate(e) from None

    def mean(self, dim=None, keepdim=False, dtype=None, **kw):
        try:
            keepdim = _keep(keepdim, kw)
            r = self._reduce(_h_mean, dim, keepdim)
            return r if r is not None else _wrap(_b_mean(self._t, _dims(dim), keepdim))
        except JsException as e:
            raise _translate(e) from None

    def _variance(self, dim, unbiased, keepdim, correction, kw, std):
        if unbiased is not None and not isinstance(unbiased, builtins.bool):
            raise TypeError(("std" if std else "var") + ": unbiased must be a bool")
        keepdim = _keep(keepdim, kw)
        try:
            if dim is None or type(dim) is builtins.int:
                _A[0] = self._h
                _A[1] = _NAN if dim is None else dim
                _A[2] = 1 if keepdim else 0
                _A[3] = _NAN if unbiased is None else (1 if unbiased else 0)
                _A[4] = _NAN if correction is None else correction
                _A[5] = 1 if std else 0
                return _wrap_h(_h_variance())
            return _wrap(_b_variance(self._t, _dims(dim), keepdim, unbiased, correction, std))
        except JsException as e:
            raise _translate(e) from None

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None, **kw):
        return self._variance(dim, unbiased, keepdim, correction, kw, False)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None, **kw):
        return self._variance(dim, unbiased, keepdim, correction, kw, True)

    def _extreme(self, which, dim, keepdim, kw):
        if isinstance(dim, Tensor):
            return _wrap(_b_extreme(self._t, which, dim._t, False))
        r = _b_extreme(self._t, which, dim, _keep(keepdim, kw))
        if dim is None:
            return _wrap(r)
        return _ValuesIndices(which, _wrap(r[0]), _wrap(r[1]))

    def max(self, dim=None, keepdim=False, **kw):
        try:
            return self._extreme("max", dim, keepdim, kw)
        except JsException as e:
            raise _translate(e) from None

    def min(self, dim=None, keepdim=False, **kw):
        return self._extreme("min", dim, keepdim, kw)

    def argmax(self, dim=None, keepdim=False):
        return _wrap(_b_argExtreme(self._t, "max", dim, builtins.bool(keepdim)))

    def argmin(self, dim=None, keepdim=False):
        return _wrap(_b_argExtreme(self._t, "min", dim, builtins.bool(keepdim)))

    def all(self):
        return _wrap(_t_all(self._t))

    def any(self):
        return _wrap(_t_any(self._t))

    # ---- views and copies ----
    def view(self, *shape):
        try:
            if len(shape) == 1 and isinstance(shape[0], dtype):
                raise RuntimeError("view(dtype) is not supported")
            dims = _shape_args(shape)
            n = len(dims)
            if n > 64:
                return _wrap(_t_view(self._t, to_js(dims)))
            for i in range(n):
                _I[i] = dims[i]
            _A[0] = self._h
            _A[1] = n
            return _wrap_h(_h_view())
        except JsException as e:
            raise _translate(e) from None

    def reshape(self, *shape):
        dims = _shape_args(shape)
        n = len(dims)
        if n > 64:
            return _wrap(self._t.reshape(to_js(dims)))
        for i in range(n):
            _I[i] = dims[i]
        _A[0] = self._h
        _A[1] = n
        return _wrap_h(_h_reshape())

    def view_as(self, other):
        return _wrap(_t_view_as(self._t, other._t))

    def reshape_as(self, other):
        return _wrap(self._t.reshape(other._t.shape))

    def flatten(self, start_dim=0, end_dim=-1):
        shape = self._t._shape.to_py()
        if not shape:
            return _wrap(self._t.reshape(to_js([1])))
        nd = len(shape)
        s, e = start_dim % nd, end_dim % nd
        n = 1
        for v in shape[s:e + 1]:
            n *= v
        return _wrap(self._t.reshape(to_js(shape[:s] + [n] + shape[e + 1:])))

    @property
    def T(self):
        _A[0] = self._h
        try:
            return _wrap_h(_h_T())
        except JsException as e:
            raise _translate(e) from None

    def t(self):
        return _wrap(self._t.t())

    def transpose(self, dim0, dim1):
        return _wrap(self._t.transpose(dim0, dim1))

    def permute(self, *dims):
        return _wrap(self._t.permute(to_js(_shape_args(dims, "dims"))))

    unsqueeze = _binary("unsqueeze")

    def squeeze(self, dim=None):
        return _wrap(self._t.squeeze() if dim is None else _t_squeeze(self._t, dim))

    def expand(self, *sizes):
        return _wrap(self._t.expand(to_js(_shape_args(sizes))))

    def expand_as(self, other):
        return _wrap(_t_expand_as(self._t, other._t))

    contiguous = _unary("contiguous")
    clone = _unary("clone")

    # ---- indexing ----
    def __getitem__(self, key):
        global _pending
        try:
            tk = type(key)
            if tk is tuple and len(key) == 2:
                k0, k1 = key
                if type(k0) is _int and type(k1) is _int:
                    _A[0] = self._h
                    _A[1] = k0
                    _A[2] = k1
                    h = _h_index2()
                    t = _new(Tensor)
                    t._h = h
                    t._s = None
                    return t
            elif tk is _int:
                _A[0] = self._h
                _A[1] = key
                _A[2] = 0
                h = _h_index1()
                t = _new(Tensor)
                t._h = h
                t._s = None
                if _A[3]:
                    _pending = (self, key, t)
                return t
            elif tk is Tensor:
                _A[0] = self._h
                _A[1] = key._h
                _A[2] = 1
                h = _h_index1()
                t = _new(Tensor)
                t._h = h
                t._s = None
                if _A[3]:
                    _pending = (self, key, t)
                return t
            items = key if tk is tuple else (key,)
            if _encode_items(items):
                _A[0] = self._h
                _A[1] = len(items)
                return _wrap_h(_h_getItemN())
            return _wrap(_b_getItem(self._t, *_index_items(key)))
        except JsException as e:
            raise _translate(e) from None

    def __setitem__(self, key, value):
        global _pending
        p = _pending
        if p is not None:
            _pending = None
            if p[2] is value and p[0] is self and p[1] is key:
                return  # value is self[key], a view of self: copying it onto itself changes nothing
        try:
            tk = type(key)
            tv = type(value)
            if (tk is Tensor or tk is builtins.int) and (tv is Tensor or tv is builtins.float or tv is builtins.int):
                _A[0] = self._h
                _A[1] = key._h if tk is Tensor else key
                _A[2] = value._h if tv is Tensor else value
                _A[3] = (1 if tk is Tensor else 0) + (2 if tv is Tensor else 0)
                _h_setItem1()
            elif (tv is Tensor or tv is builtins.float or tv is builtins.int) and _encode_items(items := key if tk is tuple else (key,)):
                _A[0] = self._h
                _A[1] = len(items)
                _A[2] = value._h if tv is Tensor else value
                _A[3] = 1 if tv is Tensor else 0
                _h_setItemN()
            elif tk is tuple:
                _b_setItem(self._t, _operand(value), *[_index_item(k) for k in key])
            else:
                _b_setItem(self._t, _operand(value), _index_item(key))
        except JsException as e:
            raise _translate(e) from None

    def index_select(self, dim, index):
        return _wrap(self._t.index_select(dim, index._t))

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        return _wrap(_b_multinomial(self._t, num_samples, builtins.bool(replacement), None if generator is None else generator._g))

    # ---- in place ----
    def add_(self, o, alpha=None):
        return _add_(self, o if alpha is None else o * alpha)

    def sub_(self, o, alpha=None):
        return _sub_(self, o if alpha is None else o * alpha)

    # (mul_, div_, pow_: the op table's)

    def clamp_(self, min=None, max=None):
        _mutating()
        self._t.clamp_(min, max)
        return self

    def copy_(self, src):
        _mutating()
        _t_copy_(self._t, src._t)
        return self

    def zero_(self):
        _mutating()
        _A[0] = self._h
        try:
            _h_zero_()
        except JsException as e:
            raise _translate(e) from None
        return self

    def fill_(self, v):
        _mutating()
        _t_fill_(self._t, _operand(v) if not isinstance(v, Tensor) else v.item())
        return self

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        _mutating()
        self._t.uniform_(a, b, _b_genOpts(None if generator is None else generator._g))
        return self

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        _mutating()
        self._t.normal_(mean, std, _b_genOpts(None if generator is None else generator._g))
        return self

    # ---- functional forms as methods ----
    def softmax(self, dim):
        return _softmax(self, dim, 0)

    def log_softmax(self, dim):
        return _softmax(self, dim, 1)


def _iadd_indexed(a, k, b, bk, sub):
    """`a[k] += b[bk]` (`-=` when sub), which the runner compiles to this call (_bpn_runtime.py).
    Python's order: a[k] is read before b[bk]. With tensors and int keys (the exercise's
    `dC[ix] += demb[k, j]`) the engine does the whole statement in one call, without a Python
    wrapper for either index result."""
    global _pending
    tk = type(k)
    if type(a) is Tensor and type(b) is Tensor and (tk is _int or tk is Tensor):
        tj = type(bk)
        flags = (1 if tk is Tensor else 0) + (2 if sub else 0)
        if tj is tuple and len(bk) == 2:
            j0, j1 = bk
            if type(j0) is _int and type(j1) is _int:
                _A[3] = j0
                _A[4] = j1
                flags += 4
            else:
                tj = None
        elif tj is _int:
            _A[3] = bk
        else:
            tj = None
        if tj is not None:
            _pending = None
            _A[0] = a._h
            _A[1] = k._h if tk is Tensor else k
            _A[2] = b._h
            _A[5] = flags
            try:
                _h_iaddIndexed()
            except JsException as e:
                raise _translate(e) from None
            return
    r = a[k]
    if sub:
        r -= b[bk]
    else:
        r += b[bk]
    a[k] = r


# `a op= b` by the bridge's IOP_MODES code
_IOPS = tuple(getattr(operator, "itruediv" if m == "div" else "i" + m) for m in _ops.IOP_MODES)


def _iop_indexed(a, k, v, op):
    """`a[k] op= v` (op: 0 +=, 1 -=, 2 *=, 3 /=) with v a number or a name, which the runner compiles to
    this call (_bpn_runtime.py). A float tensor a and a number v (dlogits[range(n), Yb] -= 1): the
    engine reads, combines and writes back in one call, as Python's three steps would; anything
    else runs those steps: r = a[k]; r op= v; a[k] = r."""
    global _pending
    tv = type(v)
    if type(a) is Tensor and (tv is _float or tv is _int):
        items = k if type(k) is tuple else (k,)
        if _encode_items(items):
            _A[0] = a._h
            _A[1] = len(items)
            _A[2] = v
            _A[3] = op << 1
            try:
                done = _h_iopIndexedN()
            except JsException as e:
                _pending = None
                raise _translate(e) from None
            if done:
                _pending = None
                return
    r = a[k]
    r = _IOPS[op](r, v)
    a[k] = r


def _iop_data(p, v, op):
    """`p.data op= v` (op as in _iop_indexed), which the runner compiles to this call. Python's three
    steps — d = p.data (a view of p), d op= v, p.data = d — in one engine call when p is a tensor and
    v a tensor or a number; else those steps."""
    global _pending, _shape_epoch
    tv = type(v)
    if type(p) is Tensor and (tv is Tensor or tv is _float or tv is _int):
        _pending = None
        _A[0] = p._h
        _A[1] = v._h if tv is Tensor else v
        _A[2] = (op << 1) | (tv is Tensor)
        try:
            if _h_iopData():
                _shape_epoch += 1
        except JsException as e:
            raise _translate(e) from None
        return
    d = p.data
    d = _IOPS[op](d, v)
    p.data = d


def _softmax(x, dim, log):
    if type(dim) is not builtins.int:
        return _wrap(_b_softmax(x._t, dim, builtins.bool(log)))
    _A[0] = x._h
    _A[1] = dim
    _A[2] = log
    try:
        return _wrap_h(_h_softmax())
    except JsException as e:
        raise _translate(e) from None


# the op table's methods that the class does not define itself (add/sub take alpha; reflected ops are
# Python's __r*__ operators only)
for _name, _fn in [*_UNARY.items(), *_BINARY.items(), *_INPLACE.items()]:
    if _name not in vars(Tensor) and _name not in _ops.REFLECTED:
        setattr(Tensor, _name, _fn)
del _name, _fn

_wrap_class(Tensor)
tensor = _raising_like_torch(tensor)

# index encoding needs Tensor and tensor (defined above); Tensor's methods look these up when called
from ._index import _encode_items, _index_item, _index_items  # noqa: E402
