"""A dask.distributed LocalCluster on loopback, with its dashboard."""

from __future__ import annotations

import contextlib
import logging
import signal
from collections.abc import Iterator
from typing import Any

import dask

from engine.clusters.base import Cluster, log, quiet_distributed

#: Dask's nannies set MALLOC_TRIM_THRESHOLD_, which switches off glibc's adaptive mmap
#: threshold: every megabyte-sized numpy temporary then becomes a fresh mmap with page faults,
#: halving the model's speed in workers. A fixed 64 MiB threshold restores it.
WORKER_MMAP_THRESHOLD = 1 << 26


class Local(Cluster):
    kind = "local"

    @contextlib.contextmanager
    def connect(self) -> Iterator[Any]:
        from distributed import Client, LocalCluster

        quiet_distributed()
        s = self.settings
        environ = {"distributed.nanny.pre-spawn-environ.MALLOC_MMAP_THRESHOLD_":
                   str(WORKER_MMAP_THRESHOLD),
                   "distributed.nanny.pre-spawn-environ.NUMBA_NUM_THREADS": "1",
                   # no huge pages for numpy's arrays in the workers either (tune_malloc)
                   "distributed.nanny.pre-spawn-environ.NUMPY_MADVISE_HUGEPAGE": "0"}
        # the workers ignore SIGINT (the terminal sends Ctrl-C to the whole process group): this
        # process alone handles it and shuts the cluster down, with one line, not one per worker
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            with dask.config.set(environ):
                cluster = LocalCluster(n_workers=s.n_workers,
                                       threads_per_worker=s.threads_per_worker, processes=True,
                                       host="127.0.0.1", dashboard_address=s.dashboard_address,
                                       silence_logs=logging.ERROR)
        finally:
            signal.signal(signal.SIGINT, previous)
        with cluster, Client(cluster) as client:
            log.info("Dask LocalCluster: %d workers; dashboard %s", s.n_workers,
                     client.dashboard_link)
            try:
                yield client
            finally:
                for name in ("distributed", "tornado", "asyncio"):
                    logging.getLogger(name).setLevel(logging.CRITICAL)
