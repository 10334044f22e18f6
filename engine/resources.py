"""Where the shipped configuration and data live: found through the package, installed or not.

An installed wheel carries them inside the package, as ``engine/_conf`` and ``engine/_data``
(pyproject.toml maps the checkout's ``conf/`` and ``data/`` there: the same files). A source
checkout (an editable install, or ``PYTHONPATH`` pointing at it) has no such directories; its
``conf/`` and ``data/`` are used when the directory holding the ``engine`` package is positively
the project's root: its pyproject.toml names the project ``meek``. A directory merely called
``conf`` beside the package (say ``site-packages/conf``, shipped by another distribution) is never
read.
"""

from __future__ import annotations

import functools
import tomllib
from importlib.resources import files
from pathlib import Path

#: the distribution name in pyproject.toml that marks a source checkout's root
PROJECT = "meek"
#: (directory inside the package, directory at the checkout's root) of each shipped resource
_PLACES = {"conf": ("_conf", "conf"), "data": ("_data", "data")}


def _package() -> Path:
    """The ``engine`` package's directory (installed unpacked, as pip installs wheels)."""
    here = files("engine")
    if not isinstance(here, Path):  # e.g. a zip import: Hydra needs real directories
        raise RuntimeError(f"the engine package at {here} is not a directory on disk; install "
                           "meek with pip (unpacked) to use its configuration and data")
    return here


def checkout_root(package: Path | None = None) -> Path | None:
    """The source checkout the ``engine`` package lives in, or None (an installed wheel).

    A checkout's root is the package's parent directory when its pyproject.toml names the
    project ``meek``; anything else (no pyproject.toml, another project's) is not one.
    """
    root = (package or _package()).parent
    try:
        with open(root / "pyproject.toml", "rb") as f:
            meta = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError):
        return None
    project = meta.get("project")
    return root if isinstance(project, dict) and project.get("name") == PROJECT else None


@functools.cache
def _locate(kind: str) -> Path:
    inside, beside = _PLACES[kind]
    package = _package()
    shipped = package / inside
    if shipped.is_dir():  # an installed wheel: the package's own copy
        return shipped
    root = checkout_root(package)
    if root is not None and (root / beside).is_dir():
        return root / beside
    raise FileNotFoundError(f"meek's {beside}/ is missing: neither {shipped} (an installed "
                            f"package) nor {beside}/ of a checkout (a pyproject.toml naming "
                            f"{PROJECT!r} beside {package})")


def conf_dir() -> Path:
    """The directory of config.yaml: ``engine/_conf`` installed, ``conf/`` in a checkout.

    Examples
    --------
    >>> (conf_dir() / "config.yaml").is_file()
    True
    """
    return _locate("conf")


def data_dir() -> Path:
    """The directory of the shipped data files (its README.md names their sources):
    ``engine/_data`` installed, ``data/`` in a checkout.

    Examples
    --------
    >>> (data_dir() / "README.md").is_file()
    True
    """
    return _locate("data")


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


def human_bytes(size: float) -> str:
    """A size as a reader takes it in: three significant digits and a unit that fits.

    Example
    -------
    >>> human_bytes(0), human_bytes(950), human_bytes(2.5e6), human_bytes(3.2e14)
    ('0 bytes', '950 bytes', '2.5 MB', '320 TB')
    >>> human_bytes(3.2e22)
    '3.2e+10 TB'
    """
    size = float(size)
    if size < 1000:
        return f"{size:.0f} bytes"
    for unit in ("kB", "MB", "GB", "TB"):
        size /= 1000.0
        if size < 1000 or unit == "TB":
            return f"{size:.3g} {unit}"
    return f"{size:.3g} TB"  # pragma: no cover
