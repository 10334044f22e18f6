"""Normal restricted to [low, high]."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scipy import stats

from engine.priors.base import number, ordered, positive
from engine.priors.scalar import ScalarPrior
from engine.priors.truncation import require_mass


class TruncNormal(ScalarPrior):
    """``{dist: truncnormal, mean: m, sd: s, low: a, high: b}``."""

    dist = "truncnormal"
    required = frozenset({"mean", "sd", "low", "high"})

    @classmethod
    def build(cls, name: str, spec: Mapping[str, Any]) -> TruncNormal:
        mean, sd = number(name, "mean", spec["mean"]), number(name, "sd", spec["sd"])
        lo, hi = number(name, "low", spec["low"]), number(name, "high", spec["high"])
        positive(name, "sd", sd)
        ordered(name, "low", lo, "high", hi)
        require_mass(name, stats.norm(mean, sd), lo, hi, f"normal(mean={mean:g}, sd={sd:g})")
        return cls(name, {"mean": mean, "sd": sd, "low": lo, "high": hi},
                   stats.truncnorm((lo - mean) / sd, (hi - mean) / sd, loc=mean, scale=sd))
