"""Where the shipped configuration and data live, in a source checkout and in an installed wheel.

A checkout (or an editable install) keeps them at the project root (``conf/``, ``data/``); a
wheel carries them inside the package as ``engine/_conf`` and ``engine/_data``.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def _pick(inside: str, beside: str) -> Path:
    checkout = _HERE.parent / beside
    return checkout if checkout.is_dir() else _HERE / inside


def conf_dir() -> Path:
    """The directory of conf/config.yaml."""
    return _pick("_conf", "conf")


def data_dir() -> Path:
    """The directory of the shipped data files (data/README.md names their sources)."""
    return _pick("_data", "data")


def tune_malloc() -> None:
    """Keep glibc from returning every large numpy temporary to the kernel (Linux only).

    By default glibc serves allocations above a dynamic threshold with fresh mmaps, so each
    chunk's megabyte-sized arrays are page-faulted and zeroed anew; a fixed 64 MiB threshold
    (as Dask's workers get, engine.clusters.local) lets the heap reuse them.
    """
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1 << 26)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 1 << 27)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass
