"""Whether the compiled kernel is already in numba's cache, found without importing numba.

numba caches a compiled function beside its source (``__pycache__/<module>.<function>-<line>.
pyXY.nbi``, an index, and ``.nbc`` files of machine code). The index is a pickled numba version
string followed by the SHA-256 digest of the source file and the compiled signatures; numba
recompiles when the version or the digest differ (numba.core.caching, ``IndexDataCacheFile``).
Reading those two things tells a run, in about a millisecond, whether its first evaluation will
compile the kernel (the scenario block of :mod:`engine.model.kernel`, which every evaluation
calls; its callees are compiled into it).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import pickle
import sys
from pathlib import Path

#: The source whose compiled entry point every evaluation calls.
KERNEL = Path(__file__).resolve().parent / "model" / "kernel.py"

#: Seconds a first compilation adds to a run: 23 s and 28 s on this 2-core machine at a busy
#: hour (``python run.py experiment=fan sampler.n=200 time.steps=11`` with an empty numba cache
#: less the same run with a filled one: 30.3 - 7.0 s and 34.6 - 6.8 s; about 15 s of CPU time;
#: December 2026).
COMPILE_SECONDS = 25


def kernel_cached(source: Path = KERNEL) -> bool | None:
    """True if ``source``'s compiled functions are in numba's cache and fresh, False if they
    are missing or stale (the next evaluation compiles), None if this cannot be told (a cache
    directory set by NUMBA_CACHE_DIR, or a source directory numba cannot write to, whose cache
    then lives elsewhere)."""
    if os.environ.get("NUMBA_CACHE_DIR") or not source.is_file():
        return None
    cache = source.parent / "__pycache__"
    if not os.access(cache if cache.is_dir() else source.parent, os.W_OK):
        return None
    try:
        version = importlib.metadata.version("numba")
    except importlib.metadata.PackageNotFoundError:
        return None
    digest = hashlib.sha256(source.read_bytes()).digest()
    tag = f"py{sys.version_info.major}{sys.version_info.minor}"
    for index in cache.glob(f"{source.stem}.*.{tag}.nbi"):
        try:
            with open(index, "rb") as f:
                if pickle.load(f) != version:
                    continue
                if digest in f.read():
                    return True
        except (OSError, pickle.UnpicklingError, EOFError, ValueError):
            continue
    return False
