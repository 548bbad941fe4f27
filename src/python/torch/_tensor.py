# The Python face of the engine's Tensor: every method is a thin call into the JS engine through
# Pyodide's FFI (`_bpn_bridge` is registered by src/python/pyodide.ts). Keyword arguments are
# resolved here and passed positionally, so the JS side never needs option objects.
# This module must not shadow builtins (torch/__init__.py defines torch.float, torch.sum, ...).
import builtins
import itertools
from array import array

import _bpn_bridge as _b
from pyodide.ffi import JsException, jsnull, to_js

_new = object.__new__
# bridge functions looked up once: attribute access on a JS object is the costly part of a call
_b_allclose = _b.allclose
_b_arange = _b.arange
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
_b_slice = _b.slice
_b_softmax = _b.softmax
_b_sum = _b.sum
_b_variance = _b.variance

# engine methods as plain JS functions, looked up once (see bridge.ts)
_t_abs = _b.t_abs
_t_add = _b.t_add
_t_add_ = _b.t_add_
_t_all = _b.t_all
_t_any = _b.t_any
_t_bool = _b.t_bool
_t_clone = _b.t_clone
_t_contiguous = _b.t_contiguous
_t_copy_ = _b.t_copy_
_t_detach = _b.t_detach
_t_div = _b.t_div
_t_div_ = _b.t_div_
_t_double = _b.t_double
_t_eq = _b.t_eq
_t_equal = _b.t_equal
_t_exp = _b.t_exp
_t_expand_as = _b.t_expand_as
_t_fill_ = _b.t_fill_
_t_float = _b.t_float
_t_ge = _b.t_ge
_t_gt = _b.t_gt
_t_isnan = _b.t_isnan
_t_item = _b.t_item
_t_le = _b.t_le
_t_log = _b.t_log
_t_log10 = _b.t_log10
_t_logical_not = _b.t_logical_not
_t_long = _b.t_long
_t_lt = _b.t_lt
_t_matmul = _b.t_matmul
_t_mm = _b.t_mm
_t_mul = _b.t_mul
_t_mul_ = _b.t_mul_
_t_ne = _b.t_ne
_t_neg = _b.t_neg
_t_numel = _b.t_numel
_t_pow = _b.t_pow
_t_pow_ = _b.t_pow_
_t_rdiv = _b.t_rdiv
_t_reciprocal = _b.t_reciprocal
_t_relu = _b.t_relu
_t_retain_grad = _b.t_retain_grad
_t_rpow = _b.t_rpow
_t_rsub = _b.t_rsub
_t_sigmoid = _b.t_sigmoid
_t_sqrt = _b.t_sqrt
_t_square = _b.t_square
_t_squeeze = _b.t_squeeze
_t_sub = _b.t_sub
_t_sub_ = _b.t_sub_
_t_tanh = _b.t_tanh
_t_to = _b.t_to
_t_toArray = _b.t_toArray
_t_unsqueeze = _b.t_unsqueeze
_t_view_as = _b.t_view_as
_t_zero_ = _b.t_zero_
_t_T = _b.t_T
_t_data = _b.t_data
_t_grad = _b.t_grad
_t_index1 = _b.t_index1
_t_index2 = _b.t_index2
_t_view = _b.t_view
_t_clamp = _b.t_clamp


# ---------------------------------------------------------------- dtypes
class dtype:
    __slots__ = ("name", "is_floating_point", "itemsize")

    def __init__(self, name, is_floating_point, itemsize):
        self.name = name
        self.is_floating_point = is_floating_point
        self.itemsize = itemsize

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))


float32 = dtype("float32", True, 4)
float64 = dtype("float64", True, 8)
int64 = dtype("int64", False, 8)
bool_ = dtype("bool", False, 1)
_DTYPES = {"float32": float32, "float64": float64, "int64": int64, "bool": bool_}
# aliases the engine does not store: torch.int32 etc. map to the nearest supported dtype
_ALIASES = {"float": float32, "double": float64, "long": int64, "int": int64, "int32": int64,
            "int16": int64, "int8": int64, "uint8": int64, "half": float32, "float16": float32,
            "bfloat16": float32}


def _dtype_by_name(name):
    return _DTYPES[name]


def _js_dtype(d):
    """A torch dtype (or Python type used as one) → the engine's dtype string, or None."""
    if d is None:
        return None
    if isinstance(d, dtype):
        return d.name
    if d is builtins.float:
        return "float32"
    if d is builtins.int:
        return "int64"
    if d is builtins.bool:
        return "bool"
    if isinstance(d, str) and d in _DTYPES:
        return d
    raise TypeError(f"unsupported dtype: {d!r}")


# ---------------------------------------------------------------- Size
class Size(tuple):
    def __repr__(self):
        return f"torch.Size([{', '.join(str(s) for s in self)}])"

    __str__ = __repr__

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, k):
        try:
            r = tuple.__getitem__(self, k)
            return Size(r) if isinstance(k, slice) else r
        except JsException as e:
            raise _translate(e) from None


# ---------------------------------------------------------------- helpers
def _is_null(x):
    return x is None or x is jsnull


def _wrap(js):
    t = _new(Tensor)
    t._t = js
    return t


def _wrap_or_none(js):
    return None if js is None or js is jsnull else _wrap(js)


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


def _js_list(xs):
    return to_js(list(xs))


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


def _index_item(k):
    tk = type(k)
    if tk is builtins.int:
        return k
    if tk is Tensor:
        return k._t
    if tk is slice:
        return _b_slice(_opt_int(k.start), _opt_int(k.stop), _opt_int(k.step))
    if k is None:
        return jsnull
    if k is Ellipsis:
        return "..."
    if tk is range:
        return _b_arange(k.start, k.stop, k.step, "int64", False)
    if tk is builtins.bool:
        raise IndexError("indexing with a Python bool is not supported")
    if isinstance(k, Tensor):
        return k._t
    if isinstance(k, (list, tuple)):
        return tensor(list(k))._t if any(isinstance(v, (list, tuple, Tensor)) for v in k) or not k else _flat_index_list(k)
    if hasattr(k, "__index__"):
        return k.__index__()
    raise IndexError(f"unsupported index type: {tk.__name__}")


def _flat_index_list(k):
    if builtins.all(type(v) is builtins.bool for v in k):
        return tensor(list(k))._t
    return to_js([builtins.int(v) for v in k])


def _opt_int(v):
    if v is None:
        return None
    if isinstance(v, Tensor):
        return builtins.int(v.item())
    return v.__index__()


def _index_items(key):
    if type(key) is tuple:
        return [_index_item(k) for k in key]
    return [_index_item(key)]


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


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
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
    __slots__ = ("_t", "__weakref__")
    __hash__ = object.__hash__
    __array_priority__ = 1000

    def __init__(self, *args, **kwargs):
        # torch.Tensor(2, 3) / torch.Tensor([1, 2]) (legacy constructor: always float32)
        if len(args) == 1 and isinstance(args[0], (list, tuple)):
            self._t = tensor(args[0], dtype=float32)._t
        else:
            self._t = _b_full(to_js(_shape_args(args) if args else [0]), 0, "float32", False)

    # ---- identity, shape, dtype ----
    @property
    def shape(self):
        try:
            return Size(self._t._shape.to_py())
        except JsException as e:
            raise _translate(e) from None

    def size(self, dim=None):
        if dim is None:
            return self.shape
        return self._t.size(builtins.int(dim))

    @property
    def dtype(self):
        return _DTYPES[self._t.dtype]

    @property
    def ndim(self):
        return self._t.ndim

    def dim(self):
        return self._t.ndim

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
            return "torch." + {"float32": "FloatTensor", "float64": "DoubleTensor", "int64": "LongTensor", "bool": "BoolTensor"}[self._t.dtype]
        return _wrap(_t_to(self._t, _js_dtype(dtype)))

    # ---- values ----
    def item(self):
        try:
            v = _t_item(self._t)
            d = self._t.dtype
            if d == "bool":
                return builtins.bool(v)
            if d == "int64":
                return builtins.int(v)
            return builtins.float(v)
        except JsException as e:
            raise _translate(e) from None

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
        raise RuntimeError("numpy is not available in Backprop Ninja's Python; use .tolist()")

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
        shape = self._t._shape
        if shape.length == 0:
            raise TypeError("len() of a 0-d tensor")
        return shape[0]

    def __iter__(self):
        if self._t.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        t = self._t
        for i in range(self._t._shape[0]):
            yield _wrap(t.index(i))

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
        self._t.requires_grad = builtins.bool(on)

    def requires_grad_(self, requires_grad=True):
        self._t.requires_grad_(builtins.bool(requires_grad))
        return self

    @property
    def grad(self):
        try:
            return _wrap_or_none(_t_grad(self._t))
        except JsException as e:
            raise _translate(e) from None

    @grad.setter
    def grad(self, g):
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
        try:
            return _wrap(_t_data(self._t))
        except JsException as e:
            raise _translate(e) from None

    @data.setter
    def data(self, src):
        try:
            self._t.data = src._t
        except JsException as e:
            raise _translate(e) from None

    # ---- arithmetic operators ----
    def __add__(self, o):
        try:
            return _wrap(_t_add(self._t, o._t if type(o) is Tensor else _operand(o)))
        except JsException as e:
            raise _translate(e) from None

    __radd__ = __add__

    def __sub__(self, o):
        try:
            return _wrap(_t_sub(self._t, o._t if type(o) is Tensor else _operand(o)))
        except JsException as e:
            raise _translate(e) from None

    def __rsub__(self, o):
        try:
            return _wrap(_t_rsub(self._t, o._t if type(o) is Tensor else _operand(o)))
        except JsException as e:
            raise _translate(e) from None

    def __mul__(self, o):
        try:
            return _wrap(_t_mul(self._t, o._t if type(o) is Tensor else _operand(o)))
        except JsException as e:
            raise _translate(e) from None

    __rmul__ = __mul__

    def __truediv__(self, o):
        try:
            return _wrap(_t_div(self._t, o._t if type(o) is Tensor else _operand(o)))
        except JsException as e:
            raise _translate(e) from None

    def __rtruediv__(self, o):
        try:
            return _wrap(_t_rdiv(self._t, o._t if type(o) is Tensor else _operand(o)))
        except JsException as e:
            raise _translate(e) from None

    def __pow__(self, o):
        try:
            return _wrap(_t_pow(self._t, o._t if type(o) is Tensor else _operand(o)))
        except JsException as e:
            raise _translate(e) from None

    def __rpow__(self, o):
        try:
            return _wrap(_t_rpow(self._t, o._t if type(o) is Tensor else _operand(o)))
        except JsException as e:
            raise _translate(e) from None

    def __matmul__(self, o):
        try:
            return _wrap(_t_matmul(self._t, o._t))
        except JsException as e:
            raise _translate(e) from None

    def __rmatmul__(self, o):
        return _wrap(tensor(o)._t.matmul(self._t))

    def __neg__(self):
        try:
            return _wrap(_t_neg(self._t))
        except JsException as e:
            raise _translate(e) from None

    def __pos__(self):
        return self

    def __abs__(self):
        return _wrap(_t_abs(self._t))

    def __invert__(self):
        if self._t.dtype != "bool":
            raise TypeError("~ is only supported for bool tensors here")
        return _wrap(_t_logical_not(self._t))

    def __and__(self, o):
        return _wrap(_t_bool(self._t).mul(_operand(o)).bool())

    def __or__(self, o):
        return _wrap(_t_bool(self._t).add(_operand(o)).bool())

    # in place: x += y modifies x (and returns it), as in PyTorch
    def __iadd__(self, o):
        try:
            _t_add_(self._t, o._t if type(o) is Tensor else _operand(o))
            return self
        except JsException as e:
            raise _translate(e) from None

    def __isub__(self, o):
        try:
            _t_sub_(self._t, o._t if type(o) is Tensor else _operand(o))
            return self
        except JsException as e:
            raise _translate(e) from None

    def __imul__(self, o):
        try:
            _t_mul_(self._t, o._t if type(o) is Tensor else _operand(o))
            return self
        except JsException as e:
            raise _translate(e) from None

    def __itruediv__(self, o):
        try:
            _t_div_(self._t, o._t if type(o) is Tensor else _operand(o))
            return self
        except JsException as e:
            raise _translate(e) from None

    def __ipow__(self, o):
        _t_pow_(self._t, o._t if type(o) is Tensor else _operand(o))
        return self

    # comparisons → bool tensors
    def __eq__(self, o):
        try:
            if not isinstance(o, (Tensor, builtins.int, builtins.float)):
                return NotImplemented
            return _wrap(_t_eq(self._t, _operand(o)))
        except JsException as e:
            raise _translate(e) from None

    def __ne__(self, o):
        if not isinstance(o, (Tensor, builtins.int, builtins.float)):
            return NotImplemented
        return _wrap(_t_ne(self._t, _operand(o)))

    def __lt__(self, o):
        try:
            return _wrap(_t_lt(self._t, _operand(o)))
        except JsException as e:
            raise _translate(e) from None

    def __le__(self, o):
        return _wrap(_t_le(self._t, _operand(o)))

    def __gt__(self, o):
        try:
            return _wrap(_t_gt(self._t, _operand(o)))
        except JsException as e:
            raise _translate(e) from None

    def __ge__(self, o):
        return _wrap(_t_ge(self._t, _operand(o)))

    # ---- methods named like the operators ----
    def add(self, o, alpha=None):
        return _wrap(_t_add(self._t, _operand(o * alpha if alpha is not None else o)))

    def sub(self, o, alpha=None):
        return _wrap(_t_sub(self._t, _operand(o * alpha if alpha is not None else o)))

    def mul(self, o):
        return _wrap(_t_mul(self._t, o._t if type(o) is Tensor else _operand(o)))

    def div(self, o):
        return _wrap(_t_div(self._t, o._t if type(o) is Tensor else _operand(o)))

    def pow(self, o):
        return _wrap(_t_pow(self._t, o._t if type(o) is Tensor else _operand(o)))

    def matmul(self, o):
        return _wrap(_t_matmul(self._t, o._t))

    def mm(self, o):
        return _wrap(_t_mm(self._t, o._t))

    def eq(self, o):
        return _wrap(_t_eq(self._t, _operand(o)))

    def ne(self, o):
        return _wrap(_t_ne(self._t, _operand(o)))

    def lt(self, o):
        return _wrap(_t_lt(self._t, _operand(o)))

    def le(self, o):
        return _wrap(_t_le(self._t, _operand(o)))

    def gt(self, o):
        return _wrap(_t_gt(self._t, _operand(o)))

    def ge(self, o):
        return _wrap(_t_ge(self._t, _operand(o)))

    def equal(self, o):
        return _t_equal(self._t, o._t)

    def allclose(self, o, rtol=1e-05, atol=1e-08, equal_nan=False):
        return _b_allclose(self._t, o._t, rtol, atol, builtins.bool(equal_nan))

    # ---- elementwise ----
    def neg(self):
        return _wrap(_t_neg(self._t))

    def exp(self):
        try:
            return _wrap(_t_exp(self._t))
        except JsException as e:
            raise _translate(e) from None

    def log(self):
        try:
            return _wrap(_t_log(self._t))
        except JsException as e:
            raise _translate(e) from None

    def log10(self):
        return _wrap(_t_log10(self._t))

    def tanh(self):
        try:
            return _wrap(_t_tanh(self._t))
        except JsException as e:
            raise _translate(e) from None

    def sigmoid(self):
        return _wrap(_t_sigmoid(self._t))

    def relu(self):
        return _wrap(_t_relu(self._t))

    def abs(self):
        return _wrap(_t_abs(self._t))

    def sqrt(self):
        return _wrap(_t_sqrt(self._t))

    def reciprocal(self):
        return _wrap(_t_reciprocal(self._t))

    def square(self):
        return _wrap(_t_square(self._t))

    def clamp(self, min=None, max=None):
        return _wrap(_t_clamp(self._t, min, max))

    clip = clamp

    def masked_fill(self, mask, value):
        return _wrap(self._t.masked_fill(mask._t, value))

    def isnan(self):
        return _wrap(_t_isnan(self._t))

    def logical_not(self):
        return _wrap(_t_logical_not(self._t))

    # ---- reductions ----
    def sum(self, dim=None, keepdim=False, dtype=None, **kw):
        try:
            r = _b_sum(self._t, _dims(dim), _keep(keepdim, kw))
            return _wrap(r if dtype is None else r.to(_js_dtype(dtype)))
        except JsException as e:
            raise _translate(e) from None

    def mean(self, dim=None, keepdim=False, dtype=None, **kw):
        try:
            return _wrap(_b_mean(self._t, _dims(dim), _keep(keepdim, kw)))
        except JsException as e:
            raise _translate(e) from None

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None, **kw):
        if isinstance(unbiased, builtins.bool) is False and unbiased is not None:
            raise TypeError("var: unbiased must be a bool")
        return _wrap(_b_variance(self._t, _dims(dim), _keep(keepdim, kw), unbiased, correction, False))

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None, **kw):
        return _wrap(_b_variance(self._t, _dims(dim), _keep(keepdim, kw), unbiased, correction, True))

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
            return _wrap(_t_view(self._t, to_js(_shape_args(shape))))
        except JsException as e:
            raise _translate(e) from None

    def reshape(self, *shape):
        return _wrap(self._t.reshape(to_js(_shape_args(shape))))

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
        try:
            return _wrap(self._t.T)
        except JsException as e:
            raise _translate(e) from None

    def t(self):
        return _wrap(self._t.t())

    def transpose(self, dim0, dim1):
        return _wrap(self._t.transpose(dim0, dim1))

    def permute(self, *dims):
        return _wrap(self._t.permute(to_js(_shape_args(dims, "dims"))))

    def unsqueeze(self, dim):
        return _wrap(_t_unsqueeze(self._t, dim))

    def squeeze(self, dim=None):
        return _wrap(self._t.squeeze() if dim is None else _t_squeeze(self._t, dim))

    def expand(self, *sizes):
        return _wrap(self._t.expand(to_js(_shape_args(sizes))))

    def expand_as(self, other):
        return _wrap(_t_expand_as(self._t, other._t))

    def contiguous(self):
        return _wrap(_t_contiguous(self._t))

    def clone(self):
        try:
            return _wrap(_t_clone(self._t))
        except JsException as e:
            raise _translate(e) from None

    # ---- indexing ----
    def __getitem__(self, key):
        try:
            tk = type(key)
            if tk is builtins.int:
                return _wrap(_t_index1(self._t, key))
            if tk is tuple and len(key) == 2 and type(key[0]) is builtins.int and type(key[1]) is builtins.int:
                return _wrap(_t_index2(self._t, key[0], key[1]))
            if tk is Tensor:
                return _wrap(_t_index1(self._t, key._t))
            return _wrap(_b_getItem(self._t, *_index_items(key)))
        except JsException as e:
            raise _translate(e) from None

    def __setitem__(self, key, value):
        try:
            if type(key) is tuple:
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
        _t_add_(self._t, _operand(o * alpha if alpha is not None else o))
        return self

    def sub_(self, o, alpha=None):
        _t_sub_(self._t, _operand(o * alpha if alpha is not None else o))
        return self

    def mul_(self, o):
        _t_mul_(self._t, o._t if type(o) is Tensor else _operand(o))
        return self

    def div_(self, o):
        _t_div_(self._t, o._t if type(o) is Tensor else _operand(o))
        return self

    def pow_(self, o):
        _t_pow_(self._t, o._t if type(o) is Tensor else _operand(o))
        return self

    def clamp_(self, min=None, max=None):
        self._t.clamp_(min, max)
        return self

    def copy_(self, src):
        _t_copy_(self._t, src._t)
        return self

    def zero_(self):
        _t_zero_(self._t)
        return self

    def fill_(self, v):
        _t_fill_(self._t, _operand(v) if not isinstance(v, Tensor) else v.item())
        return self

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        self._t.uniform_(a, b, _b_genOpts(None if generator is None else generator._g))
        return self

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        self._t.normal_(mean, std, _b_genOpts(None if generator is None else generator._g))
        return self

    # ---- functional forms as methods ----
    def softmax(self, dim):
        return _wrap(_b_softmax(self._t, dim, False))

    def log_softmax(self, dim):
        return _wrap(_b_softmax(self._t, dim, True))


# ---------------------------------------------------------------- errors
def _translate(e):
    """An engine TorchError (seen by Python as JsException) → the exception PyTorch raises."""
    msg = str(e)
    for prefix in ("TorchError: ", "Error: "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
            break
    msg = msg.split("\n    at ", 1)[0]
    if "out of bounds" in msg:
        return IndexError(msg)
    if msg.startswith("TypeError: "):
        return TypeError(msg[len("TypeError: "):])
    return RuntimeError(msg)


def _raising_like_torch(fn):
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except JsException as e:
            raise _translate(e) from None
    wrapper.__name__ = fn.__name__
    wrapper.__qualname__ = fn.__qualname__
    wrapper.__doc__ = fn.__doc__
    wrapper.__wrapped__ = fn
    return wrapper


# hot methods translate engine errors themselves (a try block costs nothing until it catches)
_TRANSLATED_INLINE = frozenset(['T', '__add__', '__eq__', '__getitem__', '__gt__', '__iadd__', '__imul__', '__isub__', '__itruediv__', '__lt__', '__matmul__', '__mul__', '__neg__', '__pow__', '__radd__', '__rmul__', '__rpow__', '__rsub__', '__rtruediv__', '__setitem__', '__sub__', '__truediv__', 'clone', 'data', 'exp', 'grad', 'item', 'log', 'max', 'mean', 'shape', 'sum', 'tanh', 'view'])


def _wrap_class(cls):
    for name, attr in list(vars(cls).items()):
        if name in ("__init_subclass__", "__class_getitem__", "__hash__", "__slots__", "_t") or name in _TRANSLATED_INLINE:
            continue
        if isinstance(attr, property):
            setattr(cls, name, property(
                attr.fget and _raising_like_torch(attr.fget),
                attr.fset and _raising_like_torch(attr.fset),
                attr.fdel, attr.__doc__))
        elif callable(attr) and not isinstance(attr, type):
            setattr(cls, name, _raising_like_torch(attr))


_wrap_class(Tensor)
tensor = _raising_like_torch(tensor)
