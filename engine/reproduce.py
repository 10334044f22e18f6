"""The paper's deterministic results in the authors' setting, as one labelled Dataset.

Every curve of the paper's figures (loss gap and its peak, investment schedules, growth rates and
starting budgets, inference against training, benchmark gaps for multi-step tasks, tokens to tell
the models apart) is computed from engine.model and stored with its labels, so that figures and
the report are drawn from the saved file alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from engine import model
from engine.model import PAPER


def _var(dims: tuple[str, ...], values: Any, units: str, long_name: str) -> tuple:
    return (dims, np.asarray(values, dtype=float), {"units": units, "long_name": long_name})


def paper_curves(*, horizon: float = 20.0, points: int = 401,
                 g_inv_values: Sequence[float] = (2.0, 3.0, 5.0 / 1.4, 5.0, 10.0),
                 sota_budgets: Sequence[float] = (1e3, 1e4, 1e5, 1e6),
                 switch_year: float = 5.0, g_inv_after: float = 1.5,
                 g_inf_values: Sequence[float] = (2.8, 9.0),
                 steps: Sequence[int] = (1, 2, 5, 10),
                 slowdowns: Sequence[float] = (1.0, 10.0, 100.0),
                 params: Mapping[str, float] = PAPER) -> xr.Dataset:
    """All deterministic curves and key numbers of the paper (authors' setting by default)."""
    p = dict(params)
    t = np.linspace(0.0, horizon, points)
    data: dict[str, Any] = {}
    gap = model.loss_gap(t, **p)
    data["loss_gap"] = _var(("t",), gap, "nats", "loss gap (meek minus frontier)")

    schedules = {
        "constant growth": dict(switch_year=math.inf, g_inv_after=1.0),
        f"stops at year {switch_year:g}": dict(switch_year=switch_year, g_inv_after=1.0),
        f"{g_inv_after:g}x/yr from year {switch_year:g}": dict(switch_year=switch_year,
                                                               g_inv_after=g_inv_after),
    }
    inv, sgap, tps = [], [], []
    for sched in schedules.values():
        q = dict(p, **sched)
        inv.append(q["sota_budget_usd"] * np.exp(model.log_investment_growth(
            t, q["g_inv"], q["switch_year"], q["g_inv_after"])))
        sgap.append(model.loss_gap(t, **q))
        tps.append(float(model.t_peak(**q)))
    data["investment_usd"] = _var(("schedule", "t"), inv, "USD", "frontier training budget")
    data["loss_gap_by_schedule"] = _var(("schedule", "t"), sgap, "nats", "loss gap")
    data["t_peak_by_schedule"] = _var(("schedule",), tps, "yr", "time of the loss-gap peak")

    data["loss_gap_by_g_inv"] = _var(("g_inv", "t"), [model.loss_gap(t, **dict(p, g_inv=g))
                                                      for g in g_inv_values], "nats", "loss gap")
    data["loss_gap_by_sota_budget"] = _var(
        ("sota_budget_usd", "t"), [model.loss_gap(t, **dict(p, sota_budget_usd=b))
                                   for b in sota_budgets], "nats", "loss gap")
    data["inference_gap"] = _var(("g_inf", "t"), [model.inference_gap(t, **dict(p, g_inf=g))
                                                  for g in g_inf_values], "nats",
                                 "inference gap at a fixed token price")
    data["t_inference_catchup"] = _var(("g_inf",), [
        float(model.t_inference_catchup(**dict(p, g_inf=g))) for g in g_inf_values], "yr",
        "time a fixed-price user catches up with the frontier")
    data["benchmark_gap"] = _var(("steps", "t"), [model.benchmark_gap(t, steps=k, **p)
                                                  for k in steps], "pp", "benchmark gap")
    peaks = [model.benchmark_peak(horizon=horizon, steps=k, **p) for k in steps]
    data["peak_benchmark_gap"] = _var(("steps",), [float(v) for v, _ in peaks], "pp",
                                      "peak benchmark gap")
    data["t_peak_benchmark"] = _var(("steps",), [float(w) for _, w in peaks], "yr",
                                    "time of the peak benchmark gap")
    data["tokens_to_distinguish"] = _var(("slowdown", "t"), [model.sprt_tokens(gap, slowdown=s)
                                                             for s in slowdowns], "tokens",
                                         "tokens to tell the models apart")
    tp = float(model.t_peak(**p))
    peak = float(model.peak_gap(**p))
    data["tokens_at_peak"] = _var(("slowdown",), [float(model.sprt_tokens(peak, slowdown=s))
                                                  for s in slowdowns], "tokens",
                                  "tokens to tell the models apart at the peak")
    coords = {"t": ("t", t, {"units": "yr", "long_name": "years from start"}),
              "schedule": list(schedules), "g_inv": list(g_inv_values),
              "sota_budget_usd": list(sota_budgets), "g_inf": list(g_inf_values),
              "steps": list(steps), "slowdown": list(slowdowns)}
    ds = xr.Dataset(data, coords=coords)
    ds.attrs.update({
        "title": "Meek Models Shall Inherit the Earth: deterministic results",
        "t_peak": tp, "peak_gap": peak, "t_inflection": float(model.t_inflection(**p)),
        "setting": "; ".join(f"{k}={v:g}" for k, v in p.items()),
    })
    return ds
