"""python run.py experiment=fan: sample the priors, evaluate, save, draw fan charts, report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import xarray as xr

from engine import io
from engine.analysis.fan import fan
from engine.analysis.outcomes import thinned
from engine.calibration import posterior
from engine.config import Settings, check_names
from engine.model.benchmarks import headline, lead
from engine.reducers import FanHistogram
from engine.reports.html import Section
from engine.runs import RunDir
from experiments.base import Experiment
from experiments.common import outcomes_section, phase, run_job, summarise

BINS = 4096


@dataclass
class FanConfig:
    log_scale: list[str] = field(default_factory=list)
    calibration: Optional[str] = None


class Fan(Experiment):
    name = "fan"
    summary = "scenarios from the priors; fan charts (median, 50% and 90% bands) over time"
    writes = "fan.nc, summary.nc, scenarios.nc, figures, report.html"
    section = FanConfig

    def check(self, s: Settings) -> None:
        check_names("fan.log_scale", s.config.fan.log_scale, dict.fromkeys(s.config.output.series))
        if s.config.fan.calibration:
            posterior.check(posterior.load(s.config.fan.calibration), s.priors,
                            context=posterior.run_context(s.simulator, s.config.time.start_year,
                                                          actor=s.config.actor.name))

    def run(self, s: Settings, run: RunDir, attrs: dict) -> float:
        from engine.plots.sets import fan_set  # matplotlib: imported when a run draws

        series, sec = list(s.config.output.series), s.config.fan
        # the headline benchmark's gap leads the fans and the summary (outcomes.benchmark)
        bench = s.config.outcomes.benchmark
        series = lead(series + [g for g in headline(bench)[:1] if g not in series], bench)
        design, source = s.design, "the priors"
        if sec.calibration:  # scenarios drawn from a calibration's posterior
            design = posterior.design(posterior.load(sec.calibration), s.priors, s.design.rows,
                                      s.seed)
            source = f"the posterior of {sec.calibration}"
        ev = run_job(s, run, keep=series, design=design, extra_attrs={**attrs, "drawn_from": source},
                     reducers={"fan": FanHistogram(series, log=list(sec.log_scale), bins=BINS)})
        scenarios = ev.open()
        phase("analyse")
        quantiles, summary = fan(ev, series, BINS), summarise(scenarios, bench)
        phase("write")
        io.save_netcdf(io.cf_dataset(quantiles, attrs), run.file("fan.nc"))
        io.save_netcdf(io.cf_dataset(summary, attrs), run.file("summary.nc"))
        phase("figures")
        with xr.open_dataset(run.file("fan.nc")) as q:
            figures = fan_set(q, series, sec.log_scale, thinned(scenarios, ["t_peak"])[0],
                              run.staging)
        self.report(run, s, attrs, f"Uncertainty fans (scenarios drawn from {source})",
                    [outcomes_section(summary), Section("Fans over time", figures=figures)],
                    summary, [("scenarios" + ev.path.suffix, "every scenario"),
                              ("fan.nc", "fan quantiles"), ("summary.nc", "outcome summaries")],
                    sampled=f"{design.rows:,} scenarios from {source}")
        scenarios.close()
        return float(np.nanmedian(summary["quantiles"].sel(outcome="t_peak", quantile=0.5)))
