"""The prior interface: a named factor that maps unit-hypercube columns to parameter values.

A prior owns ``columns`` columns of the design (0 when it is fixed) and produces one or more
model parameters (``outputs``). Scalar priors map one column to one parameter through their
inverse CDF; a joint prior (a scaling law, a posterior group) maps its columns to several
parameters that belong together, and is one factor of the sensitivity analysis.

Every concrete prior registers itself under its ``dist`` name (``{dist: NAME, ...}`` in a prior
file), so building one is a lookup, not an if-chain (:func:`engine.priors.make_prior`).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
REGISTRY: dict[str, type[Prior]] = {}


class PriorError(ValueError):
    """An impossible or malformed prior; the message names the key and the value."""


class Prior(ABC):
    """One factor of the uncertainty model."""

    dist: ClassVar[str] = ""
    #: keys a declaration must have, and keys it may have, besides ``dist``
    required: ClassVar[frozenset[str]] = frozenset()
    optional: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "dist" in cls.__dict__ and cls.dist:  # subclasses of a strategy do not replace it
            REGISTRY[cls.dist] = cls

    def __init__(self, name: str) -> None:
        self.name = name
        self.source: str | None = None  # where the numbers come from (shown in reports)

    @classmethod
    @abstractmethod
    def build(cls, name: str, spec: Mapping[str, Any]) -> Prior:
        """Check a declaration (keys already checked against required/optional) and build."""

    @property
    @abstractmethod
    def columns(self) -> int:
        """Unit-hypercube columns this factor takes (0: fixed)."""

    @property
    def outputs(self) -> tuple[str, ...]:
        """Names of the parameters it produces."""
        return (self.name,)

    @abstractmethod
    def ppf(self, u: Array) -> dict[str, Array]:
        """Parameter values from unit columns u of shape (n, columns)."""

    @abstractmethod
    def support(self) -> dict[str, tuple[float, float]]:
        """Smallest and largest value of each output."""

    @abstractmethod
    def describe(self) -> str:
        """A short text, e.g. ``lognormal(median=2.8, sigma=0.28)``."""

    @property
    def fixed(self) -> bool:
        return self.columns == 0

    def median(self) -> dict[str, float]:
        """Each output at the centre of the unit cube."""
        return {k: float(v[0]) for k, v in self.ppf(np.full((1, self.columns), 0.5)).items()}


# ----------------------------------------------------------------------------- checks


def number(name: str, key: str, value: Any, *, finite: bool = True) -> float:
    """A declaration's number, refusing strings, booleans, NaN and (unless allowed) inf."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise PriorError(f"priors.{name}.{key}={value!r}: must be a number")
    v = float(value)
    if math.isnan(v):
        raise PriorError(f"priors.{name}.{key}={value!r}: must be a number, not NaN")
    if finite and math.isinf(v):
        raise PriorError(f"priors.{name}.{key}={value!r}: must be a finite number")
    return v


def pair(name: str, key: str, value: Any) -> tuple[float, float]:
    """A [lo, hi] declaration with lo < hi."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise PriorError(f"priors.{name}.{key}={value!r}: must be a pair [lo, hi]")
    lo, hi = (number(name, key, v) for v in value)
    if not lo < hi:
        raise PriorError(f"priors.{name}.{key}={[lo, hi]!r}: needs lo < hi")
    return lo, hi


def ordered(name: str, lo_key: str, lo: float, hi_key: str, hi: float) -> None:
    if not lo < hi:
        raise PriorError(f"priors.{name}.{lo_key}={lo!r} must be below "
                         f"priors.{name}.{hi_key}={hi!r}")


def positive(name: str, key: str, v: float) -> None:
    if not v > 0:
        raise PriorError(f"priors.{name}.{key}={v!r}: must be > 0")
