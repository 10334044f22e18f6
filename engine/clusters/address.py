"""An existing Dask scheduler, reached at an address within a timeout."""

from __future__ import annotations

import concurrent.futures
import contextlib
from collections.abc import Iterator
from typing import Any

from engine.clusters.base import Cluster, ClusterError, log, quiet_distributed


class Address(Cluster):
    kind = "address"

    @contextlib.contextmanager
    def connect(self) -> Iterator[Any]:
        from distributed import Client

        quiet_distributed()
        s = self.settings
        client = _connect(s.address, s.timeout_s)
        with client:
            log.info("connected to Dask scheduler %s", s.address)
            yield client


def _connect(address: str, timeout_s: float) -> Any:
    """A Client for ``address``, or one clear error: whatever answers there, within the timeout.

    The handshake runs in a helper thread with a hard deadline, so a port that accepts
    connections but never speaks Dask's protocol (or speaks garbage) cannot hang the run.
    """
    from distributed import Client

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    future = pool.submit(Client, address, timeout=timeout_s)
    try:
        return future.result(timeout=timeout_s + 2.0)
    except concurrent.futures.TimeoutError:
        raise ClusterError(f"cluster.address={address!r}: no Dask scheduler answered within "
                           f"{timeout_s:g} s") from None
    except Exception as err:  # any failure of the handshake is the same answer for the user
        raise ClusterError(f"cluster.address={address!r}: no Dask scheduler answered within "
                           f"{timeout_s:g} s ({type(err).__name__})") from None
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
