"""Saving results so that nothing half-written ever looks complete, in CF-1.8 netCDF."""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import xarray as xr

SOURCE = ("meek: Monte Carlo uncertainty and sensitivity analysis of the compute-scaling model of "
          "Gundlach, Lynch, Thompson (2025), Meek Models Shall Inherit the Earth, "
          "arXiv:2507.07931")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds.

    A crash, an exception or a signal inside the block leaves ``path`` as it was (absent, or the
    earlier complete file) and removes the temporary file.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; results are ordinary files
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except OSError as err:  # name the file the user asked for, not its temporary twin
        if err.filename is not None and Path(err.filename) == tmp_path:
            err.filename = str(target)
        raise
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()


def cf_dataset(ds: xr.Dataset, attrs: Mapping[str, Any] | None = None) -> xr.Dataset:
    """Global attributes CF-1.8 asks for (Conventions, history, source, references)."""
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    command = " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv))
    merged = {**ds.attrs, **(attrs or {})}
    if not merged.get("title"):
        ds.attrs["title"] = f"meek {merged.get('task', 'results')} results"
    ds.attrs.update({
        "Conventions": "CF-1.8",
        "source": SOURCE,
        "references": "https://arxiv.org/abs/2507.07931",
        "history": f"{now} created by {command or 'meek'}",
        **(attrs or {}),
    })
    return ds


def encoding(ds: xr.Dataset) -> dict[str, dict[str, Any]]:
    """Compressed floats; no _FillValue on coordinates (CF: coordinates have no missing values)."""
    # per-scenario floats compress; (scenario, t) series barely do and would cost seconds
    enc: dict[str, dict[str, Any]] = {name: {"zlib": True, "complevel": 1}
                                      for name, v in ds.data_vars.items()
                                      if v.dtype.kind == "f" and v.ndim == 1}
    for name in ds.coords:
        enc[str(name)] = {"_FillValue": None}
    return enc


def save_netcdf(ds: xr.Dataset, path: str | os.PathLike[str]) -> Path:
    """Write ``ds`` to a netCDF-4 file atomically (after any write still running behind: the
    HDF5 library under netCDF is not safe for two threads at once)."""
    _wait_others()
    with atomic_path(path) as tmp:
        ds.to_netcdf(tmp, engine="netcdf4", encoding=encoding(ds))
    return Path(path)


class Write:
    """A netCDF file being written by a thread (:func:`save_netcdf_behind`). The netCDF
    library releases the GIL while it compresses and writes, so the run's next phase goes on
    meanwhile, as long as it touches no netCDF file: HDF5 is not thread-safe, so the next
    :func:`save_netcdf` waits for the write first, and a run reads no netCDF file of its own
    before it has saved one. :meth:`wait` joins it and raises what the writer raised (an
    ``OSError`` of a full disk carries ``phase``: the phase the write started in)."""

    def __init__(self, ds: xr.Dataset, path: Path, phase: str) -> None:
        self.path, self.phase = Path(path), phase
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(ds,), name=f"write {path}",
                                         daemon=True)
        with _LOCK:
            _WRITES.append(self)
        self._thread.start()

    def _run(self, ds: xr.Dataset) -> None:
        try:
            save_netcdf(ds, self.path)
        except BaseException as err:  # handed to whoever waits
            self.error = err

    def wait(self, raise_errors: bool = True) -> Path:
        self._thread.join()
        with _LOCK:
            if self in _WRITES:
                _WRITES.remove(self)
        if self.error is not None and raise_errors:
            err, self.error = self.error, None
            if isinstance(err, OSError):
                err.phase = self.phase  # type: ignore[attr-defined]
            raise err
        return self.path


_WRITES: list[Write] = []
_LOCK = threading.Lock()


def _wait_others() -> None:
    """Wait for every write behind but the calling thread's own; a failed one's error comes
    first (the earlier failure: a full disk is named with the file and phase it hit first)."""
    me = threading.current_thread()
    with _LOCK:
        others = [w for w in _WRITES if w._thread is not me]
    for w in others:
        w._thread.join()
    for w in others:
        if w.error is not None:
            w.wait()


def save_netcdf_behind(ds: xr.Dataset, path: str | os.PathLike[str], phase: str = "") -> Write:
    """Start writing ``ds`` to ``path`` (atomically, as :func:`save_netcdf`) in a thread."""
    return Write(ds, Path(path), phase)


def settle(under: str | os.PathLike[str], raise_errors: bool = True) -> None:
    """Wait for every write into the directory ``under`` (a run's staging area before it is
    published or discarded); raise the first writer's error unless ``raise_errors`` is off."""
    root = Path(under).resolve()
    with _LOCK:
        mine = [w for w in _WRITES if root in w.path.resolve().parents]
    first: BaseException | None = None
    for w in mine:
        try:
            w.wait(raise_errors)
        except BaseException as err:
            first = first or err
    if first is not None:
        raise first


def write_text(text: str, path: str | os.PathLike[str]) -> Path:
    """Write a text file atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def open_zarr(path: str | os.PathLike[str], **kw: Any) -> xr.Dataset:
    """A Zarr store, lazily, without loading its dimension coordinates into pandas indexes:
    xarray's default would load a 10^8-scenario store's ``scenario`` coordinate into a pandas
    index on every open (measured: 90 MB at 2e7 scenarios, so about 0.45 GB at 10^8). Select
    scenarios by position (``isel``)."""
    try:
        return xr.open_zarr(str(path), create_default_indexes=False, **kw)
    except TypeError:  # an xarray without the option (before 2025)
        return xr.open_zarr(str(path), **kw)
