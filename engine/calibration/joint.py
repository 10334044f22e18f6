"""The calibration on levels and gaps: priors and benchmark logistics conditioned on the records of
each benchmark's frontier and price band (:mod:`.levels`), and its forecast score (:mod:`.holdout`).

calibration.nc holds, beside the posterior and its sampler's record (:func:`.study.
sampler_variables`):

* ``observed_level`` (benchmark, side, month; percent) and ``observed_record`` (1 where the month
  is fitted: a side's first score or a new best), ``observed_gap`` (benchmark, month);
* prior and posterior predictive quantiles of a new record on each side
  (``prior_level_predictive``, ``posterior_level_predictive``) and of the gap
  (``prior_predictive``, ``posterior_predictive``; quantile, benchmark, month), and the share of
  records and of observed gaps inside each 90% band;
* ``log_evidence`` with its Monte Carlo error;
* the hold-out forecast scores: ``holdout_coverage`` and ``holdout_crps`` (benchmark),
  ``naive_coverage`` and ``naive_crps`` (benchmark, forecaster in persistence, trend), the same
  by horizon, and the forecasts themselves (``holdout_forecast``: 5%, 50%, 95%).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from engine.calibration import holdout as ho
from engine.calibration import levels, study
from engine.calibration.smc import Posterior, systematic, temper
from engine.designs import make_design
from engine.priors import PriorSet
from engine.simulators import Simulator


@dataclass(frozen=True)
class HoldoutSettings:
    """The rolling-origin hold-out: origins from the ``first``-th gap month, ``horizons``
    months ahead, each origin fitted with ``particles`` particles (0 origins if not ``enabled``)."""

    enabled: bool = True
    first: int = 9
    horizons: int = 6
    particles: int = 1000
    draws: int = 2000


def _fit(model: levels.LevelModel, particles: int, seed: int, s: study.Settings) -> Posterior:
    unit = make_design("mc", particles, model.priors.columns, seed).unit_rows(0, particles)
    return temper(model.loglik, unit, seed=seed, ess_fraction=s.ess_fraction,
                  mcmc_steps=s.mcmc_steps, max_stages=s.max_stages, islands=s.islands,
                  decorrelation=s.decorrelation, max_moves=s.max_moves)


def fit(simulator: Simulator, priors: PriorSet, obs: levels.Levels, start_year: float,
        s: study.Settings) -> tuple[levels.LevelModel, np.ndarray, Posterior]:
    """The model, its prior draws and the posterior (without predictive checks or hold-out)."""
    cal = levels.observation_priors(priors, obs)
    model = levels.LevelModel(simulator, cal, obs, start_year)
    prior_unit = make_design("mc", s.particles, cal.columns, s.seed).unit_rows(0, s.particles)
    model.check_support(prior_unit)
    return model, prior_unit, _fit(model, s.particles, s.seed, s)


def _predictive(model: levels.LevelModel, unit: np.ndarray, weights: np.ndarray, draws: int,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Quantiles of a new record (quantile, B, 2, M) and of the gap (quantile, B, M)."""
    idx = systematic(rng, weights, draws)
    new = levels.simulate(model, unit[idx], model.obs.years, rng)
    q = np.nanquantile(new, study.QUANTILES, axis=0)
    # the best overall is at least the best in the band: the gap between new records is >= 0
    g = np.nanquantile(np.maximum(new[:, :, 0] - new[:, :, 1], 0.0), study.QUANTILES, axis=0)
    return q, g


def _nanmean(x: np.ndarray, axis: int) -> np.ndarray:
    """Means over ``axis`` ignoring NaN; NaN (silently) where nothing is left."""
    ok = np.isfinite(x)
    n = ok.sum(axis=axis)
    with np.errstate(invalid="ignore"):
        return np.where(n > 0, np.where(ok, x, 0.0).sum(axis=axis) / np.maximum(n, 1), np.nan)


def _inside(q: np.ndarray, y: np.ndarray, where: np.ndarray) -> float:
    ok = (y >= q[0]) & (y <= q[-1])
    return float(np.mean(ok[where])) if where.any() else float("nan")


def run(simulator: Simulator, priors: PriorSet, obs: levels.Levels, start_year: float,
        s: study.Settings, t_grid: np.ndarray, holdout: HoldoutSettings = HoldoutSettings(), *,
        context: Mapping[str, str] | None = None) -> xr.Dataset:
    """Calibrate on the levels and return calibration.nc's content (module docstring)."""
    made_in = {**study.run_context(simulator, start_year),
               "calibrate.likelihood": "levels",
               "calibrate.data": str(obs.source).rsplit("/", 1)[-1],
               "calibrate.band": json.dumps(list(obs.band)),
               "calibrate.benchmarks": " ".join(obs.benchmarks),
               "calibrate.months": f"{obs.months[0]}..{obs.months[-1]} ({len(obs.months)})",
               **{str(k): str(v) for k, v in (context or {}).items()}}
    model, prior_unit, post = fit(simulator, priors, obs, start_year, s)
    cal = model.priors
    rng = np.random.default_rng([s.seed, 0xF0])
    flat = np.full(s.particles, 1.0 / s.particles)
    prior_q, prior_g = _predictive(model, prior_unit, flat, s.predictive_draws, rng)
    post_q, post_g = _predictive(model, post.unit, post.weights, s.predictive_draws, rng)
    prior_t, post_t = (study._t_peak(simulator, cal, u, w, t_grid, start_year,
                                     s.predictive_draws, rng)
                       for u, w in ((prior_unit, flat), (post.unit, post.weights)))
    scores = None
    if holdout.enabled:
        scores = ho.rolling_origin(
            obs, lambda past: levels.LevelModel(simulator, cal, past, start_year),
            lambda m, k: _fit(m, holdout.particles, s.seed + 1 + k, s),
            first=holdout.first, horizons=holdout.horizons, draws=holdout.draws, seed=s.seed)
    ds = _dataset(cal, simulator, obs, prior_unit, post, (prior_q, prior_g), (post_q, post_g),
                  prior_t, post_t, s, scores, holdout)
    ds.attrs["context_json"] = json.dumps(made_in, sort_keys=True)
    return ds


def _dataset(priors: PriorSet, simulator: Simulator, obs: levels.Levels, prior_unit: np.ndarray,
             post: Posterior, prior_pred: tuple[np.ndarray, np.ndarray],
             post_pred: tuple[np.ndarray, np.ndarray], prior_t: np.ndarray,
             post_t: np.ndarray, s: study.Settings, scores: ho.Scores | None,
             hs: HoldoutSettings) -> xr.Dataset:
    data, coords = study.sampler_variables(priors, prior_unit, post, prior_t, post_t)
    rec, gap = obs.record, obs.gap
    has_gap = np.isfinite(gap)
    pp = "percent"
    data.update({
        "observed_level": (("benchmark", "side", "month"), obs.level, {
            "long_name": "observed best score so far: of every model (frontier) and of the "
                         "models in the price band (band)", "units": pp}),
        "observed_record": (("benchmark", "side", "month"), rec.astype(np.int8), {
            "long_name": "1 where the month is a record (a side's first score or a new best): "
                         "the months the likelihood holds", "units": "1"}),
        "observed_gap": (("benchmark", "month"), gap, {
            "long_name": "observed gap, best overall minus best in the price band",
            "units": pp}),
        "prior_level_predictive": (("quantile", "benchmark", "side", "month"), prior_pred[0], {
            "long_name": "prior predictive quantiles of a record in the month", "units": pp}),
        "posterior_level_predictive": (("quantile", "benchmark", "side", "month"),
                                       post_pred[0], {
            "long_name": "posterior predictive quantiles of a record in the month",
            "units": pp}),
        "prior_predictive": (("quantile", "benchmark", "month"), prior_pred[1], {
            "long_name": "prior predictive quantiles of the gap between new records (at least "
                         "0: the best overall includes the band's)",
            "units": pp}),
        "posterior_predictive": (("quantile", "benchmark", "month"), post_pred[1], {
            "long_name": "posterior predictive quantiles of the gap between new records (at "
                         "least 0)",
            "units": pp}),
        "prior_record_coverage": ((), _inside(prior_pred[0], obs.level, rec), {
            "long_name": "share of records inside the prior predictive 90% band", "units": "1"}),
        "posterior_record_coverage": ((), _inside(post_pred[0], obs.level, rec), {
            "long_name": "share of records inside the posterior predictive 90% band",
            "units": "1"}),
        "prior_coverage": ((), _inside(prior_pred[1], gap, has_gap), {
            "long_name": "share of observed gaps (all months) inside the prior predictive 90% "
                         "band", "units": "1"}),
        "posterior_coverage": ((), _inside(post_pred[1], gap, has_gap), {
            "long_name": "share of observed gaps (all months) inside the posterior predictive "
                         "90% band (in-sample: not a validation; see holdout_coverage)",
            "units": "1"}),
    })
    coords.update({
        "benchmark": ("benchmark", np.array(obs.benchmarks, dtype=str),
                      {"long_name": "benchmark"}),
        "side": ("side", np.array(levels.SIDES, dtype=str), {
            "long_name": "frontier: every model; band: models priced in the band"}),
        "month": ("month", np.array(obs.months, dtype=str), {"long_name": "observed month"}),
        "year": ("month", obs.years, {"long_name": "calendar year (decimal)", "units": "1"}),
    })
    if scores is not None:
        by_h = ho.FORECASTERS
        data.update({
            "holdout_coverage": ("benchmark", scores.coverage(), {
                "long_name": "share of held-out gaps inside the forecast's 90% band (rolling "
                             "origin, 1 to holdout_horizons months ahead)", "units": "1"}),
            "holdout_crps": ("benchmark", scores.mean_crps(), {
                "long_name": "mean CRPS of the calibration's hold-out forecasts of the gap "
                             "(lower is better)", "units": pp}),
            "naive_coverage": (("benchmark", "forecaster"), scores.naive_coverage(), {
                "long_name": "share of held-out gaps inside a naive forecast's 90% band",
                "units": "1"}),
            "naive_crps": (("benchmark", "forecaster"), scores.naive_mean_crps(), {
                "long_name": "mean CRPS of a naive forecast of the held-out gaps", "units": pp}),
            "holdout_crps_by_horizon": (("benchmark", "horizon"),
                                        _nanmean(scores.crps, 1), {
                "long_name": "mean CRPS of the hold-out forecasts, by months ahead",
                "units": pp}),
            "naive_crps_by_horizon": (("benchmark", "forecaster", "horizon"),
                                      _nanmean(scores.naive_crps, 2), {
                "long_name": "mean CRPS of the naive forecasts, by months ahead", "units": pp}),
            "holdout_forecast": (("benchmark", "origin", "horizon", "forecast_quantile"),
                                 scores.quantiles, {
                "long_name": "the hold-out forecasts of the gap (5%, 50%, 95%)", "units": pp}),
            "holdout_observed": (("benchmark", "origin", "horizon"), scores.observed, {
                "long_name": "the held-out gap each forecast is scored against", "units": pp}),
        })
        coords.update({
            "forecaster": ("forecaster", np.array(by_h, dtype=str), {
                "long_name": "naive forecast: last gap (random walk) or least-squares line"}),
            "origin": ("origin", np.array(scores.origins, dtype=str), {
                "long_name": "last month of the hold-out fit"}),
            "horizon": ("horizon", np.arange(1, scores.horizons + 1, dtype=np.int32), {
                "long_name": "months ahead of the origin", "units": "1"}),
            "forecast_quantile": ("forecast_quantile", np.array([0.05, 0.5, 0.95]), {
                "long_name": "quantile of the forecast", "units": "1"}),
        })
    ds = xr.Dataset(data, coords=coords)
    extra = levels.calibration_only(priors, simulator)
    ds.attrs.update(study.sampler_attributes(priors, post, s))
    ds.attrs.update({
        "title": "meek calibration: the priors conditioned on the leaderboard's levels and gaps",
        "likelihood": "levels",
        "calibration_parameters": " ".join(extra),
        "calibration_columns": int(sum(priors[n].columns for n in extra)),
        "benchmarks": " ".join(obs.benchmarks),
        "band_usd_per_mtok": json.dumps(list(obs.band)),
        "data": obs.source,
        "holdout": json.dumps({"enabled": hs.enabled, "first": hs.first,
                               "horizons": hs.horizons, "particles": hs.particles,
                               "draws": hs.draws}),
        "holdout_forecasts": 0 if scores is None else scores.forecasts,
        "method": "adaptive tempered SMC in the unit hypercube (engine.calibration.smc); "
                  "Normal noise per benchmark on the record months of each side "
                  "(engine.calibration.levels)",
    })
    return ds


def informed(ds: xr.Dataset) -> list[tuple[str, float, float]]:
    """Parameters by how much the data narrowed them: (name, prior 90% width, posterior's)."""
    out = []
    w = ds["weight"].values
    from engine.calibration.smc import weighted_quantile
    for name in str(ds.attrs["uncertain_parameters"]).split():
        pr = np.quantile(ds[f"prior_{name}"].values, [0.05, 0.95])
        po = weighted_quantile(ds[name].values, w, [0.05, 0.95])
        out.append((name, float(pr[1] - pr[0]), float(po[1] - po[0])))
    return out


def summary(ds: xr.Dataset) -> dict[str, Any]:
    """The numbers the report leads with."""
    out: dict[str, Any] = {"log_evidence": float(ds["log_evidence"]),
                           "log_evidence_mcse": float(ds["log_evidence_mcse"])}
    if "holdout_crps" in ds:
        for b in ds["benchmark"].values:
            out[str(b)] = {"coverage": float(ds["holdout_coverage"].sel(benchmark=b)),
                           "crps": float(ds["holdout_crps"].sel(benchmark=b)),
                           **{f: (float(ds["naive_coverage"].sel(benchmark=b, forecaster=f)),
                                  float(ds["naive_crps"].sel(benchmark=b, forecaster=f)))
                              for f in ds["forecaster"].values}}
    return out
