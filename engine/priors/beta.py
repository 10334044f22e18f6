"""Beta, scaled to [low, high]."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scipy import stats

from engine.priors.base import number, ordered, positive
from engine.priors.scalar import ScalarPrior


class Beta(ScalarPrior):
    """``{dist: beta, a: a, b: b, low: 0, high: 1}``."""

    dist = "beta"
    required = frozenset({"a", "b"})
    optional = frozenset({"low", "high"})

    @classmethod
    def build(cls, name: str, spec: Mapping[str, Any]) -> Beta:
        a, b = number(name, "a", spec["a"]), number(name, "b", spec["b"])
        positive(name, "a", a)
        positive(name, "b", b)
        lo = number(name, "low", spec.get("low", 0.0))
        hi = number(name, "high", spec.get("high", 1.0))
        ordered(name, "low", lo, "high", hi)
        return cls(name, {"a": a, "b": b, "low": lo, "high": hi},
                   stats.beta(a, b, loc=lo, scale=hi - lo))
