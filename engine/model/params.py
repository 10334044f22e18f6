"""The model's parameters: one frozen record with strict names, the authors' setting, the domain.

Every model function takes a :class:`Params`. Its fields are floats or numpy arrays that
broadcast together (one value per scenario, or ``(n, 1)`` columns against a ``(T,)`` time grid).
A misspelt or unknown name is a ``TypeError`` when the record is built, so no function can
silently fall back to a default.

References
----------
H. Gundlach, J. Lynch, N. Thompson, "Meek Models Shall Inherit the Earth", arXiv:2507.07931 (2025).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Params:
    """One parameter set (or one array of them) of the compute-scaling model.

    Attributes
    ----------
    alpha, A, L0 : float or array
        Compute-optimal scaling law L(C) = A C^-alpha + L0 (one published fit's triple).
    g_alg, g_hw, g_inv, g_inf : float or array
        Yearly growth factors: algorithmic efficiency, hardware FLOP per dollar, frontier
        investment, inference price-performance.
    meek_budget_usd, sota_budget_usd : float or array
        Training budgets at t = 0 of the meek actor (fixed for ever) and of the frontier.
    flop_per_usd : float or array
        Hardware FLOP per dollar at t = 0.
    price_per_token_usd : float or array
        The fixed price per token of the inference user.
    switch_year, g_inv_after : float or array
        Investment schedule: growth g_inv until switch_year (inf = never), then g_inv_after.
    export_control_strength : float or array
        Policy lever e in [0, 1]: from t = 0 the meek actor's FLOP per dollar grows by
        g_hw^(1 - e) a year instead of g_hw (0 = no export controls).
    diffusion_lag_years : float or array
        Policy lever L >= 0: algorithmic progress made after t = 0 reaches the meek actor L
        years late (0 = no lag).
    inference_compute_multiplier : float or array
        m in C_inf = m c^2: training compute of the best model a price buys, per squared FLOP
        per token. The paper's 1; Chinchilla's C = 6 N D with D = r N and c = 2 N gives
        C = 1.5 r c^2 (30 at r = 20 tokens per parameter, more for overtrained small models).

    Example
    -------
    >>> PAPER.replace(g_inv=5.0).g_inv
    5.0
    >>> Params(meek_budget=1e6)
    Traceback (most recent call last):
    ...
    TypeError: Params.__init__() got an unexpected keyword argument 'meek_budget'
    """

    alpha: ArrayLike = 0.154
    A: ArrayLike = 1070.0
    L0: ArrayLike = 1.7
    g_alg: ArrayLike = 2.8
    g_hw: ArrayLike = 1.4
    g_inv: ArrayLike = 5.0 / 1.4
    g_inf: ArrayLike = 9.0
    meek_budget_usd: ArrayLike = 1000.0
    sota_budget_usd: ArrayLike = 1000.0
    flop_per_usd: ArrayLike = 1e17
    price_per_token_usd: ArrayLike = 1e-8
    switch_year: ArrayLike = math.inf
    g_inv_after: ArrayLike = 1.0
    export_control_strength: ArrayLike = 0.0
    diffusion_lag_years: ArrayLike = 0.0
    inference_compute_multiplier: ArrayLike = 1.0

    def replace(self, **changes: ArrayLike) -> Params:
        """A copy with some fields changed (unknown names raise TypeError)."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_mapping(cls, values: Mapping[str, ArrayLike]) -> Params:
        """Build from a mapping; missing names take the authors' values, unknown ones raise."""
        unknown = set(values) - set(NAMES)
        if unknown:
            raise TypeError(f"unknown model parameter(s) {sorted(unknown)!r}; known: "
                            f"{', '.join(NAMES)}")
        return cls(**values)

    def as_dict(self) -> dict[str, ArrayLike]:
        return {name: getattr(self, name) for name in NAMES}

    def map(self, fn: Any) -> Params:
        """Apply ``fn`` to every field (e.g. to make columns: ``p.map(lambda v: v[:, None])``)."""
        return Params(**{name: fn(getattr(self, name)) for name in NAMES})

    def arrays(self) -> Params:
        """Every field as a float64 numpy array (0-d for scalars)."""
        return self.map(lambda v: np.asarray(v, dtype=float))

    @property
    def scalar(self) -> bool:
        return all(np.ndim(getattr(self, name)) == 0 for name in NAMES)


NAMES: tuple[str, ...] = tuple(f.name for f in fields(Params))

#: The authors' setting (MODEL.md; Gundlach et al. 2025 and their notebooks).
PAPER = Params()

#: Reason codes returned by :func:`domain_reason` (0 means the scenario is valid).
DOMAIN_REASONS: dict[int, str] = {
    0: "valid",
    1: "a growth factor, budget, price, multiplier, alpha or A is not a finite positive number",
    2: "g_alg * g_hw <= 1: the meek model makes no progress",
    3: "g_inv <= 1: the frontier does not outgrow the meek model",
    4: "g_inv_after outside [1, g_inv]",
    5: "switch_year is NaN or negative",
    6: "export_control_strength outside [0, 1] or diffusion_lag_years not a finite number >= 0",
    7: "g_alg * g_hw**(1 - export_control_strength) <= 1: export controls stop meek progress",
    8: "L0 is not a finite number",
}

_POSITIVE = ("alpha", "A", "g_alg", "g_hw", "g_inv", "g_inf", "meek_budget_usd",
             "sota_budget_usd", "flop_per_usd", "price_per_token_usd", "g_inv_after",
             "inference_compute_multiplier")


def domain_reason(p: Params) -> NDArray[np.int8]:
    """Why each scenario lies outside the model's domain (0 = valid); codes in DOMAIN_REASONS.

    Example
    -------
    >>> domain_reason(PAPER.replace(g_alg=np.array([2.8, 0.5]))).tolist()
    [0, 2]
    """
    q = p.arrays()
    v = dict(zip(NAMES, np.broadcast_arrays(*(getattr(q, n) for n in NAMES)), strict=True))
    positive = np.ones(v["alpha"].shape, dtype=bool)
    for name in _POSITIVE:
        positive &= np.isfinite(v[name]) & (v[name] > 0)
    e, lag = v["export_control_strength"], v["diffusion_lag_years"]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        rules = [  # later rules win: the most basic failure is reported
            (7, ~(np.log(v["g_alg"]) + (1 - e) * np.log(v["g_hw"]) > 0)),
            (6, ~((e >= 0) & (e <= 1) & np.isfinite(lag) & (lag >= 0))),
            (5, np.isnan(v["switch_year"]) | (v["switch_year"] < 0)),
            (4, ~((v["g_inv_after"] >= 1) & (v["g_inv_after"] <= v["g_inv"]))),
            (3, ~(v["g_inv"] > 1)),
            (2, ~(v["g_alg"] * v["g_hw"] > 1)),
            (8, ~np.isfinite(v["L0"])),
            (1, ~positive),
        ]
    reason = np.zeros(v["alpha"].shape, dtype=np.int8)
    for code, bad in rules:
        reason = np.where(bad, np.int8(code), reason)
    return reason


def check(p: Params) -> None:
    """For a scalar parameter set: raise ValueError naming the first invalid parameter.

    Array parameter sets are not checked here: their invalid scenarios become NaN and
    :func:`domain_reason` says why, so an engine can count them.

    Example
    -------
    >>> check(PAPER.replace(g_inv=0.9))
    Traceback (most recent call last):
    ...
    ValueError: g_inv=0.9 is outside the model's domain: g_inv > 1 (the frontier must outgrow the meek model)
    """
    if not p.scalar:
        return
    reason = int(domain_reason(p))
    if reason == 0:
        return
    v = {n: float(getattr(p, n)) for n in NAMES}
    if reason == 1:
        name = next(n for n in _POSITIVE if not (math.isfinite(v[n]) and v[n] > 0))
        _fail(name, getattr(p, name), "a finite number > 0")
    if reason == 8:
        _fail("L0", p.L0, "a finite number")
    if reason == 2:
        _fail("g_alg*g_hw", v["g_alg"] * v["g_hw"], "g_alg * g_hw > 1 (meek compute must grow)")
    if reason == 3:
        _fail("g_inv", p.g_inv, "g_inv > 1 (the frontier must outgrow the meek model)")
    if reason == 4:
        _fail("g_inv_after", p.g_inv_after, "1 <= g_inv_after <= g_inv")
    if reason == 5:
        _fail("switch_year", p.switch_year, "a number >= 0 or inf")
    if reason == 6:
        e = v["export_control_strength"]
        if not 0 <= e <= 1:
            _fail("export_control_strength", p.export_control_strength, "0 <= e <= 1")
        _fail("diffusion_lag_years", p.diffusion_lag_years, "a finite number >= 0")
    _fail("g_alg*g_hw**(1-export_control_strength)",
          v["g_alg"] * v["g_hw"] ** (1 - v["export_control_strength"]),
          "> 1 (the meek actor must still progress under export controls)")


def _fail(name: str, value: Any, allowed: str) -> None:
    raise ValueError(f"{name}={value!r} is outside the model's domain: {allowed}")


def valid_or_paper(p: Params) -> tuple[Params, NDArray[np.bool_]]:
    """Arrays with invalid scenarios replaced by the authors' values, and the validity mask.

    Engines evaluate the replaced set (no warnings or garbage from undefined logarithms) and
    mask the invalid scenarios to NaN afterwards.
    """
    ok = domain_reason(p) == 0
    q = p.arrays()
    safe = {n: np.where(ok, getattr(q, n), getattr(PAPER, n)) for n in NAMES}
    return Params(**safe), ok
