"""python run.py experiment=sobol: Saltelli design -> engine -> Sobol' indices -> figures."""

from __future__ import annotations

import dataclasses
import logging
import sys

import xarray as xr
from omegaconf import DictConfig

from engine import analysis, cluster, evaluate, io, plots, reports
from engine.config import ConfigError
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
    with cluster.connect(s.cluster):
        while True:
            ds = evaluate.run(design, s.priors, s.t, series=tuple(dict.fromkeys(
                series + s.series)), options=s.options, chunk_size=s.chunk_size,
                start_year=s.start_year, model=s.model, attrs=attrs,
                progress=sys.stdout.isatty())
            idx = analysis.sobol_dataset(
                analysis.scalar_outputs(ds, outputs), s.uncertain,
                second_order=design.second_order, num_resamples=int(sec["num_resamples"]),
                conf_level=float(sec["conf_level"]), seed=s.seed or 1,
                series={k: ds[k].values for k in series}, t=s.t,
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

    io.save_netcdf(ds.drop_vars([k for k in series if k not in s.series]), out / "scenarios.nc")
    io.save_netcdf(idx, out / "sobol.nc")
    with xr.open_dataset(out / "sobol.nc") as saved, \
            xr.open_dataset(out / "scenarios.nc") as scen:
        plots.save(plots.sobol_overview(saved), out / "sobol_indices.png")
        first = outputs[0]
        plots.save(plots.convergence(saved, first), out / f"convergence_{first}.png")
        for name in series:
            plots.save(plots.sobol_over_time(saved, name), out / f"sobol_{name}_over_time.png")
        if meek:
            plots.save(plots.scatter_grid(scen, first, s.uncertain), out / f"scatter_{first}.png")
        io.write_text(reports.sobol_summary(saved, first), out / "summary.md")
    log.info("results in %s", out)
