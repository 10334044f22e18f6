"""python run.py experiment=sobol: Saltelli design -> engine -> Sobol' indices -> figures."""

from __future__ import annotations

import dataclasses
import logging
import shutil
import sys

import xarray as xr
from omegaconf import DictConfig

from engine import analysis, cluster, evaluate, io, plots, reports
from engine.config import ConfigError
from engine.reducers import SobolSeries
from experiments.common import run_dir, settings

log = logging.getLogger(__name__)


def run(cfg: DictConfig) -> None:
    s, attrs = settings(cfg)
    sec, out = s.section, run_dir()
    meek = s.model == "meek"
    outputs = list(sec.get("outputs", [])) if meek else ["y"]
    series = tuple(sec.get("series", [])) if meek else ()
    if s.design.kind != "saltelli" or not s.uncertain:
        raise ConfigError(f"sampler.kind={s.design.kind!r}: the Sobol' analysis needs "
                          "sampler=saltelli and at least one uncertain prior")
    target, max_n = sec.get("target_width"), int(sec.get("max_n", 1 << 18))
    design = s.design
    boot = dict(num_resamples=int(sec["num_resamples"]), conf_level=float(sec["conf_level"]),
                seed=s.seed or 1)
    with cluster.connect(s.cluster):
        while True:
            ds, series_results = _evaluate(s, design, series, out, attrs, boot)
            idx = analysis.sobol_dataset(
                analysis.scalar_outputs(ds, outputs), s.uncertain,
                second_order=design.second_order, **boot,
                series=None if series_results else {k: ds[k].values for k in series},
                series_results=series_results, t=s.t,
                long_names=analysis.long_names(), attrs={"design": design.kind, **attrs})
            width = analysis.max_width(idx)
            if target is None or width < target or design.n * 2 > max_n:
                if target is not None and width >= target:
                    log.warning("widest interval %.3g >= target %.3g at the cap N=%d", width,
                                target, design.n)
                break
            log.info("widest interval %.3g >= target %.3g at N=%d: doubling", width, target,
                     design.n)
            design = dataclasses.replace(design, n=design.n * 2)

    if not series_results:
        io.save_netcdf(ds.drop_vars([k for k in series if k not in s.series]),
                       out / "scenarios.nc")
    io.save_netcdf(idx, out / "sobol.nc")
    scen_path = out / ("scenarios.nc" if not series_results else "scenarios.zarr")
    opener = xr.open_zarr if scen_path.suffix == ".zarr" else xr.open_dataset
    with xr.open_dataset(out / "sobol.nc") as saved, opener(scen_path) as scen:
        plots.save(plots.sobol_overview(saved), out / "sobol_indices.png")
        first = outputs[0]
        plots.save(plots.convergence(saved, first), out / f"convergence_{first}.png")
        for name in series:
            plots.save(plots.sobol_over_time(saved, name), out / f"sobol_{name}_over_time.png")
        if meek:
            plots.save(plots.scatter_grid(scen, first, s.uncertain), out / f"scatter_{first}.png")
        io.write_text(reports.sobol_summary(saved, first), out / "summary.md")
    log.info("results in %s", out)


def _evaluate(s, design, series, out, attrs, boot):
    """Evaluate the design in memory, or stream it to scenarios.zarr with the time-resolved
    indices accumulated chunk by chunk (large designs, or output.format=zarr)."""
    common = dict(options=s.options, start_year=s.start_year, model=s.model, attrs=attrs,
                  progress=sys.stdout.isatty())
    design_s = dataclasses.replace(s, design=design)
    if not design_s.streams(len(series)):
        ds = evaluate.run(design, s.priors, s.t, series=tuple(dict.fromkeys(series + s.series)),
                          chunk_size=s.chunk_size, **common)
        return ds, None
    store = out / "scenarios.zarr"
    if store.exists():  # an earlier, smaller N of this same run (target_width doubling)
        shutil.rmtree(store)
    reducers = {name: (name, SobolSeries(len(s.uncertain), design.second_order, design.n,
                                         **boot)) for name in series}
    total = evaluate.stream(design, s.priors, s.t, store, keep_series=(), reducers=reducers,
                            chunk_size=s.stream_chunk_size, resume=s.resume, **common)
    results = {name: reducers[name][1].finish({k.split(":", 1)[1]: v
                                               for k, v in total[name].items()})
               for name in series}
    return xr.open_zarr(store), results
