"""Sensitivity figures from sobol.nc, morris.nc and scenarios."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from engine.plots.base import axes, figure, label, log_axis


def _factors(idx: xr.Dataset, width: int = 30) -> list[str]:
    """Factor labels; a group of factors ("a+b+c") wraps after a "+" every ~``width`` chars."""
    from engine.reports.labels import label

    labels = []
    for name in map(str, idx["factor"].values):
        lines = [""]
        for part in ([label(name)] if name == "scaling_law" else
                     [label(n) for n in name.split("+")]):
            if lines[-1] and len(lines[-1]) + len(part) + 1 > width:
                lines[-1] += "+"
                lines.append(part)
            else:
                lines[-1] += ("+" if lines[-1] else "") + part
        labels.append("\n".join(lines))
    return labels


def sobol_bars(idx: xr.Dataset, output: str, *, ax: Axes | None = None) -> Axes:
    """S1 and ST of one output per factor, with their bootstrap half-widths."""
    ax = axes(ax)
    sel = idx.sel(output=output)
    y = np.arange(idx.sizes["factor"])
    h = 0.38
    s1, st = np.nan_to_num(sel["S1"].values), np.nan_to_num(sel["ST"].values)
    ax.barh(y - h / 2, s1, h, xerr=np.nan_to_num(sel["S1_conf"].values), color="C0",
            label="S1 (alone)", capsize=2)
    ax.barh(y + h / 2, st, h, xerr=np.nan_to_num(sel["ST_conf"].values), color="C1",
            label="ST (with interactions)", capsize=2)
    ax.set_yticks(y, _factors(idx))
    ax.invert_yaxis()
    ax.axvline(0, color="k", lw=0.6)
    ax.set_xlim(min(-0.05, float(np.min(s1 - np.nan_to_num(sel["S1_conf"].values))) - 0.02),
                1.05)
    ax.set_xlabel("Sobol' index (share of output variance)")
    title = str(sel["output_label"].values) if "output_label" in idx else output
    share = float(sel["defined_share"]) if "defined_share" in idx else 1.0
    if share < 1:
        title += f"\n(where defined: {share:.1%} of scenarios)"
    if not np.isfinite(sel["S1"].values).any():
        title += "\n(too few defined scenarios to analyse)"
    ax.set_title(title, fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    return ax


def sobol_overview(idx: xr.Dataset, outputs: Sequence[str] | None = None) -> Figure:
    """Every output against every factor in one heatmap: colour = total-order index ST, text =
    S1 / ST (blank: ST below 0.005, both indices round to 0.00; a grey cell: the output is
    defined too rarely to analyse)."""
    outputs = list(outputs if outputs is not None else idx["output"].values)
    factors = _factors(idx)
    st = np.stack([idx["ST"].sel(output=o).values for o in outputs])
    s1 = np.stack([idx["S1"].sel(output=o).values for o in outputs])
    labels = [str(idx["output_label"].sel(output=o).values) if "output_label" in idx else o
              for o in outputs]
    labels = [(lb if len(lb) <= 58 else lb[:55] + "...") + f"  ({o})" for lb, o in
              zip(labels, outputs, strict=True)]
    fig, grid = figure(1, 1, figsize=(1.0 * len(factors) + 6.5, 0.42 * len(outputs) + 2.2))
    ax = grid[0, 0]
    image = ax.imshow(np.clip(np.nan_to_num(st, nan=0.0), 0, 1), cmap="Oranges", vmin=0, vmax=1,
                      aspect="auto")
    for i in range(len(outputs)):
        for j in range(len(factors)):
            if np.isfinite(st[i, j]):
                if st[i, j] >= 0.005:
                    ax.text(j, i, f"{max(s1[i, j], 0):.2f}\n{st[i, j]:.2f}", ha="center",
                            va="center", fontsize=6.5, color="k" if st[i, j] < 0.6 else "w")
            else:
                ax.add_patch(plt_rect(j, i))
    ax.set_xticks(range(len(factors)), factors, rotation=35, ha="right", fontsize=8)
    ax.set_yticks(range(len(outputs)), labels, fontsize=8)
    fig.colorbar(image, ax=ax, label="total-order index ST (with interactions)", shrink=0.6)
    n = idx.attrs.get("N")
    ax.set_title("Sobol' indices: in each cell S1 (alone) over ST (with interactions); "
                 "blank: ST < 0.005" + (f"\nN = {n:,} base rows" if n else ""), fontsize=10)
    return fig


def plt_rect(j: int, i: int) -> Rectangle:
    return Rectangle((j - 0.5, i - 0.5), 1, 1, color="0.85")


def sobol_ranking(idx: xr.Dataset, output: str) -> Figure:
    """One output's S1 and ST bars with their bootstrap half-widths (the headline figure)."""
    fig, grid = figure(1, 1, figsize=(7.5, 0.35 * idx.sizes["factor"] + 1.6))
    sobol_bars(idx, output, ax=grid[0, 0])
    grid[0, 0].legend(fontsize=8, loc="lower right")
    return fig


def sobol_over_time(idx: xr.Dataset, series: str, start_year: float | None = None) -> Figure:
    """S1(t) as stacked areas (the rest is interactions) and ST(t) as lines, for one series;
    time points where the output's variance collapsed are left blank and said so. With
    ``start_year`` the time axis is in calendar years."""
    from engine.reports.labels import label

    sel = idx.sel(series=series)
    calendar = start_year is not None and np.isfinite(start_year)
    t = idx["t"].values + (float(start_year) if calendar else 0.0)
    fig, grid = figure(2, 1, figsize=(8, 7.5), sharex=True)
    ax1, ax2 = grid[:, 0]
    s1 = np.clip(sel["S1_t"].transpose("factor", "t").values, 0, None)
    labels = _factors(idx)
    colors = [f"C{i % 10}" for i in range(len(labels))]
    ax1.stackplot(t, np.nan_to_num(s1), labels=labels, colors=colors, alpha=0.85)
    total = np.nansum(s1, axis=0)
    rest = np.clip(1 - total, 0, None)
    collapsed = sel["collapsed"].values.astype(bool) if "collapsed" in sel else \
        np.zeros(t.shape, dtype=bool)
    rest = np.where(collapsed, 0.0, rest)
    ax1.fill_between(t, total, total + rest, color="0.85", hatch="//", edgecolor="0.6", lw=0,
                     label="interactions (1 - sum S1)")
    if collapsed.any():
        first = float(t[collapsed][0])
        for ax in (ax1, ax2):
            ax.axvspan(first, float(t[-1]), color="0.6", alpha=0.25, lw=0)
        ax1.text(first, 0.5, " output variance has collapsed:\n indices undefined here",
                 fontsize=8, va="center")
    ax1.set_ylim(0, 1.02)
    ax1.set_ylabel("first-order index S1 (stacked)")
    ax1.set_title(f"What drives the {label(series)} over time")
    ax1.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    for i, name in enumerate(labels):
        st = sel["ST_t"].isel(factor=i).values
        conf = sel["ST_t_conf"].isel(factor=i).values
        ax2.plot(t, st, color=colors[i], label=name)
        ax2.fill_between(t, st - conf, st + conf, color=colors[i], alpha=0.15, lw=0)
    ax2.set_ylabel("total-order index ST")
    ax2.set_xlabel("calendar year" if calendar else "years from the start")
    top = float(np.nanmax(sel["ST_t"].values)) if np.isfinite(sel["ST_t"].values).any() else 1
    ax2.set_ylim(0, max(1.02, top + 0.05))
    ax1.grid(alpha=0.3)
    ax2.grid(alpha=0.3)
    return fig


def convergence(idx: xr.Dataset, output: str) -> Figure:
    """S1 and ST of one output on nested prefixes of the design, with their intervals."""
    fig, grid = figure(1, 2, figsize=(11, 4.2), sharey=True)
    n = idx["n_base"].values
    for ax, key in zip(grid[0], ("S1", "ST"), strict=True):
        for i, name in enumerate(_factors(idx)):
            v = idx[f"{key}_conv"].sel(output=output).isel(factor=i).values
            c = idx[f"{key}_conf_conv"].sel(output=output).isel(factor=i).values
            ax.errorbar(n * (1 + 0.02 * (i - idx.sizes["factor"] / 2)), v, yerr=c,
                        marker="o", ms=3, capsize=2, label=name, color=f"C{i % 10}")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("base rows N")
        ax.set_title(f"{key} of {output}")
        ax.grid(alpha=0.3)
    grid[0, 0].set_ylabel("Sobol' index")
    grid[0, 1].legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.suptitle("Convergence: indices and bootstrap intervals at N/8, N/4, N/2, N")
    return fig


def scatter_grid(ds: xr.Dataset, outcome: str, parameters: Sequence[str],
                 max_points: int = 2500) -> Figure:
    """The outcome against each uncertain parameter (a thinned sample of scenarios)."""
    cols = 4
    rows = -(-len(parameters) // cols)
    fig, grid = figure(rows, cols, figsize=(3.4 * cols, 2.9 * rows), sharey=True, layout=None)
    height = 2.9 * rows  # inches: room for tick labels and x labels below, the title above
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.6 / height, top=1 - 0.4 / height,
                        wspace=0.08, hspace=0.5)
    stride = max(1, ds.sizes["scenario"] // max_points)
    sub = ds[[outcome, *parameters]].isel(scenario=slice(None, None, stride)).load()
    y = sub[outcome].values
    for ax, name in zip(grid.ravel(), parameters, strict=False):
        x = sub[name].values
        ax.scatter(x, y, s=2, alpha=0.35, color="C0")
        if np.all(x > 0) and x.max() / max(x.min(), 1e-300) > 8:
            log_axis(ax, "x")
        ax.set_xlabel(label(ds[name]), fontsize=7)
        ax.grid(alpha=0.3)
    for ax in grid[:, 0]:
        ax.set_ylabel(label(ds[outcome]), fontsize=8)
    for ax in grid.ravel()[len(parameters):]:
        ax.set_visible(False)
    fig.suptitle(f"{ds[outcome].attrs.get('long_name', outcome)} against each uncertain "
                 f"parameter ({y.size:,} scenarios shown)")
    return fig


def morris_chart(mo: xr.Dataset, output: str, *, ax: Axes | None = None) -> Axes:
    """Morris screening: mu* (importance) against sigma (non-linearity and interactions); one
    marker per factor, named in the legend so that no labels overlap."""
    from engine.reports.labels import label

    ax = axes(ax, figsize=(9.0, 4.6))
    sel = mo.sel(output=output)
    markers = "osD^vP*Xh<>p"
    for i, name in enumerate(mo["factor"].values):
        m = float(sel["mu_star"].sel(factor=name))
        s = float(sel["sigma"].sel(factor=name))
        c = float(sel["mu_star_conf"].sel(factor=name))
        ax.errorbar([m], [s], xerr=[c], fmt=markers[i % len(markers)], color=f"C{i % 10}",
                    capsize=2, label=label(str(name)), ms=6)
    finite = np.concatenate([sel["mu_star"].values, sel["sigma"].values])
    lim = float(np.nanmax(finite)) * 1.1 if np.isfinite(finite).any() else 1.0
    ax.plot([0, lim], [0, lim], color="0.6", ls="--", lw=0.8, label="sigma = mu*")
    ax.set_xlabel("mu* (mean |elementary effect| per unit of prior quantile)")
    ax.set_ylabel("sigma (spread of the effects)")
    ax.set_title(f"Morris screening of the {label(output)}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return ax
