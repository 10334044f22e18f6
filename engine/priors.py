"""Prior distributions over the model's parameters, each mapping the unit interval to values.

Every prior is a small object with ``ppf(u)`` (its inverse CDF, vectorised), ``support`` and
``fixed``. Samplers draw in the unit hypercube and push each column through a prior's ppf, so one
design serves Monte Carlo, Latin hypercube, Sobol and Saltelli alike. Inverse CDFs come from
scipy.stats, whose distributions are well tested.

A prior is declared as a mapping ``{dist: NAME, ...parameters}``:

=============  =================================================================
fixed          value
uniform        low, high
loguniform     low, high   |  ci90: [lo, hi]  (5% and 95% quantiles)
normal         mean, sd
truncnormal    mean, sd, low, high
lognormal      median, sigma  |  ci90: [lo, hi]; optional low, high truncate it
triangular     low, mode, high
beta           a, b, low (default 0), high (default 1)
=============  =================================================================

Any prior that also carries a ``value`` other than null is pinned there: ``priors.g_inv.value=5``
fixes g_inv with one scalar override, whatever distribution the prior file declares (prior files
carry ``value: null`` on uncertain parameters so that Hydra accepts the override).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

Z95 = float(stats.norm.ppf(0.95))  # a 90% central interval spans mean +- Z95 sd


class PriorError(ValueError):
    """An impossible or malformed prior; the message names the key and the value."""


@dataclass(frozen=True)
class Prior:
    """A distribution on the real line, given by its scipy frozen distribution or a constant."""

    name: str
    dist: str
    params: dict[str, float]
    _frozen: Any = None

    @property
    def fixed(self) -> bool:
        return self.dist == "fixed"

    def ppf(self, u: ArrayLike) -> NDArray[np.float64]:
        """Inverse CDF at u in [0, 1] (a fixed prior returns its value everywhere)."""
        u = np.asarray(u, dtype=float)
        if self.fixed:
            return np.full(u.shape, self.params["value"])
        if self.dist == "loguniform":  # exact endpoints, no scipy rounding at u = 0 or 1
            lo, hi = math.log(self.params["low"]), math.log(self.params["high"])
            return np.exp(lo + u * (hi - lo))
        lo, hi = self.support  # scipy's ppf may round a hair outside its own support
        return np.clip(np.asarray(self._frozen.ppf(u), dtype=float), lo, hi)

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest value the prior can produce."""
        if self.fixed:
            return (self.params["value"], self.params["value"])
        lo, hi = self._frozen.support() if self._frozen is not None else (
            self.params["low"], self.params["high"])
        return (float(lo), float(hi))

    @property
    def spec(self) -> dict[str, Any]:
        """The declaration that rebuilds this prior with :func:`make_prior`."""
        return {"dist": self.dist, **self.params}

    def describe(self) -> str:
        args = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"{self.dist}({args})"


class _Truncated:
    """A continuous scipy distribution restricted to [low, high], by inverse-CDF rescaling."""

    def __init__(self, frozen: Any, low: float, high: float) -> None:
        self.frozen, self.low, self.high = frozen, low, high
        self.f_low, self.f_high = float(frozen.cdf(low)), float(frozen.cdf(high))

    def ppf(self, u: ArrayLike) -> NDArray[np.float64]:
        x = self.frozen.ppf(self.f_low + np.asarray(u) * (self.f_high - self.f_low))
        return np.clip(x, self.low, self.high)

    def cdf(self, x: ArrayLike) -> NDArray[np.float64]:
        c = (self.frozen.cdf(x) - self.f_low) / (self.f_high - self.f_low)
        return np.clip(c, 0.0, 1.0)

    def support(self) -> tuple[float, float]:
        return self.low, self.high


_ALLOWED: dict[str, tuple[set[str], set[str]]] = {
    # dist: (required keys, optional keys); alternatives are handled below
    "fixed": ({"value"}, set()),
    "uniform": ({"low", "high"}, set()),
    "loguniform": (set(), {"low", "high", "ci90"}),
    "normal": ({"mean", "sd"}, set()),
    "truncnormal": ({"mean", "sd", "low", "high"}, set()),
    "lognormal": (set(), {"median", "sigma", "ci90", "low", "high"}),
    "triangular": ({"low", "mode", "high"}, set()),
    "beta": ({"a", "b"}, {"low", "high"}),
}


def _number(name: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PriorError(f"priors.{name}.{key}={value!r}: must be a number")
    v = float(value)
    if math.isnan(v):
        raise PriorError(f"priors.{name}.{key}={value!r}: must be a number, not NaN")
    return v


def _pair(name: str, key: str, value: Any) -> tuple[float, float]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise PriorError(f"priors.{name}.{key}={value!r}: must be a pair [lo, hi]")
    lo, hi = (_number(name, key, v) for v in value)
    if not lo < hi:
        raise PriorError(f"priors.{name}.{key}={[lo, hi]!r}: needs lo < hi")
    return lo, hi


def make_prior(name: str, spec: Mapping[str, Any]) -> Prior:
    """Build and check one prior from its declaration.

    Parameters
    ----------
    name : str
        Parameter name, used in error messages as ``priors.<name>``.
    spec : mapping
        ``{dist: NAME, ...}`` as in the module docstring.

    Returns
    -------
    Prior

    Raises
    ------
    PriorError
        Unknown distribution, missing or extra keys, non-numbers, low >= high, sd <= 0, ...

    Example
    -------
    >>> p = make_prior("g_alg", {"dist": "lognormal", "ci90": [2.0, 4.0]})
    >>> [round(float(x), 6) for x in p.ppf([0.05, 0.95])]
    [2.0, 4.0]
    """
    if not isinstance(spec, Mapping):
        raise PriorError(f"priors.{name}={spec!r}: must be a mapping like {{dist: uniform, "
                         "low: ..., high: ...}}")
    dist = spec.get("dist")
    if dist != "fixed" and "value" in spec and spec["value"] is None:  # value: null = not pinned
        spec = {k: v for k, v in spec.items() if k != "value"}
    if "value" in spec and dist in _ALLOWED and dist != "fixed":
        # ``value`` pins any prior: priors.g_inv.value=5 is one scalar override on the command
        # line, whatever distribution the prior file declares
        return make_prior(name, {"dist": "fixed", "value": spec["value"]})
    if dist not in _ALLOWED:
        raise PriorError(f"priors.{name}.dist={dist!r}: unknown; allowed: {sorted(_ALLOWED)}")
    required, optional = _ALLOWED[dist]
    keys = set(spec) - {"dist"}
    missing = required - keys
    extra = keys - required - optional
    if missing:
        raise PriorError(f"priors.{name}: dist {dist!r} needs {sorted(missing)}, got "
                         f"{sorted(keys)!r}")
    if extra:
        raise PriorError(f"priors.{name}.{sorted(extra)[0]}={spec[sorted(extra)[0]]!r}: not a "
                         f"parameter of {dist!r}; allowed: {sorted(required | optional)}")

    def num(key: str) -> float:
        return _number(name, key, spec[key])

    def ordered(lo_key: str, lo: float, hi_key: str, hi: float) -> None:
        if not lo < hi:
            raise PriorError(f"priors.{name}.{lo_key}={lo!r} must be below "
                             f"priors.{name}.{hi_key}={hi!r}")

    def positive(key: str, v: float) -> None:
        if not v > 0:
            raise PriorError(f"priors.{name}.{key}={v!r}: must be > 0")

    if dist == "fixed":
        v = num("value")
        return Prior(name, dist, {"value": v})
    if dist == "uniform":
        lo, hi = num("low"), num("high")
        ordered("low", lo, "high", hi)
        return Prior(name, dist, {"low": lo, "high": hi}, stats.uniform(lo, hi - lo))
    if dist == "loguniform":
        if ("ci90" in keys) == ({"low", "high"} & keys != set()):
            raise PriorError(f"priors.{name}: loguniform takes either low and high or ci90, got "
                             f"{sorted(keys)!r}")
        if "ci90" in keys:
            q05, q95 = _pair(name, "ci90", spec["ci90"])
            positive("ci90", q05)
            width = (math.log(q95) - math.log(q05)) / 0.9
            lo = math.exp(math.log(q05) - 0.05 * width)
            hi = math.exp(math.log(q95) + 0.05 * width)
        else:
            if keys != {"low", "high"}:
                raise PriorError(f"priors.{name}: loguniform needs low and high, got "
                                 f"{sorted(keys)!r}")
            lo, hi = num("low"), num("high")
            positive("low", lo)
            ordered("low", lo, "high", hi)
        return Prior(name, dist, {"low": lo, "high": hi})
    if dist == "normal":
        mean, sd = num("mean"), num("sd")
        positive("sd", sd)
        return Prior(name, dist, {"mean": mean, "sd": sd}, stats.norm(mean, sd))
    if dist == "truncnormal":
        mean, sd, lo, hi = num("mean"), num("sd"), num("low"), num("high")
        positive("sd", sd)
        ordered("low", lo, "high", hi)
        return Prior(name, dist, {"mean": mean, "sd": sd, "low": lo, "high": hi},
                     stats.truncnorm((lo - mean) / sd, (hi - mean) / sd, loc=mean, scale=sd))
    if dist == "lognormal":
        bounds = keys & {"low", "high"}
        keys = keys - bounds
        if "ci90" in keys:
            if keys != {"ci90"}:
                raise PriorError(f"priors.{name}: lognormal takes either median and sigma or "
                                 f"ci90, got {sorted(keys)!r}")
            q05, q95 = _pair(name, "ci90", spec["ci90"])
            positive("ci90", q05)
            mu = 0.5 * (math.log(q05) + math.log(q95))
            sigma = (math.log(q95) - math.log(q05)) / (2 * Z95)
            median = math.exp(mu)
        else:
            if keys != {"median", "sigma"}:
                raise PriorError(f"priors.{name}: lognormal needs median and sigma (or ci90), "
                                 f"got {sorted(keys)!r}")
            median, sigma = num("median"), num("sigma")
            positive("median", median)
            positive("sigma", sigma)
        frozen = stats.lognorm(s=sigma, scale=median)
        params = {"median": median, "sigma": sigma}
        if bounds:
            lo = num("low") if "low" in bounds else 0.0
            hi = num("high") if "high" in bounds else math.inf
            if "low" in bounds:
                positive("low", lo)
            ordered("low", lo, "high", hi)
            frozen = _Truncated(frozen, lo, hi)
            params.update(low=lo, high=hi)
        return Prior(name, dist, params, frozen)
    if dist == "triangular":
        lo, mode, hi = num("low"), num("mode"), num("high")
        ordered("low", lo, "high", hi)
        if not lo <= mode <= hi:
            raise PriorError(f"priors.{name}.mode={mode!r}: must lie in [low, high] = "
                             f"[{lo!r}, {hi!r}]")
        return Prior(name, dist, {"low": lo, "mode": mode, "high": hi},
                     stats.triang((mode - lo) / (hi - lo), loc=lo, scale=hi - lo))
    # beta
    a, b = num("a"), num("b")
    positive("a", a)
    positive("b", b)
    lo = _number(name, "low", spec.get("low", 0.0))
    hi = _number(name, "high", spec.get("high", 1.0))
    ordered("low", lo, "high", hi)
    return Prior(name, dist, {"a": a, "b": b, "low": lo, "high": hi},
                 stats.beta(a, b, loc=lo, scale=hi - lo))


def make_priors(specs: Mapping[str, Mapping[str, Any]]) -> dict[str, Prior]:
    """Build every prior of a ``priors`` mapping, in its order."""
    return {name: make_prior(name, spec) for name, spec in specs.items()}
