"""Log compute paths of the compiled kernel (the numpy reference: :mod:`engine.model.paths`), in the
general form that holds a switch year and both policy levers.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from engine.model.compiled.constants import _INLINE, _JIT
from engine.model.compiled.elementary import _exp_array, _expm1_array, _max, _min

# --------------------------------------------------------------------------- paths (Paths)
# The reference picks formulas per block (any switch year, any policy lever in the block); the
# general formulas used here give the same values for scenarios without them (they add exact
# zeros), so a scenario's result never depends on its block.

@njit(**_INLINE)
def _meek(t: float, cm0: float, la: float, lh: float, e: float, lag: float) -> float:
    """ln C_m(t) (Paths.meek)."""
    neg = t < 0.0
    alg = t if neg else _max(t - lag, 0.0)
    hw = t if neg else (1.0 - e) * t
    return cm0 + la * alg + lh * hw


@njit(**_INLINE)
def _invest(t: float, l1: float, l2: float, ts: float) -> float:
    """ln of the frontier budget's growth since 0 (Paths.invest)."""
    return _min(t, ts) * l1 + _max(t - ts, 0.0) * l2


@njit(**_INLINE)
def _lead(t: float, lr0: float, la: float, lh: float, l1: float, l2: float, ts: float, e: float,
          lag: float) -> float:
    """s(t) - m(t) (Paths.lead)."""
    neg = t < 0.0
    alg = t if neg else _max(t - lag, 0.0)
    hw = t if neg else (1.0 - e) * t
    return lr0 + _invest(t, l1, l2, ts) + la * (t - alg) + lh * (t - hw)


@njit(**_INLINE)
def _frontier(t: float, cs0: float, la: float, lh: float, l1: float, l2: float, ts: float) -> float:
    """ln C_s(t) (Paths.frontier)."""
    return cs0 + (la + lh) * t + _invest(t, l1, l2, ts)


@njit(**_INLINE)
def _meek_rate(t: float, la: float, lh: float, e: float, lag: float) -> float:
    """d ln C_m / dt just after t (Paths.meek_rate)."""
    alg = la if (t < 0.0 or t >= lag) else 0.0
    hw = lh if t < 0.0 else (1.0 - e) * lh
    return alg + hw


@njit(**_INLINE)
def _lead_rate(t: float, la: float, lh: float, l1: float, l2: float, ts: float, e: float,
               lag: float) -> float:
    """d(s - m)/dt just after t (Paths.lead_rate)."""
    inv = l1 if t < ts else l2
    late = t >= 0.0
    return inv + (la if (late and t < lag) else 0.0) + (e * lh if late else 0.0)


@njit(**_INLINE)
def _years_behind(t: float, cs0: float, lr0: float, la: float, lh: float, l1: float, l2: float,
                  ts: float, e: float, lag: float) -> float:
    """tau(t) (governance.years_behind through frontier_time_of)."""
    neg = t < 0.0
    alg = t if neg else _max(t - lag, 0.0)
    hw = t if neg else (1.0 - e) * t
    y = (-lr0 + la * alg + lh * hw + cs0) - cs0
    r1 = la + lh + l1
    u = y / r1
    at_switch = (ts if math.isfinite(ts) else 0.0) * r1
    u = u if u <= ts else ts + (y - at_switch) / (la + lh + l2)
    return t - u


@njit(**_JIT)
def _gaps(tv: np.ndarray, n: int, A: float, alpha: float, cm0: float, lr0: float, la: float,
          lh: float, l1: float, l2: float, ts: float, e: float, lag: float, x1: np.ndarray,
          x2: np.ndarray, gv: np.ndarray) -> None:
    """gv[:n] = G(tv[:n]) (closed_forms.gap_at), vectorised (x1, x2: scratch)."""
    for k in range(n):
        x1[k] = -alpha * _meek(tv[k], cm0, la, lh, e, lag)
        x2[k] = -alpha * _lead(tv[k], lr0, la, lh, l1, l2, ts, e, lag)
    _exp_array(x1, n)
    _expm1_array(x2, n)
    for k in range(n):
        gv[k] = A * x1[k] * -x2[k]
