"""Every outcome of one scenario but the benchmark peak, compiled (the reference:
:mod:`engine.model.outcomes`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from engine.model.compiled.bundles import Scenario, Settings
from engine.model.compiled.constants import _JIT
from engine.model.compiled.elementary import _exp_s, _max, _min
from engine.model.compiled.paths import (
    _breakpoints,
    _gaps,
    _invest,
    _lead,
    _lead_rate,
    _meek,
    _meek_rate,
    _piece,
    _years_behind,
)
from engine.model.compiled.searches import _newton


@njit(**_JIT)
def _outcomes(i: int, out: np.ndarray, rows: np.void, sc: Scenario, st: Settings,
              horizons: np.ndarray, seg: np.ndarray, x1: np.ndarray, x2: np.ndarray,
              tv: np.ndarray, gv: np.ndarray) -> None:
    """Every outcome of scenario i but the benchmark peak (``rows``: the output rows, a record
    of :func:`.bundles.layout`)."""
    nan = np.nan
    inf = np.inf
    alpha, A, la, lh, ts, e, lag = sc.alpha, sc.A, sc.la, sc.lh, sc.ts, sc.e, sc.lag
    cm0, cs0, lr0, ci0, ki = sc.cm0, sc.cs0, sc.lr0, sc.ci0, sc.ki
    nh = horizons.shape[0]
    thr, log_flop, sn, horizon = st.thr, st.log_flop, st.sn, st.horizon
    # ---- pieces of the paths (Paths.breakpoints / Paths.segments)
    b0, b1, b2 = _breakpoints(sc)
    # seg[k]: lo, hi, t0, m0, d0, a, r, log1p(r/a), critical root (order 1), gap at the root
    for k in range(4):
        lo, hi, inside, t0 = _piece(k, b0, b1, b2)
        seg[k, 0] = lo
        seg[k, 1] = hi
        seg[k, 2] = t0
        if lo < hi:
            a = _meek_rate(inside, sc)
            r = _lead_rate(inside, sc)
            seg[k, 3] = _meek(t0, sc)
            seg[k, 4] = _lead(t0, sc)
            seg[k, 5] = a
            seg[k, 6] = r
            if a > 0.0:
                # pieces with the same rates (no policy: before and after 0) share a log1p
                if k > 0 and seg[k - 1, 0] < seg[k - 1, 1] and seg[k - 1, 5] == a \
                        and seg[k - 1, 6] == r:
                    seg[k, 7] = seg[k - 1, 7]
                else:
                    seg[k, 7] = math.log1p(r / a)
            else:
                seg[k, 7] = nan
            root = nan
            if a > 0.0 and r > 0.0:  # closed_forms._critical, order 1
                root = t0 + (seg[k, 7] / alpha - seg[k, 4]) / r
                if not (lo <= root and root < hi):
                    root = nan
            seg[k, 8] = root
        else:
            seg[k, 8] = nan
    # the gap at the critical points, the finite breakpoints (b0 = 0 always) and the horizons
    for k in range(4):
        tv[k] = seg[k, 8]
    tv[4] = b0
    tv[5] = b1 if math.isfinite(b1) else nan
    tv[6] = b2 if math.isfinite(b2) else nan
    for j in range(nh):
        tv[7 + j] = horizons[j]
    _gaps(tv, 7 + nh, gv, x1, x2, sc, st.stamp)
    for k in range(4):
        seg[k, 9] = gv[k] if seg[k, 8] == seg[k, 8] else nan
    gb0 = gv[4]
    gb1 = gv[5] if math.isfinite(b1) else nan
    gb2 = gv[6] if math.isfinite(b2) else nan

    # ---- t_peak, peak_gap (closed_forms._argmax over crit0, b0, crit1, b1, crit2, b2, crit3):
    # candidates rank by ln G = ln A - alpha m + ln(-expm1(-alpha d)) where the frontier leads
    # (-inf elsewhere; then by G), the earliest on ties; x1, x2 still hold exp, expm1 of tv
    log_a = math.log(A)
    for k in range(7):
        c = tv[k]
        if c == c and _lead(c, sc) > 0.0:
            x1[k] = log_a - alpha * _meek(c, sc) + math.log(-x2[k])
        else:
            x1[k] = -inf
    best_t = nan
    best_key = -inf
    best_g = -inf
    key0 = x1[4]            # t_min = 0 (peak_gap): candidates below 0 count as 0 (= b0)
    best_key0 = -inf
    best_g0 = -inf
    for j in range(8):
        k = j // 2 if j % 2 == 0 else 4 + j // 2
        if j == 7:          # the candidate t_min itself (peak_gap's pass only)
            c = 0.0
            k = 4
        else:
            c = tv[k]
            if not math.isfinite(c):
                continue
        key = x1[k]
        g = gv[k]
        if j < 7 and (key > best_key or (key == -inf and best_key == -inf and g > best_g)):
            best_t = c
            best_key = key
            best_g = g
        if not c >= 0.0:
            key = key0
            g = gb0
        if key > best_key0 or (key == -inf and best_key0 == -inf and g > best_g0):
            best_key0 = key
            best_g0 = g
    # the gap grows without bound into the past (closed_forms._unbounded_past): no peak
    unbounded = seg[0, 6] < 0.0 or (seg[0, 6] == 0.0 and seg[0, 4] > 0.0)
    peaked = best_key > -inf and not unbounded
    out[rows.t_peak, i] = best_t if peaked else nan
    pk = best_g0 if best_key0 > -inf else nan
    out[rows.peak_gap, i] = pk

    # ---- t_inflection
    found = nan
    tp = best_t
    for k in range(4):
        lo = seg[k, 0]
        hi = seg[k, 1]
        if not (lo < hi):
            continue
        start = _max(lo, tp)
        if not (start < hi and found != found):
            continue
        t0 = seg[k, 2]
        d0 = seg[k, 4]
        a = seg[k, 5]
        r = seg[k, 6]
        d_start = d0 + r * (start - t0)
        if a > 0.0:
            level = 2.0 * seg[k, 7]
        elif a < 0.0 and a + r > 0.0:  # a shrinking meek actor: convex beyond this level
            level = 2.0 * math.log((a + r) / -a)
        else:
            level = inf
        if alpha * d_start > level:  # convex at the start of the piece: a kink
            found = start
        else:
            root = nan
            if a > 0.0 and r > 0.0:  # closed_forms._critical, order 2
                root = t0 + (2.0 * seg[k, 7] / alpha - d0) / r
                if not (lo <= root and root < hi):
                    root = nan
            elif a < 0.0 and r > 0.0:
                root = t0 + (level / alpha - d0) / r
                if not (lo <= root and root < hi):
                    root = nan
            if root > tp:
                found = root
    out[rows.t_inflection, i] = found if peaked else nan

    # ---- t_below (searches._bracket: the latest piece whose maximum exceeds thr)
    blo = 0.0
    bhi = 1.0
    bfound = False
    for k in range(3, -1, -1):
        lo = seg[k, 0]
        hi = seg[k, 1]
        if not (lo < hi):
            continue
        bt = nan
        bg = -inf
        if math.isfinite(lo):
            g = gb0 if k == 1 else (gb1 if k == 2 else gb2)
            if g > bg:
                bt = lo
                bg = g
        if seg[k, 8] == seg[k, 8] and seg[k, 9] > bg:
            bt = seg[k, 8]
            bg = seg[k, 9]
        if math.isfinite(hi):
            g = gb0 if k == 0 else (gb1 if k == 1 else gb2)
            if g > bg:
                bt = hi
                bg = g
        if k == 0 and unbounded:  # searches._unbounded_start
            r = seg[0, 6]
            d0 = seg[0, 4]
            flat = r == 0.0
            d_ref = d0 if flat else _max(d0, 0.0) + 1.0 / alpha
            t1 = seg[0, 2] if flat else _min(seg[0, 2] + (d_ref - d0) / r, seg[0, 2])
            m2 = math.log(A * -math.expm1(-alpha * d_ref) / (2.0 * thr)) / alpha
            t2 = seg[0, 2] + (m2 - seg[0, 3]) / seg[0, 5]
            bt = _min(t1, t2)
            if bt == bt:
                bg = inf
        if bg > thr:
            if math.isfinite(hi):
                end = hi
            else:  # last piece: A C_m(t)^-alpha = thr bounds the crossing
                t_hi = seg[k, 2] + (math.log(A / thr) / alpha - seg[k, 3]) / seg[k, 5]
                end = _max(t_hi, bt)
            blo = bt
            bhi = end
            bfound = True
            break
    x = nan
    if bfound:
        x = _newton(bhi, blo, bhi, sc, st)
    below_ever = x if (bfound and x <= inf) else nan
    out[rows.t_below_threshold, i] = x if (bfound and x <= horizon) else nan
    if below_ever != below_ever:
        out[rows.regulatory_window, i] = 0.0
    elif below_ever <= horizon:
        out[rows.regulatory_window, i] = _max(below_ever, 0.0)
    else:
        out[rows.regulatory_window, i] = nan

    # ---- t_inference_catchup
    d0 = ci0 - cs0
    base = ki - la - lh
    k1 = base - sc.l1
    k2 = base - sc.l2
    root1 = -d0 / k1
    if math.isfinite(ts):
        d_ts = d0 + k1 * ts
        seg1 = _max(root1, 0.0) if k1 > 0.0 else 0.0
        if k2 < 0.0:
            v = nan
        elif k2 == 0.0:
            v = seg1 if d_ts >= 0.0 else nan
        elif d_ts >= 0.0:
            v = seg1
        else:
            v = _max(ts - d_ts / k2, 0.0)
    elif k1 > 0.0:
        v = _max(root1, 0.0)
    elif k1 == 0.0 and d0 >= 0.0:
        v = 0.0
    else:
        v = nan
    out[rows.t_inference_catchup, i] = v

    # ---- tokens at the peak (capability.sprt_tokens)
    if pk > 0.0:
        out[rows.tokens_at_peak, i] = sn / pk
    elif pk != pk:
        out[rows.tokens_at_peak, i] = nan
    else:
        out[rows.tokens_at_peak, i] = inf

    # ---- governance
    lg = sc.lg
    r_lag = (1.0 - e) * lh + lg
    r_after = la + (1.0 - e) * lh + lg
    during = lr0 / r_lag if r_lag > 0.0 else inf
    after = lag + (lr0 - r_lag * lag) / r_after
    ahead = during if during < lag else after
    out[rows.t_meek_matches_frontier, i] = lr0 / (la + lh + lg) if lr0 <= 0.0 else ahead
    out[rows.t_threshold_capability, i] = (cs0 - log_flop) / la if la > 0.0 else nan
    need = log_flop - cm0
    rate = (1.0 - e) * lh + lg
    if need == 0.0:
        v = 0.0
    elif need < 0.0:
        base = lh + lg
        v = need / base if base > 0.0 else nan
    elif rate > 0.0:
        v = need / rate
    else:
        v = inf
    # inf: never
    out[rows.t_meek_crosses_threshold, i] = v if (math.isfinite(v) and v <= horizon) else nan

    # ---- horizons
    gap_row = rows.gap
    behind_row = rows.years_behind
    spend_row = rows.frontier_spend
    for j in range(nh):
        out[gap_row + j, i] = gv[7 + j]
        out[behind_row + j, i] = _years_behind(horizons[j], sc)
        out[spend_row + j, i] = sc.bs * _exp_s(_invest(horizons[j], sc))
