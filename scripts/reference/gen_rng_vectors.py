"""Reference streams of PyTorch's CPU generator for test/unit/random.test.ts.

Run with the interpreter that has PyTorch 1.13 (Debian python3-torch, x86 with AVX2):
    /usr/bin/python3 scripts/reference/gen_rng_vectors.py > test/fixtures/rng/torch_streams.json
Each sequence replays its steps on one generator, in order; every value is what torch returned.
"""
import json
import sys

import torch


def probs(seed, shape, zeros=()):
    """Unnormalised float32 probabilities from an unrelated generator (stored in the fixture)."""
    p = torch.rand(shape, generator=torch.Generator().manual_seed(seed)) + 0.01
    for z in zeros:
        p.view(-1)[z] = 0
    return p


def run(seed, steps):
    g = torch.Generator()
    if seed is not None:
        g.manual_seed(seed)
    out = []
    for step in steps:
        op = step["op"]
        if op == "seed":
            g.manual_seed(step["seed"])
            out.append(dict(step))
            continue
        if op == "randn":
            t = torch.randn(step["n"], dtype=getattr(torch, step["dtype"]), generator=g)
        elif op == "rand":
            t = torch.rand(step["n"], dtype=getattr(torch, step["dtype"]), generator=g)
        elif op == "normal":
            t = torch.empty(step["n"], dtype=getattr(torch, step["dtype"])).normal_(step["mean"], step["std"], generator=g)
        elif op == "randint":
            t = torch.randint(step["low"], step["high"], (step["n"],), generator=g)
        elif op == "multinomial":
            p = probs(*step.pop("probs_from"))
            if step["dtype"] == "float64":
                p = p.double()
            t = torch.multinomial(p, step["num_samples"], replacement=step["replacement"], generator=g)
            step = dict(step, probs=p.tolist(), shape=list(p.shape))
        else:
            raise ValueError(op)
        out.append(dict(step, values=t.reshape(-1).tolist()))
    return {"seed": None if seed is None else str(seed), "initial_seed": str(g.initial_seed()), "steps": out}


def randn(n, dtype="float32"):
    return {"op": "randn", "n": n, "dtype": dtype}


def rand(n, dtype="float32"):
    return {"op": "rand", "n": n, "dtype": dtype}


def mult(probs_from, k, replacement, dtype="float32"):
    return {"op": "multinomial", "probs_from": probs_from, "num_samples": k, "replacement": replacement, "dtype": dtype}


sizes = [1, 15, 16, 17, 31, 32, 33, 1000]
sequences = []
for seed in [1, 42, 3407, 2**31 - 1, 2**32 - 1]:
    sequences.append(run(seed, [randn(n) for n in sizes] + [rand(n) for n in [1, 17]] + [randn(n) for n in sizes[::-1]]))
# the scalar path's cached sample survives across calls, rand calls and sizes ≥ 16 in between
sequences.append(run(7, [randn(1), randn(1), randn(3), rand(2), randn(1), randn(20), randn(1), randn(2), randn(15), randn(5)]))
# manual_seed clears the cache: the odd count leaves a cached sample behind
sequences.append(run(7, [randn(3), {"op": "seed", "seed": 7}, randn(3), randn(3)]))
# 64-bit seeds keep only their low 32 bits in the engine (a negative seed is taken as its uint64)
for seed in [2**40 + 5, 2**63 + 12345, 2**64 - 1, -5]:
    sequences.append(run(seed, [randn(33), randn(3), rand(5), {"op": "randint", "low": 0, "high": 10, "n": 8}]))
sequences.append(run(5, [randn(33)]))
# a generator that was never seeded starts from the default seed
sequences.append(run(None, [randn(20), rand(3)]))
# float64: uniforms from 53 bits; randn via the scalar path (< 16) and normal_fill in double (≥ 16)
sequences.append(run(11, [rand(n, "float64") for n in [1, 5, 16, 17]]
                     + [randn(n, "float64") for n in [1, 3, 15, 16, 17, 33, 200]] + [randn(5), randn(5, "float64")]))
# normal_(mean, std)
sequences.append(run(12, [{"op": "normal", "n": n, "dtype": dt, "mean": mean, "std": std} for mean, std in [(3.0, 0.25), (-1.7, 0.3)]
                          for dt in ["float32", "float64"] for n in [5, 16, 37]]))
# randint: one 32-bit draw modulo the range, 64-bit draws once the range reaches 2**32
sequences.append(run(13, [{"op": "randint", "low": lo, "high": hi, "n": 20} for lo, hi in
                          [(0, 2), (-5, 5), (10, 27), (0, 2**31), (0, 2**32 - 1), (0, 2**32), (-3, 2**32 + 7), (0, 2**40 + 3)]]))
# multinomial: num_samples 1 and > 1, with and without replacement, zero probabilities, 2-d rows, float64
sequences.append(run(14, [mult((100, (27,)), 1, False), mult((100, (27,)), 1, True), mult((101, (27,)), 5, False),
                          mult((102, (27,)), 27, False), mult((103, (27,)), 10, True), mult((104, (27,)), 200, True),
                          mult((105, (10,), (0, 3, 9)), 7, False), mult((106, (10,), (1, 2)), 50, True),
                          mult((107, (3, 10)), 1, False), mult((108, (3, 10)), 4, False), mult((109, (3, 10)), 6, True),
                          mult((110, (27,)), 3, False, "float64"), mult((111, (27,)), 20, True, "float64")]))

# large draws, recorded as SHA-256 of the little-endian bytes (a million values would not fit a fixture)
import hashlib
large = []
for seed, op, n in [(0, "randn", 1_000_003), (42, "randn", 1_000_000), (2147483647, "randn", 250_007),
                    (3, "rand", 1_000_000), (4, "randint", 1_000_000), (5, "rand64", 250_000)]:
    g = torch.Generator().manual_seed(seed)
    if op == "randn":
        t = torch.randn(n, generator=g)
    elif op == "rand":
        t = torch.rand(n, generator=g)
    elif op == "rand64":
        t = torch.rand(n, dtype=torch.float64, generator=g)
    else:
        t = torch.randint(0, 182625, (n,), generator=g)
    large.append({"seed": seed, "op": op, "n": n, "dtype": str(t.dtype).replace("torch.", ""),
                  "sha256": hashlib.sha256(t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()).hexdigest(),
                  "head": t[:4].tolist(), "tail": t[-4:].tolist()})

# glibc's double log/sin/cos (what PyTorch's double normal paths call; Python's math calls the same)
import math
u = torch.rand(2000, dtype=torch.float64, generator=torch.Generator().manual_seed(99)).tolist()
libm = {"x": [1 - v for v in u], "theta": [2 * math.pi * v for v in u]}
libm.update(log=[math.log(x) for x in libm["x"]], sin=[math.sin(t) for t in libm["theta"]], cos=[math.cos(t) for t in libm["theta"]])

capability = [line.split(":", 1)[1].strip() for line in torch.__config__.show().splitlines() if "CPU capability usage" in line]
json.dump({"torch_version": torch.__version__, "cpu_capability": capability[0] if capability else None,
           "mkl": torch.backends.mkl.is_available(), "sequences": sequences, "large": large, "libm": libm}, sys.stdout)
