"""One chunk of an evaluation: its rows evaluated in fixed pieces, the reducers' partials of each
piece, and the fold that combines them in chunk order (saved whole as a checkpoint).

A chunk is one Dask task: :func:`run_chunk` takes the job, the run's :class:`ChunkPlan` (the
same for every chunk) and the chunk's rows, and returns a :class:`ChunkResult`. Everything a
task carries or returns is a plain picklable value (process pools and distributed workers pickle
them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from engine.jobs import Job, evaluate_rows
from engine.reducers import Binnable, Reducer
from engine.storage import ZarrStore


@dataclass(frozen=True)
class ChunkPlan:
    """What every chunk of a run does.

    Attributes
    ----------
    piece : int
        Rows of the fixed pieces the chunk is evaluated (and summed) in.
    needed : tuple of str
        The series each piece is evaluated with (kept ones and those a reducer reads).
    names : tuple of str
        The variables saved, in order.
    fused : str or None
        The reducer (a :class:`~engine.reducers.Binnable`) whose counting the simulator does as
        it computes the series (see :func:`fused_reducer`); None: every reducer reads
        materialised series.
    """

    piece: int
    needed: tuple[str, ...]
    names: tuple[str, ...]
    fused: str | None = None


@dataclass(frozen=True)
class ChunkResult:
    """What a chunk hands back to the run.

    Attributes
    ----------
    index : int
        The chunk's number (its place in the fold).
    start, stop : int
        Its rows [start, stop) of the design.
    exact : Mapping
        Reducer name -> the partial of the whole chunk, for reducers whose partials are exact
        (``Reducer.exact``, and the fused one).
    pieces : tuple of (int, Mapping)
        (first row, reducer name -> partial) of each piece, in row order, for the others.
    data : Mapping or None
        Variable name -> values of the chunk's rows, when neither a store nor shared arrays took
        them (a distributed run held in memory).
    """

    index: int
    start: int
    stop: int
    exact: Mapping[str, Any]
    pieces: tuple[tuple[int, Mapping[str, Any]], ...]
    data: Mapping[str, np.ndarray] | None = None

    @property
    def rows(self) -> int:
        return self.stop - self.start

    def partial_bytes(self) -> int:
        """Bytes of the reducers' partials it holds (not its data)."""
        items: list[Any] = [self.exact, *(part for _, part in self.pieces)]
        total = 0
        while items:
            item = items.pop()
            if isinstance(item, np.ndarray):
                total += item.nbytes
            elif isinstance(item, Mapping):
                items.extend(item.values())
            elif isinstance(item, (list, tuple)):
                items.extend(item)
        return total


def fused_reducer(job: Job, fuse: bool = True) -> str | None:
    """The reducer whose counting the simulator can do itself (the first that can), if ``fuse``.

    A reducer qualifies when it is :class:`~engine.reducers.Binnable`, reads series, and every
    series it reads is one the simulator produces; the simulator must say it ``can_bin()``.
    The counts are the same either way; fused, the series it alone reads never materialise.
    """
    if not fuse or not job.simulator.can_bin():
        return None
    series = job.simulator.series()
    for rname, reducer in job.reducers.items():
        if isinstance(reducer, Binnable) and reducer.needs and \
                all(n in series for n in reducer.needs):
            return rname
    return None


def plan_chunks(job: Job, piece: int, needed: tuple[str, ...], names: tuple[str, ...],
                fuse: bool = True) -> ChunkPlan:
    """The plan of a run's chunks; a fused reducer's own series are not evaluated as arrays
    unless they are saved or another reducer reads them."""
    fused = fused_reducer(job, fuse)
    if fused is not None:
        others = {n for rname, r in job.reducers.items() if rname != fused for n in r.needs}
        needed = tuple(n for n in needed if n in names or n in others)
    return ChunkPlan(piece, needed, names, fused)


def run_chunk(job: Job, plan: ChunkPlan, index: int, start: int, stop: int,
              targets: Mapping[str, np.ndarray] | None, store: ZarrStore | None
              ) -> ChunkResult:
    """Evaluate rows [start, stop) piece by piece; write the data into ``store`` or ``targets``
    (shared arrays of an in-process run) or hand them back, with the partials."""
    exact: dict[str, Any] = {}
    pieces: list[tuple[int, dict[str, Any]]] = []
    chunk: dict[str, np.ndarray] = {}
    fused: Binnable | None = None
    binning = None
    if plan.fused is not None:
        reducer = job.reducers[plan.fused]
        if not isinstance(reducer, Binnable):  # a bug, not input
            raise TypeError(f"reducer {plan.fused!r} cannot be fused: it is not Binnable")
        fused, binning = reducer, reducer.binning()
    for a in range(start, stop, plan.piece):
        b = min(a + plan.piece, stop)
        data = evaluate_rows(job, a, b, plan.needed, bins=binning)
        floating = {}
        for rname, reducer in job.reducers.items():
            if rname == plan.fused:
                continue
            needs = {k: data[k] for k in reducer.needs}
            if reducer.exact:
                exact[rname] = reducer.accumulate(exact.get(rname), needs, a)
            else:
                floating[rname] = reducer.partial(needs, a)
        if floating:
            pieces.append((a, floating))
        for name in plan.names:
            values = data[name]
            if targets is not None:
                targets[name][a:b] = values
            else:
                if name not in chunk:
                    chunk[name] = np.empty((stop - start, *values.shape[1:]), values.dtype)
                chunk[name][a - start:b - start] = values
    if fused is not None and plan.fused is not None:
        exact[plan.fused] = fused.from_binning(binning)
    result = ChunkResult(index, start, stop, exact, tuple(pieces),
                         None if targets is not None else chunk)
    if store is not None:
        store.write(result)
        return replace(result, data=None)  # in the store: not sent back
    return result


# ----------------------------------------------------------------------------- the run


class Fold:
    """Partials combined in chunk order, pieces in row order: a fixed left fold."""

    def __init__(self, reducers: Mapping[str, Reducer]) -> None:
        self.reducers = reducers
        self.total: dict[str, Any] = {}

    def add(self, result: ChunkResult) -> None:
        for rname, part in result.exact.items():
            self._add(rname, part)
        for _, parts in result.pieces:
            for rname, part in parts.items():
                self._add(rname, part)

    def arrays(self) -> dict[str, np.ndarray]:
        """The fold so far as named arrays (lossless: a checkpoint)."""
        return {f"{rname}/{k}": v for rname, total in self.total.items()
                for k, v in self.reducers[rname].to_arrays(total).items()}

    def restore(self, arrays: Mapping[str, np.ndarray]) -> None:
        for rname, reducer in self.reducers.items():
            sub = {k[len(rname) + 1:]: v for k, v in arrays.items()
                   if k.startswith(f"{rname}/")}
            if sub:
                self.total[rname] = reducer.from_arrays(sub)

    def _add(self, rname: str, part: Any) -> None:
        r = self.reducers[rname]
        if rname not in self.total:
            self.total[rname] = r.combine_into(None, part)
        else:
            self.total[rname] = r.combine_into(self.total[rname], part)
