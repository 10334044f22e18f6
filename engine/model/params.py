"""The model's parameters: one frozen record with strict names, the authors' setting, the domain.

Every model function takes a :class:`Params`. Its fields are floats or numpy arrays that
broadcast together (one value per scenario, or ``(n, 1)`` columns against a ``(T,)`` time grid).
A misspelt or unknown name is a ``TypeError`` when the record is built, so no function can
silently fall back to a default. Fields, defaults and the domain come from
:mod:`engine.model.registry`, where each parameter is declared once.

References
----------
H. Gundlach, J. Lynch, N. Thompson, "Meek Models Shall Inherit the Earth", arXiv:2507.07931 (2025).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from engine.model import registry

Array = NDArray[np.float64]

#: Parameter names, in the registry's order.
NAMES: tuple[str, ...] = registry.NAMES


def _replace(self: Any, **changes: ArrayLike) -> Any:
    """A copy with some fields changed (unknown names raise TypeError)."""
    return dataclasses.replace(self, **changes)


def _from_mapping(cls: type, values: Mapping[str, ArrayLike]) -> Any:
    """Build from a mapping; missing names take the authors' values, unknown ones raise."""
    unknown = set(values) - set(NAMES)
    if unknown:
        raise TypeError(f"unknown model parameter(s) {sorted(unknown)!r}; known: "
                        f"{', '.join(NAMES)}")
    return cls(**values)


def _as_dict(self: Any) -> dict[str, ArrayLike]:
    """Every field by name, in order."""
    return {name: getattr(self, name) for name in NAMES}


def _map(self: Any, fn: Any) -> Any:
    """Apply ``fn`` to every field (e.g. to make columns: ``p.map(lambda v: v[:, None])``)."""
    return type(self)(**{name: fn(getattr(self, name)) for name in NAMES})


def _arrays(self: Any) -> Any:
    """Every field as a float64 numpy array (0-d for scalars)."""
    return self.map(lambda v: np.asarray(v, dtype=float))


def _scalar(self: Any) -> bool:
    """Whether every field is a scalar."""
    return all(np.ndim(getattr(self, name)) == 0 for name in NAMES)


def _docstring() -> str:
    fields = "\n".join(f"    {p.name} : float or array\n        {p.doc}"
                       for p in registry.PARAMETERS)
    return f"""One parameter set (or one array of them) of the compute-scaling model.

    Generated from :data:`engine.model.registry.PARAMETERS` (defaults: the authors' values).

    Attributes
    ----------
{fields}

    Example
    -------
    >>> PAPER.replace(g_inv=5.0).g_inv
    5.0
    >>> Params(meek_budget=1e6)
    Traceback (most recent call last):
    ...
    TypeError: Params.__init__() got an unexpected keyword argument 'meek_budget'
    """


Params = dataclasses.make_dataclass(
    "Params",
    [(p.name, "ArrayLike", dataclasses.field(default=p.default)) for p in registry.PARAMETERS],
    namespace={"replace": _replace, "from_mapping": classmethod(_from_mapping),
               "as_dict": _as_dict, "map": _map, "arrays": _arrays,
               "scalar": property(_scalar), "__doc__": _docstring(), "__module__": __name__},
    frozen=True, slots=True)

#: The authors' setting (Gundlach et al. 2025 and their notebooks).
PAPER = Params()

#: Reason codes returned by :func:`domain_reason` (0 means the scenario is valid).
DOMAIN_REASONS: dict[int, str] = registry.REASONS


def domain_reason(p: Params) -> NDArray[np.int8]:
    """Why each scenario lies outside the model's domain (0 = valid); codes in DOMAIN_REASONS.

    Example
    -------
    >>> domain_reason(PAPER.replace(g_alg=np.array([2.8, 0.5]))).tolist()
    [0, 2]
    """
    q = p.arrays()
    v = dict(zip(NAMES, np.broadcast_arrays(*(getattr(q, n) for n in NAMES)), strict=True))
    return registry.domain_codes(v)


def check(p: Params) -> None:
    """For a scalar parameter set: raise ValueError naming the first invalid parameter.

    Array parameter sets are not checked here: their invalid scenarios become NaN and
    :func:`domain_reason` says why, so an engine can count them.

    Example
    -------
    >>> check(PAPER.replace(g_inv=0.9))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: g_inv=0.9 is outside the model's domain; allowed: > 1 (the frontier's ...)
    """
    if not p.scalar:
        return
    v = {n: float(getattr(p, n)) for n in NAMES}
    rule = registry.first_broken(v)
    if rule is None:
        return
    value = getattr(p, rule.subject) if rule.value is None else float(rule.value(v))
    raise ValueError(f"{rule.subject}={value!r} is outside the model's domain; allowed: "
                     f"{rule.allowed_at(v)}")


def valid_or_paper(p: Params) -> tuple[Params, NDArray[np.bool_]]:
    """Arrays with invalid scenarios replaced by the authors' values, and the validity mask.

    Engines evaluate the replaced set (no warnings or garbage from undefined logarithms) and
    mask the invalid scenarios to NaN afterwards.
    """
    ok = domain_reason(p) == 0
    q = p.arrays()
    safe = {n: np.where(ok, getattr(q, n), getattr(PAPER, n)) for n in NAMES}
    return Params(**safe), ok
