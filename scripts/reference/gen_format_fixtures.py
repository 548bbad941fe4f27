"""How Python and PyTorch 1.13 print numbers and tensors, for the engine's formatter (src/engine/format.ts).

Run with the Debian Python that has PyTorch (the `python3` first on PATH has none):
    /usr/bin/python3 scripts/reference/gen_format_fixtures.py
Writes test/fixtures/parity/format.json: '{:.4f}', '{:.0f}' and '{:.4e}' of a list of doubles
(exact ties among them, which Python rounds to even), and the repr of a few float32 tensors. Read by
test/unit/format.test.ts, which must reproduce every string exactly.
"""
import json
import os
import random
import sys

import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "test", "fixtures", "parity", "format.json")


def values():
    rng = random.Random(20261123)
    xs = [0.0, -0.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.5, 123445.0, 123455.0, -123445.0, 1e9, 2.5e10, 5e-324, 1e-5]
    xs += [j / 32 for j in range(-40, 41, 3)]          # ties at 4 decimals: odd multiples of 1/32
    xs += [j / 2 for j in range(-9, 10, 2)]            # ties at 0 decimals
    xs += [(2 * k + 1) * 5 * 10 ** e for k in range(3) for e in range(1, 5)]  # 6-digit mantissa ties
    xs += [rng.uniform(-3, 3) for _ in range(40)]
    xs += [rng.uniform(-1, 1) * 10 ** rng.randint(-12, 12) for _ in range(40)]
    return xs


def tensors():
    f = lambda v: torch.tensor(v, dtype=torch.float32)
    return [
        f([-0.03125, 0.15625, 0.5, -0.0]), f([-0.0, 1.0, 2.0]), f(-0.0), f([123445.0, 0.5]),
        f([[0.21875, -0.34375], [1.0, -0.0]]), f([0.0, 0.0]), f([float("nan"), -0.0, 2.0]),
        f([1e-5, 1.0]), f([1e9, 3.0]),
    ]


def main():
    xs = values()
    out = {
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "numbers": [{"x": x, "f4": "{:.4f}".format(x), "f0": "{:.0f}".format(x), "e4": "{:.4e}".format(x)} for x in xs],
        # JSON has no NaN: non-finite values as strings
        "tensors": [{"shape": list(t.shape), "values": [v if v == v and abs(v) != float("inf") else str(v) for v in t.reshape(-1).tolist()],
                     "repr": repr(t)} for t in tensors()],
    }
    with open(OUT, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")
    print(f"wrote {os.path.relpath(OUT, ROOT)}: {len(xs)} numbers, {len(out['tensors'])} tensors")


if __name__ == "__main__":
    main()
