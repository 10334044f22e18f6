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
    values = {name: np.nanquantile(ds[name].transpose("scenario", "t").values, list(quantiles),
                                   axis=0, method="inverted_cdf") for name in names}
    return fan_dataset(values, ds, quantiles, {"quantile_method": "exact (inverted CDF)"})


def fan_dataset(values: dict[str, np.ndarray], like: xr.Dataset,
                quantiles: Sequence[float] = FAN_QUANTILES,
                attrs: dict[str, object] | None = None) -> xr.Dataset:
    """A quantile Dataset (quantile, t) from arrays, with attrs and coords taken from ``like``.

    Entries named ``<series>_error_bound`` (t,) become that variable's stated error bound.
    """
    out = {}
    for name, q in values.items():
        if name.endswith("_error_bound"):
            continue
        out[name] = xr.DataArray(q, dims=("quantile", "t"), attrs=dict(like[name].attrs))
        bound = values.get(f"{name}_error_bound")
        if bound is not None:
            out[f"{name}_error_bound"] = xr.DataArray(bound, dims=("t",), attrs={
                "units": like[name].attrs.get("units", ""),
                "long_name": f"largest error of the {name} quantiles"})
    coords = {"quantile": list(quantiles), "t": like["t"]}
    if "year" in like.coords:
        coords["year"] = like["year"]
    res = xr.Dataset(out, coords=coords)
    res.attrs.update(like.attrs)
    res.attrs["n_scenarios"] = int(like.sizes["scenario"])
    res.attrs.update(attrs or {})  # e.g. the full run's attrs when ``like`` is a pilot
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


# ----------------------------------------------------------------------------- sensitivity


def _param_labels(idx: xr.Dataset) -> list[str]:
    return [str(p) for p in idx["parameter"].values]


def sobol_bars(idx: xr.Dataset, output: str, *, ax: Axes | None = None) -> Axes:
    """S1 and ST of one output per parameter, with their bootstrap half-widths."""
    ax = _axes(ax)
    sel = idx.sel(output=output)
    y = np.arange(idx.sizes["parameter"])
    h = 0.38
    ax.barh(y - h / 2, sel["S1"], h, xerr=sel["S1_conf"], color="C0", label="S1 (alone)",
            capsize=2)
    ax.barh(y + h / 2, sel["ST"], h, xerr=sel["ST_conf"], color="C1",
            label="ST (with interactions)", capsize=2)
    ax.set_yticks(y, _param_labels(idx))
    ax.invert_yaxis()
    ax.axvline(0, color="k", lw=0.6)
    ax.set_xlim(min(-0.05, float(np.nanmin(sel["S1"] - sel["S1_conf"])) - 0.02), 1.05)
    ax.set_xlabel("Sobol' index (share of output variance)")
    title = str(sel["output_label"].values) if "output_label" in idx else output
    share = float(sel["defined_share"]) if "defined_share" in idx else 1.0
    if share < 1:
        title += f"\n(where defined: {share:.1%} of scenarios)"
    ax.set_title(title, fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    return ax


def sobol_overview(idx: xr.Dataset, outputs: Sequence[str] | None = None) -> Figure:
    """One panel of S1/ST bars per output."""
    outputs = list(outputs if outputs is not None else idx["output"].values)
    cols = 3
    rows = -(-len(outputs) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 0.32 * idx.sizes["parameter"] *
                                                  rows + 1.6 * rows), layout="constrained",
                             squeeze=False)
    for ax, name in zip(axes.ravel(), outputs, strict=False):
        sobol_bars(idx, name, ax=ax)
    for ax in axes.ravel()[len(outputs):]:
        ax.set_visible(False)
    axes.ravel()[0].legend(fontsize=8, loc="lower right")
    n = idx.attrs.get("N")
    fig.suptitle(f"Sobol' indices with {idx.attrs.get('conf_level', 0.95):.0%} bootstrap "
                 f"intervals (N = {n:,} base rows)" if n else "Sobol' indices")
    return fig


def sobol_over_time(idx: xr.Dataset, series: str, q: xr.Dataset | None = None) -> Figure:
    """S1(t) as stacked areas (the rest is interactions) and ST(t) as lines, for one series."""
    sel = idx.sel(series=series)
    t = idx["t"].values
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 7.5), sharex=True, layout="constrained")
    s1 = np.clip(sel["S1_t"].transpose("parameter", "t").values, 0, None)
    labels = _param_labels(idx)
    colors = [f"C{i % 10}" for i in range(len(labels))]
    ax1.stackplot(t, s1, labels=labels, colors=colors, alpha=0.85)
    rest = np.clip(1 - s1.sum(axis=0), 0, None)
    ax1.fill_between(t, s1.sum(axis=0), s1.sum(axis=0) + rest, color="0.85", hatch="//",
                     edgecolor="0.6", lw=0, label="interactions (1 - sum S1)")
    ax1.set_ylim(0, 1.02)
    ax1.set_ylabel("first-order index S1 (stacked)")
    ax1.set_title(f"What drives the {series.replace('_', ' ')} over time")
    ax1.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    for i, name in enumerate(labels):
        st = sel["ST_t"].sel(parameter=name).values
        conf = sel["ST_t_conf"].sel(parameter=name).values
        ax2.plot(t, st, color=colors[i], label=name)
        ax2.fill_between(t, st - conf, st + conf, color=colors[i], alpha=0.15, lw=0)
    ax2.set_ylabel("total-order index ST")
    ax2.set_xlabel("years from start [yr]")
    ax2.set_ylim(0, 1.02)
    ax1.grid(alpha=0.3)
    ax2.grid(alpha=0.3)
    return fig


def convergence(idx: xr.Dataset, output: str) -> Figure:
    """S1 and ST of one output on nested prefixes of the design, with their intervals."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True, layout="constrained")
    n = idx["n_base"].values
    for ax, key in zip(axes, ("S1", "ST"), strict=True):
        for i, name in enumerate(_param_labels(idx)):
            v = idx[f"{key}_conv"].sel(output=output, parameter=name).values
            c = idx[f"{key}_conf_conv"].sel(output=output, parameter=name).values
            ax.errorbar(n * (1 + 0.02 * (i - idx.sizes["parameter"] / 2)), v, yerr=c,
                        marker="o", ms=3, capsize=2, label=name, color=f"C{i % 10}")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("base rows N")
        ax.set_title(f"{key} of {output}")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("Sobol' index")
    axes[1].legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.suptitle("Convergence: indices and bootstrap intervals at N/8, N/4, N/2, N")
    return fig


def scatter_grid(ds: xr.Dataset, outcome: str, parameters: Sequence[str],
                 max_points: int = 4000) -> Figure:
    """The outcome against each uncertain parameter (a thinned sample of scenarios)."""
    cols = 4
    rows = -(-len(parameters) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.9 * rows), sharey=True,
                             layout="constrained", squeeze=False)
    stride = max(1, ds.sizes["scenario"] // max_points)
    sub = ds.isel(scenario=slice(None, None, stride))
    y = sub[outcome].values
    for ax, name in zip(axes.ravel(), parameters, strict=False):
        x = sub[name].values
        ax.scatter(x, y, s=2, alpha=0.35, color="C0", rasterized=True)
        if np.all(x > 0) and x.max() / x.min() > 8:
            ax.set_xscale("log")
        ax.set_xlabel(label(ds[name]), fontsize=8)
        ax.grid(alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel(label(ds[outcome]), fontsize=8)
    for ax in axes.ravel()[len(parameters):]:
        ax.set_visible(False)
    fig.suptitle(f"{ds[outcome].attrs.get('long_name', outcome)} against each uncertain "
                 f"parameter ({y.size:,} scenarios)")
    return fig


def morris_chart(mo: xr.Dataset, output: str, *, ax: Axes | None = None) -> Axes:
    """Morris screening: mu* (importance) against sigma (non-linearity and interactions)."""
    ax = _axes(ax)
    sel = mo.sel(output=output)
    ax.errorbar(sel["mu_star"], sel["sigma"], xerr=sel["mu_star_conf"], fmt="o", capsize=2)
    for name in mo["parameter"].values:
        ax.annotate(str(name), (float(sel["mu_star"].sel(parameter=name)),
                                float(sel["sigma"].sel(parameter=name))),
                    textcoords="offset points", xytext=(4, 4), fontsize=8)
    lim = float(max(sel["mu_star"].max(), sel["sigma"].max())) * 1.1 or 1.0
    ax.plot([0, lim], [0, lim], color="0.6", ls="--", lw=0.8, label="sigma = mu*")
    ax.set_xlabel(f"mu* (mean |elementary effect|) [{mo['mu_star'].attrs.get('units', '')}]")
    ax.set_ylabel("sigma (spread of effects)")
    ax.set_title(f"Morris screening of {output}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax


# ----------------------------------------------------------------------------- the paper's figures


def _fmt(dim: str, value: object) -> str:
    if dim == "g_inv":
        return f"g_inv = {float(value):.3g}x/yr"
    if dim == "sota_budget_usd":
        return f"frontier starts at ${float(value):,.0f}"
    if dim == "g_inf":
        return f"g_inf = {float(value):g}x/yr"
    if dim == "steps":
        return f"{int(value)} consecutive step{'s' if int(value) > 1 else ''}"
    if dim == "slowdown":
        return f"slowdown {float(value):g}x"
    return str(value)


def lines(ds: xr.Dataset, var: str, dim: str, *, ax: Axes | None = None,
          log: bool = False, title: str | None = None) -> Axes:
    """One line per value of ``dim`` of a (dim, t) variable, labelled from the coordinate."""
    ax = _axes(ax)
    for i, value in enumerate(ds[dim].values):
        ax.plot(ds["t"], ds[var].sel({dim: value}), color=f"C{i}", lw=1.8,
                label=_fmt(dim, value))
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(label(ds["t"]))
    ax.set_ylabel(label(ds[var]))
    ax.set_title(title or ds[var].attrs.get("long_name", var))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def gap_with_peak(ds: xr.Dataset, *, ax: Axes | None = None) -> Axes:
    """The loss gap over time with its peak and true inflection marked and labelled."""
    ax = _axes(ax)
    ax.plot(ds["t"], ds["loss_gap"], lw=2, color="C0", label="loss gap")
    tp, peak, ti = ds.attrs["t_peak"], ds.attrs["peak_gap"], ds.attrs["t_inflection"]
    ax.plot([tp], [peak], "o", color="C3")
    ax.annotate(f"peak {peak:.3f} nats\nat year {tp:.2f}", (tp, peak), textcoords="offset points",
                xytext=(12, -4), fontsize=9, color="C3")
    ax.axvline(ti, color="0.4", ls=":", lw=1, label=f"true inflection (year {ti:.2f})")
    ax.set_xlabel(label(ds["t"]))
    ax.set_ylabel(label(ds["loss_gap"]))
    ax.set_title("Loss gap between a $1,000 meek model and the frontier (authors' setting)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def empirical_check(table: xr.Dataset, fan: xr.Dataset | None = None,
                    var: str = "inference_benchmark_gap") -> Figure:
    """Best score overall and within the price band over time, and the gap with the model's fan.

    ``table`` holds best_overall, best_in_band and gap over a ``year`` dimension (decimal
    years); ``fan`` (optional) the model's quantiles of ``var`` with a ``year`` coordinate.
    """
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8.5, 7.5), sharex=True, layout="constrained")
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
    ax2.set_xlabel("year")
    ax2.set_title("Observed gap and the model's benchmark gap at a fixed token price")
    ax2.grid(alpha=0.3)
    ax2.legend(fontsize=8)
    return fig
