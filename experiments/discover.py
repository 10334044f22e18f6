"""python run.py experiment=discover: where in the uncertainty does the condition hold?"""

from __future__ import annotations

import numpy as np
import xarray as xr

from engine import io, plots
from engine.config import Settings
from engine.discovery import study
from engine.plots import discovery as figures
from engine.reports.html import Section
from engine.reports.text import discovery_words
from engine.runs import RunDir
from experiments.common import run_job, write_report

SERIES = ("loss_gap", "benchmark_gap")


def run(s: Settings, run: RunDir, attrs: dict) -> float:
    sec = s.config.discover
    if sec.scenarios:  # an earlier run's scenarios, linked so anyone can recount a box
        scenarios = study.open_scenarios(sec.scenarios)
        study.link(sec.scenarios, run.staging)
    else:
        scenarios = run_job(s, run, keep=SERIES, extra_attrs=attrs).open()
    disc = study.run(scenarios, sec.condition, peel_alpha=sec.peel_alpha,
                     paste_alpha=sec.paste_alpha, mass_min=sec.mass_min,
                     density_threshold=sec.density_threshold, tree_depth=sec.tree_depth,
                     significance=sec.significance, seed=s.seed)
    io.save_netcdf(io.cf_dataset(disc, attrs), run.file("discovery.nc"))
    shown = []
    with xr.open_dataset(run.file("discovery.nc")) as saved:
        plots.save(figures.tradeoff(saved), run.file("discovery_tradeoff.png"))
        plots.save(figures.limits(saved), run.file("discovery_limits.png"))
        plots.save(figures.pairs(saved, scenarios), run.file("discovery_pairs.png"))
        shown = [("discovery_tradeoff.png", "coverage against density"),
                 ("discovery_limits.png", "box limits against the sampled ranges"),
                 ("discovery_pairs.png", "the two most restricted inputs")]
        series = [n for n in SERIES if n in scenarios]
        if series:
            names = list(saved["parameter"].values)
            b = saved.isel(box=0)
            x = np.column_stack([scenarios[n].values for n in names])
            inside = np.all((x >= b["lower"].values) & (x <= b["upper"].values), axis=1)
            plots.save(figures.envelopes(scenarios, inside, series),
                       run.file("discovery_envelopes.png"))
            shown.append(("discovery_envelopes.png", "outcomes over time in and out of box 1"))
        words = discovery_words(saved)
        if "alpha" in saved["parameter"].values:  # the scaling law as the fit a box selects
            words += [f"Box {b + 1} holds {w}." for b, w in enumerate(
                saved["box_statement"].sel(parameter="alpha").values) if w]
    write_report(run, s, f"Scenario discovery: {sec.condition}",
                 [Section("Where the condition holds", words, figures=shown),
                  Section("A tree's view (CART)", [f"Accuracy on the scenarios: "
                                                   f"{disc.attrs['cart_accuracy']:.1%}.",
                                                   f"`{disc.attrs['cart_rules']}`"])],
                 None, [("discovery.nc", "boxes, trajectory, scores"),
                        ("scenarios.nc", "the scenarios analysed")])
    scenarios.close()
    return float(disc["density"].isel(box=0))
