"""Restricting a continuous distribution to a window, and refusing windows with no mass."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from engine.priors.base import Array, PriorError

#: Smallest probability a truncation window must hold: below it, inverse-CDF rescaling collapses
#: every draw onto one bound.
MIN_MASS = 1e-9


def require_mass(name: str, frozen: Any, low: float, high: float, what: str) -> None:
    mass = float(frozen.cdf(high)) - float(frozen.cdf(low))
    if not mass > MIN_MASS:
        raise PriorError(f"priors.{name}: the window [low={low:g}, high={high:g}] holds "
                         f"{mass:.3g} of the probability of {what}; widen it or move the "
                         "distribution")


class Truncated:
    """A continuous scipy distribution restricted to [low, high], by inverse-CDF rescaling."""

    def __init__(self, frozen: Any, low: float, high: float) -> None:
        self.frozen, self.low, self.high = frozen, low, high
        self.f_low, self.f_high = float(frozen.cdf(low)), float(frozen.cdf(high))

    def ppf(self, u: ArrayLike) -> Array:
        x = self.frozen.ppf(self.f_low + np.asarray(u) * (self.f_high - self.f_low))
        return np.clip(x, self.low, self.high)

    def cdf(self, x: ArrayLike) -> Array:
        c = (self.frozen.cdf(x) - self.f_low) / (self.f_high - self.f_low)
        return np.clip(c, 0.0, 1.0)

    def support(self) -> tuple[float, float]:
        return self.low, self.high
