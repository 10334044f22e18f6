"""What the leaderboard measures, and how a scenario predicts it.

Observed: month by month, the best MMLU-Pro score of any model released so far minus the best
score among models priced in a band (USD per million output tokens), from the Artificial
Analysis leaderboard (data/llm_mmlu_pro_prices.csv, the paper's empirical check).

Predicted: the model's benchmark gap between the frontier and a user who pays a fixed price per
token in that band (docs/MODEL.md sections 5 and 6): 100 [score(C_s(t)) - score(C_inf(t))], with the
price fixed at the band's geometric centre and t the month's distance from the time grid's start
year (negative before 2025: the paths run backwards at the same growth rates).

Noise: each month's observation is the prediction plus independent Normal noise of scale
sigma (percentage points), sigma itself uncertain (a factor with its own prior), censored at 0
(the best model overall is never behind the best in the band; every observed gap is positive,
so the likelihood is the Normal density). What this
ignores (stated in the README): MMLU-Pro is not MMLU (the sigmoid maps loss to MMLU; the two
share the direction and rough scale of a gap, not its exact size); the monthly maxima are step
functions, so neighbouring months are not independent (sigma absorbs part of that); and the
leaderboard's coverage of cheap models is uneven.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine import empirical

LOG_2PI = math.log(2 * math.pi)


class CalibrationError(ValueError):
    """Data or settings a calibration cannot use; the message names the key and the value."""


@dataclass(frozen=True)
class Observations:
    """Observed monthly gaps (percentage points) with their months."""

    months: tuple[str, ...]
    years: np.ndarray     # decimal years (month start)
    gap: np.ndarray       # percentage points
    band: tuple[float, float]
    source: str

    @property
    def price_per_token_usd(self) -> float:
        """The band's geometric centre, per token."""
        return math.sqrt(self.band[0] * self.band[1]) / 1e6

    def times(self, start_year: float) -> np.ndarray:
        return self.years - start_year

    def subset(self, keep: np.ndarray) -> Observations:
        return Observations(tuple(np.asarray(self.months)[keep]), self.years[keep],
                            self.gap[keep], self.band, self.source)


def in_window(window: Sequence[str], months: Sequence[Any], key: str = "calibrate"
              ) -> np.ndarray:
    """Which ``months`` (pandas monthly periods) lie within ``window`` (two inclusive months
    such as '2024-01'); a window that is not two such months is refused naming ``key``."""
    try:
        lo, hi = (pd.Period(w, freq="M") for w in window)
    except (ValueError, TypeError):
        raise CalibrationError(f"{key}.window={list(window)!r}: months look like "
                               "'2024-01'") from None
    return np.array([lo <= m <= hi for m in months], dtype=bool)


def leaderboard(path: Path, price_column: str, band: tuple[float, float],
                window: tuple[str, str] | None = None) -> Observations:
    """The observed monthly gaps within ``window`` (inclusive months, or every month)."""
    try:
        board = empirical.load_leaderboard(path, price_column, key="calibrate")
    except empirical.DataError as err:
        raise CalibrationError(str(err)) from None
    table = empirical.monthly_gap(board, price_column, band).dropna(subset=["gap"])
    if table.empty:
        raise CalibrationError(f"calibrate.band={[float(b) for b in band]!r}: no scored model in "
                               f"{str(path)!r} is priced in this band ({price_column}); widen "
                               "the band")
    months = [str(m) for m in table.index]
    if window is not None:
        keep = list(in_window(window, [pd.Period(m, freq="M") for m in months]))
        table = table[keep]
        months = [m for m, k in zip(months, keep, strict=True) if k]
    if table.empty:
        raise CalibrationError(f"calibrate.window={list(window) if window else None!r}: no "
                               f"observed month (a model in the band {list(band)!r}) in it")
    years = np.array([int(m[:4]) + (int(m[5:7]) - 1) / 12 for m in months])
    return Observations(tuple(months), years, table["gap"].to_numpy(dtype=float),
                        (float(band[0]), float(band[1])), str(path))


def log_likelihood(predicted: np.ndarray, observed: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Log likelihood of ``observed`` (M,) for predictions (n, M) with noise scales (n,):
    Normal densities for positive observations, the censored mass P(pred + noise <= 0) for
    observations at 0; -inf where a prediction is undefined."""
    from scipy.special import log_ndtr

    r = (observed[None, :] - predicted) / sigma[:, None]
    dens = -0.5 * r * r - np.log(sigma)[:, None] - 0.5 * LOG_2PI
    censored = log_ndtr(-predicted / sigma[:, None])
    ll = np.sum(np.where(observed[None, :] > 0, dens, censored), axis=1)
    return np.where(np.isfinite(ll), ll, -np.inf)


def reaches(predicted: np.ndarray, observed: np.ndarray, sigma_max: float) -> np.ndarray:
    """Which predictions come within 3 of the largest noise scales of every observed month."""
    return np.all(np.abs(observed[None, :] - predicted) < 3.0 * sigma_max, axis=1)
