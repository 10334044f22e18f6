"""python run.py experiment=paper: the paper's figures, their uncertainty, the empirical check."""

from __future__ import annotations

import dataclasses
import logging
import math
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from omegaconf import DictConfig

from engine import cluster, config, empirical, evaluate, io, plots, reports, reproduce
from experiments.common import run_dir, settings

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]


def run(cfg: DictConfig) -> None:
    s, attrs = settings(cfg)
    sec, out = s.section, run_dir()
    emp = sec["empirical"]
    data_path = Path(emp["data"]) if Path(emp["data"]).is_absolute() else ROOT / emp["data"]
    board = empirical.load_leaderboard(data_path, emp["price_column"])  # fail before any work
    curves = reproduce.paper_curves(
        horizon=float(s.t[-1]), points=len(s.t), g_inv_values=sec["g_inv_values"],
        sota_budgets=sec["sota_budgets"], switch_year=sec["switch_year"],
        g_inv_after=sec["g_inv_after"], g_inf_values=sec["g_inf_values"],
        steps=sec["steps"], slowdowns=sec["slowdowns"])
    io.save_netcdf(curves, out / "paper.nc")

    # the same results with their uncertainty, and the model's side of the empirical check
    table = empirical.monthly_gap(board, emp["price_column"], tuple(emp["band"]))
    lo, hi = emp["band"]
    start = pd.Period(emp["start"], freq="M")
    start_year = start.year + (start.month - 1) / 12
    overlay_priors = config.load_priors({
        **{k: p.spec for k, p in s.priors.items()},
        "price_per_token_usd": {"dist": "fixed", "value": math.sqrt(lo * hi) / 1e6},
        **dict(emp.get("priors", {}))}, "meek")
    with cluster.connect(s.cluster):
        fans = []
        for k in sec["steps"]:
            opts = dataclasses.replace(s.options, steps=int(k))
            series = ("loss_gap", "inference_gap", "benchmark_gap") if k == 1 \
                else ("benchmark_gap",)
            ds = evaluate.run(s.design, s.priors, s.t, series=series, options=opts,
                              chunk_size=s.chunk_size, start_year=s.start_year, attrs=attrs)
            q = plots.fan_quantiles(ds, series)
            fans.append(q.rename({"benchmark_gap": f"benchmark_gap_p{k}"}))
            if k == 1:
                scenarios = ds
        months = len(table) + 12
        t_emp = np.arange(months) / 12.0
        model_side = evaluate.run(s.design, overlay_priors,
                                  t_emp, series=("inference_benchmark_gap",),
                                  options=s.options, chunk_size=s.chunk_size,
                                  start_year=start_year, attrs=attrs)
    fan = xr.merge(fans, compat="override", combine_attrs="drop_conflicts")
    io.save_netcdf(fan, out / "fan.nc")
    io.save_netcdf(scenarios.drop_vars(["loss_gap", "inference_gap", "benchmark_gap"]),
                   out / "scenarios.nc")
    model_fan = plots.fan_quantiles(model_side, ["inference_benchmark_gap"])
    io.save_netcdf(model_fan, out / "empirical_model_fan.nc")
    observed = table.reset_index()
    observed["year"] = [m.year + (m.month - 1) / 12 for m in observed["month"]]
    observed["month"] = observed["month"].astype(str)
    io.write_text(observed.to_csv(index=False), out / "empirical_gap.csv")

    _figures(out, band=f"USD {lo:g} to {hi:g} per million output tokens")
    log.info("results in %s", out)


def _figures(out: Path, band: str) -> None:
    """Every figure and the report, from the files just saved."""
    with xr.open_dataset(out / "paper.nc") as p, xr.open_dataset(out / "fan.nc") as fan, \
            xr.open_dataset(out / "empirical_model_fan.nc") as mfan, \
            xr.open_dataset(out / "scenarios.nc") as scen:
        plots.save(plots.gap_with_peak(p), out / "fig1_loss_gap_peak.png")
        fig, axes = plots.plt.subplots(1, 2, figsize=(13, 4.6), layout="constrained")
        plots.lines(p, "investment_usd", "schedule", ax=axes[0], log=True,
                    title="Frontier investment schedules")
        plots.lines(p, "loss_gap_by_schedule", "schedule", ax=axes[1],
                    title="Loss gap under each schedule")
        plots.save(fig, out / "fig2_investment_schedules.png")
        fig, axes = plots.plt.subplots(1, 2, figsize=(13, 4.6), layout="constrained")
        plots.lines(p, "loss_gap_by_g_inv", "g_inv", ax=axes[0],
                    title="Loss gap for several frontier investment growth rates")
        plots.lines(p, "loss_gap_by_sota_budget", "sota_budget_usd", ax=axes[1],
                    title="Loss gap for several frontier starting budgets")
        plots.save(fig, out / "fig3_growth_rates_and_budgets.png")
        ax = plots.lines(p, "inference_gap", "g_inf",
                         title="Inference (fixed price per token) against training inequality")
        ax.plot(p["t"], p["loss_gap"], "k--", lw=1.3, label="trained meek model ($1,000)")
        ax.legend(fontsize=8)
        plots.save(ax, out / "fig4_inference_vs_training.png")
        plots.save(plots.lines(p, "benchmark_gap", "steps",
                               title="Benchmark gap for multi-step tasks"),
                   out / "fig5_benchmark_gap_steps.png")
        plots.save(plots.lines(p, "tokens_to_distinguish", "slowdown", log=True,
                               title="Tokens needed to tell the models apart (SPRT, 5% errors)"),
                   out / "fig6_tokens_to_distinguish.png")

        # uncertainty next to the deterministic curves of figures 1, 4 and 5
        fig, axes = plots.plt.subplots(1, 3, figsize=(18, 4.8), layout="constrained")
        ref = p["loss_gap"].assign_attrs(long_name="authors' setting")
        plots.fan_chart(fan, "loss_gap", ax=axes[0], reference=ref)
        ref = p["inference_gap"].sel(g_inf=9.0).assign_attrs(long_name="authors' setting (9x)")
        plots.fan_chart(fan, "inference_gap", ax=axes[1], reference=ref)
        ref = p["benchmark_gap"].sel(steps=1).assign_attrs(long_name="authors' setting")
        plots.fan_chart(fan, "benchmark_gap_p1", ax=axes[2], reference=ref)
        plots.save(fig, out / "fans_with_paper_curves.png")
        n = len(p["steps"])
        fig, axes = plots.plt.subplots(1, n, figsize=(4.6 * n, 4.2), layout="constrained",
                                       sharey=True)
        for ax, k in zip(axes, p["steps"].values, strict=True):
            ref = p["benchmark_gap"].sel(steps=k).assign_attrs(long_name="authors' setting")
            plots.fan_chart(fan, f"benchmark_gap_p{k}", ax=ax, reference=ref)
            ax.set_title(f"benchmark gap, {k} step{'s' if k > 1 else ''}")
        plots.save(fig, out / "fans_benchmark_gap_steps.png")

        table = pd.read_csv(out / "empirical_gap.csv").set_index("year")
        tab = xr.Dataset.from_dataframe(table[["best_overall", "best_in_band", "gap"]])
        tab.attrs["band"] = band
        mfan = mfan.assign_coords(year=mfan["year"])
        plots.save(plots.empirical_check(tab, mfan), out / "empirical_check.png")
        coverage = reports.fan_coverage(table["gap"], mfan, "inference_benchmark_gap")
        io.write_text(reports.paper_report(p, fan, scen, table, coverage, band),
                      out / "report.md")
