"""Simulation-based calibration (Talts et al. 2018, in its interval form): draw a parameter point
from the prior, draw observations from it with the same noise model, calibrate, and count how
often each posterior interval holds the point. A calibrated posterior's 90% intervals hold it in
about 90% of replicates; an over-confident one in fewer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.calibration import smc
from engine.calibration.observation import Observations
from engine.calibration.study import Model
from engine.designs import make_design
from engine.priors import PriorSet

#: the parameters the leaderboard informs (see the README's calibration results)
INFORMED = ("g_inf", "inference_compute_multiplier", "noise_sigma_pp", "g_alg")
#: the same for the levels likelihood (engine.calibration.levels)
INFORMED_LEVELS = ("g_inf", "g_alg", "g_inv", "inference_compute_multiplier", "mmlu_pro_noise_pp",
                   "mmlu_pro_slope", "gpqa_diamond_slope", "gpqa_diamond_midpoint")


def synthetic(model: Model, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A unit-hypercube point drawn from the prior (1, d), and gaps drawn from it with the model's
    noise (Normal, censored at 0)."""
    rng = np.random.default_rng(seed)
    truth = rng.random((1, model.priors.columns))
    pred, sigma = model.predict(truth)
    return truth, np.maximum(pred[0] + rng.normal(size=pred.shape[1]) * sigma[0], 0.0)


def interval(post: smc.Posterior, priors: PriorSet, name: str,
             level: float = 0.9) -> tuple[float, float]:
    """The central ``level`` interval of parameter ``name`` under the weighted particles."""
    values = priors.map(post.unit)[name]
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(post.weights[order])
    lo, hi = np.searchsorted(cum, [(1 - level) / 2, (1 + level) / 2])
    return float(values[order][lo]), float(values[order][min(hi, len(values) - 1)])


@dataclass(frozen=True)
class Coverage:
    hits: dict[str, int]
    replicates: int

    @property
    def overall(self) -> float:
        return sum(self.hits.values()) / (self.replicates * len(self.hits))


def coverage(model: Model, obs: Observations, replicates: int, particles: int, *,
             names: Sequence[str] = INFORMED, level: float = 0.9, seed: int = 1000,
             mcmc_steps: int = 4) -> Coverage:
    """How many of ``replicates`` synthetic datasets' posterior ``level`` intervals hold the
    parameter point each was drawn from, per parameter."""
    def draw(s: int) -> tuple[np.ndarray, Observations]:
        truth, gap = synthetic(model, s)
        return truth, Observations(obs.months, obs.years, gap, obs.band, "synthetic")
    return _coverage(model, draw, replicates, particles, names, level, seed, mcmc_steps)


def _coverage(model: Any, draw: Any, replicates: int, particles: int, names: Sequence[str],
              level: float, seed: int, mcmc_steps: int) -> Coverage:
    """The replicates of :func:`coverage` and :func:`coverage_levels`: ``draw(seed)`` gives a
    true unit point and the data drawn from it, which replace ``model.obs`` while the posterior
    is computed (restored after)."""
    obs = model.obs
    hits = {name: 0 for name in names}
    try:
        for rep in range(replicates):
            truth, model.obs = draw(seed + rep)
            unit = make_design("mc", particles, model.priors.columns, rep).unit_rows(0, particles)
            post = smc.temper(model.loglik, unit, seed=rep, ess_fraction=0.5,
                              mcmc_steps=mcmc_steps)
            true_values = model.priors.map(truth)
            for name in names:
                lo, hi = interval(post, model.priors, name, level)
                hits[name] += int(lo <= true_values[name][0] <= hi)
    finally:
        model.obs = obs
    return Coverage(hits, replicates)


def synthetic_levels(model: Any, seed: int) -> tuple[np.ndarray, Any]:
    """A unit-hypercube point drawn from the prior (1, d) and a leaderboard drawn from it: a new
    record (prediction plus noise) at each of the observed record months, NaN elsewhere, so the
    synthetic records fall in the same months as the real ones."""
    from dataclasses import replace

    from engine.calibration.levels import simulate

    rng = np.random.default_rng(seed)
    truth = rng.random((1, model.priors.columns))
    rec = model.obs.record
    draw = simulate(model, truth, model.obs.years, rng)[0]
    return truth, replace(model.obs, level=np.where(rec, draw, np.nan), source="synthetic")


def coverage_levels(model: Any, replicates: int, particles: int, *,
                    names: Sequence[str] = INFORMED_LEVELS, level: float = 0.9, seed: int = 1000,
                    mcmc_steps: int = 4) -> Coverage:
    """:func:`coverage` for the levels likelihood (a :class:`~.levels.LevelModel`)."""
    records = model.obs.record

    def draw(s: int) -> tuple[np.ndarray, Any]:
        truth, synthetic = synthetic_levels(model, s)
        assert (synthetic.record == records).all()
        return truth, synthetic
    return _coverage(model, draw, replicates, particles, names, level, seed, mcmc_steps)
