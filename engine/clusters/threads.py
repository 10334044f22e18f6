"""Dask's threaded scheduler in this process (the compiled kernel releases the GIL)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import dask

from engine.clusters.base import Cluster


class Threads(Cluster):
    kind = "threads"

    @contextlib.contextmanager
    def connect(self) -> Iterator[Any]:
        with dask.config.set(scheduler="threads", num_workers=self.settings.n_workers):
            yield None
