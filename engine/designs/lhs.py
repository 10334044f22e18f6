"""Latin hypercube whose rows can be generated in any chunk (Feistel-network permutations)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from engine.designs.base import Array, Design
from engine.designs.mc import mc_rows


def _mix(x: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """SplitMix64 finaliser: a fast, well-mixing bijection of 64-bit integers."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def permute(i: NDArray[np.int64], n: int, keys: NDArray[np.uint64]) -> NDArray[np.int64]:
    """A seeded random permutation of range(n), evaluated at indices i without building it.

    A balanced Feistel network on the smallest even number of bits covering n is a bijection of
    [0, 2^bits); cycle-walking (re-applying it until the value falls below n) restricts it to a
    bijection of [0, n).
    """
    half = max(1, (int(n - 1).bit_length() + 1) // 2)
    mask = np.uint64((1 << half) - 1)
    x = np.asarray(i, dtype=np.uint64)
    todo = np.ones(x.shape, dtype=bool)
    with np.errstate(over="ignore"):
        while todo.any():
            left, right = x[todo] >> np.uint64(half), x[todo] & mask
            for key in keys:
                left, right = right, left ^ (_mix(right ^ key) & mask)
            x[todo] = (left << np.uint64(half)) | right
            todo = x >= np.uint64(n)
    return x.astype(np.int64)


class LatinHypercube(Design):
    """In every column each of the n strata [k/n, (k+1)/n) holds exactly one point."""

    kind = "lhs"

    def _rows(self, start: int, stop: int) -> Array:
        rows = np.arange(start, stop, dtype=np.int64)
        out = np.empty((stop - start, self.d))
        jitter = mc_rows(self.seed + 0x5EED, self.d, start, stop)
        for j in range(self.d):
            keys = np.random.default_rng([self.seed, 0x1A5, j]).integers(
                0, 2**63, size=4, dtype=np.uint64)
            out[:, j] = (permute(rows, self.n, keys) + jitter[:, j]) / self.n
        return out
