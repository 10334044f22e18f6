"""python run.py experiment=morris: Morris trajectories -> engine -> elementary effects -> plot."""

from __future__ import annotations

import logging

import xarray as xr
from omegaconf import DictConfig
from SALib.sample import morris as morris_sample

from engine import analysis, cluster, evaluate, io, plots
from engine.config import ConfigError
from engine.samplers import GivenDesign
from experiments.common import run_dir, settings

log = logging.getLogger(__name__)


def run(cfg: DictConfig) -> None:
    s, attrs = settings(cfg)
    sec, out = s.section, run_dir()
    names = s.uncertain
    if not names:
        raise ConfigError("priors: Morris screening needs at least one uncertain prior")
    outputs = list(sec.get("outputs", [])) if s.model == "meek" else ["y"]
    levels = int(sec.get("num_levels", 4))
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    unit = morris_sample.sample(problem, int(sec.get("trajectories", 200)), num_levels=levels,
                                seed=s.seed)
    design = GivenDesign("morris", analysis.morris_quantiles(unit, levels), s.seed)
    with cluster.connect(s.cluster):
        ds = evaluate.run(design, s.priors, s.t, options=s.options, chunk_size=s.chunk_size,
                          start_year=s.start_year, model=s.model, attrs=attrs)
    mo = analysis.morris_dataset(names, unit, {k: ds[k].values for k in outputs},
                                 num_levels=levels, num_resamples=int(sec["num_resamples"]),
                                 conf_level=float(sec["conf_level"]), seed=s.seed or 1,
                                 attrs=attrs)
    io.save_netcdf(ds, out / "scenarios.nc")
    io.save_netcdf(mo, out / "morris.nc")
    with xr.open_dataset(out / "morris.nc") as saved:
        for name in outputs:
            plots.save(plots.morris_chart(saved, name), out / f"morris_{name}.png")
    log.info("results in %s", out)
