"""Where Dask runs: local threads or processes, a LocalCluster, an existing scheduler, SLURM."""

from __future__ import annotations

from typing import Any

from engine.clusters import address, local, processes, slurm, threads  # noqa: F401
from engine.clusters.base import REGISTRY, Cluster, ClusterError

__all__ = ["Cluster", "ClusterError", "make_cluster"]


def make_cluster(settings: Any) -> Cluster:
    """The cluster named by ``settings.kind``."""
    return REGISTRY[settings.kind](settings)
