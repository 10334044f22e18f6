"""Scenario-discovery figures from discovery.nc (and the scenarios it analysed)."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from engine.plots.base import figure, time_axis


def tradeoff(disc: xr.Dataset) -> Figure:
    """Coverage against density along each box's peeling trajectory; the chosen box marked."""
    fig, grid = figure(1, 1, figsize=(7, 4.6))
    ax = grid[0, 0]
    for b in disc["box"].values:
        cov = disc["trajectory_coverage"].sel(box=b).values
        den = disc["trajectory_density"].sel(box=b).values
        ok = np.isfinite(cov)
        ax.plot(cov[ok], den[ok], "o-", ms=3, color=f"C{b}", label=f"box {b + 1} trajectory")
        ax.plot(float(disc["coverage"].sel(box=b)), float(disc["density"].sel(box=b)), "*",
                ms=14, color=f"C{b}", markeredgecolor="k", label=f"box {b + 1} chosen")
    ax.axhline(disc.attrs["case_share"], color="0.5", ls=":", label="share of cases overall")
    ax.set_xlabel("coverage (share of all cases inside the box)")
    ax.set_ylabel("density (share of the box that are cases)")
    ax.set_title(f"PRIM trade-off for: {disc.attrs['condition']}", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def _input_label(name: str, long: bool = False) -> str:
    """An input as a reader knows it; alpha stands for the scaling-law fit (docs/MODEL.md
    section 3: a low alpha is Hoffmann 2022's fit, a high one Besiroglu 2024's)."""
    from engine.reports.labels import FITS, with_unit

    if name == "alpha":
        (a, xa), (b, xb) = FITS.items()
        return f"scaling-law fit: alpha ({a} {xa:.3f}, {b} {xb:.3f})" if long else \
            "scaling-law fit (alpha)"
    return with_unit(name)


def limits(disc: xr.Dataset) -> Figure:
    """Each box's limits as a share of the sampled range of each input."""
    names = [str(p) for p in disc["parameter"].values]
    fig, grid = figure(1, 1, figsize=(10, 0.5 * len(names) + 1.8))
    ax = grid[0, 0]
    lo, hi = disc["range_low"].values, disc["range_high"].values
    span = np.where(hi > lo, hi - lo, 1.0)
    nb = disc.sizes["box"]
    for b in range(nb):
        a = (disc["lower"].isel(box=b).values - lo) / span
        z = (disc["upper"].isel(box=b).values - lo) / span
        y = np.arange(len(names)) + (b - (nb - 1) / 2) * 0.3
        ax.barh(y, z - a, left=a, height=0.25, color=f"C{b}", alpha=0.8, label=f"box {b + 1}")
        for i, p in enumerate(disc["p_value"].isel(box=b).values):
            if np.isfinite(p):
                ax.text(min(z[i] + 0.01, 0.9), y[i], f"p={p:.2g}", va="center", fontsize=7)
    ax.set_yticks(np.arange(len(names)), [_input_label(n) for n in names])
    ax.set_xlim(0, 1.12)
    ax.set_xlabel("share of the sampled range (0 = lowest value drawn, 1 = highest)")
    ax.set_title("Box limits within the sampled ranges (p: quasi-p-value of a restriction)",
                 fontsize=10, loc="left")
    ax.invert_yaxis()
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return fig


def pairs(disc: xr.Dataset, scenarios: xr.Dataset, max_points: int = 5000) -> Figure:
    """The two most restricted inputs of box 1, scenarios coloured by the condition."""
    pv = disc["p_value"].isel(box=0).values
    order = np.argsort(np.where(np.isfinite(pv), pv, np.inf))
    names = [str(disc["parameter"].values[i]) for i in order[:2]]
    fig, grid = figure(1, 1, figsize=(6.5, 5.2))
    ax = grid[0, 0]
    stride = max(1, scenarios.sizes["scenario"] // max_points)
    sub = scenarios.isel(scenario=slice(None, None, stride))
    case = disc["case"].values[::stride].astype(bool)
    x, y = sub[names[0]].values, sub[names[1]].values
    ax.scatter(x[~case], y[~case], s=3, color="0.7", alpha=0.5, label="condition false",
               rasterized=True)
    ax.scatter(x[case], y[case], s=3, color="C3", alpha=0.6, label="condition true",
               rasterized=True)
    b = disc.isel(box=0)
    x0, x1 = float(b["lower"].sel(parameter=names[0])), float(b["upper"].sel(parameter=names[0]))
    y0, y1 = float(b["lower"].sel(parameter=names[1])), float(b["upper"].sel(parameter=names[1]))
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, lw=2, color="k",
                           label="box 1"))
    for axis, n in ((ax.xaxis, names[0]), (ax.yaxis, names[1])):
        axis.set_label_text(_input_label(n, long=True), fontsize=8)
    for n, setter in ((names[0], ax.set_xscale), (names[1], ax.set_yscale)):
        v = sub[n].values
        if np.all(v > 0) and v.max() / v.min() > 20:
            setter("log")
    ax.set_title(f"{disc.attrs['condition']}: the two most restricted inputs", fontsize=10)
    ax.legend(fontsize=8, markerscale=4)
    return fig


def envelopes(scenarios: xr.Dataset, inside: np.ndarray, names: list[str]) -> Figure:
    """Median and 90% envelope of series for scenarios in and out of box 1."""
    fig, grid = figure(1, len(names), figsize=(6.5 * len(names), 4.4))
    x, xlabel = time_axis(scenarios)
    for ax, name in zip(grid[0], names, strict=True):
        v = scenarios[name].values
        for mask, color, label in ((inside, "C3", "in box 1"), (~inside, "C0", "outside")):
            if not mask.any():
                continue
            with np.errstate(all="ignore"):
                q = np.nanquantile(v[mask], [0.05, 0.5, 0.95], axis=0)
            ax.fill_between(x, q[0], q[2], color=color, alpha=0.2, lw=0)
            ax.plot(x, q[1], color=color, lw=2, label=f"{label} ({mask.mean():.0%})")
        ax.set_xlabel(xlabel)
        ax.set_title(scenarios[name].attrs.get("long_name", name), fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return fig
