"""Reference streams of numpy's legacy RandomState and sklearn's make_moons/make_blobs, for
test/unit/nprandom.test.ts and test/unit/nprandom.python.test.ts. Run with Debian's numpy 1.24 and
scikit-learn 1.2 (apt-get install python3-numpy python3-sklearn):

    NPY_DISABLE_CPU_FEATURES="AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL" \
      /usr/bin/python3 scripts/reference/gen_numpy_random.py

AVX512 is disabled so numpy's cos/sin are the C library's (as on any machine without AVX512; with it,
numpy 1.24 uses SVML's, up to 3 ulps off); the random streams themselves do not depend on it.
Writes test/fixtures/rng/numpy_random.json and test/fixtures/rng/sklearn_datasets.json.
"""
import json, os, sys
import numpy as np
import sklearn
from sklearn.datasets import make_blobs, make_moons

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "test", "fixtures", "rng")
BIG = 2**53


def enc(v):
    """A JSON value: numbers kept exact (ints beyond 2^53 as strings), arrays flattened."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v) if abs(int(v)) <= BIG else str(int(v))
    if isinstance(v, (float, np.floating)):
        return float(v)
    if isinstance(v, str):
        return v
    return [enc(x) for x in v]


def result(v):
    if isinstance(v, np.ndarray):
        return {"shape": list(v.shape), "dtype": str(v.dtype), "out": enc(v.ravel().tolist())}
    if isinstance(v, list):
        return {"shape": [len(v)], "dtype": "list", "out": enc(v)}
    return {"shape": None, "dtype": type(v).__name__, "out": enc(v)}


# (function, args, kwargs): every listed function, scalar and sized forms, each dtype randint draws
# differently for, array bounds, and a long randn stream (many log calls)
CALLS = [
    ("rand", [], {}), ("rand", [3], {}), ("rand", [2, 3], {}),
    ("randn", [], {}), ("randn", [5], {}), ("randn", [2, 3], {}),
    ("random_sample", [[2, 2]], {}), ("random", [3], {}), ("random_sample", [], {}),
    ("uniform", [-2, 3, 5], {}), ("uniform", [], {}), ("uniform", [], {"low": [0, 10, 100], "high": [1, 20, 200]}),
    ("normal", [1.5, 0.3, 5], {}), ("normal", [[0, 10], [1, 0.1]], {}), ("normal", [], {"size": [2, 2]}), ("normal", [], {}),
    ("randint", [10], {"size": 8}), ("randint", [-5, 5, [2, 3]], {}), ("randint", [7], {}),
    ("randint", [0, 2**40, 4], {}), ("randint", [-2**62, 2**62, 3], {}), ("randint", [0, 2**32, 3], {}),
    ("randint", [3, 4, 3], {}), ("randint", [[0, 10], [5, 20]], {}),
    ("randint", [0, 2, 10], {"dtype": "bool"}), ("randint", [0, 1000, 5], {"dtype": "int32"}),
    ("randint", [-300, 300, 7], {"dtype": "int16"}), ("randint", [-100, 100, 9], {"dtype": "int8"}),
    ("randint", [0, 256, 6], {"dtype": "uint8"}), ("randint", [0, 65536, 3], {"dtype": "uint16"}),
    ("permutation", [10], {}), ("permutation", [[1.5, 2.5, 3.5, 4.5]], {}), ("permutation", [[[0, 1], [2, 3], [4, 5]]], {}),
    ("shuffle", [list(range(20))], {}), ("shuffle", [np.arange(12.0).reshape(4, 3)], {}),
    ("choice", [5, 10], {}), ("choice", [5], {}), ("choice", [10, 4], {"replace": False}),
    ("choice", [5, 8], {"p": [0.1, 0.2, 0.3, 0.15, 0.25]}), ("choice", [5, 3], {"replace": False, "p": [0.1, 0.2, 0.3, 0.15, 0.25]}),
    ("choice", [[1.5, 2.5, 3.5]], {"size": 4}), ("choice", [6, [2, 3]], {}), ("choice", [4], {"p": [0.5, 0, 0.25, 0.25]}),
    ("randn", [1001], {}),
    ("get_state", [], {}),
]
SEEDS = [0, 1, 2, 7, 42, 123, 1234, 65537, 2**31 - 1, 2**31, 2**32 - 1, 987654321, [1, 2, 3], [0], list(range(700))]


def call(rs, fn, args, kwargs):
    if fn == "shuffle":
        x = args[0].copy() if isinstance(args[0], np.ndarray) else list(args[0])
        rs.shuffle(x)
        return x
    if fn == "get_state":
        name, key, pos, has_gauss, gauss = rs.get_state()
        return {"shape": None, "dtype": "state", "out": {"key": key.tolist(), "pos": pos, "has_gauss": has_gauss, "cached_gaussian": gauss}}
    return getattr(rs, fn)(*args, **kwargs)


cases = []
for seed in SEEDS:
    rs = np.random.RandomState(seed)
    steps = []
    for fn, args, kwargs in CALLS:
        r = call(rs, fn, args, kwargs)
        rec = r if isinstance(r, dict) else result(r)
        steps.append({"fn": fn, "args": enc(args) if fn != "shuffle" else result(args[0]), "kwargs": {k: enc(v) for k, v in kwargs.items()}, **rec})
    cases.append({"seed": seed, "steps": steps})
with open(os.path.join(OUT, "numpy_random.json"), "w") as f:
    json.dump({"numpy": np.__version__, "cases": cases}, f, separators=(",", ":"))

# sklearn: random_state as an int, as a RandomState, and None (numpy's global state after np.random.seed)
DATASETS = []
for seed in [0, 1, 3, 42, 1337]:
    DATASETS += [
        ("make_moons", {"n_samples": 100, "noise": 0.1, "random_state": seed}),
        ("make_moons", {"n_samples": 37, "noise": 0.3, "random_state": seed, "shuffle": False}),
        ("make_moons", {"n_samples": [20, 13], "noise": 0.05, "random_state": seed}),
        ("make_blobs", {"n_samples": 50, "centers": 3, "n_features": 2, "random_state": seed}),
        ("make_blobs", {"n_samples": 31, "centers": [[0, 0], [5, 5]], "cluster_std": [0.5, 2.0], "random_state": seed}),
        ("make_blobs", {"n_samples": [10, 7, 4], "n_features": 3, "cluster_std": 0.7, "center_box": [-2, 2],
                        "random_state": seed, "shuffle": False, "return_centers": True}),
    ]
DATASETS += [("make_moons", {"n_samples": 10}), ("make_moons", {"n_samples": 11, "shuffle": False}), ("make_blobs", {})]
datasets = []
for fn, kwargs in DATASETS:
    for mode in (["int"] if "random_state" in kwargs else ["global", "RandomState"]):
        kw = dict(kwargs)
        if mode == "global":
            np.random.seed(5)
        elif mode == "RandomState":
            kw["random_state"] = np.random.RandomState(5)
        out = getattr(sklearn.datasets, fn)(**{k: tuple(v) if isinstance(v, list) and k in ("n_samples", "center_box") else v for k, v in kw.items()})
        datasets.append({"fn": fn, "kwargs": kwargs, "random_state": mode if mode != "int" else kwargs["random_state"],
                         "arrays": [result(a) for a in out]})
with open(os.path.join(OUT, "sklearn_datasets.json"), "w") as f:
    json.dump({"numpy": np.__version__, "sklearn": sklearn.__version__, "cases": datasets}, f, separators=(",", ":"))
print("wrote", len(cases), "numpy cases and", len(datasets), "sklearn cases", file=sys.stderr)
