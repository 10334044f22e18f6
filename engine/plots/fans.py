"""Fan charts and outcome distributions, from fan.nc, summary and scenarios Datasets."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.axes import Axes

from engine.plots.base import axes, label, log_axis, time_axis


def fan_chart(q: xr.Dataset, var: str, *, ax: Axes | None = None, log: bool = False,
              color: str = "C0", reference: xr.DataArray | None = None) -> Axes:
    """Median with 50% and 90% bands over time from a quantile Dataset (fan.nc).

    The share of scenarios where the series is undefined or infinite is stated in the title
    when it is not zero (those scenarios are not in the bands' quantiles as NaN, but are as inf).
    """
    ax = axes(ax)
    da = q[var]
    x, xlabel = time_axis(q)
    qs = list(np.round(q["quantile"].values, 6))

    def at(p: float) -> np.ndarray:
        return da.isel(quantile=qs.index(p)).values

    with np.errstate(invalid="ignore"):
        ax.fill_between(x, at(0.05), at(0.95), color=color, alpha=0.18, lw=0, label="90% band")
        ax.fill_between(x, at(0.25), at(0.75), color=color, alpha=0.38, lw=0, label="50% band")
    ax.plot(x, at(0.5), color=color, lw=2, label="median")
    if reference is not None:
        ax.plot(x, reference.values, color="k", lw=1.3, ls="--",
                label=reference.attrs.get("long_name", "reference"))
    if log:
        log_axis(ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(label(da))
    n = q.attrs.get("n_scenarios")
    title = f"{da.attrs.get('long_name', var)}" + (f" ({n:,} scenarios)" if n else "")
    notes = []
    for kind in ("undefined", "infinite"):
        key = f"{var}_{kind}_share"
        if key in q and float(np.nanmax(q[key].values)) > 0:
            notes.append(f"{kind} in up to {float(np.nanmax(q[key].values)):.1%}")
    if notes:
        title += "\n(" + "; ".join(notes) + " of scenarios at some times)"
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return ax


def distribution(ds: xr.Dataset, var: str, *, ax: Axes | None = None, bins: int = 60) -> Axes:
    """Histogram of a per-scenario outcome with its median and 90% interval; the shares that
    are undefined, and (for times) already past at the start, stated."""
    from engine.reports.labels import lookup

    ax = axes(ax)
    values = ds[var].values.astype(float)
    start = ds.attrs.get("time_start_year")
    shift = float(start) if start is not None and np.isfinite(float(start)) and \
        lookup(var).kind == "time" else 0.0  # a time: calendar years when the run has them
    past = float((values < 0).mean()) if values.size else 0.0
    values = values + shift
    finite = values[np.isfinite(values)]
    ax.hist(finite, bins=bins, color="C0", alpha=0.75, density=True)
    if finite.size:
        lo, med, hi = np.quantile(finite, [0.05, 0.5, 0.95])
        d = 1 if shift else 2  # calendar years to a tenth, as every report writes them
        ax.axvline(med, color="k", lw=1.5, label=f"median {med:.{d}f}")
        ax.axvspan(lo, hi, color="C1", alpha=0.12, label=f"90% interval [{lo:.{d}f}, {hi:.{d}f}]")
    units = ds[var].attrs.get("units")
    if units == "a" and finite.size and finite.min() < shift:
        ax.axvline(shift, color="C3", lw=1, ls=":", label="the start")
    ax.set_xlabel(f"{ds[var].attrs.get('long_name', var)} [calendar year]" if shift
                  else label(ds[var]))
    if shift:
        from matplotlib.ticker import MaxNLocator
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("density")
    notes = []
    undefined = 1.0 - finite.size / max(values.size, 1)
    if undefined:
        notes.append(f"{undefined:.1%} undefined")
    if units == "a" and values.size:
        notes.append(f"{past:.1%} already past at the start")
    title = f"{ds[var].attrs.get('long_name', var)}"
    if notes:
        title += "\n(" + "; ".join(notes) + ")"
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax
