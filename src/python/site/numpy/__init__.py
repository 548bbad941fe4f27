# numpy for Backprop Ninja's Python: an emulation over the engine (see _core.py), not numpy itself.
from ._core import ndarray, dtype, _from_flat, _from_engine  # noqa: F401
from ._core import float64, float32, int64, bool_  # noqa: F401
