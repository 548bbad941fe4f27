"""What PyTorch 1.13 does when a tensor its backward needs is changed in place before backward().

Run with the Debian Python that has PyTorch (the `python3` first on PATH has none):
    /usr/bin/python3 scripts/reference/gen_inplace_fixtures.py
Writes test/fixtures/parity/inplace.json: per scenario, whether backward() raised and its message, or
else the leaves' gradients. test/parity/inplace.test.ts writes the same scenarios with the engine.
"""
import json
import os
import platform
import sys

import torch
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "test", "fixtures", "parity", "inplace.json")

SCENARIOS = {}


def scenario(fn):
    SCENARIOS[fn.__name__] = fn
    return fn


def leaf(values):
    return torch.tensor(values, requires_grad=True)


@scenario
def tanh_output_changed():
    x = leaf([0.5, -1.0, 2.0])
    y = x.tanh()
    y.mul_(2)
    return y.sum(), [x]


@scenario
def leaf_changed_under_no_grad():
    x, w = leaf([1.0, 2.0, 3.0]), leaf([0.5, 0.25, -1.0])
    z = (x * w).sum()
    with torch.no_grad():
        w.add_(1)
    return z, [x, w]


@scenario
def leaf_changed_twice():
    x, w = leaf([1.0, 2.0, 3.0]), leaf([0.5, 0.25, -1.0])
    z = (x * w).sum()
    with torch.no_grad():
        w.add_(1)
        w.mul_(2)
    return z, [x, w]


@scenario
def add_saves_nothing():
    x, w = leaf([1.0, 2.0, 3.0]), leaf([0.5, 0.25, -1.0])
    z = (x + w).sum()
    with torch.no_grad():
        w.add_(1)
    return z, [x, w]


@scenario
def data_is_not_tracked():
    x, w = leaf([1.0, 2.0, 3.0]), leaf([0.5, 0.25, -1.0])
    z = (x * w).sum()
    w.data.add_(1)
    return z, [x, w]


@scenario
def log_input_changed():
    a = leaf([0.5, 1.5, 2.5])
    x = a * 1
    y = x.log()
    x.add_(1)
    return y.sum(), [a]


@scenario
def exp_keeps_its_output():
    a = leaf([0.5, 1.5, -2.5])
    x = a * 1
    y = x.exp()
    x.add_(1)
    return y.sum(), [a]


@scenario
def pow_input_changed():
    a = leaf([0.5, 1.5, -2.5])
    x = a * 1
    y = x ** 2
    x.mul_(3)
    return y.sum(), [a]


@scenario
def sum_then_change():
    a = leaf([0.5, 1.5, -2.5])
    x = a * 1
    y = x.sum()
    x.mul_(3)
    return y, [a]


@scenario
def scalar_mul_then_change():
    a = leaf([0.5, 1.5, -2.5])
    x = a * 1
    y = x * 2
    x.add_(1)
    return y.sum(), [a]


@scenario
def mul_constant_changed():
    w = leaf([0.5, 0.25, -1.0])
    c = torch.tensor([1.0, 2.0, 3.0])
    z = (c * w).sum()
    c.add_(1)
    return z, [w]


@scenario
def mul_unneeded_factor_changed():
    a = leaf([0.5, 1.5, -2.5])
    x = a * 1
    c = torch.tensor([1.0, 2.0, 3.0])
    z = (x * c).sum()
    x.add_(1)
    return z, [a]


@scenario
def div_denominator_changed():
    a = leaf([0.5, 1.5, -2.5])
    x = a * 1
    c = torch.tensor([1.0, 2.0, 3.0])
    z = (c / x).sum()
    x.add_(1)
    return z, [a]


@scenario
def softmax_output_changed():
    a = leaf([[0.5, 1.5, -2.5], [1.0, 0.0, 2.0]])
    y = F.softmax(a, 1)
    y.add_(1)
    return (y * torch.tensor([1.0, 2.0, 3.0])).sum(), [a]


@scenario
def relu_output_changed():
    a = leaf([0.5, -1.5, 2.5])
    y = a.relu()
    y.mul_(2)
    return y.sum(), [a]


@scenario
def matmul_weight_changed():
    x = torch.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 0.25]])
    w = leaf([[0.5, 1.0], [-1.0, 0.25], [2.0, 0.5]])
    z = (x @ w).sum()
    with torch.no_grad():
        w.mul_(2)
    return z, [w]


@scenario
def matmul_base_of_view_changed():
    x = torch.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 0.25]])
    w = leaf([[0.5, -1.0, 2.0], [1.0, 0.25, 0.5]])
    z = (x @ w.T).sum()
    with torch.no_grad():
        w.mul_(2)
    return z, [w]


def run(fn):
    loss, leaves = fn()
    try:
        loss.backward()
    except RuntimeError as e:
        return {"raises": True, "message": str(e)}
    return {"raises": False, "grads": [t.grad.tolist() for t in leaves]}


def main():
    out = {
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "scenarios": {name: run(fn) for name, fn in SCENARIOS.items()},
    }
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT, ROOT)}: {len(SCENARIOS)} scenarios")


if __name__ == "__main__":
    main()
