"""python run.py experiment=fan: sample the priors, evaluate, save, draw fan charts, report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import xarray as xr

from engine import io, tables
from engine.analysis.fan import fan
from engine.analysis.outcomes import thinned
from engine.calibration import posterior
from engine.config import Settings, check_names
from engine.config.checks import at_least
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
    keep_series_mb: float = 50.0


def kept_series(series: list[str], rows: int, steps: int, keep_mb: float) -> list[str]:
    """The (scenario, t) series a fan keeps in its scenarios file: all of ``output.series`` when
    they take at most ``keep_mb`` MB, else none (fan.nc holds their quantiles either way); the
    decision and the run's disk estimate go to the log.

    Example
    -------
    >>> kept_series(["loss_gap", "years_behind"], 2000, 301, 50.0)
    ['loss_gap', 'years_behind']
    >>> kept_series(["loss_gap", "years_behind"], 20000, 301, 50.0)
    []
    """
    import logging

    log = logging.getLogger("meek")
    size = rows * steps * 8 * len(series) / 1e6
    keep = list(series) if size <= keep_mb else []
    if series and not keep:
        log.info("scenarios.nc keeps the outcomes, not the series %s (%.0f MB, above "
                 "fan.keep_series_mb=%g): fan.nc holds their quantiles; to keep them: "
                 "fan.keep_series_mb=%d", ", ".join(series), size, keep_mb, int(size) + 1)
    return keep


def _method(attrs: dict, keep: list[str], series: list[str]) -> str:
    """How the fans' quantiles were computed, and where the series are."""
    how = str(attrs.get("quantile_method", ""))
    if keep:
        return f"Quantiles: {how}. The series are kept in the scenarios file."
    return (f"Quantiles: {how} (each series' `_error_bound` in fan.nc). The (scenario, t) "
            f"series ({', '.join(series)}) are not kept, to keep the run small; to keep them, "
            "raise `fan.keep_series_mb` (the log says how many MB they take).")


class Fan(Experiment):
    name = "fan"
    summary = "scenarios from the priors; fan charts (median, 50% and 90% bands) over time"
    writes = "fan.nc, summary.nc (each with a .csv), scenarios.nc, figures, report.html"
    section = FanConfig

    def check(self, s: Settings) -> None:
        at_least("fan.keep_series_mb", s.config.fan.keep_series_mb, 0)
        check_names("fan.log_scale", s.config.fan.log_scale, dict.fromkeys(s.config.output.series))
        if s.config.fan.calibration:
            posterior.check(posterior.load(s.config.fan.calibration), s.priors,
                            context=posterior.run_context(s.simulator, s.config.time.start_year,
                                                          actor=s.config.actor.name))

    def run(self, s: Settings, run: RunDir, attrs: dict) -> float:
        from engine.plots.sets import fan_set  # matplotlib: imported when a run draws

        series, sec = list(s.config.output.series), s.config.fan
        design, source = s.design, "the priors"
        if sec.calibration:  # scenarios drawn from a calibration's posterior
            design = posterior.design(posterior.load(sec.calibration), s.priors, s.design.rows,
                                      s.seed)
            source = f"the posterior of {sec.calibration}"
        keep = kept_series(series, design.rows, len(s.t), sec.keep_series_mb)
        ev = run_job(s, run, keep=keep, design=design, extra_attrs={**attrs, "drawn_from": source},
                     reducers={"fan": FanHistogram(series, log=list(sec.log_scale), bins=BINS)})
        scenarios = ev.open()
        phase("analyse")
        quantiles, summary = fan(ev, series, BINS), summarise(scenarios)
        phase("write")
        io.save_netcdf(io.cf_dataset(quantiles, attrs), run.file("fan.nc"))
        io.save_netcdf(io.cf_dataset(summary, attrs), run.file("summary.nc"))
        tables.beside(quantiles, run.file("fan.nc"), "fan")
        tables.beside(summary, run.file("summary.nc"), "summary")
        phase("figures")
        with xr.open_dataset(run.file("fan.nc")) as q:
            q_attrs = dict(q.attrs)
            figures = fan_set(q, series, sec.log_scale, thinned(scenarios, ["t_peak"])[0],
                              run.staging)
        self.report(run, s, attrs, f"Uncertainty fans (scenarios drawn from {source})",
                    [outcomes_section(summary, s.start_year),
                     Section("Fans over time", [_method(q_attrs, keep, series)],
                             figures=figures)],
                    summary, [("scenarios" + ev.path.suffix, "every scenario's inputs and "
                               "outcomes" + (" and series" if keep else "")),
                              ("fan.nc", "fan quantiles"), ("fan.csv", "the same as a table"),
                              ("summary.nc", "outcome summaries"),
                              ("summary.csv", "the same as a table")],
                    sampled=f"{design.rows:,} scenarios from {source}")
        scenarios.close()
        return float(np.nanmedian(summary["quantiles"].sel(outcome="t_peak", quantile=0.5)))
