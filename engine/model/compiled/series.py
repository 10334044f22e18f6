"""The (scenario, t) series of one scenario, compiled: the loss gap by recurrence from exact anchors
where that reproduces the reference's rounding, the others in vector loops.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from engine.model.compiled.bundles import Scenario, Settings
from engine.model.compiled.constants import _JIT
from engine.model.compiled.elementary import _exp_array, _expm1_array, _fma, _max, _scores
from engine.model.compiled.paths import (
    _breakpoints,
    _frontier,
    _gaps,
    _invest,
    _lead,
    _lead_rate,
    _meek,
    _meek_rate,
    _years_behind,
)

_B = 32  # points per block of the loss-gap recurrence (one exact anchor each)
_TINY = 2.2250738585072014e-308  # below, the reference's e^{-alpha m} is subnormal (rounded
                                 # to 2**-1074 before A multiplies it): evaluate as it does


@njit(**_JIT)
def _first_at_least(t: np.ndarray, nt: int, b: float) -> int:
    """The first index k with t[k] >= b (t increasing), nt if none."""
    lo = 0
    hi = nt
    while lo < hi:
        mid = (lo + hi) >> 1
        if t[mid] >= b:
            hi = mid
        else:
            lo = mid + 1
    return lo


@njit(**_JIT)
def _fine(d: float, u0: float, c: float, tk: float, alr0: float, sd: float, alpha: float) -> bool:
    """Whether the recurrence reproduces the reference's gap at a point with lead d (t >= 0)."""
    if u0 <= 0.0:  # d >= 0 from the anchor on: both terms of the recurrence <= 0
        return d > 0.0 and 64.0 * d >= alr0 + tk * sd
    # d < 0 at the anchor: u0 Q^j > 0 > Q^j - 1, a sum that loses at most a factor
    # (u0 + 2) / (alpha |d|) to cancellation while d stays below 0
    return d < 0.0 and -64.0 * d >= alr0 + tk * sd and -64.0 * alpha * d >= c


@njit(**_JIT)
def _gap_series(t: np.ndarray, row: np.ndarray, sc: Scenario, st: Settings, x1: np.ndarray,
                x2: np.ndarray, tv: np.ndarray, gv: np.ndarray, wk: np.ndarray,
                at: np.ndarray) -> None:
    """row = G(t) on a uniform grid t_k = t_0 + k dt, by recurrence along each linear piece.

    On a piece where m grows at rate a and the lead d at rate r >= 0, with q = e^{-alpha a dt}
    and Q = e^{-alpha r dt}, blocks of _B points follow their first point (an exact anchor):

        A e^{-alpha m_{k0+j}} = A e^{-alpha m_k0} q^j,
        expm1(-alpha d_{k0+j}) = expm1(-alpha d_k0) Q^j + (Q^j - 1),

    with q^j, Q^j and Q^j - 1 from exp/expm1 of j alpha a dt, j alpha r dt (no accumulation).
    Where d_k0 >= 0 both terms of the second line are <= 0, so it is exact to a few ulp.
    Points are evaluated directly instead (as the reference) where the reference's own rounding
    of d (up to 2 eps (|ln R| + |t| * the rates)) is more than 1/64 of |d| (there the
    reference's expm1(-alpha d) moves with that rounding, which a recurrence does not see),
    where d changes sign within a block, before t = 0, on pieces where d falls, and where
    e^{-alpha m} is subnormal. Each condition is linear in t along a block, so it is checked at
    the block's ends and point by point only where the ends disagree.
    """
    nt = st.nt
    dt = st.dt
    A = sc.A
    alpha = sc.alpha
    ex = wk[0]   # exp arguments: q^j (_B), Q^j (_B), anchors (na)
    em = wk[1]   # expm1 arguments: Q^j - 1 (_B), anchors (na)
    b0, b1, b2 = _breakpoints(sc)
    sd = abs(sc.l1) + abs(sc.l2) + abs(sc.la) + abs(sc.lh) + abs(sc.lg)
    alr0 = abs(sc.lr0)
    nf = 0   # points to evaluate directly: at[:nf] (indices), tv[:nf] (times)
    # runs of points on one piece: [0, c0), [c0, c1), [c1, c2), [c2, nt)
    c0 = _first_at_least(t, nt, b0)
    c1 = _first_at_least(t, nt, b1)
    c2 = _first_at_least(t, nt, b2)
    for run in range(4):
        ks = 0 if run == 0 else (c0 if run == 1 else (c1 if run == 2 else c2))
        ke = c0 if run == 0 else (c1 if run == 1 else (c2 if run == 2 else nt))
        if ks >= ke:
            continue
        a = _meek_rate(t[ks], sc)
        r = _lead_rate(t[ks], sc)
        if not (t[ks] >= 0.0 and r >= 0.0):
            for k in range(ks, ke):
                at[nf] = k
                tv[nf] = t[k]
                nf += 1
            continue
        nj = min(_B, ke - ks)
        na = (ke - ks + _B - 1) // _B
        for j in range(nj):
            ex[j] = -alpha * a * (j * dt)
            ex[_B + j] = -alpha * r * (j * dt)
            em[j] = ex[_B + j]
        for q in range(na):
            tq = t[ks + q * _B]
            ex[2 * _B + q] = -alpha * _meek(tq, sc)
            em[_B + q] = -alpha * _lead(tq, sc)
        _exp_array(ex, 2 * _B + na)
        _expm1_array(em, _B + na)
        for q in range(na):
            k0 = ks + q * _B
            k1 = min(k0 + _B, ke)
            e0 = ex[2 * _B + q]
            ap0 = A * e0
            u0 = em[_B + q]
            for j in range(k1 - k0):
                row[k0 + j] = ap0 * ex[j] * -_fma(u0, ex[_B + j], em[j])
            c = u0 + 2.0
            if not min(e0, e0 * ex[k1 - 1 - k0]) >= _TINY:  # subnormal e^{-alpha m}: all
                for k in range(k0, k1):
                    at[nf] = k
                    tv[nf] = t[k]
                    nf += 1
            elif not (_fine(_lead(t[k0], sc), u0, c, t[k0], alr0, sd, alpha)
                      and _fine(_lead(t[k1 - 1], sc), u0, c, t[k1 - 1], alr0, sd, alpha)):
                for k in range(k0, k1):
                    if not _fine(_lead(t[k], sc), u0, c, t[k], alr0, sd, alpha):
                        at[nf] = k
                        tv[nf] = t[k]
                        nf += 1
    if nf:
        _gaps(tv, nf, gv, x1, x2, sc, st.stamp)
        for j in range(nf):
            row[at[j]] = gv[j]


@njit(**_JIT)
def _series(si: int, ser: np.ndarray, slots: np.void, sc: Scenario, st: Settings, t: np.ndarray,
            x1: np.ndarray, x2: np.ndarray, cb: np.ndarray, sb: np.ndarray, tv: np.ndarray,
            gv: np.ndarray, wk: np.ndarray, at: np.ndarray) -> None:
    """The requested (scenario, t) series of scenario row si (outcomes._series), in vector
    loops; ``slots`` (a record of :func:`.bundles.layout`) holds each series' row of ``ser``,
    -1 if not requested."""
    nt = st.nt
    alpha, A, L0, ci0, ki = sc.alpha, sc.A, sc.L0, sc.ci0, sc.ki
    if slots.loss_meek >= 0:
        row = ser[slots.loss_meek, si]
        for k in range(nt):
            x1[k] = -alpha * _meek(t[k], sc)
        _exp_array(x1, nt)
        for k in range(nt):
            row[k] = A * x1[k] + L0
    if slots.loss_sota >= 0:
        row = ser[slots.loss_sota, si]
        for k in range(nt):
            x1[k] = -alpha * _frontier(t[k], sc)
        _exp_array(x1, nt)
        for k in range(nt):
            row[k] = A * x1[k] + L0
    gap_slot = slots.loss_gap
    tok_slot = slots.tokens_to_distinguish
    if gap_slot >= 0 or tok_slot >= 0:
        row = ser[gap_slot if gap_slot >= 0 else tok_slot, si]
        if st.dt > 0.0:
            _gap_series(t, row, sc, st, x1, x2, tv, gv, wk, at)
        else:
            _gaps(t, nt, row, x1, x2, sc, st.stamp)
        if tok_slot >= 0:
            tok = ser[tok_slot, si]
            sn = st.sn
            for k in range(nt):
                g = row[k]
                tok[k] = sn / g if g > 0.0 else (np.nan if g != g else np.inf)
    if slots.benchmark_gap >= 0:
        row = ser[slots.benchmark_gap, si]
        for k in range(nt):
            cb[k] = _frontier(t[k], sc)
            cb[nt + k] = _meek(t[k], sc)
        _scores(cb, sb, 2 * nt, st.steps, st.isteps, st.stamp)
        for k in range(nt):
            row[k] = 100.0 * (sb[k] - sb[nt + k])
    if slots.inference_gap >= 0:  # inference.inference_gap: 0 where the user is level or ahead
        row = ser[slots.inference_gap, si]
        for k in range(nt):
            li = ci0 + ki * t[k]
            lead = _frontier(t[k], sc) - li
            cb[k] = lead
            x1[k] = -alpha * li
            x2[k] = -alpha * _max(lead, 0.0)
        _exp_array(x1, nt)
        _expm1_array(x2, nt)
        for k in range(nt):
            row[k] = A * x1[k] * -x2[k] if cb[k] > 0.0 else 0.0
    if slots.inference_benchmark_gap >= 0:
        row = ser[slots.inference_benchmark_gap, si]
        for k in range(nt):
            cb[k] = _frontier(t[k], sc)
            cb[nt + k] = ci0 + ki * t[k]
        _scores(cb, sb, 2 * nt, st.steps, st.isteps, st.stamp)
        for k in range(nt):
            row[k] = _max(100.0 * (sb[k] - sb[nt + k]), 0.0)
    if slots.years_behind >= 0:
        row = ser[slots.years_behind, si]
        for k in range(nt):
            row[k] = _years_behind(t[k], sc)
    if slots.frontier_spend_usd >= 0:  # governance.frontier_spend
        row = ser[slots.frontier_spend_usd, si]
        for k in range(nt):
            x1[k] = _invest(t[k], sc)
        _exp_array(x1, nt)
        bs = sc.bs
        for k in range(nt):
            row[k] = bs * x1[k]
