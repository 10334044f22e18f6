"""Dask's multiprocessing scheduler."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import dask

from engine.clusters.base import Cluster


class Processes(Cluster):
    kind = "processes"

    @contextlib.contextmanager
    def connect(self) -> Iterator[Any]:
        with dask.config.set(scheduler="processes", num_workers=self.settings.n_workers):
            yield None
