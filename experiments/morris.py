"""python run.py experiment=morris: Morris trajectories -> engine -> elementary effects -> plot."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr
from omegaconf import MISSING

from engine import io
from engine.analysis.morris import morris_dataset, morris_design
from engine.analysis.sobol import outputs_of
from engine.config import ConfigError, Settings
from engine.config.checks import at_least, distinct, fail, within
from engine.designs.given import Given
from engine.reports.html import Section
from engine.runs import RunDir
from experiments.base import Experiment
from experiments.common import choices_text, outcomes_section, run_job, summarise


@dataclass
class MorrisConfig:
    trajectories: int = MISSING
    num_levels: int = MISSING
    num_resamples: int = MISSING
    conf_level: float = MISSING
    outputs: list[str] = MISSING

    def check(self) -> None:
        at_least("morris.trajectories", self.trajectories, 2)
        at_least("morris.num_levels", self.num_levels, 2)
        if self.num_levels % 2:
            fail("morris.num_levels", self.num_levels, "must be even (SALib's grid)")
        at_least("morris.num_resamples", self.num_resamples, 2)
        within("morris.conf_level", self.conf_level, 0, 1, open_ends=True)
        if not self.outputs:
            fail("morris.outputs", list(self.outputs), "must name at least one outcome")
        distinct("morris.outputs", self.outputs)


class Morris(Experiment):
    name = "morris"
    summary = "Morris elementary-effects screening (a cheap first pass before sobol)"
    writes = "morris.nc, scenarios.nc, figures, report.html"
    section = MorrisConfig

    def check(self, s: Settings) -> None:
        sec = s.config.morris
        try:
            s.simulator.analysed(sec.outputs)
        except ValueError as err:
            raise ConfigError(f"morris.outputs={list(sec.outputs)!r}: {err}") from None
        if not s.priors.uncertain:
            fail("priors", "all fixed", "the morris analysis needs at least one uncertain prior")
        rows = sec.trajectories * (len(s.priors.uncertain) + 1)
        if rows > 10_000_000:
            fail("morris.trajectories", sec.trajectories, f"would make {rows:,} scenarios; at "
                 "most 10,000,000 (Morris needs tens to hundreds of trajectories)")

    def describe(self, s: Settings) -> str:
        k = len(s.priors.uncertain)
        return (f"{s.config.morris.trajectories} Morris trajectories of {k + 1} scenarios, "
                f"{s.config.morris.num_levels} levels, {k} factors")

    def run(self, s: Settings, run: RunDir, attrs: dict) -> float:
        from engine.plots.sets import morris_set  # matplotlib: imported when a run draws

        sec, factors = s.config.morris, s.priors.uncertain
        choices = choices_text(s)
        if choices:
            attrs = {**attrs, "choices_held_fixed": choices}
        grid, unit = morris_design(len(factors), sec.trajectories, sec.num_levels, s.seed,
                                   [s.priors[f].columns for f in factors])
        ev = run_job(s, run, design=Given(unit, s.seed, "morris"), extra_attrs=attrs)
        scenarios = ev.open()
        mo = morris_dataset(factors, grid, outputs_of(scenarios, s.simulator.analysed(sec.outputs)),
                            num_levels=sec.num_levels, num_resamples=sec.num_resamples,
                            conf_level=sec.conf_level, seed=s.seed, attrs=attrs)
        io.save_netcdf(io.cf_dataset(mo), run.file("morris.nc"))
        summary = summarise(scenarios, s.config.outcomes.benchmark)
        with xr.open_dataset(run.file("morris.nc")) as saved:
            figures = morris_set(saved, run.staging)
        self.report(run, s, attrs, "Morris screening", [Section("Elementary effects", [
            "mu* ranks the factors by importance; a sigma close to mu* means non-linear effects "
            "or interactions. A cheap first pass before experiment=sobol."]
            + [c for c in [choices] if c], figures=figures),
            outcomes_section(summary, s.start_year)], summary,
            [("morris.nc", "elementary effects"), ("scenarios.nc", "every scenario")])
        scenarios.close()
        return float(np.nanmax(mo["mu_star"].values))
