"""Bootstrap resamples of base rows, drawn exactly as SALib's ``sobol.analyze`` draws them.

SALib draws ``rng.integers(N, size=(N, R))`` from ``numpy.random.default_rng(seed)``; resample r
takes rows ``draws[:, r]``. Here a resample is a count vector (how often each row is drawn), so a
resample mean is one matrix product and sums over chunks of rows add up. Seeds follow
``seed is not None`` semantics: 0 is a seed like any other (SALib treats 0 as "no seed").
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import NDArray


@functools.lru_cache(maxsize=32)
def bootstrap_counts(n: int, num_resamples: int, seed: int) -> NDArray[np.uint8]:
    """(R, N) counts: counts[r, i] = how often base row i is drawn in resample r (read-only,
    kept for later calls with the same arguments: the analysis asks for the same counts for
    every outcome).

    Example
    -------
    >>> c = bootstrap_counts(5, 3, seed=1)
    >>> c.shape, c.sum(axis=1).tolist()
    ((3, 5), [5, 5, 5])
    """
    if num_resamples < 2:
        raise ValueError(f"num_resamples={num_resamples!r}: the bootstrap needs at least 2")
    draws = np.random.default_rng(seed).integers(n, size=(n, num_resamples))
    flat = (np.arange(num_resamples)[:, None] * n + draws.T).ravel()
    counts = np.bincount(flat, minlength=num_resamples * n).reshape(num_resamples, n)
    if counts.max(initial=0) > np.iinfo(np.uint8).max:
        raise ValueError("a row drawn more than 255 times: N is too small for the bootstrap")
    out = counts.astype(np.uint8)
    out.flags.writeable = False  # one array per (n, num_resamples, seed), shared by callers
    return out


def weights(counts: NDArray[np.uint8], rows: slice = slice(None)) -> NDArray[np.float64]:
    """(1 + R, n) weights: row 0 takes every base row once (the point estimate), then the
    resamples' counts, for base rows ``rows``."""
    c = counts[:, rows].astype(np.float64)
    return np.vstack([np.ones((1, c.shape[1])), c])
