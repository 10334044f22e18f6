"""python run.py experiment=calibrate: condition the priors on the observed leaderboard gap."""

from __future__ import annotations

import numpy as np
import xarray as xr

from engine import io
from engine.calibration import observation, study
from engine.config import Settings
from engine.plots import calibration as figures
from engine.plots import save
from engine.reports.html import Section, Table
from engine.reports.text import calibration_rows
from engine.runs import RunDir
from experiments.common import run_path, write_report


def run(s: Settings, run: RunDir, attrs: dict) -> float:
    sec = s.config.calibrate
    obs = observation.leaderboard(run_path(sec.data), sec.price_column, tuple(sec.band),
                                  tuple(sec.window) if sec.window else None)
    start = s.start_year if s.start_year is not None else 2025.0
    settings = study.Settings(sec.particles, sec.ess_fraction, sec.mcmc_steps, sec.max_stages,
                              sec.predictive_draws, sec.ess_floor, s.seed)
    with s.cluster.connect():
        cal = study.run(s.simulator, s.priors, obs, dict(sec.noise), start, settings, s.t,
                        context={"actor": s.config.actor.name})
    io.save_netcdf(io.cf_dataset(cal, attrs), run.file("calibration.nc"))
    with xr.open_dataset(run.file("calibration.nc")) as saved:
        save(figures.predictive(saved), run.file("calibration_predictive.png"))
        save(figures.parameters(saved), run.file("calibration_parameters.png"))
        save(figures.t_peak(saved), run.file("calibration_t_peak.png"))
        rows = calibration_rows(saved)
        ess, cover = float(saved["ess"]), float(saved["posterior_coverage"])
        words = [f"{len(obs.months)} observed months ({obs.months[0]} to {obs.months[-1]}), "
                 f"{sec.particles:,} particles; effective sample size {ess:,.0f}. The posterior "
                 f"predictive 90% band covers {cover:.0%} of the months (the prior's "
                 f"{float(saved['prior_coverage']):.0%})."]
        if ess < sec.ess_floor:
            words.append(f"**The ESS is below calibrate.ess_floor={sec.ess_floor}: fans will "
                         "not be drawn from this posterior.**")
    write_report(run, s, "Calibration against the leaderboard", [
        Section("Fit to the observed gap", words, figures=[
            ("calibration_predictive.png", "prior and posterior predictive bands")]),
        Section("What the data inform", ["Medians and 90% intervals; a parameter the data do "
                                         "not inform keeps its prior's range."],
                Table(["parameter", "prior", "posterior"], rows),
                [("calibration_parameters.png", "posteriors against priors"),
                 ("calibration_t_peak.png", "the timing of the peak before and after")])],
        None, [("calibration.nc", "the posterior and its checks")])
    return float(np.nanmedian(cal["posterior_t_peak"].values))
