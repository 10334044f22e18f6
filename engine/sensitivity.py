"""Sobol' indices for many outputs at once: SALib's estimators, batched.

SALib's ``sobol.analyze`` handles one output per call and bootstraps by fancy indexing, which at
N = 2^14 and 301 time points takes many minutes. :func:`sobol_indices` computes the very same
estimators (Saltelli 2010 first and total order, Saltelli 2002 second order, each normalised
by the variance of the A and B rows after centring and scaling the output) for a whole (rows, K)
matrix of outputs, and its bootstrap uses the same resample indices as SALib with the same seed,
expressed as a count matrix so that every resample mean is one matrix product.

References
----------
A. Saltelli et al. (2010), Variance based sensitivity analysis of model output. Design and
estimator for the total sensitivity index, doi:10.1016/j.cpc.2009.09.018.
A. Saltelli (2002), Making best use of model evaluations to compute sensitivity indices,
doi:10.1016/S0010-4655(02)00280-1.
J. Herman, W. Usher (2017), SALib: An open-source Python library for sensitivity analysis,
doi:10.21105/joss.00097.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm

EPS = np.finfo(float).eps


@dataclass(frozen=True)
class SobolResult:
    """Indices for K outputs and D parameters (S2 is D x D, upper triangle, NaN elsewhere)."""

    S1: NDArray[np.float64]        # (K, D)
    S1_conf: NDArray[np.float64]   # (K, D)
    ST: NDArray[np.float64]        # (K, D)
    ST_conf: NDArray[np.float64]   # (K, D)
    S2: NDArray[np.float64] | None = None       # (K, D, D)
    S2_conf: NDArray[np.float64] | None = None  # (K, D, D)


def bootstrap_indices(n: int, num_resamples: int, seed: int) -> NDArray[np.int64]:
    """Resample row indices, drawn exactly as SALib's sobol.analyze draws them for a seed."""
    if not seed:
        raise ValueError(f"seed={seed!r}: the bootstrap needs a non-zero seed (SALib treats 0 "
                         "as no seed)")
    return np.random.default_rng(seed).integers(n, size=(n, num_resamples))


def split_saltelli(y: NDArray[np.float64], d: int, second_order: bool
                   ) -> tuple[NDArray, NDArray, NDArray, NDArray | None]:
    """A (N, K), B (N, K), AB (D, N, K) and BA (D, N, K) from outputs in Saltelli row order."""
    step = 2 * d + 2 if second_order else d + 2
    if y.shape[0] % step:
        raise ValueError(f"{y.shape[0]} rows are not a whole number of Saltelli blocks of {step} "
                         f"(d={d}, second_order={second_order})")
    blocks = y.reshape(-1, step, *y.shape[1:])
    a, b = blocks[:, 0], blocks[:, step - 1]
    ab = np.moveaxis(blocks[:, 1:d + 1], 1, 0)
    ba = np.moveaxis(blocks[:, d + 1:2 * d + 1], 1, 0) if second_order else None
    return a, b, ab, ba


def _safe_ratio(num: NDArray, var: NDArray) -> NDArray:
    return np.divide(num, var, out=np.zeros(np.broadcast(num, var).shape), where=var > EPS)


def sobol_indices(y: NDArray[np.float64], d: int, *, second_order: bool = True,
                  num_resamples: int = 100, conf_level: float = 0.95,
                  seed: int = 1) -> SobolResult:
    """First, total and (optionally) second-order Sobol' indices with bootstrap intervals.

    Parameters
    ----------
    y : array of shape (rows,) or (rows, K)
        Model outputs in the row order of a Saltelli design (SALib's order).
    d : int
        Number of parameters.
    second_order : bool
        Whether the design holds the BA rows (2d + 2 rows per base row) and S2 is wanted.
    num_resamples, conf_level : int, float
        Bootstrap size and confidence level; ``*_conf`` is the half-width Z * sd.
    seed : int
        Seed of the bootstrap resample indices (non-zero; same draws as SALib's for that seed).

    Returns
    -------
    SobolResult
        Arrays with a leading output axis of length K (1 for a 1-d ``y``).

    Example
    -------
    >>> from engine.samplers import unit_design
    >>> x = unit_design("saltelli", 1024, 2, seed=3)
    >>> r = sobol_indices(x[:, 0] + 0.5 * x[:, 1], 2, seed=3)
    >>> [round(float(v), 1) for v in r.ST[0]]
    [0.8, 0.2]
    """
    y = np.asarray(y, dtype=float)
    if y.ndim == 1:
        y = y[:, None]
    if not np.isfinite(y).all():
        raise ValueError("outputs hold NaN or inf: analyse the defined subset and the "
                         "'defined' indicator instead (see engine.sensitivity.split_defined)")
    if not 0 < conf_level < 1:
        raise ValueError(f"conf_level={conf_level!r}: must lie in (0, 1)")
    y = (y - y.mean(axis=0)) / np.where(y.std(axis=0) > 0, y.std(axis=0), 1.0)
    a, b, ab, ba = split_saltelli(y, d, second_order)
    n, k = a.shape
    z = float(norm.ppf(0.5 + conf_level / 2))

    # constant output (SALib: ptp of the A and B rows at machine zero) -> all indices 0
    ab_rows = np.concatenate([a, b])
    const = np.ptp(ab_rows, axis=0) <= EPS  # (K,)
    var = np.var(ab_rows, axis=0)

    r = bootstrap_indices(n, num_resamples, seed)
    # counts[b, i]: how often row i is drawn in resample b, so a resample mean is a product
    flat = (np.arange(num_resamples)[:, None] * n + r.T).ravel()
    counts = np.bincount(flat, minlength=num_resamples * n).reshape(num_resamples, n)
    counts = counts.astype(float)

    def boot_mean(values: NDArray) -> NDArray:
        """Mean of values (N, K) over each resample's rows -> (R, K)."""
        return counts @ values / n

    mean_b = (boot_mean(a) + boot_mean(b)) / 2
    var_b = (boot_mean(a * a) + boot_mean(b * b)) / 2 - mean_b**2  # var of [A[r]; B[r]]

    def finish(point: NDArray, boot: NDArray) -> tuple[NDArray, NDArray]:
        conf = z * boot.std(axis=0, ddof=1)
        return np.where(const, 0.0, point), np.where(const, 0.0, conf)

    s1, s1c, st, stc = (np.empty((k, d)) for _ in range(4))
    s1_boot = np.empty((d, num_resamples, k))
    for j in range(d):
        f1 = b * (ab[j] - a)
        ft = 0.5 * (a - ab[j]) ** 2
        s1_boot[j] = _safe_ratio(boot_mean(f1), var_b)
        s1[:, j], s1c[:, j] = finish(_safe_ratio(f1.mean(axis=0), var), s1_boot[j])
        st[:, j], stc[:, j] = finish(_safe_ratio(ft.mean(axis=0), var),
                                     _safe_ratio(boot_mean(ft), var_b))
    if not second_order:
        return SobolResult(s1, s1c, st, stc)

    s2 = np.full((k, d, d), np.nan)
    s2c = np.full((k, d, d), np.nan)
    for j in range(d):
        for m in range(j + 1, d):
            f2 = ba[j] * ab[m] - a * b
            point = _safe_ratio(f2.mean(axis=0), var) - s1_raw(a, b, ab, var, j) \
                - s1_raw(a, b, ab, var, m)
            boot = _safe_ratio(boot_mean(f2), var_b) - s1_boot[j] - s1_boot[m]
            s2[:, j, m], s2c[:, j, m] = finish(point, boot)
    return SobolResult(s1, s1c, st, stc, s2, s2c)


def s1_raw(a: NDArray, b: NDArray, ab: NDArray, var: NDArray, j: int) -> NDArray:
    """First-order estimate of parameter j, before the constant-output rule."""
    return _safe_ratio((b * (ab[j] - a)).mean(axis=0), var)


def split_defined(y: NDArray[np.float64], d: int, second_order: bool
                  ) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Which rows are defined, and which Saltelli blocks are defined in every row.

    Returns
    -------
    (row_ok, block_ok)
        ``row_ok`` per design row (finite output); ``block_ok`` per base row, True where all its
        2d + 2 (or d + 2) rows are finite, so that the block can enter the estimators.
    """
    step = 2 * d + 2 if second_order else d + 2
    row_ok = np.isfinite(y)
    return row_ok, row_ok.reshape(-1, step).all(axis=1)


def take_blocks(y: NDArray, keep: NDArray[np.bool_], d: int, second_order: bool) -> NDArray:
    """Rows of the Saltelli blocks where ``keep`` (per base row) is True, in order."""
    step = 2 * d + 2 if second_order else d + 2
    return y.reshape(-1, step, *y.shape[1:])[keep].reshape(-1, *y.shape[1:])
