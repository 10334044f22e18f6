"""From compute to capability: the benchmark sigmoid, multi-step tasks, tokens to tell apart.

The authors fitted MMLU (fraction correct) against loss on 30 models, the losses computed from
each model's training compute with their scaling law (A = 1070, alpha = 0.154, L0 = 1.7):

    perf(L) = 0.5567 / (1 + exp(23.775 (L - 1.9739))) + 0.2540      (floor 0.254, ceiling 0.81)

The sigmoid therefore maps *that* fit's losses to scores. When another fit is drawn, a loss from
it would land on the wrong part of the curve (Besiroglu's L(1e20) is 2.57 where the authors' is
2.59 and their L0 differ by 0.12), so the score is kept a function of compute through the fit
the sigmoid was made with: score(C) = perf(L_ref(C)). The drawn scaling law moves loss gaps and
token counts; benchmark scores depend on compute alone, exactly as in the authors' data.

References
----------
A. Wald, "Sequential Tests of Statistical Hypotheses", Ann. Math. Stat. 16(2), 117-186 (1945).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from engine.model.closed_forms import loss
from engine.model.params import Array

SIGMOID_CEILING_SPAN = 0.5567
SIGMOID_SLOPE = 23.775
SIGMOID_MIDPOINT = 1.9739
SIGMOID_FLOOR = 0.2540
#: The scaling law the sigmoid's losses were computed with (A, alpha, L0): the authors'.
SIGMOID_FIT = (1070.0, 0.154, 1.7)


def benchmark_score(loss_nats: ArrayLike, steps: ArrayLike = 1) -> Array:
    """MMLU fraction correct from a loss of the sigmoid's own fit, raised to ``steps``.

    Example
    -------
    >>> round(float(benchmark_score(1.9739)), 5)
    0.53235
    """
    half_z = (0.5 * SIGMOID_SLOPE) * (np.asarray(loss_nats, dtype=float) - SIGMOID_MIDPOINT)
    # 1/(1+e^z) = (1 - tanh(z/2))/2: no overflow for any z, one transcendental call
    score = (0.5 * SIGMOID_CEILING_SPAN) * (1.0 - np.tanh(half_z)) + SIGMOID_FLOOR
    steps = np.asarray(steps)
    if steps.ndim == 0 and steps == 1:
        return score
    return score ** steps


def score_of_compute(log_c: ArrayLike, steps: ArrayLike = 1) -> Array:
    """Benchmark score of a model trained with effective compute e^log_c (any scaling law).

    Example
    -------
    >>> round(float(score_of_compute(np.log(1e24))), 4)
    0.6996
    """
    return benchmark_score(loss(log_c, *SIGMOID_FIT), steps)


def sprt_tokens(gap_nats: ArrayLike, *, false_alarm: float = 0.05, miss: float = 0.05,
                slowdown: ArrayLike = 1.0) -> Array:
    """Expected tokens for Wald's SPRT to tell the two models apart.

    On true text the expected per-token log-likelihood ratio of the two models is the loss
    difference, so E[N] = slowdown [(1-b) ln((1-b)/a) + b ln(b/(1-a))] / gap (about 2.65/gap
    for a = b = 0.05). inf where the gap is <= 0.

    Example
    -------
    >>> round(float(sprt_tokens(1.0)), 4)
    2.65
    """
    numerator = sprt_numerator(false_alarm, miss)
    gap = np.asarray(gap_nats, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(gap > 0, np.asarray(slowdown) * numerator / np.where(gap > 0, gap, 1.0),
                        np.where(np.isnan(gap), np.nan, np.inf))


def sprt_numerator(false_alarm: float, miss: float) -> float:
    """(1-b) ln((1-b)/a) + b ln(b/(1-a)), checking the error rates."""
    a, b = float(false_alarm), float(miss)
    if not (0 < a < 1 and 0 < b < 1 and a + b < 1):
        raise ValueError(f"false_alarm={false_alarm!r}, miss={miss!r}: each must be in (0, 1) "
                         "with a sum below 1")
    return (1 - b) * math.log((1 - b) / a) + b * math.log(b / (1 - a))
