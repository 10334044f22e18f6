"""Per-outcome summaries: quantiles and the shares a forecaster must know about.

For every scalar outcome: the 5/25/50/75/95% quantiles over the scenarios where it is defined,
its mean, and the shares of scenarios where it is undefined (NaN: e.g. the gap never falls below
the threshold within the time grid), infinite, or negative (for times: already in the past at
the start, e.g. a peak that is already behind us).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: At most this many scenarios enter a summary (the first ones), so huge runs stay cheap.
MAX_ROWS = 2_000_000


def scalar_outcomes(ds: xr.Dataset, exclude: Sequence[str] = ("domain_reason",)) -> list[str]:
    """The per-scenario float outcomes of a scenarios Dataset (parameters excluded)."""
    params = set(str(ds.attrs.get("parameters", "")).split())
    return [str(k) for k, v in ds.data_vars.items() if v.dims == ("scenario",)
            and v.dtype.kind == "f" and k not in exclude and k not in params]


def thinned(ds: xr.Dataset, names: Sequence[str]) -> tuple[xr.Dataset, int]:
    """``names`` of the first MAX_ROWS scenarios, loaded, and how many that is. In every design
    each row is a draw from the priors, and a prefix is a fair sample (Monte Carlo rows are
    i.i.d.; a Sobol' sequence's prefix is itself balanced; a Latin hypercube's first rows take
    a random subset of its strata; each Saltelli row takes every column from one of two i.i.d.
    samples), with quantiles to ~1e-3 of their spread at 2e6 rows. It reads a few chunks of a
    10^8-scenario store, where an even stride reads every chunk."""
    rows = min(ds.sizes["scenario"], MAX_ROWS)
    return ds[list(names)].isel(scenario=slice(0, rows)).load(), rows


def summarise(ds: xr.Dataset, names: Sequence[str]) -> xr.Dataset:
    """Quantiles and shares of ``names`` (an ``outcome`` dimension)."""
    rows = ds.sizes["scenario"]
    summarised = min(rows, MAX_ROWS)
    q = np.full((len(names), len(QUANTILES)), np.nan)
    mean, undefined, infinite, negative = (np.zeros(len(names)) for _ in range(4))
    for i, name in enumerate(names):  # one outcome in memory at a time
        v = thinned(ds, [name])[0][name].values.astype(float)
        finite = v[np.isfinite(v)]
        undefined[i] = np.isnan(v).mean() if v.size else np.nan
        infinite[i] = np.isinf(v).mean() if v.size else np.nan
        negative[i] = (v < 0).mean() if v.size else np.nan
        if finite.size:
            q[i] = np.quantile(finite, QUANTILES)
            mean[i] = finite.mean()
        else:
            mean[i] = np.nan
    out = xr.Dataset({
        "quantiles": (("outcome", "quantile"), q, {"long_name": "quantiles over the scenarios "
                                                                "where the outcome is finite",
                                                   "units": "1"}),
        "mean": ("outcome", mean, {"long_name": "mean where finite", "units": "1"}),
        "undefined_share": ("outcome", undefined, {"long_name": "share of scenarios where it "
                                                                "is undefined (NaN)",
                                                   "units": "1"}),
        "infinite_share": ("outcome", infinite, {"long_name": "share where it is infinite",
                                                 "units": "1"}),
        "negative_share": ("outcome", negative, {"long_name": "share where it is negative "
                                                              "(times: already past at the "
                                                              "start)", "units": "1"}),
        "long_name": ("outcome", np.array([str(ds[n].attrs.get("long_name", n))
                                           for n in names]), {"long_name": "what it is"}),
        "units": ("outcome", np.array([str(ds[n].attrs.get("units", "1")) for n in names]),
                  {"long_name": "its units"}),
    }, coords={"outcome": ("outcome", list(names), {"long_name": "scenario outcome"}),
               "quantile": ("quantile", list(QUANTILES), {"long_name": "quantile",
                                                          "units": "1"})})
    out.attrs.update({"n_scenarios": rows, "n_summarised": summarised,
                      "note": "undefined and infinite scenarios are left out of the quantiles "
                              "and counted in their shares"})
    return out
