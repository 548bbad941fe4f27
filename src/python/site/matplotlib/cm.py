# matplotlib.cm: colormaps by name (plt.cm.Spectral, get_cmap('gray')). Only the name travels in the
# chart; the panel holds the colours (webview/chart/colormaps.ts).


class Colormap:
    def __init__(self, name):
        self.name = name

    def reversed(self):
        return Colormap(self.name[:-2] if self.name.endswith("_r") else self.name + "_r")

    def __call__(self, *args, **kwargs):
        raise NotImplementedError("calling a colormap (%s(x)) is not available: matplotlib is emulated in Backprop "
                                  "Ninja, where colormaps are names drawn by the panel" % self.name)

    def __repr__(self):
        return "<matplotlib.colors.Colormap object: %s>" % self.name


def get_cmap(name=None, lut=None):
    if isinstance(name, Colormap):
        return name
    return Colormap(name or "viridis")


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    return Colormap(name)
