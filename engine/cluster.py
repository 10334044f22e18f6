"""Where Dask runs: local threads or processes, a LocalCluster, or an existing scheduler."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import dask

from engine.config import Cluster, ConfigError

log = logging.getLogger(__name__)


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
        with LocalCluster(n_workers=cluster.n_workers,
                          threads_per_worker=cluster.threads_per_worker, processes=True,
                          host="127.0.0.1", dashboard_address=cluster.dashboard_address,
                          silence_logs=logging.ERROR) as lc, Client(lc) as client:
            log.info("Dask LocalCluster with %d workers; dashboard %s", cluster.n_workers,
                     client.dashboard_link)
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
