"""What an evaluation is: a job (simulator, priors, design, time grid, the series to keep, the
reducers), the layout of what it saves, and the rows it evaluates (no Dask, no files: the pure
step every scheduler and every chunk calls)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from engine.designs import Design
from engine.priors import PriorSet
from engine.reducers import Reducer
from engine.simulators import Simulator, Var

if TYPE_CHECKING:
    from engine.model.compiled.binning import Binning

#: Rows of a piece, the fixed unit of evaluation and of summation: 1024 base rows of a Saltelli
#: design, 4096 rows of any other.
PIECE_BASE_ROWS = 1024
PIECE_ROWS = 4096


@dataclass(frozen=True)
class Job:
    """What to evaluate."""

    simulator: Simulator
    priors: PriorSet
    design: Design
    t: NDArray[np.float64]
    start_year: float | None = None
    keep: tuple[str, ...] = ()
    reducers: Mapping[str, Reducer] = field(default_factory=dict)
    attrs: Mapping[str, Any] = field(default_factory=dict)


# ----------------------------------------------------------------------------- layout


def piece_rows(design: Design) -> int:
    """Rows of the fixed pieces: whole Saltelli blocks, never split by a chunk boundary."""
    return PIECE_BASE_ROWS * design.block if design.block > 1 else PIECE_ROWS


def layout(job: Job) -> dict[str, tuple[Var, bool]]:
    """name -> (metadata, is_series) of every variable saved, in order."""
    sim = job.simulator
    out: dict[str, tuple[Var, bool]] = {n: (v, False) for n, v in sim.parameters.items()}
    drivers = getattr(sim, "drivers", {})
    for name in job.priors.outputs:
        if name not in out:
            d = drivers.get(name)
            out[name] = (Var(d.units, d.long_name, dict(d.attrs)) if d is not None
                         else Var("1", name.replace("_", " ")), False)
    out.update({n: (v, False) for n, v in sim.outcomes().items()})
    series = sim.series()
    out.update({n: (series[n], True) for n in job.keep})
    return out


def _parameters(job: Job, drawn: Mapping[str, NDArray], n: int) -> dict[str, NDArray]:
    """Every simulator parameter for n rows: drawn where a prior names it, else its default."""
    out = {}
    defaults = job.simulator.defaults
    for name in job.simulator.parameters:
        if name not in drawn and name not in defaults:
            raise ValueError(f"priors.{name}: missing (the model has no default for it)")
        value = drawn[name] if name in drawn else defaults[name]
        out[name] = np.broadcast_to(np.asarray(value, dtype=float), (n,))
    return out


def evaluate_rows(job: Job, start: int, stop: int, series: Sequence[str],
                  outcomes: bool = True, bins: Binning | None = None) -> dict[str, NDArray]:
    """Parameters, outcomes and ``series`` of design rows [start, stop) (no Dask); with
    ``bins`` (from a :class:`~engine.reducers.Binnable` reducer, for a simulator that
    :meth:`~Simulator.can_bin`), its series are counted into ``bins.counts`` as they are
    computed."""
    unit = job.design.unit_rows(start, stop)
    drawn = job.priors.map(unit, repeats=job.design.repeats)
    params = _parameters(job, drawn, stop - start)
    kw = {} if bins is None else {"bins": bins}
    out = job.simulator.evaluate(params, job.t, series=tuple(series), outcomes=outcomes, **kw)
    extras = {k: v for k, v in drawn.items() if k not in params}
    return {**params, **extras, **out}
