"""Where Dask runs: local threads or processes, a LocalCluster, or an existing scheduler."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import dask

from engine.config import Cluster, ConfigError

log = logging.getLogger(__name__)
WORKER_MMAP_THRESHOLD = 1 << 26


@contextlib.contextmanager
def connect(cluster: Cluster) -> Iterator[object | None]:
    """Make ``cluster`` the scheduler of every Dask computation inside the block.

    ``threads`` and ``processes`` use Dask's local schedulers; ``local`` starts a
    dask.distributed LocalCluster on loopback with its dashboard; ``address`` connects to a
    running scheduler and fails after ``timeout_s`` seconds if none answers.

    Yields
    ------
    distributed.Client or None
    """
    if cluster.kind in ("threads", "processes"):
        with dask.config.set(scheduler=cluster.kind, num_workers=cluster.n_workers):
            yield None
        return
    from distributed import Client, LocalCluster

    if cluster.kind == "local":
        # Dask's nannies set MALLOC_TRIM_THRESHOLD_, which switches off glibc's adaptive mmap
        # threshold: every megabyte-sized numpy temporary then becomes a fresh mmap with page
        # faults, halving the model's speed in workers. A fixed 64 MiB threshold restores it.
        environ = {"distributed.nanny.pre-spawn-environ.MALLOC_MMAP_THRESHOLD_":
                   str(WORKER_MMAP_THRESHOLD)}
        with dask.config.set(environ), LocalCluster(
                n_workers=cluster.n_workers, threads_per_worker=cluster.threads_per_worker,
                processes=True, host="127.0.0.1", dashboard_address=cluster.dashboard_address,
                silence_logs=logging.ERROR) as lc, Client(lc) as client:
            log.info("Dask LocalCluster with %d workers; dashboard %s", cluster.n_workers,
                     client.dashboard_link)
            yield client
        return
    if cluster.kind == "slurm":
        jobs = cluster.jobqueue["jobs"]
        with slurm_cluster(cluster) as sc, Client(sc) as client:
            sc.scale(jobs=jobs)
            client.wait_for_workers(1, timeout=cluster.timeout_s)
            log.info("SLURM cluster with %d jobs; dashboard %s", jobs, client.dashboard_link)
            yield client
        return
    try:
        client = Client(cluster.address, timeout=cluster.timeout_s)
    except (OSError, TimeoutError) as err:
        raise ConfigError(f"cluster.address={cluster.address!r}: no Dask scheduler answered "
                          f"within {cluster.timeout_s:g} s ({type(err).__name__})") from None
    with client:
        log.info("connected to Dask scheduler %s", cluster.address)
        yield client


def slurm_cluster(cluster: Cluster) -> object:
    """A dask-jobqueue SLURMCluster from the config (no jobs submitted until it is scaled)."""
    try:
        from dask_jobqueue import SLURMCluster
    except ImportError:
        raise ConfigError("cluster=slurm: dask-jobqueue is not installed; pip install -e "
                          "'.[hpc]'") from None
    options = {k: v for k, v in cluster.jobqueue.items() if k not in ("jobs", "scheduler_host")}
    scheduler = {"dashboard_address": cluster.dashboard_address}
    if cluster.jobqueue.get("scheduler_host"):
        scheduler["host"] = cluster.jobqueue["scheduler_host"]
    return SLURMCluster(scheduler_options=scheduler, **options)
