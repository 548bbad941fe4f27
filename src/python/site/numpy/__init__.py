# numpy for Backprop Ninja's Python: an emulation over the engine (see _core.py), not numpy itself.
# What it covers is listed in __all__; anything else raises an error that says so (__getattr__).
import math as _math

from ._core import (  # noqa: F401
    ndarray, dtype, float64, float32, int64, bool_, _from_flat, _from_engine,
    array, asarray, arange, linspace, zeros, ones, full, empty, zeros_like, ones_like, full_like, empty_like,
    meshgrid, concatenate, stack, vstack, hstack, r_, c_, reshape, ravel, transpose, shape, ndim, size, copy,
    add, subtract, multiply, divide, true_divide, power, remainder, mod, fmod, floor_divide, divmod, errstate, equal, not_equal, less, less_equal, greater,
    greater_equal, logical_and, logical_or, logical_not, matmul, dot,
    tanh, exp, log, log10, sqrt, sin, cos, abs, absolute, negative, square, isnan, round, around,
    maximum, minimum, clip, where, nonzero,
    sum, mean, std, var, max, min, amax, amin, argmax, argmin, any, all,
)

__version__ = "1.24.2+backprop_ninja"
pi, e, inf, nan = _math.pi, _math.e, float("inf"), float("nan")
float_, double, int_ = float64, float64, int64
newaxis = None

__all__ = [n for n in dir() if not n.startswith("_")]


def __getattr__(name):
    if name == "random":
        # numpy.random is a module of its own (numpy/random.py)
        import importlib
        return importlib.import_module("numpy.random")
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(
        f"numpy.{name} is not available: numpy is emulated here (Backprop Ninja runs Python without numpy), "
        "with arrays of float64/float32/int64/bool, their creation, indexing, arithmetic, ufuncs such as "
        "tanh/exp/log, reductions, printing and numpy.random")
