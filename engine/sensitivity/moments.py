"""The sums behind every Sobol' estimator, accumulated over base rows in any number of pieces.

A Saltelli block of one base row holds the outputs A, AB_1..AB_G, [BA_1..BA_G], B. Per base row
this module forms the quantities the estimators need (:data:`quantity_names`), and a weight
matrix (row 0: every base row once; rows 1..R: bootstrap counts) turns them into weighted sums
with one matrix product. Sums of pieces add up, so a run of any size is reduced piece by piece;
:func:`finish` then centres and scales them as SALib does (on the mean and standard deviation of
all analysed rows) and applies the named estimators of :mod:`.estimators`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm

from engine.sensitivity import estimators as est

Array = NDArray[np.float64]


@dataclass(frozen=True)
class SobolResult:
    """Indices for K outputs and G factors (S2 is G x G, upper triangle, NaN elsewhere)."""

    S1: Array          # (K, G)
    S1_conf: Array     # (K, G)
    ST: Array          # (K, G)
    ST_conf: Array     # (K, G)
    S2: Array | None = None        # (K, G, G)
    S2_conf: Array | None = None   # (K, G, G)
    variance: Array | None = None  # (K,) variance of the pooled A and B outputs (unscaled)


def quantity_names(factors: int, second_order: bool) -> list[str]:
    names = ["a", "b", "a2", "b2"]
    for j in range(factors):
        names += [f"f1_{j}", f"d_{j}", f"ft_{j}"]
    if second_order:
        names += [f"ba_{j}" for j in range(factors)]
        names += [f"f2_{j}_{k}" for j in range(factors) for k in range(j + 1, factors)]
    return names


def quantities(blocks: Array, factors: int, second_order: bool) -> Array:
    """(nb, Q, K) per-base-row quantities from outputs (nb, rows per block, K).

    ``second_order`` asks for the S2 quantities; it needs the BA rows in the blocks.
    """
    step = blocks.shape[1]
    a, b = blocks[:, 0], blocks[:, step - 1]
    cols = [a, b, a * a, b * b]
    for j in range(factors):
        diff = blocks[:, 1 + j] - a
        cols += [b * diff, diff, diff * diff]
    if second_order:
        ba = [blocks[:, 1 + factors + j] for j in range(factors)]
        cols += ba
        ab_prod = a * b
        cols += [ba[j] * blocks[:, 1 + k] - ab_prod for j in range(factors)
                 for k in range(j + 1, factors)]
    return np.stack(cols, axis=1)


@dataclass
class Sums:
    """Weighted sums (1 + R, Q, K), plus the sums, extremes and size of all analysed rows."""

    weighted: Array
    total: Array       # (K,) sum over all analysed rows
    total2: Array      # (K,) sum of squares over all analysed rows
    rows: int          # analysed rows
    lo: Array          # (K,) min over A and B rows
    hi: Array          # (K,) max over A and B rows
    base: int          # base rows

    def __add__(self, other: Sums) -> Sums:
        return Sums(self.weighted + other.weighted, self.total + other.total,
                    self.total2 + other.total2, self.rows + other.rows,
                    np.minimum(self.lo, other.lo), np.maximum(self.hi, other.hi),
                    self.base + other.base)


def block_sums(blocks: Array, factors: int, weights: Array, *, second_order: bool,
               analysed_rows: slice | np.ndarray = slice(None)) -> Sums:
    """Sums of one piece of whole blocks (nb, step, K) with weights (1 + R, nb).

    ``analysed_rows`` picks the rows of each block that SALib centres on (all of them for a
    second-order analysis; A, AB and B without the BA rows otherwise).
    """
    q = quantities(blocks, factors, second_order)
    nb, nq, k = q.shape
    weighted = (weights @ q.reshape(nb, nq * k)).reshape(-1, nq, k)
    used = blocks[:, analysed_rows].reshape(-1, k)
    ends = np.concatenate([blocks[:, 0], blocks[:, -1]])
    return Sums(weighted, used.sum(axis=0), (used * used).sum(axis=0), used.shape[0],
                ends.min(axis=0), ends.max(axis=0), nb)


def finish(s: Sums, factors: int, second_order: bool, conf_level: float = 0.95) -> SobolResult:
    """Indices and bootstrap half-widths from accumulated sums (SALib's estimators)."""
    n = s.base
    names = quantity_names(factors, second_order)
    e = {name: s.weighted[:, i] / n for i, name in enumerate(names)}  # (1 + R, K) means
    m = s.total / s.rows
    s2 = s.total2 / s.rows - m * m                      # SALib scales by the std of all rows
    s2 = np.where(s2 > 0, s2, 1.0)
    # moments of the centred, scaled outputs
    e_a, e_b = (e["a"] - m) / np.sqrt(s2), (e["b"] - m) / np.sqrt(s2)
    e_a2 = (e["a2"] - 2 * m * e["a"] + m * m) / s2
    e_b2 = (e["b2"] - 2 * m * e["b"] + m * m) / s2
    var = est.pooled_variance(e_a, e_b, e_a2, e_b2)
    const = (s.hi - s.lo) / np.sqrt(s2) <= est.EPS      # SALib: ptp of A and B rows
    z = float(norm.ppf(0.5 + conf_level / 2))
    k = var.shape[1]

    def split(values: Array) -> tuple[Array, Array]:
        point = np.where(const, 0.0, values[0])
        conf = np.where(const, 0.0, z * values[1:].std(axis=0, ddof=1))
        return point, conf

    s1, s1c, st, stc = (np.empty((k, factors)) for _ in range(4))
    s1_all = []
    for j in range(factors):
        v1 = est.first_order((e[f"f1_{j}"] - m * e[f"d_{j}"]) / s2, var)
        vt = est.total_order(e[f"ft_{j}"] / s2, var)
        s1_all.append(v1)
        s1[:, j], s1c[:, j] = split(v1)
        st[:, j], stc[:, j] = split(vt)
    raw_var = var[0] * s2
    if not second_order:
        return SobolResult(s1, s1c, st, stc, variance=raw_var)
    s2i = np.full((k, factors, factors), np.nan)
    s2c = np.full((k, factors, factors), np.nan)
    for j in range(factors):
        for kk in range(j + 1, factors):
            e_ab_k = e[f"d_{kk}"] + e["a"]
            cross = (e[f"f2_{j}_{kk}"] - m * (e[f"ba_{j}"] + e_ab_k - e["a"] - e["b"])) / s2
            v2 = est.second_order(cross, s1_all[j], s1_all[kk], var)
            s2i[:, j, kk], s2c[:, j, kk] = split(v2)
    return SobolResult(s1, s1c, st, stc, s2i, s2c, raw_var)
