"""The simulator interface: what the engine evaluates, one block of scenarios at a time.

A simulator names its parameters, its per-scenario outcomes and its (scenario, t) series, each
with CF-1.8 metadata, checks that priors stay inside its domain, and evaluates a block of
parameter values. The paper's model and the validation functions (Ishigami, Sobol' G)
implement the same interface, so nothing in the engine asks which one it runs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from engine.priors import PriorSet

Array = NDArray[np.float64]
REGISTRY: dict[str, type[Simulator]] = {}


@dataclass(frozen=True)
class Var:
    """Metadata of one variable: CF units (UDUNITS), long_name, and any further attributes."""

    units: str
    long_name: str
    attrs: Mapping[str, Any] = field(default_factory=dict)
    dtype: Any = np.float64

    def as_attrs(self) -> dict[str, Any]:
        return {"units": self.units, "long_name": self.long_name, **self.attrs}


class Simulator(ABC):
    """A model the engine can sample: parameters in, outcomes and series out."""

    name: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__ and cls.name:  # subclasses of a strategy do not replace it
            REGISTRY[cls.name] = cls

    @property
    @abstractmethod
    def parameters(self) -> dict[str, Var]:
        """Every parameter, in order."""

    @property
    @abstractmethod
    def defaults(self) -> dict[str, float]:
        """The value a parameter takes when no prior names it."""

    @abstractmethod
    def outcomes(self) -> dict[str, Var]:
        """Per-scenario outputs, in order."""

    def series(self) -> dict[str, Var]:
        """(scenario, t) outputs it can produce."""
        return {}

    def analysed(self, names: Sequence[str]) -> list[str]:
        """The outcomes a sensitivity analysis of ``names`` looks at (``log10_<name>`` allowed);
        raises ValueError naming an unknown one."""
        known = self.outcomes()
        for name in names:
            if name.removeprefix("log10_") not in known:
                raise ValueError(f"{name!r} is not an outcome of model {self.name!r}; allowed: "
                                 f"{', '.join(known)}")
        return list(names)

    def check_priors(self, priors: PriorSet) -> None:
        """Raise ValueError (naming the prior) if a prior's support leaves the domain."""

    def invalid_reason(self, code: int) -> str:
        """What a nonzero ``domain_reason`` code means."""
        return str(code)

    @abstractmethod
    def evaluate(self, params: Mapping[str, Array], t: Array, series: Sequence[str] = (),
                 outcomes: bool = True) -> dict[str, NDArray[Any]]:
        """Outcomes (n,) (unless ``outcomes`` is False) and requested series (n, T) of a block
        of n scenarios."""

    def can_bin(self) -> bool:
        """Whether ``evaluate(..., bins=Binning)`` counts series into fixed bins as it computes
        them (fused fan counting: the series never materialise)."""
        return False

    def key(self) -> tuple[object, ...]:
        """Everything that determines the outputs besides parameters and time grid."""
        return (self.name,)
