"""Uniform between two finite bounds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scipy import stats

from engine.priors.base import number, ordered
from engine.priors.scalar import ScalarPrior


class Uniform(ScalarPrior):
    """``{dist: uniform, low: a, high: b}``."""

    dist = "uniform"
    required = frozenset({"low", "high"})

    @classmethod
    def build(cls, name: str, spec: Mapping[str, Any]) -> Uniform:
        lo, hi = number(name, "low", spec["low"]), number(name, "high", spec["high"])
        ordered(name, "low", lo, "high", hi)
        return cls(name, {"low": lo, "high": hi}, stats.uniform(lo, hi - lo))
