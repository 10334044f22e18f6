"""One chunk of an evaluation: its rows evaluated in fixed pieces, the reducers' partials of each
piece, and the fold that combines them in chunk order (saved whole as a checkpoint)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from engine.jobs import Job, evaluate_rows
from engine.reducers import Reducer
from engine.storage import ZarrStore

#: let a simulator that can count series into fixed bins as it computes them do a histogram
#: reducer's counting (the same counts; False: the series are materialised and counted after)
FUSE = True


def _fused(job: Job) -> str | None:
    """The reducer whose counting the simulator does itself, if any (the first that can)."""
    if not FUSE or not job.simulator.can_bin():
        return None
    series = job.simulator.series()
    for rname, reducer in job.reducers.items():
        if hasattr(reducer, "binning") and reducer.needs and \
                all(n in series for n in reducer.needs):
            return rname
    return None


def run_chunk(job: Job, index: int, start: int, stop: int, piece: int,
              needed: tuple[str, ...], names: tuple[str, ...],
              targets: Mapping[str, np.ndarray] | None, store: ZarrStore | None
              ) -> dict[str, Any]:
    """Evaluate rows [start, stop) piece by piece; write or return the data and the partials."""
    exact: dict[str, Any] = {}
    pieces: list[tuple[int, dict[str, Any]]] = []
    chunk: dict[str, np.ndarray] = {}
    fused = _fused(job)
    binning = None
    if fused is not None:  # its series are counted in the simulator, not held unless needed
        binning = job.reducers[fused].binning()  # type: ignore[attr-defined]
        others = {n for rname, r in job.reducers.items() if rname != fused for n in r.needs}
        needed = tuple(n for n in needed if n in names or n in others)
    for a in range(start, stop, piece):
        b = min(a + piece, stop)
        data = evaluate_rows(job, a, b, needed, bins=binning)
        floating = {}
        for rname, reducer in job.reducers.items():
            if rname == fused:
                continue
            needs = {k: data[k] for k in reducer.needs}
            if getattr(reducer, "exact", False):
                exact[rname] = reducer.accumulate(exact.get(rname), needs, a)
            else:
                floating[rname] = reducer.partial(needs, a)
        if floating:
            pieces.append((a, floating))
        for name in names:
            values = data[name]
            if targets is not None:
                targets[name][a:b] = values
            else:
                if name not in chunk:
                    chunk[name] = np.empty((stop - start, *values.shape[1:]), values.dtype)
                chunk[name][a - start:b - start] = values
    if fused is not None:
        exact[fused] = job.reducers[fused].from_binning(binning)  # type: ignore[attr-defined]
    result: dict[str, Any] = {"index": index, "start": start, "stop": stop, "exact": exact,
                              "pieces": pieces}
    if store is not None:
        store.write(index, start, stop, chunk)
    elif targets is None:
        result["data"] = chunk
    return result


# ----------------------------------------------------------------------------- the run


class Fold:
    """Partials combined in chunk order, pieces in row order: a fixed left fold."""

    def __init__(self, reducers: Mapping[str, Reducer]) -> None:
        self.reducers = reducers
        self.total: dict[str, Any] = {}

    def add(self, result: Mapping[str, Any]) -> None:
        for rname, part in result["exact"].items():
            self._add(rname, part)
        for _, parts in result["pieces"]:
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


def partial_bytes(result: Mapping[str, Any]) -> int:
    """Bytes of the reducers' partials a chunk's result holds."""
    arrays = [result["exact"], *(part for _, part in result["pieces"])]
    total = 0
    while arrays:
        item = arrays.pop()
        if isinstance(item, np.ndarray):
            total += item.nbytes
        elif isinstance(item, Mapping):
            arrays.extend(item.values())
        elif isinstance(item, (list, tuple)):
            arrays.extend(item)
    return total
