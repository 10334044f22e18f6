"""The loss gap and its shape in closed form: gap, peak, largest future gap, inflection.

With the meek and frontier paths piecewise linear in log compute (see :mod:`.paths`), the gap

    G(t) = L(C_m) - L(C_s) = A e^{-alpha m(t)} (1 - e^{-alpha d(t)}),   d = s - m,

has, on a piece where m grows at rate a and the lead d at rate r, the derivatives

    G'  = alpha A [(a + r) e^{-alpha s} - a e^{-alpha m}]
    G'' = alpha^2 A [a^2 e^{-alpha m} - (a + r)^2 e^{-alpha s}],

where a + r > 0 (the frontier's compute always grows). For a > 0 and r > 0, G' = 0 where
alpha d = ln(1 + r/a) (a maximum) and G'' = 0 where alpha d = 2 ln(1 + r/a). On such a piece d
grows linearly, so each condition has one root, t0 + (k ln(1 + r/a)/alpha - d0)/r, k = 1, 2.
In general G'' > 0 exactly where alpha d > 2 ln((a + r)/|a|) (a != 0; never for a = 0). A piece
where the meek actor's compute stands still or shrinks (a <= 0: during a diffusion lag, if
g_hw^(1 - e) g_meek <= 1) has G' > 0, so no peak. A piece where the lead does not grow
(r <= 0: a meek budget growing at least as fast as the frontier's, as meek_growth >= g_inv
without policy levers, or meek_growth >= g_inv_after after the switch year) has a > 0 and
G' < 0 wherever the frontier leads (d > 0), so no peak either; if that is so before t = 0,
the gap grows without bound into the past and has no largest value.

Without a switch year or policy there is one piece, and with lm = ln(g_alg g_hw g_meek)
(g_meek = meek_growth, the paper's 1), ls = ln(g_alg g_hw g_inv) and R = C_s0/C_m0 this is the
paper's, for ls > lm,

    t_peak = [ln(ls/lm) - alpha ln R] / (alpha (ls - lm)),
    t_inflection = t_peak + ln(ls/lm) / (alpha (ls - lm)),
    gap(t_peak) = A C_m(t_peak)^-alpha (ls - lm) / ls,

and for ls <= lm no peak (for ls = lm and R = 1 the gap is 0 at every t).

Neither depends on A, L0, or (for R = 1) on C0. L0 cancels in G.

References
----------
H. Gundlach, J. Lynch, N. Thompson, "Meek Models Shall Inherit the Earth", arXiv:2507.07931 (2025).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from engine.model.params import Array, Params, check, domain_reason
from engine.model.paths import Paths, Segment


def loss(log_c: ArrayLike, A: ArrayLike, alpha: ArrayLike, L0: ArrayLike) -> Array:
    """Compute-optimal loss L(C) = A C^-alpha + L0 in nats per token, from ln C.

    Example
    -------
    >>> round(float(loss(np.log(1e20), 1070.0, 0.154, 1.7)), 4)
    2.59
    """
    return (np.asarray(A) * np.exp(-np.asarray(alpha) * np.asarray(log_c, dtype=float))
            + np.asarray(L0))


def loss_difference(log_c_behind: ArrayLike, lead: ArrayLike, A: ArrayLike,
                    alpha: ArrayLike) -> Array:
    """L(C_behind) - L(C_behind e^lead) = A C_behind^-alpha (1 - e^{-alpha lead}), stably.

    L0 cancels; expm1 keeps full precision when the two computes are close. Where the lead is
    so negative (the "behind" model far ahead, after centuries of a meek budget outgrowing the
    frontier's) that C_behind^-alpha underflows to 0 while e^{-alpha lead} overflows, the same
    difference is A C_ahead^-alpha expm1(alpha lead), C_ahead = C_behind e^lead.
    """
    alpha = np.asarray(alpha, dtype=float)
    log_c = np.asarray(log_c_behind, dtype=float)
    lead = np.asarray(lead, dtype=float)
    A = np.asarray(A)
    with np.errstate(over="ignore", invalid="ignore"):
        out = A * np.exp(-alpha * log_c) * -np.expm1(-alpha * lead)
        far = np.isnan(out) & (lead < 0)
        if np.any(far):
            out = np.where(far, A * np.exp(-alpha * (log_c + lead)) * np.expm1(alpha * lead),
                           out)
    return out


def gap_at(paths: Paths, t: ArrayLike, A: ArrayLike, alpha: ArrayLike) -> Array:
    """G(t) from precomputed paths (the workhorse of every search)."""
    return loss_difference(paths.meek(t), paths.lead(t), A, alpha)


def loss_gap(t: ArrayLike, p: Params) -> Array:
    """gap(t) = L(C_m(t)) - L(C_s(t)) in nats; positive while the frontier is ahead (NaN for
    invalid entries of array parameters).

    Example
    -------
    >>> from engine.model.params import PAPER
    >>> round(float(loss_gap(3.359, PAPER)), 4)
    0.2118
    """
    check(p)
    return np.where(domain_reason(p) == 0, gap_at(Paths(p), t, p.A, p.alpha), np.nan)


def _critical(seg: Segment, alpha: Array, order: int) -> Array:
    """Root of the order-th derivative of G on a piece, NaN where the piece has none."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        root = seg.t0 + (order * np.log1p(seg.r / seg.a) / alpha - seg.d0) / seg.r
        ok = (seg.a > 0) & (seg.r > 0) & (seg.lo <= root) & (root < seg.hi)
    return np.where(ok, root, np.nan)


def _candidates(paths: Paths, alpha: Array) -> list[Array]:
    """Every place the gap can peak, in time order: critical points and breakpoints."""
    out = []
    b = paths.breakpoints()
    for k, seg in enumerate(paths.segments()):
        out.append(np.where(seg.empty, np.nan, _critical(seg, alpha, 1)))
        if k < 3:
            out.append(np.where(np.isfinite(b[..., k]), b[..., k], np.nan))
    return out


def _log_gap(paths: Paths, t: Array, A: Array, alpha: Array) -> Array:
    """ln G(t) where the frontier leads (-inf elsewhere): compares gaps too small for float64."""
    lead = paths.lead(t)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        value = np.log(np.asarray(A)) - alpha * paths.meek(t) + np.log(-np.expm1(-alpha * lead))
    return np.where(lead > 0, value, -np.inf)


def _argmax(paths: Paths, p: Params, t_min: float = -np.inf) -> tuple[Array, Array, Array]:
    """(time, value, lead > 0) of the gap's largest value over the candidates >= t_min (earliest
    on ties), ranked by ln G so that gaps below float64's range still compare."""
    alpha = np.asarray(p.alpha, dtype=float)
    cands = _candidates(paths, alpha)
    if np.isfinite(t_min):
        cands = [np.maximum(c, t_min) for c in cands] + [np.full_like(cands[0], t_min)]
    shape = np.broadcast(*cands, alpha).shape
    best_t = np.full(shape, np.nan)
    best_key = np.full(shape, -np.inf)
    best_g = np.full(shape, -np.inf)
    with np.errstate(over="ignore", invalid="ignore"):
        for c in cands:
            key = _log_gap(paths, c, p.A, alpha)
            g = gap_at(paths, c, p.A, alpha)
            # a leading candidate ranks by ln G; where none leads, by the (negative) gap
            better = np.isfinite(c) & ((key > best_key) | ((key == -np.inf) &
                                                           (best_key == -np.inf) & (g > best_g)))
            best_t = np.where(better, c, best_t)
            best_key = np.where(better, key, best_key)
            best_g = np.where(better, g, best_g)
    return best_t, best_g, best_key > -np.inf


def _unbounded_past(paths: Paths) -> Array:
    """Where the gap grows without bound as t -> -inf: the lead does not grow before t = 0 and
    the frontier leads there (the meek actor's compute, at rate ln(g_alg g_hw g_meek) > 0, falls
    without bound into the past, and with it C_m^-alpha)."""
    first = next(paths.segments())  # (-inf, 0): no policy before t = 0
    return (first.r < 0) | ((first.r == 0) & (first.d0 > 0))


def t_peak(p: Params) -> Array:
    """Time (years) at which the loss gap is largest; closed form under every schedule and policy.

    The gap's largest value over the real line, found among each piece's critical point and the
    breakpoints (0, the end of the diffusion lag, the switch year). Without a switch or policy,
    [ln(ls/lm) - alpha ln R] / (alpha (ls - lm)), with lm = ln(g_alg g_hw meek_growth) and
    ls = ln(g_alg g_hw g_inv). Negative values mean the peak is already past.

    Returns
    -------
    numpy.ndarray
        Years from t = 0; NaN outside the domain, where the gap never turns positive with a
        maximum (investment stops while the frontier is still behind: the gap creeps up to 0
        for ever) and where it has no largest value because it grows without bound into the
        past (the meek budget grows at least as fast as the frontier's before t = 0,
        meek_growth >= g_inv, with the frontier ahead).

    Example
    -------
    >>> from engine.model.params import PAPER
    >>> round(float(t_peak(PAPER)), 3)
    3.359
    """
    check(p)
    paths = Paths(p)
    t, _, leads = _argmax(paths, p)
    return np.where(leads & ~_unbounded_past(paths) & (domain_reason(p) == 0), t, np.nan)


def peak_gap(p: Params) -> Array:
    """Largest loss gap (nats) from t = 0 on.

    Without a switch or policy the gap is unimodal, so this is the gap at max(t_peak, 0);
    there gap(t_peak) = A C_m(t_peak)^-alpha (ls - lm) / ls (:mod:`.closed_forms`' lm, ls).
    Where the gap only shrinks from t = 0 on (meek_growth >= g_inv), it is the gap at t = 0.
    NaN where the frontier leads at no time from t = 0 on.

    Example
    -------
    >>> from engine.model.params import PAPER
    >>> round(float(peak_gap(PAPER)), 4)
    0.2118
    """
    check(p)
    _, g, leads = _argmax(Paths(p), p, t_min=0.0)
    return np.where(leads & (domain_reason(p) == 0), g, np.nan)


def t_inflection(p: Params) -> Array:
    """The gap's true inflection after its peak (second derivative turns positive); closed form.

    On each piece after the peak the gap is convex where alpha d > c, c = 2 ln(1 + r/a) where
    the meek actor's compute grows (a > 0), 2 ln((a + r)/(-a)) where it shrinks, and never
    where it stands still; the first time this holds is the root c/alpha = d of a piece where
    the lead grows (r > 0), or a breakpoint at which the curvature jumps from concave to convex
    (then the breakpoint is reported). Without a switch or policy:
    t_peak + ln(ls/lm)/(alpha (ls - lm)). NaN where :func:`t_peak` is.

    Example
    -------
    >>> from engine.model.params import PAPER
    >>> round(float(t_inflection(PAPER)), 3)
    6.718
    """
    check(p)
    paths = Paths(p)
    alpha = np.asarray(p.alpha, dtype=float)
    tp, _, leads = _argmax(paths, p)
    leads = leads & ~_unbounded_past(paths)
    found = np.full(np.broadcast(tp, alpha).shape, np.nan)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for seg in paths.segments():
            start = np.maximum(seg.lo, tp)
            live = ~seg.empty & (start < seg.hi) & np.isnan(found)
            d_start = seg.d0 + seg.r * (start - seg.t0)
            level = np.where(seg.a > 0, 2.0 * np.log1p(seg.r / seg.a),
                             np.where((seg.a < 0) & (seg.a + seg.r > 0),
                                      2.0 * np.log((seg.a + seg.r) / -seg.a), np.inf))
            convex_now = alpha * d_start > level
            # convex right at the start of a piece: the curvature jumped at the breakpoint (or
            # the peak itself is a corner)
            at_kink = live & convex_now
            found = np.where(at_kink, start, found)
            root = _critical(seg, alpha, 2)
            # a shrinking meek actor (a < 0): the same root with its own level
            shrink = seg.t0 + (level / alpha - seg.d0) / seg.r
            shrink = np.where((seg.a < 0) & (seg.r > 0) & (seg.lo <= shrink) & (shrink < seg.hi),
                              shrink, np.nan)
            root = np.where(seg.a < 0, shrink, root)
            hit = live & ~at_kink & (root > tp)
            found = np.where(hit, root, found)
    return np.where(leads & (domain_reason(p) == 0), found, np.nan)
