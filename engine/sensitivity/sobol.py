"""Sobol' indices of many outputs at once, equal to SALib's ``sobol.analyze``.

SALib handles one output per call and bootstraps by fancy indexing; :func:`sobol_indices`
computes the same estimators for a whole (rows, K) matrix of outputs with the same bootstrap
draws, each resample mean a matrix product (see :mod:`.moments`). Factor groups work as in SALib:
a factor owning several design columns is one row of the analysis.

References
----------
J. Herman, W. Usher (2017), SALib, doi:10.21105/joss.00097.
"""

from __future__ import annotations

import numpy as np

from engine.designs.saltelli import block_rows
from engine.sensitivity.bootstrap import bootstrap_counts, weights
from engine.sensitivity.moments import Array, SobolResult, block_sums, finish


def first_total_layout(y: Array, factors: int, second_order: bool) -> Array:
    """Keep A, AB_1..AB_G, B of each block (drop the BA rows): SALib's first/total layout."""
    if not second_order:
        return y
    blocks = y.reshape(-1, block_rows(factors, True), *y.shape[1:])
    keep = np.r_[0:factors + 1, 2 * factors + 1]
    return blocks[:, keep].reshape(-1, *y.shape[1:])


def sobol_indices(y: Array, factors: int, *, second_order: bool = True,
                  num_resamples: int = 100, conf_level: float = 0.95, seed: int = 1,
                  counts: np.ndarray | None = None) -> SobolResult:
    """First, total and (optionally) second-order indices with bootstrap half-widths.

    Parameters
    ----------
    y : array (rows,) or (rows, K)
        Outputs in the row order of a Saltelli design (SALib's order).
    factors : int
        Number of factors G (groups); rows per block are 2G + 2 (or G + 2).
    second_order : bool
        Whether the design holds the BA rows and S2 is wanted.
    num_resamples, conf_level, seed :
        Bootstrap (same draws as SALib's for the same non-zero seed).
    counts : array (R, N), optional
        Precomputed :func:`~.bootstrap.bootstrap_counts` (to share across calls).

    Example
    -------
    >>> from engine.designs import make_design
    >>> d = make_design("saltelli", 1024, 2, seed=3)
    >>> x = d.unit_rows(0, d.rows)
    >>> r = sobol_indices(x[:, 0] + 0.5 * x[:, 1], 2, seed=3)
    >>> [round(float(v), 1) for v in r.ST[0]]
    [0.8, 0.2]
    """
    y = np.asarray(y, dtype=float)
    if y.ndim == 1:
        y = y[:, None]
    if not np.isfinite(y).all():
        raise ValueError("outputs hold NaN or inf: analyse the defined subset and the "
                         "'defined' indicator instead (see engine.analysis.sobol)")
    if not 0 < conf_level < 1:
        raise ValueError(f"conf_level={conf_level!r}: must lie in (0, 1)")
    step = block_rows(factors, second_order)
    if y.shape[0] % step:
        raise ValueError(f"{y.shape[0]} rows are not a whole number of Saltelli blocks of "
                         f"{step} (factors={factors}, second_order={second_order})")
    blocks = y.reshape(-1, step, y.shape[1])
    n = blocks.shape[0]
    if counts is None:
        counts = bootstrap_counts(n, num_resamples, seed)
    sums = block_sums(blocks, factors, weights(counts), second_order=second_order)
    return finish(sums, factors, second_order, conf_level)
