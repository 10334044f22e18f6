"""A forecast score: rolling-origin hold-out of the leaderboard gaps, against two naive forecasts.

For each origin month o (from the ``first``-th month with every benchmark's gap on, to the
second-to-last), the calibration is run again on the months up to o only, and the gap of each
benchmark is forecast for the months o + 1 to o + ``horizons`` that the data hold. The forecast of
month j draws from the posterior and, for each draw, a new record on each side (prediction plus
noise, :func:`.levels.simulate`); a side's forecast level is the larger of that record and the
side's level observed at o (a running maximum cannot fall), the frontier's at least the band's
(the band's models are among all models), and the gap is their difference (never negative, as
the observed gap).

Scores, over every (origin, month) pair:

* coverage: the share of held-out gaps inside the forecast's central 90% band;
* CRPS (continuous ranked probability score, in percentage points; lower is better; for a point
  forecast it is the absolute error), from the forecast draws by the pairwise form
  E|X - y| - E|X - X'| / 2 (Gneiting and Raftery 2007, eq. 20).

The naive forecasts use only the gaps observed up to o:

* ``persistence``: the last gap, with a Normal spread of the observed month-to-month changes'
  standard deviation times sqrt(h) at h months ahead (a random walk);
* ``trend``: a least-squares line through the observed gaps, with the Normal prediction band of
  ordinary least squares (residual standard deviation times sqrt(1 + 1/n + (x - xbar)^2 / Sxx)).

Their CRPS is the Normal's closed form, their coverage the share inside mean +- 1.645 sd.

Reference: T. Gneiting, A. E. Raftery (2007), Strictly proper scoring rules, prediction, and
estimation, doi:10.1198/016214506000001437.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from engine.calibration.levels import LevelModel, Levels, simulate
from engine.calibration.smc import Posterior, systematic

FORECASTERS = ("persistence", "trend")
Z90 = float(norm.ppf(0.95))


def crps_sample(draws: np.ndarray, y: float) -> float:
    """CRPS of an ensemble ``draws`` (n,) at the outcome y.

    Example
    -------
    >>> crps_sample(np.array([1.0]), 3.0)  # a point forecast: the absolute error
    2.0
    """
    x = np.sort(np.asarray(draws, dtype=float))
    n = len(x)
    spread = 2.0 * np.sum((2.0 * np.arange(1, n + 1) - n - 1) * x) / (n * n)
    return float(np.mean(np.abs(x - y)) - 0.5 * spread)


def crps_normal(mu: float, sd: float, y: float) -> float:
    """CRPS of Normal(mu, sd) at y (Gneiting and Raftery 2007, eq. 21); |y - mu| at sd = 0.

    Example
    -------
    >>> round(crps_normal(0.0, 1.0, 0.0), 6)  # (sqrt 2 - 1) / sqrt pi
    0.233695
    """
    if not sd > 0:
        return abs(y - mu)
    z = (y - mu) / sd
    return float(sd * (z * (2.0 * norm.cdf(z) - 1.0) + 2.0 * norm.pdf(z)
                       - 1.0 / math.sqrt(math.pi)))


def naive(gaps: np.ndarray, x: np.ndarray, x_new: float, forecaster: str) -> tuple[float, float]:
    """Mean and standard deviation of a naive forecast at month index ``x_new`` from the gaps
    observed at month indices ``x``."""
    h = x_new - x[-1]
    if forecaster == "persistence":
        steps = np.diff(gaps) / np.sqrt(np.diff(x))
        sd = float(np.std(steps, ddof=1)) if len(steps) > 1 else 0.0
        return float(gaps[-1]), sd * math.sqrt(h)
    if forecaster == "trend":
        n = len(x)
        xbar = x.mean()
        sxx = float(np.sum((x - xbar) ** 2))
        slope = float(np.sum((x - xbar) * (gaps - gaps.mean())) / sxx)
        mu = float(gaps.mean() + slope * (x_new - xbar))
        resid = gaps - (gaps.mean() + slope * (x - xbar))
        s = float(np.sqrt(np.sum(resid ** 2) / (n - 2))) if n > 2 else 0.0
        return mu, s * math.sqrt(1.0 + 1.0 / n + (x_new - xbar) ** 2 / sxx)
    raise ValueError(f"forecaster={forecaster!r}: allowed: {', '.join(FORECASTERS)}")


@dataclass
class Scores:
    """Hold-out scores (benchmark, origin, horizon), NaN where the data end before the month."""

    origins: list[str]
    horizons: int
    covered: np.ndarray        # (B, O, H) 1 inside the 90% band, 0 outside
    crps: np.ndarray           # (B, O, H)
    naive_covered: np.ndarray  # (B, F, O, H)
    naive_crps: np.ndarray     # (B, F, O, H)
    quantiles: np.ndarray      # (B, O, H, 3): 5%, 50%, 95% of the forecast
    observed: np.ndarray       # (B, O, H)

    def coverage(self) -> np.ndarray:
        return np.nanmean(self.covered, axis=(1, 2))

    def mean_crps(self) -> np.ndarray:
        return np.nanmean(self.crps, axis=(1, 2))

    def naive_coverage(self) -> np.ndarray:
        return np.nanmean(self.naive_covered, axis=(2, 3))

    def naive_mean_crps(self) -> np.ndarray:
        return np.nanmean(self.naive_crps, axis=(2, 3))

    @property
    def forecasts(self) -> int:
        return int(np.sum(np.isfinite(self.crps[0])))


def rolling_origin(obs: Levels, model_for: Callable[[Levels], LevelModel],
                   fit: Callable[[LevelModel, int], Posterior], *, first: int = 9,
                   horizons: int = 6, draws: int = 2000, seed: int = 0) -> Scores:
    """Fit up to each origin (``fit(model, origin_index)``) and score the forecasts of the next
    ``horizons`` months (see the module docstring)."""
    months = obs.gap_months
    origins = [int(o) for o in months[first - 1:-1]]
    nb = len(obs.benchmarks)
    shape = (nb, len(origins), horizons)
    covered, crps = np.full(shape, np.nan), np.full(shape, np.nan)
    observed = np.full(shape, np.nan)
    quant = np.full(shape + (3,), np.nan)
    ncov = np.full((nb, len(FORECASTERS)) + shape[1:], np.nan)
    ncrps = np.full_like(ncov, np.nan)
    gap = obs.gap
    for k, o in enumerate(origins):
        past = obs.upto(o)
        model = model_for(past)
        post = fit(model, k)
        rng = np.random.default_rng([seed, 0x0D, k])
        idx = systematic(rng, post.weights, draws)
        targets = [j for j in months if o < j <= o + horizons]
        if not targets:
            continue
        new = simulate(model, post.unit[idx], obs.years[targets], rng)  # (n, B, 2, T)
        last = obs.level[:, :, o]                                          # (B, 2)
        level = np.maximum(new, last[None, :, :, None])
        # the best overall is at least the best in the band (the band's models are in it)
        fc = np.maximum(level[:, :, 0], level[:, :, 1]) - level[:, :, 1]  # (n, B, T)
        seen = [j for j in months if j <= o]
        x = np.asarray(seen, dtype=float)
        for ti, j in enumerate(targets):
            h = j - o - 1
            for b in range(nb):
                y = float(gap[b, j])
                d = fc[:, b, ti]
                d = d[np.isfinite(d)]
                lo, mid, hi = np.quantile(d, [0.05, 0.5, 0.95])
                quant[b, k, h] = lo, mid, hi
                covered[b, k, h] = float(lo <= y <= hi)
                crps[b, k, h] = crps_sample(d, y)
                observed[b, k, h] = y
                for f, name in enumerate(FORECASTERS):
                    mu, sd = naive(gap[b, seen], x, float(j), name)
                    ncov[b, f, k, h] = float(abs(y - mu) <= Z90 * sd)
                    ncrps[b, f, k, h] = crps_normal(mu, sd, y)
    return Scores([obs.months[o] for o in origins], horizons, covered, crps, ncov, ncrps,
                  quant, observed)
