"""The inference side: a user paying a fixed price per token against the frontier.

A fixed price p per token buys c0 = p f FLOP per token at t = 0 (f FLOP per dollar). The best
model affordable at that price has training compute m c^2 (the paper: m = 1; Chinchilla's
C = 6ND = 1.5 r c^2 with r tokens per parameter), growing as ln C_inf(t) = 2 ln c0 + ln m + k t with k from the inference form (see :mod:`.paths`). The user trails
the frontier by max(L(C_inf) - L(C_s), 0) nats, and d(t) = ln C_inf - ln C_s is piecewise linear:
slope k1 = k - ln(g_alg g_hw g_inv) before the switch year and k2 = k - ln(g_alg g_hw g_inv')
after, d(0) = 2 ln c0 + ln m - ln C_s0. Without a switch the gap closes at

    t = (ln C_s0 - 2 ln c0) / k1,     k1 = ln g_hw + 2 ln g_inf - ln g_inv  (paper form),

about 1.33 years at g_inf = 9 and 4.10 at 2.8 in the authors' setting.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from engine.model.capability import score_of_compute
from engine.model.closed_forms import loss_difference
from engine.model.params import Array, Params, check, domain_reason
from engine.model.paths import Paths


def inference_gap(t: ArrayLike, p: Params, inference: str = "paper") -> Array:
    """max(L(C_inf(t)) - L(C_s(t)), 0) in nats: how far a fixed-price user trails the frontier."""
    check(p)
    paths = Paths(p, inference)
    li = paths.inference(t)
    lead = paths.frontier(t) - li
    with np.errstate(invalid="ignore", over="ignore"):
        gap = np.where(lead > 0, loss_difference(li, np.maximum(lead, 0.0), p.A, p.alpha), 0.0)
    return np.where(domain_reason(p) == 0, gap, np.nan)


def inference_benchmark_gap(t: ArrayLike, p: Params, steps: ArrayLike = 1,
                            inference: str = "paper") -> Array:
    """max(score(C_s)^p - score(C_inf)^p, 0) in percentage points."""
    check(p)
    paths = Paths(p, inference)
    gap = np.maximum(100.0 * (score_of_compute(paths.frontier(t), steps)
                              - score_of_compute(paths.inference(t), steps)), 0.0)
    return np.where(domain_reason(p) == 0, gap, np.nan)


def t_inference_catchup(p: Params, inference: str = "paper") -> Array:
    """Earliest t >= 0 from which the inference gap stays zero; closed form.

    With a switch year d is piecewise linear and convex (its slope rises by
    ln g_inv - ln g_inv' at ts), so the last zero lies on the segment that d(ts) points to.

    Returns
    -------
    numpy.ndarray
        Years; 0 where the user is level already and stays so; NaN where the frontier pulls away
        for ever (final slope < 0, or = 0 with a remaining gap) or outside the domain.

    Example
    -------
    >>> from engine.model.params import PAPER
    >>> round(float(t_inference_catchup(PAPER)), 3)
    1.332
    """
    check(p)
    paths = Paths(p, inference)
    d0 = paths.ci0 - paths.cs0
    base = paths.ki - paths.la - paths.lh
    k1, k2 = base - paths.l1, base - paths.l2
    ts = np.asarray(paths.ts)
    finite_ts = np.isfinite(ts)
    ts_f = np.where(finite_ts, ts, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        root1 = -d0 / k1
        const = np.where(k1 > 0, np.maximum(root1, 0.0),
                         np.where((k1 == 0) & (d0 >= 0), 0.0, np.nan))
        d_ts = d0 + k1 * ts_f
        seg1 = np.where(k1 > 0, np.maximum(root1, 0.0), 0.0)
        seg2 = ts_f - d_ts / k2
        sw = np.where(k2 < 0, np.nan,
                      np.where(k2 == 0, np.where(d_ts >= 0, seg1, np.nan),
                               np.where(d_ts >= 0, seg1, np.maximum(seg2, 0.0))))
        out = np.where(finite_ts, sw, const)
    return np.where(domain_reason(p) == 0, out, np.nan)
