# `import torch` for scripts run by Backprop Ninja: PyTorch's names and Python semantics over the
# TypeScript engine. Logic lives in _tensor.py and the modules it uses (which never shadow builtins); this module defines
# the torch.* namespace, where names like `float`, `sum` and `max` are torch's, not Python's.
import builtins as _builtins
import functools as _functools

import _bpn_bridge as _b
from pyodide.ffi import to_js as _to_js

# bridge functions looked up once: attribute access on a JS object is the costly part of a call
_b_arange = _b.arange
_b_cat = _b.cat
_b_defaultGenerator = _b.defaultGenerator
_b_full = _b.full
_b_fullLike = _b.fullLike
_b_generator = _b.generator
_b_isGradEnabled = _b.isGradEnabled
_b_multinomial = _b.multinomial
_b_rand = _b.rand
_b_randint = _b.randint
_b_randn = _b.randn
_b_setGradEnabled = _b.setGradEnabled
_b_stack = _b.stack
_b_where = _b.where

from . import _dtypes, _ops, _tensor
from ._dtypes import dtype, _js_dtype
from ._errors import _raising_like_torch
from ._handles import _A, _I, _h_fullLike, _h_randint
from ._size import Size
from ._tensor import Tensor, tensor, _wrap, _wrap_h, _operand, _shape_args, _dims, _keep

__version__ = "1.13.1+backprop_ninja"

float32 = float = _dtypes.float32
float64 = double = _dtypes.float64
int64 = long = int = _dtypes.int64
int32 = int16 = int8 = uint8 = _dtypes.int64
float16 = half = bfloat16 = _dtypes.float32
bool = _dtypes.bool_


# ---------------------------------------------------------------- Generator
class Generator:
    """torch.Generator: the engine's mt19937 stream (bit-exact with PyTorch's CPU generator)."""

    __slots__ = ("_g",)

    def __init__(self, device="cpu"):
        self._g = _b_generator()

    def manual_seed(self, seed):
        self._g.manual_seed(_builtins.int(seed))
        return self

    def initial_seed(self):
        return _builtins.int(self._g.initial_seed())

    def seed(self):
        import random as _random
        s = _random.getrandbits(63)
        self._g.manual_seed(s)
        return s

    @property
    def device(self):
        return "cpu"

    def __repr__(self):
        return f"<torch._C.Generator object at {hex(id(self))}>"


def _default_generator():
    g = object.__new__(Generator)
    g._g = _b_defaultGenerator()
    return g


default_generator = _default_generator()


def manual_seed(seed):
    default_generator.manual_seed(seed)
    return default_generator


def initial_seed():
    return default_generator.initial_seed()


def seed():
    return default_generator.seed()


def _gen(generator):
    return None if generator is None else generator._g


# ---------------------------------------------------------------- threads and devices (one CPU here)
def set_num_threads(n):
    pass


def get_num_threads():
    return 1


class device:
    def __init__(self, type="cpu", index=None):
        if str(type) not in ("cpu",):
            raise RuntimeError(f"only the cpu device is available in Backprop Ninja, not {type!r}")
        self.type = "cpu"
        self.index = index

    def __repr__(self):
        return "device(type='cpu')"

    def __eq__(self, other):
        return str(other) == "cpu" or isinstance(other, device)

    def __str__(self):
        return "cpu"


class cuda:
    @staticmethod
    def is_available():
        return False


# ---------------------------------------------------------------- grad mode
class no_grad:
    """Context manager and decorator that turns off graph recording."""

    def __init__(self, func=None):
        self._prev = []
        if func is not None:  # used as @torch.no_grad without parentheses
            self._func = func
            _functools.update_wrapper(self, func)

    def __enter__(self):
        self._prev.append(_b_isGradEnabled())
        _b_setGradEnabled(False)
        return None

    def __exit__(self, *exc):
        _b_setGradEnabled(self._prev.pop())
        return False

    def __call__(self, *args, **kwargs):
        func = getattr(self, "_func", None)
        if func is not None:
            with self.__class__():
                return func(*args, **kwargs)
        func = args[0]

        @_functools.wraps(func)
        def wrapper(*a, **k):
            with self.__class__():
                return func(*a, **k)
        return wrapper


class enable_grad(no_grad):
    def __enter__(self):
        self._prev.append(_b_isGradEnabled())
        _b_setGradEnabled(True)


class set_grad_enabled:
    def __init__(self, mode):
        self._prev = _b_isGradEnabled()
        _b_setGradEnabled(_builtins.bool(mode))

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        _b_setGradEnabled(self._prev)
        return False


class inference_mode(no_grad):
    def __init__(self, mode=True):
        super().__init__()


def is_grad_enabled():
    return _b_isGradEnabled()


# ---------------------------------------------------------------- creation
def _rg(requires_grad):
    return _builtins.bool(requires_grad)


def zeros(*size, dtype=None, requires_grad=False, device=None, out=None):
    return _wrap(_b_full(_to_js(_shape_args(size)), 0, _js_dtype(dtype) or "float32", _rg(requires_grad)))


def ones(*size, dtype=None, requires_grad=False, device=None, out=None):
    return _wrap(_b_full(_to_js(_shape_args(size)), 1, _js_dtype(dtype) or "float32", _rg(requires_grad)))


empty = zeros


def full(size, fill_value, dtype=None, requires_grad=False, device=None):
    if dtype is None:
        dtype = _dtypes.bool_ if isinstance(fill_value, _builtins.bool) else _dtypes.int64 if isinstance(fill_value, _builtins.int) else _dtypes.float32
    return _wrap(_b_full(_to_js(_shape_args((size,))), fill_value, _js_dtype(dtype), _rg(requires_grad)))


def _full_like(input, value, dtype, requires_grad):
    d = _js_dtype(dtype)
    if type(input) is not Tensor or not (type(value) is _builtins.int or type(value) is _builtins.float):
        return _wrap(_b_fullLike(input._t, value, d, _rg(requires_grad)))
    _A[0] = input._h
    _A[1] = value
    _A[2] = -1 if d is None else _ops.DTYPE_CODE[d]
    _A[3] = 1 if requires_grad else 0
    return _wrap_h(_h_fullLike())


def zeros_like(input, dtype=None, requires_grad=False, device=None):
    return _full_like(input, 0, dtype, requires_grad)


def ones_like(input, dtype=None, requires_grad=False, device=None):
    return _full_like(input, 1, dtype, requires_grad)


empty_like = zeros_like


def full_like(input, fill_value, dtype=None, requires_grad=False, device=None):
    return _full_like(input, fill_value, dtype, requires_grad)


def randn(*size, generator=None, dtype=None, requires_grad=False, device=None):
    return _wrap(_b_randn(_to_js(_shape_args(size)), _gen(generator), _js_dtype(dtype), _rg(requires_grad)))


def rand(*size, generator=None, dtype=None, requires_grad=False, device=None):
    return _wrap(_b_rand(_to_js(_shape_args(size)), _gen(generator), _js_dtype(dtype), _rg(requires_grad)))


def randint(*args, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    args = list(args)
    if size is None:
        size = args.pop()
    low, high = (0, args[0]) if len(args) == 1 else (args[0], args[1])
    dims = _shape_args((size,))
    d = _js_dtype(dtype)
    if type(low) is _builtins.int and type(high) is _builtins.int and -_EXACT < low < _EXACT and -_EXACT < high < _EXACT \
            and len(dims) <= len(_I):
        # the handle path: numbers and dims through the shared buffers, no JS array or JsProxy built
        for i, s in enumerate(dims):
            _I[i] = s
        _A[0] = low
        _A[1] = high
        _A[2] = len(dims)
        _A[3] = -1 if d is None else _ops.DTYPE_CODE[d]
        return _wrap_h(_h_randint(_gen(generator)))
    return _wrap(_b_randint(low, high, _to_js(dims), _gen(generator), d))


_EXACT = 2 ** 53  # ints the shared float64 buffer holds exactly


def multinomial(input, num_samples, replacement=False, *, generator=None):
    return _wrap(_b_multinomial(input._t, num_samples, _builtins.bool(replacement), _gen(generator)))


class _HistogramReturn(tuple):
    """torch.return_types.histogram: (hist, bin_edges), also by name."""

    hist = property(lambda self: self[0])
    bin_edges = property(lambda self: self[1])

    def __repr__(self):
        return "torch.return_types.histogram(\nhist=%r,\nbin_edges=%r)" % (self[0], self[1])


def histogram(input, bins=100, *, range=None, weight=None, density=False):
    if not isinstance(bins, _builtins.int):
        raise NotImplementedError("torch.histogram with a tensor of bin edges is not available in Backprop Ninja; "
                                  "pass the number of bins (and range=(min, max))")
    lo, hi = (None, None) if range is None else (_builtins.float(range[0]), _builtins.float(range[1]))
    h, e = _b.histogram(input._t, bins, lo, hi, None if weight is None else weight._t, _builtins.bool(density))
    return _HistogramReturn((_wrap(h), _wrap(e)))


def arange(start, end=None, step=1, dtype=None, requires_grad=False, device=None):
    if end is None:
        start, end = 0, start
    d = _js_dtype(dtype)
    if d is None and _builtins.all(isinstance(v, _builtins.int) for v in (start, end, step)):
        d = "int64"
    return _wrap(_b_arange(start, end, step, d or "float32", _rg(requires_grad)))


def linspace(start, end, steps, dtype=None, requires_grad=False):
    if steps == 1:
        vals = [_builtins.float(start)]
    else:
        vals = [start + (end - start) * i / (steps - 1) for i in range(steps)]
    return tensor(vals, dtype=dtype or float32, requires_grad=requires_grad)


def as_tensor(data, dtype=None, device=None):
    return data if isinstance(data, Tensor) and dtype is None else tensor(data, dtype=dtype)


def from_numpy(ndarray):
    """A tensor sharing the ndarray's storage (our emulated numpy keeps its values in an engine tensor)."""
    t = _tensor._ndarray_tensor(ndarray)
    if t is None:
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    return t.__copy__()


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()


def cat(tensors, dim=0):
    return _wrap(_b_cat(_to_js([t._t for t in tensors]), dim))


concat = concatenate = cat


def stack(tensors, dim=0):
    return _wrap(_b_stack(_to_js([t._t for t in tensors]), dim))


def where(condition, input, other):
    return _wrap(_b_where(condition._t, _operand(input), _operand(other)))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return input.allclose(other, rtol=rtol, atol=atol, equal_nan=equal_nan)


def equal(input, other):
    return input.equal(other)


promote_types = _dtypes.promote_types


# ---------------------------------------------------------------- functions mirroring methods
def _method(name):
    def f(input, *args, **kwargs):
        if not isinstance(input, Tensor):
            input = tensor(input)
        return getattr(input, name)(*args, **kwargs)
    f.__name__ = name
    f.__qualname__ = name
    return f


# the op table's torch.* names, and methods outside it
for _name in _ops.TORCH + ("matmul", "mm", "clamp", "clip", "sum", "mean", "var", "std", "max", "min", "argmax",
                           "argmin", "all", "any", "reshape", "flatten", "transpose", "permute", "unsqueeze",
                           "squeeze", "softmax", "log_softmax", "masked_fill", "index_select", "t", "clone",
                           "detach"):
    globals()[_name] = _method(_name)
del _name

subtract, multiply, divide, negative, absolute = sub, mul, div, neg, abs

# engine errors surface as PyTorch's exception types from torch.* functions too
for _name, _fn in list(globals().items()):
    if not _name.startswith("_") and callable(_fn) and getattr(_fn, "__module__", None) == __name__ and not isinstance(_fn, type):
        globals()[_name] = _raising_like_torch(_fn)
del _name, _fn

from . import nn  # noqa: E402
from .nn import functional  # noqa: E402,F401

__all__ = [n for n in dir() if not n.startswith("_")]
