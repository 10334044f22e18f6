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
    """Memory settings for large arrays, at the entry point (Linux only).

    - Keep glibc from returning every large numpy temporary to the kernel: by default glibc
      serves allocations above a dynamic threshold with fresh mmaps, so each chunk's
      megabyte-sized arrays are page-faulted and zeroed anew; a fixed 64 MiB threshold (as
      Dask's workers get, engine.clusters.local) lets the heap reuse them.
    - No transparent huge pages for numpy's arrays. numpy asks for them (madvise) on every large
      allocation; where the kernel then compacts memory synchronously on the first touch (THP
      defrag "madvise", the Debian default), filling a fresh 2.4 GB array took 5.2 s here
      instead of 0.9 s, which made a first evaluation at 10^6 scenarios twice as slow as a
      second. Later touches are equally fast either way. (NUMPY_MADVISE_HUGEPAGE=0 does the
      same before numpy is imported.)
    """
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return
    import numpy as np

    switch = getattr(getattr(getattr(np, "_core", None), "multiarray", None),
                     "_set_madvise_hugepage", None)
    if switch is None:  # numpy < 2
        switch = getattr(np.core.multiarray, "_set_madvise_hugepage", None)
    if switch is not None:
        switch(False)
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1 << 26)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 1 << 27)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass
