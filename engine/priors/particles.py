"""A posterior group as one factor: one design column picks a weighted particle, whose values
for the group's columns go through the original priors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from engine.priors.base import Array, Prior


class Particles(Prior):
    """Factors whose posterior is correlated, drawn jointly from weighted particles.

    Built by :func:`engine.calibration.posterior.posterior_priors`, not from a prior file.
    """

    dist = "particles"

    def __init__(self, name: str, unit: Array, weights: Array, members: Sequence[Prior]) -> None:
        super().__init__(name)
        self.unit = np.asarray(unit, dtype=float)          # (particles, columns of the members)
        self.cum = np.cumsum(np.asarray(weights, dtype=float))
        self.cum /= self.cum[-1]
        self.members = list(members)
        self.source = ("the posterior of a calibration (weighted particles, drawn jointly: "
                       + ", ".join(m.name for m in self.members) + ")")

    @classmethod
    def build(cls, name: str, spec: Mapping[str, Any]) -> Particles:
        raise ValueError(f"priors.{name}: posterior groups come from a calibration.nc "
                         "(sobol.calibration=...), not from a prior file")

    @property
    def columns(self) -> int:
        return 1

    @property
    def outputs(self) -> tuple[str, ...]:
        return tuple(o for m in self.members for o in m.outputs)

    def ppf(self, u: Array) -> dict[str, Array]:
        idx = np.searchsorted(self.cum, np.asarray(u, dtype=float)[:, 0], side="right")
        return self._values(self.unit[np.minimum(idx, len(self.cum) - 1)])

    def _values(self, rows: Array) -> dict[str, Array]:
        """The members' values for whole particles (rows of unit-cube columns)."""
        out: dict[str, Array] = {}
        start = 0
        for m in self.members:
            out.update(m.ppf(rows[:, start:start + m.columns]))
            start += m.columns
        return out

    def support(self) -> dict[str, tuple[float, float]]:
        values = self._values(self.unit[np.diff(self.cum, prepend=0.0) > 0])
        return {k: (float(np.min(v)), float(np.max(v))) for k, v in values.items()}

    def describe(self) -> str:
        return f"particles({len(self.cum)} weighted, {' + '.join(m.name for m in self.members)})"

    @property
    def spec(self) -> dict[str, Any]:
        return {"dist": "particles", "members": [m.name for m in self.members],
                "particles": len(self.cum)}
