"""Log-uniform between two positive bounds, or from a 90% interval."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from engine.priors.base import Array, PriorError, number, ordered, pair, positive
from engine.priors.scalar import ScalarPrior


class LogUniform(ScalarPrior):
    """``{dist: loguniform, low: a, high: b}`` or ``{dist: loguniform, ci90: [q05, q95]}``."""

    dist = "loguniform"
    optional = frozenset({"low", "high", "ci90"})

    @classmethod
    def build(cls, name: str, spec: Mapping[str, Any]) -> LogUniform:
        keys = set(spec) - {"dist"}
        if ("ci90" in keys) == bool({"low", "high"} & keys):
            raise PriorError(f"priors.{name}: loguniform takes either low and high or ci90, "
                             f"got {sorted(keys)!r}")
        if "ci90" in keys:
            q05, q95 = pair(name, "ci90", spec["ci90"])
            positive(name, "ci90", q05)
            width = (math.log(q95) - math.log(q05)) / 0.9
            lo, hi = math.exp(math.log(q05) - 0.05 * width), math.exp(math.log(q95) + 0.05 * width)
        else:
            if keys != {"low", "high"}:
                raise PriorError(f"priors.{name}: loguniform needs low and high, got "
                                 f"{sorted(keys)!r}")
            lo, hi = number(name, "low", spec["low"]), number(name, "high", spec["high"])
            positive(name, "low", lo)
            ordered(name, "low", lo, "high", hi)
        return cls(name, {"low": lo, "high": hi}, None)

    def ppf1(self, u: Array) -> Array:
        lo, hi = math.log(self.params["low"]), math.log(self.params["high"])
        return np.exp(lo + np.asarray(u, dtype=float) * (hi - lo))  # exact at u = 0 and 1

    def support(self) -> dict[str, tuple[float, float]]:
        return {self.name: (self.params["low"], self.params["high"])}
