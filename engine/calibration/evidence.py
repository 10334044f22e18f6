"""Structural choices compared by their evidence: log Z per alternative and log Bayes factors.

Each alternative is a likelihood over its own unit hypercube (its priors' inverse CDFs inside),
for the *same* observations: for instance the model with ``inference=paper`` against
``inference=price_decline``, or ``priors.scaling_law=hoffmann`` against ``besiroglu``. The
tempered SMC of :mod:`.smc` runs for every alternative and seed; its evidence estimate is
unbiased for Z on the linear scale, so the runs of one alternative pool as the mean of their
Z. Two Monte Carlo errors of the pooled log Z are computed and the larger is reported:

* islands: every run's islands are independent SMC samplers given the run's schedule, so the
  spread of Z over all R x K islands, over sqrt(R K), is the delta-method error of log Z;
* seeds: the spread of the R runs' Z over sqrt(R), which also holds what the islands share (the
  tempering schedule and the proposals), but is itself rough with a few seeds.

The log Bayes factor of alternative a against the reference is log Z_a - log Z_ref, with the
errors added in quadrature (the alternatives' runs are independent). On the scale of Kass and
Raftery (1995), a log Bayes factor above 3 (a factor 20) is strong evidence and above 5 (150)
very strong, as long as its Monte Carlo error is small against it.

References
----------
R. E. Kass, A. E. Raftery (1995), Bayes factors, doi:10.1080/01621459.1995.10476572.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from scipy.special import logsumexp

from engine.calibration import smc
from engine.calibration.observation import CalibrationError, Observations
from engine.designs import make_design


@dataclass(frozen=True)
class Alternative:
    """One structural choice: a log likelihood of rows of its unit hypercube (m, columns) ->
    (m,), whose prior is the uniform distribution on that cube."""

    name: str
    loglik: Callable[[np.ndarray], np.ndarray]
    columns: int
    description: str = ""


def from_calibration(name: str, simulator: Any, priors: Any, obs: Observations,
                     noise: Mapping[str, Any], start_year: float, *, chunk_size: int = 8192,
                     description: str = "") -> Alternative:
    """The calibration's likelihood of ``obs`` under a simulator and priors, as an alternative
    (the same observation model as ``experiment=calibrate``)."""
    from engine.calibration import study

    cal = study.observation_priors(priors, obs, dict(noise))
    model = study.Model(simulator, cal, obs, start_year, chunk_size)
    return Alternative(name, model.loglik, cal.columns, description)


def from_levels(name: str, simulator: Any, priors: Any, obs: Any, start_year: float, *,
                description: str = "") -> Alternative:
    """The likelihood of the leaderboard's records (:mod:`.levels`: both sides of each
    benchmark, the benchmarks' logistics among the parameters) as an alternative."""
    from engine.calibration import levels

    cal = levels.observation_priors(priors, obs)
    model = levels.LevelModel(simulator, cal, obs, start_year)
    return Alternative(name, model.loglik, cal.columns, description)


def _log_mean_exp(x: np.ndarray) -> float:
    return float(logsumexp(x) - math.log(len(x)))


def _relative_se(log_z: np.ndarray) -> float:
    """Delta-method standard error of log(mean Z) from independent estimates log Z_i."""
    if len(log_z) < 2 or not np.isfinite(log_z).any():
        return math.nan
    ratio = np.exp(log_z - _log_mean_exp(log_z))
    return float(np.std(ratio, ddof=1) / math.sqrt(len(log_z)))


def compare(alternatives: Sequence[Alternative], *, particles: int,
            seeds: Sequence[int] = (0, 1, 2), reference: str | None = None,
            **temper_options: Any) -> xr.Dataset:
    """Run the SMC for every alternative and seed; log evidence per alternative with its Monte
    Carlo error, and log Bayes factors against ``reference`` (the first alternative if None).

    Parameters
    ----------
    alternatives : sequence of Alternative
        Distinct names; each its own likelihood of the same observations.
    particles : int
        SMC particles per run (prior draws: the Monte Carlo design of each seed).
    seeds : sequence of int
        One run per seed and alternative.
    reference : str, optional
        The alternative the Bayes factors are taken against.
    **temper_options
        Passed to :func:`.smc.temper` (ess_fraction, islands, decorrelation, ...).

    Returns
    -------
    xarray.Dataset
        ``log_evidence``, ``log_evidence_mcse`` (and both of its parts), ``log_bayes_factor``,
        ``log_bayes_factor_mcse`` over ``alternative``; every run's ``run_log_evidence`` and
        ``run_log_evidence_mcse`` over (alternative, seed).

    Example
    -------
    >>> from scipy.stats import norm
    >>> y = np.array([0.2, 0.4, 0.6])
    >>> line = Alternative("line", lambda u: norm.logpdf(y, 0.2 * np.arange(1, 4) * u[:, :1],
    ...                                                  0.05).sum(axis=1), 1)
    >>> flat = Alternative("flat", lambda u: norm.logpdf(y, u[:, :1], 0.05).sum(axis=1), 1)
    >>> ds = compare([flat, line], particles=400, seeds=(0, 1))
    >>> bool(ds["log_bayes_factor"].sel(alternative="line") > 10)
    True
    """
    names = [a.name for a in alternatives]
    if not names or len(set(names)) != len(names):
        raise CalibrationError(f"alternatives={names!r}: give at least one, with distinct names")
    reference = names[0] if reference is None else reference
    if reference not in names:
        raise CalibrationError(f"reference={reference!r}: not one of the alternatives "
                               f"{', '.join(names)}")
    if len(seeds) < 1 or len(set(seeds)) != len(seeds):
        raise CalibrationError(f"seeds={list(seeds)!r}: give at least one, all different")
    runs = np.full((len(names), len(seeds)), np.nan)
    runs_se = np.full_like(runs, np.nan)
    islands_of: list[np.ndarray] = []
    moves = np.zeros_like(runs)
    capped = np.zeros(runs.shape, dtype=np.int8)
    for i, alt in enumerate(alternatives):
        pooled = []
        for j, seed in enumerate(seeds):
            unit = make_design("mc", particles, alt.columns, seed).unit_rows(0, particles)
            post = smc.temper(alt.loglik, unit, seed=seed, **temper_options)
            runs[i, j], runs_se[i, j] = post.log_evidence, post.log_evidence_mcse
            moves[i, j] = sum(st["moves"] for st in post.stages)
            capped[i, j] = int(any(st["capped"] for st in post.stages))
            pooled.append(np.asarray(post.island_log_evidence, dtype=float))
        islands_of.append(np.concatenate(pooled))
    log_z = np.array([_log_mean_exp(r) for r in runs])
    se_islands = np.array([_relative_se(z) for z in islands_of])
    se_seeds = np.array([_relative_se(r) for r in runs])
    se = np.fmax(se_islands, se_seeds)
    ref = names.index(reference)
    log_bf = log_z - log_z[ref]
    log_bf_se = np.sqrt(se ** 2 + se[ref] ** 2)
    log_bf_se[ref] = 0.0
    one = {"units": "1"}
    return xr.Dataset(
        {
            "log_evidence": ("alternative", log_z, {
                "long_name": "log evidence (log of the mean of the runs' Z)", **one}),
            "log_evidence_mcse": ("alternative", se, {
                "long_name": "Monte Carlo standard error of log_evidence (the larger of the "
                             "islands' and the seeds' estimate)", **one}),
            "log_evidence_mcse_islands": ("alternative", se_islands, {
                "long_name": "standard error of log_evidence from the spread of every run's "
                             "islands", **one}),
            "log_evidence_mcse_seeds": ("alternative", se_seeds, {
                "long_name": "standard error of log_evidence from the spread of the seeds' "
                             "runs", **one}),
            "log_bayes_factor": ("alternative", log_bf, {
                "long_name": f"log Bayes factor against {reference}", **one}),
            "log_bayes_factor_mcse": ("alternative", log_bf_se, {
                "long_name": "Monte Carlo standard error of log_bayes_factor", **one}),
            "run_log_evidence": (("alternative", "seed"), runs, {
                "long_name": "log evidence of each run", **one}),
            "run_log_evidence_mcse": (("alternative", "seed"), runs_se, {
                "long_name": "Monte Carlo standard error of each run's log evidence (its "
                             "islands)", **one}),
            "run_moves": (("alternative", "seed"), moves, {
                "long_name": "Metropolis-Hastings moves of the run, all stages", **one}),
            "run_capped": (("alternative", "seed"), capped, {
                "long_name": "1 where a stage of the run hit its cap on moves", **one}),
        },
        coords={
            "alternative": ("alternative", np.array(names, dtype=str),
                            {"long_name": "structural alternative"}),
            "seed": ("seed", np.asarray(seeds, dtype=np.int64), {"long_name": "SMC seed",
                                                                   "units": "1"}),
            "description": ("alternative", np.array([a.description for a in alternatives],
                                                    dtype=str)),
        },
        attrs={"title": "meek evidence: structural alternatives compared by SMC",
               "reference": reference, "particles": int(particles),
               "method": "adaptive tempered SMC (engine.calibration.smc), Z pooled over seeds; "
                         "log Bayes factors against the reference (Kass and Raftery 1995)"},
    )
