"""python run.py experiment=sobol: Saltelli design -> engine -> Sobol' indices -> figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import xarray as xr
from omegaconf import MISSING

from engine import io, tables
from engine.analysis.sobol import study
from engine.calibration import posterior
from engine.config import ConfigError, Settings, check_names
from engine.config.checks import at_least, distinct, fail, within
from engine.designs import make_design
from engine.reports.html import Section, Table
from engine.reports.labels import label
from engine.reports.text import ranking_rows, sobol_summary, sobol_words
from engine.runs import RunDir
from experiments.base import Experiment
from experiments.common import choices_text, outcomes_section, phase, run_job, summarise


@dataclass
class SobolConfig:
    outputs: list[str] = MISSING
    series: list[str] = MISSING
    num_resamples: int = MISSING
    conf_level: float = MISSING
    target_width: Optional[float] = None
    max_n: int = MISSING
    calibration: Optional[str] = None
    group_threshold: float = 0.3
    actors_n: int = 20000

    def check(self) -> None:
        if not self.outputs:
            fail("sobol.outputs", list(self.outputs), "must name at least one outcome")
        distinct("sobol.outputs", self.outputs)
        at_least("sobol.num_resamples", self.num_resamples, 2)
        within("sobol.conf_level", self.conf_level, 0, 1, open_ends=True)
        if self.target_width is not None:
            within("sobol.target_width", self.target_width, 0, 2, open_ends=True)
        at_least("sobol.max_n", self.max_n, 2)
        within("sobol.group_threshold", self.group_threshold, 0, 1, open_ends=True)
        if self.actors_n != 0:
            at_least("sobol.actors_n", self.actors_n, 100)


class Sobol(Experiment):
    name = "sobol"
    summary = ("which factors drive every outcome: S1/ST/S2 with bootstrap intervals, over "
               "time, and their convergence")
    writes = ("sobol.nc, summary.nc (each with a .csv), summary.md, scenarios.nc, figures, "
              "report.html")
    section = SobolConfig

    def check(self, s: Settings) -> None:
        sec = s.config.sobol
        try:
            s.simulator.analysed(sec.outputs)
        except ValueError as err:
            raise ConfigError(f"sobol.outputs={list(sec.outputs)!r}: {err}") from None
        if s.simulator.series():  # validation functions have none
            check_names("sobol.series", sec.series, s.simulator.series())
        if sec.calibration:
            posterior.check(posterior.load(sec.calibration, "sobol.calibration"), s.priors,
                            "sobol.calibration", context=posterior.run_context(
                                s.simulator, s.config.time.start_year, actor=s.config.actor.name))
        if not s.priors.uncertain:
            fail("priors", "all fixed", "the sobol analysis needs at least one uncertain prior")
        sampler = s.config.sampler
        if sampler.kind != "saltelli":
            fail("sampler.kind", sampler.kind, "the Sobol' analysis needs sampler=saltelli")
        if sampler.n < 16:
            fail("sampler.n", sampler.n, "the Sobol' analysis needs at least 16 base rows for "
                                         "its bootstrap intervals to mean anything")

    def run(self, s: Settings, run: RunDir, attrs: dict) -> float:
        from engine.plots.sets import sobol_set  # matplotlib: imported when a run draws

        sec, design, priors = s.config.sobol, s.design, s.priors
        if sec.calibration:  # the posterior: correlated factors grouped, each group one factor
            cal = posterior.load(sec.calibration, "sobol.calibration")
            priors = posterior.posterior_priors(cal, s.priors, sec.group_threshold)
            design = make_design("saltelli", design.n, priors.columns, s.seed,
                                 groups=priors.groups, second_order=design.second_order)
            attrs = {**attrs, "drawn_from": f"the posterior of {sec.calibration}"}
        factors, names = priors.uncertain, [n for n in sec.series if n in s.simulator.series()]
        choices = choices_text(s)
        attrs = {**attrs, "choices_held_fixed": choices}
        ev, scenarios, idx, design = study(
            lambda d, reducers: run_job(s, run, reducers=reducers, design=d, priors=priors,
                                        extra_attrs=attrs),
            design, factors, s.simulator.analysed(sec.outputs), names, s.t,
            num_resamples=sec.num_resamples, conf_level=sec.conf_level, seed=s.seed,
            target_width=sec.target_width, max_n=sec.max_n, attrs=attrs)
        summary = summarise(scenarios, s.config.outcomes.benchmark)
        phase("write")
        io.save_netcdf(io.cf_dataset(idx), run.file("sobol.nc"))
        io.save_netcdf(io.cf_dataset(summary, attrs), run.file("summary.nc"))
        tables.beside(idx, run.file("sobol.nc"), "sobol")
        tables.beside(summary, run.file("summary.nc"), "summary")
        first = str(idx["output"].values[0])
        actors = self.actor_answers(s, first)
        phase("figures")
        with xr.open_dataset(run.file("sobol.nc")) as saved:
            drivers, over_time = sobol_set(saved, scenarios, priors, run.staging)
        with xr.open_dataset(run.file("sobol.nc")) as saved:
            io.write_text((actors[1] if actors else "") + (choices + "\n\n" if choices else "")
                          + sobol_summary(saved, summary, list(saved["output"].values)),
                          run.file("summary.md"))
            sections = [Section(f"What drives the {label(first, s.start_year)}",
                                [c for c in [choices] if c] + sobol_words(saved, first),
                                Table(["rank", "factor", "S1", "ST"],
                                      [list(r.values()) for r in ranking_rows(saved, first)]),
                                drivers),
                        Section("Over time", [c for c in [choices] if c], figures=over_time),
                        outcomes_section(summary, s.start_year)]
            if actors is not None:
                sections.insert(0, actors[0])
        self.report(run, s, attrs, "Sobol' sensitivity analysis", sections, summary,
                    [("sobol.nc", "indices"), ("sobol.csv", "S1 and ST with their intervals"),
                     ("scenarios" + ev.path.suffix, "every scenario"),
                     ("summary.md", "the same in words"), ("summary.nc", "outcome summaries"),
                     ("summary.csv", "the same as a table")],
                    sampled=f"Saltelli design, N = {design.n:,} base rows, {design.rows:,} "
                            f"scenarios, {len(factors)} factors ({', '.join(factors)})")
        scenarios.close()
        top = idx.sel(output=first)["ST"].values
        return float(np.nanmax(top)) if np.isfinite(top).any() else float("nan")

    def actor_answers(self, s: Settings, output: str) -> tuple[Section, str] | None:
        """The answer for every actor option side by side (a Monte Carlo of sobol.actors_n
        scenarios each, the run's other priors), or None (another model, a calibration, 0)."""
        from engine.analysis.actors import answers, load_actors
        from engine.config.settings import make_priors
        from engine.reports.text import _fmt
        from engine.resources import conf_dir

        sec = s.config.sobol
        if sec.actors_n == 0 or sec.calibration or s.simulator.name != "meek" or \
                s.config.actor.kind == "paper":
            return None
        phase("actors")
        rows = answers(s.simulator, lambda specs: make_priors(specs, s.simulator,
                                                              list(s.config.correlations)),
                       dict(s.config.priors), load_actors(conf_dir() / "actor"), s.t,
                       int(sec.actors_n), s.seed, output)
        unit = " yr" if output.startswith("t_") else ""
        table = Table(["actor", "kind", f"median {output}", "90% interval", "already past",
                       "undefined"],
                      [[("**" + r["actor"] + "**") if r["actor"] == s.config.actor.name
                        else r["actor"], r["kind"], _fmt(r["median"]) + unit,
                        f"[{_fmt(r['q05'])}, {_fmt(r['q95'])}]{unit}", f"{r['past_share']:.1%}",
                        f"{r['undefined_share']:.1%}"] for r in rows])
        text = [f"Who the meek actor is is a choice, not a factor: each actor option below gets "
                f"its own Monte Carlo of {int(sec.actors_n):,} scenarios (the same draws of "
                f"every other prior), and the driver ranking further down is for "
                f"**{s.config.actor.name}**. Named runs fix the meek actor's compute "
                "(data/actors.csv); classes draw a budget range and a budget growth, so for "
                "them the class's width drives the ranking. A sweep over actors is one "
                "command: python run.py -m experiment=sobol actor=" +
                ",".join(r["actor"] for r in rows if r["kind"] == "named") + "."]
        md = [f"# {output} for every actor", "", text[0], "",
              "| " + " | ".join(table.header) + " |", "|" + "---|" * len(table.header)]
        md += ["| " + " | ".join(map(str, r)) + " |" for r in table.rows]
        return Section(f"{output} for every actor", text, table), "\n".join(md) + "\n\n"
