"""python run.py experiment=fan: sample the priors, evaluate, save, draw fan charts, report."""

from __future__ import annotations

import numpy as np
import xarray as xr

from engine import io, plots
from engine.analysis.fan import fan
from engine.analysis.outcomes import thinned
from engine.calibration import posterior
from engine.config import Settings
from engine.reducers import FanHistogram
from engine.reports.html import Section
from engine.runs import RunDir
from experiments.common import outcomes_section, phase, run_job, summarise, write_report

BINS = 4096


def run(s: Settings, run: RunDir, attrs: dict) -> float:
    series = list(s.config.output.series)
    log_scale = list(s.config.fan.log_scale)
    design, source = s.design, "the priors"
    if s.config.fan.calibration:  # scenarios drawn from a calibration's posterior
        cal = posterior.load(s.config.fan.calibration)
        design = posterior.design(cal, s.priors, s.design.rows, s.seed)
        source = f"the posterior of {s.config.fan.calibration}"
    ev = run_job(s, run, keep=series, design=design, extra_attrs={**attrs, "drawn_from": source},
                 reducers={"fan": FanHistogram(series, log=log_scale, bins=BINS)})
    scenarios = ev.open()
    phase("analyse")
    quantiles = fan(ev, series, BINS)
    summary = summarise(scenarios)
    phase("write")
    io.save_netcdf(io.cf_dataset(quantiles, attrs), run.file("fan.nc"))
    io.save_netcdf(io.cf_dataset(summary, attrs), run.file("summary.nc"))
    phase("figures")
    figures = []
    with xr.open_dataset(run.file("fan.nc")) as q:
        for name in series:
            plots.save(plots.fan_chart(q, name, log=name in log_scale), run.file(f"fan_{name}.png"))
            figures.append((f"fan_{name}.png", f"median, 50% and 90% bands of {name}"))
        if {"loss_gap", "years_behind"} <= set(series):
            plots.save(plots.years_behind_and_gap(q), run.file("years_behind_and_gap.png"))
            figures.append(("years_behind_and_gap.png", "bounded loss gap, unbounded years "
                                                        "behind"))
    plots.save(plots.distribution(thinned(scenarios, ["t_peak"])[0], "t_peak"),
               run.file("t_peak.png"))
    figures.append(("t_peak.png", "when the loss gap peaks"))
    write_report(run, s, f"Uncertainty fans (scenarios drawn from {source})",
                 [outcomes_section(summary),
                 Section("Fans over time", figures=figures)], summary,
                 [("scenarios" + ev.path.suffix, "every scenario"), ("fan.nc", "fan quantiles"),
                  ("summary.nc", "outcome summaries")])
    scenarios.close()
    return float(np.nanmedian(summary["quantiles"].sel(outcome="t_peak", quantile=0.5)))
