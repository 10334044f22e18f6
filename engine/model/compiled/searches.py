"""Numeric searches of the compiled kernel: the benchmark peak's grid and lock-step golden-section
search and the safeguarded Newton of t_below (the reference: :mod:`engine.model.searches`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from engine.model.compiled.bundles import Scenario, Settings
from engine.model.compiled.constants import (
    _INLINE,
    _INVPHI,
    _JIT,
    _L_A,
    _L_B,
    _L_C,
    _L_CF,
    _L_CM0,
    _L_CMK,
    _L_CS0,
    _L_D,
    _L_E,
    _L_FC,
    _L_FD,
    _L_GRID_BEST,
    _L_GRID_T,
    _L_L1,
    _L_L2,
    _L_LA,
    _L_LAG,
    _L_LEFT,
    _L_LG,
    _L_LH,
    _L_SF,
    _L_SM,
    _L_TS,
    _L_X,
    _SLACK,
    _STRIDE,
    _W,
)
from engine.model.compiled.elementary import _exp_s, _expm1_s, _max, _scores
from engine.model.compiled.paths import _frontier, _lead, _lead_rate, _meek, _meek_rate


@njit(**_INLINE)
def _grid_gaps(grid: np.ndarray, pts: np.ndarray, n: int, vals: np.ndarray, cb: np.ndarray,
               sb: np.ndarray, sc: Scenario, st: Settings) -> np.ndarray:
    """vals[:n] = benchmark gap at grid[pts[:n]] (searches._bench), vectorised."""
    for k in range(n):
        x = grid[pts[k]]
        cb[k] = _frontier(x, sc)
        cb[n + k] = _meek(x, sc)
    _scores(cb, sb, 2 * n, st.steps, st.isteps, st.stamp)
    for k in range(n):
        vals[k] = 100.0 * (sb[k] - sb[n + k])
    return sb


@njit(**_JIT)
def _grid_argmax(grid: np.ndarray, sc: Scenario, st: Settings, cb: np.ndarray, sb: np.ndarray,
                 gw: np.ndarray, iw: np.ndarray) -> tuple[int, float]:
    """(first index of the largest benchmark gap on the grid, that gap), as the reference's
    np.argmax over every grid point (NaN counting as -inf), with fewer points evaluated.

    Both scores rise with t (rising paths, a rising sigmoid), so on grid[a..b] the gap is at
    most score_s(b) - score_m(a). Every _STRIDE-th point is evaluated first, then every point
    of the intervals whose bound reaches the best value found (less _SLACK, far above the
    rounding): a point left out lies below the maximum, so the first maximiser is the
    reference's. Every point where the paths may fall or a value is NaN.
    """
    ng = st.ng
    la, lh, l1, l2, ts, e, lag = sc.la, sc.lh, sc.l1, sc.l2, sc.ts, sc.e, sc.lag
    lg = sc.lg  # the meek budget's growth
    mono = st.steps > 0.0 and la + lh + l1 > 0.0 and (ts >= st.horizon or la + lh + l2 > 0.0) \
        and (lag <= 0.0 or (1.0 - e) * lh + lg >= 0.0) and la + (1.0 - e) * lh + lg >= 0.0
    p0 = iw[0]
    v0 = gw[0]
    s0 = gw[1]   # frontier scores, then meek scores, of the first points
    p1 = iw[1]
    v1 = gw[2]
    n0 = 0
    n1 = 0
    best = -np.inf
    if mono:
        for j in range(0, ng, _STRIDE):
            p0[n0] = j
            n0 += 1
        if p0[n0 - 1] != ng - 1:
            p0[n0] = ng - 1
            n0 += 1
        _grid_gaps(grid, p0, n0, v0, cb, sb, sc, st)
        for k in range(2 * n0):
            s0[k] = sb[k]
        for k in range(n0):
            v = v0[k]
            mono = mono and v == v
            best = _max(best, v)
        if mono:
            for k in range(1, n0):
                a = p0[k - 1]
                b = p0[k]
                if 100.0 * (s0[k] - s0[n0 + k - 1]) >= best - _SLACK:
                    for j in range(a + 1, b):
                        p1[n1] = j
                        n1 += 1
            if n1:
                _grid_gaps(grid, p1, n1, v1, cb, sb, sc, st)
                for k in range(n1):
                    v = v1[k]
                    mono = mono and v == v
                    best = _max(best, v)
    if not mono:  # every point, NaN as -inf
        n0 = ng
        n1 = 0
        for j in range(ng):
            p0[j] = j
        _grid_gaps(grid, p0, ng, v0, cb, sb, sc, st)
        best = -np.inf
        for k in range(ng):
            if v0[k] > best:
                best = v0[k]
        if best == -np.inf:  # no value above -inf: np.argmax gives the first point
            return 0, v0[0]
    idx = ng
    for k in range(n0):
        if v0[k] == best:
            idx = p0[k]
            break
    for k in range(n1):
        if v1[k] == best:
            idx = min(idx, p1[k])
            break
    return idx, best


@njit(**_INLINE)
def _lane_put(lane: np.ndarray, l: int, sc: Scenario) -> None:
    """Store the path values of sc in lane l (the rows _L_<FIELD> of the lane table)."""
    lane[_L_LA * _W + l] = sc.la
    lane[_L_LH * _W + l] = sc.lh
    lane[_L_L1 * _W + l] = sc.l1
    lane[_L_L2 * _W + l] = sc.l2
    lane[_L_TS * _W + l] = sc.ts
    lane[_L_E * _W + l] = sc.e
    lane[_L_LAG * _W + l] = sc.lag
    lane[_L_LG * _W + l] = sc.lg
    lane[_L_CM0 * _W + l] = sc.cm0
    lane[_L_CS0 * _W + l] = sc.cs0


@njit(**_INLINE)
def _lane_get(lane: np.ndarray, l: int) -> Scenario:
    """The Scenario of lane l as far as the paths need it (the other fields NaN: a helper that
    came to need one would give NaN, never a stale number). Only the rows the paths read are
    loaded: the vector loops over lanes run faster than with every field."""
    nan = np.nan
    return Scenario(alpha=nan, A=nan, L0=nan, la=lane[_L_LA * _W + l], lh=lane[_L_LH * _W + l],
                    l1=lane[_L_L1 * _W + l], l2=lane[_L_L2 * _W + l], ts=lane[_L_TS * _W + l],
                    e=lane[_L_E * _W + l], lag=lane[_L_LAG * _W + l], lg=lane[_L_LG * _W + l],
                    cm0=lane[_L_CM0 * _W + l], cs0=lane[_L_CS0 * _W + l], lr0=nan, ci0=nan,
                    ki=nan, bs=nan)


@njit(**_INLINE)
def _lane_paths(lane: np.ndarray, xrow: int) -> None:
    """Score inputs (rows _L_CF, _L_CMK) of every lane at its x (row xrow): ln C_s, ln C_m."""
    for l in range(_W):
        x = lane[xrow * _W + l]
        sc = _lane_get(lane, l)
        lane[_L_CF * _W + l] = _frontier(x, sc)
        lane[_L_CMK * _W + l] = _meek(x, sc)


@njit(**_JIT)
def _golden(lane: np.ndarray, lane_i: np.ndarray, filled: int, st: Settings, out: np.ndarray,
            rows: np.void) -> None:
    """searches.benchmark_peak's golden-section refinement for _W scenarios in lock step
    (``rows``: the output rows, a record of :func:`.bundles.layout`)."""
    cin = lane[_L_CF * _W:(_L_CF + 2) * _W]     # score inputs, frontier then meek
    sout = lane[_L_SF * _W:(_L_SF + 2) * _W]    # their scores
    A_, B_, C_, D_ = _L_A * _W, _L_B * _W, _L_C * _W, _L_D * _W
    FC, FD, X, LEFT = _L_FC * _W, _L_FD * _W, _L_X * _W, _L_LEFT * _W
    SF, SM = _L_SF * _W, _L_SM * _W
    peak_row = rows.peak_benchmark_gap
    when_row = rows.t_peak_benchmark
    steps = st.steps
    isteps = st.isteps
    stamp = st.stamp
    for l in range(_W):
        a = lane[A_ + l]
        b = lane[B_ + l]
        lane[C_ + l] = b - _INVPHI * (b - a)
        lane[D_ + l] = a + _INVPHI * (b - a)
    _lane_paths(lane, _L_C)
    _scores(cin, sout, 2 * _W, steps, isteps, stamp)
    for l in range(_W):
        lane[FC + l] = 100.0 * (lane[SF + l] - lane[SM + l])
    _lane_paths(lane, _L_D)
    _scores(cin, sout, 2 * _W, steps, isteps, stamp)
    for l in range(_W):
        lane[FD + l] = 100.0 * (lane[SF + l] - lane[SM + l])
    for _ in range(st.iterations):
        for l in range(_W):
            lt = lane[FC + l] >= lane[FD + l]  # the maximum lies in [a, d]: d becomes b
            bl = lane[D_ + l] if lt else lane[B_ + l]
            al = lane[A_ + l] if lt else lane[C_ + l]
            lane[X + l] = bl - _INVPHI * (bl - al) if lt else al + _INVPHI * (bl - al)
            lane[A_ + l] = al
            lane[B_ + l] = bl
            lane[LEFT + l] = 1.0 if lt else 0.0
        _lane_paths(lane, _L_X)
        _scores(cin, sout, 2 * _W, steps, isteps, stamp)
        for l in range(_W):
            lt = lane[LEFT + l] != 0.0
            f = 100.0 * (lane[SF + l] - lane[SM + l])
            x = lane[X + l]
            c = lane[C_ + l]
            d = lane[D_ + l]
            fc = lane[FC + l]
            fd = lane[FD + l]
            lane[C_ + l] = x if lt else d
            lane[D_ + l] = c if lt else x
            lane[FC + l] = f if lt else fd
            lane[FD + l] = fc if lt else f
    for l in range(_W):
        lane[X + l] = 0.5 * (lane[A_ + l] + lane[B_ + l])
    _lane_paths(lane, _L_X)
    _scores(cin, sout, 2 * _W, steps, isteps, stamp)
    for l in range(filled):
        i = lane_i[l]
        grid_best = lane[_L_GRID_BEST * _W + l]
        refined = 100.0 * (lane[SF + l] - lane[SM + l])
        if grid_best != grid_best:
            out[peak_row, i] = np.nan
            out[when_row, i] = np.nan
        elif refined >= grid_best:
            out[peak_row, i] = refined
            out[when_row, i] = lane[X + l]
        else:  # the grid maximum beats the refined point
            out[peak_row, i] = grid_best
            out[when_row, i] = lane[_L_GRID_T * _W + l]


@njit(**_JIT)
def _newton(x: float, lo: float, hi: float, sc: Scenario, st: Settings) -> float:
    """searches._newton for one scenario: Newton on ln G safeguarded by the bracket."""
    A = sc.A
    alpha = sc.alpha
    log_thr = st.log_thr
    for _ in range(60):
        em = A * _exp_s(-alpha * _meek(x, sc))
        u = _expm1_s(-alpha * _lead(x, sc))
        gap = em * -u
        a = _meek_rate(x, sc)
        # the slope only steers the steps (the root is h = 0): e^{-alpha d} as 1 + expm1
        dgap = alpha * em * ((a + _lead_rate(x, sc)) * (1.0 + u) - a)
        h = math.log(gap) - log_thr if gap > 0.0 else -np.inf
        if h > 0.0:
            lo = x
        else:
            hi = x
        newton = x - h * gap / dgap
        mid = 0.5 * (lo + hi)
        tiny = abs(newton - x) <= 1e-12 * _max(abs(x), 1.0)
        collapsed = mid == lo or mid == hi
        if h == 0.0:
            step = x
        elif tiny or (newton >= lo and newton <= hi):
            step = newton
        else:
            step = mid
        if collapsed and not tiny and h != 0.0:
            step = mid
        x = step
        if h == 0.0 or tiny or collapsed:
            break
    return x
