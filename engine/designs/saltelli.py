"""Saltelli's cross-sampled design for Sobol' indices, with factor groups, in SALib's row order.

From a scrambled Sobol' base sample of 2d columns (A = the first d, B = the last d), each base row
yields the block

    A, AB_1 .. AB_G, [BA_1 .. BA_G], B

where G is the number of factors (groups of columns), AB_k is A with the columns of factor k
taken from B and BA_k is B with those columns taken from A; the BA rows are needed for
second-order indices only. Rows per block: 2G + 2, or G + 2. With one column per factor this is
Saltelli (2002); with groups it is SALib's grouped design (``problem['groups']``), and the tests
check row-for-row equality with SALib's ``sample.sobol.sample`` either way.

References
----------
A. Saltelli (2002), doi:10.1016/S0010-4655(02)00280-1.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.designs.base import Array, Design
from engine.designs.sobol import sobol_points


def block_rows(factors: int, second_order: bool) -> int:
    """Rows per base row: 2G + 2 with second order, G + 2 without. The one place it is said."""
    return 2 * factors + 2 if second_order else factors + 2


def group_masks(groups: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Factor names in order of first appearance and a (G, d) mask of each factor's columns."""
    names = list(dict.fromkeys(groups))
    mask = np.array([[g == name for g in groups] for name in names], dtype=bool)
    return names, mask.reshape(len(names), len(groups))


def cross_blocks(base: Array, groups: Sequence[str], second_order: bool) -> Array:
    """Saltelli blocks from a (n, 2d) base sample, in SALib's row order."""
    n, two_d = base.shape
    d = two_d // 2
    a, b = base[:, :d], base[:, d:]
    _, mask = group_masks(groups)
    ab = np.where(mask[None, :, :], b[:, None, :], a[:, None, :])  # (n, G, d)
    parts = [a[:, None, :], ab]
    if second_order:
        parts.append(np.where(mask[None, :, :], a[:, None, :], b[:, None, :]))
    parts.append(b[:, None, :])
    return np.concatenate(parts, axis=1).reshape(-1, d)


class Saltelli(Design):
    """Saltelli's design of n base rows over d columns grouped into factors.

    Parameters
    ----------
    groups : sequence of str, optional
        The factor of each column (default: every column its own factor).
    second_order : bool
        Include the BA rows (needed for S2).
    """

    kind = "saltelli"
    repeats = True  # every column of a block is one of its two base rows' values

    def __init__(self, n: int, d: int, seed: int, *, groups: Sequence[str] | None = None,
                 second_order: bool = True) -> None:
        super().__init__(n, d, seed)
        self.groups = list(groups) if groups is not None else [f"x{i}" for i in range(d)]
        if len(self.groups) != d:
            raise ValueError(f"groups has {len(self.groups)} entries for {d} columns")
        self.factors = len(dict.fromkeys(self.groups))
        self.second_order = bool(second_order)

    @property
    def block(self) -> int:
        return block_rows(self.factors, self.second_order)

    def _rows(self, start: int, stop: int) -> Array:
        b0, b1 = start // self.block, -(-stop // self.block)
        base = sobol_points(2 * self.d, self.seed, b0, b1 - b0)
        rows = cross_blocks(base, self.groups, self.second_order)
        return rows[start - b0 * self.block: stop - b0 * self.block]

    def key(self) -> tuple[object, ...]:
        return (*super().key(), tuple(self.groups), self.second_order)
