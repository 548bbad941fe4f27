# torch.Size: a tuple of dims with PyTorch's repr.
from pyodide.ffi import JsException

from ._errors import _translate


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
