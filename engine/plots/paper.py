"""The paper's figures and the empirical check, from paper.nc and the leaderboard table."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from engine.plots.base import axes, figure, label, log_axis


def _fmt(dim: str, value: object) -> str:
    v = float(value)  # type: ignore[arg-type]
    return {
        "g_inv": f"g_inv = {v:.3g}x/yr",
        "sota_budget_usd": f"frontier starts at ${v:,.0f}",
        "g_inf": f"g_inf = {v:g}x/yr",
        "steps": f"{int(v)} consecutive step{'s' if int(v) > 1 else ''}",
        "slowdown": f"slowdown {v:g}x",
    }.get(dim, str(value))


def lines(ds: xr.Dataset, var: str, dim: str, *, ax: Axes | None = None, log: bool = False,
          title: str | None = None) -> Axes:
    """One line per value of ``dim`` of a (dim, t) variable, labelled from the coordinate."""
    ax = axes(ax)
    for i, value in enumerate(ds[dim].values):
        ax.plot(ds["t"], ds[var].sel({dim: value}), color=f"C{i}", lw=1.8,
                label=_fmt(dim, value) if dim != "schedule" else str(value))
    if log:
        log_axis(ax)
    ax.set_xlabel("years from the start")
    ax.set_ylabel(label(ds[var]))
    ax.set_title(title or ds[var].attrs.get("long_name", var), fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def gap_with_peak(ds: xr.Dataset, *, ax: Axes | None = None) -> Axes:
    """The loss gap over time with its peak and true inflection marked and labelled."""
    ax = axes(ax)
    ax.plot(ds["t"], ds["loss_gap"], lw=2, color="C0", label="loss gap")
    tp, peak, ti = ds.attrs["t_peak"], ds.attrs["peak_gap"], ds.attrs["t_inflection"]
    ax.plot([tp], [peak], "o", color="C3")
    ax.annotate(f"peak {peak:.3f} nats\nat year {tp:.2f}", (tp, peak), textcoords="offset points",
                xytext=(12, -4), fontsize=9, color="C3")
    ax.axvline(ti, color="0.4", ls=":", lw=1, label=f"true inflection (year {ti:.2f})")
    ax.set_xlabel("years from the start")
    ax.set_ylabel(label(ds["loss_gap"]))
    ax.set_title("Loss gap between a $1,000 meek model and the frontier (authors' setting)",
                 fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def empirical_check(table: xr.Dataset, fan: xr.Dataset | None = None,
                    var: str = "inference_benchmark_gap") -> Figure:
    """Best score overall and within the price band by month, and the gap with the model's fan.

    ``table`` holds best_overall, best_in_band and gap over a ``year`` dimension (decimal
    years); ``fan`` (optional) the model's quantiles of ``var`` with a ``year`` coordinate.
    """
    fig, grid = figure(2, 1, figsize=(8.5, 7.5), sharex=True)
    ax1, ax2 = grid[:, 0]
    x = table["year"].values
    ax1.step(x, table["best_overall"], where="post", color="C3", label="best released so far")
    ax1.step(x, table["best_in_band"], where="post", color="C0",
             label=f"best in the price band ({table.attrs.get('band', '')})")
    ax1.set_ylabel("MMLU-Pro [%]")
    ax1.set_title("Frontier against a fixed price band (Artificial Analysis leaderboard)")
    ax1.grid(alpha=0.3)
    ax1.legend(fontsize=8)
    if fan is not None:
        qs = list(np.round(fan["quantile"].values, 6))
        fx = fan["year"].values
        band = fan[var]
        ax2.fill_between(fx, band.isel(quantile=qs.index(0.05)), band.isel(
            quantile=qs.index(0.95)), color="C1", alpha=0.2, lw=0, label="model: 90% band")
        ax2.fill_between(fx, band.isel(quantile=qs.index(0.25)), band.isel(
            quantile=qs.index(0.75)), color="C1", alpha=0.4, lw=0, label="model: 50% band")
        ax2.plot(fx, band.isel(quantile=qs.index(0.5)), color="C1", lw=1.5,
                 label="model: median")
    ax2.plot(x, table["gap"], "o-", color="k", ms=3, lw=1, label="observed gap")
    ax2.set_ylabel("gap [percentage points]")
    ax2.set_xlabel("calendar year")
    ax2.set_title("Observed gap and the model's benchmark gap at a fixed token price")
    ax2.grid(alpha=0.3)
    ax2.legend(fontsize=8)
    return fig
