"""Outcomes with no closed form, found numerically: threshold crossing and benchmark peak.

Both searches are vectorised over scenarios and deterministic per scenario: every scenario's
iteration depends on its own values only and freezes once converged, so an answer never depends
on which other scenarios share the array (chunking, threads).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from engine.model.capability import score_of_compute
from engine.model.closed_forms import _critical, gap_at
from engine.model.params import Array, Params, check, domain_reason
from engine.model.paths import Paths, Segment


def t_below(threshold: float, p: Params, *, horizon: float = math.inf,
            iterations: int = 60) -> Array:
    """The time from which the loss gap stays below ``threshold`` nats (after its last rise).

    On each piece of the paths the gap, where positive, rises to at most one maximum and then
    falls, and it tends to 0 for ever, so the last downward crossing lies on the latest piece
    whose maximum exceeds the threshold, between that maximum and the piece's end (or, on the
    last piece, t_hi with A C_m(t_hi)^-alpha = threshold, since the gap is below A C_m^-alpha).
    Where the gap grows without bound into the past (the lead does not grow before t = 0, see
    :mod:`.closed_forms`), the first piece has no maximum: there the bracket starts at a time
    t_lo where a lower bound of the gap, A C_m^-alpha (1 - e^{-alpha d_ref}) with the lead at
    least d_ref, is twice the threshold. A sum of two exponentials has no closed-form root:
    Newton's method on ln gap, safeguarded by bisection of the bracket, to a step below 1e-12
    of |t| (at most ``iterations`` steps).

    Returns
    -------
    numpy.ndarray
        Years (negative when the gap fell below before t = 0); NaN where the gap never exceeds
        the threshold, where the crossing lies beyond ``horizon``, or outside the domain.

    Example
    -------
    >>> from engine.model.params import PAPER
    >>> round(float(t_below(0.1, PAPER)), 3)
    9.607
    """
    check(p)
    if np.ndim(threshold) == 0 and not float(threshold) > 0:
        raise ValueError(f"threshold={threshold!r} must be > 0")
    paths = Paths(p)
    A = np.asarray(p.A, dtype=float)
    alpha = np.asarray(p.alpha, dtype=float)
    thr = np.asarray(threshold, dtype=float)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        lo, hi, ok = _bracket(paths, A, alpha, thr)
        x = _newton(paths, A, alpha, np.log(thr), lo, hi, ok, iterations)
    valid = ok & (x <= horizon) & (domain_reason(p) == 0)
    return np.where(valid, x, np.nan)


def _bracket(paths: Paths, A: Array, alpha: Array, thr: Array) -> tuple[Array, Array, Array]:
    """[lo, hi] holding the last downward crossing of the threshold, and where one exists."""
    segments = [s for s in paths.segments()]
    shape = np.broadcast(segments[0].lo, A, alpha, thr).shape
    lo, hi = np.zeros(shape), np.ones(shape)
    found = np.zeros(shape, dtype=bool)
    for k in range(len(segments) - 1, -1, -1):
        seg = segments[k]
        crit = _critical(seg, alpha, 1)
        best_t = np.full(shape, np.nan)
        best_g = np.full(shape, -np.inf)
        for c in (seg.lo, crit, seg.hi):
            c = np.where(np.isfinite(c) & ~seg.empty, c, np.nan)
            g = gap_at(paths, c, A, alpha)
            better = np.isfinite(c) & (g > best_g)
            best_t, best_g = np.where(better, c, best_t), np.where(better, g, best_g)
        if k == 0:  # the first piece (-inf, 0): does the gap grow without bound there?
            t_lo = _unbounded_start(seg, A, alpha, thr)
            up = np.isfinite(t_lo)
            best_t, best_g = np.where(up, t_lo, best_t), np.where(up, np.inf, best_g)
        new = ~found & (best_g > thr)
        # last piece: A C_m(t)^-alpha = thr bounds the crossing (m grows at rate a there)
        t_hi = seg.t0 + (np.log(A / thr) / alpha - seg.m0) / seg.a
        end = np.where(np.isfinite(seg.hi), seg.hi, np.maximum(t_hi, best_t))
        lo, hi = np.where(new, best_t, lo), np.where(new, end, hi)
        found |= new
    return lo, hi, found


def _unbounded_start(seg: Segment, A: Array, alpha: Array, thr: Array) -> Array:
    """On the first piece (-inf, 0), where the gap grows without bound into the past (lead
    rate r < 0, or r = 0 with the frontier ahead): a time t_lo <= 0 with gap(t_lo) > thr
    (NaN elsewhere). For t <= t1 the lead is at least d_ref (d_ref = max(d0, 0) + 1/alpha,
    or d0 itself if r = 0), so the gap is at least A e^{-alpha m(t)} (1 - e^{-alpha d_ref}),
    which is 2 thr at t2; t_lo = min(t1, t2)."""
    r, d0 = seg.r, seg.d0
    flat = r == 0
    d_ref = np.where(flat, d0, np.maximum(d0, 0.0) + 1.0 / alpha)
    t1 = np.where(flat, seg.t0, np.minimum(seg.t0 + (d_ref - d0) / r, seg.t0))
    m2 = np.log(A * -np.expm1(-alpha * d_ref) / (2.0 * thr)) / alpha
    t2 = seg.t0 + (m2 - seg.m0) / seg.a
    return np.where((r < 0) | (flat & (d0 > 0)), np.minimum(t1, t2), np.nan)


def _newton(paths: Paths, A: Array, alpha: Array, log_thr: Array, lo: Array, hi: Array,
            ok: Array, iterations: int) -> Array:
    lo, hi = (v.copy() for v in np.broadcast_arrays(lo, hi))
    x = hi.copy()
    done = ~ok
    for _ in range(iterations):
        em = A * np.exp(-alpha * paths.meek(x))
        lead = paths.lead(x)
        gap = em * -np.expm1(-alpha * lead)
        a = paths.meek_rate(x)
        dgap = alpha * em * ((a + paths.lead_rate(x)) * np.exp(-alpha * lead) - a)
        h = np.where(gap > 0, np.log(np.where(gap > 0, gap, 1.0)) - log_thr, -np.inf)
        above = h > 0
        lo = np.where(above & ~done, x, lo)
        hi = np.where(~above & ~done, x, hi)
        newton = x - h * gap / dgap
        mid = 0.5 * (lo + hi)
        tiny = np.abs(newton - x) <= 1e-12 * np.maximum(np.abs(x), 1.0)
        collapsed = (mid == lo) | (mid == hi)
        inside = (newton >= lo) & (newton <= hi)
        step = np.where(h == 0, x, np.where(tiny | inside, newton, mid))
        step = np.where(collapsed & ~tiny & (h != 0), mid, step)
        x = np.where(done, x, step)
        done = done | (h == 0) | tiny | collapsed
        if done.all():
            break
    return x


def benchmark_gap(t: ArrayLike, p: Params, steps: ArrayLike = 1) -> Array:
    """score(C_s(t))^p - score(C_m(t))^p in percentage points (scores as functions of compute).

    Example
    -------
    >>> from engine.model.params import PAPER
    >>> round(float(benchmark_gap(4.03, PAPER)), 2)
    47.01
    """
    check(p)
    return np.where(domain_reason(p) == 0, _bench(Paths(p), t, steps), np.nan)


def _bench(paths: Paths, t: ArrayLike, steps: ArrayLike) -> Array:
    return 100.0 * (score_of_compute(paths.frontier(t), steps)
                    - score_of_compute(paths.meek(t), steps))


def benchmark_peak(p: Params, *, horizon: float, steps: ArrayLike = 1, grid_points: int = 61,
                   iterations: int = 40) -> tuple[Array, Array]:
    """Peak of the benchmark gap over [0, horizon] and its time, numerically.

    The sigmoid of loss has no closed-form peak, so the gap is evaluated on a uniform grid of
    ``grid_points`` over [0, horizon] and the best grid point is refined by golden-section search
    on its two neighbouring intervals (``iterations`` steps shrink the bracket by 0.618 each).

    Example
    -------
    >>> from engine.model.params import PAPER
    >>> peak, when = benchmark_peak(PAPER, horizon=20.0, grid_points=401, iterations=60)
    >>> round(float(peak), 2), round(float(when), 2)
    (47.01, 4.03)
    """
    if not (math.isfinite(horizon) and horizon > 0):
        raise ValueError(f"horizon={horizon!r} must be a finite number > 0")
    check(p)
    grid = np.linspace(0.0, horizon, grid_points)
    q = p.arrays()
    col = Paths(q.map(lambda v: v[..., None]))
    steps0 = np.asarray(steps, dtype=float)
    values = _bench(col, grid, steps0 if steps0.ndim == 0 else steps0[..., None])
    idx = np.argmax(np.where(np.isnan(values), -np.inf, values), axis=-1)
    dt = grid[1] - grid[0]
    a = np.clip(grid[idx] - dt, 0.0, horizon)
    b = np.clip(grid[idx] + dt, 0.0, horizon)
    paths = Paths(q)

    def f(x: Array) -> Array:
        return _bench(paths, x, steps0)

    invphi = (math.sqrt(5.0) - 1.0) / 2.0
    c = b - invphi * (b - a)
    d = a + invphi * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(iterations):
        left = fc >= fd  # the maximum lies in [a, d]: d becomes b, c becomes d
        b = np.where(left, d, b)
        a = np.where(left, a, c)
        x_new = np.where(left, b - invphi * (b - a), a + invphi * (b - a))
        f_new = f(x_new)
        c, d = np.where(left, x_new, d), np.where(left, c, x_new)
        fc, fd = np.where(left, f_new, fd), np.where(left, fc, f_new)
    t_best = 0.5 * (a + b)
    grid_best = np.take_along_axis(values, idx[..., None], axis=-1)[..., 0]
    refined = f(t_best)
    use_grid = ~(refined >= grid_best)  # keep the grid maximum if it beats the refined point
    peak = np.where(use_grid, grid_best, refined)
    when = np.where(use_grid, grid[idx], t_best)
    bad = np.isnan(grid_best) | (domain_reason(p) != 0)
    return np.where(bad, np.nan, peak), np.where(bad, np.nan, when)
