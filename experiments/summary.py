"""python run.py: the model's key numbers in the authors' setting and at the priors' medians."""

from __future__ import annotations

import math

import numpy as np

from engine import model
from engine.config import Settings
from engine.model import Params
from engine.runs import RunDir


def _show(v: float) -> str:
    if math.isnan(v):
        return "never"
    return f"{v:.4g}"


def key_numbers(p: Params, horizon: float, inference: str = "paper") -> dict[str, float]:
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


def run(s: Settings, run: RunDir, attrs: dict) -> float:
    horizon = float(s.t[-1])
    print("Meek Models Shall Inherit the Earth: key numbers")
    print("\nAuthors' setting (alpha 0.154, g_alg 2.8, g_hw 1.4, g_inv 5/1.4, g_inf 9, "
          "$1,000 at 1e17 FLOP/$):")
    numbers = key_numbers(model.PAPER, horizon)
    for k, v in numbers.items():
        print(f"  {k:<36} {_show(v)}")
    slow = model.PAPER.replace(g_inf=2.8)
    print(f"  {'inference catch-up at g_inf 2.8 [yr]':<36} "
          f"{_show(float(model.t_inference_catchup(slow)))}")
    medians: dict[str, float] = dict(s.simulator.defaults)
    for prior in s.priors:
        medians.update({k: v for k, v in prior.median().items() if k in medians})
    print(f"\nAt the median of each configured prior (actor {s.config.actor.name}, inference "
          f"form {s.config.inference.form}):")
    at_median = key_numbers(Params(**medians), horizon, s.config.inference.form)
    for k, v in at_median.items():
        print(f"  {k:<36} {_show(v)}")
    print("\nUncertainty and sensitivity: python run.py experiment=fan | experiment=sobol")
    return float(np.float64(numbers["t_peak [yr]"]))
