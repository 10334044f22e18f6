"""The model registry (engine.model.registry) and everything derived from it.

- The three domain checks agree (hypothesis): every draw from priors that the simulator's
  ``check_priors`` accepts has ``domain_reason == 0``; whatever ``domain_reason`` refuses,
  ``check_priors`` refuses as a point and inside any box of supports; ``params.check`` raises
  exactly where ``domain_reason`` is nonzero, naming the rule's subject.
- Every registry entry appears in the simulator's metadata with CF units and a long_name.
- The compiled kernel's rows follow the registry: its outputs come in the registry's order, and
  a registry with its parameters, outcomes and series in another order gives the same numbers
  by name (the kernel reads its layouts from the registry at run time).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from cf_units import Unit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.model import kernel, outcomes, registry
from engine.model.params import DOMAIN_REASONS, NAMES, PAPER, Params, check, domain_reason
from engine.priors import PriorSet
from engine.simulators.meek import PARAMETERS, SERIES, Meek, check_priors

INF = math.inf

#: Per parameter: the range values are drawn from (around and across its domain's edges) and
#: special values. A new parameter must be given one (test_every_parameter_has_a_test_range).
RANGES: dict[str, tuple[float, float, tuple[float, ...]]] = {
    "alpha": (0.05, 0.3, (0.0, -0.1, INF)),
    "A": (100.0, 5000.0, (0.0, INF)),
    "L0": (1.0, 2.5, (INF, -INF, -1.0)),
    "g_alg": (0.3, 5.0, (1.0, 0.0, INF)),
    "g_hw": (0.5, 2.5, (1.0, -1.4, INF)),
    "g_inv": (0.5, 6.0, (1.0, 0.0)),
    "g_inf": (0.5, 20.0, (0.0, INF)),
    "meek_budget_usd": (1e2, 1e9, (0.0, -1.0, INF)),
    "meek_growth": (0.2, 6.0, (1.0, 0.0, INF)),
    "sota_budget_usd": (1e2, 1e10, (0.0, INF)),
    "flop_per_usd": (1e16, 1e18, (0.0,)),
    "price_per_token_usd": (1e-9, 1e-6, (0.0, INF)),
    "switch_year": (-1.0, 20.0, (INF, 0.0, -INF)),
    "g_inv_after": (0.5, 6.0, (1.0, 0.0)),
    "export_control_strength": (-0.2, 1.2, (0.0, 1.0)),
    "inference_compute_multiplier": (0.1, 100.0, (0.0, INF)),
    "diffusion_lag_years": (-1.0, 8.0, (0.0, INF)),
    # the capability layer: ceilings across chance (0.10, 0.25) and 1
    "mmlu_pro_ceiling": (0.0, 1.2, (0.1, 1.0, -INF, INF)),
    "mmlu_pro_midpoint": (15.0, 35.0, (INF, -INF)),
    "mmlu_pro_slope": (-0.5, 5.0, (0.0, INF)),
    "gpqa_diamond_ceiling": (0.0, 1.2, (0.25, 1.0, -INF, INF)),
    "gpqa_diamond_midpoint": (15.0, 35.0, (INF, -INF)),
    "gpqa_diamond_slope": (-0.5, 5.0, (0.0, INF)),
}


def test_every_parameter_has_a_test_range():
    assert set(RANGES) == set(NAMES)


def value(name: str) -> st.SearchStrategy[float]:
    lo, hi, special = RANGES[name]
    return st.one_of(st.just(registry.DEFAULTS[name]), st.floats(lo, hi),
                     st.sampled_from(special))


@st.composite
def boxes(draw: st.DrawFn) -> dict[str, tuple[float, float]]:
    """A support per parameter: the default, a fixed value, or a finite range."""
    box = {}
    for name in NAMES:
        kind = draw(st.sampled_from(["default", "default", "fixed", "range"]))
        if kind == "default":
            v = registry.DEFAULTS[name]
            box[name] = (v, v)
        elif kind == "fixed":
            v = draw(value(name))
            box[name] = (v, v)
        else:
            lo, hi, _ = RANGES[name]
            a, b = sorted((draw(st.floats(lo, hi)), draw(st.floats(lo, hi))))
            box[name] = (a, b) if a < b else (a, a)
    return box


def priors_of(box: dict[str, tuple[float, float]]) -> tuple[PriorSet, dict[str, float]]:
    """Priors with these supports (uniform for ranges, fixed for points; a non-finite point
    goes in as the parameter's value without a prior, as a missing prior would)."""
    specs, defaults = {}, dict(registry.DEFAULTS)
    for name, (a, b) in box.items():
        if a < b:
            specs[name] = {"dist": "uniform", "low": a, "high": b}
        elif math.isfinite(a):
            specs[name] = {"dist": "fixed", "value": a}
        else:
            defaults[name] = a
    return PriorSet.from_specs(specs), defaults


def accepted(box: dict[str, tuple[float, float]]) -> bool:
    priors, defaults = priors_of(box)
    try:
        check_priors(priors, defaults)
    except ValueError as err:
        msg = str(err)
        assert "allowed: " in msg and "\n" not in msg, msg
        return False
    return True


def points_in(box: dict[str, tuple[float, float]], seed: int, n: int = 64) -> Params:
    """Random corners and random interior points of the box."""
    rng = np.random.default_rng(seed)
    cols = {}
    for name, (a, b) in box.items():
        corner = np.where(rng.random(n // 2) < 0.5, a, b)
        inner = a + (b - a) * rng.random(n // 2) if a < b else np.full(n // 2, a)
        cols[name] = np.concatenate([corner, inner])
    return Params(**cols)


SLOW_OK = settings(max_examples=300, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@SLOW_OK
@given(boxes(), st.integers(0, 2**31))
def test_every_draw_from_accepted_priors_is_in_the_domain(box, seed):
    if accepted(box):
        reason = domain_reason(points_in(box, seed))
        assert np.all(reason == 0), (box, np.unique(reason))


@SLOW_OK
@given(st.fixed_dictionaries({n: value(n) for n in NAMES}), boxes())
def test_what_domain_reason_refuses_check_priors_and_check_refuse(point, other):
    reason = int(domain_reason(Params(**point)))
    # params.check raises exactly where domain_reason is nonzero, naming the subject
    if reason == 0:
        check(Params(**point))
    else:
        with pytest.raises(ValueError, match="is outside the model's domain; allowed: ") as err:
            check(Params(**point))
        subjects = [r.subject for r in registry.DOMAIN if r.points and r.code == reason]
        assert str(err.value).split("=", 1)[0] in subjects
    # as a point: refused iff outside the domain or the frontier starts behind
    behind = not point["meek_budget_usd"] <= point["sota_budget_usd"]
    assert accepted({n: (v, v) for n, v in point.items()}) == (reason == 0 and not behind)
    # inside any box of supports that holds it
    if reason:
        box = {}
        for n, v in point.items():
            a, b = other[n]
            box[n] = (min(a, v), max(b, v)) if np.isfinite([a, b, v]).all() else (v, v)
        assert not accepted(box), (point, box)


def test_each_rule_is_monotone_as_declared():
    """A rule's declared monotonicity, on points where every rule before it holds (the order
    check_priors relies on): +1/-1: holding at v implies holding after moving that parameter
    up/down; 0: holding at both ends of a segment implies holding inside it."""
    rng = np.random.default_rng(7)
    n = 40_000

    def draw() -> dict[str, np.ndarray]:
        out = {}
        for name, (lo, hi, special) in RANGES.items():
            x = rng.uniform(lo, hi, n)
            pick = rng.random(n)
            x = np.where(pick < 0.2, registry.DEFAULTS[name], x)
            x = np.where(pick > 0.95, rng.choice(np.array(special), n), x)
            out[name] = x
        return out

    earlier = np.ones(n, dtype=bool)
    v = draw()
    checked = 0
    with np.errstate(all="ignore"):
        for rule in registry.DOMAIN:
            holds = rule.holds(v) & earlier
            for name, m in zip(rule.names, rule.monotone, strict=True):
                lo, hi, _ = RANGES[name]
                step = rng.uniform(0, hi - lo, n)
                if m:
                    moved = dict(v, **{name: v[name] + m * step})
                    broken = holds & ~rule.holds(moved)
                    assert not broken.any(), (rule.subject, name, m)
                else:
                    a = v[name]
                    b = a + step
                    c = a + rng.random(n) * step
                    both = holds & rule.holds(dict(v, **{name: b}))
                    assert not (both & ~rule.holds(dict(v, **{name: c}))).any(), \
                        (rule.subject, name)
                checked += int(holds.sum())
            if rule.points:
                earlier &= rule.holds(v)
    assert checked > 100_000


def test_check_priors_messages_name_the_prior_and_what_is_allowed():
    cases = {
        "g_hw": ({"dist": "normal", "mean": 1.4, "sd": 0.1},
                 ["priors.g_hw=normal(mean=1.4, sd=0.1)", "can reach -inf", "domain",
                  "allowed: a finite number > 0", "low: ..."]),
        "g_alg": ({"dist": "uniform", "low": 0.5, "high": 3.0},
                  ["priors.g_alg=uniform", "g_alg*g_hw can reach 0.7 (at g_alg=0.5, g_hw=1.4)",
                   "allowed: > 1"]),
        "g_inv_after": ({"dist": "fixed", "value": 9.0},
                        ["priors.g_inv_after=fixed(value=9)", "with g_inv=3.5714285714285716",
                         "allowed: 1 <= g_inv_after <= g_inv = 3.57143"]),
        "meek_budget_usd": ({"dist": "loguniform", "low": 1e2, "high": 1e4},
                            ["priors.meek_budget_usd=loguniform(low=100, high=10000)",
                             "sota_budget_usd=1000.0", "can reach 10000",
                             "allowed: <= sota_budget_usd = 1000 USD", "frontier never starts"]),
    }
    for name, (spec, fragments) in cases.items():
        with pytest.raises(ValueError) as err:
            check_priors(PriorSet.from_specs({name: spec}), registry.DEFAULTS)
        for fragment in fragments:
            assert fragment in str(err.value), (fragment, str(err.value))
    # an infinite end of a continuous prior is never drawn: accepted where its draws are
    check_priors(PriorSet.from_specs({"g_inf": {"dist": "lognormal", "median": 9.0,
                                                "sigma": 0.3, "low": 1.0}}), registry.DEFAULTS)


def test_reason_codes_and_rules_match():
    codes = {r.code for r in registry.DOMAIN if r.points}
    assert codes == set(DOMAIN_REASONS) - {0} == set(registry.PRECEDENCE)
    assert DOMAIN_REASONS[0] == "valid"
    for name in NAMES:  # every parameter is read by at least one rule
        assert any(name in r.names for r in registry.DOMAIN), name


# --------------------------------------------------------------------------- metadata

def test_every_registry_entry_has_cf_metadata_in_the_simulator():
    sim = Meek(outcomes.Options(horizons=(2.5, 10.0)))
    assert list(PARAMETERS) == list(registry.NAMES) == list(sim.parameters)
    assert sim.defaults == registry.DEFAULTS == PAPER.as_dict()
    outs = sim.outcomes()
    assert list(outs) == registry.outcome_names((2.5, 10.0)) + ["domain_reason"]
    assert list(SERIES) == list(registry.SERIES) == list(sim.series())
    for table in (sim.parameters, outs, sim.series()):
        for name, var in table.items():
            assert var.long_name and var.units, name
            Unit(var.units)  # a unit CF (UDUNITS) accepts
    for fam in registry.FAMILIES:
        assert outs[fam.name(2.5)].long_name == fam.long_name.format(h=2.5)
    codes = outs["domain_reason"].attrs
    assert list(codes["flag_values"]) == list(DOMAIN_REASONS)
    assert all(f"{c}: {t}" in codes["comment"] for c, t in DOMAIN_REASONS.items())


def test_resolve_finds_every_output_and_each_has_a_known_tolerance():
    for name in registry.outcome_names((2.5, 10.0)) + list(registry.SERIES):
        out, h = registry.resolve(name)
        assert out.name == name and out.tolerance in registry.TOLERANCES
        assert (h is not None) == (name not in registry.OUTCOMES + registry.SERIES)
    with pytest.raises(KeyError):
        registry.resolve("gap_at_ten_years")


# --------------------------------------------------------------------------- the kernel's rows

def test_kernel_rows_follow_the_registry(monkeypatch):
    """Permuting the registry's parameters, outcomes and series permutes the kernel's layouts
    (new record types, so a new compilation) and changes no number."""
    from tests.test_kernel import T121, scenarios
    p = scenarios(300, seed=3, invalid=0.05)
    o = outcomes.Options(horizons=(2.5, 10.0))
    want = kernel.evaluate(p, T121, o, series=registry.SERIES)
    assert list(want) == ["domain_reason", *registry.outcome_names((2.5, 10.0)),
                          *registry.SERIES]
    rows = kernel._out_rows(2)[0]
    assert [int(rows[n]) for n in registry.OUTCOMES] == list(range(len(registry.OUTCOMES)))
    assert int(rows["gap"]) == len(registry.OUTCOMES)
    monkeypatch.setattr(registry, "OUTCOMES", registry.OUTCOMES[::-1])
    monkeypatch.setattr(registry, "FAMILIES", registry.FAMILIES[::-1])
    monkeypatch.setattr(kernel, "NAMES", NAMES[::-1])
    monkeypatch.setattr(kernel, "SERIES", registry.SERIES[::-1])
    for cached in (kernel._out_rows, kernel._par_rows, kernel._slots, kernel._bench_rows):
        cached.cache_clear()
    try:
        got = kernel.evaluate(p, T121, o, series=registry.SERIES)
    finally:
        for cached in (kernel._out_rows, kernel._par_rows, kernel._slots, kernel._bench_rows):
            cached.cache_clear()
    assert [n for n in got if n in registry.OUTCOMES] == list(registry.OUTCOMES)  # reversed
    assert set(got) == set(want)
    for name, values in want.items():
        np.testing.assert_array_equal(got[name], values, err_msg=name)
