"""Compute trajectories in log space: the meek actor, the frontier and the inference user.

All three are piecewise linear in t (natural logs of FLOP):

    meek      m(t) = ln(B_m f) + ln g_alg * a(t) + ln g_hw * h(t) + b(t)
    frontier  s(t) = ln(B_s f) + ln(g_alg g_hw) t + ln g_inv min(t, ts) + ln g_inv' max(t - ts, 0)
    inference i(t) = 2 ln(f p) + ln m + k t

where b(t) = t ln g_meek is the growth of the meek actor's budget B_m g_meek^t (g_meek =
meek_growth; the paper's fixed budget is g_meek = 1, b = 0),

with f = FLOP per dollar, p = price per token, m the inference compute multiplier (C_inf = m c^2,
the paper's m = 1), and the policy levers acting on the meek actor
from t = 0 on: a(t) = t before 0 and max(t - L, 0) after (diffusion lag L), h(t) = t before 0
and (1 - e) t after (export controls e). Before t = 0 every path continues its t = 0 growth
backwards, so a negative t_peak reads "the peak is already past".

The inference slope k depends on how inference progress is counted (docs/MODEL.md section 5):
``paper`` k = 2 (ln g_hw + ln g_inf) + ln g_alg, the authors' form; ``price_decline``
k = 2 ln g_inf, where g_inf is read as the whole price decline at constant capability, which
already contains hardware and algorithmic progress.

The breakpoints of the meek and frontier paths are 0, L and ts; :meth:`Paths.segments` hands out
the (at most four) pieces between them with their slopes, which every closed form walks through.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from engine.model.params import Array, Params

#: d ln C_inf / dt from (ln g_alg, ln g_hw, ln g_inf), for each inference form.
INFERENCE_SLOPES = {
    "paper": lambda la, lh, lf: 2.0 * (lh + lf) + la,
    "price_decline": lambda la, lh, lf: 2.0 * lf,
}


@dataclass(frozen=True)
class Segment:
    """One piece [lo, hi) of the paths: m(t) = m0 + a (t - t0), s(t) - m(t) = d0 + r (t - t0)."""

    lo: Array
    hi: Array
    t0: Array      # anchor (a finite point of the piece's closure)
    m0: Array      # meek ln compute at t0
    d0: Array      # frontier lead at t0
    a: Array       # meek slope
    r: Array       # slope of the lead (frontier slope minus meek slope)

    @property
    def empty(self) -> Array:
        return ~(self.lo < self.hi)


class Paths:
    """The three log-compute paths of one parameter set (arrays broadcast), logs taken once.

    Example
    -------
    >>> from engine.model.params import PAPER
    >>> paths = Paths(PAPER)
    >>> float(np.exp(paths.meek(0.0)))  # doctest: +ELLIPSIS
    1.0000000000000...e+20
    >>> round(float(paths.frontier(1.0) - paths.meek(1.0)), 6)  # ln g_inv
    1.272966
    """

    def __init__(self, p: Params, inference: str = "paper") -> None:
        q = p.arrays()
        lf = np.log(q.flop_per_usd)
        self.cm0 = np.log(q.meek_budget_usd) + lf
        self.cs0 = np.log(q.sota_budget_usd) + lf
        self.lr0 = np.log(q.sota_budget_usd) - np.log(q.meek_budget_usd)  # ln R
        self.la, self.lh = np.log(q.g_alg), np.log(q.g_hw)
        self.l1, self.l2 = np.log(q.g_inv), np.log(q.g_inv_after)
        self.ts = q.switch_year
        self.e, self.lag = q.export_control_strength, q.diffusion_lag_years
        self.lg = np.log(q.meek_growth)  # ln g_meek: the meek budget's growth
        self.ci0 = 2.0 * (lf + np.log(q.price_per_token_usd)) + np.log(
            q.inference_compute_multiplier)
        self.ki = INFERENCE_SLOPES[inference](self.la, self.lh, np.log(q.g_inf))
        self.switches = bool(np.any(np.isfinite(self.ts)))
        self.policy = bool(np.any(self.e != 0) or np.any(self.lag != 0))
        self.growth = bool(np.any(self.lg != 0))

    # ------------------------------------------------------------------------- paths

    def alg_years(self, t: ArrayLike) -> Array:
        """a(t): years of algorithmic progress the meek actor has at t (lag after t = 0)."""
        t = np.asarray(t, dtype=float)
        if not self.policy:
            return t
        return np.where(t < 0, t, np.maximum(t - self.lag, 0.0))

    def hw_years(self, t: ArrayLike) -> Array:
        """h(t): years of hardware progress the meek actor has at t (slower after t = 0)."""
        t = np.asarray(t, dtype=float)
        if not self.policy:
            return t
        return np.where(t < 0, t, (1.0 - self.e) * t)

    def meek_budget(self, t: ArrayLike) -> Array:
        """b(t) = t ln g_meek: ln of the meek budget's growth since t = 0."""
        return np.asarray(t, dtype=float) * self.lg

    def meek(self, t: ArrayLike) -> Array:
        """ln C_m(t), effective training compute of the meek actor."""
        m = self.cm0 + self.la * self.alg_years(t) + self.lh * self.hw_years(t)
        return m + self.meek_budget(t) if self.growth else m

    def meek_physical(self, t: ArrayLike) -> Array:
        """ln of the meek actor's physical compute: its budget at that year's FLOP per dollar."""
        m = self.cm0 + self.lh * self.hw_years(t)
        return m + self.meek_budget(t) if self.growth else m

    def invest(self, t: ArrayLike) -> Array:
        """ln of the frontier budget's growth since t = 0."""
        t = np.asarray(t, dtype=float)
        if not self.switches:
            return t * self.l1
        return np.minimum(t, self.ts) * self.l1 + np.maximum(t - self.ts, 0.0) * self.l2

    def frontier(self, t: ArrayLike) -> Array:
        """ln C_s(t), effective training compute of the frontier."""
        t = np.asarray(t, dtype=float)
        return self.cs0 + (self.la + self.lh) * t + self.invest(t)

    def lead(self, t: ArrayLike) -> Array:
        """s(t) - m(t): the frontier's lead in ln compute, without cancellation."""
        t = np.asarray(t, dtype=float)
        inv = self.invest(t) - self.meek_budget(t) if self.growth else self.invest(t)
        if not self.policy:
            return self.lr0 + inv
        return (self.lr0 + inv + self.la * (t - self.alg_years(t))
                + self.lh * (t - self.hw_years(t)))

    def inference(self, t: ArrayLike) -> Array:
        """ln C_inf(t): effective training compute of the best model a fixed token price buys."""
        return self.ci0 + self.ki * np.asarray(t, dtype=float)

    # ------------------------------------------------------------------------- slopes

    def meek_rate(self, t: ArrayLike) -> Array:
        """d ln C_m / dt just after t."""
        t = np.asarray(t, dtype=float)
        if not self.policy:
            rate = np.broadcast_to(self.la + self.lh, np.broadcast(t, self.la).shape)
        else:
            alg = np.where((t < 0) | (t >= self.lag), self.la, 0.0)
            hw = np.where(t < 0, self.lh, (1.0 - self.e) * self.lh)
            rate = alg + hw
        return rate + self.lg if self.growth else rate

    def lead_rate(self, t: ArrayLike) -> Array:
        """d(s - m)/dt just after t, without cancellation."""
        t = np.asarray(t, dtype=float)
        inv = self.l1 if not self.switches else np.where(t < self.ts, self.l1, self.l2)
        if self.growth:
            inv = inv - self.lg
        if not self.policy:
            return np.broadcast_to(inv, np.broadcast(t, self.la, inv).shape)
        late = t >= 0
        return (inv + np.where(late & (t < self.lag), self.la, 0.0)
                + np.where(late, self.e * self.lh, 0.0))

    def frontier_rate(self, t: ArrayLike) -> Array:
        """d ln C_s / dt just after t."""
        t = np.asarray(t, dtype=float)
        if not self.switches:
            return np.broadcast_to(self.la + self.lh + self.l1,
                                   np.broadcast(t, self.la).shape)
        return self.la + self.lh + np.where(t < self.ts, self.l1, self.l2)

    # ------------------------------------------------------------------------- pieces

    def breakpoints(self) -> Array:
        """Sorted breakpoints (..., 3): 0, the end of the lag and the switch year (inf if none)."""
        zero = np.zeros(np.broadcast(self.lag, self.ts, self.la).shape)
        lag = zero + (self.lag if self.policy else 0.0)
        ts = zero + self.ts
        return np.sort(np.stack([zero, lag, ts], axis=-1), axis=-1)

    def segments(self) -> Iterator[Segment]:
        """The four pieces (-inf, b1), [b1, b2), [b2, b3), [b3, inf); empty ones have lo = hi."""
        b = self.breakpoints()
        edges = [np.full(b.shape[:-1], -np.inf), b[..., 0], b[..., 1], b[..., 2],
                 np.full(b.shape[:-1], np.inf)]
        for lo, hi in zip(edges[:-1], edges[1:], strict=True):
            with np.errstate(invalid="ignore"):
                inside = np.where(np.isinf(lo), hi - 1.0,
                                  np.where(np.isinf(hi), lo + 1.0, 0.5 * (lo + hi)))
                t0 = np.where(np.isfinite(lo), lo, np.where(np.isfinite(hi), hi, 0.0))
            inside = np.where(np.isfinite(inside), inside, t0)
            yield Segment(lo, hi, t0, self.meek(t0), self.lead(t0), self.meek_rate(inside),
                          self.lead_rate(inside))
