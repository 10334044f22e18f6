"""Priors against scipy's own distributions (KS tests), the ci90 form, and bad specs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from engine.priors import PriorError, make_prior
from engine.samplers import make_design, unit_design

CASES = [
    ({"dist": "uniform", "low": 0.15, "high": 0.18}, stats.uniform(0.15, 0.03)),
    ({"dist": "loguniform", "low": 100.0, "high": 1e5}, stats.loguniform(100.0, 1e5)),
    ({"dist": "normal", "mean": 1.0, "sd": 0.5}, stats.norm(1.0, 0.5)),
    ({"dist": "truncnormal", "mean": 2.0, "sd": 1.0, "low": 1.5, "high": 4.0},
     stats.truncnorm(-0.5, 2.0, loc=2.0, scale=1.0)),
    ({"dist": "lognormal", "median": 2.8, "sigma": 0.276}, stats.lognorm(s=0.276, scale=2.8)),
    ({"dist": "triangular", "low": 1.25, "mode": 1.4, "high": 1.57},
     stats.triang(0.15 / 0.32, loc=1.25, scale=0.32)),
    ({"dist": "beta", "a": 2.0, "b": 5.0, "low": 1.0, "high": 3.0},
     stats.beta(2.0, 5.0, loc=1.0, scale=2.0)),
]


@pytest.mark.parametrize("spec,reference", CASES, ids=[c[0]["dist"] for c in CASES])
@pytest.mark.parametrize("sampler", ["mc", "lhs"])
def test_samples_follow_the_scipy_distribution(spec, reference, sampler):
    prior = make_prior("x", spec)
    u = unit_design(sampler, 4000, 1, seed=3)[:, 0]
    sample = prior.ppf(u)
    assert stats.kstest(sample, reference.cdf).pvalue > 0.01
    lo, hi = prior.support
    assert (sample >= lo).all() and (sample <= hi).all()


def test_truncated_lognormal_stays_in_bounds_and_matches_conditional_cdf():
    prior = make_prior("g", {"dist": "lognormal", "median": 2.8, "sigma": 0.8, "low": 1.0})
    sample = prior.ppf(unit_design("mc", 4000, 1, seed=4)[:, 0])
    assert sample.min() >= 1.0
    base = stats.lognorm(s=0.8, scale=2.8)

    def cdf(x):
        return (base.cdf(x) - base.cdf(1.0)) / (1 - base.cdf(1.0))

    assert stats.kstest(sample, cdf).pvalue > 0.01


@pytest.mark.parametrize("dist", ["lognormal", "loguniform"])
def test_ci90_hits_its_interval(dist):
    prior = make_prior("g", {"dist": dist, "ci90": [2.0, 18.0]})
    q05, q95 = prior.ppf(np.array([0.05, 0.95]))
    assert q05 == pytest.approx(2.0, rel=1e-12) and q95 == pytest.approx(18.0, rel=1e-12)
    sample = prior.ppf(unit_design("mc", 20000, 1, seed=5)[:, 0])
    inside = np.mean((sample > 2.0) & (sample < 18.0))
    assert inside == pytest.approx(0.9, abs=0.01)


def test_value_pins_any_prior():
    prior = make_prior("g_inv", {"dist": "loguniform", "low": 2.0, "high": 3.6, "value": 5})
    assert prior.fixed and prior.ppf(np.array([0.1, 0.9])).tolist() == [5.0, 5.0]


@pytest.mark.parametrize("spec,fragment", [
    ({"dist": "gamma", "k": 1}, "priors.x.dist='gamma': unknown"),
    ({"dist": "uniform", "low": 1.0}, "needs ['high']"),
    ({"dist": "uniform", "low": 1.0, "high": 2.0, "mode": 1.5}, "priors.x.mode=1.5"),
    ({"dist": "uniform", "low": 2.0, "high": 1.0}, "priors.x.low=2.0 must be below"),
    ({"dist": "normal", "mean": 1.0, "sd": 0.0}, "priors.x.sd=0.0: must be > 0"),
    ({"dist": "lognormal", "ci90": [5.0, 2.0]}, "priors.x.ci90=[5.0, 2.0]: needs lo < hi"),
    ({"dist": "uniform", "low": "abc", "high": 1.0}, "priors.x.low='abc': must be a number"),
    ({"dist": "uniform", "low": math.nan, "high": 1.0}, "not NaN"),
    ({"dist": "triangular", "low": 0.0, "mode": 3.0, "high": 2.0}, "priors.x.mode=3.0"),
])
def test_bad_specs_name_key_and_value(spec, fragment):
    with pytest.raises(PriorError) as info:
        make_prior("x", spec)
    assert fragment in str(info.value)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([c[0] for c in CASES]),
       st.lists(st.floats(0.0, 1.0, exclude_max=True), min_size=2, max_size=20))
def test_ppf_lands_in_support_and_is_monotone(spec, us):
    prior = make_prior("x", spec)
    u = np.sort(np.array(us))
    x = prior.ppf(u)
    lo, hi = prior.support
    assert np.all(np.isfinite(x) | (u == 0.0))
    assert np.all((x >= lo) & (x <= hi))
    assert np.all(x[1:] >= x[:-1])


def test_sobol_n_not_power_of_two_warns_and_rounds_up():
    with pytest.warns(UserWarning, match="not a power of two"):
        design = make_design("saltelli", 100, 3, seed=1)
    assert design.n == 128 and design.rows == 128 * 8
