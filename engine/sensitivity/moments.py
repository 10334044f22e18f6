"""The sums behind every Sobol' estimator, accumulated over base rows in any number of pieces.

A Saltelli block of one base row holds the outputs A, AB_1..AB_G, [BA_1..BA_G], B. Per base row
this module forms the quantities the estimators need (:data:`quantity_names`), and a weight
matrix (row 0: every base row once; rows 1..R: bootstrap counts) turns them into weighted sums
with one matrix product. Sums of pieces add up, so a run of any size is reduced piece by piece;
:func:`finish` then centres and scales them as SALib does (on the mean and standard deviation of
all analysed rows) and applies the named estimators of :mod:`.estimators`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from numba import njit
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

    ``second_order`` asks for the S2 quantities; it needs the BA rows in the blocks. Written
    into one preallocated array (no temporaries per quantity): this is the analysis' hot loop.
    """
    nb, k = blocks.shape[0], blocks.shape[2]
    nq = len(quantity_names(factors, second_order))
    out = np.empty((nb, nq, k))
    scratch = [np.empty(k) for _ in range(4)]  # the sums the pass also forms, unused here
    _pass(np.ascontiguousarray(blocks, dtype=np.float64), factors, second_order, out, *scratch)
    return out


def _quantities_numpy(blocks: Array, factors: int, second_order: bool) -> Array:
    """:func:`quantities` in numpy (the reference the compiled pass is tested against)."""
    step = blocks.shape[1]
    nb, k = blocks.shape[0], blocks.shape[2]
    nq = len(quantity_names(factors, second_order))
    out = np.empty((nb, nq, k))
    a, b = blocks[:, 0], blocks[:, step - 1]
    out[:, 0], out[:, 1] = a, b
    np.multiply(a, a, out=out[:, 2])
    np.multiply(b, b, out=out[:, 3])
    for j in range(factors):
        diff = out[:, 4 + 3 * j + 1]
        np.subtract(blocks[:, 1 + j], a, out=diff)
        np.multiply(b, diff, out=out[:, 4 + 3 * j])
        np.multiply(diff, diff, out=out[:, 4 + 3 * j + 2])
    if second_order:
        base = 4 + 3 * factors
        for j in range(factors):
            out[:, base + j] = blocks[:, 1 + factors + j]
        ab_prod = a * b
        i = base + factors
        for j in range(factors):
            for kk in range(j + 1, factors):
                np.multiply(blocks[:, 1 + factors + j], blocks[:, 1 + kk], out=out[:, i])
                out[:, i] -= ab_prod
                i += 1
    return out


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


@njit(nogil=True, cache=True)
def _pass(blocks: Array, factors: int, second_order: bool, out: Array, total: Array,
          total2: Array, lo: Array, hi: Array) -> None:  # pragma: no cover
    """:func:`quantities` plus the sums, squares and extremes SALib centres and scales a
    first/total analysis with (over A, AB and B), from blocks of any layout (A = first row,
    AB_j = the next G rows, [BA_j = the G after them,] B = last), in one compiled pass over the
    piece: the analysis' hot loop. The same IEEE products and differences, element by element,
    as :func:`_quantities_numpy` (numba fuses no multiply-add without fastmath), so the same
    bits (tests/test_sensitivity.py)."""
    nb, step, k = blocks.shape
    base = 4 + 3 * factors
    for t in range(k):
        total[t] = 0.0
        total2[t] = 0.0
        lo[t] = np.inf
        hi[t] = -np.inf
    for i in range(nb):  # every inner loop runs along t: contiguous, vectorised
        for t in range(k):
            a = blocks[i, 0, t]
            b = blocks[i, step - 1, t]
            out[i, 0, t] = a
            out[i, 1, t] = b
            out[i, 2, t] = a * a
            out[i, 3, t] = b * b
            total[t] += a + b
            total2[t] += a * a + b * b
            lo[t] = min(lo[t], min(a, b))
            hi[t] = max(hi[t], max(a, b))
        for j in range(factors):
            for t in range(k):
                a = blocks[i, 0, t]
                ab = blocks[i, 1 + j, t]
                diff = ab - a
                out[i, 4 + 3 * j, t] = blocks[i, step - 1, t] * diff
                out[i, 5 + 3 * j, t] = diff
                out[i, 6 + 3 * j, t] = diff * diff
                total[t] += ab
                total2[t] += ab * ab
        if second_order:
            for j in range(factors):
                for t in range(k):
                    out[i, base + j, t] = blocks[i, 1 + factors + j, t]
            q = base + factors
            for j in range(factors):
                for kk in range(j + 1, factors):
                    for t in range(k):
                        out[i, q, t] = (blocks[i, 1 + factors + j, t] * blocks[i, 1 + kk, t]
                                        - blocks[i, 0, t] * blocks[i, step - 1, t])
                    q += 1


_LOCAL = threading.local()


def _buffer(shape: tuple[int, ...]) -> Array:
    """A scratch array per thread, reused across pieces (a fresh one per piece would cost page
    faults on every call; threads evaluating pieces at once each get their own)."""
    buf = getattr(_LOCAL, "buf", None)
    if buf is None or buf.shape != shape:
        buf = _LOCAL.buf = np.empty(shape)
    return buf


def first_total_sums(blocks: Array, factors: int, weights: Array) -> Sums:
    """Sums for first- and total-order indices of many outputs (nb, step, K), of a first/total
    (G + 2) or second-order (2G + 2) layout; the BA rows of the latter are not read."""
    nb, _, k = blocks.shape
    q = _buffer((nb, 4 + 3 * factors, k))
    total, total2, lo, hi = (np.empty(k) for _ in range(4))
    _pass(np.ascontiguousarray(blocks), factors, False, q, total, total2, lo, hi)
    nq = q.shape[1]
    weighted = (weights @ q.reshape(nb, nq * k)).reshape(-1, nq, k)
    return Sums(weighted, total, total2, nb * (factors + 2), lo, hi, nb)


def block_sums(blocks: Array, factors: int, weights: Array, *, second_order: bool,
               analysed_rows: slice | np.ndarray = slice(None)) -> Sums:
    """Sums of one piece of whole blocks (nb, step, K) with weights (1 + R, nb).

    ``analysed_rows`` picks the rows of each block that SALib centres on (all of them for a
    second-order analysis; A, AB and B without the BA rows otherwise). The weighted sums of
    every quantity at once are one matrix product.
    """
    nb, _, k = blocks.shape
    q = quantities(blocks, factors, second_order)
    nq = q.shape[1]
    weighted = (weights @ q.reshape(nb, nq * k)).reshape(-1, nq, k)
    used = blocks[:, analysed_rows].reshape(-1, k)
    ends = np.concatenate([blocks[:, 0], blocks[:, -1]])
    return Sums(weighted, used.sum(axis=0), np.einsum("ij,ij->j", used, used), used.shape[0],
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
