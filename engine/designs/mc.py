"""Plain Monte Carlo, drawn in fixed blocks keyed by (seed, block index)."""

from __future__ import annotations

import numpy as np

from engine.designs.base import Array, Design

#: Rows per independently seeded block: any chunk of rows can be generated on its own.
MC_BLOCK = 1 << 16


def mc_rows(seed: int, d: int, start: int, stop: int) -> Array:
    """Rows [start, stop) of the Monte Carlo stream of ``seed`` with d columns."""
    if stop <= start:
        return np.empty((0, d))
    first, last = start // MC_BLOCK, (stop - 1) // MC_BLOCK
    blocks = [np.random.default_rng([seed, k]).random((MC_BLOCK, d))
              for k in range(first, last + 1)]
    return np.concatenate(blocks)[start - first * MC_BLOCK: stop - first * MC_BLOCK]


class MonteCarlo(Design):
    """Independent uniform draws."""

    kind = "mc"

    def _rows(self, start: int, stop: int) -> Array:
        return mc_rows(self.seed, self.d, start, stop)
