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
    if name in priors.by_output:
        return priors.support(name)
    v = defaults[name]
    return v, v


def check_priors(priors: PriorSet, defaults: Mapping[str, float]) -> None:
    """Refuse priors whose supports can leave the model's domain (the rules of
    :data:`engine.model.registry.DOMAIN`, checked at each rule's worst corner of the box of
    supports), naming the priors and what is allowed in one line."""
    for name in priors.outputs:
        if name not in PARAMETERS and name != "scaling_fit":
            raise ValueError(f"priors.{name}: not a parameter of the model; allowed: "
                             f"{', '.join(PARAMETERS)} (A, alpha and L0 come as "
                             "priors.scaling_law)")
    box = {n: _bounds(priors, defaults, n) for n in PARAMETERS}
    found = registry.broken_corner({n: b[0] for n, b in box.items()},
                                   {n: b[1] for n, b in box.items()})
    if found is None:
        return
    rule, corner = found

    def where(n: str) -> str:
        p = priors.by_output.get(n)
        return f"priors.{p.name}={p.describe()}" if p is not None else f"{n}={defaults[n]!r}"

    with np.errstate(all="ignore"):
        value = float(rule.subject_value(corner))
    at = "" if rule.subject in rule.names else \
        " (at " + ", ".join(f"{n}={x:g}" for n, x in corner.items()) + ")"
    domain = ", outside the model's domain" if rule.points else ""
    ranged = any(box[n][0] != box[n][1] for n in rule.names)
    hint = f"; {rule.hint}" if rule.hint and ranged else ""
    raise ValueError(f"{' with '.join(where(n) for n in rule.names)}: {rule.subject} can reach "
                     f"{value:g}{at}{domain}; allowed: {rule.allowed_at(corner)}{hint}")
