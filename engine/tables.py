"""Saved summaries as flat tables (pandas DataFrames, CSV files) for readers who live in a
spreadsheet. Each CSV sits beside the netCDF file it flattens and holds the same numbers (the
netCDF file stays the record: attributes, the configuration, units as CF names).

=============  ============================================================================
summary.csv    one row per outcome: label, unit, mean, quantiles, shares left out
sobol.csv      one row per (output, factor): S1, ST and their confidence half-widths
fan.csv        one row per (series, time): calendar year and each quantile
sweep.csv      one row per (job, outcome): the sweep comparison (engine.reports.sweep)
=============  ============================================================================
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from engine.io import atomic_path


def _q(v: float) -> str:
    return f"q{round(100 * float(v), 4):g}"


def summary_frame(summary: xr.Dataset) -> pd.DataFrame:
    """summary.nc as one row per outcome.

    Example
    -------
    >>> ds = xr.Dataset({"quantiles": (("outcome", "quantile"), [[1.0, 2.0, 3.0]]),
    ...                  "mean": ("outcome", [2.0]), "units": ("outcome", ["a"])},
    ...                 coords={"outcome": ["t_peak"], "quantile": [0.05, 0.5, 0.95]})
    >>> row = summary_frame(ds).loc["t_peak"]
    >>> row["label"], row["unit"], [float(row[q]) for q in ("q5", "q50", "q95")]
    ('time of the loss-gap peak', 'years', [1.0, 2.0, 3.0])
    """
    from engine.reports.labels import lookup

    names = [str(n) for n in summary["outcome"].values]
    out = pd.DataFrame(index=pd.Index(names, name="outcome"))
    out["label"] = [lookup(n).label for n in names]
    out["unit"] = [lookup(n).unit for n in names]
    for k, q in enumerate(summary["quantile"].values):
        out[_q(q)] = summary["quantiles"].isel(quantile=k).values.astype(float)
    for var in ("mean", "undefined_share", "infinite_share", "negative_share"):
        if var in summary:
            out[var] = summary[var].values.astype(float)
    return out


def sobol_frame(idx: xr.Dataset) -> pd.DataFrame:
    """sobol.nc's scalar indices as one row per (output, factor), with the confidence level."""
    from engine.reports.labels import label

    rows = []
    conf = float(idx.attrs.get("conf_level", 0.95))
    for output in map(str, idx["output"].values):
        for factor in map(str, idx["factor"].values):
            sel = idx.sel(output=output, factor=factor)
            row = {"output": output, "factor": factor, "factor_label": label(factor)}
            for key in ("S1", "S1_conf", "ST", "ST_conf"):
                row[key] = float(sel[key]) if key in idx else np.nan
            row["conf_level"] = conf
            rows.append(row)
    return pd.DataFrame(rows).set_index(["output", "factor"])


def fan_frame(q: xr.Dataset) -> pd.DataFrame:
    """fan.nc as one row per (series, time): t, calendar year, each quantile and the shares of
    scenarios left out at that time."""
    series = [str(v) for v in q.data_vars if "quantile" in q[v].dims and "t" in q[v].dims]
    frames = []
    for name in series:
        da = q[name].transpose("t", "quantile")
        f = pd.DataFrame(da.values, columns=[_q(v) for v in q["quantile"].values])
        f.insert(0, "t", q["t"].values)
        if "year" in q.coords:
            f.insert(1, "year", q["year"].values)
        for kind in ("undefined", "infinite"):
            key = f"{name}_{kind}_share"
            if key in q:
                f[f"{kind}_share"] = q[key].values
        f.insert(0, "series", name)
        frames.append(f)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a table atomically; every float round-trips (the CSV holds the netCDF's numbers)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        frame.to_csv(tmp)  # floats as their shortest round-trip repr
    return path


#: Which table flattens which saved file.
FRAMES = {"summary": summary_frame, "sobol": sobol_frame, "fan": fan_frame}


def beside(ds: xr.Dataset, netcdf: str | Path, kind: str) -> Path:
    """Write the CSV of ``ds`` beside its netCDF file (``summary.nc`` -> ``summary.csv``)."""
    frame = FRAMES[kind](ds)
    if kind == "fan":
        frame = frame.set_index(["series", "t"])
    return write_csv(frame, Path(netcdf).with_suffix(".csv"))
