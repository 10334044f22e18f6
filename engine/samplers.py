"""Designs in the unit hypercube: Monte Carlo, Latin hypercube, scrambled Sobol, Saltelli.

Each sampler returns an (n_rows, d) array of points in [0, 1)^d; :func:`map_to_priors` then pushes
each column through its prior's inverse CDF. All randomness comes from the seed given.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import qmc

from engine.priors import Prior

SAMPLERS = ("mc", "lhs", "sobol", "saltelli")


def next_power_of_two(n: int) -> int:
    return 1 << max(0, (int(n) - 1).bit_length())


def saltelli_rows(n_base: int, d: int, second_order: bool) -> int:
    """Rows of a Saltelli design: n (2d + 2) with second order, n (d + 2) without."""
    return n_base * (2 * d + 2 if second_order else d + 2)


def saltelli_from_base(base: NDArray[np.float64], second_order: bool) -> NDArray[np.float64]:
    """Saltelli's cross-sampled design from a (n, 2d) base sample, in SALib's row order.

    Each base row i yields the block A_i, AB_i^(1..d), [BA_i^(1..d)], B_i, where A is the first
    d columns, B the last d, AB^(j) is A with column j from B and BA^(j) is B with column j
    from A (Saltelli 2002, doi:10.1016/S0010-4655(02)00280-1). SALib.sample.sobol.sample builds
    the same rows from the same scrambled Sobol base; the tests check equality.
    """
    n, two_d = base.shape
    d = two_d // 2
    a, b = base[:, :d], base[:, d:]
    eye = np.eye(d, dtype=bool)
    ab = np.where(eye[None, :, :], b[:, None, :], a[:, None, :])  # (n, d, d)
    parts = [a[:, None, :], ab]
    if second_order:
        parts.append(np.where(eye[None, :, :], a[:, None, :], b[:, None, :]))
    parts.append(b[:, None, :])
    return np.concatenate(parts, axis=1).reshape(-1, d)


#: Monte Carlo rows are drawn in fixed blocks keyed by (seed, block index), so any chunk of rows
#: can be generated on its own and the design never depends on how the engine chunks it.
MC_BLOCK = 1 << 16


@dataclass(frozen=True)
class Design:
    """A reproducible design in [0, 1)^d whose rows can be generated chunk by chunk.

    Parameters
    ----------
    kind : {"mc", "lhs", "sobol", "saltelli"}
    n : int
        Scenarios; for ``saltelli`` the base sample size N (rows = N(2d+2), or N(d+2) without
        second order). Sobol and Saltelli want a power of two: build with :func:`make_design`,
        which raises another n to the next power with a warning.
    d : int
        Number of uncertain parameters (columns).
    seed : int or None
    second_order : bool
        Saltelli only: include the BA rows needed for second-order indices.
    """

    kind: str
    n: int
    d: int
    seed: int | None
    second_order: bool = True

    @property
    def rows(self) -> int:
        return saltelli_rows(self.n, self.d, self.second_order) if self.kind == "saltelli" \
            else self.n

    @property
    def block(self) -> int:
        """Rows per Saltelli base row (1 for the other designs)."""
        return saltelli_rows(1, self.d, self.second_order) if self.kind == "saltelli" else 1

    def unit_rows(self, start: int, stop: int) -> NDArray[np.float64]:
        """Rows [start, stop) of the design, identical however the range is split."""
        if not 0 <= start <= stop <= self.rows:
            raise ValueError(f"rows [{start}, {stop}) outside the design's {self.rows} rows")
        if self.d == 0:
            return np.empty((stop - start, 0))
        if self.kind == "mc":
            first, last = start // MC_BLOCK, (stop - 1) // MC_BLOCK if stop > start else -1
            blocks = [np.random.default_rng([self.seed or 0, k]).random((MC_BLOCK, self.d))
                      for k in range(first, last + 1)]
            if not blocks:
                return np.empty((0, self.d))
            return np.concatenate(blocks)[start - first * MC_BLOCK: stop - first * MC_BLOCK]
        if self.kind == "lhs":
            return _lhs_rows(self.n, self.d, self.seed or 0, start, stop)
        with warnings.catch_warnings():
            # a chunk need not be a power of two; the whole design is (make_design checks)
            warnings.filterwarnings("ignore", message="The balance properties of Sobol")
            return self._sobol_rows(start, stop)

    def _sobol_rows(self, start: int, stop: int) -> NDArray[np.float64]:
        # Sobol engines take the integer seed itself, as SALib does, so designs match SALib's
        dims = self.d if self.kind == "sobol" else 2 * self.d
        engine = qmc.Sobol(d=dims, scramble=True, seed=self.seed)
        if self.kind == "sobol":
            if start:  # scipy's fast_forward(0) fails
                engine.fast_forward(start)
            return engine.random(stop - start)
        b0, b1 = start // self.block, -(-stop // self.block)
        if b0:
            engine.fast_forward(b0)
        rows = saltelli_from_base(engine.random(b1 - b0), self.second_order)
        return rows[start - b0 * self.block: stop - b0 * self.block]


@dataclass(frozen=True, eq=False)
class GivenDesign:
    """A design handed over as a whole matrix in [0, 1]^d (e.g. a Morris trajectory set)."""

    kind: str
    unit: NDArray[np.float64]
    seed: int | None = None

    @property
    def n(self) -> int:
        return int(self.unit.shape[0])

    @property
    def rows(self) -> int:
        return int(self.unit.shape[0])

    @property
    def d(self) -> int:
        return int(self.unit.shape[1])

    def unit_rows(self, start: int, stop: int) -> NDArray[np.float64]:
        return self.unit[start:stop]


def _mix(x: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """SplitMix64 finaliser: a fast, well-mixing bijection of 64-bit integers."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def permute(i: NDArray[np.int64], n: int, keys: NDArray[np.uint64]) -> NDArray[np.int64]:
    """A seeded random permutation of range(n), evaluated at indices i without building it.

    A balanced Feistel network on the smallest even number of bits covering n is a bijection of
    [0, 2^bits); cycle-walking (re-applying it until the value falls below n) restricts it to a
    bijection of [0, n). So any chunk of a Latin hypercube can be generated on its own.
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


def _lhs_rows(n: int, d: int, seed: int, start: int, stop: int) -> NDArray[np.float64]:
    """Rows [start, stop) of a Latin hypercube of n points: in every column each of the n
    strata [k/n, (k+1)/n) holds exactly one point (stratum = a seeded permutation of the row,
    position inside it uniform from seeded blocks, as for Monte Carlo)."""
    rows = np.arange(start, stop, dtype=np.int64)
    out = np.empty((stop - start, d))
    jitter = Design("mc", n, d, None if seed is None else seed + 0x5EED).unit_rows(start, stop)
    for j in range(d):
        keys = np.random.default_rng([seed, 0x1A5, j]).integers(
            0, 2**63, size=4, dtype=np.uint64)
        out[:, j] = (permute(rows, n, keys) + jitter[:, j]) / n
    return out


def make_design(kind: str, n: int, d: int, seed: int | None, *,
                second_order: bool = True) -> Design:
    """Check the sampler settings and return the :class:`Design`.

    Example
    -------
    >>> make_design("saltelli", 4, 2, seed=1).rows
    24
    """
    if kind not in SAMPLERS:
        raise ValueError(f"sampler.kind={kind!r}: unknown; allowed: {list(SAMPLERS)}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
        raise ValueError(f"sampler.n={n!r}: must be a whole number > 0")
    if kind in ("sobol", "saltelli") and n & (n - 1):
        m = next_power_of_two(n)
        warnings.warn(f"sampler.n={n!r} is not a power of two, which {kind} needs for balance; "
                      f"using {m}", stacklevel=2)
        n = m
    return Design(kind, int(n), int(d), seed, bool(second_order))


def unit_design(kind: str, n: int, d: int, seed: int | None, *,
                second_order: bool = True) -> NDArray[np.float64]:
    """The whole design of :func:`make_design` as one (rows, d) array.

    Example
    -------
    >>> unit_design("saltelli", 4, 2, seed=1).shape
    (24, 2)
    """
    design = make_design(kind, n, d, seed, second_order=second_order)
    return design.unit_rows(0, design.rows)


def map_to_priors(unit: NDArray[np.float64], priors: Mapping[str, Prior]) -> dict[str, NDArray]:
    """Turn unit-hypercube columns into parameter values.

    Columns of ``unit`` go, in order, to the priors that are not fixed; fixed priors give a
    constant column.
    """
    free = [name for name, p in priors.items() if not p.fixed]
    if unit.shape[1] != len(free):
        raise ValueError(f"design has {unit.shape[1]} columns for {len(free)} uncertain "
                         f"parameters {free}")
    out: dict[str, NDArray] = {}
    cols = iter(range(unit.shape[1]))
    for name, prior in priors.items():
        out[name] = prior.ppf(unit[:, next(cols)] if not prior.fixed else
                              np.zeros(unit.shape[0]))
    return out


def uncertain(priors: Mapping[str, Prior]) -> list[str]:
    """Names of the priors that are not fixed, in order: the design's columns."""
    return [name for name, p in priors.items() if not p.fixed]


def is_power_of_two(n: int) -> bool:
    return n > 0 and math.log2(n).is_integer()
