"""Designs in the unit hypercube: Monte Carlo, Latin hypercube, Sobol', Saltelli, given rows.

Each design returns rows of points in [0, 1)^d that any chunk can generate on its own; the
priors then map columns to parameter values (:class:`engine.priors.PriorSet`).
"""

from __future__ import annotations

import secrets
import warnings
from collections.abc import Sequence

from engine.designs import given, lhs, mc, saltelli, sobol  # noqa: F401
from engine.designs.base import REGISTRY, Design
from engine.designs.saltelli import Saltelli, block_rows

SAMPLERS = ("mc", "lhs", "sobol", "saltelli")
__all__ = ["SAMPLERS", "Design", "Saltelli", "block_rows", "make_design"]


def next_power_of_two(n: int) -> int:
    return 1 << max(0, (int(n) - 1).bit_length())


def make_design(kind: str, n: int, d: int, seed: int | None, *,
                groups: Sequence[str] | None = None, second_order: bool = True) -> Design:
    """Check the sampler settings and build the design.

    ``seed=None`` draws fresh entropy once (the design's ``seed`` then records it), for every
    sampler alike. Sobol' and Saltelli raise n to the next power of two with a warning.

    Example
    -------
    >>> make_design("saltelli", 4, 2, seed=1).rows
    24
    >>> make_design("saltelli", 4, 3, seed=1, groups=["a", "a", "b"]).rows
    24
    """
    if kind not in SAMPLERS:
        raise ValueError(f"sampler.kind={kind!r}: unknown; allowed: {', '.join(SAMPLERS)}")
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        raise ValueError(f"sampler.n={n!r}: must be a whole number > 0")
    seed = secrets.randbits(63) if seed is None else int(seed)
    if kind in ("sobol", "saltelli") and n & (n - 1):
        m = next_power_of_two(n)
        warnings.warn(f"sampler.n={n!r} is not a power of two, which {kind} needs for balance; "
                      f"using {m}", stacklevel=2)
        n = m
    if kind == "saltelli":
        return Saltelli(n, d, seed, groups=groups, second_order=second_order)
    return REGISTRY[kind](n, d, seed)
