"""The paper's compute-scaling model as a simulator (compiled kernel; numpy as the reference)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from engine.model import params as mp
from engine.model import registry
from engine.model.outcomes import Options
from engine.priors import PriorSet
from engine.simulators.base import Array, Simulator, Var

YEARS = registry.YEARS


def _var(o: registry.Output | registry.Parameter) -> Var:
    return Var(o.units, o.long_name, dict(o.attrs))


#: Every parameter's metadata, in the model's order (:data:`engine.model.registry.PARAMETERS`).
PARAMETERS: dict[str, Var] = {p.name: _var(p) for p in registry.PARAMETERS}
_OUTCOMES: dict[str, Var] = {o.name: _var(o) for o in registry.OUTCOME_TABLE}
SERIES: dict[str, Var] = {o.name: _var(o) for o in registry.SERIES_TABLE}

DOMAIN = Var("1", "why a scenario is undefined (0 = valid)", {
    "flag_values": np.array(list(mp.DOMAIN_REASONS), dtype=np.int8),
    "flag_meanings": " ".join(f"code_{c}" for c in mp.DOMAIN_REASONS),
    "comment": "; ".join(f"{c}: {t}" for c, t in mp.DOMAIN_REASONS.items())}, np.int8)


class Meek(Simulator):
    """The compute-scaling model (:mod:`engine.model`).

    Parameters
    ----------
    options : engine.model.outcomes.Options
    backend : {"numba", "numpy"}
        The compiled kernel (default) or the numpy reference it is tested against.
    """

    name = "meek"

    def __init__(self, options: Options = Options(), backend: str = "numba") -> None:
        if backend not in ("numba", "numpy"):
            raise ValueError(f"backend={backend!r}: allowed: numba, numpy")
        self.options = options
        self.backend = backend

    @property
    def parameters(self) -> dict[str, Var]:
        return PARAMETERS

    @property
    def defaults(self) -> dict[str, float]:
        return mp.PAPER.as_dict()  # type: ignore[return-value]

    @property
    def drivers(self) -> dict[str, registry.Parameter]:
        """Inputs that set parameters (:data:`engine.model.registry.DRIVERS`)."""
        return {p.name: p for p in registry.DRIVERS}

    def derivations(self, names: Sequence[str]) -> list[Any]:
        """The derivations the drivers among ``names`` call for."""
        return registry.derivations(names)

    def outcomes(self) -> dict[str, Var]:
        out = dict(_OUTCOMES)
        for fam in registry.FAMILIES:
            for h in self.options.horizons:
                out[fam.name(h)] = _var(fam.at(h))
        out["domain_reason"] = DOMAIN
        return out

    def series(self) -> dict[str, Var]:
        return SERIES

    def invalid_reason(self, code: int) -> str:
        return mp.DOMAIN_REASONS.get(code, str(code))

    def can_bin(self) -> bool:
        return self.backend == "numba"

    def evaluate(self, params: Mapping[str, Array], t: Array, series: Sequence[str] = (),
                 outcomes: bool = True, bins: Any = None) -> dict[str, Any]:
        p = mp.Params(**{k: params[k] for k in mp.NAMES})
        if self.backend == "numba":
            from engine.model import kernel
            return kernel.evaluate(p, t, self.options, series=series, outcomes=outcomes,
                                   bins=bins)
        if bins is not None:
            raise ValueError("bins: the numpy reference backend does not count series")
        from engine.model import outcomes as reference
        return reference.evaluate(p, t, self.options, series=series, outcomes=outcomes)

    def key(self) -> tuple[object, ...]:
        return (self.name, self.options)

    def check_priors(self, priors: PriorSet) -> None:
        """Refuse priors whose support leaves the model's domain, naming the prior."""
        check_priors(priors, self.defaults)


def _bounds(priors: PriorSet, defaults: Mapping[str, float], name: str) -> tuple[float, float]:
    if name in priors.by_output or name in priors.derived:
        return priors.value_range(name)
    v = defaults[name]
    return v, v


#: Metadata of the drivers (inputs that set parameters, :data:`engine.model.registry.DRIVERS`).
DRIVERS: dict[str, Var] = {p.name: _var(p) for p in registry.DRIVERS}


def check_priors(priors: PriorSet, defaults: Mapping[str, float]) -> None:
    """Refuse priors whose supports can leave the model's domain (the rules of
    :data:`engine.model.registry.DOMAIN`, checked at each rule's worst corner of the box of
    supports), naming the priors and what is allowed in one line.

    Derived parameters (:func:`engine.model.registry.derivations`) enter the box with their
    range over their inputs' corners. A rule on priors only between derived parameters is
    checked at the corners of the drawn values they are computed from (so a factor both share,
    such as the FLOP per dollar in both budgets, cancels); between a derived parameter and an
    independently drawn one (a class actor's budget against the compute-anchored frontier's
    budget, or a fixed budget against it) it is not checked: such scenarios are legal points of
    the model.
    """
    for name in priors.outputs:
        if name not in PARAMETERS and name not in DRIVERS and name != "scaling_fit":
            raise ValueError(f"priors.{name}: not a parameter of the model; allowed: "
                             f"{', '.join([*PARAMETERS, *DRIVERS])} (A, alpha and L0 come as "
                             "priors.scaling_law)")
    for p in registry.DRIVERS:
        if p.name in priors.by_output:
            lo, hi = priors.support(p.name)
            for x in (lo, hi) if lo != hi else (lo,):
                x = float(np.clip(x, -np.finfo(float).max, np.finfo(float).max)) if lo != hi \
                    else x
                if not bool(p.domain.test(np.array(x))):
                    prior = priors.by_output[p.name]
                    raise ValueError(f"priors.{prior.name}={prior.describe()}: {p.name} can "
                                     f"reach {x:g}; allowed: {p.domain.allowed}"
                                     + (f"; {p.domain.hint}" if p.domain.hint and lo != hi
                                        else ""))
    derived = set(priors.derived)
    for d in priors.derivations:
        missing = [k for k in d.inputs if k not in priors.by_output and k not in derived
                   and not np.isfinite(priors.defaults.get(k, np.nan))]
        if missing:
            raise ValueError(f"priors.{missing[0]}: missing; {d.name} = {d.formula} needs it")
    box = {n: _bounds(priors, defaults, n) for n in PARAMETERS}

    def joint(rule: registry.Rule) -> bool:
        return not rule.points and any(n in derived for n in rule.names)

    found = registry.broken_corner({n: b[0] for n, b in box.items()},
                                   {n: b[1] for n, b in box.items()}, skip=joint)
    if found is None:
        for rule in registry.DOMAIN:
            if joint(rule) and all(n in derived for n in rule.names):
                found = _joint_corner(rule, priors, box)
                if found is not None:
                    break
    if found is None:
        return
    rule, corner = found

    def where(n: str) -> str:
        p = priors.by_output.get(n)
        if p is not None:
            return f"priors.{p.name}={p.describe()}"
        if n in derived:
            drawn = [priors.by_output[b] for b in priors.base_inputs(n) if b in priors.by_output]
            src = ", ".join(f"priors.{q.name}={q.describe()}" for q in drawn)
            formula = next(d.formula for d in priors.derivations if d.name == n)
            return f"{n} = {formula} ({src})" if src else f"{n} = {formula}"
        return f"{n}={defaults[n]!r}"

    with np.errstate(all="ignore"):
        value = float(rule.subject_value(corner))
    at = "" if rule.subject in rule.names else \
        " (at " + ", ".join(f"{n}={x:g}" for n, x in corner.items()) + ")"
    domain = ", outside the model's domain" if rule.points else ""
    ranged = any(box[n][0] != box[n][1] for n in rule.names)
    hint = f"; {rule.hint}" if rule.hint and ranged else ""
    raise ValueError(f"{' with '.join(where(n) for n in rule.names)}: {rule.subject} can reach "
                     f"{value:g}{at}{domain}; allowed: {rule.allowed_at(corner)}{hint}")


def _joint_corner(rule: registry.Rule, priors: PriorSet, box: Mapping[str, tuple[float, float]]
                  ) -> tuple[registry.Rule, dict[str, float]] | None:
    """A rule on derived parameters, checked at every corner of the drawn values they are
    computed from (the derivations are monotone in each input, so the corners are the worst)."""
    import itertools

    base: list[str] = []
    for n in rule.names:
        base += [x for x in priors.base_inputs(n) if x not in base]
    ranges = [priors.value_range(b) for b in base]
    big = np.finfo(float).max
    with np.errstate(all="ignore"):
        for corner in itertools.product(*ranges):
            v: dict[str, Any] = {b: np.array(np.clip(x, -big, big)) for b, x in
                                 zip(base, corner, strict=True)}
            for d in priors.derivations:
                if all(k in v for k in d.inputs):
                    v[d.name] = d(v)
            point = {n: float(v[n]) if n in v else box[n][0] for n in rule.names}
            if not bool(rule.holds(point)):
                return rule, point
    return None
