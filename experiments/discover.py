"""python run.py experiment=discover: where in the uncertainty does the condition hold?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import xarray as xr
from omegaconf import MISSING

from engine import io
from engine.config import Settings
from engine.config.checks import at_least, fail, within
from engine.discovery import condition, study
from engine.reports.html import Section
from engine.reports.text import discovery_words
from engine.runs import RunDir
from experiments.base import Experiment
from experiments.common import choices_text, run_job, source_labels

SERIES = ("loss_gap", "benchmark_gap")


@dataclass
class DiscoverConfig:
    scenarios: Optional[str] = None
    condition: str = MISSING
    peel_alpha: float = MISSING
    paste_alpha: float = MISSING
    mass_min: float = MISSING
    density_threshold: float = MISSING
    tree_depth: int = MISSING
    significance: float = MISSING

    def check(self) -> None:
        if not str(self.condition).strip():
            fail("discover.condition", self.condition, "must be an expression, e.g. "
                                                       "'gap_at_10y > 0.05'")
        within("discover.peel_alpha", self.peel_alpha, 0, 0.5, open_ends=True)
        within("discover.paste_alpha", self.paste_alpha, 0, 0.5, open_ends=True)
        within("discover.mass_min", self.mass_min, 0, 1, open_ends=True)
        within("discover.density_threshold", self.density_threshold, 0, 1)
        at_least("discover.tree_depth", self.tree_depth, 1)
        within("discover.significance", self.significance, 0, 1, open_ends=True)


class Discover(Experiment):
    name = "discover"
    summary = ("scenario discovery: PRIM boxes, a CART tree and feature scores for a condition "
               "(default: the frontier keeps a 0.05-nat lead beyond 2028)")
    writes = "discovery.nc, scenarios.nc, figures, report.html"
    section = DiscoverConfig

    def check(self, s: Settings) -> None:
        sec = s.config.discover
        used = condition.names(sec.condition)
        if sec.scenarios:
            with study.open_scenarios(sec.scenarios) as ds:
                known = {str(k) for k, v in ds.data_vars.items() if v.dims == ("scenario",)}
        else:
            known = {*s.simulator.parameters, *s.priors.outputs, *s.simulator.outcomes()}
        unknown = sorted(used - known)
        if unknown:
            fail("discover.condition", sec.condition, f"{unknown[0]!r} is not a variable of "
                 f"the scenarios; known: {', '.join(sorted(known))}")
        if not sec.scenarios and s.design.rows < study.MIN_SCENARIOS:
            fail("sampler.n", s.config.sampler.n, f"too few scenarios for a discovery (PRIM "
                 f"searches a box among at least {study.MIN_SCENARIOS})")
        # a dry run on one made-up scenario: a number where a condition belongs is refused now
        condition.evaluate(sec.condition, {name: np.ones(1) for name in known})

    def describe(self, s: Settings) -> str:
        if s.config.discover.scenarios:
            return f"the scenarios of {s.config.discover.scenarios}"
        return super().describe(s)

    def run(self, s: Settings, run: RunDir, attrs: dict) -> float:
        from engine.plots.sets import discovery_set  # matplotlib: imported when a run draws

        sec = s.config.discover
        if sec.scenarios:  # an earlier run's scenarios, linked so anyone can recount a box
            scenarios = study.open_scenarios(sec.scenarios)
            study.link(sec.scenarios, run.staging)
            attrs = {**attrs, **source_labels(scenarios, sec.scenarios, "discover.scenarios")}
        else:
            scenarios = run_job(s, run, keep=SERIES, extra_attrs=attrs).open()
        disc = study.run(scenarios, sec.condition, peel_alpha=sec.peel_alpha,
                         paste_alpha=sec.paste_alpha, mass_min=sec.mass_min,
                         density_threshold=sec.density_threshold, tree_depth=sec.tree_depth,
                         significance=sec.significance, seed=s.seed)
        io.save_netcdf(io.cf_dataset(disc, {k: v for k, v in attrs.items()
                                            if not k.startswith("_")}), run.file("discovery.nc"))
        series = [n for n in SERIES if n in scenarios]
        with xr.open_dataset(run.file("discovery.nc")) as saved:
            inside = study.inside(saved, scenarios) if series else None
            shown = discovery_set(saved, scenarios, inside, series, run.staging)
            words = discovery_words(saved)
        self.report(run, s, attrs, f"Scenario discovery: {sec.condition}", [
            Section("Where the condition holds", words + [c for c in [choices_text(s)] if c],
                    figures=shown),
            Section("A tree's view (CART)", [
                f"A decision tree of depth {sec.tree_depth} sorts the scenarios with "
                f"{disc.attrs['cart_accuracy']:.1%} accuracy; its rules, one split a line "
                "(class 1: the condition holds):"], preformatted=str(disc.attrs["cart_rules"]))],
            None, [("discovery.nc", "boxes, trajectory, scores"),
                   ("scenarios.nc", "the scenarios analysed")])
        scenarios.close()
        return float(disc["density"].isel(box=0))
