"""The leaderboard's levels and gaps on unsaturated benchmarks, and how a scenario predicts them.

Observed (data/llm_mmlu_pro_prices.csv, the Artificial Analysis leaderboard): for each benchmark
(MMLU-Pro, GPQA Diamond) and each month, the best score of any model released so far (the
*frontier* side) and the best among models priced in a band of USD per million output tokens (the
*band* side), in percentage points; their difference is the gap.

Predicted: 100 score_b(C) with :func:`engine.model.benchmarks.score`, C the frontier's effective
compute ``Paths.frontier(t)`` on the frontier side and the fixed-price user's
``Paths.inference(t)`` on the band side (price at the band's geometric centre), t the month's
distance from the calendar year of t = 0. The benchmark's ceiling, midpoint and slope are
calibration parameters named as in the model registry (``mmlu_pro_ceiling``, ...; priors from
``BENCHMARKS[b].priors``, data/BENCHMARKS.md), inferred jointly with the growth rates; the floor
is the benchmark's chance level. Each benchmark has its own noise scale ``<b>_noise_pp`` (prior
``noise_pp``: the scatter of the leaderboard's models around the fitted logistic).

*Running maxima: only record months are fitted.* A side's monthly level is a running maximum: it
changes only in a month when a model beats the previous best, and in every other month it repeats
a number already seen. Treating the repeats as fresh observations counts one release several
times (and the more slowly records fall, the more often). So the likelihood holds, for each
benchmark and side, the *record months*: the first month with a score and every month whose
level differs from the month before. A record's value is the score of a model released that
month, an observation of the side's capability at that month (prediction plus Normal noise of
the benchmark's scale, independent between records). Repeated months add nothing, so inserting
a month without a new record leaves the likelihood, and the posterior, bit for bit unchanged
(tests/test_calibration_levels.py). The alternative, an autocorrelated noise over all months,
needs a model of how long a record stands (the release process) to say how strongly repeats are
correlated; the record months need none. The price: months without a release carry no
information that capability did *not* rise (a censoring term this likelihood leaves out).

The gap is in the likelihood through the levels: (frontier, band) and (frontier, gap) are the
same observations under a linear map with Jacobian 1; fitting the gap again would count each
record twice. The predictive checks and the hold-out forecasts (:mod:`.holdout`) are on the gap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine import empirical
from engine.calibration.observation import LOG_2PI, CalibrationError, in_window
from engine.model import params as mp
from engine.model.benchmarks import BENCHMARKS, score
from engine.model.paths import Paths
from engine.priors import PriorSet, make_prior
from engine.priors.fixed import Fixed
from engine.simulators import Simulator

#: The leaderboard column of each benchmark's score (percent).
COLUMNS = {"mmlu_pro": "mmlu_pro_pct", "gpqa_diamond": "gpqa_diamond_pct"}
SIDES = ("frontier", "band")
#: Calibration parameters of each benchmark (the model registry's names, plus the noise).
KEYS = ("ceiling", "midpoint", "slope", "noise_pp")
SOURCE = "data/BENCHMARKS.md (engine.model.benchmarks.BENCHMARKS)"


def parameter(benchmark: str, key: str) -> str:
    """The calibration parameter's name, e.g. ``mmlu_pro_ceiling``."""
    return f"{benchmark}_{key}"


@dataclass(frozen=True)
class Levels:
    """Monthly levels (benchmark, side, month) in percent, NaN where a side has no score yet."""

    benchmarks: tuple[str, ...]
    months: tuple[str, ...]
    years: np.ndarray      # (M,) decimal years (month start)
    level: np.ndarray      # (B, 2, M) percent
    band: tuple[float, float]
    source: str
    #: (B, 2, M) records found on the whole leaderboard before a window cut it (a window's first
    #: month is a record only if a model released in it set one); None: from ``level``
    records: np.ndarray | None = None

    @property
    def price_per_token_usd(self) -> float:
        """The band's geometric centre, per token."""
        return math.sqrt(self.band[0] * self.band[1]) / 1e6

    @property
    def gap(self) -> np.ndarray:
        """(B, M) frontier minus band, NaN where either is missing."""
        return self.level[:, 0] - self.level[:, 1]

    @property
    def record(self) -> np.ndarray:
        """(B, 2, M) True at a side's first scored month and wherever its level changes."""
        lv = self.level
        if self.records is not None:
            return self.records & np.isfinite(lv)
        return changes(lv)

    @property
    def gap_months(self) -> np.ndarray:
        """Indices of the months where every benchmark's gap is defined."""
        return np.nonzero(np.all(np.isfinite(self.gap), axis=0))[0]

    def upto(self, last: int) -> Levels:
        """The observations of months [0, last] (a forecast's origin)."""
        return replace(self, months=self.months[:last + 1], years=self.years[:last + 1],
                       level=self.level[..., :last + 1],
                       records=None if self.records is None else self.records[..., :last + 1])


def changes(level: np.ndarray) -> np.ndarray:
    """True where a running maximum (..., M) is first defined or differs from the month before.

    Example
    -------
    >>> changes(np.array([np.nan, 3.0, 3.0, 5.0])).tolist()
    [False, True, False, True]
    """
    prev = np.concatenate([np.full(level.shape[:-1] + (1,), np.nan), level[..., :-1]], axis=-1)
    return np.isfinite(level) & ~(prev == level)


def _month_year(m: pd.Period) -> float:
    return m.year + (m.month - 1) / 12


def leaderboard(path: str | Path, price_column: str, band: tuple[float, float],
                benchmarks: Sequence[str], window: tuple[str, str] | None = None, *,
                key: str = "calibrate") -> Levels:
    """The monthly levels of ``benchmarks`` from the leaderboard CSV (months from the first
    scored release to the last release; within ``window`` if given). ``key``: the section the
    messages name."""
    for b in benchmarks:
        if b not in COLUMNS:
            raise CalibrationError(f"{key}.benchmarks={list(benchmarks)!r}: {b!r} is not a "
                                   f"benchmark of the leaderboard; allowed: {', '.join(COLUMNS)}")
    if len(benchmarks) == 0 or len(set(benchmarks)) != len(benchmarks):
        raise CalibrationError(f"{key}.benchmarks={list(benchmarks)!r}: give at least one, "
                               "each once")
    try:
        board = empirical.load_leaderboard(path, price_column, key=key)
    except empirical.DataError as err:
        raise CalibrationError(str(err)) from None
    lo, hi = band
    for b in benchmarks:
        if COLUMNS[b] not in board.columns:
            raise CalibrationError(f"{key}.data={str(path)!r}: column {COLUMNS[b]!r} "
                                   f"(benchmark {b}) is missing")
    scored_any = board[np.any([board[COLUMNS[b]].notna() for b in benchmarks], axis=0)]
    if scored_any.empty:
        raise CalibrationError(f"{key}.data={str(path)!r}: no model has a score")
    months = pd.period_range(scored_any["release_date"].min(), board["release_date"].max(),
                             freq="M")
    level = np.full((len(benchmarks), 2, len(months)), np.nan)
    price = board[price_column]
    in_band = (price > 0) & (price >= lo) & (price <= hi)
    for i, b in enumerate(benchmarks):
        col = board[COLUMNS[b]]
        for side, rows in ((0, col.notna()), (1, col.notna() & in_band)):
            best = col[rows].groupby(board.loc[rows, "release_date"]).max()
            monthly = (best.reindex(months).cummax().ffill() if len(best)
                       else pd.Series(np.nan, months))
            level[i, side] = monthly.to_numpy(dtype=float)
    if not np.any(np.isfinite(level[:, 1])):
        raise CalibrationError(f"{key}.band={[float(b) for b in (lo, hi)]!r}: no scored model in "
                               f"{str(path)!r} is priced in this band ({price_column}); widen "
                               "the band")
    keep = np.ones(len(months), dtype=bool)
    if window is not None:
        keep = in_window(window, list(months), key)
    if not np.any(keep & np.all(np.isfinite(level[:, 0] - level[:, 1]), axis=0)):
        raise CalibrationError(f"{key}.window={list(window) if window else None!r}: no "
                               f"month with a model in the band {list(band)!r} and a score on "
                               f"every benchmark of {list(benchmarks)!r}")
    records = changes(level)[..., keep]
    months = months[keep]
    return Levels(tuple(benchmarks), tuple(str(m) for m in months),
                  np.array([_month_year(m) for m in months]), level[..., keep],
                  (float(lo), float(hi)), str(path), records)


CALIBRATION_NAMES = frozenset(f"{b}_{k}" for b in BENCHMARKS for k in KEYS)


def benchmark_priors(benchmarks: Sequence[str]) -> dict[str, Any]:
    """The calibration parameters' prior specs, from ``BENCHMARKS[b].priors``."""
    out = {}
    for b in benchmarks:
        for key in KEYS:
            out[parameter(b, key)] = {**BENCHMARKS[b].priors[key], "source": SOURCE}
    return out


def observation_priors(priors: PriorSet, obs: Levels) -> PriorSet:
    """The model's priors, the user's price fixed at the band's centre, and the benchmarks'
    calibration parameters (appended after the model's columns)."""
    merged = dict(priors.priors)
    merged["price_per_token_usd"] = Fixed("price_per_token_usd", obs.price_per_token_usd)
    merged["price_per_token_usd"].source = f"the observed price band {list(obs.band)} USD/Mtok"
    for name, spec in benchmark_priors(obs.benchmarks).items():
        if name in merged:
            continue  # a model parameter of that name (the capability layer) keeps its prior
        merged[name] = make_prior(name, spec)
    return PriorSet(merged, priors.derivations, priors.defaults)  # derived parameters kept


def calibration_only(priors: PriorSet, simulator: Simulator) -> list[str]:
    """The calibration's own priors: the benchmarks' noise, and their logistic while the model
    does not carry it. Not the model's drivers (sota_compute_flop, max_training_spend_usd, ...),
    which are the run's priors even though the simulator takes what is derived from them."""
    known = set(simulator.parameters)
    return [p.name for p in priors if p.name in CALIBRATION_NAMES and p.name not in known]


class LevelModel:
    """Predicted levels of the observed months for rows of the unit hypercube.

    The paths are computed in-process with :class:`engine.model.paths.Paths` (a few array
    operations per particle: the kernel's series are not needed), so the SMC's thousands of
    likelihood calls cost milliseconds each.
    """

    def __init__(self, simulator: Simulator, priors: PriorSet, obs: Levels,
                 start_year: float) -> None:
        self.simulator, self.priors, self.obs, self.start_year = simulator, priors, obs, start_year
        options = getattr(simulator, "options", None)
        self.inference = str(getattr(options, "inference", "paper"))
        self.defaults = simulator.defaults

    def parameters(self, unit: np.ndarray) -> dict[str, np.ndarray]:
        drawn = self.priors.map(unit)
        n = len(unit)
        return {**{k: np.broadcast_to(np.asarray(v, float), (n,)) for k, v in
                   self.defaults.items()}, **drawn}

    def log_compute(self, values: dict[str, np.ndarray], years: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(n, M) ln effective compute of the frontier and of the band's user; (n,) validity."""
        p = mp.Params(**{k: np.asarray(values[k], dtype=float)[:, None] for k in mp.NAMES})
        paths = Paths(p, self.inference)
        t = np.asarray(years, dtype=float) - self.start_year
        n = len(values[mp.NAMES[0]])
        front = np.broadcast_to(paths.frontier(t), (n, len(t)))
        band = np.broadcast_to(paths.inference(t), (n, len(t)))
        return front, band, (mp.domain_reason(p) == 0).reshape(n)

    def predict(self, unit: np.ndarray, years: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
        """Predicted levels (n, B, 2, M) in percent and noise scales (n, B)."""
        years = self.obs.years if years is None else years
        v = self.parameters(unit)
        front, band, valid = self.log_compute(v, years)
        n, nb = len(unit), len(self.obs.benchmarks)
        out = np.empty((n, nb, 2, len(years)))
        sigma = np.empty((n, nb))
        for i, b in enumerate(self.obs.benchmarks):
            args = [v[parameter(b, k)][:, None] for k in ("ceiling", "midpoint", "slope")]
            floor = BENCHMARKS[b].floor
            with np.errstate(invalid="ignore"):
                out[:, i, 0] = 100.0 * score(front, floor, *args)
                out[:, i, 1] = 100.0 * score(band, floor, *args)
            sigma[:, i] = v[parameter(b, "noise_pp")]
        out[~valid] = np.nan
        return out, sigma

    def loglik(self, unit: np.ndarray) -> np.ndarray:
        """Normal log densities of every record (per percentage point), summed."""
        pred, sigma = self.predict(unit)
        return records_loglik(pred, sigma, self.obs.level, self.obs.record)

    def check_support(self, unit: np.ndarray) -> None:
        """Refuse priors under which no draw comes within 3 noise scales of every record."""
        pred, sigma = self.predict(unit)
        rec = self.obs.record
        r = np.abs(self.obs.level[None] - pred) / sigma[:, :, None, None]
        ok = np.all(np.where(rec[None], r < 3.0, True), axis=(1, 2, 3))
        if not ok.any():
            raise CalibrationError(
                f"priors: none of {len(unit):,} prior draws comes within 3 noise scales of "
                f"every record month of calibrate.data={self.obs.source!r}; the priors "
                "exclude what the data show")


def records_loglik(pred: np.ndarray, sigma: np.ndarray, level: np.ndarray, record: np.ndarray
                   ) -> np.ndarray:
    """Sum over the records of Normal log densities of ``level`` (B, 2, M) given predictions
    (n, B, 2, M) and scales (n, B); -inf where a prediction is undefined."""
    b, s, m = np.nonzero(record)
    y = level[b, s, m][None, :]
    mu = pred[:, b, s, m]
    sd = sigma[:, b]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # a scale of 0 (a prior's quantile 0 at the cube's face) is a zero likelihood
        r = (y - mu) / sd
        ll = np.sum(-0.5 * r * r - np.log(sd) - 0.5 * LOG_2PI, axis=1)
    return np.where(np.isfinite(ll) & np.all(sd > 0, axis=1), ll, -np.inf)


def simulate(model: LevelModel, unit: np.ndarray, years: np.ndarray,
             rng: np.random.Generator) -> np.ndarray:
    """(n, B, 2, M) a new record at each month for each row: prediction plus its noise."""
    pred, sigma = model.predict(unit, years)
    return pred + rng.normal(size=pred.shape) * sigma[:, :, None, None]
