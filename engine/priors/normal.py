"""Normal with a mean and a standard deviation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scipy import stats

from engine.priors.base import number, positive
from engine.priors.scalar import ScalarPrior


class Normal(ScalarPrior):
    """``{dist: normal, mean: m, sd: s}``."""

    dist = "normal"
    required = frozenset({"mean", "sd"})

    @classmethod
    def build(cls, name: str, spec: Mapping[str, Any]) -> Normal:
        mean, sd = number(name, "mean", spec["mean"]), number(name, "sd", spec["sd"])
        positive(name, "sd", sd)
        return cls(name, {"mean": mean, "sd": sd}, stats.norm(mean, sd))
