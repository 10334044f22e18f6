"""The compute-scaling model of "Meek Models Shall Inherit the Earth", as pure numpy.

Every function takes floats or numpy arrays and broadcasts them with numpy's rules: pass
parameters of shape ``(n, 1)`` and a time grid of shape ``(T,)`` to get ``(n, T)`` series.
Nothing here reads a config, touches a file, or uses global random state.

All compute quantities are handled as natural logarithms (``log_c``): budgets up to 1e15 USD,
1e25 FLOP per dollar and 100-year horizons would overflow or lose precision as plain powers.

Domain
------
The equations need every growth factor > 0, meek progress ``g_alg * g_hw > 1``, frontier
investment growth ``g_inv > 1`` and ``1 <= g_inv_after <= g_inv``. Called with scalars, a
function raises ``ValueError`` naming the parameter and its value when these fail; called with
arrays it returns NaN in the offending scenarios, and :func:`domain_reason` says why
(codes in :data:`DOMAIN_REASONS`), so an engine can count them.

References
----------
H. Gundlach, J. Lynch, N. Thompson, "Meek Models Shall Inherit the Earth", arXiv:2507.07931 (2025).
J. Hoffmann et al., "Training Compute-Optimal Large Language Models", arXiv:2203.15556 (2022).
A. Wald, "Sequential Tests of Statistical Hypotheses", Ann. Math. Stat. 16(2), 117-186 (1945).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]

#: The authors' setting (MODEL.md; Gundlach et al. 2025 and their notebooks).
PAPER: dict[str, float] = {
    "alpha": 0.154,
    "A": 1070.0,
    "L0": 1.7,
    "g_alg": 2.8,
    "g_hw": 1.4,
    "g_inv": 5.0 / 1.4,
    "g_inf": 9.0,
    "meek_budget_usd": 1000.0,
    "sota_budget_usd": 1000.0,
    "flop_per_usd": 1e17,
    "price_per_token_usd": 1e-8,
    "switch_year": math.inf,
    "g_inv_after": 1.0,
}

#: Benchmark sigmoid fitted by the authors on 30 models (MMLU fraction correct against loss).
SIGMOID_CEILING_SPAN = 0.5567
SIGMOID_SLOPE = 23.775
SIGMOID_MIDPOINT = 1.9739
SIGMOID_FLOOR = 0.2540

#: Reason codes returned by :func:`domain_reason` (0 means the scenario is valid).
DOMAIN_REASONS: dict[int, str] = {
    0: "valid",
    1: "a growth factor, budget, price, alpha or A is not a finite positive number",
    2: "g_alg * g_hw <= 1: the meek model makes no progress",
    3: "g_inv <= 1: the frontier does not outgrow the meek model",
    4: "g_inv_after outside [1, g_inv]",
    5: "switch_year is NaN",
}


# ----------------------------------------------------------------------------- domain checks


def _all_scalar(*values: Any) -> bool:
    return all(np.ndim(v) == 0 for v in values)


def _require(ok: bool, name: str, value: Any, allowed: str) -> None:
    if not ok:
        raise ValueError(f"{name}={value!r} is outside the model's domain: {allowed}")


def _check_scalars(**params: Any) -> None:
    """Raise ValueError for an invalid scalar parameter set (arrays are left to NaN handling)."""
    if not _all_scalar(*params.values()):
        return
    for name in ("g_alg", "g_hw", "g_inv", "g_inf", "g_inv_after", "alpha", "A",
                 "meek_budget_usd", "sota_budget_usd", "flop_per_usd", "price_per_token_usd"):
        if name in params:
            v = float(params[name])
            _require(math.isfinite(v) and v > 0, name, params[name], "a finite number > 0")
    if "g_alg" in params and "g_hw" in params:
        prod = float(params["g_alg"]) * float(params["g_hw"])
        _require(prod > 1, "g_alg*g_hw", prod, "g_alg * g_hw > 1 (meek compute must grow)")
    if "g_inv" in params:
        _require(float(params["g_inv"]) > 1, "g_inv", params["g_inv"], "g_inv > 1")
    if "g_inv_after" in params and "g_inv" in params:
        after = float(params["g_inv_after"])
        _require(1 <= after <= float(params["g_inv"]), "g_inv_after", params["g_inv_after"],
                 "1 <= g_inv_after <= g_inv")
    if "switch_year" in params:
        _require(not math.isnan(float(params["switch_year"])), "switch_year",
                 params["switch_year"], "a number or inf")


def domain_reason(
    *,
    alpha: ArrayLike = PAPER["alpha"],
    A: ArrayLike = PAPER["A"],
    g_alg: ArrayLike = PAPER["g_alg"],
    g_hw: ArrayLike = PAPER["g_hw"],
    g_inv: ArrayLike = PAPER["g_inv"],
    g_inf: ArrayLike = PAPER["g_inf"],
    meek_budget_usd: ArrayLike = PAPER["meek_budget_usd"],
    sota_budget_usd: ArrayLike = PAPER["sota_budget_usd"],
    flop_per_usd: ArrayLike = PAPER["flop_per_usd"],
    price_per_token_usd: ArrayLike = PAPER["price_per_token_usd"],
    switch_year: ArrayLike = PAPER["switch_year"],
    g_inv_after: ArrayLike = PAPER["g_inv_after"],
    **_ignored: Any,
) -> NDArray[np.int8]:
    """Why each scenario lies outside the model's domain (0 = valid); codes in DOMAIN_REASONS.

    Parameters
    ----------
    alpha, A, g_alg, g_hw, g_inv, g_inf, meek_budget_usd, sota_budget_usd, flop_per_usd,
    price_per_token_usd, switch_year, g_inv_after : float or array
        Model parameters (broadcast together). Other keywords (L0) are ignored.

    Returns
    -------
    numpy.ndarray of int8
        The first failing rule per scenario, 0 where every rule holds.

    Example
    -------
    >>> domain_reason(g_alg=[2.8, 0.5], g_hw=1.4).tolist()
    [0, 2]
    """
    arrs = np.broadcast_arrays(*[np.asarray(v, dtype=float) for v in (
        alpha, A, g_alg, g_hw, g_inv, g_inf, meek_budget_usd, sota_budget_usd,
        flop_per_usd, price_per_token_usd, switch_year, g_inv_after)])
    (alpha, A, g_alg, g_hw, g_inv, g_inf, mb, sb, fpu, ppt, ts, g2) = arrs
    positive = np.ones(alpha.shape, dtype=bool)
    for v in (alpha, A, g_alg, g_hw, g_inv, g_inf, mb, sb, fpu, ppt, g2):
        positive &= np.isfinite(v) & (v > 0)
    reason = np.zeros(alpha.shape, dtype=np.int8)
    with np.errstate(invalid="ignore"):
        rules = [
            (5, np.isnan(ts)),
            (4, ~((g2 >= 1) & (g2 <= g_inv))),
            (3, ~(g_inv > 1)),
            (2, ~(g_alg * g_hw > 1)),
            (1, ~positive),
        ]
    for code, bad in rules:  # later rules win: the most basic failure is reported
        reason = np.where(bad, np.int8(code), reason)
    return reason


# ----------------------------------------------------------------------------- loss and compute


def loss(log_c: ArrayLike, A: ArrayLike = PAPER["A"], alpha: ArrayLike = PAPER["alpha"],
         L0: ArrayLike = PAPER["L0"]) -> Array:
    """Compute-optimal loss L(C) = A * C**(-alpha) + L0, from ln C.

    Parameters
    ----------
    log_c : float or array
        Natural logarithm of training compute in FLOP.
    A, alpha, L0 : float or array
        Chinchilla fit (Hoffmann et al. 2022): 1070, 0.154, 1.7.

    Returns
    -------
    numpy.ndarray
        Loss in nats per token.

    Example
    -------
    >>> round(float(loss(np.log(1e20))), 4)
    2.59
    """
    return np.asarray(A) * np.exp(-np.asarray(alpha) * np.asarray(log_c)) + np.asarray(L0)


def log_compute_meek(t: ArrayLike, meek_budget_usd: ArrayLike, flop_per_usd: ArrayLike,
                     g_alg: ArrayLike, g_hw: ArrayLike) -> Array:
    """ln C_m(t) = ln(budget * flop_per_usd) + t ln(g_alg g_hw): fixed budget, shared progress.

    Example
    -------
    >>> float(np.exp(log_compute_meek(0.0, 1e3, 1e17, 2.8, 1.4)))  # doctest: +ELLIPSIS
    1.00000000000...e+20
    """
    return (np.log(meek_budget_usd) + np.log(flop_per_usd)
            + np.asarray(t, dtype=float) * (np.log(g_alg) + np.log(g_hw)))


def log_investment_growth(t: ArrayLike, g_inv: ArrayLike, switch_year: ArrayLike = math.inf,
                          g_inv_after: ArrayLike = 1.0) -> Array:
    """ln of the frontier budget's growth since t = 0 under an investment schedule.

    Growth is ``g_inv`` per year until ``switch_year``, then ``g_inv_after`` per year
    (1 = investment stops growing; ``switch_year = inf`` = constant growth for ever).

    Example
    -------
    >>> round(float(np.exp(log_investment_growth(7.0, 3.6, 5.0, 1.5))), 5)  # 3.6**5 * 1.5**2
    1360.48896
    """
    return _log_invest(t, np.log(g_inv), np.asarray(switch_year, dtype=float),
                       np.log(g_inv_after))


def _log_invest(t: ArrayLike, l1: ArrayLike, ts: Array, l2: ArrayLike) -> Array:
    """l1 min(t, ts) + l2 max(t - ts, 0), from the logs of the two growth factors."""
    t = np.asarray(t, dtype=float)
    if not np.isfinite(ts).any() and (ts > 0).all():  # constant growth: skip the piecewise work
        return t * l1
    return np.minimum(t, ts) * l1 + np.maximum(t - ts, 0.0) * l2  # inf switch -> 0 * l2


def log_compute_sota(t: ArrayLike, sota_budget_usd: ArrayLike, flop_per_usd: ArrayLike,
                     g_alg: ArrayLike, g_hw: ArrayLike, g_inv: ArrayLike,
                     switch_year: ArrayLike = math.inf, g_inv_after: ArrayLike = 1.0) -> Array:
    """ln C_s(t): the frontier's budget grows with the investment schedule, plus shared progress."""
    return (log_compute_meek(t, sota_budget_usd, flop_per_usd, g_alg, g_hw)
            + log_investment_growth(t, g_inv, switch_year, g_inv_after))


class Paths:
    """Both compute trajectories as affine-in-t logs, with every logarithm taken once.

    ln C_m(t) = cm0 + lm t and ln C_s(t) = cs0 + lm t + investment(t); iterative searches
    (bisection, golden section) evaluate these many times, so the parameter logs are cached here.
    """

    def __init__(self, meek_budget_usd: ArrayLike, sota_budget_usd: ArrayLike,
                 flop_per_usd: ArrayLike, g_alg: ArrayLike, g_hw: ArrayLike, g_inv: ArrayLike,
                 switch_year: ArrayLike = math.inf, g_inv_after: ArrayLike = 1.0) -> None:
        log_flop = np.log(flop_per_usd)
        self.cm0 = np.log(meek_budget_usd) + log_flop
        self.cs0 = np.log(sota_budget_usd) + log_flop
        self.lm = np.log(g_alg) + np.log(g_hw)
        self.l1 = np.log(g_inv)
        self.ts = np.asarray(switch_year, dtype=float)
        self.constant = bool(not np.isfinite(self.ts).any() and (self.ts > 0).all())
        self.l2 = np.log(g_inv_after)

    def log_cm(self, t: ArrayLike) -> Array:
        return self.cm0 + np.asarray(t, dtype=float) * self.lm

    def log_invest(self, t: ArrayLike) -> Array:
        return _log_invest(t, self.l1, self.ts, self.l2)

    def log_cs(self, t: ArrayLike) -> Array:
        return self.cs0 + np.asarray(t, dtype=float) * self.lm + self.log_invest(t)

    @classmethod
    def of(cls, p: dict[str, Any]) -> Paths:
        return cls(p["meek_budget_usd"], p["sota_budget_usd"], p["flop_per_usd"], p["g_alg"],
                   p["g_hw"], p["g_inv"], p.get("switch_year", math.inf),
                   p.get("g_inv_after", 1.0))


def loss_difference(log_c_behind: ArrayLike, log_c_ahead: ArrayLike, A: ArrayLike,
                    alpha: ArrayLike) -> Array:
    """L(C_behind) - L(C_ahead) = A C_behind^-alpha (1 - (C_ahead/C_behind)^-alpha), stably.

    L0 cancels; the expm1 form keeps precision when the two computes are close.
    """
    log_c_behind = np.asarray(log_c_behind, dtype=float)
    d = np.asarray(log_c_ahead, dtype=float) - log_c_behind
    alpha = np.asarray(alpha, dtype=float)
    return np.asarray(A) * np.exp(-alpha * log_c_behind) * -np.expm1(-alpha * d)


def loss_gap(t: ArrayLike, *, alpha: ArrayLike, A: ArrayLike, g_alg: ArrayLike, g_hw: ArrayLike,
             g_inv: ArrayLike, meek_budget_usd: ArrayLike, sota_budget_usd: ArrayLike,
             flop_per_usd: ArrayLike, switch_year: ArrayLike = math.inf,
             g_inv_after: ArrayLike = 1.0, **_ignored: Any) -> Array:
    """gap(t) = L(C_m(t)) - L(C_s(t)) in nats; positive while the frontier is ahead.

    Example
    -------
    >>> round(float(loss_gap(3.359, **PAPER)), 4)
    0.2118
    """
    _check_scalars(g_alg=g_alg, g_hw=g_hw, g_inv=g_inv, alpha=alpha, A=A,
                   meek_budget_usd=meek_budget_usd, sota_budget_usd=sota_budget_usd,
                   flop_per_usd=flop_per_usd)
    paths = Paths(meek_budget_usd, sota_budget_usd, flop_per_usd, g_alg, g_hw, g_inv,
                  switch_year, g_inv_after)
    return _gap(paths, t, A, alpha)


def _gap(paths: Paths, t: ArrayLike, A: ArrayLike, alpha: ArrayLike) -> Array:
    """Loss gap from cached paths: A C_m^-alpha (1 - (C_s/C_m)^-alpha)."""
    t = np.asarray(t, dtype=float)
    alpha = np.asarray(alpha, dtype=float)
    log_ratio = (paths.cs0 - paths.cm0) + paths.log_invest(t)
    return np.asarray(A) * np.exp(-alpha * paths.log_cm(t)) * -np.expm1(-alpha * log_ratio)


# ----------------------------------------------------------------------------- peak and inflection


def _rates(g_alg: ArrayLike, g_hw: ArrayLike, g_inv: ArrayLike, g_inv_after: ArrayLike,
           meek_budget_usd: ArrayLike, sota_budget_usd: ArrayLike,
           switch_year: ArrayLike) -> tuple[Array, ...]:
    """lm, l1, l2, ln R, ts and ln R' (the budget ratio carried into the post-switch segment)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        lm = np.log(np.asarray(g_alg, dtype=float) * np.asarray(g_hw, dtype=float))
        l1 = np.log(np.asarray(g_inv, dtype=float))
        l2 = np.log(np.asarray(g_inv_after, dtype=float))
        log_r = np.log(np.asarray(sota_budget_usd, dtype=float)) - np.log(
            np.asarray(meek_budget_usd, dtype=float))
        ts = np.asarray(switch_year, dtype=float)
        # on the post-switch segment ln C_s = ln C_s0 + (l1 - l2) ts + (lm + l2) t
        log_r2 = log_r + np.where(np.isfinite(ts), (l1 - l2) * np.where(np.isfinite(ts), ts, 0), 0)
    return lm, l1, l2, log_r, ts, log_r2


def _critical_time(order: int, lm: Array, li: Array, log_r: Array, alpha: Array) -> Array:
    """Zero of the order-th derivative of A(e^{-a(c+lm t)} - e^{-a(c+ln R+(lm+li) t)}).

    d^k/dt^k gap = 0  <=>  k ln((lm+li)/lm) = alpha (ln R + li t), so
    t = [k ln(1 + li/lm) - alpha ln R] / (alpha li). Requires li > 0, lm > 0.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        return (order * np.log1p(li / lm) - alpha * log_r) / (alpha * li)


def _piecewise_critical(order: int, *, alpha: ArrayLike, g_alg: ArrayLike, g_hw: ArrayLike,
                        g_inv: ArrayLike, meek_budget_usd: ArrayLike, sota_budget_usd: ArrayLike,
                        switch_year: ArrayLike, g_inv_after: ArrayLike) -> Array:
    """t_peak (order 1) or t_inflection (order 2) under the piecewise schedule."""
    _check_scalars(alpha=alpha, g_alg=g_alg, g_hw=g_hw, g_inv=g_inv, g_inv_after=g_inv_after,
                   meek_budget_usd=meek_budget_usd, sota_budget_usd=sota_budget_usd,
                   switch_year=switch_year)
    lm, l1, l2, log_r, ts, log_r2 = _rates(g_alg, g_hw, g_inv, g_inv_after, meek_budget_usd,
                                           sota_budget_usd, switch_year)
    alpha = np.asarray(alpha, dtype=float)
    t1 = _critical_time(order, lm, l1, log_r, alpha)
    with np.errstate(invalid="ignore", divide="ignore"):
        t2 = np.where(l2 > 0, _critical_time(order, lm, l2, log_r2, alpha), -np.inf)
        out = np.where(t1 <= ts, t1, np.maximum(t2, ts))
        # investment stops while the frontier is still behind (R' <= 1): after ts the gap is
        # negative and rises towards 0 for ever, so it has neither a maximum nor an inflection
        out = np.where((t1 > ts) & (l2 == 0) & (log_r2 <= 0), np.nan, out)
    reason = domain_reason(alpha=alpha, g_alg=g_alg, g_hw=g_hw, g_inv=g_inv,
                           meek_budget_usd=meek_budget_usd, sota_budget_usd=sota_budget_usd,
                           switch_year=switch_year, g_inv_after=g_inv_after)
    return np.where(reason == 0, out, np.nan)


def t_peak(*, alpha: ArrayLike, g_alg: ArrayLike, g_hw: ArrayLike, g_inv: ArrayLike,
           meek_budget_usd: ArrayLike = 1.0, sota_budget_usd: ArrayLike = 1.0,
           switch_year: ArrayLike = math.inf, g_inv_after: ArrayLike = 1.0,
           **_ignored: Any) -> Array:
    """Time (years) at which the loss gap peaks; closed form, exact under every schedule.

    With lm = ln(g_alg g_hw), li = ln g_inv, ls = lm + li and R = C_s0 / C_m0,

        t_peak = [ln(ls/lm) - alpha ln R] / (alpha li).

    The gap's derivative is alpha A (ls e^{-alpha ln C_s} - lm e^{-alpha ln C_m}), positive
    before t_peak and negative after, so this is the unique maximum over the real line.
    It does not depend on A, L0 or, for R = 1, on C0. Negative values mean the gap is already
    shrinking at t = 0.

    With a switch year ts (growth g_inv until ts, then g_inv_after = g2 in [1, g_inv]) the
    gap is unimodal on each segment and its slope drops at ts, so: if the first-segment peak
    t1 <= ts it is the peak; otherwise the peak is max(t2, ts), where t2 is the same formula
    with li = ln g2 and ln R replaced by ln R + (li - ln g2) ts (t2 = -inf when g2 = 1, when
    the gap only falls after ts). Still closed form, no numerics. One case has no peak: growth
    stops (g2 = 1) while the frontier is still behind (R' <= 1); the gap then stays negative and
    creeps up to 0 for ever, and NaN is returned.

    Parameters
    ----------
    alpha, g_alg, g_hw, g_inv : float or array
    meek_budget_usd, sota_budget_usd : float or array
        Starting budgets; only their ratio R matters.
    switch_year, g_inv_after : float or array
        Investment schedule (inf = constant growth).

    Returns
    -------
    numpy.ndarray
        t_peak in years from t = 0; NaN outside the domain (see :func:`domain_reason`) and
        where the gap has no maximum (see above).

    Example
    -------
    >>> round(float(t_peak(**PAPER)), 3)
    3.359
    """
    return _piecewise_critical(1, alpha=alpha, g_alg=g_alg, g_hw=g_hw, g_inv=g_inv,
                               meek_budget_usd=meek_budget_usd, sota_budget_usd=sota_budget_usd,
                               switch_year=switch_year, g_inv_after=g_inv_after)


def t_inflection(*, alpha: ArrayLike, g_alg: ArrayLike, g_hw: ArrayLike, g_inv: ArrayLike,
                 meek_budget_usd: ArrayLike = 1.0, sota_budget_usd: ArrayLike = 1.0,
                 switch_year: ArrayLike = math.inf, g_inv_after: ArrayLike = 1.0,
                 **_ignored: Any) -> Array:
    """The gap's true inflection (second derivative zero, concave to convex); closed form.

    The k-th derivative of the gap vanishes where k ln(ls/lm) = alpha (ln R + li t), so

        t_inflection = [2 ln(ls/lm) - alpha ln R] / (alpha li)
                     = t_peak + ln(ls/lm) / (alpha li),

    later than the peak by ln(ls/lm)/(alpha li) years (the paper's "inflection point" is the
    peak). Under a switch year the same piecewise rule as :func:`t_peak` applies; when the
    curvature changes sign at the kink itself (concave just before ts, convex just after) the
    inflection is reported at ts.

    Example
    -------
    >>> round(float(t_inflection(**PAPER)), 3)
    6.718
    """
    return _piecewise_critical(2, alpha=alpha, g_alg=g_alg, g_hw=g_hw, g_inv=g_inv,
                               meek_budget_usd=meek_budget_usd, sota_budget_usd=sota_budget_usd,
                               switch_year=switch_year, g_inv_after=g_inv_after)


def peak_gap(*, alpha: ArrayLike, A: ArrayLike, g_alg: ArrayLike, g_hw: ArrayLike,
             g_inv: ArrayLike, meek_budget_usd: ArrayLike, sota_budget_usd: ArrayLike,
             flop_per_usd: ArrayLike, switch_year: ArrayLike = math.inf,
             g_inv_after: ArrayLike = 1.0, t_min: ArrayLike = -np.inf, **_ignored: Any) -> Array:
    """Largest loss gap (nats) at t >= t_min: the gap at max(t_peak, t_min).

    Without a switch, gap(t_peak) = A C_m(t_peak)^-alpha * ln(g_inv) / ln(g_alg g_hw g_inv):
    at the peak C_s^-alpha = (lm/ls) C_m^-alpha. Because the gap is unimodal, its maximum
    over t >= t_min is at max(t_peak, t_min); pass ``t_min=0`` for the largest future gap.

    Example
    -------
    >>> round(float(peak_gap(**PAPER)), 4)
    0.2118
    """
    params = dict(alpha=alpha, A=A, g_alg=g_alg, g_hw=g_hw, g_inv=g_inv,
                  meek_budget_usd=meek_budget_usd, sota_budget_usd=sota_budget_usd,
                  flop_per_usd=flop_per_usd, switch_year=switch_year, g_inv_after=g_inv_after)
    _check_scalars(**params)
    tp = np.maximum(t_peak(**params), t_min)
    return loss_gap(tp, **params)


def t_below(threshold: ArrayLike, *, horizon: float = math.inf, alpha: ArrayLike,
            A: ArrayLike, g_alg: ArrayLike, g_hw: ArrayLike, g_inv: ArrayLike,
            meek_budget_usd: ArrayLike, sota_budget_usd: ArrayLike, flop_per_usd: ArrayLike,
            switch_year: ArrayLike = math.inf, g_inv_after: ArrayLike = 1.0,
            iterations: int = 60, **_ignored: Any) -> Array:
    """Time after the peak at which the loss gap falls back to ``threshold`` nats.

    The gap is strictly decreasing after t_peak (under every allowed schedule) and tends to 0,
    and gap(t) < A C_m(t)^-alpha, so the crossing lies in [t_peak, t_hi] with
    A C_m(t_hi)^-alpha = threshold. No closed form exists (a sum of two exponentials), so it is
    found by vectorised Newton iteration on ln gap, safeguarded by bisection of that bracket, to a
    step below 1e-12 of |t| (at most ``iterations`` steps; each scenario freezes when it gets there
    and never moves again).

    Returns
    -------
    numpy.ndarray
        Crossing time in years (may be negative when t_peak is); NaN where the peak gap never
        exceeds the threshold, where the crossing lies beyond ``horizon``, or outside the
        domain.

    Example
    -------
    >>> round(float(t_below(0.1, **PAPER)), 3)
    9.607
    """
    params = dict(alpha=alpha, A=A, g_alg=g_alg, g_hw=g_hw, g_inv=g_inv,
                  meek_budget_usd=meek_budget_usd, sota_budget_usd=sota_budget_usd,
                  flop_per_usd=flop_per_usd, switch_year=switch_year, g_inv_after=g_inv_after)
    _check_scalars(**params)
    if np.ndim(threshold) == 0 and not float(threshold) > 0:
        raise ValueError(f"threshold={threshold!r} must be > 0")
    with np.errstate(over="ignore", invalid="ignore"):
        return _t_below(np.asarray(threshold, dtype=float), horizon, iterations, params)


def _t_below(thr: Array, horizon: float, iterations: int, params: dict[str, Any]) -> Array:
    # a peak far in the past can overflow the gap there; inf still compares correctly
    tp = t_peak(**params)
    paths = Paths.of(params)
    A, alpha = params["A"], params["alpha"]
    gp = _gap(paths, tp, A, alpha)
    with np.errstate(invalid="ignore", divide="ignore"):
        t_hi = (np.log(np.asarray(A, dtype=float) / thr) / np.asarray(alpha)
                - paths.cm0) / paths.lm
        ok = (gp > thr) & np.isfinite(tp)
        lo = np.where(ok, tp, 0.0)
        hi = np.where(ok, np.maximum(t_hi, tp), 1.0)
    lo, hi = (x.copy() for x in np.broadcast_arrays(lo, hi))
    alpha = np.asarray(alpha, dtype=float)
    log_thr = np.log(thr)
    x = hi.copy()
    done = ~ok
    for _ in range(iterations):
        # Newton on h(t) = ln gap(t) - ln thr, safeguarded by the bracket [lo, hi] that bisection
        # keeps; each scenario freezes once its step is at rounding level, so its answer never
        # depends on which other scenarios share the array.
        log_ratio = (paths.cs0 - paths.cm0) + paths.log_invest(x)
        em = np.asarray(A) * np.exp(-alpha * paths.log_cm(x))
        shrink = np.exp(-alpha * log_ratio)
        gap = em * -np.expm1(-alpha * log_ratio)
        rate = paths.lm + (paths.l1 if paths.constant else np.where(x < paths.ts, paths.l1,
                                                                        paths.l2))
        dgap = alpha * em * (rate * shrink - paths.lm)
        h = np.log(np.where(gap > 0, gap, np.inf)) - log_thr  # gap <= 0 counts as below
        h = np.where(gap > 0, h, -np.inf)
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
    out = x
    return np.where(ok & (out <= horizon), out, np.nan)


# ----------------------------------------------------------------------------- inference


def log_compute_inference(t: ArrayLike, *, flop_per_usd: ArrayLike,
                          price_per_token_usd: ArrayLike, g_hw: ArrayLike, g_inf: ArrayLike,
                          g_alg: ArrayLike, **_ignored: Any) -> Array:
    """ln C_inf(t): effective training compute of the best model a fixed token price buys.

    C_inf(t) = (c0 (g_hw g_inf)^t)^2 g_alg^t with c0 = flop_per_usd * price_per_token_usd FLOP per
    token (Chinchilla-optimal training compute scales as the square of FLOP per token).
    """
    t = np.asarray(t, dtype=float)
    log_c0 = np.log(flop_per_usd) + np.log(price_per_token_usd)
    return 2.0 * log_c0 + t * (2.0 * (np.log(g_hw) + np.log(g_inf)) + np.log(g_alg))


def inference_gap(t: ArrayLike, *, alpha: ArrayLike, A: ArrayLike, g_alg: ArrayLike,
                  g_hw: ArrayLike, g_inv: ArrayLike, g_inf: ArrayLike,
                  sota_budget_usd: ArrayLike, flop_per_usd: ArrayLike,
                  price_per_token_usd: ArrayLike, switch_year: ArrayLike = math.inf,
                  g_inv_after: ArrayLike = 1.0, **_ignored: Any) -> Array:
    """max(L(C_inf(t)) - L(C_s(t)), 0) in nats: how far a fixed-price user trails the frontier."""
    _check_scalars(alpha=alpha, A=A, g_alg=g_alg, g_hw=g_hw, g_inv=g_inv, g_inf=g_inf,
                   sota_budget_usd=sota_budget_usd, flop_per_usd=flop_per_usd,
                   price_per_token_usd=price_per_token_usd)
    li = log_compute_inference(t, flop_per_usd=flop_per_usd,
                               price_per_token_usd=price_per_token_usd, g_hw=g_hw, g_inf=g_inf,
                               g_alg=g_alg)
    ls = log_compute_sota(t, sota_budget_usd, flop_per_usd, g_alg, g_hw, g_inv, switch_year,
                          g_inv_after)
    return np.maximum(loss_difference(li, ls, A, alpha), 0.0)


def inference_benchmark_gap(t: ArrayLike, *, steps: ArrayLike = 1, alpha: ArrayLike,
                            A: ArrayLike, L0: ArrayLike, g_alg: ArrayLike, g_hw: ArrayLike,
                            g_inv: ArrayLike, g_inf: ArrayLike, sota_budget_usd: ArrayLike,
                            flop_per_usd: ArrayLike, price_per_token_usd: ArrayLike,
                            switch_year: ArrayLike = math.inf, g_inv_after: ArrayLike = 1.0,
                            **_ignored: Any) -> Array:
    """max(perf(L_sota)^p - perf(L_inf)^p, 0) in percentage points: the benchmark points a user
    at a fixed price per token trails the frontier by."""
    li = log_compute_inference(t, flop_per_usd=flop_per_usd,
                               price_per_token_usd=price_per_token_usd, g_hw=g_hw, g_inf=g_inf,
                               g_alg=g_alg)
    ls = log_compute_sota(t, sota_budget_usd, flop_per_usd, g_alg, g_hw, g_inv, switch_year,
                          g_inv_after)
    return np.maximum(100.0 * (benchmark_score(loss(ls, A, alpha, L0), steps)
                               - benchmark_score(loss(li, A, alpha, L0), steps)), 0.0)


def t_inference_catchup(*, g_alg: ArrayLike, g_hw: ArrayLike, g_inv: ArrayLike,
                        g_inf: ArrayLike, sota_budget_usd: ArrayLike, flop_per_usd: ArrayLike,
                        price_per_token_usd: ArrayLike, switch_year: ArrayLike = math.inf,
                        g_inv_after: ArrayLike = 1.0, **_ignored: Any) -> Array:
    """Earliest t >= 0 from which the inference gap stays zero; closed form.

    d(t) = ln C_inf(t) - ln C_s(t) is linear with slope k = ln g_hw + 2 ln g_inf - ln g_inv and
    d(0) = 2 ln c0 - ln C_s0, so without a switch the gap closes at

        t = (ln C_s0 - 2 ln c0) / (ln g_hw + 2 ln g_inf - ln g_inv)

    (about 1.33 years at g_inf = 9 and 4.10 at 2.8 in the authors' setting). With a switch year
    d is piecewise linear and convex (its slope rises by ln g_inv - ln g_inv_after at ts), so
    the last zero is found on the segment where d(ts) says it lies.

    Returns
    -------
    numpy.ndarray
        Years; 0 where the user is level already and stays so; NaN where the frontier pulls
        away for ever (final slope < 0, or = 0 with a remaining gap) or outside the domain.

    Example
    -------
    >>> round(float(t_inference_catchup(**PAPER)), 3)
    1.332
    """
    _check_scalars(g_alg=g_alg, g_hw=g_hw, g_inv=g_inv, g_inf=g_inf, g_inv_after=g_inv_after,
                   sota_budget_usd=sota_budget_usd, flop_per_usd=flop_per_usd,
                   price_per_token_usd=price_per_token_usd, switch_year=switch_year)
    d0 = (2.0 * (np.log(flop_per_usd) + np.log(price_per_token_usd))
          - np.log(sota_budget_usd) - np.log(flop_per_usd))
    base = np.log(g_hw) + 2.0 * np.log(g_inf)
    k1 = base - np.log(g_inv)
    k2 = base - np.log(g_inv_after)
    ts = np.asarray(switch_year, dtype=float)
    finite_ts = np.isfinite(ts)
    ts_f = np.where(finite_ts, ts, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        # constant schedule (or the pre-switch segment extended for ever)
        root1 = -d0 / k1
        const = np.where(k1 > 0, np.maximum(root1, 0.0), np.where((k1 == 0) & (d0 >= 0), 0.0,
                                                                   np.nan))
        d_ts = d0 + k1 * ts_f
        # switch: if d(ts) >= 0 the last zero is on segment 1 (or d >= 0 throughout it)
        seg1 = np.where(k1 > 0, np.maximum(root1, 0.0), 0.0)
        seg2 = ts_f - d_ts / k2
        sw = np.where(k2 < 0, np.nan,
                      np.where(k2 == 0, np.where(d_ts >= 0, seg1, np.nan),
                               np.where(d_ts >= 0, seg1, np.maximum(seg2, 0.0))))
        out = np.where(finite_ts, sw, const)
    reason = domain_reason(g_alg=g_alg, g_hw=g_hw, g_inv=g_inv, g_inf=g_inf,
                           sota_budget_usd=sota_budget_usd, flop_per_usd=flop_per_usd,
                           price_per_token_usd=price_per_token_usd, switch_year=switch_year,
                           g_inv_after=g_inv_after)
    return np.where(reason == 0, out, np.nan)


# ----------------------------------------------------------------------------- capability


def benchmark_score(loss_nats: ArrayLike, steps: ArrayLike = 1) -> Array:
    """MMLU fraction correct from loss (authors' sigmoid), raised to ``steps`` for p-step tasks.

    perf(L) = 0.5567 / (1 + exp(23.775 (L - 1.9739))) + 0.2540; floor 0.254, ceiling 0.81.

    Example
    -------
    >>> round(float(benchmark_score(1.9739)), 5)
    0.53235
    """
    half_z = (0.5 * SIGMOID_SLOPE) * (np.asarray(loss_nats, dtype=float) - SIGMOID_MIDPOINT)
    # 1/(1+e^z) = (1 - tanh(z/2))/2: no overflow for any z, one transcendental call
    score = (0.5 * SIGMOID_CEILING_SPAN) * (1.0 - np.tanh(half_z)) + SIGMOID_FLOOR
    steps = np.asarray(steps)
    if steps.ndim == 0 and steps == 1:
        return score
    return score ** steps


def benchmark_gap(t: ArrayLike, *, steps: ArrayLike = 1, alpha: ArrayLike, A: ArrayLike,
                  L0: ArrayLike, g_alg: ArrayLike, g_hw: ArrayLike, g_inv: ArrayLike,
                  meek_budget_usd: ArrayLike, sota_budget_usd: ArrayLike,
                  flop_per_usd: ArrayLike, switch_year: ArrayLike = math.inf,
                  g_inv_after: ArrayLike = 1.0, **_ignored: Any) -> Array:
    """perf(L_sota)^p - perf(L_meek)^p in percentage points."""
    _check_scalars(alpha=alpha, A=A, g_alg=g_alg, g_hw=g_hw, g_inv=g_inv,
                   meek_budget_usd=meek_budget_usd, sota_budget_usd=sota_budget_usd,
                   flop_per_usd=flop_per_usd)
    paths = Paths(meek_budget_usd, sota_budget_usd, flop_per_usd, g_alg, g_hw, g_inv,
                  switch_year, g_inv_after)
    return _benchmark_gap(paths, t, steps, A, alpha, L0)


def _benchmark_gap(paths: Paths, t: ArrayLike, steps: ArrayLike, A: ArrayLike,
                   alpha: ArrayLike, L0: ArrayLike) -> Array:
    return 100.0 * (benchmark_score(loss(paths.log_cs(t), A, alpha, L0), steps)
                    - benchmark_score(loss(paths.log_cm(t), A, alpha, L0), steps))


def benchmark_peak(*, horizon: float, steps: ArrayLike = 1, grid_points: int = 401,
                   iterations: int = 60, **params: ArrayLike) -> tuple[Array, Array]:
    """Peak of the benchmark gap over [0, horizon] and its time, numerically.

    The sigmoid of loss has no closed-form peak, so the gap is evaluated on a uniform grid of
    ``grid_points`` over [0, horizon] and the best grid point is refined by golden-section search
    on its two neighbouring intervals (``iterations`` steps shrink the bracket by 0.618 each).

    Returns
    -------
    (peak, t_of_peak) : tuple of numpy.ndarray
        Peak in percentage points and its time in years, shaped like the broadcast parameters.

    Example
    -------
    >>> peak, when = benchmark_peak(horizon=20.0, **PAPER)
    >>> round(float(peak), 2), round(float(when), 2)
    (47.01, 4.03)
    """
    if not (math.isfinite(horizon) and horizon > 0):
        raise ValueError(f"horizon={horizon!r} must be a finite number > 0")
    grid = np.linspace(0.0, horizon, grid_points)
    _check_scalars(**{k: v for k, v in params.items() if k != "L0"})
    flat = {k: np.asarray(v, dtype=float) for k, v in params.items()}
    col = {k: v[..., None] for k, v in flat.items()}
    steps0 = np.asarray(steps, dtype=float)
    steps_col = steps0 if steps0.ndim == 0 else steps0[..., None]
    values = _benchmark_gap(Paths.of(col), grid, steps_col, col["A"], col["alpha"], col["L0"])
    idx = np.argmax(np.where(np.isnan(values), -np.inf, values), axis=-1)
    dt = grid[1] - grid[0]
    a = np.clip(grid[idx] - dt, 0.0, horizon)
    b = np.clip(grid[idx] + dt, 0.0, horizon)
    paths = Paths.of(flat)

    def f(x: Array) -> Array:
        return _benchmark_gap(paths, x, steps0, flat["A"], flat["alpha"], flat["L0"])

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
    # keep the grid maximum if it beats the refined point (e.g. at the interval ends)
    grid_best = np.take_along_axis(values, idx[..., None], axis=-1)[..., 0]
    refined = f(t_best)
    use_grid = ~(refined >= grid_best)
    peak = np.where(use_grid, grid_best, refined)
    when = np.where(use_grid, grid[idx], t_best)
    bad = np.isnan(grid_best)
    return np.where(bad, np.nan, peak), np.where(bad, np.nan, when)


# ----------------------------------------------------------------------------- distinguishability


def sprt_tokens(gap_nats: ArrayLike, *, false_alarm: float = 0.05, miss: float = 0.05,
                slowdown: ArrayLike = 1.0) -> Array:
    """Expected tokens for Wald's SPRT to tell the two models apart.

    On true text the expected per-token log-likelihood ratio of the two models is the loss
    difference, so E[N] = slowdown * [(1-b) ln((1-b)/a) + b ln(b/(1-a))] / gap
    (about 2.65 / gap for a = b = 0.05).

    Returns
    -------
    numpy.ndarray
        Tokens; inf where the gap is <= 0 (the models cannot be told apart this way).

    Example
    -------
    >>> round(float(sprt_tokens(1.0)), 4)
    2.65
    """
    a, b = float(false_alarm), float(miss)
    if not (0 < a < 1 and 0 < b < 1 and a + b < 1):
        raise ValueError(f"false_alarm={false_alarm!r}, miss={miss!r}: each must be in (0, 1) "
                         "with a sum below 1")
    numerator = (1 - b) * math.log((1 - b) / a) + b * math.log(b / (1 - a))
    gap = np.asarray(gap_nats, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(gap > 0, np.asarray(slowdown) * numerator / np.where(gap > 0, gap, 1.0),
                        np.where(np.isnan(gap), np.nan, np.inf))
