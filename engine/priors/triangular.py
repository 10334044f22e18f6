"""Triangular between finite bounds with a mode."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scipy import stats

from engine.priors.base import PriorError, number, ordered
from engine.priors.scalar import ScalarPrior


class Triangular(ScalarPrior):
    """``{dist: triangular, low: a, mode: c, high: b}``."""

    dist = "triangular"
    required = frozenset({"low", "mode", "high"})

    @classmethod
    def build(cls, name: str, spec: Mapping[str, Any]) -> Triangular:
        lo, mode, hi = (number(name, k, spec[k]) for k in ("low", "mode", "high"))
        ordered(name, "low", lo, "high", hi)
        if not lo <= mode <= hi:
            raise PriorError(f"priors.{name}.mode={mode!r}: must lie in [low, high] = "
                             f"[{lo!r}, {hi!r}]")
        return cls(name, {"low": lo, "mode": mode, "high": hi},
                   stats.triang((mode - lo) / (hi - lo), loc=lo, scale=hi - lo))
