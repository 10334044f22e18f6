"""Sweeps compared: at the end of a multirun, collate the jobs into sweep.nc with one dimension
per swept key, an overlay figure, a table and report.html in the sweep directory.

``python run.py -m experiment=fan priors.g_inv.value=2,3.57,6`` writes one job folder per value
(named by its overrides) and then ``sweep.nc`` with a ``g_inv`` dimension holding each job's
outcome summaries and fan quantiles.
"""

from __future__ import annotations

import itertools
import logging
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
import yaml
from hydra.experimental.callback import Callback

from engine import io
from engine.reports.html import Report, Section, Table
from engine.runs import DONE
from experiments.config import command_line
from experiments.job import results_line

log = logging.getLogger("meek")
HEADLINE = ("t_peak", "peak_gap", "gap_at_10y", "regulatory_window", "t_threshold_capability",
            "years_behind_at_5y", "years_behind_at_10y", "t_inference_catchup")


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


def _jobs(sweep: Path) -> list[tuple[Path, dict[str, Any]]]:
    jobs = []
    for job in sorted(p for p in sweep.iterdir() if (p / DONE).exists()):
        overrides = yaml.safe_load((job / ".hydra" / "overrides.yaml").read_text()) or []
        pairs = dict(o.split("=", 1) for o in overrides if "=" in o)
        jobs.append((job, {k: _value(v) for k, v in pairs.items()}))
    return jobs


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


def collate(sweep: Path) -> xr.Dataset | None:
    """sweep.nc from the finished jobs of a sweep directory (None if there is nothing): one
    dimension per key the sweep's command swept (a key swept with one value keeps its
    dimension, of length one)."""
    jobs = _jobs(sweep)
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


def table(ds: xr.Dataset) -> Table:
    dims = [d for d in ds["quantiles"].dims if d not in ("outcome", "quantile")]
    outs = [o for o in HEADLINE if o in ds["outcome"].values]
    rows = []
    combos = itertools.product(*[ds[d].values for d in dims]) if dims else [()]
    for combo in combos:
        sel = ds.sel(dict(zip(dims, combo, strict=True))) if dims else ds
        cells = [f"{v:g}" if isinstance(v, float) else str(v) for v in combo]
        for o in outs:
            cells.append(f"{float(sel['quantiles'].sel(outcome=o, quantile=0.5)):.3g}")
        rows.append(cells)
    return Table([*dims, *(f"median {o}" for o in outs)], rows)


class CollateSweep(Callback):
    """Hydra callback: collate a multirun's jobs when the sweep ends."""

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        from engine.plots import save  # matplotlib: imported when a sweep has ended
        from engine.plots.sweep import overlay

        sweep = Path(str(config.hydra.sweep.dir))
        try:
            ds = collate(sweep)
        except Exception as err:  # a sweep's results must not be lost to a collation problem
            log.warning("could not collate the sweep in %s: %s", sweep, err)
            return
        if ds is None:
            return
        io.save_netcdf(io.cf_dataset(ds), sweep / "sweep.nc")
        sections = []
        fans = [v for v in ds.data_vars if v.startswith("fan_") and not v.endswith("_share")]
        if fans:
            save(overlay(ds, fans[0]), sweep / "sweep_overlay.png")
            sections.append(Section("Jobs overlaid", figures=[("sweep_overlay.png",
                                                                f"{fans[0]} of every job")]))
        if "quantiles" in ds:
            t = table(ds)
            sections.insert(0, Section("Key outcomes by job", [
                f"Swept: {ds.attrs['swept_keys'] or 'nothing'}; {ds.attrs['jobs']} jobs."], t))
            md = ["| " + " | ".join(t.header) + " |", "|" + "---|" * len(t.header)]
            md += ["| " + " | ".join(r) + " |" for r in t.rows]
            io.write_text("\n".join(md) + "\n", sweep / "sweep.md")
        from engine.reports import html
        command = command_line(list(config.hydra.overrides.task)).replace(
            "python run.py", "python run.py -m", 1)
        html.write(Report("meek sweep", str(sweep), sections,
                          files=[("sweep.nc", "every job's summaries and fans"),
                                 ("sweep.md", "the table")], command=command), sweep)
        log.info("collated %d jobs into %s", ds.attrs["jobs"], sweep / "sweep.nc")
        print(results_line(sweep), flush=True)
