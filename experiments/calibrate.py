"""python run.py experiment=calibrate: condition the priors on the observed leaderboard.

``calibrate.likelihood=levels`` (the default): the records of each benchmark's frontier and price
band, with the benchmarks' logistics inferred jointly (:mod:`engine.calibration.joint`), and the
rolling-origin hold-out forecast score the report leads with. ``gap``: the earlier form, the
MMLU-Pro gap alone through the paper's MMLU sigmoid of loss (:mod:`engine.calibration.study`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
import xarray as xr
from omegaconf import MISSING

from engine import io
from engine.calibration import joint, levels, observation, study
from engine.config import ConfigError, Settings
from engine.config.checks import at_least, choice, fail, within
from engine.priors import PriorError, PriorSet
from engine.reports.html import Section, Table
from engine.reports.text import calibration_rows
from engine.runs import RunDir
from experiments.base import Experiment
from experiments.common import run_path


LIKELIHOODS = ("levels", "gap")


@dataclass
class HoldoutConfig:
    enabled: bool = True
    first: int = 9
    horizons: int = 6
    particles: int = 1000
    draws: int = 2000


@dataclass
class CalibrateConfig:
    likelihood: str = "levels"
    benchmarks: list[str] = field(default_factory=lambda: ["mmlu_pro", "gpqa_diamond"])
    holdout: HoldoutConfig = field(default_factory=HoldoutConfig)
    data: str = MISSING
    price_column: str = MISSING
    band: list[float] = MISSING
    window: Optional[list[str]] = None
    particles: int = MISSING
    noise: dict[str, Any] = field(default_factory=dict)
    ess_floor: int = MISSING
    ess_fraction: float = MISSING
    mcmc_steps: int = MISSING
    max_stages: int = MISSING
    predictive_draws: int = MISSING

    def check(self) -> None:
        choice("calibrate.likelihood", self.likelihood, LIKELIHOODS)
        h = self.holdout
        at_least("calibrate.holdout.first", h.first, 3)
        at_least("calibrate.holdout.horizons", h.horizons, 1)
        at_least("calibrate.holdout.particles", h.particles, 100)
        at_least("calibrate.holdout.draws", h.draws, 100)
        if len(self.band) != 2 or not 0 < self.band[0] <= self.band[1]:
            fail("calibrate.band", list(self.band), "needs [low, high] with 0 < low <= high")
        if self.window is not None and len(self.window) != 2:
            fail("calibrate.window", list(self.window), "needs [first month, last month], e.g. "
                                                        "['2023-06', '2025-04'], or null")
        at_least("calibrate.particles", self.particles, 100)
        at_least("calibrate.ess_floor", self.ess_floor, 1)
        if self.ess_floor > self.particles:
            fail("calibrate.ess_floor", self.ess_floor,
                 f"cannot exceed calibrate.particles={self.particles}")
        within("calibrate.ess_fraction", self.ess_fraction, 0, 1, open_ends=True)
        at_least("calibrate.mcmc_steps", self.mcmc_steps, 1)
        at_least("calibrate.max_stages", self.max_stages, 1)
        at_least("calibrate.predictive_draws", self.predictive_draws, 100)


def _observations(sec: CalibrateConfig) -> observation.Observations:
    return observation.leaderboard(run_path(sec.data), sec.price_column, tuple(sec.band),
                                   tuple(sec.window) if sec.window else None)


def _levels(sec: CalibrateConfig) -> levels.Levels:
    obs = levels.leaderboard(run_path(sec.data), sec.price_column, tuple(sec.band),
                             list(sec.benchmarks), tuple(sec.window) if sec.window else None)
    months = len(obs.gap_months)
    if sec.holdout.enabled and sec.holdout.first > months - 1:
        fail("calibrate.holdout.first", sec.holdout.first,
             f"the data have {months} months with every benchmark's gap, so at most "
             f"{months - 1} (a hold-out needs a month after its origin); or set "
             "calibrate.holdout.enabled=false")
    return obs


def holdout_settings(sec: CalibrateConfig) -> joint.HoldoutSettings:
    h = sec.holdout
    return joint.HoldoutSettings(bool(h.enabled), int(h.first), int(h.horizons),
                                 int(h.particles), int(h.draws))


class Calibrate(Experiment):
    name = "calibrate"
    summary = ("conditions the priors on the leaderboard's best scores overall and in a price "
               "band (SMC), and scores its forecasts of months it has not seen")
    writes = "calibration.nc, figures, report.html"
    section = CalibrateConfig

    def check(self, s: Settings) -> None:
        if s.config.calibrate.likelihood == "levels":
            _levels(s.config.calibrate)
        else:
            _observations(s.config.calibrate)
        try:
            noise = PriorSet.from_specs({"noise_sigma_pp": s.config.calibrate.noise})
        except PriorError as err:
            raise ConfigError(str(err).replace("priors.noise_sigma_pp", "calibrate.noise")
                              ) from None
        if not noise.support("noise_sigma_pp")[0] > 0:
            fail("calibrate.noise", dict(s.config.calibrate.noise), "the noise scale must be > 0")

    def describe(self, s: Settings) -> str:
        return f"sequential Monte Carlo, {s.config.calibrate.particles:,} particles"

    def run(self, s: Settings, run: RunDir, attrs: dict) -> float:
        if s.config.calibrate.likelihood == "levels":
            return self._run_levels(s, run, attrs)
        return self._run_gap(s, run, attrs)

    def _run_levels(self, s: Settings, run: RunDir, attrs: dict) -> float:
        from engine.plots.sets import calibration_set  # matplotlib: imported when a run draws

        sec, obs = s.config.calibrate, _levels(s.config.calibrate)
        start = s.start_year if s.start_year is not None else 2025.0
        settings = study.Settings(sec.particles, sec.ess_fraction, sec.mcmc_steps, sec.max_stages,
                                  sec.predictive_draws, sec.ess_floor, s.seed)
        with s.cluster.connect():
            cal = joint.run(s.simulator, s.priors, obs, start, settings, s.t,
                            holdout_settings(sec), context={"actor": s.config.actor.name})
        io.save_netcdf(io.cf_dataset(cal, attrs), run.file("calibration.nc"))
        with xr.open_dataset(run.file("calibration.nc")) as saved:
            fit, informed = calibration_set(saved, run.staging)
            rows = calibration_rows(saved)
            lead = forecast_words(saved)
            shown = []
            if "holdout_crps" in saved:
                from engine.plots.base import save
                from engine.plots.calibration import holdout

                save(holdout(saved), run.staging / "calibration_holdout.png")
                shown = [("calibration_holdout.png", "hold-out CRPS by months ahead, against "
                                                     "persistence and a trend")]
            ess = float(saved["ess"])
            words = [f"{len(obs.months)} months ({obs.months[0]} to {obs.months[-1]}), "
                     f"{int(saved['observed_record'].sum())} record months fitted over "
                     f"{', '.join(obs.benchmarks)}, {sec.particles:,} particles; effective "
                     f"sample size {ess:,.0f}; log evidence {float(saved['log_evidence']):.2f} "
                     f"+- {float(saved['log_evidence_mcse']):.2f}. In sample, the posterior "
                     f"predictive 90% band covers {float(saved['posterior_record_coverage']):.0%}"
                     f" of the records and {float(saved['posterior_coverage']):.0%} of the "
                     "monthly gaps (not a validation: the hold-out above is)."]
        if ess < sec.ess_floor:
            words.append(f"**The ESS is below calibrate.ess_floor={sec.ess_floor}: fans will "
                         "not be drawn from this posterior.**")
        self.report(run, s, attrs, "Calibration against the leaderboard's levels and gaps", [
            Section("Forecasts of months the fit has not seen", lead[0], lead[1], shown),
            Section("Fit to the records", words, figures=fit),
            Section("What the data inform", ["Medians and 90% intervals; a parameter the data "
                                             "do not inform keeps its prior's range."],
                    Table(["parameter", "prior", "posterior"], rows), informed)],
            None, [("calibration.nc", "the posterior, its checks and its forecast scores")],
            sampled=f"{self.describe(s)}, {len(obs.months)} observed months")
        return float(np.nanmedian(cal["posterior_t_peak"].values))

    def _run_gap(self, s: Settings, run: RunDir, attrs: dict) -> float:
        from engine.plots.sets import calibration_set  # matplotlib: imported when a run draws

        sec, obs = s.config.calibrate, _observations(s.config.calibrate)
        start = s.start_year if s.start_year is not None else 2025.0
        settings = study.Settings(sec.particles, sec.ess_fraction, sec.mcmc_steps, sec.max_stages,
                                  sec.predictive_draws, sec.ess_floor, s.seed)
        with s.cluster.connect():
            cal = study.run(s.simulator, s.priors, obs, dict(sec.noise), start, settings, s.t,
                            context={"actor": s.config.actor.name})
        io.save_netcdf(io.cf_dataset(cal, attrs), run.file("calibration.nc"))
        with xr.open_dataset(run.file("calibration.nc")) as saved:
            fit, informed = calibration_set(saved, run.staging)
            rows = calibration_rows(saved)
            ess, cover = float(saved["ess"]), float(saved["posterior_coverage"])
            words = [f"{len(obs.months)} observed months ({obs.months[0]} to {obs.months[-1]}), "
                     f"{sec.particles:,} particles; effective sample size {ess:,.0f}. The "
                     f"posterior predictive 90% band covers {cover:.0%} of the months (the "
                     f"prior's {float(saved['prior_coverage']):.0%})."]
        if ess < sec.ess_floor:
            words.append(f"**The ESS is below calibrate.ess_floor={sec.ess_floor}: fans will "
                         "not be drawn from this posterior.**")
        self.report(run, s, attrs, "Calibration against the leaderboard", [
            Section("Fit to the observed gap", words, figures=fit),
            Section("What the data inform", ["Medians and 90% intervals; a parameter the data "
                                             "do not inform keeps its prior's range."],
                    Table(["parameter", "prior", "posterior"], rows), informed)],
            None, [("calibration.nc", "the posterior and its checks")],
            sampled=f"{self.describe(s)}, {len(obs.months)} observed months")
        return float(np.nanmedian(cal["posterior_t_peak"].values))


def forecast_words(cal: xr.Dataset) -> tuple[list[str], Table | None]:
    """The hold-out's sentences and table (benchmark | calibration | persistence | trend)."""
    if "holdout_crps" not in cal:
        return (["No hold-out (calibrate.holdout.enabled=false): the fit below is only "
                 "in-sample."], None)
    rows = []
    for b in cal["benchmark"].values:
        cells = [str(b), f"{float(cal['holdout_coverage'].sel(benchmark=b)):.2f} / "
                         f"{float(cal['holdout_crps'].sel(benchmark=b)):.2f}"]
        for f in cal["forecaster"].values:
            cells.append(f"{float(cal['naive_coverage'].sel(benchmark=b, forecaster=f)):.2f} / "
                         f"{float(cal['naive_crps'].sel(benchmark=b, forecaster=f)):.2f}")
        rows.append(cells)
    n = int(cal.attrs.get("holdout_forecasts", 0))
    words = [f"Rolling origin: the calibration refitted on the months up to each origin "
             f"({cal['origin'].values[0]} to {cal['origin'].values[-1]}), forecasting the gap "
             f"1 to {cal.sizes['horizon']} months ahead ({n} forecasts per benchmark). Each "
             "cell: the share of held-out gaps inside the 90% band (aim 0.90) / the mean CRPS "
             "in percentage points (lower is better), against the last gap carried forward "
             "and a least-squares line."]
    return words, Table(["benchmark", "calibration", *[str(f) for f in cal["forecaster"].values]],
                        rows)
