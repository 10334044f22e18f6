"""A sweep's jobs side by side (from sweep.nc and the comparison table of
engine/reports/sweep.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from engine.plots.base import figure, time_axis


def _one_job(ds: xr.Dataset, job: Any) -> xr.Dataset:
    """One job's part of sweep.nc (``job.selector``: a position on ``job`` or swept values)."""
    if not job.selector:
        return ds
    return ds.isel(job.selector) if "job" in job.selector else ds.sel(job.selector)


def small_multiples(ds: xr.Dataset, jobs: Any, series: Any) -> Figure:
    """One row per series, one column per job (command-line order, the baseline first):
    median, 50% and 90% bands, shared axes within a row so the jobs compare at a glance."""
    from engine.reports.labels import short

    rows, cols = len(series), len(jobs)
    fig, grid = figure(rows, cols, figsize=(10.0, 2.3 * rows + 0.8), sharex=True,
                       sharey="row")
    x, xlabel = time_axis(ds)
    qs = list(np.round(ds["quantile"].values, 6))
    for r, name in enumerate(series):
        for c, job in enumerate(jobs):
            ax = grid[r, c]
            q = _one_job(ds, job)[f"fan_{name}"]
            band = {p: q.isel(quantile=qs.index(p)).values for p in (0.05, 0.25, 0.5, 0.75, 0.95)
                    if p in qs}
            if 0.05 in band:
                ax.fill_between(x, band[0.05], band[0.95], color="C0", alpha=0.15, lw=0,
                                label="90%")
            if 0.25 in band:
                ax.fill_between(x, band[0.25], band[0.75], color="C0", alpha=0.35, lw=0,
                                label="50%")
            ax.plot(x, band[0.5], color="C0", lw=1.8, label="median")
            ax.grid(alpha=0.3)
            if r == 0:
                ax.set_title(job.label + (" (baseline)" if c == 0 else ""), fontsize=10)
            if c == 0:
                ax.set_ylabel(short(name), fontsize=9)
            if r == rows - 1:
                ax.set_xlabel(xlabel, fontsize=8)
            ax.tick_params(labelsize=7)
    grid[0, 0].legend(fontsize=7, loc="upper right")
    return fig


def lever_chart(table: Any, jobs: Any, outcomes: Any, start_year: float | None) -> Figure:
    """What each job buys against the baseline: per outcome (one panel each), each job's median
    per-scenario change with its 90% interval, in the outcome's unit (years for times)."""
    from engine.reports.labels import label, lookup

    others = jobs[1:]
    cols = 2 if len(outcomes) > 1 else 1
    rows = -(-len(outcomes) // cols)
    fig, grid = figure(rows, cols, figsize=(10.0, 0.55 * len(others) * rows + 0.9 * rows + 0.6))
    for k, o in enumerate(outcomes):
        ax = grid[k // cols, k % cols]
        lab = lookup(o)
        y = np.arange(len(others))
        for i, job in enumerate(others):
            row = table.loc[(job.label, o)]
            if not bool(row["paired"]):
                continue
            mid, lo, hi = row["diff_q50"], row["diff_q5"], row["diff_q95"]
            ax.errorbar(mid, i, xerr=[[max(mid - lo, 0)], [max(hi - mid, 0)]], fmt="o",
                        color=f"C{i + 1}", capsize=3, lw=1.5)
        ax.axvline(0, color="k", lw=0.8)
        ax.set_yticks(y, [j.label for j in others], fontsize=8)
        ax.set_ylim(-0.6, len(others) - 0.4)
        ax.invert_yaxis()
        unit = "years" if lab.kind == "time" else lab.unit
        ax.set_title(label(o, start_year) + (f" [{unit}]" if unit else ""), fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", alpha=0.3)
    for k in range(len(outcomes), rows * cols):
        grid[k // cols, k % cols].set_visible(False)
    fig.suptitle(f"Change against {jobs[0].label}: median and 90% of scenarios", fontsize=10)
    return fig
