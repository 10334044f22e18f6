"""A SLURM allocation through dask-jobqueue (``pip install meek[hpc]``)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from engine.clusters.base import Cluster, ClusterError, log, quiet_distributed


class Slurm(Cluster):
    kind = "slurm"

    @contextlib.contextmanager
    def connect(self) -> Iterator[Any]:
        from distributed import Client

        quiet_distributed()
        s = self.settings
        with self.build() as cluster, Client(cluster) as client:
            cluster.scale(jobs=s.jobs)
            client.wait_for_workers(1, timeout=s.timeout_s)
            log.info("SLURM cluster with %d jobs; dashboard %s", s.jobs, client.dashboard_link)
            yield client

    def build(self) -> Any:
        """The SLURMCluster (no jobs submitted until it is scaled)."""
        try:
            from dask_jobqueue import SLURMCluster
        except ImportError:
            raise ClusterError("cluster=slurm: dask-jobqueue is not installed; pip install "
                               "'meek[hpc]'") from None
        s = self.settings
        scheduler = {"dashboard_address": s.dashboard_address}
        if s.scheduler_host:
            scheduler["host"] = s.scheduler_host
        options = {"cores": s.cores, "processes": s.processes, "memory": s.memory,
                   "walltime": s.walltime}
        for key in ("queue", "account"):
            if getattr(s, key):
                options[key] = getattr(s, key)
        return SLURMCluster(scheduler_options=scheduler, **options)
