"""The paper's results: its deterministic curves, its key numbers, and the side evaluations of
``experiment=paper``.

Every curve of the paper's figures (loss gap and its peak, investment schedules, growth rates and
starting budgets, inference against training, benchmark gaps for multi-step tasks, tokens to tell
the models apart) is computed from engine.model and stored with its labels, so that figures and
the report are drawn from the saved file alone. :func:`key_numbers` gives the numbers
``python run.py`` prints; :func:`step_fans` and :func:`empirical_fan` evaluate the same
results with uncertainty, and the model's side of the empirical check, through the engine.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from engine import model
from engine.analysis.fan import fan_from_series
from engine.designs import make_design
from engine.jobs import Job
from engine.model import PAPER, Params


def _var(dims: tuple[str, ...], values: Any, units: str, long_name: str) -> tuple:
    return (dims, np.asarray(values, dtype=float), {"units": units, "long_name": long_name})


def key_numbers(p: Params, horizon: float, inference: str = "paper") -> dict[str, float]:
    """The model's key numbers at one parameter point, labelled with their units."""
    bench, when = model.benchmark_peak(p, horizon=horizon, grid_points=401, iterations=60)
    gap = float(model.peak_gap(p))
    return {
        "t_peak [yr]": float(model.t_peak(p)),
        "peak gap [nats]": gap,
        "true inflection [yr]": float(model.t_inflection(p)),
        "inference catch-up [yr]": float(model.t_inference_catchup(p, inference)),
        "peak benchmark gap [pp]": float(bench),
        "time of peak benchmark gap [yr]": float(when),
        "tokens to distinguish at the peak": float(model.sprt_tokens(gap)),
        "years behind at year 10": float(model.years_behind(10.0, p)),
    }


def at_medians(defaults: dict[str, float], priors: Any) -> Params:
    """The parameter point at every prior's median (``defaults`` where no prior draws one;
    derived parameters computed from the medians)."""
    medians = dict(defaults)
    values = priors.map(np.full((1, priors.columns), 0.5))  # the centre of the unit cube
    medians.update({k: float(np.asarray(v).reshape(-1)[0]) for k, v in values.items()
                    if k in medians})
    return Params(**medians)


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


# ----------------------------------------------------------------------------- side evaluations

#: How a side evaluation runs: ``evaluate(job, directory) -> Evaluation`` on the run's cluster
#: and storage (the experiment supplies it; :func:`engine.evaluate.evaluate` does the work).
Evaluate = Callable[[Job, Path], Any]


def _fan_of(evaluate: Evaluate, job: Job, where: Path, series: Sequence[str]) -> xr.Dataset:
    """The fan of ``series`` of a job evaluated in a scratch directory, which is then removed."""
    ev = evaluate(job, where)
    with ev.open() as ds:
        out = fan_from_series(ds, list(series)).load()  # before its file is removed
    ev.discard()
    where.rmdir()
    return out


def step_fans(evaluate: Evaluate, job: Job, steps: Sequence[int], staging: Path
              ) -> list[xr.Dataset]:
    """The benchmark gap's fan for tasks of each number of consecutive steps p (the paper's
    figure 5 with uncertainty): ``benchmark_gap_p<k>`` and its shares, one Dataset per p."""
    out = []
    for k in steps:
        sim = job.simulator
        stepped = type(sim)(dataclasses.replace(sim.options, steps=int(k)), sim.backend)
        one = dataclasses.replace(job, simulator=stepped, keep=("benchmark_gap",), reducers={})
        fan = _fan_of(evaluate, one, staging / f"steps_{k}", ["benchmark_gap"])
        out.append(fan.rename({v: v.replace("benchmark_gap", f"benchmark_gap_p{k}")
                               for v in ("benchmark_gap", "benchmark_gap_undefined_share",
                                         "benchmark_gap_infinite_share")}))
    return out


def band_price_usd(band: Sequence[float]) -> float:
    """USD per token of a user in a price band given in USD per million tokens: its geometric
    middle."""
    lo, hi = band
    return math.sqrt(lo * hi) / 1e6


def overlay_specs(specs: dict[str, Any], band: Sequence[float], extra: dict[str, Any]
                  ) -> dict[str, Any]:
    """The priors of the empirical overlay: the run's, a user at the band's price, and the
    overlay's own overrides (the frontier at the data's t = 0)."""
    price = {"dist": "fixed", "value": band_price_usd(band)}
    return {**specs, "price_per_token_usd": price, **extra}


def decimal_year(month: pd.Period) -> float:
    return month.year + (month.month - 1) / 12


def empirical_fan(evaluate: Evaluate, job: Job, months: int, start: str, staging: Path
                  ) -> xr.Dataset:
    """The model's benchmark gap for a user at a fixed price (``job``'s priors) over the
    ``months`` observed months from ``start`` (``YYYY-MM``, the model's t = 0): the model's
    side of the paper's empirical check, with a ``year`` coordinate."""
    t = np.arange(months) / 12.0  # to the last genuine month of the data
    design = make_design("mc", job.design.n, job.priors.columns, job.design.seed)
    one = dataclasses.replace(job, design=design, t=t,
                              start_year=decimal_year(pd.Period(start, freq="M")),
                              keep=("inference_benchmark_gap",), reducers={})
    return _fan_of(evaluate, one, staging / "empirical", ["inference_benchmark_gap"])


def observed_gap(table: pd.DataFrame) -> pd.DataFrame:
    """The monthly gap table with a decimal ``year`` column and months as text (the CSV the
    report and the figures read)."""
    observed = table.reset_index()
    observed["year"] = [decimal_year(m) for m in observed["month"]]
    observed["month"] = observed["month"].astype(str)
    return observed
