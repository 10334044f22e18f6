"""The figures each experiment saves into its run directory, drawn from the files it saved.

One function per experiment: it draws every figure of that run with the functions of this
package, saves them as PNG into ``out`` and returns ``[(file name, caption)]`` for the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from engine.plots import calibration, discovery
from engine.plots.base import figure, footnote, save
from engine.plots.fans import distribution, fan_chart
from engine.reports.labels import label, with_unit
from engine.plots.governance import years_behind_and_gap
from engine.plots.paper import empirical_check, gap_with_peak, lines
from engine.priors import PriorSet
from engine.plots.sensitivity import (convergence, morris_chart, scatter_grid, sobol_over_time,
                                      sobol_overview, sobol_ranking)

Figures = list[tuple[str, str]]


def fan_set(q: xr.Dataset, series: Sequence[str], log_scale: Sequence[str], t_peak: xr.Dataset,
            out: Path) -> Figures:
    """A fan chart of each of ``series`` in ``q`` (fan.nc), years behind beside the loss gap,
    and the distribution of t_peak (from ``t_peak``, scenarios)."""
    shown = []
    for name in series:
        save(fan_chart(q, name, log=name in log_scale), out / f"fan_{name}.png")
        shown.append((f"fan_{name}.png", f"median, 50% and 90% bands of the {with_unit(name)}"))
    if {"loss_gap", "years_behind"} <= set(series):
        save(years_behind_and_gap(q), out / "years_behind_and_gap.png")
        shown.append(("years_behind_and_gap.png", "bounded loss gap, unbounded years behind"))
    save(distribution(t_peak, "t_peak"), out / "t_peak.png")
    shown.append(("t_peak.png", "when the loss gap peaks"))
    return shown


def sobol_set(idx: xr.Dataset, scenarios: xr.Dataset, priors: PriorSet, out: Path
              ) -> tuple[Figures, Figures]:
    """What drives the first output (ranking, overview, convergence, and the first output
    against each factor's values in the scenarios) and the indices of every series over time:
    ([figures of the first output], [figures over time])."""
    first = str(idx["output"].values[0])
    shown = [o for f in priors.uncertain for o in priors[f].outputs
             if o not in ("A", "L0", "scaling_fit")]  # a fit shows as its alpha
    note = idx.attrs.get("choices_held_fixed")  # every figure of drivers says what is a choice
    save(footnote(sobol_overview(idx), note), out / "sobol_indices.png")
    save(footnote(sobol_ranking(idx, first), note), out / f"sobol_{first}.png")
    save(footnote(convergence(idx, first), note), out / f"convergence_{first}.png")
    over_time = []
    for name in (idx["series"].values if "series" in idx.coords else []):
        start = scenarios.attrs.get("time_start_year")
        save(footnote(sobol_over_time(idx, str(name), None if start is None else float(start)),
                      note), out / f"sobol_{name}_over_time.png")
        over_time.append((f"sobol_{name}_over_time.png", f"what drives the {label(str(name))} "
                                                          "over time"))
    if first in scenarios:
        save(scatter_grid(scenarios, first, list(shown)), out / f"scatter_{first}.png")
    what = label(first)
    return [(f"sobol_{first}.png", f"what drives the {what}, with intervals"),
            ("sobol_indices.png", "S1 and ST of every analysed outcome"),
            (f"convergence_{first}.png", "indices on N/8 .. N base rows"),
            (f"scatter_{first}.png", f"the {what} against each factor")], over_time


def morris_set(mo: xr.Dataset, out: Path) -> Figures:
    """mu* and sigma of every output."""
    shown = []
    note = mo.attrs.get("choices_held_fixed")
    for name in mo["output"].values:
        save(footnote(morris_chart(mo, str(name)).figure, note), out / f"morris_{name}.png")
        shown.append((f"morris_{name}.png", f"screening of the {label(str(name))}"))
    return shown


def calibration_set(cal: xr.Dataset, out: Path) -> tuple[Figures, Figures]:
    """([the fit to the observed gap], [posteriors against priors, t_peak before and after])."""
    save(calibration.predictive(cal), out / "calibration_predictive.png")
    save(calibration.parameters(cal), out / "calibration_parameters.png")
    save(calibration.t_peak(cal), out / "calibration_t_peak.png")
    return ([("calibration_predictive.png", "prior and posterior predictive bands")],
            [("calibration_parameters.png", "posteriors against priors"),
             ("calibration_t_peak.png", "the timing of the peak before and after")])


def discovery_set(disc: xr.Dataset, scenarios: xr.Dataset, inside: np.ndarray | None,
                  series: Sequence[str], out: Path) -> Figures:
    """The trade-off curve, the box's limits, the two most restricted inputs, and (with series)
    the outcomes over time in and out of the first box (``inside``: its scenarios)."""
    save(discovery.tradeoff(disc), out / "discovery_tradeoff.png")
    save(discovery.limits(disc), out / "discovery_limits.png")
    save(discovery.pairs(disc, scenarios), out / "discovery_pairs.png")
    shown = [("discovery_tradeoff.png", "coverage against density"),
             ("discovery_limits.png", "box limits against the sampled ranges"),
             ("discovery_pairs.png", "the two most restricted inputs")]
    if series and inside is not None:
        save(discovery.envelopes(scenarios, inside, list(series)),
             out / "discovery_envelopes.png")
        shown.append(("discovery_envelopes.png", "outcomes over time in and out of box 1"))
    return shown


def paper_set(p: xr.Dataset, fan: xr.Dataset, model_fan: xr.Dataset, observed: pd.DataFrame,
              band: str, out: Path) -> None:
    """The paper's figures 1 to 6 from paper.nc, the same curves inside the fans of fan.nc,
    and the empirical check (``observed``: empirical_gap.csv indexed by decimal year)."""
    save(gap_with_peak(p), out / "fig1_loss_gap_peak.png")
    fig, ax = figure(1, 2, figsize=(13, 4.6))
    lines(p, "investment_usd", "schedule", ax=ax[0, 0], log=True,
          title="Frontier investment schedules")
    lines(p, "loss_gap_by_schedule", "schedule", ax=ax[0, 1],
          title="Loss gap under each schedule")
    save(fig, out / "fig2_investment_schedules.png")
    fig, ax = figure(1, 2, figsize=(13, 4.6))
    lines(p, "loss_gap_by_g_inv", "g_inv", ax=ax[0, 0],
          title="Loss gap for several frontier investment growth rates")
    lines(p, "loss_gap_by_sota_budget", "sota_budget_usd", ax=ax[0, 1],
          title="Loss gap for several frontier starting budgets")
    save(fig, out / "fig3_growth_rates_and_budgets.png")
    axi = lines(p, "inference_gap", "g_inf",
                title="Inference (fixed price per token) against training inequality")
    axi.plot(p["t"], p["loss_gap"], "k--", lw=1.3, label="trained meek model ($1,000)")
    axi.legend(fontsize=8)
    save(axi, out / "fig4_inference_vs_training.png")
    save(lines(p, "benchmark_gap", "steps", title="Benchmark gap for multi-step tasks"),
         out / "fig5_benchmark_gap_steps.png")
    save(lines(p, "tokens_to_distinguish", "slowdown", log=True,
               title="Tokens needed to tell the models apart (SPRT, 5% errors)"),
         out / "fig6_tokens_to_distinguish.png")
    fig, ax = figure(1, 3, figsize=(18, 4.8))
    for i, (var, ref) in enumerate((("loss_gap", p["loss_gap"]),
                                    ("inference_gap", p["inference_gap"].sel(g_inf=9.0)),
                                    ("benchmark_gap", p["benchmark_gap"].sel(steps=1)))):
        fan_chart(fan.drop_vars("year", errors="ignore"), var, ax=ax[0, i],
                  reference=ref.assign_attrs(long_name="authors' setting"))
    save(fig, out / "fans_with_paper_curves.png")
    steps = [int(k) for k in p["steps"].values]
    fig, ax = figure(1, len(steps), figsize=(4.6 * len(steps), 4.2), sharey=True)
    for i, k in enumerate(steps):
        ref = p["benchmark_gap"].sel(steps=k).assign_attrs(long_name="authors' setting")
        fan_chart(fan.drop_vars("year", errors="ignore"), f"benchmark_gap_p{k}", ax=ax[0, i],
                  reference=ref)
        ax[0, i].set_title(f"MMLU gap, {k} step{'s' if k > 1 else ''}", fontsize=10)
    save(fig, out / "fans_benchmark_gap_steps.png")
    tab = xr.Dataset.from_dataframe(observed[["best_overall", "best_in_band", "gap"]])
    tab.attrs["band"] = band
    save(empirical_check(tab, model_fan), out / "empirical_check.png")
