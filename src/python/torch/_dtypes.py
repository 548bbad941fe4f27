# torch.dtype and the engine's dtypes, made from the bridge's table (_ops.DTYPES: code order).
import builtins

from . import _ops


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


_DTYPES = {d["name"]: dtype(d["name"], d["floating"], d["itemsize"]) for d in _ops.DTYPES}
float32, float64, int64, bool_ = _DTYPES["float32"], _DTYPES["float64"], _DTYPES["int64"], _DTYPES["bool"]
# by the bridge's dtype code (h_dtype, h_item): the dtype, its legacy tensor type, the Python type of an item
_BY_CODE = tuple(_DTYPES[d["name"]] for d in _ops.DTYPES)
_TENSOR_TYPE = {d["name"]: "torch." + d["label"] + "Tensor" for d in _ops.DTYPES}
_ITEM_TYPE = tuple(builtins.bool if d["name"] == "bool" else builtins.float if d["floating"] else builtins.int
                   for d in _ops.DTYPES)
_RANK = {d["name"]: d["rank"] for d in _ops.DTYPES}


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


def promote_types(a, b):
    """torch.promote_types: the dtype of higher rank (the engine's promoteTypes)."""
    return a if _RANK[a.name] >= _RANK[b.name] else b
