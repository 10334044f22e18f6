"""Priors over the model's parameters: factors that map the unit hypercube to values.

A prior is declared as ``{dist: NAME, ...parameters}``:

=============  =================================================================
fixed          value
uniform        low, high
loguniform     low, high   |  ci90: [lo, hi]  (5% and 95% quantiles)
normal         mean, sd
truncnormal    mean, sd, low, high
lognormal      median, sigma  |  ci90: [lo, hi]; optional low, high truncate it
triangular     low, mode, high
beta           a, b, low (default 0), high (default 1)
scaling_law    fit: paper | hoffmann | besiroglu | both   |   A, alpha, L0
particles      a posterior group (written by the calibration, see engine.calibration)
=============  =================================================================

A declaration that also carries a ``value`` other than null is pinned there:
``priors.g_inv.value=5`` fixes g_inv with one scalar override, whatever distribution the prior
file declares (prior files carry ``value: null`` on uncertain parameters so that Hydra accepts
the override). ``priors.scaling_law`` also takes a bare name: ``priors.scaling_law=hoffmann``.

Samplers draw in the unit hypercube; :class:`PriorSet` pushes each factor's columns through its
prior, so one design serves Monte Carlo, Latin hypercube, Sobol' and Saltelli alike.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from engine.priors import (beta, fixed, lognormal, loguniform, normal, particles,  # noqa: F401
                           scaling_law, triangular, truncnormal, uniform)
from engine.priors.base import REGISTRY, Array, Prior, PriorError
from engine.priors.joint import Copula, Derivation, correlate

__all__ = ["Copula", "Derivation", "Prior", "PriorError", "PriorSet", "make_prior"]


def make_prior(name: str, spec: Any) -> Prior:
    """Build and check one prior from its declaration.

    Raises
    ------
    PriorError
        Unknown distribution, missing or extra keys, non-numbers, low >= high, ...

    Example
    -------
    >>> p = make_prior("g_alg", {"dist": "lognormal", "ci90": [2.0, 4.0]})
    >>> [round(float(x), 6) for x in p.ppf(np.array([[0.05], [0.95]]))["g_alg"]]
    [2.0, 4.0]
    """
    if name == "scaling_law":
        if isinstance(spec, str):
            spec = {"dist": "scaling_law", "fit": spec}
        elif isinstance(spec, Mapping) and "dist" not in spec:
            spec = {"dist": "scaling_law", **spec}
        elif not isinstance(spec, Mapping):
            raise PriorError(f"priors.scaling_law={spec!r}: allowed: paper, hoffmann, "
                             "besiroglu, both, or {A: ..., alpha: ..., L0: ...}")
    if not isinstance(spec, Mapping):
        raise PriorError(f"priors.{name}={spec!r}: must be a mapping like {{dist: uniform, "
                         "low: ..., high: ...}")
    source = spec.get("source")
    spec = {k: v for k, v in spec.items() if k != "source"}  # where the numbers come from
    prior = _build(name, spec)
    if source is not None:
        prior.source = str(source)
    return prior


def _build(name: str, spec: Mapping[str, Any]) -> Prior:
    dist = spec.get("dist")
    if "value" in spec and spec["value"] is None and dist != "fixed":  # value: null = not pinned
        spec = {k: v for k, v in spec.items() if k != "value"}
    if "value" in spec and dist in REGISTRY and dist != "fixed":
        return REGISTRY["fixed"].build(name, {"value": spec["value"]})
    if dist not in REGISTRY:
        raise PriorError(f"priors.{name}.dist={dist!r}: unknown; allowed: {sorted(REGISTRY)}")
    cls = REGISTRY[dist]
    keys = set(spec) - {"dist"}
    missing = cls.required - keys
    extra = keys - cls.required - cls.optional
    if missing:
        raise PriorError(f"priors.{name}: dist {dist!r} needs {sorted(missing)}, got "
                         f"{sorted(keys)!r}")
    if extra:
        key = sorted(extra)[0]
        raise PriorError(f"priors.{name}.{key}={spec[key]!r}: not a parameter of {dist!r}; "
                         f"allowed: {sorted(cls.required | cls.optional)}")
    return cls.build(name, spec)


class PriorSet:
    """The factors of a run in order; the uncertain ones own the design's columns.

    Example
    -------
    >>> ps = PriorSet.from_specs({"x": {"dist": "uniform", "low": 0, "high": 2},
    ...                           "y": {"dist": "fixed", "value": 3}})
    >>> ps.uncertain, ps.columns
    (['x'], 1)
    >>> {k: v.tolist() for k, v in ps.map(np.array([[0.25]])).items()}
    {'x': [0.5], 'y': [3.0]}
    """

    def __init__(self, priors: Mapping[str, Prior], derivations: Sequence[Derivation] = (),
                 defaults: Mapping[str, float] | None = None) -> None:
        self.priors = dict(priors)
        self.by_output = {out: p for p in self.priors.values() for out in p.outputs}
        self.derivations = tuple(derivations)  # applied in order after the design is mapped
        self.defaults = dict(defaults or {})    # values of a derivation's inputs no prior draws
        for d in self.derivations:
            if d.name in self.by_output:
                raise PriorError(f"priors.{d.name}: set by {d.formula} in this run; drop "
                                 f"priors.{d.name} (or the priors it is derived from)")

    @classmethod
    def from_specs(cls, specs: Mapping[str, Any], correlations: Sequence[Mapping[str, Any]] = (),
                   derivations: Sequence[Derivation] = (),
                   defaults: Mapping[str, float] | None = None) -> PriorSet:
        """Priors from declarations; factors connected by ``correlations`` become one copula
        factor (:func:`engine.priors.joint.correlate`); ``derivations`` set parameters from the
        drawn values."""
        priors = {name: make_prior(name, spec) for name, spec in specs.items()}
        return cls(correlate(priors, correlations), derivations, defaults)

    @property
    def derived(self) -> list[str]:
        """Parameters computed from the drawn values (not factors of any analysis)."""
        return [d.name for d in self.derivations]

    @property
    def correlated(self) -> list[list[str]]:
        """The groups of factors drawn jointly through a copula."""
        return [[m.name for m in p.members] for p in self if isinstance(p, Copula)]

    def __iter__(self) -> Iterator[Prior]:
        return iter(self.priors.values())

    def __getitem__(self, name: str) -> Prior:
        return self.priors[name]

    def __contains__(self, name: object) -> bool:
        return name in self.priors

    @property
    def uncertain(self) -> list[str]:
        """Names of the factors that are drawn: the rows of a sensitivity analysis."""
        return [p.name for p in self if not p.fixed]

    @property
    def columns(self) -> int:
        return sum(p.columns for p in self)

    @property
    def groups(self) -> list[str]:
        """The factor of each design column (SALib's ``groups``)."""
        return [p.name for p in self for _ in range(p.columns)]

    @property
    def outputs(self) -> list[str]:
        return [out for p in self for out in p.outputs]

    def map(self, unit: Array, repeats: bool = False) -> dict[str, Array]:
        """Parameter values for design rows ``unit`` of shape (n, columns).

        ``repeats``: the design repeats values within a column (a Saltelli block's rows take
        each column from one of two base rows), so each one-column prior's inverse CDF runs on
        the column's distinct values only and is spread back: the same values bit for bit
        (the inverse CDFs act element by element), a fraction of the work.
        """
        unit = np.asarray(unit, dtype=float)
        if unit.ndim != 2 or unit.shape[1] != self.columns:
            raise ValueError(f"design has {unit.shape[-1]} columns for {self.columns} columns "
                             f"of uncertain factors {self.uncertain}")
        out: dict[str, Array] = {}
        start = 0
        for p in self:
            cols = unit[:, start:start + p.columns]
            if repeats and p.columns == 1:
                distinct, where = np.unique(cols[:, 0], return_inverse=True)
                out.update({k: v[where] for k, v in p.ppf(distinct[:, None]).items()})
            else:
                out.update(p.ppf(cols))
            start += p.columns
        n = unit.shape[0]
        for d in self.derivations:
            values = {k: out[k] if k in out else np.full(n, float(self.defaults[k]))
                      for k in d.inputs}
            out[d.name] = np.broadcast_to(d(values), (n,)).astype(float)
        return out

    def base_inputs(self, name: str) -> list[str]:
        """The drawn outputs (or defaults) a derived parameter depends on, transitively."""
        by = {d.name: d for d in self.derivations}
        if name not in by:
            return [name]
        out: list[str] = []
        for k in by[name].inputs:
            out += [x for x in self.base_inputs(k) if x not in out]
        return out

    def value_range(self, name: str) -> tuple[float, float]:
        """Smallest and largest value of a drawn output, a default or a derived parameter (a
        derived one at the corners of its inputs' ranges: exact for derivations monotone in
        each input, as the model's are)."""
        by = {d.name: d for d in self.derivations}
        if name in by:
            d = by[name]
            big = np.finfo(float).max  # an infinite end is never drawn: its largest finite number
            ranges = [tuple(float(np.clip(x, -big, big)) if lo != hi else x for x in (lo, hi))
                      for lo, hi in (self.value_range(k) for k in d.inputs)]
            vals = [float(d(dict(zip(d.inputs, (np.array(c) for c in corner), strict=True))))
                    for corner in itertools.product(*ranges)]
            finite = [v for v in vals if not np.isnan(v)]  # NaN: an input outside the domain
            return (min(finite), max(finite)) if finite else (math.nan, math.nan)
        if name in self.by_output:
            return self.support(name)
        v = float(self.defaults[name])
        return v, v

    def support(self, output: str) -> tuple[float, float]:
        return self.by_output[output].support()[output]

    def describe(self) -> dict[str, str]:
        return {p.name: p.describe() for p in self}

    def sources(self) -> dict[str, str]:
        return {p.name: p.source or "" for p in self}

    def specs(self) -> dict[str, Any]:
        return {p.name: p.spec for p in self}  # type: ignore[attr-defined]
