# A stand-in for matplotlib: figures become chart data in Backprop Ninja's panel (see pyplot.py).
__version__ = "0.0+backprop_ninja"

from . import cm  # noqa: E402


class _Colormaps(dict):
    """matplotlib.colormaps['name']."""

    def __missing__(self, name):
        return cm.get_cmap(name)


colormaps = _Colormaps()


def use(*args, **kwargs):
    pass


def rcParams_update(*args, **kwargs):
    pass


rcParams = {}
