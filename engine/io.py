"""Saving results so that nothing half-written ever looks complete."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import xarray as xr


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
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()


def save_netcdf(ds: xr.Dataset, path: str | os.PathLike[str]) -> Path:
    """Write ``ds`` to a netCDF4 file atomically (compressed float variables)."""
    encoding = {name: {"zlib": True, "complevel": 1} for name, v in ds.data_vars.items()
                if v.dtype.kind == "f"}
    with atomic_path(path) as tmp:
        ds.to_netcdf(tmp, engine="netcdf4", encoding=encoding)
    return Path(path)


def write_text(text: str, path: str | os.PathLike[str]) -> Path:
    """Write a text file atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
