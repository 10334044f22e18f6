"""The one module where Dask and xarray meet the model: designs in, labelled Datasets out.

The scenario dimension is cut into chunks; each chunk is one task that generates its own rows
of the design (see :class:`engine.samplers.Design`), maps them through the priors and runs
:func:`engine.scenario.evaluate`. Nothing of size N is built on the client, and every value
depends only on its row, so the result is the same bit for bit whatever the chunk size,
the scheduler or the number of workers.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import time
from pathlib import Path
from collections.abc import Mapping, Sequence
from typing import Any

import dask
import dask.array as da
import dask.local
import dask.threaded
import numpy as np
import xarray as xr
from numpy.typing import NDArray

from engine import scenario
from engine.priors import Prior
from engine.samplers import Design, map_to_priors

log = logging.getLogger(__name__)

PACKAGES = ("numpy", "scipy", "xarray", "dask", "distributed", "SALib", "matplotlib",
            "hydra-core", "netCDF4")


def package_versions() -> dict[str, str]:
    """Versions of the packages a result depends on (for a Dataset's attrs)."""
    out = {}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


#: Rows evaluated at a time inside a chunk. The model's (rows, t) temporaries then stay in
#: cache instead of being fresh page-faulted allocations: about 8x faster for 301 time points.
SUB_ROWS = 1024
#: Rows per call for the per-scenario outcomes (measured best on this 2-core machine).
OUTCOME_ROWS = 4096


def _block(design: Design, priors: Mapping[str, Prior], t: NDArray[np.float64], start: int,
           stop: int, series: tuple[str, ...], options: scenario.Options,
           model: str) -> dict[str, NDArray]:
    """One chunk: design rows [start, stop) -> parameter values -> outcomes and series."""
    params = map_to_priors(design.unit_rows(start, stop), priors)
    if model != "meek":
        from engine import testfunctions
        return {**params, "y": testfunctions.evaluate(model, params)}
    out: dict[str, NDArray] = {}
    n = stop - start

    def fill(rows: int, **kwargs: Any) -> None:
        for s0 in range(0, n, rows):
            s1 = min(s0 + rows, n)
            part = scenario.evaluate({k: v[s0:s1] for k, v in params.items()}, t,
                                     options=options, **kwargs)
            for name, values in part.items():
                if name not in out:
                    out[name] = np.empty((n, *values.shape[1:]), dtype=values.dtype)
                out[name][s0:s1] = values

    # outcomes: iterative searches over (rows,) and (rows, 61) arrays, best at a few thousand
    # rows (less Python overhead per scenario, temporaries still in cache); series: (rows, t)
    fill(OUTCOME_ROWS)
    if series:
        fill(SUB_ROWS, series=series, outcomes=False)
    return {**params, **out}


def _layout(priors: Mapping[str, Prior], series: Sequence[str], options: scenario.Options,
            model: str) -> dict[str, tuple[bool, Any, str, str]]:
    """name -> (is_series, dtype, units, long_name) of every variable a block returns."""
    meta: dict[str, tuple[bool, Any, str, str]] = {}
    for name in priors:
        units, long_name = scenario.PARAMETERS.get(name, ("1", name))
        meta[name] = (False, np.float64, units, long_name)
    if model != "meek":
        meta["y"] = (False, np.float64, "1", f"{model} test function output")
        return meta
    for name in scenario.outcome_names(options):
        units, long_name = scenario.OUTCOMES.get(name, ("nats", ""))
        if name.startswith("gap_at_"):
            long_name = f"loss gap at year {name[7:-1].replace('p', '.')}"
        meta[name] = (False, np.float64, units, long_name)
    meta["domain_reason"] = (False, np.int8, "1", "why a scenario is undefined (0 = valid)")
    for name in series:
        units, long_name = scenario.SERIES[name]
        meta[name] = (True, np.float64, units, long_name)
    return meta


def chunk_bounds(rows: int, chunk_size: int) -> list[tuple[int, int]]:
    """[(start, stop), ...] covering range(rows) in chunks of chunk_size."""
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) \
            or chunk_size <= 0:
        raise ValueError(f"chunk_size={chunk_size!r}: must be a whole number > 0")
    return [(s, min(s + chunk_size, rows)) for s in range(0, rows, chunk_size)]


def _dataset(data: Mapping[str, Any], meta: Mapping[str, tuple[bool, Any, str, str]],
             design: Design, priors: Mapping[str, Prior], t: NDArray[np.float64],
             start_year: float, attrs: Mapping[str, Any] | None) -> xr.Dataset:
    data_vars = {}
    for name, (is_series, _, units, long_name) in meta.items():
        dims = ("scenario", "t") if is_series else ("scenario",)
        data_vars[name] = xr.Variable(dims, data[name], {"units": units, "long_name": long_name})
    coords = {
        "scenario": ("scenario", np.arange(design.rows), {"long_name": "scenario (design row)"}),
        "t": ("t", t, {"units": "yr", "long_name": "years from start"}),
        "year": ("t", start_year + t, {"units": "yr", "long_name": "calendar year"}),
    }
    ds = xr.Dataset(data_vars, coords=coords)
    ds.attrs.update({
        "title": "meek scenarios",
        "source": "Gundlach, Lynch, Thompson (2025), Meek Models Shall Inherit the Earth, "
                  "arXiv:2507.07931",
        "design": design.kind,
        "design_n": design.n,
        "seed": -1 if design.seed is None else int(design.seed),
        "uncertain_parameters": " ".join(n for n, p in priors.items() if not p.fixed),
        "priors": "; ".join(f"{n}: {p.describe()}" for n, p in priors.items()),
        "package_versions": "; ".join(f"{k} {v}" for k, v in package_versions().items()),
    })
    ds.attrs.update(attrs or {})
    return ds


def scenarios(design: Design, priors: Mapping[str, Prior], t: NDArray[np.float64], *,
              series: Sequence[str] = (), options: scenario.Options = scenario.Options(),
              chunk_size: int = 8192, start_year: float = 0.0, model: str = "meek",
              attrs: Mapping[str, Any] | None = None) -> xr.Dataset:
    """A lazy (Dask-backed) Dataset of every scenario of a design.

    Parameters
    ----------
    design : Design
        Unit-hypercube design whose columns belong, in order, to the non-fixed priors.
    priors : mapping of str to Prior
    t : 1-d array
        Time grid in years from the start.
    series : sequence of str
        Which (scenario, t) series to keep (names in :data:`engine.scenario.SERIES`).
    options : scenario.Options
    chunk_size : int
        Scenarios per Dask task.
    start_year : float
        Calendar year of t = 0 (the ``year`` coordinate).
    model : str
        ``meek`` (the paper's model) or a validation function from :mod:`engine.testfunctions`.
    attrs : mapping, optional
        Extra global attributes (config YAML, seed, ...).

    Returns
    -------
    xarray.Dataset
        Dims ``scenario`` (and ``t`` for series); one variable per parameter, outcome and kept
        series, each with ``units`` and ``long_name``. Write it out (``to_zarr``) to stream it,
        or use :func:`run` to load it into memory.
    """
    t = np.asarray(t, dtype=float)
    series = tuple(series)
    meta = _layout(priors, series, options, model)
    tasks = []
    for start, stop in chunk_bounds(design.rows, chunk_size):
        tasks.append((stop - start, dask.delayed(_block, pure=True)(
            design, dict(priors), t, start, stop, series, options, model)))
    data = {}
    for name, (is_series, dtype, _, _) in meta.items():
        pieces = [da.from_delayed(task[name], shape=(n, len(t)) if is_series else (n,),
                                  dtype=dtype) for n, task in tasks]
        data[name] = da.concatenate(pieces, axis=0)
    return _dataset(data, meta, design, priors, t, start_year, attrs)


def _block_into(targets: Mapping[str, NDArray], design: Design, priors: Mapping[str, Prior],
                t: NDArray[np.float64], start: int, stop: int, series: tuple[str, ...],
                options: scenario.Options, model: str) -> None:
    for name, values in _block(design, priors, t, start, stop, series, options, model).items():
        targets[name][start:stop] = values


def run(design: Design, priors: Mapping[str, Prior], t: NDArray[np.float64], *,
        series: Sequence[str] = (), options: scenario.Options = scenario.Options(),
        chunk_size: int = 8192, start_year: float = 0.0, model: str = "meek",
        attrs: Mapping[str, Any] | None = None, progress: bool = False) -> xr.Dataset:
    """Evaluate every scenario on the active Dask scheduler into an in-memory Dataset.

    Same parameters and result as :func:`scenarios`, loaded. With Dask's in-process schedulers
    (threads, sync) each chunk task writes straight into preallocated arrays: one task per
    chunk, nothing concatenated, chunk results freed as they land. Other schedulers (processes,
    a distributed cluster) return chunks to the client. Logs scenarios per second and the
    scenarios outside the model's domain.
    """
    t = np.asarray(t, dtype=float)
    series = tuple(series)
    started = time.perf_counter()
    get = dask.base.get_scheduler()
    if get in (dask.threaded.get, dask.local.get_sync):
        meta = _layout(priors, series, options, model)
        targets = {name: np.empty((design.rows, len(t)) if is_series else (design.rows,),
                                  dtype=dtype) for name, (is_series, dtype, _, _) in meta.items()}
        tasks = [dask.delayed(_block_into, pure=False)(targets, design, dict(priors), t, a, b,
                                                        series, options, model)
                 for a, b in chunk_bounds(design.rows, chunk_size)]
        with _progress(progress):
            dask.compute(*tasks)
        out = _dataset(targets, meta, design, priors, t, start_year, attrs)
    else:
        lazy = scenarios(design, priors, t, series=series, options=options,
                         chunk_size=chunk_size, start_year=start_year, model=model, attrs=attrs)
        with _progress(progress):
            out = lazy.compute()
    _report(out, time.perf_counter() - started)
    return out


def _progress(show: bool) -> Any:
    import contextlib
    if not show:
        return contextlib.nullcontext()
    from dask.diagnostics import ProgressBar
    return ProgressBar(minimum=2.0)


def _report(out: xr.Dataset, elapsed: float) -> None:
    n = out.sizes["scenario"]
    log.info("evaluated %d scenarios in %.2f s (%.0f scenarios/s)", n, elapsed,
             n / max(elapsed, 1e-9))
    if "domain_reason" in out:
        from engine.model import DOMAIN_REASONS
        counts = np.bincount(out["domain_reason"].values.astype(np.int64), minlength=6)
        for code, count in enumerate(counts):
            if code and count:
                log.warning("%d scenarios undefined: %s", count, DOMAIN_REASONS[code])




# ----------------------------------------------------------------------------- streaming to Zarr


def estimated_bytes(rows: int, n_scalars: int, steps: int, n_series: int) -> int:
    """Bytes an in-memory Dataset of this size would take."""
    return int(rows) * 8 * (int(n_scalars) + int(steps) * int(n_series))


def _sub_rows(design: Design, rows: int) -> int:
    """Sub-block size that holds whole Saltelli blocks (so Sobol reducers see whole blocks)."""
    block = getattr(design, "block", 1)
    return max(block, (rows // block) * block)


def _stream_block(store: str, design: Design, priors: Mapping[str, Prior],
                  t: NDArray[np.float64], start: int, stop: int, keep: tuple[str, ...],
                  reduce_series: tuple[str, ...], options: scenario.Options, model: str,
                  reducers: Mapping[str, Any], marker: str) -> dict[str, dict[str, NDArray]]:
    """One chunk: evaluate, write its region of the Zarr store, return reducer partials."""
    import zarr

    from engine import reducers as red

    out = _block(design, priors, t, start, stop, (), options, model)  # parameters, outcomes
    params = {k: out[k] for k in priors}
    n = stop - start
    partials: dict[str, dict[str, NDArray]] = {}
    needed = tuple(dict.fromkeys(keep + reduce_series))
    if needed:
        sub = _sub_rows(design, SUB_ROWS)
        for s0 in range(0, n, sub):
            s1 = min(s0 + sub, n)
            part = scenario.evaluate({k: v[s0:s1] for k, v in params.items()}, t,
                                     series=needed, options=options, outcomes=False)
            for key, reducer in reducers.items():
                if isinstance(reducer, red.FanHistogram):
                    p = reducer.partial(part)
                else:  # SobolSeries of one named series
                    name, sob = reducer
                    p = {f"{name}:{k}": v for k, v in sob.partial(part[name],
                                                                  start + s0).items()}
                partials[key] = red.add(partials.get(key), p)
            for name in keep:
                if name not in out:
                    out[name] = np.empty((n, len(t)))
                out[name][s0:s1] = part[name]
    group = zarr.open_group(store, mode="r+")
    for name, values in out.items():
        if name in group:
            group[name][start:stop] = values
    flat = {f"{key}|{name}": v for key, p in partials.items() for name, v in p.items()}
    tmp = marker + ".partial.npz"
    np.savez(tmp, **flat)
    os.replace(tmp, marker)
    return partials


def _load_marker(marker: str) -> dict[str, dict[str, NDArray]]:
    partials: dict[str, dict[str, NDArray]] = {}
    with np.load(marker) as data:
        for key in data.files:
            group, name = key.split("|", 1)
            partials.setdefault(group, {})[name] = data[key]
    return partials


def _add_all(*parts: dict[str, dict[str, NDArray]]) -> dict[str, dict[str, NDArray]]:
    from engine.reducers import add
    total: dict[str, dict[str, NDArray]] = {}
    for part in parts:
        for key, p in part.items():
            total[key] = add(total.get(key), p)
    return total


def stream(design: Design, priors: Mapping[str, Prior], t: NDArray[np.float64], store: Path, *,
           keep_series: Sequence[str] = (), reducers: Mapping[str, Any] | None = None,
           options: scenario.Options = scenario.Options(), chunk_size: int = 65536,
           start_year: float = 0.0, model: str = "meek",
           attrs: Mapping[str, Any] | None = None, resume: bool = False,
           progress: bool = False) -> dict[str, dict[str, NDArray]]:
    """Evaluate every scenario chunk by chunk into a Zarr store, reducing series on the way.

    Nothing of size N x T is ever held: each Dask task evaluates one chunk, writes its region of
    the store (parameters, outcomes and ``keep_series``) and returns the partial sums of the
    ``reducers`` (a FanHistogram, or ``(series name, SobolSeries)`` pairs), which are added up
    pairwise. The store is built as ``<store>.partial`` with one marker per finished chunk and
    renamed to ``store`` only when complete; ``resume=True`` skips the chunks whose markers
    exist (same configuration required), and gives the same bits as an uninterrupted run.

    Returns
    -------
    dict
        The summed partials of each reducer.
    """
    import hashlib
    import shutil

    import zarr

    t = np.asarray(t, dtype=float)
    keep = tuple(keep_series)
    reducers = dict(reducers or {})
    reduce_series: list[str] = []
    for reducer in reducers.values():
        reduce_series += list(reducer.names) if hasattr(reducer, "names") else [reducer[0]]
    block = getattr(design, "block", 1)
    chunk_size = max(block, (chunk_size // block) * block)  # whole Saltelli blocks per chunk
    meta = _layout(priors, keep, options, model)
    partial_store = Path(str(store) + ".partial")
    fingerprint = hashlib.sha256(repr((
        design.kind, design.n, design.seed, getattr(design, "second_order", None),
        sorted((k, p.describe()) for k, p in priors.items()), t.tolist(), keep,
        sorted(reduce_series), options, model)).encode()).hexdigest()
    markers = partial_store / ".meek_chunks"
    if Path(store).exists():
        raise FileExistsError(f"output store {str(store)!r} exists already")
    fresh = not (resume and partial_store.exists())
    if not fresh:
        found = zarr.open_group(str(partial_store), mode="r").attrs.get("meek_fingerprint")
        chunking = markers / "chunk_size"
        if found != fingerprint or not chunking.exists() or \
                int(chunking.read_text()) != chunk_size:
            raise ValueError(f"resume=true: {str(partial_store)!r} was started with another "
                             "configuration; remove it or run without resume")
    else:
        if partial_store.exists():
            shutil.rmtree(partial_store)
        template = {name: da.zeros((design.rows, len(t)) if is_series else (design.rows,),
                                   dtype=dtype, chunks=(chunk_size, len(t)) if is_series
                                   else (chunk_size,))
                    for name, (is_series, dtype, _, _) in meta.items()}
        ds = _dataset(template, meta, design, priors, t, start_year,
                      {**(attrs or {}), "meek_fingerprint": fingerprint})
        ds.to_zarr(str(partial_store), mode="w", compute=False, consolidated=False,
                   zarr_format=2)
        markers.mkdir()
        (markers / "chunk_size").write_text(str(chunk_size))
    started = time.perf_counter()
    done, tasks = [], []
    for i, (a, b) in enumerate(chunk_bounds(design.rows, chunk_size)):
        marker = str(markers / f"chunk_{i:07d}.npz")
        if os.path.exists(marker):
            done.append(_load_marker(marker))
            continue
        tasks.append(dask.delayed(_stream_block, pure=False)(
            str(partial_store), design, dict(priors), t, a, b, keep, tuple(reduce_series),
            options, model, reducers, marker))
    log.info("%d chunks to evaluate, %d done before", len(tasks), len(done))
    while len(tasks) > 1:  # pairwise tree: partials are freed as soon as they are added
        tasks = [dask.delayed(_add_all)(*tasks[i:i + 2]) for i in range(0, len(tasks), 2)]
    with _progress(progress):
        computed = dask.compute(*tasks)
    total = _add_all(*computed, *done)
    shutil.rmtree(markers)
    zarr.consolidate_metadata(str(partial_store))
    os.replace(partial_store, store)
    elapsed = time.perf_counter() - started
    log.info("streamed %d scenarios to %s in %.2f s (%.0f scenarios/s)", design.rows, store,
             elapsed, design.rows / max(elapsed, 1e-9))
    return total
