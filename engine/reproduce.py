"""The paper's deterministic results in the authors' setting, as one labelled Dataset.

Every curve of the paper's figures (loss gap and its peak, investment schedules, growth rates and
starting budgets, inference against training, benchmark gaps for multi-step tasks, tokens to tell
the models apart) is computed from engine.model and stored with its labels, so that figures and
the report are drawn from the saved file alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from engine import model
from engine.model import PAPER, Params


def _var(dims: tuple[str, ...], values: Any, units: str, long_name: str) -> tuple:
    return (dims, np.asarray(values, dtype=float), {"units": units, "long_name": long_name})


def paper_curves(*, horizon: float = 20.0, points: int = 401,
                 g_inv_values: Sequence[float] = (2.0, 3.0, 5.0 / 1.4, 5.0, 10.0),
                 sota_budgets: Sequence[float] = (1e3, 1e4, 1e5, 1e6),
                 switch_year: float = 5.0, g_inv_after: float = 1.5,
                 g_inf_values: Sequence[float] = (2.8, 9.0),
                 steps: Sequence[int] = (1, 2, 5, 10),
                 slowdowns: Sequence[float] = (1.0, 10.0, 100.0),
                 p: Params = PAPER) -> xr.Dataset:
    """All deterministic curves and key numbers of the paper (authors' setting by default)."""
    t = np.linspace(0.0, horizon, points)
    nats = "1"
    data: dict[str, Any] = {"loss_gap": _var(("t",), model.loss_gap(t, p), nats,
                                             "loss gap, meek minus frontier (nats per token)")}
    schedules = {
        "constant growth": dict(switch_year=math.inf, g_inv_after=1.0),
        f"stops at year {switch_year:g}": dict(switch_year=switch_year, g_inv_after=1.0),
        f"{g_inv_after:g}x/yr from year {switch_year:g}": dict(switch_year=switch_year,
                                                               g_inv_after=g_inv_after),
    }
    inv, sgap, tps = [], [], []
    for sched in schedules.values():
        q = p.replace(**sched)
        paths = model.paths.Paths(q)
        inv.append(float(q.sota_budget_usd) * np.exp(paths.invest(t)))
        sgap.append(model.loss_gap(t, q))
        tps.append(float(model.t_peak(q)))
    data["investment_usd"] = _var(("schedule", "t"), inv, "1", "frontier training budget (USD)")
    data["loss_gap_by_schedule"] = _var(("schedule", "t"), sgap, nats, "loss gap (nats)")
    data["t_peak_by_schedule"] = _var(("schedule",), tps, "a", "time of the loss-gap peak")
    data["loss_gap_by_g_inv"] = _var(("g_inv", "t"), [model.loss_gap(t, p.replace(g_inv=g))
                                                      for g in g_inv_values], nats,
                                     "loss gap (nats)")
    data["loss_gap_by_sota_budget"] = _var(
        ("sota_budget_usd", "t"), [model.loss_gap(t, p.replace(sota_budget_usd=b))
                                   for b in sota_budgets], nats, "loss gap (nats)")
    data["inference_gap"] = _var(("g_inf", "t"), [model.inference_gap(t, p.replace(g_inf=g))
                                                  for g in g_inf_values], nats,
                                 "inference gap at a fixed token price (nats)")
    data["t_inference_catchup"] = _var(("g_inf",), [
        float(model.t_inference_catchup(p.replace(g_inf=g))) for g in g_inf_values], "a",
        "time a fixed-price user catches up with the frontier")
    data["benchmark_gap"] = _var(("steps", "t"), [model.benchmark_gap(t, p, k) for k in steps],
                                 "percent", "benchmark gap (percentage points)")
    peaks = [model.benchmark_peak(p, horizon=horizon, steps=k, grid_points=401, iterations=60)
             for k in steps]
    data["peak_benchmark_gap"] = _var(("steps",), [float(v) for v, _ in peaks], "percent",
                                      "peak benchmark gap (percentage points)")
    data["t_peak_benchmark"] = _var(("steps",), [float(w) for _, w in peaks], "a",
                                    "time of the peak benchmark gap")
    gap = model.loss_gap(t, p)
    data["tokens_to_distinguish"] = _var(("slowdown", "t"), [model.sprt_tokens(gap, slowdown=s)
                                                             for s in slowdowns], "1",
                                         "tokens needed to tell the models apart")
    peak = float(model.peak_gap(p))
    data["tokens_at_peak"] = _var(("slowdown",), [float(model.sprt_tokens(peak, slowdown=s))
                                                  for s in slowdowns], "1",
                                  "tokens needed to tell the models apart at the peak")
    coords = {"t": ("t", t, {"units": "a", "long_name": "years from the start"}),
              "schedule": ("schedule", list(schedules), {"long_name": "investment schedule"}),
              "g_inv": ("g_inv", list(g_inv_values), {"units": "1", "long_name":
                                                      "frontier investment growth per year"}),
              "sota_budget_usd": ("sota_budget_usd", list(sota_budgets), {
                  "units": "1", "long_name": "frontier starting budget (USD)"}),
              "g_inf": ("g_inf", list(g_inf_values), {"units": "1", "long_name":
                                                      "inference growth per year"}),
              "steps": ("steps", np.asarray(steps, dtype=np.int32), {
                  "units": "1", "long_name": "consecutive task steps"}),
              "slowdown": ("slowdown", list(slowdowns), {"units": "1",
                                                         "long_name": "SPRT slowdown factor"})}
    ds = xr.Dataset(data, coords=coords)
    ds.attrs.update({
        "title": "Meek Models Shall Inherit the Earth: deterministic results",
        "t_peak": float(model.t_peak(p)), "peak_gap": peak,
        "t_inflection": float(model.t_inflection(p)),
        "setting": "; ".join(f"{k}={float(v):g}" for k, v in p.as_dict().items()),
    })
    return ds
