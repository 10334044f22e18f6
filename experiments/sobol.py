"""python run.py experiment=sobol: Saltelli design -> engine -> Sobol' indices -> figures."""

from __future__ import annotations

import logging

import numpy as np
import xarray as xr

from engine import io, plots
from engine.analysis.sobol import max_width, outputs_of, sobol_dataset
from engine.calibration import posterior
from engine.config import Settings
from engine.designs import make_design
from engine.reducers import SobolSeries
from engine.reports.html import Section, Table
from engine.reports.text import ranking_rows, sobol_summary, sobol_words
from engine.runs import RunDir
from experiments.common import outcomes_section, phase, run_job, summarise, write_report

log = logging.getLogger("meek")


def run(s: Settings, run: RunDir, attrs: dict) -> float:
    sec, design, priors = s.config.sobol, s.design, s.priors
    if sec.calibration:  # the posterior: correlated factors grouped, each group one factor
        cal = posterior.load(sec.calibration, "sobol.calibration")
        priors = posterior.posterior_priors(cal, s.priors, sec.group_threshold)
        design = make_design("saltelli", design.n, priors.columns, s.seed, groups=priors.groups,
                             second_order=design.second_order)
        attrs = {**attrs, "drawn_from": f"the posterior of {sec.calibration}"}
    factors = priors.uncertain
    names = [n for n in sec.series if n in s.simulator.series()]  # validation models have none
    boot = dict(num_resamples=sec.num_resamples, conf_level=sec.conf_level, seed=s.seed)
    while True:  # target_width: double N until every interval is narrow enough
        series = SobolSeries(names, len(factors), design.second_order, design.n, **boot)
        ev = run_job(s, run, reducers={"sobol": series} if names else {}, design=design,
                     priors=priors, extra_attrs=attrs)
        scenarios = ev.open()
        phase("analyse")
        labels = {k: str(v.attrs.get("long_name", k)) for k, v in scenarios.data_vars.items()}
        idx = sobol_dataset(outputs_of(scenarios, s.simulator.analysed(sec.outputs)), factors,
                            second_order=design.second_order, series=ev.reduced.get("sobol"),
                            t=s.t, labels=labels, attrs=attrs, **boot)
        width = max_width(idx)
        if sec.target_width is None or width < sec.target_width or 2 * design.n > sec.max_n:
            break
        log.info("widest interval %.3g >= sobol.target_width=%.3g at N=%d: doubling N", width,
                 sec.target_width, design.n)
        scenarios.close()
        ev.discard()
        design = make_design("saltelli", 2 * design.n, design.d, design.seed,
                             groups=design.groups, second_order=design.second_order)
    summary = summarise(scenarios)
    phase("write")
    io.save_netcdf(io.cf_dataset(idx), run.file("sobol.nc"))
    io.save_netcdf(io.cf_dataset(summary, attrs), run.file("summary.nc"))
    first = str(idx["output"].values[0])
    phase("figures")
    with xr.open_dataset(run.file("sobol.nc")) as saved:
        plots.save(plots.sobol_overview(saved), run.file("sobol_indices.png"))
        plots.save(plots.sobol_ranking(saved, first), run.file(f"sobol_{first}.png"))
        plots.save(plots.convergence(saved, first), run.file(f"convergence_{first}.png"))
        for name in names:
            plots.save(plots.sobol_over_time(saved, name), run.file(f"sobol_{name}_over_time.png"))
        shown = [o for f in factors for o in priors[f].outputs if o not in ("A", "L0",
                                                                          "scaling_fit")]
        if first in scenarios:
            plots.save(plots.scatter_grid(scenarios, first, shown), run.file(f"scatter_{first}.png"))
        io.write_text(sobol_summary(saved, summary, list(saved["output"].values)),
                      run.file("summary.md"))
        sections = [Section(f"What drives {first}", sobol_words(saved, first),
                            Table(["rank", "factor", "S1", "ST"],
                                  [list(r.values()) for r in ranking_rows(saved, first)]),
                            [(f"sobol_{first}.png", f"what drives {first}, with intervals"),
                             ("sobol_indices.png", "S1 and ST of every analysed outcome"),
                             (f"convergence_{first}.png", "indices on N/8 .. N base rows"),
                             (f"scatter_{first}.png", f"{first} against each factor")]),
                    Section("Over time", figures=[(f"sobol_{n}_over_time.png", f"drivers of {n}")
                                                  for n in names]),
                    outcomes_section(summary)]
    write_report(run, s, "Sobol' sensitivity analysis", sections, summary,
                 [("sobol.nc", "indices"), ("scenarios" + ev.path.suffix, "every scenario"),
                  ("summary.md", "the same in words"), ("summary.nc", "outcome summaries")])
    scenarios.close()
    top = idx.sel(output=first)["ST"].values
    return float(np.nanmax(top)) if np.isfinite(top).any() else float("nan")
