"""Every outcome of a block of scenarios, compiled: the numpy reference (:mod:`.outcomes`) in numba.

:func:`evaluate` has the contract of :func:`engine.model.outcomes.evaluate`: the same keys in the
same order, shapes, dtypes and NaN patterns, the same errors for bad options, and values that
agree to about 1e-13 relative (``tests/test_kernel.py`` states the tolerances). Domain codes come
from the numpy :func:`~.params.domain_reason`; everything per scenario (logs of the parameters,
closed forms, the safeguarded Newton of ``t_below``, the grid and golden-section search of the
benchmark peak, the series) runs in one compiled loop over the scenarios, so

- a scenario's result depends on its own parameters only, never on the block, its chunking or
  the thread that evaluates it: bit for bit (every step of the vectorised loops is the same IEEE
  operation whatever the neighbouring lanes hold);
- the loop is serial and releases the GIL (``nogil``): parallelism comes from threads (Dask)
  calling :func:`evaluate` on different blocks at once. No ``fastmath``: NaN/inf semantics and
  the agreement need every rounding as written (the explicit fused multiply-adds below are
  single IEEE operations, exact on every machine).

Where the time goes, and how it is kept small (about 3 us per scenario for every outcome and a
301-point loss-gap series on one core; ``benchmarks/kernel_speed.py``):

- ``exp`` and ``expm1`` are branch-free polynomials (within 1 and 2 ulp), so that numba
  vectorises the loops that call them; numpy's own SIMD exp/tanh differ from any libm by an ulp
  here and there in the same way;
- the loss-gap series on a uniform grid follows each linear piece of the paths by recurrence
  from exact anchors (:func:`_gap_series`), evaluating directly only where the reference's own
  rounding would not be reproduced;
- the benchmark score writes the sigmoid as ``1 - tanh(z) = 2 / (1 + e^{2z})``; the grid maximum
  is found by branch and bound (both scores rise with t) and the golden-section searches of 32
  scenarios run in lock step, vectorised across them;
- gap values at breakpoints and critical points are computed once, vectorised, and shared by
  ``t_peak``, ``peak_gap``, ``t_inflection`` and the bracket of ``t_below``.

What cannot agree to 1e-12: ``t_peak_benchmark``. Its last golden-section steps compare gap
values closer than their rounding (numpy's SIMD tanh and exp round differently from any other
implementation), so the reference's own answer is fixed only to about sqrt(eps) of the peak's
width (up to 1e-4 years for flat, tiny peaks); the kernel's time is as good a maximiser (the
reference's benchmark gap there equals its peak to 1e-12 of 100 pp).

Example
-------
>>> import numpy as np
>>> from engine.model.params import PAPER
>>> out = evaluate(PAPER.map(lambda v: np.array([v])), np.linspace(0, 20, 5))
>>> round(float(out["t_peak"][0]), 3), round(float(out["peak_gap"][0]), 4)
(3.359, 0.2118)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numba import njit, types
from numba.core.extending import intrinsic

from engine.model.capability import (SIGMOID_CEILING_SPAN, SIGMOID_FIT, SIGMOID_FLOOR,
                                     SIGMOID_MIDPOINT, SIGMOID_SLOPE, sprt_numerator)
from engine.model.outcomes import OUTCOMES, SERIES, Options, outcome_names
from engine.model.params import NAMES, Array, Params, domain_reason

__all__ = ["evaluate"]

# the series names in the order the reference returns them
_SERIES_ORDER = ("loss_meek", "loss_sota", "loss_gap", "tokens_to_distinguish", "benchmark_gap",
                 "inference_gap", "inference_benchmark_gap", "years_behind")
_INFERENCE_FORMS = {"paper": 0, "price_decline": 1}
# the parameters in the order of the kernel's input rows (a missing multiplier counts as 1)
_PARAMETERS = ("alpha", "A", "L0", "g_alg", "g_hw", "g_inv", "g_inf", "meek_budget_usd",
               "sota_budget_usd", "flop_per_usd", "price_per_token_usd", "switch_year",
               "g_inv_after", "export_control_strength", "diffusion_lag_years",
               "inference_compute_multiplier")

# sigmoid constants, computed exactly as in capability.benchmark_score / closed_forms.loss
_SIG_A, _SIG_ALPHA, _SIG_L0 = (float(v) for v in SIGMOID_FIT)
_HALF_SLOPE = 0.5 * SIGMOID_SLOPE
_HALF_SPAN = 0.5 * SIGMOID_CEILING_SPAN
_MID = SIGMOID_MIDPOINT
_FLOOR = SIGMOID_FLOOR
_INVPHI = (math.sqrt(5.0) - 1.0) / 2.0

_JIT = dict(nogil=True, cache=True, error_model="numpy")

# outcome rows of the kernel's output matrix (OUTCOMES order, then gap_at_h, years_behind_at_h)
(_T_PEAK, _PEAK_GAP, _T_INFL, _T_BELOW, _WINDOW, _T_INF, _B_PEAK, _B_WHEN, _TOKENS, _T_MATCH,
 _T_THR_CAP, _T_CROSS) = range(12)
if OUTCOMES != ("t_peak", "peak_gap", "t_inflection", "t_below_threshold", "regulatory_window",
                "t_inference_catchup", "peak_benchmark_gap", "t_peak_benchmark",
                "tokens_at_peak", "t_meek_matches_frontier", "t_threshold_capability",
                "t_meek_crosses_threshold") or set(_SERIES_ORDER) != set(SERIES):
    raise ImportError("engine.model.outcomes changed its outcomes or series: update the kernel")
# series slots (index into the kernel's flags)
(_S_LM, _S_LS, _S_GAP, _S_TOK, _S_BENCH, _S_INF, _S_INFB, _S_YB) = range(8)


# --------------------------------------------------------------------------- elementary functions
# numba vectorises a loop only when everything it calls is inlined at numba-IR level
# (inline="always"); that is slow to compile, so the vector work goes through three array
# functions (_exp_array, _expm1_array, _scores) and scalar code calls out-of-line wrappers.

_INLINE = dict(inline="always", **_JIT)


@intrinsic
def _bits_to_float(typingctx: object, x: types.Type) -> tuple | None:
    """Reinterpret an int64 as the float64 with the same bits."""
    if x != types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))

    return types.float64(types.int64), codegen


_INV_LN2 = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01   # 32 significant bits: k * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_ROUND = 6755399441055744.0            # 1.5 * 2**52: (x + _ROUND) - _ROUND rounds to an integer
_EXP_OVERFLOW = 709.782712893384       # exp(x) = inf above
(_C2, _C3, _C4, _C5, _C6, _C7, _C8, _C9, _C10, _C11, _C12, _C13, _C14) = (
    1.0 / math.factorial(k) for k in range(2, 15))


@njit(**_INLINE)
def _max(a: float, b: float) -> float:
    """np.maximum: NaN propagates, ties return a."""
    return a if (a >= b or a != a) else b


@njit(**_INLINE)
def _min(a: float, b: float) -> float:
    """np.minimum: NaN propagates, ties return a."""
    return a if (a <= b or a != a) else b


@intrinsic
def _fma(typingctx: object, x: types.Type, y: types.Type, z: types.Type) -> tuple | None:
    """x * y + z with one rounding (IEEE fused multiply-add; exact and portable)."""
    if not (x == types.float64 and y == types.float64 and z == types.float64):
        return None

    def codegen(context, builder, signature, args):
        return builder.fma(*args)

    return types.float64(types.float64, types.float64, types.float64), codegen


@njit(**_INLINE)
def _expm1_reduced(r: float) -> float:
    """expm1(r) for |r| <= ln(2)/2 (Taylor to r**14: truncation below 1e-17 relative)."""
    p = _fma(r, _C14, _C13)
    p = _fma(r, p, _C12)
    p = _fma(r, p, _C11)
    p = _fma(r, p, _C10)
    p = _fma(r, p, _C9)
    p = _fma(r, p, _C8)
    p = _fma(r, p, _C7)
    p = _fma(r, p, _C6)
    p = _fma(r, p, _C5)
    p = _fma(r, p, _C4)
    p = _fma(r, p, _C3)
    p = _fma(r, p, _C2)
    return _fma(r * r, p, r)


@njit(**_INLINE)
def _reduce(x: float, lo: float) -> tuple[float, float, float]:
    """x = k ln 2 + r, |r| <= ln(2)/2, x clamped to [lo, 709.8]: (2**(k//2), 2**(k - k//2), r)."""
    xc = _min(_max(x, lo), 709.8)
    xc = 0.0 if xc != xc else xc
    kf = (xc * _INV_LN2 + _ROUND) - _ROUND
    r = (xc - kf * _LN2_HI) - kf * _LN2_LO
    k = np.int64(kf)
    k1 = k >> 1
    return _bits_to_float((k1 + 1023) << 52), _bits_to_float((k - k1 + 1023) << 52), r


@njit(**_INLINE)
def _exp(x: float) -> float:
    """exp(x) within 1 ulp, branch-free; IEEE results for NaN, +-inf, overflow and underflow."""
    s1, s2, r = _reduce(x, -746.0)
    y = (s1 + s1 * _expm1_reduced(r)) * s2
    y = np.inf if x > _EXP_OVERFLOW else y
    return x if x != x else y


@njit(**_INLINE)
def _expm1(x: float) -> float:
    """expm1(x) within 2 ulp, branch-free: 2**k expm1(r) + (2**k - 1) (no cancellation);
    e^x itself above 700 (where 2**k alone may overflow)."""
    s1, s2, r = _reduce(x, -40.0)
    p = _expm1_reduced(r)
    s = s1 * s2
    y = s * p + (s - 1.0) if x <= 700.0 else (s1 + s1 * p) * s2
    y = np.inf if x > _EXP_OVERFLOW else y
    return x if (x != x or x == 0.0) else y


@njit(**_JIT)
def _exp_s(x: float) -> float:
    """Out-of-line :func:`_exp` for scalar code."""
    return _exp(x)


@njit(**_JIT)
def _expm1_s(x: float) -> float:
    """Out-of-line :func:`_expm1` for scalar code."""
    return _expm1(x)


@njit(**_JIT)
def _exp_array(x: np.ndarray, n: int) -> None:
    """x[:n] = exp(x[:n]) in place (vectorised)."""
    for k in range(n):
        x[k] = _exp(x[k])


@njit(**_JIT)
def _expm1_array(x: np.ndarray, n: int) -> None:
    """x[:n] = expm1(x[:n]) in place (vectorised)."""
    for k in range(n):
        x[k] = _expm1(x[k])


@njit(**_JIT)
def _ipow(x: float, n: int) -> float:
    """x ** n for an integer n >= 1 by squaring (within 2 log2(n) ulp of pow)."""
    y = 1.0
    while True:
        if n & 1:
            y = y * x
        n >>= 1
        if n == 0:
            return y
        x = x * x


@njit(**_INLINE)
def _score1(c: float) -> float:
    """benchmark_score(loss_ref(c)) (capability.score_of_compute, one step).

    The sigmoid is written 1 - tanh(z) = 2 / (1 + e^{2z}): one exp instead of tanh, exact to
    rounding for every z (no cancellation; e^{2z} = inf gives 0).
    """
    loss = _SIG_A * _exp(-_SIG_ALPHA * c) + _SIG_L0
    half_z = _HALF_SLOPE * (loss - _MID)
    return _HALF_SPAN * (2.0 / (1.0 + _exp(2.0 * half_z))) + _FLOOR


@njit(**_JIT)
def _scores(c: np.ndarray, s: np.ndarray, n: int, steps: float, isteps: int) -> None:
    """s[:n] = benchmark_score(loss_ref(c[:n])) ** steps (vectorised).

    c and s need room for n rounded up to a multiple of 8: the vector loop then has no scalar
    remainder (c is padded with zeros, s gets their scores).
    """
    n8 = (n + 7) & -8
    for k in range(n, n8):
        c[k] = 0.0
    for k in range(n8):
        s[k] = _score1(c[k])
    if isteps > 1:
        for k in range(n):
            s[k] = _ipow(s[k], isteps)
    elif isteps != 1:
        for k in range(n):
            s[k] = math.pow(s[k], steps)


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


# --------------------------------------------------------------------------- the block

_W = 32  # scenarios whose golden-section searches run in lock step (vectorised across them)
# rows of the lane table (a flat array, row k at [k * _W, (k + 1) * _W): constant offsets let
# the vector loops over lanes go without run-time alias checks): path constants, the search
_NL = 23
(_L_CS0, _L_CM0, _L_LA, _L_LH, _L_L1, _L_L2, _L_TS, _L_E, _L_LAG, _L_A, _L_B, _L_GRID_BEST,
 _L_GRID_T, _L_C, _L_D, _L_FC, _L_FD, _L_X, _L_LEFT, _L_CF, _L_CMK, _L_SF, _L_SM) = range(_NL)
_STRIDE = 5      # the benchmark grid's search looks at every 5th point first
_SLACK = 1e-9    # pp: an interval is dropped only if its bound is this far below the best


@njit(**_JIT)
def _block(par: np.ndarray, ok: np.ndarray, t: np.ndarray, dt_grid: float, grid: np.ndarray,
           horizons: np.ndarray, form: int, thr: float, log_thr: float, log_flop: float, sn: float,
           horizon: float, steps: float, isteps: int, iterations: int, flags: np.ndarray,
           slots: np.ndarray, out: np.ndarray, ser: np.ndarray) -> None:
    """Every requested outcome and series of the block, scenario by scenario."""
    n = par.shape[1]
    nt = t.shape[0]
    ng = grid.shape[0]
    nh = horizons.shape[0]
    do_out = out.shape[0] > 0
    nan = np.nan
    seg = np.empty((4, 10))
    size = max(nt, ng, _W, 7 + nh)
    x1 = np.empty(size)
    x2 = np.empty(size)
    tv = np.empty(size)
    gv = np.empty(size)
    cb = np.empty(2 * size + 8)
    sb = np.empty(2 * size + 8)
    wk = np.empty((2, size + 3 * _B))
    at = np.empty(size, dtype=np.int64)
    gw = np.empty((3, 2 * ng))              # the grid search's values
    iw = np.empty((2, ng), dtype=np.int64)  # and points
    lane = np.empty(_NL * _W)
    lane_i = np.zeros(_W, dtype=np.int64)
    filled = 0
    for i in range(n):
        if not ok[i]:
            for k in range(out.shape[0]):
                out[k, i] = nan
            for s in range(ser.shape[0]):
                for k in range(nt):
                    ser[s, i, k] = nan
            continue
        alpha = par[0, i]
        A = par[1, i]
        L0 = par[2, i]
        la = math.log(par[3, i])
        lh = math.log(par[4, i])
        l1 = math.log(par[5, i])
        lfi = math.log(par[6, i])
        lbm = math.log(par[7, i])
        lbs = math.log(par[8, i])
        lf = math.log(par[9, i])
        lp = math.log(par[10, i])
        ts = par[11, i]
        l2 = math.log(par[12, i])
        e = par[13, i]
        lag = par[14, i]
        cm0 = lbm + lf
        cs0 = lbs + lf
        lr0 = lbs - lbm
        ci0 = 2.0 * (lf + lp) + math.log(par[15, i])
        ki = 2.0 * (lh + lfi) + la if form == 0 else 2.0 * lfi

        if do_out:
            _outcomes(i, out, seg, alpha, A, la, lh, l1, l2, ts, e, lag, cm0, cs0, lr0, ci0, ki,
                      horizons, nh, thr, log_thr, log_flop, sn, horizon, x1, x2, tv, gv)
            # benchmark peak: the grid here, the golden-section search in lanes of _W
            idx, grid_best = _grid_argmax(grid, ng, horizon, cs0, cm0, la, lh, l1, l2, ts, e,
                                          lag, steps, isteps, cb, sb, gw, iw)
            dt = grid[1] - grid[0]
            f = filled
            lane[_L_CS0 * _W + f] = cs0
            lane[_L_CM0 * _W + f] = cm0
            lane[_L_LA * _W + f] = la
            lane[_L_LH * _W + f] = lh
            lane[_L_L1 * _W + f] = l1
            lane[_L_L2 * _W + f] = l2
            lane[_L_TS * _W + f] = ts
            lane[_L_E * _W + f] = e
            lane[_L_LAG * _W + f] = lag
            lane[_L_A * _W + f] = _min(_max(grid[idx] - dt, 0.0), horizon)
            lane[_L_B * _W + f] = _min(_max(grid[idx] + dt, 0.0), horizon)
            lane[_L_GRID_BEST * _W + f] = grid_best
            lane[_L_GRID_T * _W + f] = grid[idx]
            lane_i[f] = i
            filled += 1
            if filled == _W:
                _golden(lane, lane_i, filled, iterations, steps, isteps, out)
                filled = 0
        if ser.shape[0] > 0:
            _series(i, ser, flags, slots, t, nt, dt_grid, alpha, A, L0, la, lh, l1, l2, ts, e,
                    lag, cm0, cs0, lr0, ci0, ki, sn, steps, isteps, x1, x2, cb, sb, tv, gv, wk,
                    at)
    if filled > 0:
        for l in range(filled, _W):  # pad with copies of the first lane
            for k in range(_NL):
                lane[k * _W + l] = lane[k * _W]
        _golden(lane, lane_i, filled, iterations, steps, isteps, out)


@njit(**_JIT)
def _grid_gaps(grid: np.ndarray, pts: np.ndarray, n: int, cs0: float, cm0: float, la: float,
               lh: float, l1: float, l2: float, ts: float, e: float, lag: float, steps: float,
               isteps: int, cb: np.ndarray, sb: np.ndarray, vals: np.ndarray) -> np.ndarray:
    """vals[:n] = benchmark gap at grid[pts[:n]] (searches._bench), vectorised."""
    for k in range(n):
        x = grid[pts[k]]
        cb[k] = _frontier(x, cs0, la, lh, l1, l2, ts)
        cb[n + k] = _meek(x, cm0, la, lh, e, lag)
    _scores(cb, sb, 2 * n, steps, isteps)
    for k in range(n):
        vals[k] = 100.0 * (sb[k] - sb[n + k])
    return sb


@njit(**_JIT)
def _grid_argmax(grid: np.ndarray, ng: int, horizon: float, cs0: float, cm0: float, la: float,
                 lh: float, l1: float, l2: float, ts: float, e: float, lag: float, steps: float,
                 isteps: int, cb: np.ndarray, sb: np.ndarray, gw: np.ndarray,
                 iw: np.ndarray) -> tuple[int, float]:
    """(first index of the largest benchmark gap on the grid, that gap), as the reference's
    np.argmax over every grid point (NaN counting as -inf), with fewer points evaluated.

    Both scores rise with t (rising paths, a rising sigmoid), so on grid[a..b] the gap is at
    most score_s(b) - score_m(a). Every _STRIDE-th point is evaluated first, then every point
    of the intervals whose bound reaches the best value found (less _SLACK, far above the
    rounding): a point left out lies below the maximum, so the first maximiser is the
    reference's. Every point where the paths may fall or a value is NaN.
    """
    mono = steps > 0.0 and la + lh + l1 > 0.0 and (ts >= horizon or la + lh + l2 > 0.0) \
        and (lag <= 0.0 or (1.0 - e) * lh >= 0.0) and la + (1.0 - e) * lh >= 0.0
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
        _grid_gaps(grid, p0, n0, cs0, cm0, la, lh, l1, l2, ts, e, lag, steps, isteps, cb, sb,
                   v0)
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
                _grid_gaps(grid, p1, n1, cs0, cm0, la, lh, l1, l2, ts, e, lag, steps, isteps,
                           cb, sb, v1)
                for k in range(n1):
                    v = v1[k]
                    mono = mono and v == v
                    best = _max(best, v)
    if not mono:  # every point, NaN as -inf
        n0 = ng
        n1 = 0
        for j in range(ng):
            p0[j] = j
        _grid_gaps(grid, p0, ng, cs0, cm0, la, lh, l1, l2, ts, e, lag, steps, isteps, cb, sb,
                   v0)
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


@njit(**_JIT)
def _lane_paths(lane: np.ndarray, xrow: int) -> None:
    """Score inputs (rows _L_CF, _L_CMK) of every lane at its x (row xrow): ln C_s, ln C_m."""
    for l in range(_W):
        x = lane[xrow * _W + l]
        lane[_L_CF * _W + l] = _frontier(x, lane[_L_CS0 * _W + l], lane[_L_LA * _W + l],
                                         lane[_L_LH * _W + l], lane[_L_L1 * _W + l],
                                         lane[_L_L2 * _W + l], lane[_L_TS * _W + l])
        lane[_L_CMK * _W + l] = _meek(x, lane[_L_CM0 * _W + l], lane[_L_LA * _W + l],
                                      lane[_L_LH * _W + l], lane[_L_E * _W + l],
                                      lane[_L_LAG * _W + l])


@njit(**_JIT)
def _golden(lane: np.ndarray, lane_i: np.ndarray, filled: int, iterations: int, steps: float,
            isteps: int, out: np.ndarray) -> None:
    """searches.benchmark_peak's golden-section refinement for _W scenarios in lock step."""
    cin = lane[_L_CF * _W:(_L_CF + 2) * _W]     # score inputs, frontier then meek
    sout = lane[_L_SF * _W:(_L_SF + 2) * _W]    # their scores
    A_, B_, C_, D_ = _L_A * _W, _L_B * _W, _L_C * _W, _L_D * _W
    FC, FD, X, LEFT = _L_FC * _W, _L_FD * _W, _L_X * _W, _L_LEFT * _W
    SF, SM = _L_SF * _W, _L_SM * _W
    for l in range(_W):
        a = lane[A_ + l]
        b = lane[B_ + l]
        lane[C_ + l] = b - _INVPHI * (b - a)
        lane[D_ + l] = a + _INVPHI * (b - a)
    _lane_paths(lane, _L_C)
    _scores(cin, sout, 2 * _W, steps, isteps)
    for l in range(_W):
        lane[FC + l] = 100.0 * (lane[SF + l] - lane[SM + l])
    _lane_paths(lane, _L_D)
    _scores(cin, sout, 2 * _W, steps, isteps)
    for l in range(_W):
        lane[FD + l] = 100.0 * (lane[SF + l] - lane[SM + l])
    for _ in range(iterations):
        for l in range(_W):
            lt = lane[FC + l] >= lane[FD + l]  # the maximum lies in [a, d]: d becomes b
            bl = lane[D_ + l] if lt else lane[B_ + l]
            al = lane[A_ + l] if lt else lane[C_ + l]
            lane[X + l] = bl - _INVPHI * (bl - al) if lt else al + _INVPHI * (bl - al)
            lane[A_ + l] = al
            lane[B_ + l] = bl
            lane[LEFT + l] = 1.0 if lt else 0.0
        _lane_paths(lane, _L_X)
        _scores(cin, sout, 2 * _W, steps, isteps)
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
    _scores(cin, sout, 2 * _W, steps, isteps)
    for l in range(filled):
        i = lane_i[l]
        grid_best = lane[_L_GRID_BEST * _W + l]
        refined = 100.0 * (lane[SF + l] - lane[SM + l])
        if grid_best != grid_best:
            out[_B_PEAK, i] = np.nan
            out[_B_WHEN, i] = np.nan
        elif refined >= grid_best:
            out[_B_PEAK, i] = refined
            out[_B_WHEN, i] = lane[X + l]
        else:  # the grid maximum beats the refined point
            out[_B_PEAK, i] = grid_best
            out[_B_WHEN, i] = lane[_L_GRID_T * _W + l]


@njit(**_INLINE)
def _breakpoints(lag: float, ts: float) -> tuple[float, float, float]:
    """The paths' breakpoints 0, the diffusion lag and the switch year, sorted
    (Paths.breakpoints)."""
    b0, b1, b2 = 0.0, lag, ts
    if b1 > b2:
        b1, b2 = b2, b1
    if b0 > b1:
        b0, b1 = b1, b0
    if b1 > b2:
        b1, b2 = b2, b1
    return b0, b1, b2


@njit(**_JIT)
def _outcomes(i: int, out: np.ndarray, seg: np.ndarray, alpha: float, A: float, la: float,
              lh: float, l1: float, l2: float, ts: float, e: float, lag: float, cm0: float,
              cs0: float, lr0: float, ci0: float, ki: float, horizons: np.ndarray, nh: int,
              thr: float, log_thr: float, log_flop: float, sn: float, horizon: float,
              x1: np.ndarray, x2: np.ndarray, tv: np.ndarray, gv: np.ndarray) -> None:
    """Every outcome of scenario i but the benchmark peak."""
    nan = np.nan
    inf = np.inf
    # ---- pieces of the paths (Paths.breakpoints / Paths.segments)
    b0, b1, b2 = _breakpoints(lag, ts)
    # seg[k]: lo, hi, t0, m0, d0, a, r, log1p(r/a), critical root (order 1), gap at the root
    for k in range(4):
        lo = -inf if k == 0 else (b0 if k == 1 else (b1 if k == 2 else b2))
        hi = b0 if k == 0 else (b1 if k == 1 else (b2 if k == 2 else inf))
        if math.isinf(lo):
            inside = hi - 1.0
        elif math.isinf(hi):
            inside = lo + 1.0
        else:
            inside = 0.5 * (lo + hi)
        if math.isfinite(lo):
            t0 = lo
        elif math.isfinite(hi):
            t0 = hi
        else:
            t0 = 0.0
        if not math.isfinite(inside):
            inside = t0
        seg[k, 0] = lo
        seg[k, 1] = hi
        seg[k, 2] = t0
        if lo < hi:
            a = _meek_rate(inside, la, lh, e, lag)
            r = _lead_rate(inside, la, lh, l1, l2, ts, e, lag)
            seg[k, 3] = _meek(t0, cm0, la, lh, e, lag)
            seg[k, 4] = _lead(t0, lr0, la, lh, l1, l2, ts, e, lag)
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
    _gaps(tv, 7 + nh, A, alpha, cm0, lr0, la, lh, l1, l2, ts, e, lag, x1, x2, gv)
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
        if c == c and _lead(c, lr0, la, lh, l1, l2, ts, e, lag) > 0.0:
            x1[k] = log_a - alpha * _meek(c, cm0, la, lh, e, lag) + math.log(-x2[k])
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
    peaked = best_key > -inf
    out[_T_PEAK, i] = best_t if peaked else nan
    pk = best_g0 if peaked else nan
    out[_PEAK_GAP, i] = pk

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
        level = 2.0 * seg[k, 7] if a > 0.0 else inf
        if alpha * d_start > level:  # convex at the start of the piece: a kink
            found = start
        else:
            root = nan
            if a > 0.0 and r > 0.0:  # closed_forms._critical, order 2
                root = t0 + (2.0 * seg[k, 7] / alpha - d0) / r
                if not (lo <= root and root < hi):
                    root = nan
            if root > tp:
                found = root
    out[_T_INFL, i] = found if peaked else nan

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
        x = _newton(bhi, blo, bhi, A, alpha, log_thr, cm0, lr0, la, lh, l1, l2, ts, e, lag)
    below_ever = x if (bfound and x <= inf) else nan
    out[_T_BELOW, i] = x if (bfound and x <= horizon) else nan
    if below_ever != below_ever:
        out[_WINDOW, i] = 0.0
    elif below_ever <= horizon:
        out[_WINDOW, i] = _max(below_ever, 0.0)
    else:
        out[_WINDOW, i] = nan

    # ---- t_inference_catchup
    d0 = ci0 - cs0
    base = ki - la - lh
    k1 = base - l1
    k2 = base - l2
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
    out[_T_INF, i] = v

    # ---- tokens at the peak (capability.sprt_tokens)
    if pk > 0.0:
        out[_TOKENS, i] = sn / pk
    elif pk != pk:
        out[_TOKENS, i] = nan
    else:
        out[_TOKENS, i] = inf

    # ---- governance
    r_lag = (1.0 - e) * lh
    r_after = la + (1.0 - e) * lh
    during = lr0 / r_lag if r_lag > 0.0 else inf
    after = lag + (lr0 - r_lag * lag) / r_after
    ahead = during if during < lag else after
    out[_T_MATCH, i] = lr0 / (la + lh) if lr0 <= 0.0 else ahead
    out[_T_THR_CAP, i] = (cs0 - log_flop) / la if la > 0.0 else nan
    need = log_flop - cm0
    rate = (1.0 - e) * lh
    if need == 0.0:
        v = 0.0
    elif need < 0.0:
        v = need / lh
    elif rate > 0.0:
        v = need / rate
    else:
        v = inf
    out[_T_CROSS, i] = v if (math.isfinite(v) and v <= horizon) else nan  # inf: never

    # ---- horizons
    for j in range(nh):
        h = horizons[j]
        out[12 + j, i] = gv[7 + j]
        out[12 + nh + j, i] = _years_behind(h, cs0, lr0, la, lh, l1, l2, ts, e, lag)


@njit(**_JIT)
def _newton(x: float, lo: float, hi: float, A: float, alpha: float, log_thr: float, cm0: float,
            lr0: float, la: float, lh: float, l1: float, l2: float, ts: float, e: float,
            lag: float) -> float:
    """searches._newton for one scenario: Newton on ln G safeguarded by the bracket."""
    for _ in range(60):
        em = A * _exp_s(-alpha * _meek(x, cm0, la, lh, e, lag))
        u = _expm1_s(-alpha * _lead(x, lr0, la, lh, l1, l2, ts, e, lag))
        gap = em * -u
        a = _meek_rate(x, la, lh, e, lag)
        # the slope only steers the steps (the root is h = 0): e^{-alpha d} as 1 + expm1
        dgap = alpha * em * ((a + _lead_rate(x, la, lh, l1, l2, ts, e, lag)) * (1.0 + u) - a)
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
def _gap_series(t: np.ndarray, nt: int, dt: float, A: float, alpha: float, cm0: float, lr0: float,
                la: float, lh: float, l1: float, l2: float, ts: float, e: float, lag: float,
                row: np.ndarray, x1: np.ndarray, x2: np.ndarray, tv: np.ndarray, gv: np.ndarray,
                wk: np.ndarray, at: np.ndarray) -> None:
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
    ex = wk[0]   # exp arguments: q^j (_B), Q^j (_B), anchors (na)
    em = wk[1]   # expm1 arguments: Q^j - 1 (_B), anchors (na)
    b0, b1, b2 = _breakpoints(lag, ts)
    sd = abs(l1) + abs(l2) + abs(la) + abs(lh)
    alr0 = abs(lr0)
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
        a = _meek_rate(t[ks], la, lh, e, lag)
        r = _lead_rate(t[ks], la, lh, l1, l2, ts, e, lag)
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
            ex[2 * _B + q] = -alpha * _meek(tq, cm0, la, lh, e, lag)
            em[_B + q] = -alpha * _lead(tq, lr0, la, lh, l1, l2, ts, e, lag)
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
            elif not (_fine(_lead(t[k0], lr0, la, lh, l1, l2, ts, e, lag), u0, c, t[k0], alr0,
                            sd, alpha)
                      and _fine(_lead(t[k1 - 1], lr0, la, lh, l1, l2, ts, e, lag), u0, c,
                                t[k1 - 1], alr0, sd, alpha)):
                for k in range(k0, k1):
                    if not _fine(_lead(t[k], lr0, la, lh, l1, l2, ts, e, lag), u0, c, t[k],
                                 alr0, sd, alpha):
                        at[nf] = k
                        tv[nf] = t[k]
                        nf += 1
    if nf:
        _gaps(tv, nf, A, alpha, cm0, lr0, la, lh, l1, l2, ts, e, lag, x1, x2, gv)
        for j in range(nf):
            row[at[j]] = gv[j]


@njit(**_JIT)
def _series(i: int, ser: np.ndarray, flags: np.ndarray, slots: np.ndarray, t: np.ndarray, nt: int,
            dt: float, alpha: float, A: float, L0: float, la: float, lh: float, l1: float,
            l2: float, ts: float, e: float, lag: float, cm0: float, cs0: float, lr0: float,
            ci0: float, ki: float, sn: float, steps: float, isteps: int, x1: np.ndarray,
            x2: np.ndarray, cb: np.ndarray, sb: np.ndarray, tv: np.ndarray, gv: np.ndarray,
            wk: np.ndarray, at: np.ndarray) -> None:
    """The requested (scenario, t) series of scenario i (outcomes._series), in vector loops."""
    if flags[_S_LM]:
        row = ser[slots[_S_LM], i]
        for k in range(nt):
            x1[k] = -alpha * _meek(t[k], cm0, la, lh, e, lag)
        _exp_array(x1, nt)
        for k in range(nt):
            row[k] = A * x1[k] + L0
    if flags[_S_LS]:
        row = ser[slots[_S_LS], i]
        for k in range(nt):
            x1[k] = -alpha * _frontier(t[k], cs0, la, lh, l1, l2, ts)
        _exp_array(x1, nt)
        for k in range(nt):
            row[k] = A * x1[k] + L0
    if flags[_S_GAP] or flags[_S_TOK]:
        row = ser[slots[_S_GAP] if flags[_S_GAP] else slots[_S_TOK], i]
        if dt > 0.0:
            _gap_series(t, nt, dt, A, alpha, cm0, lr0, la, lh, l1, l2, ts, e, lag, row, x1, x2,
                        tv, gv, wk, at)
        else:
            _gaps(t, nt, A, alpha, cm0, lr0, la, lh, l1, l2, ts, e, lag, x1, x2, row)
        if flags[_S_TOK]:
            tok = ser[slots[_S_TOK], i]
            for k in range(nt):
                g = row[k]
                tok[k] = sn / g if g > 0.0 else (np.nan if g != g else np.inf)
    if flags[_S_BENCH]:
        row = ser[slots[_S_BENCH], i]
        for k in range(nt):
            cb[k] = _frontier(t[k], cs0, la, lh, l1, l2, ts)
            cb[nt + k] = _meek(t[k], cm0, la, lh, e, lag)
        _scores(cb, sb, 2 * nt, steps, isteps)
        for k in range(nt):
            row[k] = 100.0 * (sb[k] - sb[nt + k])
    if flags[_S_INF]:  # inference.inference_gap: 0 where the user is level or ahead
        row = ser[slots[_S_INF], i]
        for k in range(nt):
            li = ci0 + ki * t[k]
            lead = _frontier(t[k], cs0, la, lh, l1, l2, ts) - li
            cb[k] = lead
            x1[k] = -alpha * li
            x2[k] = -alpha * _max(lead, 0.0)
        _exp_array(x1, nt)
        _expm1_array(x2, nt)
        for k in range(nt):
            row[k] = A * x1[k] * -x2[k] if cb[k] > 0.0 else 0.0
    if flags[_S_INFB]:
        row = ser[slots[_S_INFB], i]
        for k in range(nt):
            cb[k] = _frontier(t[k], cs0, la, lh, l1, l2, ts)
            cb[nt + k] = ci0 + ki * t[k]
        _scores(cb, sb, 2 * nt, steps, isteps)
        for k in range(nt):
            row[k] = _max(100.0 * (sb[k] - sb[nt + k]), 0.0)
    if flags[_S_YB]:
        row = ser[slots[_S_YB], i]
        for k in range(nt):
            row[k] = _years_behind(t[k], cs0, lr0, la, lh, l1, l2, ts, e, lag)


# --------------------------------------------------------------------------- entry point

def evaluate(p: Params, t: Array, options: Options = Options(), *, series: Sequence[str] = (),
             outcomes: bool = True) -> dict[str, Array]:
    """Every outcome (and the requested series) of a block of scenarios, compiled.

    The contract of :func:`engine.model.outcomes.evaluate`, which it reproduces to about 1e-13
    relative: same keys in the same order, same shapes and dtypes, NaN for scenarios outside
    the domain.

    Parameters
    ----------
    p : Params
        One 1-d array (or scalar) per parameter.
    t : 1-d array
        Time grid in years; searches cover [0, t[-1]].
    options : Options
    series : sequence of str
        Names from :data:`~.outcomes.SERIES`, returned with shape (n, len(t)).
    outcomes : bool
        Whether to compute the per-scenario outcomes.

    Returns
    -------
    dict of str to numpy.ndarray
        ``domain_reason`` (int8), outcomes of shape (n,), series of shape (n, T).

    Example
    -------
    >>> from engine.model.params import PAPER
    >>> out = evaluate(PAPER.map(lambda v: np.array([v])), np.linspace(0, 20, 5))
    >>> round(float(out["t_inference_catchup"][0]), 3)
    1.332
    """
    unknown = set(series) - set(SERIES)
    if unknown:
        raise ValueError(f"series={sorted(unknown)!r}: unknown; allowed: {', '.join(SERIES)}")
    wanted = set(series)
    q = p.arrays()
    n = int(np.broadcast(*(getattr(q, f) for f in NAMES)).size)
    q = q.map(lambda v: np.broadcast_to(v, (n,)))
    reason = domain_reason(q)
    t_arr = np.asarray(t, dtype=float)
    if t_arr.ndim != 1:
        raise ValueError(f"t must be a 1-d time grid, got shape {t_arr.shape}")
    nt = t_arr.shape[0]
    horizon = float(t_arr[-1]) if nt and t_arr[-1] > 0 else 1.0

    # option checks, in the order the reference meets them
    thr = 0.0
    log_thr = 0.0
    log_flop = 0.0
    sn = 0.0
    grid = np.zeros(2)
    names: list[str] = []
    if outcomes:
        threshold = options.threshold_nats
        if np.ndim(threshold) == 0 and not float(threshold) > 0:
            raise ValueError(f"threshold={threshold!r} must be > 0")
        thr = float(np.asarray(threshold, dtype=float))
        log_thr = float(np.log(np.asarray(threshold, dtype=float)))
        if not (math.isfinite(horizon) and horizon > 0):
            raise ValueError(f"horizon={horizon!r} must be a finite number > 0")
        if options.benchmark_grid_points < 2:
            raise ValueError(f"benchmark_grid_points={options.benchmark_grid_points!r}: "
                             "must be at least 2")
        grid = np.linspace(0.0, horizon, options.benchmark_grid_points)
        sn = float(np.asarray(options.slowdown) * sprt_numerator(options.false_alarm,
                                                                 options.miss))
        flop = options.threshold_flop
        if not (np.isfinite(flop) and flop > 0):
            raise ValueError(f"threshold_flop={flop!r}: must be a finite number > 0")
        log_flop = float(np.log(flop))
        names = outcome_names(options)
    if {"loss_gap", "tokens_to_distinguish"} & wanted:
        sn = float(np.asarray(options.slowdown) * sprt_numerator(options.false_alarm,
                                                                 options.miss))
    order = [s for s in _SERIES_ORDER if s in wanted]
    flags = np.array([s in wanted for s in _SERIES_ORDER], dtype=np.bool_)
    slots = np.array([order.index(s) if s in wanted else 0 for s in _SERIES_ORDER],
                     dtype=np.int64)

    unknown = set(NAMES) - set(_PARAMETERS)
    if unknown:
        raise TypeError(f"the compiled kernel does not know parameter(s) {sorted(unknown)}")
    par = np.empty((len(_PARAMETERS), n))
    for k, name in enumerate(_PARAMETERS):
        par[k] = getattr(q, name) if name in NAMES else 1.0
    horizons = np.asarray(options.horizons if outcomes else (), dtype=float).reshape(-1)
    out = np.empty((len(names) and 12 + 2 * len(horizons), n))
    ser = np.empty((len(order), n, nt))
    steps = float(options.steps)
    # whole step counts by repeated squaring, others (and 1) as the reference's power
    isteps = int(steps) if (1 <= steps <= 2**31 and steps == math.floor(steps)) else 0
    _block(par, reason == 0, t_arr, _uniform_step(t_arr), grid, horizons,
           _INFERENCE_FORMS[options.inference], thr, log_thr, log_flop, sn, horizon, steps,
           isteps, int(options.benchmark_iterations), flags, slots, out, ser)

    result: dict[str, Array] = {"domain_reason": reason}
    for k, name in enumerate(names):
        result[name] = out[k]
    for k, name in enumerate(order):
        result[name] = ser[k]
    return result


def _uniform_step(t: Array) -> float:
    """The step of t if it is an increasing uniform grid (to rounding), else 0."""
    n = t.shape[0]
    if n < 3 or not np.all(np.isfinite(t)):
        return 0.0
    dt = (t[-1] - t[0]) / (n - 1)
    if not dt > 0:
        return 0.0
    dev = np.abs(t - (t[0] + dt * np.arange(n)))
    scale = max(abs(t[0]), abs(t[-1]))
    return float(dt) if np.all(dev <= 4 * np.finfo(float).eps * scale) else 0.0
