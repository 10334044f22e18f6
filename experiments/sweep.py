"""Sweeps compared: at the end of a multirun, collate the jobs into sweep.nc with one dimension
per swept key (values in the command line's order), and write the comparison report
(engine/reports/sweep.py: report.html, sweep.csv, sweep.md, figures) in the sweep directory.

``python run.py -m experiment=fan priors.g_inv.value=2,3.57,6`` writes one job folder per value
(named by its overrides) and then ``sweep.nc`` with a ``g_inv`` dimension holding each job's
outcome summaries and fan quantiles.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
import yaml
from hydra.experimental.callback import Callback

from engine import io
from engine.reports.html import Report
from engine.runs import DONE
from experiments.config import command_line
from experiments.job import results_line

log = logging.getLogger("meek")


def dim_name(key: str) -> str:
    """The dimension of a swept key: ``priors.g_inv.value`` -> ``g_inv``, ``actor`` -> ``actor``."""
    key = key.lstrip("+~")
    if key.startswith("priors."):
        key = key[len("priors."):]
    key = key.removesuffix(".value")
    return key.replace(".", "_").replace("/", "_")


def _value(text: str) -> Any:
    try:
        return float(text)
    except ValueError:
        return text


def _jobs(sweep: Path, order: list[dict[str, Any]] | None = None
          ) -> list[tuple[Path, dict[str, Any]]]:
    """The finished jobs with their overrides, in ``order`` (the command line's job order, as
    override mappings) where given, else by folder name."""
    jobs = []
    for job in sorted(p for p in sweep.iterdir() if (p / DONE).exists()):
        overrides = yaml.safe_load((job / ".hydra" / "overrides.yaml").read_text()) or []
        pairs = dict(o.split("=", 1) for o in overrides if "=" in o)
        jobs.append((job, {k.lstrip("+~"): _value(v) for k, v in pairs.items()}))
    if order:
        wanted = [{k.lstrip("+~"): _value(str(v)) for k, v in o.items()} for o in order]

        def place(item: tuple[Path, dict[str, Any]]) -> int:
            got = item[1]
            return next((i for i, w in enumerate(wanted)
                         if all(got.get(k) == v for k, v in w.items())), len(wanted))
        jobs.sort(key=place)  # stable: unmatched jobs keep their name order, last
    return jobs


def command_order(task: list[str]) -> list[dict[str, Any]]:
    """The jobs of a sweep's overrides in the order Hydra's basic sweeper runs them (the values
    in the order the command line gave them)."""
    from experiments.cli import jobs

    return [dict(o.split("=", 1) for o in job) for job in jobs(task)]


def swept(sweep: Path) -> list[str] | None:
    """The keys the sweep's command swept (from its multirun.yaml), even with one value each;
    None if the record is missing."""
    record = sweep / "multirun.yaml"
    if not record.exists():
        return None
    from experiments.cli import swept_keys

    hydra = (yaml.safe_load(record.read_text()) or {}).get("hydra", {})
    task = [str(o) for o in hydra.get("overrides", {}).get("task", [])]
    params = (hydra.get("sweeper") or {}).get("params") or {}
    return swept_keys([*(f"{k}={v}" for k, v in params.items()), *task])[0]


def collate(sweep: Path, order: list[dict[str, Any]] | None = None) -> xr.Dataset | None:
    """sweep.nc from the finished jobs of a sweep directory (None if there is nothing), the
    jobs (and each swept dimension's values) in ``order`` (:func:`command_order`): one
    dimension per key the sweep's command swept (a key swept with one value keeps its
    dimension, of length one)."""
    jobs = _jobs(sweep, order)
    if not jobs:
        return None
    named = swept(sweep)
    keys = [k for k in dict.fromkeys(k for _, o in jobs for k in o)
            if (k.lstrip("+~") in named if named is not None else
                len({repr(o.get(k)) for _, o in jobs}) > 1)]
    dims = [dim_name(k) for k in keys]
    values = {k: list(dict.fromkeys(o.get(k) for _, o in jobs)) for k in keys}
    parts = []
    for job, overrides in jobs:
        ds = _job_dataset(job)
        ds = ds.expand_dims({dim_name(k): [overrides.get(k)] for k in keys})
        parts.append(ds)
    grid = len(jobs) == int(np.prod([len(v) for v in values.values()])) if keys else False
    if grid:
        out = xr.combine_by_coords(parts, combine_attrs="drop_conflicts")
        out = out.sel({d: values[k] for d, k in zip(dims, keys, strict=True)})  # given order
    else:
        out = xr.concat([p.squeeze(dims, drop=True) for p in parts] if keys else parts,
                        dim="job", combine_attrs="drop_conflicts")
    for d, k in zip(dims, keys, strict=True):
        if d in out.coords:
            out[d].attrs.update({"long_name": f"swept: {k}", "units": "1"})
    out.attrs.update({"title": "meek sweep", "swept_keys": " ".join(keys),
                      "jobs": len(jobs), "sweep_dir": str(sweep)})
    return out


def _job_dataset(job: Path) -> xr.Dataset:
    data: dict[str, Any] = {}
    if (job / "summary.nc").exists():
        with xr.open_dataset(job / "summary.nc") as s:
            keep = ["quantiles", "undefined_share", "negative_share"]
            data.update({k: s[k].load() for k in keep})
    if (job / "fan.nc").exists():
        with xr.open_dataset(job / "fan.nc") as f:
            for name, v in f.data_vars.items():
                if v.dims == ("quantile", "t"):
                    data[f"fan_{name}"] = v.load()
    config = (job / ".hydra" / "config.yaml").read_text() if (
        job / ".hydra" / "config.yaml").exists() else ""
    ds = xr.Dataset(data)
    ds["config_yaml"] = xr.DataArray(config, attrs={"long_name": "the job's resolved config"})
    ds["job_dir"] = xr.DataArray(job.name, attrs={"long_name": "the job's folder"})
    return ds


class CollateSweep(Callback):
    """Hydra callback: collate a multirun's jobs when the sweep ends."""

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        sweep = Path(str(config.hydra.sweep.dir))
        task = list(config.hydra.overrides.task)
        try:
            ds = collate(sweep, command_order(task))
        except Exception as err:  # a sweep's results must not be lost to a collation problem
            log.warning("could not collate the sweep in %s: %s", sweep, err)
            return
        if ds is None:
            return
        io.save_netcdf(io.cf_dataset(ds), sweep / "sweep.nc")
        command = command_line(task).replace("python run.py", "python run.py -m", 1)
        if "quantiles" in ds:
            from engine.reports import sweep as comparison

            start = float(ds["year"].values[0] - ds["t"].values[0]) if "year" in ds.coords \
                else None
            try:
                comparison.write(ds, sweep, command, start_year=start)
            except Exception as err:  # noqa: BLE001 - sweep.nc is saved; say what failed
                log.warning("could not write the sweep's comparison report: %s", err)
        else:
            from engine.reports import html
            html.write(Report("meek sweep", str(sweep), [], files=[
                ("sweep.nc", "every job's results")], command=command), sweep)
        log.info("collated %d jobs into %s", ds.attrs["jobs"], sweep / "sweep.nc")
        print(results_line(sweep), flush=True)
