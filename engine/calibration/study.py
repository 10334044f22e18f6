"""A calibration from priors and observations to calibration.nc (the posterior and its checks).

This module holds the gap likelihood (``calibrate.likelihood=gap``: the MMLU-Pro gap through the
paper's MMLU sigmoid of loss) and the parts every calibration.nc shares
(:func:`sampler_variables`, :func:`sampler_attributes`, :func:`run_context`); the default, the
levels of both benchmarks with a hold-out, is :mod:`.joint`.

The engine evaluates every set of particles (the prior draws, each proposal of the moves, the
predictive draws) as a design of given rows, on the configured Dask scheduler; the tempered SMC
(:mod:`.smc`) weights and moves them. The result holds the weighted particles over every
uncertain parameter, the effective sample size, the observed gaps, the prior and posterior
predictive quantiles month by month and the share of observed months each 90% band covers; the
log evidence with its Monte Carlo error; each parameter's posterior quantiles with their Monte
Carlo standard errors (from the spread of the SMC's islands); every stage's exponent, ESS, moves,
acceptance and the rank correlation its moves left; and the settings that shaped the posterior
(``context_json``), which :func:`.posterior.check` compares with a run's before drawing from it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from engine.calibration.observation import (CalibrationError, Observations, log_likelihood,
                                            reaches)
from engine.calibration.smc import Posterior, systematic, temper
from engine.designs import make_design
from engine.designs.given import Given
from engine.evaluate import Job, evaluate_arrays
from engine.priors import PriorSet, make_prior
from engine.priors.fixed import Fixed
from engine.simulators import Simulator

NOISE = "noise_sigma_pp"
SERIES = "inference_benchmark_gap"
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass(frozen=True)
class Settings:
    particles: int
    ess_fraction: float
    mcmc_steps: int
    max_stages: int
    predictive_draws: int
    ess_floor: int
    seed: int
    islands: int = 20          # particle groups resampled separately: their spread is the MCSE
    decorrelation: float = 0.1  # moves stop at this rank correlation with the stage's start
    max_moves: int = 400       # safety cap on the moves of one stage (reported when hit)


def run_context(simulator: Simulator, start_year: float | None, **extra: Any) -> dict[str, str]:
    """The settings outside the priors that shape a posterior, as strings keyed by their config
    path: the model, its inference form (for the meek model), the calendar year of t = 0 (the
    calibration anchors the paths at 2025 when none is set), and anything in ``extra`` (e.g.
    ``actor="open_weights_lab"``). A calibration stores them; :func:`.posterior.check` compares
    them with the run's.

    Example
    -------
    >>> from engine.simulators.meek import Meek
    >>> run_context(Meek(), None, actor="person")
    {'model': 'meek', 'inference': 'paper', 'time.start_year': '2025', 'actor': 'person'}
    """
    out = {"model": str(getattr(simulator, "name", type(simulator).__name__))}
    options = getattr(simulator, "options", None)
    if options is not None and hasattr(options, "inference"):
        out["inference"] = str(options.inference)
    out["time.start_year"] = f"{2025.0 if start_year is None else float(start_year):g}"
    out.update({str(k): str(v) for k, v in extra.items()})
    return out


def _data_context(obs: Observations, noise: Mapping[str, Any]) -> dict[str, str]:
    """What the observations were: the file (name and SHA-256), the band, the months, the noise."""
    out = {"calibrate.data": Path(obs.source).name,
           "calibrate.band": json.dumps(list(obs.band)),
           "calibrate.months": f"{obs.months[0]}..{obs.months[-1]} ({len(obs.months)})",
           "calibrate.noise": json.dumps(dict(noise), sort_keys=True, default=str)}
    path = Path(obs.source)
    if path.is_file():
        out["calibrate.data_sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def observation_priors(priors: PriorSet, obs: Observations, noise: dict[str, Any]) -> PriorSet:
    """The model's priors with the user's price at the band's centre, plus the noise scale."""
    merged = dict(priors.priors)
    merged["price_per_token_usd"] = Fixed("price_per_token_usd", obs.price_per_token_usd)
    merged["price_per_token_usd"].source = f"the observed price band {list(obs.band)} USD/Mtok"
    merged[NOISE] = make_prior(NOISE, noise)
    return PriorSet(merged, priors.derivations, priors.defaults)


class Model:
    """Predictions of the observed months for rows of the unit hypercube."""

    def __init__(self, simulator: Simulator, priors: PriorSet, obs: Observations,
                 start_year: float, chunk_size: int = 8192) -> None:
        self.simulator, self.priors, self.obs = simulator, priors, obs
        self.chunk_size = chunk_size
        self.start_year = start_year
        first, last = obs.years.min(), obs.years.max()
        months = int(round((last - first) * 12)) + 1
        self.t = (first + np.arange(months) / 12.0) - start_year  # a uniform monthly grid
        self.index = np.rint((obs.years - first) * 12).astype(int)

    def predict(self, unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Predicted gaps (n, months) and noise scales (n,)."""
        job = Job(self.simulator, self.priors, Given(unit), self.t, self.start_year)
        out = evaluate_arrays(job, [SERIES], chunk_size=self.chunk_size)
        return out[SERIES][:, self.index], out[NOISE]

    def check_support(self, unit: np.ndarray) -> None:
        """Refuse priors under which no draw comes near the data."""
        pred, _ = self.predict(unit)
        sigma_max = self.priors.support(NOISE)[1]
        if not reaches(pred, self.obs.gap, sigma_max).any():
            raise CalibrationError(
                f"priors: none of {len(unit):,} prior draws comes within 3 x {sigma_max:g} pp "
                f"(the largest noise scale of calibrate.noise) of every observed month of "
                f"calibrate.data={self.obs.source!r}; the priors exclude what the data show")

    def loglik(self, unit: np.ndarray) -> np.ndarray:
        pred, sigma = self.predict(unit)
        return log_likelihood(pred, self.obs.gap, sigma)


def _predictive(model: Model, unit: np.ndarray, weights: np.ndarray, draws: int,
                rng: np.random.Generator) -> np.ndarray:
    idx = systematic(rng, weights, draws)
    pred, sigma = model.predict(unit[idx])
    # the observed gap cannot be negative (the best overall is at least the best in the band):
    # observations are the prediction plus noise, censored at 0
    noisy = np.maximum(pred + rng.normal(size=pred.shape) * sigma[:, None], 0.0)
    return np.nanquantile(noisy, QUANTILES, axis=0)


def _coverage(q: np.ndarray, obs: np.ndarray) -> float:
    return float(np.mean((obs >= q[0]) & (obs <= q[-1])))


def run(simulator: Simulator, priors: PriorSet, obs: Observations, noise: dict[str, Any],
        start_year: float, s: Settings, t_grid: np.ndarray, chunk_size: int = 8192, *,
        context: Mapping[str, str] | None = None) -> xr.Dataset:
    """Calibrate and return calibration.nc's content (see the module docstring).

    ``context``: settings of the run that shaped the posterior beyond the priors (keys as in
    :func:`run_context`, e.g. the actor); the model, inference form, start year and the data's
    description are recorded whatever it holds."""
    made_in = {**run_context(simulator, start_year), **_data_context(obs, noise),
               **{str(k): str(v) for k, v in (context or {}).items()}}
    cal_priors = observation_priors(priors, obs, noise)
    model = Model(simulator, cal_priors, obs, start_year, chunk_size)
    design = make_design("mc", s.particles, cal_priors.columns, s.seed)
    prior_unit = design.unit_rows(0, design.rows)
    model.check_support(prior_unit)
    post = temper(model.loglik, prior_unit, seed=s.seed, ess_fraction=s.ess_fraction,
                  mcmc_steps=s.mcmc_steps, max_stages=s.max_stages, islands=s.islands,
                  decorrelation=s.decorrelation, max_moves=s.max_moves)
    rng = np.random.default_rng([s.seed, 0xF0])
    flat = np.full(s.particles, 1.0 / s.particles)
    prior_q = _predictive(model, prior_unit, flat, s.predictive_draws, rng)
    post_q = _predictive(model, post.unit, post.weights, s.predictive_draws, rng)
    prior_t, post_t = (_t_peak(simulator, cal_priors, u, w, t_grid, start_year,
                               s.predictive_draws, rng)
                       for u, w in ((prior_unit, flat), (post.unit, post.weights)))
    ds = _dataset(cal_priors, obs, prior_unit, post, prior_q, post_q, prior_t, post_t, s)
    ds.attrs["context_json"] = json.dumps(made_in, sort_keys=True)
    return ds


def _t_peak(simulator: Simulator, priors: PriorSet, unit: np.ndarray, weights: np.ndarray,
            t: np.ndarray, start_year: float, draws: int, rng: np.random.Generator
            ) -> np.ndarray:
    idx = systematic(rng, weights, draws)
    job = Job(simulator, priors, Given(unit[idx]), t, start_year)
    return evaluate_arrays(job, [], outcomes=True)["t_peak"]


def _dataset(priors: PriorSet, obs: Observations, prior_unit: np.ndarray, post: Posterior,
             prior_q: np.ndarray, post_q: np.ndarray, prior_t: np.ndarray, post_t: np.ndarray,
             s: Settings) -> xr.Dataset:
    data, coords = sampler_variables(priors, prior_unit, post, prior_t, post_t)
    data.update({
        "observed_gap": ("month", obs.gap, {
            "long_name": "observed MMLU-Pro gap, best overall minus best in the price band",
            "units": "percent"}),
        "prior_predictive": (("quantile", "month"), prior_q, {
            "long_name": "prior predictive quantiles of the observed gap", "units": "percent"}),
        "posterior_predictive": (("quantile", "month"), post_q, {
            "long_name": "posterior predictive quantiles of the observed gap",
            "units": "percent"}),
        "prior_coverage": ((), _coverage(prior_q, obs.gap), {
            "long_name": "share of observed months inside the prior predictive 90% band",
            "units": "1"}),
        "posterior_coverage": ((), _coverage(post_q, obs.gap), {
            "long_name": "share of observed months inside the posterior predictive 90% band",
            "units": "1"}),
    })
    coords.update({
        "month": ("month", np.array(obs.months, dtype=str), {"long_name": "observed month"}),
        "year": ("month", obs.years, {"long_name": "calendar year (decimal)", "units": "1"}),
    })
    ds = xr.Dataset(data, coords=coords)
    ds.attrs.update(sampler_attributes(priors, post, s))
    ds.attrs.update({
        "title": "meek calibration: the priors conditioned on the observed leaderboard gap",
        "noise_parameter": NOISE,
        "calibration_parameters": NOISE,
        "calibration_columns": 1,
        "band_usd_per_mtok": json.dumps(list(obs.band)),
        "data": obs.source,
        "method": "adaptive tempered SMC in the unit hypercube (engine.calibration.smc), Normal "
                  "noise with uncertain scale",
    })
    return ds


def uncertain_outputs(priors: PriorSet) -> list[str]:
    return [o for p in priors for o in p.outputs if not p.fixed and o != "scaling_fit"]


def sampler_attributes(priors: PriorSet, post: Posterior, s: Settings) -> dict[str, Any]:
    """The attributes every calibration.nc carries about its priors and its sampler."""
    return {"priors_json": json.dumps(priors.specs()),
            "column_factors": " ".join(priors.groups),
            "uncertain_parameters": " ".join(uncertain_outputs(priors)),
            "particles": s.particles, "ess_floor": s.ess_floor, "seed": s.seed,
            "islands": post.islands, "decorrelation": s.decorrelation,
            "max_moves": s.max_moves, "mcmc_steps": s.mcmc_steps,
            "ess_fraction": s.ess_fraction}


def sampler_variables(priors: PriorSet, prior_unit: np.ndarray, post: Posterior,
                      prior_t: np.ndarray, post_t: np.ndarray
                      ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The posterior's particles, weights, stages, evidence and quantiles with their MCSE, and
    t_peak before and after, as data variables and coordinates of calibration.nc."""
    post_values = priors.map(post.unit)
    prior_values = priors.map(prior_unit)
    uncertain = uncertain_outputs(priors)
    post_quant = np.stack([post.quantile(post_values[n], QUANTILES) for n in uncertain])
    mcse = np.stack([post.quantile_mcse(post_values[n], QUANTILES) for n in uncertain])
    data: dict[str, Any] = {
        "unit": (("particle", "column"), post.unit, {
            "long_name": "posterior particles in the unit hypercube of the priors",
            "units": "1"}),
        "prior_unit": (("particle", "column"), prior_unit, {
            "long_name": "prior draws the calibration started from", "units": "1"}),
        "weight": ("particle", post.weights, {"long_name": "posterior weight", "units": "1"}),
        "log_likelihood": ("particle", post.loglik, {"long_name": "log likelihood",
                                                     "units": "1"}),
        "ess": ((), post.ess, {
            "long_name": "effective sample size of the posterior weights (the particles, "
                         "equally weighted after the final resampling and moves)",
            "units": "1"}),
        "distinct_particles": ((), post.distinct, {"long_name": "particles distinct from every "
                                                                "other", "units": "1"}),
        "prior_t_peak": ("draw", prior_t, {"long_name": "time of the loss-gap peak, prior "
                                                        "draws", "units": "a"}),
        "posterior_t_peak": ("draw", post_t, {"long_name": "time of the loss-gap peak, "
                                                           "posterior draws", "units": "a"}),
        "stage_beta": ("stage", [st["beta"] for st in post.stages], {
            "long_name": "likelihood tempering exponent", "units": "1"}),
        "stage_ess": ("stage", [st["ess"] for st in post.stages], {
            "long_name": "ESS after reweighting", "units": "1"}),
        "stage_acceptance": ("stage", [st["acceptance"] for st in post.stages], {
            "long_name": "Metropolis-Hastings acceptance rate, all steps", "units": "1"}),
        "stage_moves": ("stage", [st["moves"] for st in post.stages], {
            "long_name": "Metropolis moves in the stage", "units": "1"}),
        "stage_acceptance_walk": ("stage", [st["acceptance_walk"] for st in post.stages], {
            "long_name": "acceptance rate of the random-walk steps", "units": "1"}),
        "stage_acceptance_independent": ("stage", [st["acceptance_independent"]
                                                   for st in post.stages], {
            "long_name": "acceptance rate of the independent Student-t proposals",
            "units": "1"}),
        "stage_rank_correlation": ("stage", [st["rank_correlation"] for st in post.stages], {
            "long_name": "largest rank correlation between the particles' positions (and log "
                         "likelihoods) at the start and the end of the stage's moves",
            "units": "1"}),
        "stage_capped": ("stage", np.array([st["capped"] for st in post.stages], np.int8), {
            "long_name": "1 where the stage's moves hit the safety cap before decorrelating",
            "units": "1"}),
        "stage_scale": ("stage", [st["scale"] for st in post.stages], {
            "long_name": "proposal scale at the start of the stage (times the particles' "
                         "covariance of normal scores)", "units": "1"}),
        "stage_log_evidence_increment": ("stage", [st["log_evidence_increment"]
                                                   for st in post.stages], {
            "long_name": "log of the mean incremental weight of the stage (all particles)",
            "units": "1"}),
        "ess_last_reweighting": ((), post.stages[-1]["ess"], {
            "long_name": "ESS of the last reweighting, before the final resampling and moves",
            "units": "1"}),
        "log_evidence": ((), post.log_evidence, {
            "long_name": "log marginal likelihood of the observations under the priors "
                         "(densities per percentage point), SMC estimate", "units": "1"}),
        "log_evidence_mcse": ((), post.log_evidence_mcse, {
            "long_name": "Monte Carlo standard error of log_evidence (spread of the islands)",
            "units": "1"}),
        "island_log_evidence": ("island", post.island_log_evidence, {
            "long_name": "log evidence estimated by each island of particles", "units": "1"}),
        "particle_island": ("particle", post.island.astype(np.int32), {
            "long_name": "island of the particle (resampled only within its island)",
            "units": "1"}),
        "posterior_quantile": (("parameter", "quantile"), post_quant, {
            "long_name": "posterior quantiles of each parameter", "units": "1"}),
        "mcse_quantile": (("parameter", "quantile"), mcse, {
            "long_name": "Monte Carlo standard error of each posterior quantile (standard "
                         "deviation of the islands' quantiles over sqrt(islands))",
            "units": "1"}),
        "mcse_median": ("parameter", mcse[:, QUANTILES.index(0.5)], {
            "long_name": "Monte Carlo standard error of each posterior median", "units": "1"}),
    }
    for name in uncertain:
        data[name] = ("particle", post_values[name], {"long_name": f"{name}, posterior particle",
                                                      "units": "1"})
        data[f"prior_{name}"] = ("particle", prior_values[name], {
            "long_name": f"{name}, prior draw", "units": "1"})
    coords = {
        "quantile": ("quantile", np.asarray(QUANTILES), {"long_name": "quantile",
                                                         "units": "1"}),
        "column": ("column", np.arange(priors.columns, dtype=np.int32), {
            "long_name": "design column", "units": "1"}),
        "parameter": ("parameter", np.array(uncertain, dtype=str), {
            "long_name": "uncertain parameter"}),
        "island": ("island", np.arange(post.islands, dtype=np.int32), {
            "long_name": "island of particles", "units": "1"}),
    }
    return data, coords
