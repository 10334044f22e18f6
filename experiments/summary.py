"""python run.py: the model's key numbers in the authors' setting and at the priors' medians."""

from __future__ import annotations

import numpy as np
from omegaconf import DictConfig

from engine import model
from experiments.common import settings


def key_numbers(p: dict[str, float], horizon: float) -> dict[str, float]:
    bench, when = model.benchmark_peak(horizon=horizon, **p)
    gap = float(model.peak_gap(**p))
    return {
        "t_peak [yr]": float(model.t_peak(**p)),
        "peak gap [nats]": gap,
        "true inflection [yr]": float(model.t_inflection(**p)),
        "inference catch-up [yr]": float(model.t_inference_catchup(**p)),
        "peak benchmark gap [pp]": float(bench),
        "time of peak benchmark gap [yr]": float(when),
        "tokens to distinguish at the peak": float(model.sprt_tokens(gap)),
    }


def run(cfg: DictConfig) -> None:
    s, _ = settings(cfg)
    horizon = float(s.t[-1])
    print("Meek Models Shall Inherit the Earth: key numbers")
    print("\nAuthors' setting (alpha 0.154, g_alg 2.8, g_hw 1.4, g_inv 5/1.4, g_inf 9, "
          "$1,000 at 1e17 FLOP/$):")
    for k, v in key_numbers(dict(model.PAPER), horizon).items():
        print(f"  {k:<36} {v:.4g}")
    slow = dict(model.PAPER, g_inf=2.8)
    print(f"  {'inference catch-up at g_inf 2.8 [yr]':<36} "
          f"{float(model.t_inference_catchup(**slow)):.4g}")
    medians = {k: float(p.ppf(np.array(0.5))) for k, p in s.priors.items()}
    print("\nAt the median of each configured prior:")
    for k, v in key_numbers(medians, horizon).items():
        print(f"  {k:<36} {v:.4g}")
    print("\nUncertainty and sensitivity: python run.py experiment=fan | experiment=sobol")
