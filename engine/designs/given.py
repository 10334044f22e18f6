"""A design handed over as a whole matrix (e.g. Morris trajectories, posterior draws)."""

from __future__ import annotations

import hashlib

import numpy as np

from engine.designs.base import Array, Design


class Given(Design):
    """Rows of a given (n, d) matrix in [0, 1]^d."""

    kind = "given"

    def __init__(self, unit: Array, seed: int = 0, label: str = "given") -> None:
        unit = np.asarray(unit, dtype=float)
        super().__init__(unit.shape[0], unit.shape[1], seed)
        self.unit = unit
        self.label = label

    def _rows(self, start: int, stop: int) -> Array:
        return self.unit[start:stop]

    def key(self) -> tuple[object, ...]:
        return (self.label, hashlib.sha256(np.ascontiguousarray(self.unit).tobytes()).hexdigest())
