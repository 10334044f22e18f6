"""Dependent priors and derived parameters.

Rank correlations (a Gaussian copula)
-------------------------------------
``correlations=[{a: g_alg, b: g_inv, rho: 0.5}]`` asks for a Spearman rank correlation rho
between two factors. The factors that correlations connect become one :class:`Copula` factor:
its columns (one per member, independent uniforms of the design) go through the standard normal
quantile, are mixed by the Cholesky factor of the Pearson correlation matrix R of the normal
scores, and come back through the normal CDF; each member's own prior then maps its uniform
column. The marginals are therefore unchanged and the dependence is the Gaussian copula's. A
Spearman rho of the values equals the Spearman rho of the normal scores (ranks survive monotone
maps), which for a bivariate normal with Pearson r is (6/pi) arcsin(r/2) (Pearson 1907; Kruskal
1958), so r = 2 sin(pi rho / 6).

A Copula is one factor of a Sobol' analysis (as a posterior group is): Sobol' indices assume
independent factors, so correlated factors are analysed as a group (Jacques, Lavergne and
Devictor 2006), named ``a+b``.

Derived parameters
------------------
A :class:`Derivation` computes a model parameter from the drawn factors after the design is
mapped (the frontier's 2025 budget from its compute and the FLOP per dollar, for example); the
derived parameter is then not a factor of any analysis, the factors it is computed from are.

References
----------
K. Pearson, "Mathematical contributions to the theory of evolution XVI" (1907); W. Kruskal,
"Ordinal measures of association", JASA 53 (1958) 814-861.
S. Jacques, C. Lavergne, N. Devictor, "Sensitivity analysis in presence of model uncertainty and
correlated inputs", Reliab. Eng. Syst. Saf. 91 (2006) 1126-1134.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from engine.priors.base import Array, Prior, PriorError


def pearson_of_spearman(rho: float) -> float:
    """Pearson correlation of normal scores whose Spearman correlation is rho.

    Example
    -------
    >>> round(pearson_of_spearman(0.5), 6)
    0.517638
    """
    return 2.0 * math.sin(math.pi * rho / 6.0)


class Copula(Prior):
    """Scalar priors drawn jointly through a Gaussian copula (module docstring).

    Built by :func:`correlate`, not from a prior file.
    """

    dist = "copula"

    def __init__(self, members: Sequence[Prior], spearman: Array) -> None:
        super().__init__("+".join(m.name for m in members))
        self.members = list(members)
        self.spearman = np.asarray(spearman, dtype=float)
        self.pearson = 2.0 * np.sin(np.pi * self.spearman / 6.0)
        np.fill_diagonal(self.pearson, 1.0)
        try:
            self.chol = np.linalg.cholesky(self.pearson)
        except np.linalg.LinAlgError:
            raise PriorError(f"correlations among {', '.join(m.name for m in members)}: the rank "
                             "correlations are not a valid correlation matrix (not positive "
                             "definite); lower some |rho|") from None
        pairs = [f"{a.name}~{b.name} rho={self.spearman[i, j]:g}"
                 for (i, a), (j, b) in itertools.combinations(enumerate(members), 2)
                 if self.spearman[i, j] != 0]
        self.source = ("drawn jointly through a Gaussian copula (" + "; ".join(pairs) + "); "
                       + " | ".join(f"{m.name}: {m.source or ''}" for m in members))

    @classmethod
    def build(cls, name: str, spec: Mapping[str, Any]) -> Copula:
        raise PriorError(f"priors.{name}: a copula comes from correlations=[...], not from a "
                         "prior file")

    @property
    def columns(self) -> int:
        return len(self.members)

    @property
    def outputs(self) -> tuple[str, ...]:
        return tuple(o for m in self.members for o in m.outputs)

    def correlated_unit(self, u: Array) -> Array:
        """Independent uniform columns -> uniform columns with the copula's dependence."""
        z = special.ndtri(np.asarray(u, dtype=float)) @ self.chol.T
        return special.ndtr(z)

    def ppf(self, u: Array) -> dict[str, Array]:
        c = self.correlated_unit(u)
        out: dict[str, Array] = {}
        for k, m in enumerate(self.members):
            out.update(m.ppf(c[:, k:k + 1]))
        return out

    def support(self) -> dict[str, tuple[float, float]]:
        out: dict[str, tuple[float, float]] = {}
        for m in self.members:
            out.update(m.support())
        return out

    def describe(self) -> str:
        inner = ", ".join(f"{m.name}={m.describe()}" for m in self.members)
        upper = self.spearman[np.triu_indices(len(self.members), 1)].tolist()
        return f"copula({inner}; spearman {upper})"

    @property
    def spec(self) -> dict[str, Any]:
        members = {m.name: m.spec for m in self.members}  # type: ignore[attr-defined]
        return {"dist": "copula", "members": members, "spearman": self.spearman.tolist()}


def correlate(priors: Mapping[str, Prior], correlations: Sequence[Mapping[str, Any]]
              ) -> dict[str, Prior]:
    """The priors with every set of factors connected by ``correlations`` joined into one
    :class:`Copula` factor (at the place of its first member); the others unchanged.

    Each correlation is ``{a: NAME, b: NAME, rho: SPEARMAN}`` with -1 < rho < 1 between two
    uncertain one-column priors; a pair may appear once.

    Example
    -------
    >>> from engine.priors import make_prior
    >>> ps = {n: make_prior(n, {"dist": "uniform", "low": 0, "high": 1}) for n in "xyz"}
    >>> list(correlate(ps, [{"a": "x", "b": "z", "rho": 0.5}]))
    ['x+z', 'y']
    """
    if not correlations:
        return dict(priors)
    names = list(priors)
    seen: set[frozenset[str]] = set()
    parent = {n: n for n in names}

    def root(n: str) -> str:
        while parent[n] != n:
            n = parent[n]
        return n

    rhos: dict[frozenset[str], float] = {}
    for k, c in enumerate(correlations):
        key = f"correlations[{k}]"
        if not isinstance(c, Mapping) or set(c) != {"a", "b", "rho"}:
            raise PriorError(f"{key}={c!r}: must be {{a: FACTOR, b: FACTOR, rho: SPEARMAN}}")
        a, b, rho = c["a"], c["b"], c["rho"]
        for side, n in (("a", a), ("b", b)):
            if n not in priors:
                raise PriorError(f"{key}.{side}={n!r}: not a prior of this run; allowed: "
                                 f"{', '.join(p for p in names if not priors[p].fixed)}")
            if priors[n].fixed:
                raise PriorError(f"{key}.{side}={n!r}: fixed (a value, not a distribution): "
                                 "nothing to correlate")
            if priors[n].columns != 1:
                raise PriorError(f"{key}.{side}={n!r}: a joint prior of {priors[n].columns} "
                                 "columns; only one-parameter priors can be correlated")
        if a == b:
            raise PriorError(f"{key}: a and b are both {a!r}")
        if isinstance(rho, bool) or not isinstance(rho, (int, float)) or not -1 < rho < 1:
            raise PriorError(f"{key}.rho={rho!r}: must be a number in (-1, 1)")
        pair = frozenset((a, b))
        if pair in seen:
            raise PriorError(f"{key}: the pair {a}, {b} is given twice")
        seen.add(pair)
        rhos[pair] = float(rho)
        parent[root(b)] = root(a)
    groups: dict[str, list[str]] = {}
    for n in names:
        groups.setdefault(root(n), []).append(n)
    out: dict[str, Prior] = {}
    for n in names:
        group = groups[root(n)]
        if len(group) == 1:
            out[n] = priors[n]
        elif n == group[0]:
            s = np.eye(len(group))
            for (i, x), (j, y) in itertools.combinations(enumerate(group), 2):
                s[i, j] = s[j, i] = rhos.get(frozenset((x, y)), 0.0)
            cop = Copula([priors[m] for m in group], s)
            out[cop.name] = cop
    return out


@dataclass(frozen=True)
class Derivation:
    """A parameter computed from drawn values after the design is mapped.

    Attributes
    ----------
    name : str
        The parameter it sets.
    inputs : tuple of str
        The values it reads (drawn factors' outputs, defaults or earlier derivations).
    fn : callable
        ``fn(*inputs)`` -> array, vectorised.
    formula : str
        For messages and reports, e.g. ``sota_compute_flop / flop_per_usd``.
    """

    name: str
    inputs: tuple[str, ...]
    fn: Callable[..., Array]
    formula: str

    def __call__(self, values: Mapping[str, Array]) -> Array:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return np.asarray(self.fn(*(values[n] for n in self.inputs)), dtype=float)
