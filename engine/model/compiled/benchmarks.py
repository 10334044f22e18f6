"""The capability layer of the compiled kernel: each benchmark's gap (a logistic in log effective
compute, :mod:`engine.model.benchmarks`) at the horizons and over the time grid, and its peak
over all t (the reference: :func:`engine.model.benchmarks.peak`, whose comment derives it).

The peak: on each linear piece of the paths (consecutive pieces with the same rates merged: the
paths are one line across them) the gap rises and falls at most once, at the root of
phi(t) = ln(ps/pm) - 2 lncosh(z_s/2) + 2 lncosh(z_m/2) where F = ps tanh(z_s/2) - pm tanh(z_m/2)
> 0; the root of F splits the piece where F changes sign. Each root: Newton's method safeguarded
by bisection. The largest gap at the breakpoints and the roots is the peak.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from engine.model.benchmarks import ITERATIONS, MIN_PEAK, SATURATED
from engine.model.compiled.bundles import Scenario
from engine.model.compiled.constants import _INLINE, _JIT
from engine.model.compiled.elementary import _exp_array, _max, _min
from engine.model.compiled.paths import (
    _breakpoints,
    _frontier,
    _lead,
    _lead_rate,
    _meek,
    _meek_rate,
    _piece,
)

_LN10 = math.log(10.0)


@njit(**_INLINE)
def _score(log_c: float, floor: float, c: float, mu: float, k: float) -> float:
    """benchmarks.score for one value."""
    z = k * (log_c / _LN10 - mu)
    return floor + (c - floor) * 0.5 * (1.0 + math.tanh(0.5 * z))


@njit(**_JIT)
def _gap_at(t: float, sc: Scenario, floor: float, c: float, mu: float, k: float) -> float:
    """The benchmark gap at t, percentage points (benchmarks.gap on the paths)."""
    return 100.0 * (_score(_frontier(t, sc), floor, c, mu, k)
                    - _score(_meek(t, sc), floor, c, mu, k))


@njit(**_INLINE)
def _fz(t: float, which: int, t0: float, s0: float, m0: float, us: float, um: float,
        kap: float, kmu: float, ps: float, pm: float, dp: float, lr: float
        ) -> tuple[float, float]:
    """(value, derivative) of F (which = 0, accurate where both tanh saturate:
    benchmarks._f_and_slope) or phi (which = 1) at t on one piece (dp = ps - pm,
    lr = ln(ps/pm)). With u = e^-|z|: tanh(|z|/2) = (1 - u)/(1 + u), 1 - tanh(|z|/2) =
    2u/(1 + u), 2 ln cosh(z/2) + 2 ln 2 = |z| + 2 log1p(u): two exponentials an evaluation."""
    dt = t - t0
    zm = kap * (m0 + um * dt) - kmu
    zs = kap * (s0 + us * dt) - kmu
    az = abs(zs)
    am = abs(zm)
    u_s = math.exp(-az)
    u_m = math.exp(-am)
    sg_s = 1.0 if zs >= 0.0 else -1.0
    sg_m = 1.0 if zm >= 0.0 else -1.0
    es = 2.0 * u_s / (1.0 + u_s)
    em = 2.0 * u_m / (1.0 + u_m)
    ts = sg_s * (1.0 - es)
    tm = sg_m * (1.0 - em)
    if which == 0:
        if sg_s == sg_m:
            f = sg_s * (dp - (ps * es - pm * em))
        else:
            f = ps * ts - pm * tm
        return f, 0.5 * (ps * ps * es * (2.0 - es) - pm * pm * em * (2.0 - em))
    return lr - (az + 2.0 * math.log1p(u_s)) + (am + 2.0 * math.log1p(u_m)), pm * tm - ps * ts


@njit(**_JIT)
def _root(which: int, sign: float, lo: float, hi: float, x: float, t0: float, s0: float,
          m0: float, us: float, um: float, kap: float, kmu: float, ps: float, pm: float,
          dp: float, lr: float) -> float:
    """The root of sign * f on [lo, hi] (positive at lo, negative at hi) from x (NaN: the
    midpoint): Newton's method safeguarded by bisection (benchmarks._solve, rtsafe's rule)."""
    if not (x >= lo and x <= hi):
        x = 0.5 * (lo + hi)
    last = hi - lo
    now = last
    for _ in range(ITERATIONS):
        v, d = _fz(x, which, t0, s0, m0, us, um, kap, kmu, ps, pm, dp, lr)
        v = sign * v
        d = sign * d
        if v > 0.0:
            lo = x
        elif v < 0.0:
            hi = x
        elif v == 0.0:
            return x
        newton = x - v / d
        mid = 0.5 * (lo + hi)
        step = newton if (newton > lo and newton < hi and abs(newton - x) < 0.5 * abs(last)) \
            else mid
        last = now
        now = step - x
        tiny = abs(step - x) <= 1e-14 * max(abs(x), 1.0)
        collapsed = mid <= lo or mid >= hi
        x = step
        if tiny or collapsed:
            break
    return x


@njit(**_JIT)
def _piece_max(lo: float, hi: float, t0: float, sc: Scenario, a: float, r: float, c: float,
               mu: float, k: float) -> float:
    """The time of the gap's interior maximum on the piece [lo, hi) with meek rate a and lead
    rate r (anchored at t0), NaN if none (benchmarks.peak, one piece)."""
    kap = k / _LN10
    kmu = k * mu
    m0 = _meek(t0, sc)
    d0 = _lead(t0, sc)
    s0 = m0 + d0
    us = a + r
    ps = kap * us
    pm = kap * a
    dp = kap * r
    if math.isinf(lo):  # cut where the frontier's logit is -Z, the meek actor's +Z
        lo = max(lo, t0 + ((mu - SATURATED / k) * _LN10 - s0) / us)
    if math.isinf(hi):
        hi = min(hi, t0 + ((mu + SATURATED / k) * _LN10 - m0) / a)
    if not (lo < hi and pm > 0.0 and ps > 0.0):
        return np.nan
    lr = math.log(ps / pm)
    # where the frontier leads at t_c (z_s = -z_m), F(t_c) > 0 and phi(t_c) = ln(ps/pm):
    # t_c bounds the root of phi on the falling branch (benchmarks.peak)
    tc = t0 + (2.0 * kmu - kap * (2.0 * m0 + d0)) / (kap * (2.0 * a + r))
    if d0 + r * (tc - t0) > 0.0:
        if r == 0.0:
            return tc if (tc >= lo and tc < hi) else np.nan
        x0 = _max(lo, tc) if r > 0.0 else lo
        x1 = hi if r > 0.0 else _min(hi, tc)
        if not x0 < x1:
            return np.nan
        if _fz(x0, 1, t0, s0, m0, us, a, kap, kmu, ps, pm, dp, lr)[0] > 0.0 and \
                _fz(x1, 1, t0, s0, m0, us, a, kap, kmu, ps, pm, dp, lr)[0] < 0.0:
            return _root(1, 1.0, x0, x1, tc, t0, s0, m0, us, a, kap, kmu, ps, pm, dp, lr)
        return np.nan
    f_lo = _fz(lo, 0, t0, s0, m0, us, a, kap, kmu, ps, pm, dp, lr)[0]
    f_hi = _fz(hi, 0, t0, s0, m0, us, a, kap, kmu, ps, pm, dp, lr)[0]
    if f_lo <= 0.0 and f_hi <= 0.0:
        return np.nan
    x0 = lo
    x1 = hi
    if f_lo < 0.0 and f_hi > 0.0:      # ps > pm: phi falls after the root of F
        x0 = _root(0, -1.0, lo, hi, np.nan, t0, s0, m0, us, a, kap, kmu, ps, pm, dp, lr)
    elif f_lo > 0.0 and f_hi < 0.0:    # ps < pm: phi falls before it
        x1 = _root(0, 1.0, lo, hi, np.nan, t0, s0, m0, us, a, kap, kmu, ps, pm, dp, lr)
    if _fz(x0, 1, t0, s0, m0, us, a, kap, kmu, ps, pm, dp, lr)[0] > 0.0 and \
            _fz(x1, 1, t0, s0, m0, us, a, kap, kmu, ps, pm, dp, lr)[0] < 0.0:
        return _root(1, 1.0, x0, x1, np.nan, t0, s0, m0, us, a, kap, kmu, ps, pm, dp, lr)
    return np.nan


@njit(**_JIT)
def _bench_peak(sc: Scenario, floor: float, c: float, mu: float, k: float
                ) -> tuple[float, float]:
    """(largest gap over all t in percentage points, its time); NaN, NaN where it is below
    MIN_PEAK (benchmarks.peak)."""
    b0, b1, b2 = _breakpoints(sc)
    best_g = -np.inf
    best_t = np.nan
    for b in (b0, b1, b2):
        if math.isfinite(b):
            g = _gap_at(b, sc, floor, c, mu, k)
            if g > best_g:
                best_g = g
                best_t = b
    # the pieces (-inf, b0), [b0, b1), [b1, b2), [b2, inf), runs with equal rates merged
    g_lo = 0.0
    g_hi = 0.0
    g_t0 = 0.0
    g_a = 0.0
    g_r = 0.0
    have = False
    for j in range(5):
        if j < 4:
            lo, hi, inside, t0 = _piece(j, b0, b1, b2)
            if not lo < hi:
                continue
            a = _meek_rate(inside, sc)
            r = _lead_rate(inside, sc)
            if have and a == g_a and r == g_r:
                g_hi = hi
                continue
        if have:
            t = _piece_max(g_lo, g_hi, g_t0, sc, g_a, g_r, c, mu, k)
            if t == t:
                g = _gap_at(t, sc, floor, c, mu, k)
                if g > best_g:
                    best_g = g
                    best_t = t
        if j < 4:
            g_lo = lo
            g_hi = hi
            g_t0 = t0
            g_a = a
            g_r = r
            have = True
    if best_g >= MIN_PEAK:
        return best_g, best_t
    return np.nan, np.nan


@njit(**_JIT)
def _bench_series(t: np.ndarray, nt: int, row: np.ndarray, x1: np.ndarray, x2: np.ndarray,
                  sc: Scenario, floor: float, c: float, mu: float, k: float) -> None:
    """row[:nt] = the benchmark gap over the time grid (vectorised: 1/(1 + e^-z))."""
    for j in range(nt):
        x1[j] = -(k * (_frontier(t[j], sc) / _LN10 - mu))
        x2[j] = -(k * (_meek(t[j], sc) / _LN10 - mu))
    _exp_array(x1, nt)
    _exp_array(x2, nt)
    span = 100.0 * (c - floor)
    for j in range(nt):
        row[j] = span * (1.0 / (1.0 + x1[j]) - 1.0 / (1.0 + x2[j]))
