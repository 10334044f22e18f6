"""A sweep's jobs on one axes (from sweep.nc)."""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from engine.plots.base import figure, label, time_axis


def _job_label(names: Any, value: Any) -> str:
    values = value if isinstance(value, tuple) else (value,)
    return ", ".join(f"{n}={v:g}" if isinstance(v, float) else f"{n}={v}"
                     for n, v in zip(names, values, strict=False))


def overlay(ds: xr.Dataset, var: str) -> Figure:
    """The median (and 50% band) of one fan variable for every job, on one axes."""
    fig, grid = figure(1, 1, figsize=(8.5, 4.8))
    ax = grid[0, 0]
    stacked = ds[var].stack(job_=[d for d in ds[var].dims if d not in ("quantile", "t")]) \
        if len(ds[var].dims) > 2 else ds[var].expand_dims(job_=[0])
    x, xlabel = time_axis(ds)
    qs = list(np.round(ds["quantile"].values, 6))
    for i, value in enumerate(stacked["job_"].values):
        one = stacked.isel(job_=i)
        color = f"C{i % 10}"
        ax.fill_between(x, one.isel(quantile=qs.index(0.25)), one.isel(quantile=qs.index(0.75)),
                        color=color, alpha=0.2, lw=0)
        ax.plot(x, one.isel(quantile=qs.index(0.5)), color=color, lw=2, label=_job_label(
            stacked.indexes["job_"].names, value))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(label(ds[var]) if "long_name" in ds[var].attrs else var)
    ax.set_title(f"{var.removeprefix('fan_')}: median and 50% band of each job")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig
