# torch.nn.functional over the engine's fused ops (each with its own backward).
import _bpn_bridge as _b

from .. import _ops
from .._errors import _raising_like_torch
from .._handles import _A, _h_crossEntropy
from .._tensor import Tensor, _softmax, _wrap, _wrap_h

# bridge functions looked up once: attribute access on a JS object is the costly part of a call
_b_crossEntropy = _b.crossEntropy
_b_oneHot = _b.oneHot
_b_softmax = _b.softmax


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    if weight is not None or label_smoothing:
        raise NotImplementedError("cross_entropy: weight and label_smoothing are not supported")
    code = _ops.REDUCTION_CODE.get(reduction) if type(input) is Tensor and type(target) is Tensor else None
    if code is None:
        return _wrap(_b_crossEntropy(input._t, target._t, reduction))
    _A[0] = input._h
    _A[1] = target._h
    _A[2] = code
    return _wrap_h(_h_crossEntropy())


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    return _softmax(input, -1 if dim is None else dim, 0)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    return _softmax(input, -1 if dim is None else dim, 1)


def one_hot(tensor, num_classes=-1):
    return _wrap(_b_oneHot(tensor._t, num_classes))


def _elementwise(name):
    """F.<name>(input) of the op table: input.<name>() (`inplace` is accepted and ignored, as relu's was)."""
    def f(input, inplace=False):
        return getattr(input, name)()
    f.__name__ = f.__qualname__ = name
    return f


for _name in _ops.FUNCTIONAL:
    globals()[_name] = _elementwise(_name)
for _name in ("cross_entropy", "softmax", "log_softmax", "one_hot") + _ops.FUNCTIONAL:
    globals()[_name] = _raising_like_torch(globals()[_name])
del _name

__all__ = ["cross_entropy", "softmax", "log_softmax", "one_hot", *_ops.FUNCTIONAL, "Tensor"]
