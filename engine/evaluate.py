"""The one module where Dask and xarray meet the model: a job in, saved scenarios out.

:func:`evaluate` takes a :class:`Job` (simulator, priors, design, time grid, the series to keep
and the reducers to run) and a directory, and decides by size whether the scenarios are held in
memory and saved as ``scenarios.nc`` or streamed chunk by chunk into ``scenarios.zarr``. Either
way the design is cut into chunks, each chunk one Dask task that generates its own rows of the
design, maps them through the priors, evaluates them in fixed pieces, and hands its pieces'
reducer partials back. Tasks are submitted in waves (bounded memory and task graphs, a progress
line per wave), and partials are folded in the order of their first row. Every value depends only
on its own row and every sum on the fixed pieces, so the result is the same bit for bit whatever
the chunk size, the scheduler, the number of workers or a resume.
"""

from __future__ import annotations

import logging
import math
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import dask
import dask.array as da
import dask.local
import dask.threaded
import numpy as np
import xarray as xr
from numpy.typing import NDArray

from engine import io
from engine.chunks import ChunkResult, Fold, plan_chunks, run_chunk
from engine.jobs import PIECE_BASE_ROWS, PIECE_ROWS, Job, evaluate_rows, layout, piece_rows
from engine.progress import Progress
from engine.simulators import Var
from engine.storage import ZarrStore

__all__ = ["PIECE_BASE_ROWS", "PIECE_ROWS", "Evaluation", "Job", "Storage", "evaluate",
           "evaluate_arrays", "evaluate_rows", "layout", "piece_rows"]

log = logging.getLogger("meek")

#: Rows of the pilot sample that reducers look at before the run (e.g. fan histogram ranges).
PILOT_ROWS = 20_000
#: at most this many bytes of reducer partials held between folds (see evaluate)
WAVE_BYTES = 256 * 2**20


@dataclass(frozen=True)
class Storage:
    """Where and how: in memory below ``max_memory_bytes`` (or ``format='netcdf'``), streamed
    to Zarr above it (or ``format='zarr'``), in chunks of ``chunk_size`` (or
    ``stream_chunk_size``) scenarios."""

    chunk_size: int = 8192
    stream_chunk_size: int = 262144
    max_memory_bytes: float = 2e9
    max_series_bytes: float = 4e9
    format: str = "auto"
    #: a streamed run saves its fold of reducer partials this often (a resume computes again
    #: the chunks folded after the last save: at most this much work, plus a wave)
    checkpoint_seconds: float = 120.0
    #: let a simulator that can count series into fixed bins as it computes them do a
    #: binnable reducer's counting (the same counts, bit for bit; False: the series are
    #: materialised and the reducer counts them)
    fuse: bool = True


@dataclass
class Evaluation:
    """The saved scenarios and the finished reducer results."""

    path: Path
    reduced: dict[str, Any]
    streamed: bool
    seconds: float
    compute_seconds: float = 0.0
    #: the scenarios in memory while ``scenarios.nc`` is still being written (``behind``)
    memory: xr.Dataset | None = None
    write: io.Write | None = None

    def wait(self) -> Path:
        """The saved scenarios' path, once written (raises what the writer raised)."""
        if self.write is not None:
            self.write.wait()
            self.write = None
        return self.path

    def discard(self) -> None:
        """Remove the saved scenarios (e.g. a smaller design superseded by a larger one)."""
        if self.write is not None:
            self.write.wait(raise_errors=False)
            self.write = None
        self.memory = None
        if self.path.is_dir():
            shutil.rmtree(self.path)
        else:
            self.path.unlink(missing_ok=True)

    def open(self) -> xr.Dataset:
        """The scenarios: those in memory when the run kept them (the values the file holds),
        else lazily from the file (read with xarray alone, no meek needed)."""
        if self.memory is not None:
            return self.memory.copy()
        if self.streamed:
            return io.open_zarr(self.path)
        return xr.open_dataset(self.wait())


def evaluate_arrays(job: Job, series: Sequence[str], *, outcomes: bool = False,
                    chunk_size: int = 8192) -> dict[str, NDArray]:
    """Parameters and ``series`` (and outcomes, if asked) of every row of the job's design, in
    memory, on the active Dask scheduler, no files: for inner loops such as a calibration's
    moves. Each row depends on itself only, so the result does not depend on the chunking."""
    rows = job.design.rows
    bounds = [(a, min(a + chunk_size, rows)) for a in range(0, rows, chunk_size)]
    parts = dask.compute(*[dask.delayed(evaluate_rows, pure=True)(job, a, b, tuple(series),
                                                                 outcomes) for a, b in bounds])
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]} if parts else {}


def _scheduler() -> tuple[bool, Any, int]:
    """(in-process scheduler?, distributed client or None, parallel workers)."""
    get = dask.base.get_scheduler()
    if get in (dask.threaded.get, dask.local.get_sync):
        workers = 1 if get is dask.local.get_sync else int(
            dask.config.get("num_workers", None) or 2)
        return True, None, workers
    client = getattr(get, "__self__", None)
    if client is not None and hasattr(client, "scheduler_info"):
        info = client.scheduler_info()
        workers = sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()) or 1
        return False, client, workers
    return False, None, int(dask.config.get("num_workers", None) or 2)


def estimated_bytes(rows: int, variables: int, steps: int, series: int) -> int:
    """Bytes the scenarios would take (float64)."""
    return int(rows) * 8 * (int(variables) + int(steps) * int(series))


def evaluate(job: Job, directory: Path, *, storage: Storage = Storage(), resume: bool = False,
             fingerprint: str = "", behind: str = "") -> Evaluation:
    """Evaluate every scenario of ``job`` into ``directory`` (see the module docstring).

    ``behind`` (a phase's name): ``scenarios.nc`` is written by a thread while the caller goes
    on with the scenarios in memory (:attr:`Evaluation.memory`); whoever publishes
    ``directory`` waits for it first (:func:`engine.io.settle`). A streamed store is written
    as it is computed either way.

    Returns
    -------
    Evaluation
        Where the scenarios are (``scenarios.nc`` or ``scenarios.zarr``) and each reducer's
        finished result.
    """
    started = time.perf_counter()
    directory = Path(directory)
    design, t = job.design, np.asarray(job.t, dtype=float)
    rows = design.rows
    meta = layout(job)
    n_scalar = sum(1 for _, s in meta.values() if not s)
    size = estimated_bytes(rows, n_scalar, len(t), len(job.keep))
    streamed = storage.format == "zarr" or (storage.format == "auto"
                                            and size > storage.max_memory_bytes)
    if streamed and job.keep:
        series_bytes = rows * len(t) * 8 * len(job.keep)
        if series_bytes > storage.max_series_bytes:
            log.warning("series %s not kept in scenarios.zarr: they would take %.1f GB "
                        "(output.max_series_bytes=%.3g); their summaries are kept",
                        ", ".join(job.keep), series_bytes / 1e9, storage.max_series_bytes)
            job = Job(**{**job.__dict__, "keep": ()})
            meta = layout(job)
    on_disk = estimated_bytes(rows, n_scalar, len(t), len(job.keep))
    if on_disk > 1e8:  # a large run says what it will write before it writes it
        log.info("scenarios%s: about %.0f MB (%s scenarios x %d values%s)",
                 ".zarr" if streamed else ".nc", on_disk / 1e6, f"{rows:,}", n_scalar,
                 f", series {', '.join(job.keep)} x {len(t)} times" if job.keep else "")
    _check_disk(directory, on_disk, streamed, design.n)
    piece = piece_rows(design)
    wanted = storage.stream_chunk_size if streamed else storage.chunk_size
    if streamed and job.keep:  # keep a chunk's series below ~128 MB in a worker
        wanted = min(wanted, max(1, int(128e6 // (8 * len(t) * len(job.keep)))))
    chunk = max(piece, -(-wanted // piece) * piece)
    bounds = [(i, s, min(s + chunk, rows)) for i, s in enumerate(range(0, rows, chunk))]
    needed = tuple(dict.fromkeys([*job.keep, *(n for r in job.reducers.values()
                                               for n in r.needs
                                               if n in job.simulator.series())]))
    _prepare(job, needed, piece)
    plan = plan_chunks(job, piece, needed, tuple(meta), storage.fuse)
    store = None
    targets = None
    done: set[int] = set()
    if streamed:
        store = ZarrStore(directory / "scenarios.zarr", _template(job, meta, chunk),
                          chunk, fingerprint)
        done = store.open(resume)
        if job.reducers:  # partials are kept only in the checkpoint's fold
            done = {i for i in done if i < store.folded}
    in_process, client, workers = _scheduler()
    if not streamed and in_process:
        targets = {n: np.empty((rows, len(t)) if s else (rows,), dtype=v.dtype)
                   for n, (v, s) in meta.items()}
    elif not streamed:
        gathered: dict[str, np.ndarray] = {n: np.empty((rows, len(t)) if s else (rows,),
                                                       dtype=v.dtype)
                                           for n, (v, s) in meta.items()}
    job_ref: Any = client.scatter(job, broadcast=True, hash=False) if client else job
    progress = Progress("evaluate", rows, unit="scenarios")
    if done:
        log.info("resume: %d of %d chunks verified and kept", len(done), len(bounds))
        progress.advance(sum(b - a for i, a, b in bounds if i in done))
    todo = [b for b in bounds if b[0] not in done]
    # the first wave has one chunk per worker slot; later waves as many as ~10% of the run,
    # but never more than WAVE_BYTES of partials held at once (a fan's counts are ~10 MB per
    # series and chunk: 10% of a 10^8 run's chunks would hold gigabytes)
    wave, most = 2 * workers, max(2 * workers, math.ceil(len(bounds) / 10))
    fold = Fold(job.reducers)
    buffer: dict[int, ChunkResult] = {}
    next_fold = 0
    if store is not None and (saved := store.checkpointed()) is not None:
        fold.restore(saved)
        next_fold = store.folded
    saved_at = time.perf_counter()
    w0 = 0
    while w0 < len(todo):
        tasks = [dask.delayed(run_chunk, pure=False)(job_ref, plan, i, a, b, targets, store)
                 for i, a, b in todo[w0:w0 + wave]]
        w0 += len(tasks)
        results = list(dask.compute(*tasks))
        del tasks
        held = max(r.partial_bytes() for r in results)
        wave = max(2 * workers, min(most, int(WAVE_BYTES // max(held, 1))))
        while results:  # popped: nothing of this wave is held while the next one runs
            result = results.pop()
            if result.data is not None:  # copied, and not held until the fold
                for name, values in result.data.items():
                    gathered[name][result.start:result.stop] = values
                result = replace(result, data=None)
            buffer[result.index] = result
            progress.advance(result.rows)
            del result
        while next_fold in buffer:
            fold.add(buffer.pop(next_fold))
            next_fold += 1
        if store is not None and job.reducers and next_fold > store.folded and \
                time.perf_counter() - saved_at >= storage.checkpoint_seconds:
            store.checkpoint(next_fold, fold.arrays())
            saved_at = time.perf_counter()
    if job.reducers and next_fold != len(bounds):
        raise RuntimeError(f"folded {next_fold} of {len(bounds)} chunks")  # a bug, not input
    computed = time.perf_counter() - started
    memory: xr.Dataset | None = None
    write: io.Write | None = None
    if streamed:
        assert store is not None
        if job.reducers and store.folded < len(bounds):  # the whole fold, for a resume that
            store.checkpoint(len(bounds), fold.arrays())  # finds the store finished
        path = store.finalize(len(bounds))
    else:
        data = targets if targets is not None else gathered
        scenarios = _dataset(job, meta, data)
        # behind only without a distributed client: xarray's write lock would be the
        # client's, which ends with the cluster's context before the write does
        if behind and in_process:
            memory, write = scenarios, io.save_netcdf_behind(scenarios,
                                                             directory / "scenarios.nc", behind)
            path = write.path
        else:
            path = io.save_netcdf(scenarios, directory / "scenarios.nc")
    reduced = {name: r.finish(fold.total[name]) for name, r in job.reducers.items()
               if name in fold.total}
    elapsed = time.perf_counter() - started
    log.info("evaluated %s scenarios in %.2f s (%s scenarios/s) into %s%s", f"{rows:,}",
             elapsed, f"{rows / max(elapsed, 1e-9):,.0f}", path.name,
             " (being written)" if write is not None else "")
    return Evaluation(path, reduced, streamed, elapsed, computed, memory=memory, write=write)


def _prepare(job: Job, needed: tuple[str, ...], piece: int) -> None:
    """Show the reducers a pilot: the first rows of the design (identical however chunked)."""
    if not job.reducers:
        return
    stop = min(job.design.rows, max(piece, PILOT_ROWS // piece * piece))
    pilot = evaluate_rows(job, 0, stop, needed) if needed else {}
    for reducer in job.reducers.values():
        reducer.prepare({k: pilot[k] for k in reducer.needs if k in pilot})


def _check_disk(directory: Path, size: int, streamed: bool, n: int) -> None:
    from engine.resources import human_bytes

    probe = directory
    while not probe.exists():
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    if size > free:
        raise ValueError(f"sampler.n={n}: too large for this disk: the scenarios would take "
                         f"about {human_bytes(size)} "
                         f"{'on disk' if streamed else 'in memory and on disk'}, but "
                         f"{human_bytes(free)} are free at {probe}; use a smaller sampler.n")


def _coords(job: Job, lazy_chunk: int = 0) -> dict[str, Any]:
    t = np.asarray(job.t, dtype=float)
    rows = job.design.rows
    kind = np.int32 if rows < 2**31 else np.int64
    numbers = da.arange(rows, dtype=kind, chunks=lazy_chunk) if lazy_chunk else \
        np.arange(rows, dtype=kind)
    coords: dict[str, Any] = {
        "scenario": ("scenario", numbers,
                     {"long_name": "scenario (row of the design)", "units": "1"}),
        "t": ("t", t, {"units": "a", "long_name": "years from the start"}),
    }
    if job.start_year is not None:
        coords["year"] = ("t", job.start_year + t, {"units": "1",
                                                    "long_name": "calendar year (decimal)"})
    return coords


def _attrs(job: Job) -> dict[str, Any]:
    d = job.design
    return {
        "title": "meek scenarios",
        "design": d.kind, "design_n": d.n, "design_rows": d.rows, "seed": int(d.seed),
        "uncertain_factors": " ".join(job.priors.uncertain),
        "parameters": " ".join([*job.simulator.parameters,
                                *(n for n in job.priors.outputs
                                  if n not in job.simulator.parameters)]),
        "time_start_year": "none" if job.start_year is None else float(job.start_year),
        "priors": "; ".join(f"{k}: {v}" for k, v in job.priors.describe().items()),
        **job.attrs,
    }


def _dataset(job: Job, meta: Mapping[str, tuple[Var, bool]], data: Mapping[str, Any],
             lazy_scenarios: int = 0) -> xr.Dataset:
    data_vars = {name: xr.Variable(("scenario", "t") if is_series else ("scenario",),
                                   data[name], var.as_attrs())
                 for name, (var, is_series) in meta.items()}
    coords = _coords(job, lazy_scenarios)
    if lazy_scenarios:  # a dask range, no pandas index
        dims, lazy, attrs = coords.pop("scenario")
        ds = xr.Dataset(data_vars, coords=coords).assign_coords(
            xr.Coordinates({"scenario": xr.Variable(dims, lazy, attrs)}, indexes={}))
    else:
        ds = xr.Dataset(data_vars, coords=coords)
    return io.cf_dataset(ds, _attrs(job))


def _template(job: Job, meta: Mapping[str, tuple[Var, bool]], chunk: int) -> xr.Dataset:
    """The layout of a streamed store, lazily: its ``scenario`` coordinate too, without an
    index (at 10^8 scenarios the numbers alone take 0.4 GB; the store writes them in chunks)."""
    rows, steps = job.design.rows, len(job.t)
    data = {name: da.zeros((rows, steps) if s else (rows,), dtype=v.dtype,
                           chunks=(chunk, steps) if s else (chunk,))
            for name, (v, s) in meta.items()}
    return _dataset(job, meta, data, lazy_scenarios=chunk)
