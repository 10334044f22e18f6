"""Fixed-bin counting of series, compiled: the one definition of a fan histogram's bins, shared by
:class:`engine.reducers.FanHistogram` (materialised series) and the kernel's fused counting (rows
that never leave the core's cache), so both count every value into the same bin, bit for bit.

Columns of a (T, bins + 5) count table: -inf, below lo, the ``bins`` regular bins, at or above
hi, +inf, NaN. A finite value v goes to column ``floor((v - lo[t]) * scale[t]) + 2`` clamped to
[1, bins + 2], with ``scale = bins / (hi - lo)``. In log mode a value is binned by its log10,
and values <= 0 count as -inf.

Counting is done in two passes, because a scenario's row touches T count rows (T x 32 KB for
4,096 bins: more than a core's L2 cache) while one time point's count row fits in L1: first the
column of every value (a branch-free, vectorised loop over a row) into an int16 table (n, T),
then the counts time point by time point (2 to 3x faster than incrementing as each value comes;
interleaving five series' columns in (T, n) tables would also thrash L1).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from engine.model.compiled.constants import _JIT
from engine.model.compiled.elementary import _log10

#: the most regular bins a table may have (columns are int16 in the first pass)
MAX_BINS = 32_000


class Binning(NamedTuple):
    """Series to count into fixed bins as they are computed (the kernel's fused fan counting).

    ``counts[h]`` is the (T, bins + 5) table of ``names[h]``, added to in place; ``lo[h]``,
    ``hi[h]`` (T,) its range, ``log[h]`` whether it is binned by log10.
    """

    names: tuple[str, ...]
    lo: np.ndarray      # (H, T) float64
    hi: np.ndarray      # (H, T) float64
    log: np.ndarray     # (H,) bool
    counts: np.ndarray  # (H, T, bins + 5) int64


def scale(lo: np.ndarray, hi: np.ndarray, bins: int) -> np.ndarray:
    """bins / (hi - lo), per time point (one IEEE division each, as the reference writes it)."""
    return float(bins) / (np.asarray(hi, dtype=np.float64) - np.asarray(lo, dtype=np.float64))


@njit(**_JIT)
def column_row(row: np.ndarray, lo: np.ndarray, sc: np.ndarray, bins: int, log: bool,
               col: np.ndarray) -> None:  # pragma: no cover
    """col[t] = the count column of row[t] (see the module docstring)."""
    fb = float(bins)
    for t in range(row.shape[0]):
        v = row[t]
        if log:  # branch-free log10 (a few ulp: the same bin as np.log10 but at an edge)
            w = _log10(v)
            w = w if v > 0.0 else -np.inf
            w = np.inf if v == np.inf else w
        else:
            w = v
        x = (w - lo[t]) * sc[t]
        x = -1.0 if x < -1.0 else x
        x = fb if x > fb else x
        k = math.floor(x) + 2.0
        k = fb + 3.0 if w == np.inf else k
        k = 0.0 if w == -np.inf else k
        k = fb + 4.0 if v != v else k
        col[t] = np.int16(k)


@njit(**_JIT)
def nan_column(bins: int, col: np.ndarray) -> None:  # pragma: no cover
    """A row of NaN (a scenario outside the model's domain)."""
    for t in range(col.shape[0]):
        col[t] = np.int16(bins + 4)


@njit(**_JIT)
def count_columns(col: np.ndarray, n: int, counts: np.ndarray) -> None:  # pragma: no cover
    """counts[t, col[i, t]] += 1 for i < n, time point by time point (one count row in L1)."""
    for t in range(col.shape[1]):
        r = counts[t]
        for i in range(n):
            r[col[i, t]] += 1


@njit(**_JIT)
def count_rows(values: np.ndarray, lo: np.ndarray, sc: np.ndarray, bins: int, log: bool,
               counts: np.ndarray, col: np.ndarray) -> None:  # pragma: no cover
    """Count every row of values (n, T) into counts, in blocks of col.shape[0] rows."""
    n = values.shape[0]
    block = col.shape[0]
    for a in range(0, n, block):
        b = min(a + block, n)
        for i in range(a, b):
            column_row(values[i], lo, sc, bins, log, col[i - a])
        count_columns(col, b - a, counts)
