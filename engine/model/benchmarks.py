"""Benchmark scores on unsaturated benchmarks: a logistic in log effective compute.

For each benchmark b (MMLU-Pro, GPQA Diamond):

    score_b(C_eff) = floor + (ceiling - floor) / (1 + exp(-slope (log10 C_eff - midpoint)))

C_eff is effective training compute in 2025-equivalent FLOP (physical FLOP times g_alg^(t - 2025)),
the quantity the model's paths carry as a natural log (``paths.frontier(t)``). The midpoint is
log10 of it; the slope is in logistic units per decade of compute; floor and ceiling are fractions
correct. The priors (``PRIORS``) and their derivation are in data/BENCHMARKS.md: the floor is the
chance level (ten options for MMLU-Pro, Wang et al. 2024; four for GPQA Diamond, Rein et al. 2023),
the ceiling below 1 for label noise, the midpoint and slope fitted to the leaderboard's models with
known training compute. The paper's MMLU sigmoid (engine.model.capability) stays for priors=paper.

This module is the one contract between the capability layer (kernel series and outcomes) and the
calibration (levels of the leaderboard): both compute scores with :func:`score`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from engine.model.params import Array

LN10 = math.log(10.0)


@dataclass(frozen=True)
class Benchmark:
    """A benchmark's name, label, chance-level floor and the priors of its logistic."""

    name: str
    long_name: str
    floor: float
    #: prior of each uncertain parameter, in conf/priors' form (see data/BENCHMARKS.md)
    priors: dict[str, dict[str, Any]]


BENCHMARKS: dict[str, Benchmark] = {
    "mmlu_pro": Benchmark(
        "mmlu_pro", "MMLU-Pro", 0.10,
        {"ceiling": {"dist": "beta", "a": 77.2, "b": 5.06},       # median 0.942, label noise
         "midpoint": {"dist": "normal", "mean": 23.77, "sd": 0.29},  # log10 2025-eq. FLOP
         "slope": {"dist": "lognormal", "median": 0.90, "sigma": 0.19},  # per decade
         "noise_pp": {"dist": "lognormal", "median": 8.1, "sigma": 0.27}}),
    "gpqa_diamond": Benchmark(
        "gpqa_diamond", "GPQA Diamond", 0.25,
        {"ceiling": {"dist": "beta", "a": 89.2, "b": 3.17},       # median 0.969
         "midpoint": {"dist": "normal", "mean": 25.65, "sd": 0.29},
         "slope": {"dist": "lognormal", "median": 0.91, "sigma": 0.25},
         "noise_pp": {"dist": "lognormal", "median": 6.8, "sigma": 0.28}}),
}


def score(log_c: ArrayLike, floor: ArrayLike, ceiling: ArrayLike, midpoint: ArrayLike,
          slope: ArrayLike) -> Array:
    """Fraction correct of a model trained with 2025-equivalent effective compute e^log_c.

    ``midpoint`` is log10 FLOP, ``slope`` per decade. Written with tanh so that no argument
    overflows: 1/(1+e^-z) = (1 + tanh(z/2))/2.

    Example
    -------
    >>> round(float(score(23.77 * LN10, 0.1, 0.942, 23.77, 0.9)), 6)
    0.521
    """
    z = np.asarray(slope, dtype=float) * (np.asarray(log_c, dtype=float) / LN10
                                          - np.asarray(midpoint, dtype=float))
    floor = np.asarray(floor, dtype=float)
    return floor + (np.asarray(ceiling, dtype=float) - floor) * 0.5 * (1.0 + np.tanh(0.5 * z))
