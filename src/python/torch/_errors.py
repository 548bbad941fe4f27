# Engine errors (TorchError, seen by Python as JsException) raised as the exceptions PyTorch raises.
from pyodide.ffi import JsException


def _translate(e):
    """An engine TorchError (seen by Python as JsException) → the exception PyTorch raises."""
    msg = str(e)
    for prefix in ("TorchError: ", "Error: "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
            break
    msg = msg.split("\n    at ", 1)[0]
    if "out of bounds" in msg or msg.startswith(("too many indices", "shape mismatch: indexing tensors")):
        return IndexError(msg)
    if msg.startswith("MemoryError: "):  # the run's memory cap (src/runner/memoryCap.ts)
        return MemoryError(msg[len("MemoryError: "):])
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
_TRANSLATED_INLINE = frozenset([
    'T', '__getitem__', '__setitem__', '__eq__', '__ne__', '__rmatmul__', 'add', 'sub', 'add_', 'sub_', 'data',
    'grad', 'item', 'max', 'mean', 'shape', 'dtype', 'ndim', 'dim', 'sum', 'var', 'std', '_reduce', '_variance',
    'view', 'reshape', 'zero_', 'softmax', 'log_softmax', '__del__', '__copy__', '__deepcopy__', '__reduce_ex__'])


def _wrap_class(cls):
    """Every method and property of cls raising PyTorch's exceptions, but those that do it inline."""
    for name, attr in list(vars(cls).items()):
        if name in ("__init_subclass__", "__class_getitem__", "__hash__", "__slots__", "_t", "_h") or name in _TRANSLATED_INLINE \
                or getattr(attr, "_bpn_inline", False):
            continue
        if isinstance(attr, property):
            setattr(cls, name, property(
                attr.fget and _raising_like_torch(attr.fget),
                attr.fset and _raising_like_torch(attr.fset),
                attr.fdel, attr.__doc__))
        elif callable(attr) and not isinstance(attr, type):
            setattr(cls, name, _raising_like_torch(attr))
