"""Every outcome of one block of scenarios, as plain numpy: the unit the engine maps over.

:func:`evaluate` takes one array per model parameter (one value per scenario) and a time grid,
and returns per-scenario outcomes and, on request, (scenario, t) series. It is what the Dask
engine runs per chunk and what the benchmarks run single-process.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from engine import model

#: Model parameters: name -> (units, long_name).
PARAMETERS: dict[str, tuple[str, str]] = {
    "alpha": ("1", "compute scaling exponent alpha"),
    "A": ("nats", "scaling coefficient A"),
    "L0": ("nats", "irreducible loss L0"),
    "g_alg": ("1/yr", "algorithmic efficiency growth"),
    "g_hw": ("1/yr", "hardware FLOP per dollar growth"),
    "g_inv": ("1/yr", "frontier investment growth"),
    "g_inf": ("1/yr", "inference efficiency growth"),
    "meek_budget_usd": ("USD", "meek training budget"),
    "sota_budget_usd": ("USD", "frontier starting budget"),
    "flop_per_usd": ("FLOP/USD", "FLOP per dollar at t=0"),
    "price_per_token_usd": ("USD/token", "fixed inference price per token"),
    "switch_year": ("yr", "year investment growth switches"),
    "g_inv_after": ("1/yr", "investment growth after the switch"),
}

#: Per-scenario outcomes: name -> (units, long_name). gap_at_<h>y variables are added per horizon.
OUTCOMES: dict[str, tuple[str, str]] = {
    "t_peak": ("yr", "time of the loss-gap peak"),
    "peak_gap": ("nats", "largest loss gap from t=0 on"),
    "t_inflection": ("yr", "inflection time of the loss gap"),
    "t_below_threshold": ("yr", "time the loss gap falls back below the threshold (NaN: not "
                                "within the time grid)"),
    "t_inference_catchup": ("yr", "time a fixed-price user catches up with the frontier"),
    "peak_benchmark_gap": ("pp", "peak benchmark gap"),
    "t_peak_benchmark": ("yr", "time of the peak benchmark gap"),
    "tokens_at_peak": ("tokens", "tokens to tell the models apart at the peak"),
}

#: Time series: name -> (units, long_name).
SERIES: dict[str, tuple[str, str]] = {
    "loss_meek": ("nats", "meek model loss"),
    "loss_sota": ("nats", "frontier model loss"),
    "loss_gap": ("nats", "loss gap (meek minus frontier)"),
    "inference_gap": ("nats", "inference gap at a fixed token price"),
    "benchmark_gap": ("pp", "benchmark gap (frontier minus meek)"),
    "tokens_to_distinguish": ("tokens", "tokens to tell the models apart"),
    "inference_benchmark_gap": ("pp", "benchmark gap of a fixed-price user behind the frontier"),
}


@dataclass(frozen=True)
class Options:
    """Settings of the outcomes that are not uncertain parameters.

    Attributes
    ----------
    threshold_nats : float
        Gap level for ``t_below_threshold``.
    horizons : tuple of float
        Years at which ``gap_at_<h>y`` is reported.
    steps : int
        Consecutive task steps p for benchmark scores (score ** p).
    false_alarm, miss, slowdown : float
        SPRT error rates and slowdown factor for token counts.
    benchmark_grid_points, benchmark_iterations : int
        Numerical search for the benchmark-gap peak (see :func:`engine.model.benchmark_peak`).
    """

    threshold_nats: float = 0.05
    horizons: tuple[float, ...] = (5.0, 10.0, 20.0)
    steps: int = 1
    false_alarm: float = 0.05
    miss: float = 0.05
    slowdown: float = 1.0
    benchmark_grid_points: int = 61
    benchmark_iterations: int = 40


def horizon_name(h: float) -> str:
    """Variable name of the loss gap at horizon h years, e.g. ``gap_at_10y``."""
    return f"gap_at_{h:g}y".replace(".", "p")


def outcome_names(options: Options) -> list[str]:
    """Names of the per-scenario outcomes :func:`evaluate` returns, in order."""
    return list(OUTCOMES) + [horizon_name(h) for h in options.horizons]


def evaluate(params: Mapping[str, NDArray[np.float64]], t: NDArray[np.float64], *,
             series: Sequence[str] = (), options: Options = Options(),
             outcomes: bool = True) -> dict[str, NDArray[np.float64]]:
    """Evaluate every outcome for a block of scenarios.

    Parameters
    ----------
    params : mapping of str to 1-d array
        One array of length n per name in :data:`PARAMETERS` (missing names take the paper's
        value).
    t : 1-d array
        Time grid in years (series only; ``peak_benchmark_gap`` searches [0, t[-1]]).
    series : sequence of str
        Names from :data:`SERIES` to return with shape (n, len(t)).
    options : Options
    outcomes : bool
        Whether to compute the per-scenario outcomes (skip them for series-only runs).

    Returns
    -------
    dict of str to numpy.ndarray
        Outcomes of shape (n,), ``domain_reason`` (int8), and the requested series.

    Example
    -------
    >>> out = evaluate({"alpha": np.array([0.154])}, np.linspace(0, 20, 5))
    >>> round(float(out["t_peak"][0]), 3)
    3.359
    """
    unknown = set(series) - set(SERIES)
    if unknown:
        raise ValueError(f"series={sorted(unknown)!r}: unknown; allowed: {sorted(SERIES)}")
    n = len(next(iter(params.values()))) if params else 1
    p = {k: np.broadcast_to(np.asarray(params.get(k, model.PAPER[k]), dtype=float), (n,))
         for k in PARAMETERS}
    reason = model.domain_reason(**p)
    ok = reason == 0
    # Invalid scenarios are evaluated at the paper's values and then masked to NaN, so no
    # warnings or garbage leak from undefined logarithms.
    safe = {k: np.where(ok, v, model.PAPER[k]) for k, v in p.items()}
    out: dict[str, NDArray[np.float64]] = {"domain_reason": reason}

    def masked(x: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.where(ok if x.ndim == 1 else ok[:, None], x, np.nan)

    if outcomes:
        horizon = float(t[-1]) if len(t) and t[-1] > 0 else 1.0
        tp = model.t_peak(**safe)
        pk = model.peak_gap(**safe, t_min=0.0)
        bpk, bwhen = model.benchmark_peak(horizon=horizon, steps=options.steps,
                                          grid_points=options.benchmark_grid_points,
                                          iterations=options.benchmark_iterations, **safe)
        values = {
            "t_peak": tp,
            "peak_gap": pk,
            "t_inflection": model.t_inflection(**safe),
            "t_below_threshold": model.t_below(options.threshold_nats, horizon=horizon, **safe),
            "t_inference_catchup": model.t_inference_catchup(**safe),
            "peak_benchmark_gap": bpk,
            "t_peak_benchmark": bwhen,
            "tokens_at_peak": model.sprt_tokens(pk, false_alarm=options.false_alarm,
                                                miss=options.miss, slowdown=options.slowdown),
        }
        for h in options.horizons:
            values[horizon_name(h)] = model.loss_gap(np.float64(h), **safe)
        out.update({k: masked(np.asarray(v, dtype=float)) for k, v in values.items()})

    if series:
        col = {k: v[:, None] for k, v in safe.items()}
        tt = np.asarray(t, dtype=float)[None, :]
        need_losses = {"loss_meek", "loss_sota", "benchmark_gap"} & set(series)
        if need_losses:
            lcm = model.log_compute_meek(tt, col["meek_budget_usd"], col["flop_per_usd"],
                                         col["g_alg"], col["g_hw"])
            lcs = model.log_compute_sota(tt, col["sota_budget_usd"], col["flop_per_usd"],
                                         col["g_alg"], col["g_hw"], col["g_inv"],
                                         col["switch_year"], col["g_inv_after"])
            lm = model.loss(lcm, col["A"], col["alpha"], col["L0"])
            ls = model.loss(lcs, col["A"], col["alpha"], col["L0"])
            if "loss_meek" in series:
                out["loss_meek"] = masked(lm)
            if "loss_sota" in series:
                out["loss_sota"] = masked(ls)
            if "benchmark_gap" in series:
                out["benchmark_gap"] = masked(100.0 * (
                    model.benchmark_score(ls, options.steps)
                    - model.benchmark_score(lm, options.steps)))
        if {"loss_gap", "tokens_to_distinguish"} & set(series):
            gap = model.loss_gap(tt, **col)
            if "loss_gap" in series:
                out["loss_gap"] = masked(gap)
            if "tokens_to_distinguish" in series:
                out["tokens_to_distinguish"] = masked(model.sprt_tokens(
                    gap, false_alarm=options.false_alarm, miss=options.miss,
                    slowdown=options.slowdown))
        if "inference_gap" in series:
            out["inference_gap"] = masked(model.inference_gap(tt, **col))
        if "inference_benchmark_gap" in series:
            out["inference_benchmark_gap"] = masked(model.inference_benchmark_gap(
                tt, steps=options.steps, **col))
    return out
