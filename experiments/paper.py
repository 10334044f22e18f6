"""python run.py experiment=paper: the paper's figures, their uncertainty, the empirical check."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import xarray as xr
from omegaconf import MISSING

from engine import empirical, io, reproduce
from engine.analysis.fan import fan_from_series
from engine.config import Settings, make_priors
from engine.config.checks import at_least, fail, positive
from engine.evaluate import Job
from engine.reports import paper as paper_report
from engine.runs import RunDir
from experiments.base import Experiment
from experiments.common import evaluator, run_job, run_path

SERIES = ("loss_gap", "inference_gap", "benchmark_gap")


@dataclass
class EmpiricalConfig:
    data: str = MISSING
    price_column: str = MISSING
    band: list[float] = MISSING
    start: str = MISSING
    priors: dict[str, Any] = field(default_factory=dict)

    def check(self, path: str = "paper.empirical") -> None:
        if len(self.band) != 2 or not 0 <= self.band[0] <= self.band[1]:
            fail(f"{path}.band", list(self.band), "needs [low, high] with 0 <= low <= high")
        if not re.fullmatch(r"\d{4}-\d{2}", str(self.start)) or not 1 <= int(self.start[5:]) <= 12:
            fail(f"{path}.start", self.start, "must be a month like '2023-03'")


@dataclass
class PaperConfig:
    g_inv_values: list[float] = MISSING
    sota_budgets: list[float] = MISSING
    switch_year: float = MISSING
    g_inv_after: float = MISSING
    g_inf_values: list[float] = MISSING
    steps: list[int] = MISSING
    slowdowns: list[float] = MISSING
    empirical: EmpiricalConfig = field(default_factory=EmpiricalConfig)

    def check(self) -> None:
        for v in self.g_inv_values:
            if not (math.isfinite(v) and v > 1):
                fail("paper.g_inv_values", list(self.g_inv_values), "each must be > 1")
        for v in self.sota_budgets:
            positive("paper.sota_budgets", v)
        if not (self.switch_year >= 0 and math.isfinite(self.switch_year)):
            fail("paper.switch_year", self.switch_year, "must be a finite number >= 0")
        if not 1 <= self.g_inv_after <= min(self.g_inv_values, default=math.inf):
            fail("paper.g_inv_after", self.g_inv_after, "must lie in [1, the smallest of "
                                                        "paper.g_inv_values]")
        for v in self.g_inf_values:
            positive("paper.g_inf_values", v)
        for v in self.steps:
            at_least("paper.steps", v, 1)
        for v in self.slowdowns:
            positive("paper.slowdowns", v)
        self.empirical.check()


class Paper(Experiment):
    name = "paper"
    summary = ("every figure of the paper in the authors' setting, the same curves inside "
               "uncertainty fans, and the empirical check against the leaderboard")
    writes = "paper.nc, fan.nc, fig1..6, report.md, report.html"
    section = PaperConfig

    def check(self, s: Settings) -> None:
        emp = s.config.paper.empirical
        empirical.load_leaderboard(run_path(emp.data), emp.price_column)

    def run(self, s: Settings, run: RunDir, attrs: dict) -> float:
        from engine.plots.sets import paper_set  # matplotlib: imported when a run draws

        sec, emp = s.config.paper, s.config.paper.empirical
        curves = reproduce.paper_curves(
            horizon=float(s.t[-1]), points=len(s.t), g_inv_values=sec.g_inv_values,
            sota_budgets=sec.sota_budgets, switch_year=sec.switch_year,
            g_inv_after=sec.g_inv_after, g_inf_values=sec.g_inf_values, steps=sec.steps,
            slowdowns=sec.slowdowns)
        io.save_netcdf(io.cf_dataset(curves, attrs), run.file("paper.nc"))
        ev = run_job(s, run, keep=SERIES, extra_attrs=attrs)  # the same results, uncertain
        scenarios = ev.open()
        job, evaluate = Job(s.simulator, s.priors, s.design, s.t, s.start_year, (), {}, attrs), \
            evaluator(s)
        fans = [fan_from_series(scenarios, SERIES),
                *reproduce.step_fans(evaluate, job, sec.steps, run.staging)]
        io.save_netcdf(io.cf_dataset(xr.merge(fans, combine_attrs="drop_conflicts"), attrs),
                       run.file("fan.nc"))
        table = empirical.monthly_gap(empirical.load_leaderboard(
            run_path(emp.data), emp.price_column), emp.price_column, tuple(emp.band))
        overlay = make_priors(reproduce.overlay_specs(s.priors.specs(), emp.band,
                                                      dict(emp.priors)), s.simulator)
        model_fan = reproduce.empirical_fan(evaluate, Job(
            s.simulator, overlay, s.design, s.t, s.start_year, (), {}, attrs), len(table),
            emp.start, run.staging)
        io.save_netcdf(io.cf_dataset(model_fan, attrs), run.file("empirical_model_fan.nc"))
        observed = reproduce.observed_gap(table)
        io.write_text(observed.to_csv(index=False), run.file("empirical_gap.csv"))
        band = f"USD {emp.band[0]:g} to {emp.band[1]:g} per million output tokens"
        with xr.open_dataset(run.file("paper.nc")) as p, xr.open_dataset(run.file("fan.nc")) as f, \
                xr.open_dataset(run.file("empirical_model_fan.nc")) as m:
            paper_set(p, f, m, pd.read_csv(run.file("empirical_gap.csv")).set_index("year"), band,
                      run.staging)
        sections, coverage = paper_report.sections(run.staging, band)
        io.write_text(paper_report.markdown(run.staging, coverage, band), run.file("report.md"))
        self.report(run, s, attrs, "Meek Models Shall Inherit the Earth: results regenerated",
                    sections, None, [("paper.nc", "deterministic curves"), ("fan.nc", "fans"),
                                     ("empirical_gap.csv", "observed gap by month")])
        scenarios.close()
        return float(curves.attrs["t_peak"])
