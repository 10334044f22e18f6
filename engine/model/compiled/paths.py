"""Log compute paths of the compiled kernel (the numpy reference: :mod:`engine.model.paths`), in the
general form that holds a switch year and both policy levers, as functions of a
:class:`~.bundles.Scenario`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from engine.model.compiled.bundles import Scenario
from engine.model.compiled.constants import _INLINE, _JIT
from engine.model.compiled.elementary import (
    _exp_array,
    _exp_s,
    _expm1_array,
    _expm1_s,
    _max,
    _min,
)

# --------------------------------------------------------------------------- paths (Paths)
# The reference picks formulas per block (any switch year, any policy lever in the block); the
# general formulas used here give the same values for scenarios without them (they add exact
# zeros), so a scenario's result never depends on its block.

@njit(**_INLINE)
def _piece(k: int, b0: float, b1: float, b2: float) -> tuple[float, float, float, float]:
    """Piece k (0..3) of the time axis cut at the breakpoints b0 <= b1 <= b2: (lo, hi, a time
    inside it, its anchor t0: lo, or hi for the first piece, or 0 on a piece unbounded both ways)."""
    lo = -math.inf if k == 0 else (b0 if k == 1 else (b1 if k == 2 else b2))
    hi = b0 if k == 0 else (b1 if k == 1 else (b2 if k == 2 else math.inf))
    if math.isinf(lo):
        inside = hi - 1.0
    elif math.isinf(hi):
        inside = lo + 1.0
    else:
        inside = 0.5 * (lo + hi)
    t0 = lo if math.isfinite(lo) else (hi if math.isfinite(hi) else 0.0)
    if not math.isfinite(inside):
        inside = t0
    return lo, hi, inside, t0


@njit(**_INLINE)
def _meek_budget(t: float, sc: Scenario) -> float:
    """b(t) = t lg: ln of the meek budget's growth since 0 (Paths.meek_budget; a signed zero
    for a fixed budget, so adding it changes no bit of a nonzero sum)."""
    return t * sc.lg


@njit(**_INLINE)
def _meek(t: float, sc: Scenario) -> float:
    """ln C_m(t) (Paths.meek)."""
    neg = t < 0.0
    alg = t if neg else _max(t - sc.lag, 0.0)
    hw = t if neg else (1.0 - sc.e) * t
    return sc.cm0 + sc.la * alg + sc.lh * hw + _meek_budget(t, sc)


@njit(**_INLINE)
def _invest(t: float, sc: Scenario) -> float:
    """ln of the frontier budget's growth since 0 (Paths.invest)."""
    return _min(t, sc.ts) * sc.l1 + _max(t - sc.ts, 0.0) * sc.l2


@njit(**_INLINE)
def _lead(t: float, sc: Scenario) -> float:
    """s(t) - m(t) (Paths.lead)."""
    neg = t < 0.0
    alg = t if neg else _max(t - sc.lag, 0.0)
    hw = t if neg else (1.0 - sc.e) * t
    return (sc.lr0 + (_invest(t, sc) - _meek_budget(t, sc)) + sc.la * (t - alg)
            + sc.lh * (t - hw))


@njit(**_INLINE)
def _frontier(t: float, sc: Scenario) -> float:
    """ln C_s(t) (Paths.frontier)."""
    return sc.cs0 + (sc.la + sc.lh) * t + _invest(t, sc)


@njit(**_INLINE)
def _meek_rate(t: float, sc: Scenario) -> float:
    """d ln C_m / dt just after t (Paths.meek_rate)."""
    alg = sc.la if (t < 0.0 or t >= sc.lag) else 0.0
    hw = sc.lh if t < 0.0 else (1.0 - sc.e) * sc.lh
    return alg + hw + sc.lg


@njit(**_INLINE)
def _lead_rate(t: float, sc: Scenario) -> float:
    """d(s - m)/dt just after t (Paths.lead_rate)."""
    inv = (sc.l1 if t < sc.ts else sc.l2) - sc.lg
    late = t >= 0.0
    return inv + (sc.la if (late and t < sc.lag) else 0.0) + (sc.e * sc.lh if late else 0.0)


@njit(**_INLINE)
def _years_behind(t: float, sc: Scenario) -> float:
    """tau(t) (governance.years_behind through frontier_time_of)."""
    neg = t < 0.0
    alg = t if neg else _max(t - sc.lag, 0.0)
    hw = t if neg else (1.0 - sc.e) * t
    y = (-sc.lr0 + sc.la * alg + sc.lh * hw + _meek_budget(t, sc) + sc.cs0) - sc.cs0
    r1 = sc.la + sc.lh + sc.l1
    u = y / r1
    at_switch = (sc.ts if math.isfinite(sc.ts) else 0.0) * r1
    u = u if u <= sc.ts else sc.ts + (y - at_switch) / (sc.la + sc.lh + sc.l2)
    return t - u


@njit(**_INLINE)
def _breakpoints(sc: Scenario) -> tuple[float, float, float]:
    """The paths' breakpoints 0, the diffusion lag and the switch year, sorted
    (Paths.breakpoints)."""
    b0, b1, b2 = 0.0, sc.lag, sc.ts
    if b1 > b2:
        b1, b2 = b2, b1
    if b0 > b1:
        b0, b1 = b1, b0
    if b1 > b2:
        b1, b2 = b2, b1
    return b0, b1, b2


@njit(**_JIT)
def _gaps(tv: np.ndarray, n: int, gv: np.ndarray, x1: np.ndarray, x2: np.ndarray, sc: Scenario,
          stamp: np.void) -> None:
    """gv[:n] = G(tv[:n]) (closed_forms.gap_at), vectorised (x1, x2: scratch; ``stamp``: see
    :mod:`.bundles`)."""
    alpha = sc.alpha
    for k in range(n):
        x1[k] = -alpha * _meek(tv[k], sc)
        x2[k] = -alpha * _lead(tv[k], sc)
    _exp_array(x1, n)
    _expm1_array(x2, n)
    A = sc.A
    for k in range(n):
        gv[k] = A * x1[k] * -x2[k]
    for k in range(n):  # 0 * inf: the meek model far ahead (closed_forms.loss_difference)
        if gv[k] != gv[k]:
            d = _lead(tv[k], sc)
            if d < 0.0:
                gv[k] = A * _exp_s(-alpha * (_meek(tv[k], sc) + d)) * _expm1_s(alpha * d)
