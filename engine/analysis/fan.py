"""Fan-chart quantiles over time: exact from kept series, or from streamed histograms."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from engine.reducers.fan import FAN_QUANTILES


def _coords(like: xr.Dataset) -> dict[str, Any]:
    coords: dict[str, Any] = {"quantile": ("quantile", np.asarray(FAN_QUANTILES), {
        "long_name": "quantile over scenarios", "units": "1"}), "t": like["t"]}
    if "year" in like.coords:
        coords["year"] = like["year"]
    return coords


def fan_from_series(ds: xr.Dataset, names: Sequence[str]) -> xr.Dataset:
    """Exact quantiles (inverted-CDF sample quantiles) of kept series, NaN skipped, with the
    share of scenarios where each series is undefined (NaN) or infinite at each t."""
    data = {}
    for name in names:
        v = ds[name].transpose("scenario", "t").values
        with np.errstate(all="ignore"):
            q = np.nanquantile(v, list(FAN_QUANTILES), axis=0, method="inverted_cdf")
        data[name] = (("quantile", "t"), q, dict(ds[name].attrs))
        data.update(_shares(name, np.isnan(v).mean(axis=0), np.isinf(v).mean(axis=0)))
    out = xr.Dataset(data, coords=_coords(ds))
    out.attrs.update({"quantile_method": "exact (inverted CDF) over every scenario",
                      "n_scenarios": int(ds.sizes["scenario"])})
    return out


def fan_from_histograms(result: Mapping[str, np.ndarray], like: xr.Dataset,
                        names: Sequence[str], bins: int) -> xr.Dataset:
    """Quantiles read from a FanHistogram's result, with their stated error bounds."""
    data = {}
    for name in names:
        attrs = dict(like[name].attrs) if name in like else {}
        data[name] = (("quantile", "t"), result[name], attrs)
        data[f"{name}_error_bound"] = ("t", result[f"{name}_error_bound"], {
            "units": attrs.get("units", "1"),
            "long_name": f"largest error of the {name} quantiles"})
        data.update(_shares(name, result[f"{name}_undefined_share"],
                            result[f"{name}_infinite_share"]))
    out = xr.Dataset(data, coords=_coords(like))
    out.attrs.update({"quantile_method": f"histogram, {bins} bins per time point; error at "
                                         "most <series>_error_bound",
                      "n_scenarios": int(like.sizes["scenario"])})
    return out


def _shares(name: str, undefined: np.ndarray, infinite: np.ndarray) -> dict[str, Any]:
    return {
        f"{name}_undefined_share": ("t", np.asarray(undefined, dtype=float), {
            "units": "1", "long_name": f"share of scenarios where {name} is undefined (NaN)"}),
        f"{name}_infinite_share": ("t", np.asarray(infinite, dtype=float), {
            "units": "1", "long_name": f"share of scenarios where {name} is infinite"}),
    }


def fan(evaluation: Any, names: Sequence[str], bins: int) -> xr.Dataset:
    """The fan of ``names``: exact where the series were kept in memory, else from the run's
    histograms (``evaluation`` ran a FanHistogram reducer named ``fan`` with ``bins`` bins)."""
    ds = evaluation.open()
    if all(n in ds for n in names) and not evaluation.streamed:
        return fan_from_series(ds, names)
    return fan_from_histograms(evaluation.reduced["fan"], ds, names, bins=bins)
