"""python run.py experiment=calibrate: condition the priors on the observed leaderboard gap."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
import xarray as xr
from omegaconf import MISSING

from engine import io
from engine.calibration import observation, study
from engine.config import ConfigError, Settings
from engine.config.checks import at_least, fail, within
from engine.priors import PriorError, PriorSet
from engine.reports.html import Section, Table
from engine.reports.text import calibration_rows
from engine.runs import RunDir
from experiments.base import Experiment
from experiments.common import run_path


@dataclass
class CalibrateConfig:
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


class Calibrate(Experiment):
    name = "calibrate"
    summary = ("conditions the priors on the observed MMLU-Pro gap between the best model and "
               "the best in a price band (SMC)")
    writes = "calibration.nc, figures, report.html"
    section = CalibrateConfig

    def check(self, s: Settings) -> None:
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
