"""The reducer protocol: mergeable summaries of (scenario, t) series, so that no run holds N x T.

A reducer reads some series of each piece of scenarios and returns a partial summary; partials
are combined two at a time and ``finish`` turns the total into a result. The engine always
combines the pieces in the order of their first row (a left fold), so floating-point sums come
out bit for bit the same however the pieces were scheduled, chunked or resumed.

Two optional abilities are declared, never guessed from attribute names:

- ``exact = True`` (a class variable): its partials are exact (integer counts), so a chunk may
  accumulate its pieces into one partial in any grouping (:meth:`Reducer.accumulate`).
- :class:`Binnable` (a kind of reducer): its partial is a fixed-bin count table that a simulator which
  :meth:`~engine.simulators.Simulator.can_bin` may fill itself as it computes the series
  (fused counting: the series never materialise).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from engine.model.compiled.binning import Binning

Array = NDArray[Any]


class Reducer(ABC):
    """Partial per piece, combine, finish."""

    #: series it reads
    needs: tuple[str, ...] = ()
    #: partials are exact (integer counts): a chunk may add its pieces into one partial
    #: (:meth:`accumulate`) instead of keeping one partial per piece for the ordered fold
    exact: ClassVar[bool] = False

    def prepare(self, pilot: Mapping[str, Array]) -> None:
        """Look at a pilot sample of the series once before the run (optional)."""

    @abstractmethod
    def partial(self, piece: Mapping[str, Array], first_row: int) -> Any:
        """Summary of rows [first_row, first_row + len) of the series it needs."""

    @abstractmethod
    def combine(self, a: Any, b: Any) -> Any:
        """Summary of two consecutive pieces (a before b)."""

    def accumulate(self, acc: Any, piece: Mapping[str, Array], first_row: int) -> Any:
        """``combine(acc, partial(piece))`` (``acc`` None for a chunk's first piece). Reducers
        whose partials are exact (``exact = True``) may add the piece into ``acc`` in place."""
        part = self.partial(piece, first_row)
        return part if acc is None else self.combine(acc, part)

    def combine_into(self, total: Any, part: Any) -> Any:
        """``combine(total, part)``, where the fold owns ``total`` (None: the first part) and
        may reuse it; the same result as :meth:`combine`, bit for bit."""
        return part if total is None else self.combine(total, part)

    @abstractmethod
    def finish(self, total: Any) -> Any:
        """The result from the summary of every row."""

    @abstractmethod
    def to_arrays(self, partial: Any) -> dict[str, Array]:
        """A partial as named arrays (to keep it on disk for a resume)."""

    @abstractmethod
    def from_arrays(self, arrays: Mapping[str, Array]) -> Any:
        """The inverse of :meth:`to_arrays`."""

    def key(self) -> tuple[object, ...]:
        """Everything that determines its partials (for run fingerprints)."""
        return (type(self).__name__, self.needs)


class Binnable(Reducer):
    """A reducer whose partial is a fixed-bin count table that a simulator can fill itself.

    The engine hands :meth:`binning` to a simulator whose ``can_bin()`` is true; the simulator
    counts the series into it as it computes them, and :meth:`from_binning` turns the filled
    table into the partial that :meth:`Reducer.accumulate` gives over the same rows, bit for
    bit. A binnable reducer's partials are exact (counts), whatever order they are added in.
    """

    exact: ClassVar[bool] = True

    @abstractmethod
    def binning(self) -> Binning:
        """Empty count tables for the series it reads (after ``prepare``)."""

    @abstractmethod
    def from_binning(self, binning: Binning) -> Any:
        """The partial held by a filled :meth:`binning`."""


def dict_arrays(prefix: str, values: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {f"{prefix}{k}": np.asarray(v) for k, v in values.items()}
