"""The design interface: a reproducible set of points in [0, 1)^d, generated chunk by chunk.

Any range of rows can be generated on its own and is identical however the rows are split, so a
result never depends on how the engine chunks the design (the tests prove it per design).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
REGISTRY: dict[str, type[Design]] = {}


class Design(ABC):
    """Rows of a design in the unit hypercube.

    Parameters
    ----------
    n : int
        Scenarios (for Saltelli: base rows N).
    d : int
        Columns (the uncertain factors' columns).
    seed : int
        Every random choice comes from it.
    """

    kind: ClassVar[str] = ""
    #: whether rows repeat values within a column (priors then map distinct values only)
    repeats: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__ and cls.kind:  # subclasses of a strategy do not replace it
            REGISTRY[cls.kind] = cls

    def __init__(self, n: int, d: int, seed: int) -> None:
        self.n, self.d, self.seed = int(n), int(d), int(seed)

    @property
    def rows(self) -> int:
        """Rows of the whole design."""
        return self.n * self.block

    @property
    def block(self) -> int:
        """Rows that belong together (a Saltelli block); chunks hold whole blocks."""
        return 1

    def unit_rows(self, start: int, stop: int) -> Array:
        """Rows [start, stop) of the design, identical however the range is split."""
        if not 0 <= start <= stop <= self.rows:
            raise ValueError(f"rows [{start}, {stop}) outside the design's {self.rows} rows")
        if self.d == 0:
            return np.empty((stop - start, 0))
        return self._rows(start, stop)

    @abstractmethod
    def _rows(self, start: int, stop: int) -> Array:
        """Rows [start, stop) with d > 0 and a valid range."""

    def describe(self) -> str:
        return f"{self.kind} design, n={self.n}, d={self.d}, seed={self.seed}"

    def key(self) -> tuple[object, ...]:
        """Everything that determines the rows (for fingerprints)."""
        return (self.kind, self.n, self.d, self.seed)
