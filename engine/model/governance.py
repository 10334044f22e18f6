"""Quantities a policy discussion uses, in closed form: years behind and compute thresholds.

Let s(t), m(t) be the frontier's and the meek actor's ln effective compute (see :mod:`.paths`).

years behind    tau(t) with s(t - tau) = m(t): how many years earlier the frontier had the meek
                actor's current compute (negative: how many years later it will have it, once
                the meek actor is ahead). s is increasing and piecewise linear, so
                t - tau = s^-1(m(t)) in closed form. With constant growth
                tau(t) = (ln R + t ln(g_inv / g_meek)) / ln(g_alg g_hw g_inv): for g_meek <
                g_inv it grows without bound while the loss gap shrinks to 0.
matching        t with m(t) = s(0): when the meek actor reaches the frontier's t = 0 compute;
                ln R / ln(g_alg g_hw g_meek) without policy.
threshold       a model trained with physical compute X just under a threshold has effective
capability      compute X g_alg^t; it reaches s(0) at (s(0) - ln X) / ln g_alg.
meek crosses    the meek actor's physical compute ln(B_m f) + ln g_hw h(t) + t ln g_meek
threshold       reaches ln X at (ln X - ln(B_m f)) / ((1 - e) ln g_hw + ln g_meek) (before t = 0
                at the rate ln(g_hw g_meek)).

g_meek = meek_growth is the yearly growth of the meek actor's budget (:mod:`.paths`; the
paper's fixed budget is g_meek = 1).

Policy levers (:class:`~.params.Params`): export controls e slow the meek actor's hardware
progress after t = 0 (rate (1 - e) ln g_hw); a diffusion lag L gives it no algorithmic progress
on [0, L) and the frontier's progress L years late afterwards, which for t >= L is a constant
factor g_alg^-L on its compute, as if R were R g_alg^L. So after the lag years behind grow by
L ln g_alg / ln(g_alg g_hw g_inv), and a peak that lies after L (constant growth) comes
L ln g_alg / ln(g_inv / g_meek) years earlier and higher; a gap already shrinking at t = 0 rises again
during the lag (:func:`.closed_forms.t_peak` finds the largest of these maxima).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from engine.model.params import Array, Params, check, domain_reason
from engine.model.paths import Paths


def frontier_time_of(paths: Paths, log_c: ArrayLike) -> Array:
    """s^-1: the time at which the frontier's ln compute equals ``log_c`` (may be negative)."""
    y = np.asarray(log_c, dtype=float) - paths.cs0
    r1 = paths.la + paths.lh + paths.l1
    u = y / r1
    if not paths.switches:
        return u
    r2 = paths.la + paths.lh + paths.l2
    at_switch = np.where(np.isfinite(paths.ts), paths.ts, 0.0) * r1
    return np.where(u <= paths.ts, u, paths.ts + (y - at_switch) / r2)


def years_behind(t: ArrayLike, p: Params) -> Array:
    """tau(t): years by which the meek actor's compute trails the frontier's (series).

    Example
    -------
    >>> from engine.model.params import PAPER
    >>> round(float(years_behind(10.0, PAPER)), 4)  # 10 ln g_inv / ln(g_alg g_hw g_inv)
    4.8236
    """
    check(p)
    paths = Paths(p)
    t = np.asarray(t, dtype=float)
    # t - s^-1(m(t)), with m(t) - s(0) = -ln R + ln g_alg a(t) + ln g_hw h(t) (not through the
    # large ln C values, so only the final inversion rounds)
    y = -paths.lr0 + paths.la * paths.alg_years(t) + paths.lh * paths.hw_years(t)
    if paths.growth:
        y = y + paths.meek_budget(t)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = t - frontier_time_of(paths, y + paths.cs0)
    return np.where(domain_reason(p) == 0, out, np.nan)


def frontier_spend(t: ArrayLike, p: Params) -> Array:
    """USD the frontier spends on one training run at time t: its starting budget times the
    investment schedule's growth, B_s g_inv^min(t, ts) g_inv'^max(t - ts, 0) (series).

    Example
    -------
    >>> from engine.model.params import PAPER
    >>> round(float(frontier_spend(2.0, PAPER.replace(sota_budget_usd=1e8))) / 1e9, 4)
    1.2755
    """
    check(p)
    paths = Paths(p)
    with np.errstate(over="ignore"):
        out = np.asarray(p.sota_budget_usd, dtype=float) * np.exp(paths.invest(t))
    return np.where(domain_reason(p) == 0, out, np.nan)


def t_meek_matches_frontier(p: Params) -> Array:
    """When the meek actor's effective compute reaches the frontier's compute at t = 0
    (negative: before t = 0).

    Example
    -------
    >>> from engine.model.params import PAPER
    >>> round(float(t_meek_matches_frontier(PAPER.replace(sota_budget_usd=1e6))), 4)
    5.0566
    """
    check(p)
    paths = Paths(p)
    lag = np.asarray(paths.lag if paths.policy else 0.0)
    lg = paths.lg                                 # the meek budget's growth
    r_lag = (1.0 - paths.e) * paths.lh + lg       # meek rate during the lag (no algorithms)
    r_after = paths.la + (1.0 - paths.e) * paths.lh + lg
    with np.errstate(invalid="ignore", divide="ignore"):
        during = np.where(r_lag > 0, paths.lr0 / r_lag, np.inf)
        after = lag + (paths.lr0 - r_lag * lag) / r_after
        ahead = np.where(during < lag, during, after)
        out = np.where(paths.lr0 <= 0, paths.lr0 / (paths.la + paths.lh + lg), ahead)
    return np.where(domain_reason(p) == 0, out, np.nan)


def t_threshold_capability(p: Params, threshold_flop: float) -> Array:
    """When a model trained with ``threshold_flop`` of physical compute reaches the frontier's
    t = 0 effective compute (negative: it already had; NaN if algorithms never progress).

    Example
    -------
    >>> from engine.model.params import PAPER
    >>> round(float(t_threshold_capability(PAPER.replace(sota_budget_usd=1e9), 1e25)), 4)
    2.2363
    """
    check(p)
    _check_threshold(threshold_flop)
    paths = Paths(p)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (paths.cs0 - np.log(threshold_flop)) / paths.la
        out = np.where(paths.la > 0, out, np.nan)
    return np.where(domain_reason(p) == 0, out, np.nan)


def t_meek_crosses_threshold(p: Params, threshold_flop: float,
                             horizon: float = np.inf) -> Array:
    """When the meek actor's physical compute (budget times FLOP per dollar) crosses the
    threshold upwards; negative if it already had at t = 0, NaN if never within ``horizon``
    (or if it has always been above: its physical compute shrinks with g_hw g_meek <= 1).

    Example
    -------
    >>> from engine.model.params import PAPER
    >>> round(float(t_meek_crosses_threshold(PAPER.replace(meek_budget_usd=1e7), 1e25)), 3)
    6.843
    """
    check(p)
    _check_threshold(threshold_flop)
    paths = Paths(p)
    need = np.log(threshold_flop) - paths.cm0
    rate = (1.0 - paths.e) * paths.lh + paths.lg     # from t = 0 on
    with np.errstate(invalid="ignore", divide="ignore"):
        base = paths.lh + paths.lg  # before t = 0; <= 0: always above it, never crossed
        out = np.where(need == 0, 0.0,
                       np.where(need < 0, np.where(base > 0, need / base, np.nan),
                                np.where(rate > 0, need / rate, np.inf)))
    out = np.where(np.isfinite(out) & (out <= horizon), out, np.nan)  # inf: never
    return np.where(domain_reason(p) == 0, out, np.nan)


def _check_threshold(threshold_flop: float) -> None:
    if not (np.isfinite(threshold_flop) and threshold_flop > 0):
        raise ValueError(f"threshold_flop={threshold_flop!r}: must be a finite number > 0")
