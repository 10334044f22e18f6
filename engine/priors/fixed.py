"""A parameter fixed at one value (no design column)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from engine.priors.base import Array, Prior, number


class Fixed(Prior):
    """``{dist: fixed, value: V}``; any prior with a non-null ``value`` is pinned this way."""

    dist = "fixed"
    required = frozenset({"value"})

    def __init__(self, name: str, value: float) -> None:
        super().__init__(name)
        self.value = value
        self.params = {"value": value}

    @classmethod
    def build(cls, name: str, spec: Mapping[str, Any]) -> Fixed:
        return cls(name, number(name, "value", spec["value"], finite=False))

    @property
    def columns(self) -> int:
        return 0

    def ppf(self, u: Array) -> dict[str, Array]:
        return {self.name: np.full(np.shape(u)[0], self.value)}

    def support(self) -> dict[str, tuple[float, float]]:
        return {self.name: (self.value, self.value)}

    def describe(self) -> str:
        return f"fixed(value={self.value:g})"

    @property
    def spec(self) -> dict[str, Any]:
        return {"dist": "fixed", "value": self.value}
