"""python run.py experiment=fan: sample the priors, evaluate, save, draw fan charts."""

from __future__ import annotations

import logging
import sys

import xarray as xr
from omegaconf import DictConfig

from engine import cluster, evaluate, io, plots
from experiments.common import run_dir, settings

log = logging.getLogger(__name__)


def run(cfg: DictConfig) -> None:
    s, attrs = settings(cfg)
    out = run_dir()
    with cluster.connect(s.cluster):
        ds = evaluate.run(s.design, s.priors, s.t, series=s.series, options=s.options,
                          chunk_size=s.chunk_size, start_year=s.start_year, attrs=attrs,
                          progress=sys.stdout.isatty())
    io.save_netcdf(ds, out / "scenarios.nc")
    io.save_netcdf(plots.fan_quantiles(ds, s.series), out / "fan.nc")

    # figures read the saved files, as a user's own script would
    log_scale = set(s.section.get("log_scale", []))
    with xr.open_dataset(out / "fan.nc") as fan:
        for name in s.series:
            ax = plots.fan_chart(fan, name, log=name in log_scale)
            plots.save(ax, out / f"fan_{name}.png")
    with xr.open_dataset(out / "scenarios.nc") as saved:
        plots.save(plots.distribution(saved, "t_peak"), out / "t_peak.png")
    log.info("results in %s", out)
