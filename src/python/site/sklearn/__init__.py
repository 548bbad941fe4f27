# scikit-learn for Backprop Ninja's Python: an emulation, not scikit-learn itself. Only
# sklearn.datasets.make_moons and make_blobs exist (the lectures' toy datasets, drawing the same
# arrays as scikit-learn 1.2 for the same seed); anything else raises an error that says so.
import sys as _sys
from importlib.abc import MetaPathFinder as _MetaPathFinder

__version__ = "1.2.1+backprop_ninja"
_EMULATED = ("scikit-learn is emulated here (Backprop Ninja runs Python without it): only "
             "sklearn.datasets.make_moons and sklearn.datasets.make_blobs are available")


def _missing(name):
    return f"{name} is not available: {_EMULATED}"


class _MissingSubmodules(_MetaPathFinder):
    """Last on sys.meta_path: `import sklearn.svm` (not one of ours) fails with the message above."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith("sklearn."):
            raise ModuleNotFoundError(_missing(fullname), name=fullname)
        return None


if not any(isinstance(f, _MissingSubmodules) for f in _sys.meta_path):
    _sys.meta_path.append(_MissingSubmodules())


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    if name == "datasets":
        import importlib
        return importlib.import_module("sklearn.datasets")
    raise AttributeError(_missing(f"sklearn.{name}"))
