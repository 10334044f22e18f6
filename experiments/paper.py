"""python run.py experiment=paper: the paper's figures, their uncertainty, the empirical check."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from engine import empirical, io, plots, reproduce
from engine.analysis.fan import fan_from_series
from engine.config import Settings
from engine.config.settings import make_priors
from engine.designs import make_design
from engine.evaluate import Job, evaluate
from engine.reports import paper as paper_report
from engine.runs import RunDir
from engine.simulators.meek import Meek
from experiments.common import run_job, run_path, write_report

SERIES = ("loss_gap", "inference_gap", "benchmark_gap")


def run(s: Settings, run: RunDir, attrs: dict) -> float:
    sec = s.config.paper
    emp = sec.empirical
    board = empirical.load_leaderboard(run_path(emp.data), emp.price_column)
    curves = reproduce.paper_curves(horizon=float(s.t[-1]), points=len(s.t),
                                    g_inv_values=sec.g_inv_values, sota_budgets=sec.sota_budgets,
                                    switch_year=sec.switch_year, g_inv_after=sec.g_inv_after,
                                    g_inf_values=sec.g_inf_values, steps=sec.steps,
                                    slowdowns=sec.slowdowns)
    io.save_netcdf(io.cf_dataset(curves, attrs), run.file("paper.nc"))
    ev = run_job(s, run, keep=SERIES, extra_attrs=attrs)   # the same results with uncertainty
    scenarios = ev.open()
    fans = [fan_from_series(scenarios, SERIES)]
    for k in sec.steps:  # multi-step tasks: the benchmark gap raised to each p
        sim = Meek(dataclasses.replace(s.simulator.options, steps=int(k)), s.simulator.backend)
        job = Job(sim, s.priors, s.design, s.t, s.start_year, ("benchmark_gap",), {}, attrs)
        with s.cluster.connect():
            steps_ev = evaluate(job, run.staging / f"steps_{k}", storage=s.storage)
        with steps_ev.open() as ds:
            fans.append(fan_from_series(ds, ["benchmark_gap"]).rename(
                {v: v.replace("benchmark_gap", f"benchmark_gap_p{k}")
                 for v in ("benchmark_gap", "benchmark_gap_undefined_share",
                           "benchmark_gap_infinite_share")}))
        steps_ev.discard()
        (run.staging / f"steps_{k}").rmdir()
    io.save_netcdf(io.cf_dataset(xr.merge(fans, combine_attrs="drop_conflicts"), attrs),
                   run.file("fan.nc"))

    # the model's side of the empirical check: a user at a fixed price in the band
    table = empirical.monthly_gap(board, emp.price_column, tuple(emp.band))
    lo, hi = emp.band
    start = pd.Period(emp.start, freq="M")
    overlay = make_priors({**s.priors.specs(), "price_per_token_usd": {
        "dist": "fixed", "value": math.sqrt(lo * hi) / 1e6}, **dict(emp.priors)}, s.simulator)
    t_emp = np.arange(len(table)) / 12.0  # to the last genuine month of the data
    job = Job(s.simulator, overlay, make_design("mc", s.design.n, overlay.columns, s.seed),
              t_emp, start.year + (start.month - 1) / 12, ("inference_benchmark_gap",), {},
              attrs)
    with s.cluster.connect():
        side = evaluate(job, run.staging / "empirical", storage=s.storage)
    with side.open() as ds:
        io.save_netcdf(io.cf_dataset(fan_from_series(ds, ["inference_benchmark_gap"]), attrs),
                       run.file("empirical_model_fan.nc"))
    side.discard()
    (run.staging / "empirical").rmdir()
    observed = table.reset_index()
    observed["year"] = [m.year + (m.month - 1) / 12 for m in observed["month"]]
    observed["month"] = observed["month"].astype(str)
    io.write_text(observed.to_csv(index=False), run.file("empirical_gap.csv"))
    band = f"USD {lo:g} to {hi:g} per million output tokens"
    sections, coverage = paper_report.figures_and_sections(run.staging, band)
    io.write_text(paper_report.markdown(run.staging, coverage, band), run.file("report.md"))
    write_report(run, s, "Meek Models Shall Inherit the Earth: results regenerated", sections,
                 None, [("paper.nc", "deterministic curves"), ("fan.nc", "fans"),
                        ("empirical_gap.csv", "observed gap by month")])
    scenarios.close()
    return float(curves.attrs["t_peak"])
