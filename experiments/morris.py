"""python run.py experiment=morris: Morris trajectories -> engine -> elementary effects -> plot."""

from __future__ import annotations

import numpy as np
import xarray as xr

from engine import io, plots
from engine.analysis.morris import morris_dataset, morris_design
from engine.analysis.sobol import outputs_of
from engine.config import Settings
from engine.designs.given import Given
from engine.reports.html import Section
from engine.runs import RunDir
from experiments.common import outcomes_section, run_job, summarise, write_report


def run(s: Settings, run: RunDir, attrs: dict) -> float:
    sec = s.config.morris
    factors = s.priors.uncertain
    outputs = s.simulator.analysed(sec.outputs)
    grid, unit = morris_design(len(factors), sec.trajectories, sec.num_levels, s.seed,
                               [s.priors[f].columns for f in factors])
    ev = run_job(s, run, design=Given(unit, s.seed, "morris"), extra_attrs=attrs)
    scenarios = ev.open()
    mo = morris_dataset(factors, grid, outputs_of(scenarios, outputs),
                        num_levels=sec.num_levels, num_resamples=sec.num_resamples,
                        conf_level=sec.conf_level, seed=s.seed, attrs=attrs)
    io.save_netcdf(io.cf_dataset(mo), run.file("morris.nc"))
    summary = summarise(scenarios)
    figures = []
    with xr.open_dataset(run.file("morris.nc")) as saved:
        for name in saved["output"].values:
            plots.save(plots.morris_chart(saved, str(name)), run.file(f"morris_{name}.png"))
            figures.append((f"morris_{name}.png", f"screening of {name}"))
    write_report(run, s, "Morris screening", [Section("Elementary effects", [
        "mu* ranks the factors by importance; a sigma close to mu* means non-linear effects or "
        "interactions. A cheap first pass before experiment=sobol."], figures=figures),
        outcomes_section(summary)], summary,
        [("morris.nc", "elementary effects"), ("scenarios.nc", "every scenario")])
    scenarios.close()
    return float(np.nanmax(mo["mu_star"].values))
