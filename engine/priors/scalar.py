"""The base of one-parameter priors: an inverse CDF from scipy, clipped to its support."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.priors.base import Array, Prior


class ScalarPrior(Prior):
    """A continuous distribution of one parameter (subclasses set ``frozen`` and ``params``)."""

    def __init__(self, name: str, params: dict[str, float], frozen: Any) -> None:
        super().__init__(name)
        self.params = params
        self.frozen = frozen

    @property
    def columns(self) -> int:
        return 1

    def ppf1(self, u: Array) -> Array:
        """Inverse CDF of one column."""
        lo, hi = self.support()[self.name]  # scipy may round a hair outside its own support
        return np.clip(np.asarray(self.frozen.ppf(u), dtype=float), lo, hi)

    def ppf(self, u: Array) -> dict[str, Array]:
        return {self.name: self.ppf1(np.asarray(u, dtype=float)[:, 0])}

    def support(self) -> dict[str, tuple[float, float]]:
        lo, hi = self.frozen.support()
        return {self.name: (float(lo), float(hi))}

    def describe(self) -> str:
        args = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"{self.dist}({args})"

    @property
    def spec(self) -> dict[str, Any]:
        """The declaration that rebuilds this prior."""
        return {"dist": self.dist, **self.params}
