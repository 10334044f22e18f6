"""Figures drawn from saved Datasets: ``fn(ds, var, *, ax=None) -> Axes``, labelled from attrs.

Nothing here runs the model; every function reads what a Dataset holds, so a figure can be
redrawn from scenarios.nc, fan.nc or sobol.nc alone.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from engine.io import atomic_path  # noqa: E402

FAN_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def label(da: xr.DataArray) -> str:
    """'long_name [units]' from a variable's attrs (its name when they are missing)."""
    name = da.attrs.get("long_name", da.name or "")
    units = da.attrs.get("units")
    return f"{name} [{units}]" if units and units != "1" else str(name)


def _axes(ax: Axes | None, figsize: tuple[float, float] = (7.0, 4.2)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def fan_quantiles(ds: xr.Dataset, names: Sequence[str],
                  quantiles: Sequence[float] = FAN_QUANTILES) -> xr.Dataset:
    """Quantiles over scenarios of each (scenario, t) series, keeping attrs.

    Uses the inverted-CDF definition (an actual sample value, no interpolation), so series that
    hold inf (tokens where the gap is zero) stay meaningful. NaN scenarios are skipped.
    """
    out = {}
    for name in names:
        arr = ds[name].transpose("scenario", "t").values
        q = np.nanquantile(arr, list(quantiles), axis=0, method="inverted_cdf")
        out[name] = xr.DataArray(q, dims=("quantile", "t"), attrs=dict(ds[name].attrs))
    coords = {"quantile": list(quantiles), "t": ds["t"]}
    if "year" in ds.coords:
        coords["year"] = ds["year"]
    res = xr.Dataset(out, coords=coords)
    res.attrs.update(ds.attrs)
    res.attrs["n_scenarios"] = int(ds.sizes["scenario"])
    return res


def fan_chart(q: xr.Dataset, var: str, *, ax: Axes | None = None, log: bool = False,
              color: str = "C0", reference: xr.DataArray | None = None) -> Axes:
    """Median with 50% and 90% bands over time from a quantile Dataset (see fan_quantiles)."""
    ax = _axes(ax)
    da = q[var]
    x = q["year"] if "year" in q.coords else q["t"]
    qs = list(np.round(q["quantile"].values, 6))

    def at(p: float) -> np.ndarray:
        return da.isel(quantile=qs.index(p)).values

    ax.fill_between(x, at(0.05), at(0.95), color=color, alpha=0.18, lw=0, label="90% band")
    ax.fill_between(x, at(0.25), at(0.75), color=color, alpha=0.38, lw=0, label="50% band")
    ax.plot(x, at(0.5), color=color, lw=2, label="median")
    if reference is not None:
        ax.plot(x, reference.values, color="k", lw=1.3, ls="--",
                label=reference.attrs.get("long_name", "reference"))
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(label(x))
    ax.set_ylabel(label(da))
    n = q.attrs.get("n_scenarios")
    ax.set_title(f"{da.attrs.get('long_name', var)}" + (f" ({n:,} scenarios)" if n else ""))
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return ax


def distribution(ds: xr.Dataset, var: str, *, ax: Axes | None = None, bins: int = 60) -> Axes:
    """Histogram of a per-scenario outcome, with its median and 90% interval marked."""
    ax = _axes(ax)
    values = ds[var].values
    finite = values[np.isfinite(values)]
    share_undefined = 1.0 - finite.size / max(values.size, 1)
    ax.hist(finite, bins=bins, color="C0", alpha=0.75, density=True)
    if finite.size:
        lo, med, hi = np.quantile(finite, [0.05, 0.5, 0.95])
        ax.axvline(med, color="k", lw=1.5, label=f"median {med:.2f}")
        ax.axvspan(lo, hi, color="C1", alpha=0.12, label=f"90% interval [{lo:.2f}, {hi:.2f}]")
    ax.set_xlabel(label(ds[var]))
    ax.set_ylabel("density")
    title = f"distribution of {ds[var].attrs.get('long_name', var)}"
    if share_undefined:
        title += f" ({share_undefined:.1%} undefined)"
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def save(fig_or_ax: Figure | Axes, path: str | os.PathLike[str], dpi: int = 120) -> None:
    """Save a figure as PNG atomically and close it."""
    fig = fig_or_ax.figure if isinstance(fig_or_ax, Axes) else fig_or_ax
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png")
    plt.close(fig)
