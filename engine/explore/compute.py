"""What the explorer computes for a page: the scenarios of ``experiment=fan`` in memory, their
fans, the key numbers, and on demand a quick Sobol' ranking of what drives t_peak.

The scenarios are the fan experiment's own: the same checked configuration
(:func:`experiments.config.prepare` with ``experiment=fan``), the same design (or the same draw
from a calibration's posterior), the same rows evaluated by the engine's pure step
(:func:`engine.evaluate.evaluate_arrays`, whose values depend on their own row only), and the
key numbers are the fan summary's own function (:func:`engine.analysis.outcomes.summarise`) on
those values: equal, bit for bit, to ``summary.nc`` of ``python run.py experiment=fan`` with the
same overrides. Only the files are skipped. Fan quantiles are the inverted-CDF sample quantiles
of :func:`engine.analysis.fan.fan_from_series`, computed by one sort per series.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from engine.analysis.outcomes import QUANTILES, summarise
from engine.reducers.fan import FAN_QUANTILES

#: The fans a page draws.
SERIES = ("loss_gap", "benchmark_gap", "years_behind")
#: Key numbers: (outcome as in scenarios.nc, or a family's prefix with a horizon in years).
KEY_OUTCOMES = ("t_peak", "regulatory_window", ("years_behind", 5), ("years_behind", 10),
                ("gap", 5), ("gap", 10), "t_threshold_capability", "t_meek_crosses_threshold")
#: At most this many time points of a fan are drawn (every k-th of the grid: the default 301
#: points, 0.1 years apart, are drawn 0.2 years apart); the netCDF has every point.
DRAWN_POINTS = 160
#: Base rows of the quick Saltelli design (first and total order only: N (G + 2) scenarios).
SOBOL_N = 4096
SOBOL_RESAMPLES = 100
#: The one kernel call at a time (a Dask-threaded evaluation already uses every core).
_EVALUATE = threading.Lock()
#: The fans' sorts run side by side (numpy's sort releases the GIL).
_SORTS = ThreadPoolExecutor(max_workers=len(SERIES), thread_name_prefix="explore-fan")


@dataclass
class Page:
    """One page's numbers."""

    overrides: list[str]
    command: str
    scenarios: int
    source: str
    years: NDArray[np.float64]  # the calendar years drawn
    fans: dict[str, NDArray[np.float64]]  # name -> (quantile, year drawn)
    labels: dict[str, tuple[str, str]]  # name -> (long_name, units)
    summary: xr.Dataset
    keys: list[dict[str, Any]]
    caveats: list[str]
    seconds: float
    series: dict[str, NDArray[np.float64]] = field(repr=False, default_factory=dict)
    attrs: dict[str, Any] = field(repr=False, default_factory=dict)
    t: NDArray[np.float64] = field(repr=False, default_factory=lambda: np.zeros(0))
    start_year: float | None = None


def design_of(prepared: Any) -> tuple[Any, str]:
    """The fan experiment's design and what it is drawn from."""
    from engine.calibration import posterior

    s = prepared.settings
    calibration = s.config.fan.calibration
    if calibration:
        return (posterior.design(posterior.load(calibration), s.priors, s.design.rows, s.seed),
                f"the posterior of {calibration}")
    return s.design, "the priors"


def evaluate(prepared: Any, series: Sequence[str] = SERIES) -> dict[str, NDArray]:
    """Every row of the fan run's design, in memory: parameters, outcomes and ``series``."""
    import dask

    from engine.evaluate import Job, evaluate_arrays

    s = prepared.settings
    design, _ = design_of(prepared)
    job = Job(s.simulator, s.priors, design, s.t, s.start_year)
    chunk = -(-design.rows // (os.cpu_count() or 1))  # one chunk per core
    with _EVALUATE, dask.config.set(scheduler="threads"):
        return evaluate_arrays(job, tuple(series), outcomes=True, chunk_size=max(chunk, 1))


def scenarios_dataset(prepared: Any, arrays: dict[str, NDArray]) -> xr.Dataset:
    """The scalar outcomes as a scenarios Dataset (variables and attributes as in
    scenarios.nc)."""
    s = prepared.settings
    outcomes = s.simulator.outcomes()
    data = {n: ("scenario", arrays[n], v.as_attrs()) for n, v in outcomes.items() if n in arrays}
    ds = xr.Dataset(data)
    ds.attrs["parameters"] = " ".join(s.simulator.parameters)
    return ds


def fan_quantiles(values: NDArray[np.float64], quantiles: Sequence[float] = FAN_QUANTILES
                  ) -> NDArray[np.float64]:
    """Inverted-CDF quantiles over the scenarios (axis 0) at each t, NaN skipped: numpy's
    ``nanquantile(values, quantiles, axis=0, method="inverted_cdf")`` (the fan experiment's),
    by one sort. Returns (quantile, t).

    Example
    -------
    >>> v = np.array([[1.0, np.nan], [3.0, 2.0], [2.0, np.nan], [4.0, 5.0]])
    >>> fan_quantiles(v, [0.25, 0.5, 1.0])
    array([[1., 2.],
           [2., 2.],
           [4., 5.]])
    """
    rows = np.sort(np.ascontiguousarray(np.asarray(values, dtype=float).T), axis=1)  # NaN last
    n = (~np.isnan(rows)).sum(axis=1)
    q = np.asarray(quantiles, dtype=float)[:, None]
    # numpy's inverted CDF: virtual index n q - 1; the next order statistic unless it is whole
    virtual = n[None, :] * q - 1
    below = np.floor(virtual)
    index = np.where(virtual - below > 0, below + 1, below)
    index = np.clip(index, 0, np.maximum(n - 1, 0)[None, :]).astype(np.intp)
    out = np.take_along_axis(rows, index.T, axis=1).T
    return np.where(n[None, :] > 0, out, np.nan)


def key_numbers(summary: xr.Dataset, start_year: float | None) -> list[dict[str, Any]]:
    """The key numbers' rows: name, what, units, median and 90% interval, shares."""
    names = list(summary["outcome"].values)
    qs = [round(float(q), 6) for q in summary["quantile"].values]
    rows = []
    for item in KEY_OUTCOMES:
        if isinstance(item, tuple):
            from engine.model.registry import horizon_name

            name = horizon_name(item[0], item[1])
        else:
            name = item
        if name not in names:
            continue
        s = summary.sel(outcome=name)
        q = s["quantiles"].values
        what = str(s["long_name"].values)
        if isinstance(item, tuple) and start_year is not None:
            what = what.replace(f"at year {item[1]:g}", f"in {start_year + item[1]:g}")
        rows.append({"name": name, "what": what, "units": str(s["units"].values),
                     "median": float(q[qs.index(0.5)]), "q05": float(q[qs.index(0.05)]),
                     "q95": float(q[qs.index(0.95)]),
                     "undefined": float(s["undefined_share"]),
                     "infinite": float(s["infinite_share"]),
                     "past": float(s["negative_share"])})
    return rows


def share(v: float) -> str:
    """A share in percent; a tiny non-zero one as '<0.1%' (never a misleading 0.0%)."""
    return "<0.1%" if 0 < v < 0.0005 else f"{v:.1%}"


def caveats(summary: xr.Dataset, scenarios: int) -> list[str]:
    """The shares a reader must know, in words."""
    names = list(summary["outcome"].values)
    out = []
    if "t_peak" in names:
        past = float(summary.sel(outcome="t_peak")["negative_share"])
        out.append(f"In {share(past)} of the {scenarios:,} scenarios the loss-gap peak is already "
                   "past at the start: the gap is shrinking now." if past > 0 else
                   "In none of the scenarios is the loss-gap peak already past at the start.")
    for name in ("t_below_threshold", "regulatory_window", "t_threshold_capability",
                 "t_meek_crosses_threshold", "t_inference_catchup"):
        if name not in names:
            continue
        s = summary.sel(outcome=name)
        undefined = float(s["undefined_share"])
        if undefined > 0:
            out.append(f"{str(s['long_name'].values).capitalize()} ({name}) is undefined in "
                       f"{share(undefined)} of scenarios (not within the time grid, or never): "
                       "those are left out of its median and interval.")
    return out


def compute(prepared: Any, overrides: Sequence[str]) -> Page:
    """A page's numbers for a checked fan run (see the module docstring)."""
    started = time.perf_counter()
    s = prepared.settings
    arrays = evaluate(prepared)
    summary = summarise(scenarios_dataset(prepared, arrays), [
        n for n in s.simulator.outcomes() if n in arrays])
    series_meta = s.simulator.series()
    shown = slice(None, None, max(1, -(-len(s.t) // DRAWN_POINTS)))
    fans = dict(zip(SERIES, _SORTS.map(fan_quantiles, [arrays[n][:, shown] for n in SERIES])))
    start = s.start_year
    years = (start if start is not None else 0.0) + np.asarray(s.t, dtype=float)[shown]
    _, source = design_of(prepared)
    rows = int(next(iter(arrays.values())).shape[0])
    return Page(list(overrides), prepared.command, rows, source, years, fans,
                {n: (series_meta[n].long_name, series_meta[n].units) for n in SERIES},
                summary, key_numbers(summary, start), caveats(summary, rows),
                time.perf_counter() - started, {n: arrays[n] for n in SERIES},
                dict(prepared.attrs), np.asarray(s.t, dtype=float), start)


def fan_netcdf(page: Page) -> bytes:
    """The page's fan as fan.nc of the fan experiment (exact quantiles and shares), as bytes."""
    from engine import io
    from engine.analysis.fan import fan_from_series

    start = page.start_year if page.start_year is not None else 0.0
    coords = {"t": ("t", page.t, {"units": "a", "long_name": "years from the start"}),
              "year": ("t", start + page.t, {"units": "1",
                                             "long_name": "calendar year (decimal)"})}
    ds = xr.Dataset({n: (("scenario", "t"), v, {"long_name": page.labels[n][0],
                                                "units": page.labels[n][1]})
                     for n, v in page.series.items()}, coords=coords)
    q = io.cf_dataset(fan_from_series(ds, list(page.series)), page.attrs)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "fan.nc"
        io.save_netcdf(q, path)
        return path.read_bytes()


@dataclass
class Ranking:
    """A quick Sobol' ranking of t_peak."""

    factors: list[str]
    S1: NDArray[np.float64]
    S1_conf: NDArray[np.float64]
    ST: NDArray[np.float64]
    ST_conf: NDArray[np.float64]
    n: int
    rows: int
    defined_share: float
    seconds: float


def quick_sobol(prepared: Any, n: int = SOBOL_N, output: str = "t_peak",
                num_resamples: int = SOBOL_RESAMPLES, conf_level: float = 0.95) -> Ranking:
    """First and total Sobol' indices of ``output`` with bootstrap half-widths, from a small
    Saltelli design (N base rows, no second order) over the page's uncertain factors (those of
    the calibration's posterior when it draws from one), as experiment=sobol estimates them."""
    import dask

    from engine.analysis.sobol import sobol_dataset
    from engine.calibration import posterior
    from engine.designs import make_design
    from engine.evaluate import Job, evaluate_arrays

    started = time.perf_counter()
    s = prepared.settings
    priors = s.priors
    calibration = s.config.fan.calibration
    if calibration:
        priors = posterior.posterior_priors(posterior.load(calibration), s.priors)
    if not priors.uncertain:
        raise ValueError("priors: every factor is pinned; nothing drives t_peak")
    design = make_design("saltelli", n, priors.columns, s.seed, groups=priors.groups,
                         second_order=False)
    job = Job(s.simulator, priors, design, s.t, s.start_year)
    with _EVALUATE, dask.config.set(scheduler="threads"):
        arrays = evaluate_arrays(job, (), outcomes=True)
    idx = sobol_dataset({output: arrays[output]}, priors.uncertain, second_order=False,
                        num_resamples=num_resamples, conf_level=conf_level, seed=s.seed)
    sel = idx.sel(output=output)
    return Ranking([str(f) for f in idx["factor"].values], sel["S1"].values,
                   sel["S1_conf"].values, sel["ST"].values, sel["ST_conf"].values, design.n,
                   design.rows, float(sel["defined_share"]), time.perf_counter() - started)


__all__ = ["KEY_OUTCOMES", "QUANTILES", "SERIES", "Page", "Ranking", "caveats", "compute",
           "evaluate", "fan_netcdf", "fan_quantiles", "key_numbers", "quick_sobol"]
