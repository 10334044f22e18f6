"""Dask's multiprocessing scheduler, with one pool of worker processes for the whole run.

Dask's ``processes`` scheduler starts a fresh pool of spawned processes for every
``dask.compute`` unless it is given one (``dask.config`` key ``pool``). A fan computes once; a
calibration computes once per SMC move, and a fresh pool costs the import of numpy, numba and the
engine in every worker each time: ``experiment=calibrate cluster=processes`` took 149 s against
6 to 8 s with threads (issue 28). One pool, started when the run connects and shut down when it
ends, keeps the workers (and their imports, compiled kernels and caches) across computes.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from typing import Any

import dask

from engine.clusters.base import Cluster


class Processes(Cluster):
    kind = "processes"

    @contextlib.contextmanager
    def connect(self) -> Iterator[Any]:
        from dask.multiprocessing import get_context, initialize_worker_process

        if os.environ.get("PYTHONHASHSEED") in (None, "0"):  # as dask does for its own pools:
            os.environ["PYTHONHASHSEED"] = "6640"               # consistent hashing in workers
        pool = ProcessPoolExecutor(self.settings.n_workers, mp_context=get_context(),
                                   initializer=partial(initialize_worker_process,
                                                       user_initializer=None))
        try:
            with dask.config.set(scheduler="processes", num_workers=self.settings.n_workers,
                                 pool=pool):
                yield None
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
