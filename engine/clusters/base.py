"""The cluster interface: a context in which every Dask computation runs on some scheduler."""

from __future__ import annotations

import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any, ClassVar

log = logging.getLogger("meek")
REGISTRY: dict[str, type[Cluster]] = {}


class ClusterError(ValueError):
    """A scheduler that cannot be reached or started; the message names the key and value."""


class Cluster(ABC):
    """Where Dask runs. ``connect()`` is a context manager yielding a client or None."""

    kind: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__ and cls.kind:  # subclasses of a strategy do not replace it
            REGISTRY[cls.kind] = cls

    def __init__(self, settings: Any) -> None:
        self.settings = settings

    @abstractmethod
    @contextlib.contextmanager
    def connect(self) -> Iterator[Any]:
        """Make this cluster the scheduler of every Dask computation inside the block."""


def quiet_distributed() -> None:
    """distributed's own INFO chatter drowns meek's lines: keep its warnings only."""
    for name in ("distributed", "distributed.nanny", "distributed.scheduler",
                 "distributed.worker", "distributed.core", "distributed.http.proxy",
                 "distributed.deploy", "bokeh", "tornado"):
        logging.getLogger(name).setLevel(logging.WARNING)
