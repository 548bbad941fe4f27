# ipywidgets stand-in: there are no live widgets in Backprop Ninja, so interact() and the sliders
# leave a note on the run and the cell goes on. interact calls the function once with each widget's
# value (a slider's `value`, a tuple's low end, a list's first item), as the notebook first shows it.
import _bpn_host as _host

__version__ = "0.0+backprop_ninja"


def _note(what):
    _host.note("ipywidgets is emulated in Backprop Ninja: %s shows no widget here (the cell went on)" % what)


class Widget:
    def __init__(self, *args, value=None, description="", **kwargs):
        self.value = value
        self.description = description
        self.kwargs = kwargs
        _note(type(self).__name__)

    def observe(self, *args, **kwargs):
        pass

    def _ipython_display_(self):
        pass

    def __repr__(self):
        return "%s(value=%r, description=%r)" % (type(self).__name__, self.value, self.description)


class IntSlider(Widget):
    def __init__(self, value=0, min=0, max=100, step=1, **kwargs):
        super().__init__(value=value, **kwargs)
        self.min, self.max, self.step = min, max, step


class FloatSlider(Widget):
    def __init__(self, value=0.0, min=0.0, max=10.0, step=0.1, **kwargs):
        super().__init__(value=value, **kwargs)
        self.min, self.max, self.step = min, max, step


class FloatLogSlider(FloatSlider):
    pass


class IntText(Widget):
    pass


class FloatText(Widget):
    pass


class Text(Widget):
    pass


class Checkbox(Widget):
    pass


class Dropdown(Widget):
    def __init__(self, options=(), value=None, **kwargs):
        options = list(options)
        super().__init__(value=value if value is not None else (options[0] if options else None), **kwargs)
        self.options = options


class Button(Widget):
    def on_click(self, *args, **kwargs):
        pass


def _initial(v):
    if isinstance(v, Widget):
        return v.value
    if isinstance(v, tuple) and v and all(isinstance(x, (int, float)) for x in v):
        return v[0]
    if isinstance(v, (list,)) and v:
        return v[0]
    return v


def interact(f=None, **kwargs):
    """interact(f, x=(0, 10)) or @interact(x=...): f runs once with the widgets' first values."""
    def run(fn):
        _note("interact(%s)" % getattr(fn, "__name__", "f"))
        fn(**{k: _initial(v) for k, v in kwargs.items()})
        return fn
    return run if f is None else run(f)


interactive = interact
interact_manual = interact


def fixed(v):
    return v
