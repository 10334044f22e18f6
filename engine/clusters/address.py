"""An existing Dask scheduler, reached at an address within a timeout."""

from __future__ import annotations

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

    The handshake runs in a daemon thread with a hard deadline, so a port that accepts
    connections but never speaks Dask's protocol (or speaks garbage) can neither hang the run
    nor keep the process alive at exit.
    """
    import queue
    import threading

    from distributed import Client

    answer: queue.Queue[tuple[bool, Any]] = queue.Queue()

    def attempt() -> None:
        try:
            answer.put((True, Client(address, timeout=timeout_s)))
        except BaseException as err:  # the caller turns any failure into one line
            answer.put((False, err))

    threading.Thread(target=attempt, daemon=True, name="meek-connect").start()
    try:
        ok, value = answer.get(timeout=timeout_s + 2.0)
    except queue.Empty:
        raise ClusterError(f"cluster.address={address!r}: no Dask scheduler answered within "
                           f"{timeout_s:g} s") from None
    if not ok:
        raise ClusterError(f"cluster.address={address!r}: no Dask scheduler answered within "
                           f"{timeout_s:g} s ({type(value).__name__})") from None
    return value
