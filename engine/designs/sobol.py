"""Scrambled Sobol' sequence (scipy), generated from any row by fast-forward."""

from __future__ import annotations

import warnings

from scipy.stats import qmc

from engine.designs.base import Array, Design


def sobol_engine(d: int, seed: int) -> qmc.Sobol:
    """scipy's scrambled Sobol' engine seeded with the integer itself, as SALib does."""
    return qmc.Sobol(d=d, scramble=True, seed=seed)


def sobol_points(d: int, seed: int, start: int, count: int) -> Array:
    engine = sobol_engine(d, seed)
    if start:  # scipy's fast_forward(0) fails
        engine.fast_forward(start)
    with warnings.catch_warnings():
        # a chunk need not be a power of two; the whole design is (make_design checks)
        warnings.filterwarnings("ignore", message="The balance properties of Sobol")
        return engine.random(count)


class SobolSequence(Design):
    """n points of a scrambled Sobol' sequence (n a power of two)."""

    kind = "sobol"

    def _rows(self, start: int, stop: int) -> Array:
        return sobol_points(self.d, self.seed, start, stop - start)
