# A stand-in for matplotlib: figures become chart data in Backprop Ninja's panel (see pyplot.py).
__version__ = "0.0+backprop_ninja"


def use(*args, **kwargs):
    pass


def rcParams_update(*args, **kwargs):
    pass


rcParams = {}
