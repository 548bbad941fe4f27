# torch.nn.functional over the engine's fused ops (each with its own backward).
import _bpn_bridge as _b

from .._tensor import _A, Tensor, _h_crossEntropy, _raising_like_torch, _softmax, _wrap, _wrap_h

# bridge functions looked up once: attribute access on a JS object is the costly part of a call
_b_crossEntropy = _b.crossEntropy
_b_oneHot = _b.oneHot
_b_softmax = _b.softmax


_REDUCTIONS = {"mean": 0, "sum": 1, "none": 2}  # bridge.ts REDUCTIONS


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    if weight is not None or label_smoothing:
        raise NotImplementedError("cross_entropy: weight and label_smoothing are not supported")
    code = _REDUCTIONS.get(reduction) if type(input) is Tensor and type(target) is Tensor else None
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


def tanh(input):
    return input.tanh()


def relu(input, inplace=False):
    return _wrap(input._t.relu())


def sigmoid(input):
    return _wrap(input._t.sigmoid())


for _name in ("cross_entropy", "softmax", "log_softmax", "one_hot", "tanh", "relu", "sigmoid"):
    globals()[_name] = _raising_like_torch(globals()[_name])
del _name

__all__ = ["cross_entropy", "softmax", "log_softmax", "one_hot", "tanh", "relu", "sigmoid", "Tensor"]
