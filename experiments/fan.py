"""python run.py experiment=fan: sample the priors, evaluate, save, draw fan charts.

Runs that fit in memory give scenarios.nc; larger ones (or output.format=zarr) stream to
scenarios.zarr chunk by chunk, with the fan's quantiles read from mergeable histograms.
"""

from __future__ import annotations

import logging
import sys

import xarray as xr
from omegaconf import DictConfig

from engine import cluster, evaluate, io, plots
from engine.reducers import FanHistogram
from engine.samplers import GivenDesign
from experiments.common import run_dir, settings

log = logging.getLogger(__name__)
PILOT_ROWS = 20_000
MAX_HISTOGRAM = 1_000_000


def run(cfg: DictConfig) -> None:
    s, attrs = settings(cfg)
    out = run_dir()
    log_scale = list(s.section.get("log_scale", []))
    common = dict(options=s.options, start_year=s.start_year, attrs=attrs)
    with cluster.connect(s.cluster):
        if not s.streams(len(s.series)):
            ds = evaluate.run(s.design, s.priors, s.t, series=s.series, chunk_size=s.chunk_size,
                              progress=sys.stdout.isatty(), **common)
            io.save_netcdf(ds, out / "scenarios.nc")
            io.save_netcdf(plots.fan_quantiles(ds, s.series), out / "fan.nc")
            scenarios = out / "scenarios.nc"
        else:
            keep = s.series
            size = s.design.rows * len(s.t) * 8 * len(s.series)
            if size > s.max_series_bytes:
                log.warning("series not kept in scenarios.zarr: they would take %.1f GB "
                            "(output.max_series_bytes=%.3g); the fan's quantiles are kept",
                            size / 1e9, s.max_series_bytes)
                keep = ()
            # the first rows of any of the designs are a fair pilot for the histogram's range
            first = GivenDesign("pilot", s.design.unit_rows(0, min(PILOT_ROWS, s.design.rows)))
            pilot = evaluate.run(first, s.priors, s.t, series=s.series, chunk_size=s.chunk_size,
                                 **common)
            histogram = FanHistogram.from_pilot({k: pilot[k].values for k in s.series},
                                                log=log_scale)
            total = evaluate.stream(s.design, s.priors, s.t, out / "scenarios.zarr",
                                    keep_series=keep, reducers={"fan": histogram},
                                    chunk_size=s.stream_chunk_size, resume=s.resume,
                                    progress=sys.stdout.isatty(), **common)
            q = histogram.finish(total["fan"], plots.FAN_QUANTILES)
            with xr.open_zarr(out / "scenarios.zarr") as store:
                io.save_netcdf(plots.fan_dataset(q, pilot, attrs={
                    **store.attrs, "n_scenarios": s.design.rows,
                    "quantile_method": f"histogram, {histogram.bins} bins per time point; "
                                       "error at most <series>_error_bound"}), out / "fan.nc")
            scenarios = out / "scenarios.zarr"

    # figures read the saved files, as a user's own script would
    with xr.open_dataset(out / "fan.nc") as fan:
        for name in s.series:
            plots.save(plots.fan_chart(fan, name, log=name in log_scale), out / f"fan_{name}.png")
    opener = xr.open_zarr if scenarios.suffix == ".zarr" else xr.open_dataset
    with opener(scenarios) as saved:
        # at most a million scenarios, evenly strided, make the histogram: same shape on screen
        stride = max(1, saved.sizes["scenario"] // MAX_HISTOGRAM)
        sample = saved[["t_peak"]].isel(scenario=slice(None, None, stride)).load()
        ax = plots.distribution(sample, "t_peak")
        if stride > 1:
            ax.set_title(ax.get_title() + f"\n(every {stride}th of "
                         f"{saved.sizes['scenario']:,} scenarios)", fontsize=9)
        plots.save(ax, out / "t_peak.png")
    log.info("results in %s", out)
