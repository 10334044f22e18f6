"""What the benchmarks share: the default settings composed as a run would, and timing."""

from __future__ import annotations

import resource
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def settings(overrides=()):
    """The checked Settings of the default configuration with ``overrides``."""
    from experiments.config import prepare

    return prepare(list(overrides)).settings


@contextmanager
def timed(label, results):
    start = time.perf_counter()
    yield
    results[label] = time.perf_counter() - start


def peak_rss_mib(children=False):
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024
