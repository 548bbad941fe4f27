# numpy.random for Backprop Ninja's Python: numpy 1.24's legacy RandomState API (np.random.seed,
# rand, randn, randint, shuffle, choice, ... and RandomState objects), drawing the same numbers as
# numpy for the same seed. The draws run in the engine (src/engine/random/numpy.ts, through
# src/python/nprandom.ts); this module checks arguments as numpy does and wraps results as ndarrays.
import builtins
import operator

import _bpn_bridge as _b
from pyodide.ffi import to_js
from torch._tensor import _wrap as _wrap_js

from . import _core
from ._core import ndarray, asarray, zeros, _from_engine, _from_flat

_js = _b.npRandom
_MAX_SEED = 2**32 - 1
# what randint can produce here (numpy's other integer dtypes have no ndarray in this emulation)
_INT_BOUNDS = {"int64": (-2**63, 2**63 - 1), "bool": (0, 1)}
_LEGACY = ("seed, get_state, set_state, rand, randn, random, random_sample, sample, ranf, uniform, normal, "
           "standard_normal, randint, permutation, shuffle, choice and RandomState")


def _emulated(what):
    return f"numpy.random.{what}: numpy is emulated here; numpy.random has the legacy RandomState API only ({_LEGACY})"


def _array(t):
    return _from_engine(_wrap_js(t))


def _shape(size):
    """numpy's size argument (None, an int or a tuple) → None or a tuple of ints."""
    if size is None:
        return None
    shape = (operator.index(size),) if not isinstance(size, (tuple, list)) else tuple(operator.index(s) for s in size)
    if builtins.any(s < 0 for s in shape):
        raise ValueError("negative dimensions are not allowed")
    return shape


def _seed_arg(seed):
    """seed as the engine takes it: None, an int in [0, 2**32), or a non-empty list of such ints."""
    if seed is None:
        return None
    if isinstance(seed, ndarray) and seed.ndim == 0:
        seed = seed.item()
    if isinstance(seed, builtins.float):
        raise TypeError("Cannot cast scalar from dtype('float64') to dtype('int64') according to the rule 'safe'")
    try:
        words = [operator.index(seed)]
        scalar = True
    except TypeError:
        words = asarray(seed).tolist()
        scalar = False
        if not words:
            raise ValueError("Seed must be non-empty")
        if builtins.any(isinstance(w, (list, builtins.float)) for w in words):
            raise ValueError("Seed array must be 1-d") if builtins.any(isinstance(w, list) for w in words) else \
                TypeError("Cannot cast array data from dtype('float64') to dtype('int64') according to the rule 'safe'")
    if builtins.any(w < 0 or w > _MAX_SEED for w in words):
        raise ValueError("Seed must be between 0 and 2**32 - 1")
    return words[0] if scalar else to_js(words)


def _is_scalar(x):
    return isinstance(x, (builtins.int, builtins.float)) or (_core._scalar_dtype(x) is not None) or \
        (isinstance(x, ndarray) and x.ndim == 0)


def _broadcast(params, size):
    """Array parameters broadcast to the output shape (size, or their common shape) → (flat lists, shape)."""
    arrays = [asarray(p, "float64") for p in params]
    shape = _shape(size)
    if shape is None:
        probe = arrays[0] * 0.0
        for a in arrays[1:]:
            probe = probe + a * 0.0
        shape = probe.shape
    full = [(a + zeros(shape)) for a in arrays]
    if builtins.any(f.shape != shape for f in full):
        raise ValueError(f"shape mismatch: objects cannot be broadcast to a single shape {shape}")
    return [f.ravel().tolist() for f in full], shape


class RandomState:
    """numpy.random.RandomState(seed): the legacy Mersenne Twister generator."""

    def __init__(self, seed=None):
        self._rs = _js.create(_seed_arg(seed))

    def __repr__(self):
        return "RandomState(MT19937)"

    def seed(self, seed=None):
        _js.seed(self._rs, _seed_arg(seed))

    def get_state(self, legacy=True):
        key, pos, has_gauss, gauss = _js.getState(self._rs).to_py()
        key = _from_flat(key, (624,), "int64")
        if legacy:
            return ("MT19937", key, pos, has_gauss, builtins.float(gauss))
        return {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}, "has_gauss": has_gauss, "gauss": builtins.float(gauss)}

    def set_state(self, state):
        if isinstance(state, dict):
            key, pos = state["state"]["key"], state["state"]["pos"]
            has_gauss, gauss = state.get("has_gauss", 0), state.get("gauss", 0.0)
        else:
            if state[0] != "MT19937":
                raise ValueError("set_state can only be used with legacy MT19937 state instances.")
            key, pos = state[1], state[2]
            has_gauss, gauss = (state[3], state[4]) if builtins.len(state) > 3 else (0, 0.0)
        key = asarray(key).tolist()
        if builtins.len(key) != 624:
            raise ValueError("state must be 624 elements")
        _js.setState(self._rs, to_js(key), builtins.int(pos), builtins.int(has_gauss), builtins.float(gauss))

    # ---- floats ----
    def random_sample(self, size=None):
        shape = _shape(size)
        return _js.double(self._rs) if shape is None else _array(_js.random(self._rs, to_js(list(shape))))

    random = ranf = sample = random_sample

    def rand(self, *args):
        return self.random_sample(args if args else None)

    def randn(self, *args):
        return self.standard_normal(args if args else None)

    def standard_normal(self, size=None):
        return self.normal(0.0, 1.0, size)

    def uniform(self, low=0.0, high=1.0, size=None):
        if _is_scalar(low) and _is_scalar(high):
            low, high = builtins.float(low), builtins.float(high)
            rng = high - low
            if rng != rng or rng in (float("inf"), float("-inf")):
                raise OverflowError("Range exceeds valid bounds")
            shape = _shape(size)
            if shape is None:
                return _js.uniform1(self._rs, low, rng)
            return _array(_js.uniform(self._rs, low, rng, to_js(list(shape))))
        (lows, highs), shape = _broadcast([low, high], size)
        ranges = [h - l for l, h in zip(lows, highs)]
        if not builtins.all(r == r and builtins.abs(r) != float("inf") for r in ranges):
            raise OverflowError("Range exceeds valid bounds")
        return _array(_js.uniform(self._rs, to_js(lows), to_js(ranges), to_js(list(shape))))

    def normal(self, loc=0.0, scale=1.0, size=None):
        if _is_scalar(loc) and _is_scalar(scale):
            loc, scale = builtins.float(loc), builtins.float(scale)
            if scale < 0:
                raise ValueError("scale < 0")
            shape = _shape(size)
            if shape is None:
                return _js.normal1(self._rs, loc, scale)
            return _array(_js.normal(self._rs, loc, scale, to_js(list(shape))))
        (locs, scales), shape = _broadcast([loc, scale], size)
        if builtins.any(s < 0 for s in scales):
            raise ValueError("scale < 0")
        return _array(_js.normal(self._rs, to_js(locs), to_js(scales), to_js(list(shape))))

    # ---- integers ----
    def randint(self, low, high=None, size=None, dtype=int):
        name = _int_dtype(dtype)
        if high is None:
            low, high = 0, low
        lo_bound, hi_bound = _INT_BOUNDS[name]
        shape = _shape(size)
        if _is_scalar(low) and _is_scalar(high):
            low, high = builtins.int(low), builtins.int(high)
            _check_bounds(low, high, lo_bound, hi_bound, name)
            out = _array(_js.randint(self._rs, str(low), str(high), to_js(list(shape if shape is not None else (1,))), name))
            return out if shape is not None else out.tolist()[0]
        lows, highs = [asarray(x, "int64") for x in (low, high)]
        (lows, highs), shape = _broadcast([lows, highs], size)
        lows, highs = [builtins.int(x) for x in lows], [builtins.int(x) for x in highs]
        for lo, hi in zip(lows, highs):
            _check_bounds(lo, hi, lo_bound, hi_bound, name)
        return _array(_js.randint(self._rs, to_js([str(x) for x in lows]), to_js([str(x) for x in highs]), to_js(list(shape)), name))

    # ---- orderings ----
    def _order(self, n):
        return _array(_js.permutation(self._rs, builtins.max(builtins.int(n), 0)))

    def permutation(self, x):
        try:
            n = operator.index(x)
        except TypeError:
            arr = asarray(x)
            if arr.ndim < 1:
                raise IndexError("x must be an integer or at least 1-dimensional") from None
            return arr[self._order(arr.shape[0])]
        return self._order(n)

    def shuffle(self, x):
        """Shuffles x (an ndarray along its first axis, or a mutable sequence) in place."""
        order = self._order(builtins.len(x))
        if isinstance(x, ndarray):
            x[...] = x[order]
            return
        items = [x[i] for i in order.tolist()]
        for i, v in enumerate(items):
            x[i] = v

    def choice(self, a, size=None, replace=True, p=None):
        pop, arr = _population(a, size)
        shape = _shape(size)
        n = 1
        for s in shape or ():
            n *= s
        probs = None
        if p is not None:
            probs = _probabilities(p, pop)
        if not replace:
            if n > pop:
                raise ValueError("Cannot take a larger sample than population when 'replace=False'")
            if probs is not None and builtins.sum(1 for q in probs if q > 0) < n:
                raise ValueError("Fewer non-zero entries in p than size")
        idx = _array(_js.choice(self._rs, pop, n, builtins.bool(replace), None if probs is None else to_js(probs)))
        if shape is None:
            i = idx.tolist()[0]
            if arr is None:
                return i
            return arr[i] if isinstance(arr, ndarray) else arr[i]
        idx = idx.reshape(shape)
        if arr is None:
            return idx
        if not isinstance(arr, ndarray):
            raise TypeError("numpy.random.choice: numpy is emulated here with arrays of numbers only; "
                            "with a sequence of other objects, only a single choice (size=None) is supported")
        return arr[idx]


def _int_dtype(dtype):
    if dtype in (int, "int", "int64", "l", "i8", "int_") or getattr(dtype, "name", None) == "int64" or \
            getattr(dtype, "_bpn_dtype", None) == "int64":
        return "int64"
    if dtype in (bool, "bool", "?", "bool_") or getattr(dtype, "name", None) == "bool" or \
            getattr(dtype, "_bpn_dtype", None) == "bool":
        return "bool"
    if dtype in (float, "float", "float64", "float32") or getattr(dtype, "name", None) in ("float64", "float32"):
        raise TypeError(f"Unsupported dtype {_core.dtype(dtype)!r} for randint")
    raise TypeError(f"numpy.random.randint(dtype={dtype!r}): numpy is emulated here, with int64 and bool "
                    "integer arrays only")


def _check_bounds(low, high, lo_bound, hi_bound, name):
    if high - 1 > hi_bound:
        raise ValueError(f"high is out of bounds for {name}")
    if low < lo_bound:
        raise ValueError(f"low is out of bounds for {name}")
    if low > high - 1:
        raise ValueError("high <= 0" if low == 0 else "low >= high")


def _population(a, size):
    """choice's population: (size, None) for an int a, else (size, the 1-d array or sequence)."""
    empty_ok = size is not None and 0 in (_shape(size) or ())
    if isinstance(a, (builtins.int, ndarray)) or _core._scalar_dtype(a) is not None:
        arr = a if isinstance(a, ndarray) else None
        if arr is None or arr.ndim == 0:
            try:
                pop = operator.index(a.item() if isinstance(a, ndarray) else a)
            except TypeError:
                raise ValueError("a must be 1-dimensional or an integer") from None
            if pop <= 0 and not empty_ok:
                raise ValueError("a must be greater than 0 unless no samples are taken")
            return pop, None
    try:
        arr = asarray(a)
    except (TypeError, ValueError):
        arr = list(a)  # objects numpy would hold in an object array: single choices only
        if not arr and not empty_ok:
            raise ValueError("'a' cannot be empty unless no samples are taken") from None
        return builtins.len(arr), arr
    if arr.ndim != 1:
        raise ValueError("a must be 1-dimensional")
    if arr.shape[0] == 0 and not empty_ok:
        raise ValueError("'a' cannot be empty unless no samples are taken")
    return arr.shape[0], arr


def _probabilities(p, pop):
    """p checked as numpy checks it, as a list of floats."""
    p = asarray(p, "float64")
    if p.ndim == 0:
        p = p.reshape(1)
    if p.ndim != 1:
        raise ValueError("'p' must be 1-dimensional")
    if p.size != pop:
        raise ValueError("'a' and 'p' must have same size")
    probs = p.tolist()
    total = _js.kahanSum(to_js(probs))
    if total != total:
        raise ValueError("probabilities contain NaN")
    if builtins.any(q < 0 for q in probs):
        raise ValueError("probabilities are not non-negative")
    if builtins.abs(total - 1.0) > 1.4901161193847656e-08:  # sqrt(float64 eps)
        raise ValueError("probabilities do not sum to 1")
    return probs


# the global generator behind np.random.seed(), np.random.rand(), ... (as numpy's mtrand._rand)
_rand = RandomState()
seed = _rand.seed
get_state = _rand.get_state
set_state = _rand.set_state
rand = _rand.rand
randn = _rand.randn
random = random_sample = ranf = sample = _rand.random_sample
standard_normal = _rand.standard_normal
uniform = _rand.uniform
normal = _rand.normal
randint = _rand.randint
permutation = _rand.permutation
shuffle = _rand.shuffle
choice = _rand.choice


class _Mtrand:
    """numpy.random.mtrand as libraries reach it (mtrand._rand, mtrand.RandomState)."""
    _rand = _rand
    RandomState = RandomState


mtrand = _Mtrand()


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(_emulated(name))
