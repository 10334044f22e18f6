"""Calibration figures from calibration.nc: predictive fans against the data, posteriors
against priors, the timing of the peak before and after."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from engine.plots.base import figure, log_axis


def predictive(cal: xr.Dataset) -> Figure:
    """Prior and posterior predictive 50%/90% bands with the observed months."""
    if "benchmark" in cal.dims:
        return levels_predictive(cal)
    fig, grid = figure(1, 2, figsize=(13, 4.6), sharey=True)
    x = cal["year"].values
    qs = list(np.round(cal["quantile"].values, 6))
    for ax, key, title, color in ((grid[0, 0], "prior_predictive", "prior", "C0"),
                                  (grid[0, 1], "posterior_predictive", "posterior", "C1")):
        q = cal[key]
        ax.fill_between(x, q.isel(quantile=qs.index(0.05)), q.isel(quantile=qs.index(0.95)),
                        color=color, alpha=0.2, lw=0, label="90% predictive band")
        ax.fill_between(x, q.isel(quantile=qs.index(0.25)), q.isel(quantile=qs.index(0.75)),
                        color=color, alpha=0.4, lw=0, label="50% band")
        ax.plot(x, q.isel(quantile=qs.index(0.5)), color=color, lw=1.5, label="median")
        ax.plot(x, cal["observed_gap"], "o-", color="k", ms=3, lw=1, label="observed")
        cover = float(cal[f"{title}_coverage"])
        ax.set_title(f"{title} predictive: the 90% band covers {cover:.0%} of the months",
                     fontsize=10)
        ax.set_xlabel("calendar year")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    grid[0, 0].set_ylabel("MMLU-Pro gap, best overall minus best in the band [pp]")
    return fig


def _hist(ax, values, weights, color, label, log):
    finite = np.isfinite(values)
    v, w = values[finite], weights[finite]
    bins = np.geomspace(v.min(), v.max(), 40) if log and v.min() > 0 else 40
    ax.hist(v, bins=bins, weights=w / max(w.sum(), 1e-300), color=color, alpha=0.5,
            label=label)


def parameters(cal: xr.Dataset) -> Figure:
    """Each uncertain parameter's posterior (weighted) against its prior."""
    names = str(cal.attrs["uncertain_parameters"]).split()
    cols = 4
    rows = -(-len(names) // cols)
    fig, grid = figure(rows, cols, figsize=(3.6 * cols, 2.8 * rows))
    flat = np.full(cal.sizes["particle"], 1.0)
    for ax, name in zip(grid.ravel(), names, strict=False):
        prior, post = cal[f"prior_{name}"].values, cal[name].values
        log = bool(np.all(prior > 0) and prior.max() / prior.min() > 20)
        _hist(ax, prior, flat, "C0", "prior", log)
        _hist(ax, post, cal["weight"].values, "C1", "posterior", log)
        if log:
            log_axis(ax, "x")
        ax.set_title(name, fontsize=9)
        ax.set_yticks([])
    for ax in grid.ravel()[len(names):]:
        ax.set_visible(False)
    grid.ravel()[0].legend(fontsize=8)
    fig.suptitle("What the leaderboard informs: posterior (orange) against prior (blue)")
    return fig


def t_peak(cal: xr.Dataset) -> Figure:
    """The time of the loss-gap peak before and after conditioning on the data."""
    fig, grid = figure(1, 1, figsize=(7.5, 4.2))
    ax = grid[0, 0]
    for key, color, label in (("prior_t_peak", "C0", "prior"),
                              ("posterior_t_peak", "C1", "posterior")):
        v = cal[key].values
        v = v[np.isfinite(v)]
        lo, med, hi = np.quantile(v, [0.05, 0.5, 0.95])
        ax.hist(v, bins=60, density=True, alpha=0.5, color=color,
                label=f"{label}: median {med:.2f} [{lo:.2f}, {hi:.2f}]")
    ax.axvline(0, color="C3", lw=1, ls=":", label="the start (negative: already past)")
    ax.set_xlabel("time of the loss-gap peak [years from the start]")
    ax.set_ylabel("density")
    ax.set_title("When the loss gap peaks, before and after the data")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def _band(ax, x, q, qs, color, label):
    ax.fill_between(x, q.isel(quantile=qs.index(0.05)), q.isel(quantile=qs.index(0.95)),
                    color=color, alpha=0.2, lw=0, label=f"{label} 90%")
    ax.plot(x, q.isel(quantile=qs.index(0.5)), color=color, lw=1.3, label=f"{label} median")


def levels_predictive(cal: xr.Dataset) -> Figure:
    """Per benchmark: the records of each side inside the posterior predictive of a new record,
    and the monthly gap inside the posterior predictive of the gap."""
    names = [str(b) for b in cal["benchmark"].values]
    fig, grid = figure(len(names), 2, figsize=(13, 4.2 * len(names)), sharex=True)
    x = cal["year"].values
    qs = list(np.round(cal["quantile"].values, 6))
    for r, b in enumerate(names):
        ax = grid[r, 0]
        for side, color in (("frontier", "C3"), ("band", "C0")):
            q = cal["posterior_level_predictive"].sel(benchmark=b, side=side)
            _band(ax, x, q, qs, color, side)
            lv = cal["observed_level"].sel(benchmark=b, side=side).values
            rec = cal["observed_record"].sel(benchmark=b, side=side).values.astype(bool)
            ax.step(x, lv, where="post", color=color, lw=0.8, alpha=0.7)
            ax.plot(x[rec], lv[rec], "o", color=color, ms=4, mec="k", mew=0.5)
        ax.set_title(f"{b}: records (dots, the months fitted) and the posterior predictive",
                     fontsize=10)
        ax.set_ylabel("score [%]")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, ncol=2)
        ax = grid[r, 1]
        _band(ax, x, cal["posterior_predictive"].sel(benchmark=b), qs, "C1", "posterior")
        ax.plot(x, cal["observed_gap"].sel(benchmark=b), "o-", color="k", ms=3, lw=1,
                label="observed gap")
        if "holdout_forecast" in cal:
            f = cal["holdout_forecast"].sel(benchmark=b)
            years = dict(zip(cal["month"].values, x, strict=True))
            for o in cal["origin"].values:
                xo = years[str(o)] + cal["horizon"].values / 12.0
                ok = np.isfinite(f.sel(origin=o, forecast_quantile=0.5).values)
                ax.plot(xo[ok], f.sel(origin=o, forecast_quantile=0.5).values[ok], "-",
                        color="C2", lw=0.8, alpha=0.6)
            ax.plot([], [], "-", color="C2", lw=0.8, label="hold-out medians, each origin")
        ax.set_title(f"{b}: gap, best overall minus best in the band", fontsize=10)
        ax.set_ylabel("gap [pp]")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    for ax in grid[-1]:
        ax.set_xlabel("calendar year")
    return fig


def holdout(cal: xr.Dataset) -> Figure:
    """Per benchmark: the hold-out forecasts' mean CRPS by months ahead, the calibration against
    the naive forecasts (lower is better)."""
    names = [str(b) for b in cal["benchmark"].values]
    fig, grid = figure(1, len(names), figsize=(6.2 * len(names), 4.0), sharey=False)
    h = cal["horizon"].values
    for ax, b in zip(grid[0], names, strict=True):
        ax.plot(h, cal["holdout_crps_by_horizon"].sel(benchmark=b), "o-", color="C1",
                label=f"calibration (mean {float(cal['holdout_crps'].sel(benchmark=b)):.2f}, "
                      f"90% coverage {float(cal['holdout_coverage'].sel(benchmark=b)):.2f})")
        for f, color in zip(cal["forecaster"].values, ("C7", "C0"), strict=False):
            ax.plot(h, cal["naive_crps_by_horizon"].sel(benchmark=b, forecaster=f), "s--",
                    color=color, label=f"{f} (mean "
                    f"{float(cal['naive_crps'].sel(benchmark=b, forecaster=f)):.2f}, coverage "
                    f"{float(cal['naive_coverage'].sel(benchmark=b, forecaster=f)):.2f})")
        ax.set_title(f"{b}: forecasts of held-out gaps", fontsize=10)
        ax.set_xlabel("months ahead of the origin")
        ax.set_ylabel("mean CRPS [pp]")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    return fig
