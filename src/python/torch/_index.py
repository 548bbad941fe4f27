# Index keys for the engine: t[key] items as JS values (the JsProxy path), or encoded into the
# argument buffer for h_getItemN / h_setItemN (bridge.ts indexItems; codes and layout from _ops).
import builtins

import _bpn_bridge as _b
from pyodide.ffi import jsnull, to_js

from ._handles import _A
from ._ops import ITEM, ITEM_SLOTS, ITEMS_AT
# _tensor.py imports this module at its end, once Tensor and tensor exist
from ._tensor import Tensor, tensor

_NAN = builtins.float("nan")
_b_arange = _b.arange
_b_slice = _b.slice


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


_MAX_ITEMS = (len(_A) - ITEMS_AT) // ITEM_SLOTS
_INT, _TENSOR, _SLICE, _NONE, _ELLIPSIS, _RANGE = (ITEM[k] for k in ("int", "tensor", "slice", "none", "ellipsis", "range"))


def _encode_items(key):
    """The items of a tuple key into _A for h_getItemN / h_setItemN. False when one needs the JsProxy
    path (lists, bools, objects with __index__, ...): nothing is converted then."""
    if len(key) > _MAX_ITEMS:
        return False
    s = ITEMS_AT
    for k in key:
        tk = type(k)
        if tk is builtins.int:
            _A[s] = _INT
            _A[s + 1] = k
        elif tk is Tensor:
            _A[s] = _TENSOR
            _A[s + 1] = k._h
        elif tk is slice:
            start, stop, step = _opt_int(k.start), _opt_int(k.stop), _opt_int(k.step)
            _A[s] = _SLICE
            _A[s + 1] = _NAN if start is None else start
            _A[s + 2] = _NAN if stop is None else stop
            _A[s + 3] = _NAN if step is None else step
        elif k is None:
            _A[s] = _NONE
        elif k is Ellipsis:
            _A[s] = _ELLIPSIS
        elif tk is range:
            _A[s] = _RANGE
            _A[s + 1] = k.start
            _A[s + 2] = k.stop
            _A[s + 3] = k.step
        else:
            return False
        s += ITEM_SLOTS
    return True


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

