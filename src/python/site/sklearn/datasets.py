# sklearn.datasets.make_moons and make_blobs as scikit-learn 1.2 draws them: the same calls on the
# RandomState (numpy.random, bit-identical to numpy's), in the same order, so a seed gives the same
# arrays. Anything else in sklearn.datasets raises an error saying what is emulated.
import math
import numbers

import _bpn_bridge as _b
import numpy as np
from numpy._core import _from_flat
from pyodide.ffi import to_js

from . import _missing


def _check_random_state(seed):
    """sklearn.utils.check_random_state: None → numpy's global RandomState, an int → a new one."""
    if seed is None or seed is np.random:
        return np.random._rand
    if isinstance(seed, numbers.Integral) or type(seed).__name__ in ("int64",):
        return np.random.RandomState(int(seed))
    if isinstance(seed, np.random.RandomState):
        return seed
    raise ValueError(f"{seed!r} cannot be used to seed a numpy.random.RandomState instance")


def _half_circle(n):
    """cos and sin of np.linspace(0, pi, n), as lists."""
    if n == 1:
        xs = [0.0]
    else:
        step = math.pi / (n - 1) if n > 1 else 0.0
        xs = [i * step for i in range(n)]
        if n > 1:
            xs[-1] = math.pi
    both = _b.npRandom.cosSin(to_js(xs)).to_py().tolist()
    return both[:n], both[n:]


def _shuffled(generator, rows, labels):
    """sklearn.utils.shuffle(X, y, random_state=generator): rows and labels in one legacy shuffle order."""
    order = generator.permutation(len(labels)).tolist()
    return [rows[i] for i in order], [labels[i] for i in order]


def make_moons(n_samples=100, *, shuffle=True, noise=None, random_state=None):
    """Two interleaving half circles: X of shape (n_samples, 2), y of 0/1 labels."""
    if isinstance(n_samples, numbers.Integral):
        n_out = n_samples // 2
        n_in = n_samples - n_out
    else:
        try:
            n_out, n_in = n_samples
        except ValueError as e:
            raise ValueError("`n_samples` can be either an int or a two-element tuple.") from e
    generator = _check_random_state(random_state)
    cos_out, sin_out = _half_circle(n_out)
    cos_in, sin_in = _half_circle(n_in)
    rows = [(c, s) for c, s in zip(cos_out, sin_out)] + [(1 - c, 1 - s - 0.5) for c, s in zip(cos_in, sin_in)]
    labels = [0] * n_out + [1] * n_in
    if shuffle:
        rows, labels = _shuffled(generator, rows, labels)
    flat = [v for r in rows for v in r]
    if noise is not None:
        eps = generator.normal(scale=noise, size=(len(labels), 2)).ravel().tolist()
        flat = [x + e for x, e in zip(flat, eps)]
    return _from_flat(flat, (len(labels), 2), "float64"), _from_flat(labels, (len(labels),), "int64")


def make_blobs(n_samples=100, n_features=2, *, centers=None, cluster_std=1.0, center_box=(-10.0, 10.0),
               shuffle=True, random_state=None, return_centers=False):
    """Isotropic Gaussian blobs: X of shape (n_samples, n_features), y the blob of each row."""
    generator = _check_random_state(random_state)
    if isinstance(n_samples, numbers.Integral):
        if centers is None:
            centers = 3
        if isinstance(centers, numbers.Integral):
            n_centers = centers
            centers = generator.uniform(center_box[0], center_box[1], size=(n_centers, n_features))
        else:
            centers = np.asarray(centers, dtype="float64")
            n_features, n_centers = centers.shape[1], centers.shape[0]
    else:
        n_centers = len(n_samples)
        if centers is None:
            centers = generator.uniform(center_box[0], center_box[1], size=(n_centers, n_features))
        try:
            if len(centers) != n_centers:
                raise ValueError(f"Length of `n_samples` not consistent with number of centers. Got n_samples = "
                                 f"{n_samples} and centers = {centers}")
        except TypeError as e:
            raise ValueError(f"Parameter `centers` must be array-like. Got {centers!r} instead") from e
        centers = np.asarray(centers, dtype="float64")
        n_features = centers.shape[1]
    if hasattr(cluster_std, "__len__") and len(cluster_std) != n_centers:
        raise ValueError(f"Length of `clusters_std` not consistent with number of centers. Got centers = {centers} "
                         f"and cluster_std = {cluster_std}")
    stds = [float(cluster_std)] * n_centers if isinstance(cluster_std, numbers.Real) else [float(s) for s in cluster_std]
    if isinstance(n_samples, numbers.Integral):
        per_center = [n_samples // n_centers] * n_centers
        for i in range(n_samples % n_centers):
            per_center[i] += 1
    else:
        per_center = list(n_samples)
    rows, labels = [], []
    for i, (n, std) in enumerate(zip(per_center, stds)):
        block = generator.normal(loc=centers[i], scale=std, size=(n, n_features)).tolist()
        rows += block
        labels += [i] * n
    if shuffle:
        rows, labels = _shuffled(generator, rows, labels)
    X = _from_flat([v for r in rows for v in r], (len(labels), n_features), "float64")
    y = _from_flat(labels, (len(labels),), "int64")
    return (X, y, centers) if return_centers else (X, y)


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(_missing(f"sklearn.datasets.{name}"))
