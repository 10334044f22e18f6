"""Mergeable summaries of (scenario, t) series, so that huge runs never hold N x T in memory.

A reducer turns one chunk of scenarios into partial sums (a dict of arrays); partials of all
chunks are added up, in any order and on any worker, and ``finish`` turns the total into the
result. Two reducers:

- :class:`FanHistogram`: per time point, a fixed-bin histogram of each series, from which the
  fan chart's quantiles are read with an error of at most one bin width (stated in the result).
- :class:`SobolSeries`: the sums behind SALib's first- and total-order estimators and their
  bootstrap, for every time point, so that S1(t) and ST(t) of a Saltelli design of any size are
  computed chunk by chunk.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm

from engine.sensitivity import EPS, SobolResult, bootstrap_indices

Partial = dict[str, NDArray]


def add(a: Partial | None, b: Partial) -> Partial:
    """Sum two partials (the combine step of every reducer)."""
    if a is None:
        return {k: np.array(v, copy=True) for k, v in b.items()}
    return {k: a[k] + b[k] for k in a}


# ----------------------------------------------------------------------------- fan quantiles


@dataclass
class FanHistogram:
    """Per-t histograms of series on fixed bins, for quantiles with a stated error bound.

    Bins: ``bins`` equal bins per time point between ``lo`` and ``hi`` (from a pilot sample,
    widened by a margin), plus an underflow and an overflow bin; series flagged ``log`` are
    binned in log10 (values <= 0 count as underflow, inf as overflow). A quantile read from the
    histogram (linear within its bin) is within one bin width of the exact inverted-CDF sample
    quantile, as long as it falls in a regular bin; ``error_bound`` reports that width per t.
    """

    names: Sequence[str]
    lo: Mapping[str, NDArray]
    hi: Mapping[str, NDArray]
    log: Sequence[str] = ()
    bins: int = 4096

    @classmethod
    def from_pilot(cls, pilot: Mapping[str, NDArray], log: Sequence[str] = (),
                   bins: int = 4096, margin: float = 0.1) -> FanHistogram:
        """Bin ranges from a pilot sample of each series (rows, T), widened by ``margin``."""
        lo, hi = {}, {}
        for name, values in pilot.items():
            v = _transform(values, name in log)
            finite = np.where(np.isfinite(v), v, np.nan)
            vmin = np.nan_to_num(np.nanmin(finite, axis=0), nan=0.0)
            vmax = np.nan_to_num(np.nanmax(finite, axis=0), nan=1.0)
            span = np.maximum(vmax - vmin, 1e-12 * np.maximum(np.abs(vmax), 1.0))
            lo[name], hi[name] = vmin - margin * span, vmax + margin * span
        return cls(list(pilot), lo, hi, list(log), bins)

    def partial(self, series: Mapping[str, NDArray]) -> Partial:
        """Counts per t in columns: -inf, below lo, the regular bins, at or above hi, +inf, NaN."""
        out = {}
        nb = self.bins
        for name in self.names:
            v = _transform(series[name], name in self.log)
            steps = v.shape[1]
            lo, hi = self.lo[name], self.hi[name]
            with np.errstate(invalid="ignore", over="ignore"):
                k = (v - lo) * (nb / (hi - lo))
                np.floor(k, out=k)
                k += 2
                np.clip(k, 1, nb + 2, out=k)  # finite values below lo -> 1, at or above hi -> nb+2
            if not np.isfinite(v).all():
                k[v == -np.inf] = 0
                k[v == np.inf] = nb + 3
                k[np.isnan(v)] = nb + 4
            flat = k.astype(np.int64)
            flat += np.arange(steps) * (nb + 5)
            flat = flat.ravel()
            # int32 halves what chunks hand around; a bin would need 2^31 scenarios to overflow
            out[name] = np.bincount(flat, minlength=steps * (nb + 5)).reshape(
                steps, nb + 5).astype(np.int32)
        return out

    def finish(self, total: Partial, quantiles: Sequence[float]) -> dict[str, NDArray]:
        """Quantiles (len(q), T) per series and ``<name>_error_bound`` (T,) in data units.

        NaN values are left out (as numpy's nanquantile does); infinite values count and give
        infinite quantiles where they are reached. The bound is one bin width (for log-binned
        series, the widest bin in data units among the quantiles); it is inf at a time point
        where a quantile fell outside the pilot's range, which the margin makes unlikely.
        """
        result = {}
        nb = self.bins
        for name in self.names:
            counts = total[name][:, :nb + 4].astype(np.float64)
            valid = counts.sum(axis=1)
            cum = np.cumsum(counts, axis=1)
            lo, hi = self.lo[name], self.hi[name]
            width = (hi - lo) / nb
            qs = np.empty((len(quantiles), counts.shape[0]))
            outside = np.zeros(counts.shape[0], dtype=bool)
            for i, q in enumerate(quantiles):
                target = q * valid
                j = np.argmax(cum >= np.maximum(target, 1e-12)[:, None] * (1 - 1e-12), axis=1)
                before = np.where(j > 0, np.take_along_axis(cum, (j - 1)[:, None], 1)[:, 0], 0)
                inside = np.take_along_axis(counts, j[:, None], 1)[:, 0]
                frac = np.clip((target - before) / np.maximum(inside, 1), 0, 1)
                x = lo + (j - 2 + frac) * width
                x = np.select([j == 0, j == 1, j == nb + 2, j == nb + 3],
                              [-np.inf, lo, hi, np.inf], x)
                outside |= (j == 1) | (j == nb + 2)
                qs[i] = np.where(valid > 0, x, np.nan)
            if name in self.log:
                with np.errstate(over="ignore", invalid="ignore"):
                    upper = 10 ** (qs + width[None, :])
                    qs = 10 ** qs
                    gaps = np.where(np.isfinite(qs), upper - qs, 0.0)
                bound = np.max(gaps, axis=0)
            else:
                bound = width.copy()
            result[name] = qs
            result[f"{name}_error_bound"] = np.where(outside, np.inf, bound)
        return result


def _transform(values: NDArray, log: bool) -> NDArray:
    if not log:
        return values
    with np.errstate(divide="ignore", invalid="ignore"):
        logged = np.where(values > 0, np.log10(np.where(values > 0, values, 1.0)), -np.inf)
        return np.where(np.isnan(values), np.nan, logged)


# ----------------------------------------------------------------------------- Sobol over time


class SobolSeries:
    """Chunked first- and total-order Sobol' indices of series, equal to SALib's estimators.

    SALib (on the d + 2 layout A, AB_j, B that first and total order need) centres and scales
    the output by its mean m and sd over those rows, then estimates
    S1_j = mean(B (AB_j - A)) / var([A; B]) and ST_j = mean((A - AB_j)^2) / 2 var([A; B]).
    Scaling cancels; centring adds - m mean(AB_j - A) to the S1 numerator. Every term is a sum
    over base rows, and each bootstrap resample is a count-weighted sum, so chunks of whole
    Saltelli blocks contribute partial sums that add up to the exact estimators.
    """

    def __init__(self, d: int, second_order: bool, n_base: int, num_resamples: int = 100,
                 conf_level: float = 0.95, seed: int = 1) -> None:
        self.d, self.second_order, self.n_base = d, second_order, n_base
        self.num_resamples, self.conf_level, self.seed = num_resamples, conf_level, seed
        r = bootstrap_indices(self.n_base, self.num_resamples, self.seed)
        flat = (np.arange(self.num_resamples)[:, None] * self.n_base + r.T).ravel()
        self.counts = np.bincount(flat, minlength=self.num_resamples * self.n_base).reshape(
            self.num_resamples, self.n_base).astype(float)

    @property
    def step(self) -> int:
        return 2 * self.d + 2 if self.second_order else self.d + 2

    def partial(self, y: NDArray, first_row: int) -> Partial:
        """Sums for rows [first_row, first_row + len(y)) of whole blocks; y is (rows, T)."""
        if first_row % self.step or y.shape[0] % self.step:
            raise ValueError("a chunk must hold whole Saltelli blocks")
        blocks = y.reshape(-1, self.step, y.shape[1])
        b0 = first_row // self.step
        c = self.counts[:, b0:b0 + blocks.shape[0]]
        a, b = blocks[:, 0], blocks[:, self.step - 1]
        ones = np.ones((1, c.shape[1]))
        w = np.vstack([ones, c])  # row 0: the point estimate (every base row once)

        def s(values: NDArray) -> NDArray:
            return w @ values  # (1 + R, T)

        # SALib's centring uses the rows of the (d + 2) layout: A, AB_1..AB_d, B
        used = blocks[:, np.r_[0:self.d + 1, self.step - 1]].reshape(-1, y.shape[1])
        out = {"sum_all": used.sum(axis=0)[None, :],
               "sum_all2": (used * used).sum(axis=0)[None, :],
               "a": s(a), "b": s(b), "a2": s(a * a),
               "b2": s(b * b)}
        for j in range(self.d):
            ab = blocks[:, 1 + j]
            out[f"f1_{j}"] = s(b * (ab - a))
            out[f"d_{j}"] = s(ab - a)
            out[f"ft_{j}"] = s((a - ab) ** 2)
        return out

    def finish(self, total: Partial) -> SobolResult:
        n = self.n_base
        rows = n * (self.d + 2)
        m = total["sum_all"][0] / rows
        s2 = total["sum_all2"][0] / rows - m**2  # SALib's scaling (variance of y)
        s2 = np.where(s2 > 0, s2, 1.0)
        mean_ab = (total["a"] + total["b"]) / (2 * n)
        var = ((total["a2"] + total["b2"]) / (2 * n) - mean_ab**2) / s2  # (1 + R, T), scaled
        z = float(norm.ppf(0.5 + self.conf_level / 2))
        const = var[0] <= EPS**2  # SALib: A and B rows equal to machine precision
        steps = var.shape[1]
        s1, s1c, st, stc = (np.empty((steps, self.d)) for _ in range(4))
        for j in range(self.d):
            num1 = (total[f"f1_{j}"] / n - m * total[f"d_{j}"] / n) / s2
            numt = 0.5 * total[f"ft_{j}"] / n / s2
            v1 = _ratio(num1, var)
            vt = _ratio(numt, var)
            s1[:, j] = np.where(const, 0.0, v1[0])
            st[:, j] = np.where(const, 0.0, vt[0])
            s1c[:, j] = np.where(const, 0.0, z * v1[1:].std(axis=0, ddof=1))
            stc[:, j] = np.where(const, 0.0, z * vt[1:].std(axis=0, ddof=1))
        return SobolResult(s1, s1c, st, stc)


def _ratio(num: NDArray, var: NDArray) -> NDArray:
    return np.divide(num, var, out=np.zeros(np.broadcast(num, var).shape), where=var > EPS)
