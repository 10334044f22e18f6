"""Every outcome of a block of scenarios in plain numpy: the reference the compiled kernel
(:mod:`.kernel`) is tested against.

:func:`evaluate` takes one :class:`~.params.Params` of arrays (one value per scenario) and a time
grid and returns the per-scenario outcomes and, on request, (scenario, t) series.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.model import (benchmarks, capability, closed_forms, governance, inference, registry,
                          searches)
from engine.model.params import Array, Params, valid_or_paper
from engine.model.paths import INFERENCE_SLOPES, Paths
from engine.model.registry import horizon_name

#: Per-scenario outcomes, in order (:data:`.registry.OUTCOME_TABLE`); each family of
#: :data:`.registry.FAMILIES` (gap_at_<h>y, years_behind_at_<h>y) follows per horizon.
OUTCOMES = registry.OUTCOMES
#: (scenario, t) series, in the order they are returned (:data:`.registry.SERIES_TABLE`).
SERIES = registry.SERIES

__all__ = ["OUTCOMES", "SERIES", "Options", "evaluate", "horizon_name", "outcome_names"]


@dataclass(frozen=True)
class Options:
    """Settings of the outcomes that are choices, not uncertain parameters.

    Attributes
    ----------
    inference : {"paper", "price_decline"}
        How inference progress is counted (see :mod:`.paths`).
    threshold_nats : float
        Loss-gap level for ``t_below_threshold`` and ``regulatory_window``.
    horizons : tuple of float
        Years of ``gap_at_<h>y`` and ``years_behind_at_<h>y``.
    steps : int
        Consecutive task steps p: benchmark score ** p.
    false_alarm, miss, slowdown : float
        SPRT error rates and slowdown factor for token counts.
    threshold_flop : float
        Regulatory compute threshold (physical training FLOP) of the governance outcomes.
    benchmark_grid_points, benchmark_iterations : int
        Numerical search for the benchmark-gap peak.
    """

    inference: str = "paper"
    threshold_nats: float = 0.05
    horizons: tuple[float, ...] = (5.0, 10.0, 20.0)
    steps: int = 1
    false_alarm: float = 0.05
    miss: float = 0.05
    slowdown: float = 1.0
    threshold_flop: float = 1e25
    benchmark_grid_points: int = 61
    benchmark_iterations: int = 40

    def __post_init__(self) -> None:
        if self.inference not in INFERENCE_SLOPES:
            raise ValueError(f"inference={self.inference!r}: unknown; allowed: "
                             f"{', '.join(INFERENCE_SLOPES)}")
        if self.benchmark_grid_points < 2:
            raise ValueError(f"benchmark_grid_points={self.benchmark_grid_points!r}: must be "
                             ">= 2")


def outcome_names(options: Options) -> list[str]:
    """Names of the per-scenario outcomes :func:`evaluate` returns, in order."""
    return registry.outcome_names(tuple(options.horizons))


def evaluate(p: Params, t: Array, options: Options = Options(), *, series: Sequence[str] = (),
             outcomes: bool = True) -> dict[str, Array]:
    """Evaluate every outcome (and the requested series) for a block of scenarios.

    Parameters
    ----------
    p : Params
        One 1-d array (or scalar) per parameter.
    t : 1-d array
        Time grid in years; searches cover [0, t[-1]].
    options : Options
    series : sequence of str
        Names from :data:`SERIES`, returned with shape (n, len(t)).
    outcomes : bool
        Whether to compute the per-scenario outcomes.

    Returns
    -------
    dict of str to numpy.ndarray
        ``domain_reason`` (int8), outcomes of shape (n,), series of shape (n, T). Scenarios
        outside the domain are NaN everywhere.

    Example
    -------
    >>> from engine.model.params import PAPER
    >>> out = evaluate(PAPER.map(lambda v: np.array([v])), np.linspace(0, 20, 5))
    >>> round(float(out["t_peak"][0]), 3), round(float(out["years_behind_at_10y"][0]), 3)
    (3.359, 4.824)
    """
    unknown = set(series) - set(SERIES)
    if unknown:
        raise ValueError(f"series={sorted(unknown)!r}: unknown; allowed: {', '.join(SERIES)}")
    from engine.model.params import domain_reason
    q = p.arrays()
    n = int(np.broadcast(*(getattr(q, f) for f in q.__slots__)).size)
    q = q.map(lambda v: np.broadcast_to(v, (n,)))
    reason = domain_reason(q)
    safe, ok = valid_or_paper(q)
    out: dict[str, Array] = {"domain_reason": reason}

    def masked(x: Array) -> Array:
        return np.where(ok if x.ndim == 1 else ok[:, None], x, np.nan)

    if outcomes:
        out.update({k: masked(v) for k, v in _outcomes(safe, t, options).items()})
    if series:
        out.update({k: masked(v) for k, v in _series(safe, t, options, series).items()})
    return out


def _outcomes(p: Params, t: Array, o: Options) -> dict[str, Array]:
    horizon = float(t[-1]) if len(t) and t[-1] > 0 else 1.0
    tp = closed_forms.t_peak(p)
    pk = closed_forms.peak_gap(p)
    below = searches.t_below(o.threshold_nats, p, horizon=horizon)
    below_ever = searches.t_below(o.threshold_nats, p)
    window = np.where(np.isnan(below_ever), 0.0,
                      np.where(below_ever <= horizon, np.maximum(below_ever, 0.0), np.nan))
    bpk, bwhen = searches.benchmark_peak(p, horizon=horizon, steps=o.steps,
                                         grid_points=o.benchmark_grid_points,
                                         iterations=o.benchmark_iterations)
    values = {
        "t_peak": tp,
        "peak_gap": pk,
        "t_inflection": closed_forms.t_inflection(p),
        "t_below_threshold": below,
        "regulatory_window": window,
        "t_inference_catchup": inference.t_inference_catchup(p, o.inference),
        "peak_benchmark_gap": bpk,
        "t_peak_benchmark": bwhen,
        "tokens_at_peak": capability.sprt_tokens(pk, false_alarm=o.false_alarm, miss=o.miss,
                                                 slowdown=o.slowdown),
        "t_meek_matches_frontier": governance.t_meek_matches_frontier(p),
        "t_threshold_capability": governance.t_threshold_capability(p, o.threshold_flop),
        "t_meek_crosses_threshold": governance.t_meek_crosses_threshold(p, o.threshold_flop,
                                                                        horizon),
    }
    paths = Paths(p, o.inference)
    for name, b in benchmarks.BENCHMARKS.items():
        values[f"peak_benchmark_gap_{name}"], values[f"t_peak_benchmark_{name}"] = \
            benchmarks.peak(paths, b.floor, *_bench_params(p, name))
    for h in np.asarray(o.horizons, dtype=float):
        for name in benchmarks.NAMES:
            values[horizon_name(f"benchmark_gap_{name}", h)] = _bench_gap(paths, h, p, name)
        values[horizon_name("gap", h)] = closed_forms.loss_gap(h, p)
        values[horizon_name("years_behind", h)] = governance.years_behind(h, p)
        values[horizon_name("frontier_spend", h)] = governance.frontier_spend(h, p)
    return {k: np.asarray(values[k], dtype=float) for k in outcome_names(o)}


def _series(p: Params, t: Array, o: Options, names: Sequence[str]) -> dict[str, Array]:
    col = p.map(lambda v: np.asarray(v)[:, None])
    tt = np.asarray(t, dtype=float)[None, :]
    paths = Paths(col, o.inference)
    out: dict[str, Array] = {}
    wanted = set(names)
    if {"loss_meek", "loss_sota"} & wanted:
        out["loss_meek"] = closed_forms.loss(paths.meek(tt), col.A, col.alpha, col.L0)
        out["loss_sota"] = closed_forms.loss(paths.frontier(tt), col.A, col.alpha, col.L0)
    if {"loss_gap", "tokens_to_distinguish"} & wanted:
        gap = closed_forms.gap_at(paths, tt, col.A, col.alpha)
        out["loss_gap"] = gap
        out["tokens_to_distinguish"] = capability.sprt_tokens(
            gap, false_alarm=o.false_alarm, miss=o.miss, slowdown=o.slowdown)
    if "benchmark_gap" in wanted:
        out["benchmark_gap"] = searches._bench(paths, tt, o.steps)
    if "inference_gap" in wanted:
        out["inference_gap"] = inference.inference_gap(tt, col, o.inference)
    if "inference_benchmark_gap" in wanted:
        out["inference_benchmark_gap"] = inference.inference_benchmark_gap(
            tt, col, o.steps, o.inference)
    if "years_behind" in wanted:
        out["years_behind"] = governance.years_behind(tt, col)
    if "frontier_spend_usd" in wanted:
        out["frontier_spend_usd"] = governance.frontier_spend(tt, col)
    for name in benchmarks.NAMES:
        if f"benchmark_gap_{name}" in wanted:
            out[f"benchmark_gap_{name}"] = _bench_gap(paths, tt, col, name)
    return {k: out[k] for k in SERIES if k in wanted}


def _bench_params(p: Params, name: str) -> tuple[Array, ...]:
    """(ceiling, midpoint, slope) of benchmark ``name`` in ``p``."""
    return tuple(np.asarray(getattr(p, benchmarks.parameter(name, f)), dtype=float)
                 for f in benchmarks.FIELDS)


def _bench_gap(paths: Paths, t: Array, p: Params, name: str) -> Array:
    """Benchmark ``name``'s gap (percentage points) at t on ``paths``."""
    b = benchmarks.BENCHMARKS[name]
    return benchmarks.gap(paths.frontier(t), paths.meek(t), b.floor, *_bench_params(p, name))
