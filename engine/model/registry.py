"""The model's table of contents: every parameter, domain rule, outcome and series, declared once.

Everything else is derived from these declarations: the parameter record (:class:`.params.Params`,
its field order, defaults and docstring), the three domain checks (:func:`.params.domain_reason` on
arrays of points, :func:`.params.check` on one point, and the check of prior supports in
:mod:`engine.simulators.meek`), the outcome and series names (:data:`.outcomes.OUTCOMES`,
:data:`.outcomes.SERIES`), the compiled kernel's input rows, output rows and output width, the
simulator's CF metadata and the kernel-versus-reference tolerances of the tests.

Adding an outcome is one :class:`Output` in :data:`OUTCOME_TABLE` (or a :class:`Family` of
per-horizon outcomes in :data:`FAMILIES`, or a series in :data:`SERIES_TABLE`) plus its formula
in the reference (:mod:`.outcomes`) and in the kernel (:mod:`.compiled`). Adding a parameter is one
:class:`Parameter` (with its domain) plus its use in the formulas.

Domain rules
------------
A :class:`Rule` is one condition, written once as a vectorised predicate (``holds``) over a
mapping of parameter arrays. On points it gives the reason codes of :data:`REASONS`: a point
breaking several rules gets the code that comes first in :data:`PRECEDENCE` (the most basic
failure). On a box of prior supports (each parameter between its lowest and highest value) a rule
is checked at its worst corners: each rule states, per parameter, whether holding at a value
implies holding at every larger one (+1), every smaller one (-1), or neither (0: both ends are
tried; at most one such parameter per rule, where the rule must hold on an interval). Rules are
checked in precedence order, so a rule's monotonicity may lean on the rules before it (for
example ``1 - export_control_strength >= 0``). An infinite end of a prior's support is never
drawn (a continuous prior's draws are finite), so it is checked as the largest finite number;
a fixed value is checked as it is.

The rule that the frontier never starts behind the meek actor (the highest meek budget at most
the lowest frontier budget) is a rule on priors only (``points=False``): a single scenario with
a richer meek actor is a legal input of the model, but a prior that mixes actors with frontiers
poorer than themselves is refused.

References
----------
H. Gundlach, J. Lynch, N. Thompson, "Meek Models Shall Inherit the Earth", arXiv:2507.07931 (2025).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine.model import benchmarks as _bench

Array = NDArray[np.float64]
Values = Mapping[str, Any]

#: UDUNITS name of a year (annum).
YEARS = "a"


# --------------------------------------------------------------------------- domain vocabulary

@dataclass(frozen=True)
class Bound:
    """A condition on one parameter alone (its name is filled in by :class:`Parameter`).

    Attributes
    ----------
    code : int
        Reason code when it fails.
    test : callable
        ``test(x)`` -> bool array, True where x is allowed.
    allowed : str
        What is allowed, for messages.
    monotone : int
        +1, -1 or 0, as :attr:`Rule.monotone`.
    hint : str
        Advice added to a message about a prior's support (not about a single value).
    """

    code: int
    test: Callable[[Array], NDArray[np.bool_]]
    allowed: str
    monotone: int = 0
    hint: str = ""


def _finite_positive(x: Array) -> NDArray[np.bool_]:
    return np.isfinite(x) & (x > 0)


#: A finite number > 0 (growth factors, budgets, prices, alpha, A).
POSITIVE = Bound(1, _finite_positive, "a finite number > 0",
                 hint="truncate the prior with low: ...")
#: A finite number (L0).
FINITE = Bound(8, np.isfinite, "a finite number")
#: A number >= 0 or inf (the switch year).
YEAR_OR_NEVER = Bound(5, lambda x: ~np.isnan(x) & (x >= 0), "a number >= 0 or inf", monotone=+1)
#: A fraction in [0, 1] (export control strength).
FRACTION = Bound(6, lambda x: (x >= 0) & (x <= 1), "within [0, 1]")
#: A finite number >= 0 (the diffusion lag).
NONNEGATIVE = Bound(6, lambda x: np.isfinite(x) & (x >= 0), "a finite number >= 0")
#: A finite growth factor >= 1 (the meek actor's budget growth).
NOT_SHRINKING = Bound(9, lambda x: np.isfinite(x) & (x >= 1),
                      "a finite number >= 1 (a meek budget that does not shrink)", monotone=+1,
                      hint="truncate the prior with low: 1")


def _ceiling(floor: float) -> Bound:
    """A benchmark's ceiling: at least its chance level ``floor`` (equal: a flat score, no
    gap), at most 1."""
    return Bound(10, lambda x: (x >= floor) & (x <= 1), f"within [{floor:g}, 1] (chance to 1)",
                 monotone=0, hint=f"draw it on [{floor:g}, 1] (beta with low: {floor:g})")


#: A benchmark's midpoint (log10 effective FLOP): a finite number.
BENCH_FINITE = Bound(10, np.isfinite, "a finite number")
#: A benchmark's slope (logistic units per decade): a finite number > 0.
BENCH_POSITIVE = Bound(10, _finite_positive, "a finite number > 0",
                       hint="truncate the prior with low: ...")


@dataclass(frozen=True)
class Rule:
    """One condition of the model's domain, for arrays of points and for boxes of supports.

    Attributes
    ----------
    code : int
        Its code in :data:`REASONS` (0 for a rule on priors only).
    subject : str
        What messages show: a parameter's name or an expression of several.
    names : tuple of str
        The parameters it reads, in the order a message names their priors.
    holds : callable
        ``holds(v)`` -> bool array over a mapping of broadcastable parameter arrays.
    allowed : str
        What is allowed; a ``str.format`` template over the values of ``names``.
    monotone : tuple of int
        Per name: +1 if holding at a value implies holding at every larger one (the others
        fixed), -1 for every smaller one, 0 for neither (both ends are tried).
    value : callable, optional
        The subject's value for messages (default: the parameter named ``subject``).
    points : bool
        False for a rule on priors only.
    hint : str
        Advice added to a message about a prior's support.
    """

    code: int
    subject: str
    names: tuple[str, ...]
    holds: Callable[[Values], NDArray[np.bool_]]
    allowed: str
    monotone: tuple[int, ...]
    value: Callable[[Values], Any] | None = None
    points: bool = True
    hint: str = ""

    def subject_value(self, v: Values) -> Any:
        """The subject's value at the point(s) ``v``."""
        return v[self.subject] if self.value is None else self.value(v)

    def allowed_at(self, v: Values) -> str:
        """The allowed text with the values of ``v`` filled in."""
        return self.allowed.format(**{n: float(v[n]) for n in self.names})


# --------------------------------------------------------------------------- parameters

@dataclass(frozen=True)
class Parameter:
    """One model parameter.

    Attributes
    ----------
    name : str
        Field of :class:`.params.Params` and variable name in saved data.
    default : float
        The authors' value (Gundlach et al. 2025 and their notebooks).
    units : str
        CF (UDUNITS) units.
    long_name : str
        CF long_name.
    doc : str
        One line for the parameter record's docstring.
    attrs : mapping
        Further CF attributes (``comment``, ``display_units``).
    domain : Bound
        Its own condition (relations between parameters are :data:`RELATIONS`).
    """

    name: str
    default: float
    units: str
    long_name: str
    doc: str
    attrs: Mapping[str, Any] = field(default_factory=dict)
    domain: Bound = POSITIVE

    def rule(self) -> Rule:
        """Its :attr:`domain` as a :class:`Rule`."""
        b, name = self.domain, self.name
        return Rule(b.code, name, (name,), lambda v: b.test(v[name]), b.allowed, (b.monotone,),
                    hint=b.hint)


_LAW = "of L(C) = A C^-alpha + L0"

#: Every parameter, in the order of the model's variables (the order of a design's columns).
PARAMETERS: tuple[Parameter, ...] = (
    Parameter("alpha", 0.154, "1", "scaling exponent alpha",
              "Exponent of the compute-optimal loss L(C) = A C^-alpha + L0.",
              {"comment": _LAW}),
    Parameter("A", 1070.0, "1", "scaling coefficient A",
              "Coefficient of L(C) (A, alpha and L0 are one published fit's triple).",
              {"comment": _LAW, "display_units": "nats"}),
    Parameter("L0", 1.7, "1", "irreducible loss L0", "Irreducible loss of L(C), nats.",
              {"display_units": "nats"}, domain=FINITE),
    Parameter("g_alg", 2.8, "1", "algorithmic efficiency growth factor per year",
              "Yearly growth of algorithmic efficiency (effective compute per FLOP)."),
    Parameter("g_hw", 1.4, "1", "hardware FLOP per USD growth factor per year",
              "Yearly growth of hardware FLOP per dollar."),
    Parameter("g_inv", 5.0 / 1.4, "1", "frontier investment growth factor per year",
              "Yearly growth of the frontier's training budget until the switch year."),
    Parameter("g_inf", 9.0, "1", "inference price-performance growth factor per year",
              "Yearly growth of inference price-performance."),
    Parameter("meek_budget_usd", 1000.0, "1", "meek actor's training budget (USD)",
              "The meek actor's training budget at t = 0, USD."),
    Parameter("sota_budget_usd", 1000.0, "1", "frontier training budget at the start (USD)",
              "The frontier's training budget at t = 0, USD."),
    Parameter("flop_per_usd", 1e17, "1", "hardware FLOP per USD at the start",
              "Hardware FLOP per dollar at t = 0."),
    Parameter("price_per_token_usd", 1e-8, "1", "inference user's fixed price (USD per token)",
              "The fixed price per token of the inference user."),
    Parameter("switch_year", math.inf, YEARS,
              "years after the start when investment growth switches",
              "Investment grows g_inv a year until switch_year (inf: never), then g_inv_after.",
              domain=YEAR_OR_NEVER),
    Parameter("g_inv_after", 1.0, "1",
              "frontier investment growth factor per year after the switch",
              "Yearly growth of the frontier's budget after the switch year."),
    Parameter("export_control_strength", 0.0, "1", "export control strength e",
              "Policy lever e in [0, 1]: from t = 0 the meek actor's FLOP per dollar grows "
              "g_hw^(1 - e) a year (0: no export controls).",
              {"comment": "the meek actor's hardware progress is g_hw**(1 - e) per year"},
              domain=FRACTION),
    Parameter("inference_compute_multiplier", 1.0, "1", "inference compute multiplier m",
              "m in C_inf = m c^2 (c: FLOP per token); the paper's 1, Chinchilla's C = 6 N D "
              "with D = r N and c = 2 N gives 1.5 r.",
              {"comment": "training compute of the best model a price buys is m c^2 (c: FLOP "
                          "per token); the paper's m = 1"}),
    Parameter("diffusion_lag_years", 0.0, YEARS, "diffusion lag of algorithmic progress",
              "Policy lever L >= 0: algorithmic progress made after t = 0 reaches the meek "
              "actor L years late (0: no lag).",
              {"comment": "years by which new algorithms reach the meek actor late"},
              domain=NONNEGATIVE),
    # meek_growth's domain, decided here once: >= 1 (a budget that never shrinks) and nothing
    # more. It may equal or exceed g_inv: the lead s - m then shrinks (before the switch year,
    # or after it wherever meek_growth > g_inv_after), the meek actor overtakes the frontier and
    # the loss gap closes faster and turns negative. Where the lead does not grow before t = 0
    # the gap grows without bound into the past, so t_peak and t_inflection are NaN there
    # (peak_gap, the largest gap from t = 0 on, is still defined wherever the frontier leads
    # from t = 0 on); equal budgets growing at equal rates give a gap of exactly 0.
    Parameter("meek_growth", 1.0, "1", "meek actor's budget growth factor per year",
              "Yearly growth of the meek actor's budget, B_m meek_growth^t (the paper's 1: a "
              "fixed budget); >= 1, and it may exceed g_inv (the meek actor then overtakes).",
              {"comment": "the meek actor's budget is meek_budget_usd meek_growth^t; it may "
                          "outgrow the frontier's (the loss gap then turns negative)"},
              domain=NOT_SHRINKING),
) + tuple(
    # the capability layer (engine.model.benchmarks, data/BENCHMARKS.md): each benchmark's
    # logistic in log10 of 2025-equivalent effective FLOP; the floor is its chance level (a
    # constant), defaults are the priors' medians (the paper has no such benchmark)
    p for b in _bench.BENCHMARKS.values() for p in (
        Parameter(f"{b.name}_ceiling", b.default("ceiling"), "1", f"{b.long_name} ceiling",
                  f"{b.long_name}: highest fraction correct (label noise keeps it below 1); "
                  f"floor {b.floor:g} (chance).",
                  {"comment": f"score = {b.floor:g} + (ceiling - {b.floor:g}) / (1 + "
                              "exp(-slope (log10 C_eff - midpoint)))"},
                  domain=_ceiling(b.floor)),
        Parameter(f"{b.name}_midpoint", b.default("midpoint"), "1", f"{b.long_name} midpoint",
                  f"{b.long_name}: log10 of the 2025-equivalent effective FLOP at half way.",
                  {"display_units": "log10 FLOP"}, domain=BENCH_FINITE),
        Parameter(f"{b.name}_slope", b.default("slope"), "1", f"{b.long_name} slope",
                  f"{b.long_name}: logistic units per decade of effective compute.",
                  {"display_units": "per decade"}, domain=BENCH_POSITIVE)))

#: Parameter names in order.
NAMES: tuple[str, ...] = tuple(p.name for p in PARAMETERS)
#: The authors' values.
DEFAULTS: dict[str, float] = {p.name: p.default for p in PARAMETERS}


# --------------------------------------------------------------------------- drivers

#: Inputs that are not parameters of the model's formulas but set some of them (a
#: :class:`Derivation` each, :func:`derivations`): a prior on one of these replaces the prior on
#: the parameter it sets, which is then computed per scenario and is not a factor of any
#: analysis. Defaults are NaN: a driver acts only when a prior names it.
DRIVERS: tuple[Parameter, ...] = (
    Parameter("sota_compute_flop", math.nan, "1", "frontier training compute at the start (FLOP)",
              "Training compute of the largest run at t = 0; sets sota_budget_usd = "
              "sota_compute_flop / flop_per_usd.",
              {"display_units": "FLOP"}),
    Parameter("max_training_spend_usd", math.nan, "1",
              "largest training run the world will pay for (USD)",
              "Frontier spending per run grows g_inv a year until it reaches this, then "
              "g_inv_after: sets switch_year = max(0, ln(max_training_spend_usd / "
              "sota_budget_usd) / ln g_inv).",
              {"display_units": "USD"}),
    Parameter("meek_compute_flop", math.nan, "1", "named run's training compute (FLOP)",
              "Training compute of the named run the meek actor is; sets meek_budget_usd = "
              "meek_compute_flop g_hw^meek_run_age_years / flop_per_usd.",
              {"display_units": "FLOP"}),
    Parameter("meek_run_age_years", 0.0, YEARS, "years from the named run to the start",
              "Start year minus the named run's release (negative: released after the start).",
              domain=Bound(8, np.isfinite, "a finite number")),
)
DRIVER_NAMES: tuple[str, ...] = tuple(p.name for p in DRIVERS)


def _switch_year(cap: Any, sota: Any, g_inv: Any) -> Any:
    return np.maximum(0.0, np.log(cap / sota) / np.log(g_inv))


def _meek_budget(compute: Any, g_hw: Any, age: Any, flop_per_usd: Any) -> Any:
    return compute * g_hw ** age / flop_per_usd


#: (driver, derivation): the parameter each driver sets, in the order they are applied.
_DERIVE: tuple[tuple[str, str, tuple[str, ...], Callable[..., Any], str], ...] = (
    ("sota_compute_flop", "sota_budget_usd", ("sota_compute_flop", "flop_per_usd"),
     lambda c, f: c / f, "sota_compute_flop / flop_per_usd"),
    ("meek_compute_flop", "meek_budget_usd",
     ("meek_compute_flop", "g_hw", "meek_run_age_years", "flop_per_usd"), _meek_budget,
     "meek_compute_flop g_hw^meek_run_age_years / flop_per_usd"),
    ("max_training_spend_usd", "switch_year",
     ("max_training_spend_usd", "sota_budget_usd", "g_inv"), _switch_year,
     "max(0, ln(max_training_spend_usd / sota_budget_usd) / ln g_inv)"),
)


def derivations(drawn: Any) -> list[Any]:
    """The :class:`engine.priors.Derivation` of every driver among the names ``drawn`` (the
    outputs of a run's priors), in the order they apply.

    Example
    -------
    >>> [d.name for d in derivations({"sota_compute_flop", "max_training_spend_usd"})]
    ['sota_budget_usd', 'switch_year']
    """
    from engine.priors.joint import Derivation

    drawn = set(drawn)
    return [Derivation(name, inputs, fn, formula)
            for driver, name, inputs, fn, formula in _DERIVE if driver in drawn]


# --------------------------------------------------------------------------- relations

def _log(x: Any) -> Any:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x)


#: Rules between parameters (each parameter's own rule comes with it).
RELATIONS: tuple[Rule, ...] = (
    Rule(2, "g_alg*g_hw", ("g_alg", "g_hw"), lambda v: v["g_alg"] * v["g_hw"] > 1,
         "> 1 (meek compute must grow)", (+1, +1), value=lambda v: v["g_alg"] * v["g_hw"]),
    Rule(3, "g_inv", ("g_inv",), lambda v: v["g_inv"] > 1,
         "> 1 (the frontier's budget must grow)", (+1,)),
    Rule(4, "g_inv_after", ("g_inv_after", "g_inv"),
         lambda v: (v["g_inv_after"] >= 1) & (v["g_inv_after"] <= v["g_inv"]),
         "1 <= g_inv_after <= g_inv = {g_inv:g}", (0, +1)),
    Rule(7, "g_alg*g_hw**(1-export_control_strength)",
         ("export_control_strength", "g_alg", "g_hw"),
         lambda v: _log(v["g_alg"]) + (1 - v["export_control_strength"]) * _log(v["g_hw"]) > 0,
         "> 1 (the meek actor must still progress under export controls)", (0, +1, +1),
         value=lambda v: v["g_alg"] * v["g_hw"] ** (1 - v["export_control_strength"])),
    Rule(0, "meek_budget_usd", ("meek_budget_usd", "sota_budget_usd"),
         lambda v: v["meek_budget_usd"] <= v["sota_budget_usd"],
         "<= sota_budget_usd = {sota_budget_usd:g} USD (the frontier never starts behind the "
         "meek actor: choose another actor or frontier prior)", (-1, +1), points=False),
)

#: Reason codes of :func:`.params.domain_reason` (0: the scenario is valid).
REASONS: dict[int, str] = {
    0: "valid",
    1: "a growth factor, budget, price, multiplier, alpha or A is not a finite positive number",
    2: "g_alg * g_hw <= 1: the meek model makes no progress",
    3: "g_inv <= 1: the frontier's budget does not grow",
    4: "g_inv_after outside [1, g_inv]",
    5: "switch_year is NaN or negative",
    6: "export_control_strength outside [0, 1] or diffusion_lag_years not a finite number >= 0",
    7: "g_alg * g_hw**(1 - export_control_strength) <= 1: export controls stop meek progress",
    8: "L0 is not a finite number",
    9: "meek_growth is not a finite number >= 1 (the meek actor's budget must not shrink)",
    10: "a benchmark's ceiling outside [its chance level, 1], or its midpoint or slope not a "
        "finite number (the slope > 0)",
}
#: Which code a point breaking several rules gets: the first here (the most basic failure).
PRECEDENCE: tuple[int, ...] = (1, 8, 2, 3, 4, 5, 6, 7, 9, 10)


def _domain() -> tuple[Rule, ...]:
    rules = [p.rule() for p in PARAMETERS] + list(RELATIONS)
    for r in rules:
        if r.points and r.code not in PRECEDENCE:
            raise ImportError(f"domain rule on {r.subject!r}: code {r.code} has no place in "
                              "PRECEDENCE")
        unknown = set(r.names) - set(NAMES)
        if unknown or len(r.monotone) != len(r.names) or list(r.monotone).count(0) > 1:
            raise ImportError(f"domain rule on {r.subject!r}: names {r.names} / monotone "
                              f"{r.monotone}: unknown names or more than one 0")
    if set(PRECEDENCE) != set(REASONS) - {0}:
        raise ImportError("REASONS and PRECEDENCE name different codes")
    order = {c: k for k, c in enumerate(PRECEDENCE)}
    point = sorted((r for r in rules if r.points), key=lambda r: order[r.code])  # stable
    return tuple(point) + tuple(r for r in rules if not r.points)


#: Every rule, in the order they are checked: point rules by precedence (declaration order
#: within a code), then the rules on priors only.
DOMAIN: tuple[Rule, ...] = _domain()
_BY_CODE: dict[int, tuple[Rule, ...]] = {
    c: tuple(r for r in DOMAIN if r.points and r.code == c) for c in PRECEDENCE}


def domain_codes(v: Values) -> NDArray[np.int8]:
    """Reason code per point of ``v`` (a mapping of broadcast parameter arrays), 0 = valid.

    Example
    -------
    >>> v = {n: np.full(2, d) for n, d in DEFAULTS.items()}
    >>> v["g_inv"] = np.array([3.0, 0.5])
    >>> domain_codes(v).tolist()
    [0, 3]
    """
    shape = np.broadcast(*(np.asarray(v[n]) for n in NAMES)).shape
    reason = np.zeros(shape, dtype=np.int8)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for code in reversed(PRECEDENCE):  # the first code in precedence order wins
            ok = None
            for rule in _BY_CODE[code]:
                ok = rule.holds(v) if ok is None else ok & rule.holds(v)
            reason = np.where(ok, reason, np.int8(code))
    return reason


def first_broken(v: Values) -> Rule | None:
    """The first rule (in :data:`DOMAIN` order, point rules only) that the single point ``v``
    breaks, or None."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for rule in DOMAIN:
            if rule.points and not bool(rule.holds(v)):
                return rule
    return None


def _corners(rule: Rule, lo: Values, hi: Values) -> Iterator[dict[str, float]]:
    """The worst corners of the box [lo, hi] for a rule (module docstring)."""
    ends = []
    for name, m in zip(rule.names, rule.monotone, strict=True):
        a, b = float(lo[name]), float(hi[name])
        ends.append([a] if m > 0 else [b] if m < 0 else ([a] if a == b else [a, b]))
    for values in itertools.product(*ends):
        yield dict(zip(rule.names, values, strict=True))


def broken_corner(lo: Values, hi: Values, skip: Callable[[Rule], bool] = lambda r: False
                  ) -> tuple[Rule, dict[str, float]] | None:
    """The first rule a box of supports [lo[n], hi[n]] can break, with the corner that breaks
    it (as given: infinite ends of a range are checked as the largest finite number), or None;
    rules for which ``skip(rule)`` is true are not checked.

    Example
    -------
    >>> lo = dict(DEFAULTS, g_alg=0.5, g_hw=1.25)
    >>> hi = dict(DEFAULTS, g_alg=4.0, g_hw=1.5)
    >>> rule, corner = broken_corner(lo, hi)
    >>> rule.subject, corner
    ('g_alg*g_hw', {'g_alg': 0.5, 'g_hw': 1.25})
    """
    big = np.finfo(float).max
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for rule in DOMAIN:
            if skip(rule):
                continue
            for corner in _corners(rule, lo, hi):
                checked = {}
                for n, x in corner.items():
                    ranged = float(lo[n]) != float(hi[n])
                    checked[n] = float(np.clip(x, -big, big)) if ranged and np.isinf(x) else x
                if not bool(rule.holds(checked)):
                    return rule, corner
    return None


# --------------------------------------------------------------------------- outputs

#: How closely the compiled kernel must agree with the numpy reference, per kind of value
#: (``tests/test_kernel.py`` implements each; its docstring gives the reasons).
TOLERANCES: dict[str, str] = {
    "exact": "equal (codes)",
    "time": "1e-12 max(|t|, 1 year): a time is a position on an axis of arbitrary origin",
    "loss": "1e-12 of the meek model's loss term A C_m(t)^-alpha at the value's time (a "
            "series' t, a family's horizon, t = 0 for a peak from t = 0 on)",
    "inference_loss": "1e-12 of the inference user's loss term A C_inf(t)^-alpha",
    "benchmark": "1e-12 of 100 percentage points (the scores a benchmark gap is the "
                 "difference of)",
    "maximiser": "a time checked as a maximiser: the reference's benchmark gap at the "
                 "kernel's time equals the reference's peak (``of``, default "
                 "peak_benchmark_gap) to the benchmark floor",
    "reciprocal": "the relative tolerance of the gap (``of``) it is the reciprocal of",
    "relative": "1e-12 relative",
}


@dataclass(frozen=True)
class Output:
    """One per-scenario outcome or (scenario, t) series.

    Attributes
    ----------
    name : str
    units : str
        CF (UDUNITS) units.
    long_name : str
    tolerance : str
        Its class in :data:`TOLERANCES`.
    attrs : mapping
        Further CF attributes.
    of : str, optional
        For a ``reciprocal`` tolerance: the gap it is the reciprocal of.
    """

    name: str
    units: str
    long_name: str
    tolerance: str
    attrs: Mapping[str, Any] = field(default_factory=dict)
    of: str | None = None


@dataclass(frozen=True)
class Family:
    """Per-horizon outcomes ``<prefix>_at_<h>y``, one per year h of ``Options.horizons``.

    ``long_name`` is a template with ``{h:g}``; the other attributes as :class:`Output`.
    """

    prefix: str
    units: str
    long_name: str
    tolerance: str
    attrs: Mapping[str, Any] = field(default_factory=dict)

    def name(self, h: float) -> str:
        """Variable name at horizon h, e.g. ``gap_at_10y``, ``gap_at_2p5y``."""
        return horizon_name(self.prefix, h)

    def at(self, h: float) -> Output:
        """The outcome at horizon h."""
        return Output(self.name(h), self.units, self.long_name.format(h=h), self.tolerance,
                      self.attrs)


def horizon_name(prefix: str, h: float) -> str:
    """Variable name of an outcome at horizon h years, e.g. ``gap_at_10y``, ``gap_at_2p5y``."""
    return f"{prefix}_at_{h:g}y".replace(".", "p")


_PP = {"comment": "percentage points, the authors' loss-to-MMLU sigmoid"}
_NATS = {"display_units": "nats"}
_SPRT = {"comment": "expected tokens of Wald's SPRT"}

#: Per-scenario outcomes, in the order of the kernel's output rows.
OUTCOME_TABLE: tuple[Output, ...] = (
    Output("t_peak", YEARS, "time of the loss-gap peak", "time",
           {"comment": "years from the start; negative: the peak is already past"}),
    Output("peak_gap", "1", "largest loss gap from the start on", "loss", _NATS),
    Output("t_inflection", YEARS, "time of the loss gap's inflection after its peak", "time"),
    Output("t_below_threshold", YEARS, "time the loss gap stays below the threshold", "time",
           {"comment": "the last downward crossing of outcomes.threshold_nats; NaN: the gap "
                       "never exceeds it, or the crossing lies beyond the time grid"}),
    Output("regulatory_window", YEARS,
           "years the frontier's loss lead stays above the threshold", "time",
           {"comment": "from the start; 0 if it never is; NaN: beyond the time grid"}),
    Output("t_inference_catchup", YEARS,
           "time a fixed-price user catches up with the frontier", "time"),
    Output("peak_benchmark_gap", "percent", "peak MMLU gap within the time grid", "benchmark",
           _PP),
    Output("t_peak_benchmark", YEARS, "time of the peak MMLU gap", "maximiser"),
    Output("tokens_at_peak", "1", "tokens to tell the models apart at the peak", "reciprocal",
           _SPRT, of="peak_gap"),
    Output("t_meek_matches_frontier", YEARS,
           "time the meek actor reaches the frontier's starting compute", "time"),
    Output("t_threshold_capability", YEARS,
           "time a sub-threshold model reaches the frontier's starting compute", "time",
           {"comment": "a model trained with governance.threshold_flop of physical compute; "
                       "negative: already"}),
    Output("t_meek_crosses_threshold", YEARS,
           "time the meek actor's compute crosses the threshold", "time",
           {"comment": "physical compute against governance.threshold_flop; negative: already "
                       "above it; NaN: not within the time grid"}),
) + tuple(
    o for b in _bench.BENCHMARKS.values() for o in (
        Output(f"t_peak_benchmark_{b.name}", YEARS, f"time of the peak {b.long_name} gap",
               "maximiser", {"comment": "over all t (not only the time grid); negative: "
                                        "already past; NaN: the frontier never leads"},
               of=f"peak_benchmark_gap_{b.name}"),
        Output(f"peak_benchmark_gap_{b.name}", "percent", f"peak {b.long_name} gap",
               "benchmark", {"comment": f"percentage points of {b.long_name}, frontier minus "
                                        "meek, at its peak over all t"})))

#: Per-horizon families, in order; their rows follow the outcomes', family by family.
FAMILIES: tuple[Family, ...] = (
    Family("gap", "1", "loss gap at year {h:g}", "loss", _NATS),
    Family("years_behind", YEARS, "years the meek actor trails the frontier at year {h:g}",
           "time"),
    Family("frontier_spend", "1", "frontier's spending on one training run at year {h:g} (USD)",
           "relative", {"display_units": "USD"}),
) + tuple(
    Family(f"benchmark_gap_{b.name}", "percent", f"{b.long_name} gap at year {{h:g}}",
           "benchmark", {"comment": "percentage points, frontier minus meek"})
    for b in _bench.BENCHMARKS.values())

#: (scenario, t) series, in the order the kernel and the reference return them.
SERIES_TABLE: tuple[Output, ...] = (
    Output("loss_meek", "1", "meek model loss", "loss", _NATS),
    Output("loss_sota", "1", "frontier model loss", "loss", _NATS),
    Output("loss_gap", "1", "loss gap, meek minus frontier", "loss", _NATS),
    Output("tokens_to_distinguish", "1", "tokens to tell the models apart", "reciprocal",
           _SPRT, of="loss_gap"),
    Output("benchmark_gap", "percent", "MMLU gap, frontier minus meek", "benchmark", _PP),
    Output("inference_gap", "1", "inference gap at a fixed token price", "inference_loss",
           _NATS),
    Output("inference_benchmark_gap", "percent", "MMLU gap of a fixed-price user", "benchmark",
           {"comment": "percentage points behind the frontier"}),
    Output("years_behind", YEARS, "years the meek actor trails the frontier", "time",
           {"comment": "tau with C_frontier(t - tau) = C_meek(t)"}),
    Output("frontier_spend_usd", "1", "frontier's spending on one training run (USD)",
           "relative", {"display_units": "USD",
                        "comment": "sota_budget_usd g_inv^min(t, switch_year) "
                                   "g_inv_after^max(t - switch_year, 0)"}),
) + tuple(
    Output(f"benchmark_gap_{b.name}", "percent", f"{b.long_name} gap, frontier minus meek",
           "benchmark", {"comment": f"percentage points of {b.long_name} (data/BENCHMARKS.md)"})
    for b in _bench.BENCHMARKS.values())

#: Outcome names, in row order.
OUTCOMES: tuple[str, ...] = tuple(o.name for o in OUTCOME_TABLE)
#: Series names, in order.
SERIES: tuple[str, ...] = tuple(s.name for s in SERIES_TABLE)


def outcome_rows(n_horizons: int) -> dict[str, int]:
    """Row of each outcome in the kernel's output, and of each family's first horizon.

    Example
    -------
    >>> rows = outcome_rows(3)
    >>> rows["t_peak"], rows["gap"], rows["years_behind"], output_width(3)
    (0, 16, 19, 31)
    """
    rows = {name: k for k, name in enumerate(OUTCOMES)}
    for f, fam in enumerate(FAMILIES):
        rows[fam.prefix] = len(OUTCOMES) + f * n_horizons
    return rows


def output_width(n_horizons: int) -> int:
    """Rows of the kernel's output: the outcomes, then each family's horizons."""
    return len(OUTCOMES) + len(FAMILIES) * n_horizons


def outcome_names(horizons: tuple[float, ...]) -> list[str]:
    """Outcome names in row order for these horizons."""
    return list(OUTCOMES) + [fam.name(h) for fam in FAMILIES for h in horizons]


_AT = re.compile(r"^(?P<prefix>.+)_at_(?P<h>[0-9eE+\-p]+)y$")


def resolve(name: str) -> tuple[Output, float | None]:
    """The declaration of an outcome or series name, and the horizon of a family member.

    Example
    -------
    >>> out, h = resolve("gap_at_2p5y")
    >>> out.long_name, h
    ('loss gap at year 2.5', 2.5)
    """
    for table in (OUTCOME_TABLE, SERIES_TABLE):
        for o in table:
            if o.name == name:
                return o, None
    m = _AT.match(name)
    if m:
        h = float(m["h"].replace("p", "."))
        for fam in FAMILIES:
            if fam.prefix == m["prefix"] and fam.name(h) == name:
                return fam.at(h), h
    raise KeyError(f"{name!r} is not an outcome or series of the model")


def _check_outputs() -> None:
    names = [o.name for o in OUTCOME_TABLE + SERIES_TABLE]
    prefixes = [f.prefix for f in FAMILIES]
    if len(set(names)) != len(names) or len(set(prefixes)) != len(prefixes) or \
            set(prefixes) & set(OUTCOMES):
        raise ImportError("an outcome, series or family is declared twice")
    for o in OUTCOME_TABLE + SERIES_TABLE + FAMILIES:  # type: ignore[operator]
        if o.tolerance not in TOLERANCES:
            raise ImportError(f"{o!r}: unknown tolerance class")
        if o.tolerance in ("reciprocal", "maximiser") and o.name != "t_peak_benchmark" and \
                getattr(o, "of", None) not in names:
            raise ImportError(f"{o!r}: a reciprocal tolerance names its gap")


_check_outputs()
