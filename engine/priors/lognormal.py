"""Log-normal from a median and sigma or a 90% interval, optionally truncated."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from scipy import stats

from engine.priors.base import PriorError, number, ordered, pair, positive
from engine.priors.scalar import ScalarPrior
from engine.priors.truncation import Truncated, require_mass

Z95 = float(stats.norm.ppf(0.95))  # a 90% central interval spans mu +- Z95 sigma


class LogNormal(ScalarPrior):
    """``{dist: lognormal, median: m, sigma: s}`` or ``ci90: [q05, q95]``; ``low``/``high``
    truncate it."""

    dist = "lognormal"
    optional = frozenset({"median", "sigma", "ci90", "low", "high"})

    @classmethod
    def build(cls, name: str, spec: Mapping[str, Any]) -> LogNormal:
        keys = set(spec) - {"dist"}
        bounds = keys & {"low", "high"}
        keys -= bounds
        if "ci90" in keys:
            if keys != {"ci90"}:
                raise PriorError(f"priors.{name}: lognormal takes either median and sigma or "
                                 f"ci90, got {sorted(keys)!r}")
            q05, q95 = pair(name, "ci90", spec["ci90"])
            positive(name, "ci90", q05)
            median = math.exp(0.5 * (math.log(q05) + math.log(q95)))
            sigma = (math.log(q95) - math.log(q05)) / (2 * Z95)
        else:
            if keys != {"median", "sigma"}:
                raise PriorError(f"priors.{name}: lognormal needs median and sigma (or ci90), "
                                 f"got {sorted(keys)!r}")
            median, sigma = number(name, "median", spec["median"]), number(name, "sigma",
                                                                           spec["sigma"])
            positive(name, "median", median)
            positive(name, "sigma", sigma)
        frozen: Any = stats.lognorm(s=sigma, scale=median)
        params = {"median": median, "sigma": sigma}
        if bounds:
            lo = number(name, "low", spec["low"]) if "low" in bounds else 0.0
            hi = number(name, "high", spec["high"], finite=False) if "high" in bounds \
                else math.inf
            if "low" in bounds:
                positive(name, "low", lo)
            ordered(name, "low", lo, "high", hi)
            require_mass(name, frozen, lo, hi, f"lognormal(median={median:g}, sigma={sigma:g})")
            frozen = Truncated(frozen, lo, hi)
            params.update(low=lo, high=hi)
        return cls(name, params, frozen)
