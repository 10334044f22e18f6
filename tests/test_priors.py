"""Priors against scipy's own distributions (KS tests), the ci90 form, the scaling-law factor
drawn as a unit, and bad specs named by key and value."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from engine.designs import make_design
from engine.model.scaling_laws import BESIROGLU, HOFFMANN, PAPER_LAW, loss_at
from engine.priors import PriorError, PriorSet, make_prior
from engine.priors.scaling_law import besiroglu_replicates

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


def unit(kind, n, d, seed):
    design = make_design(kind, n, d, seed)
    return design.unit_rows(0, design.rows)


def draw(prior, u):
    return prior.ppf(np.asarray(u, dtype=float).reshape(-1, 1))[prior.name]


@pytest.mark.parametrize("spec,reference", CASES, ids=[c[0]["dist"] for c in CASES])
@pytest.mark.parametrize("sampler", ["mc", "lhs"])
def test_samples_follow_the_scipy_distribution(spec, reference, sampler):
    prior = make_prior("x", spec)
    sample = draw(prior, unit(sampler, 4000, 1, seed=3)[:, 0])
    assert stats.kstest(sample, reference.cdf).pvalue > 0.01
    lo, hi = prior.support()["x"]
    assert (sample >= lo).all() and (sample <= hi).all()


def test_truncated_lognormal_stays_in_bounds_and_matches_conditional_cdf():
    prior = make_prior("g", {"dist": "lognormal", "median": 2.8, "sigma": 0.8, "low": 1.0})
    sample = draw(prior, unit("mc", 4000, 1, seed=4)[:, 0])
    assert sample.min() >= 1.0
    base = stats.lognorm(s=0.8, scale=2.8)

    def cdf(x):
        return (base.cdf(x) - base.cdf(1.0)) / (1 - base.cdf(1.0))

    assert stats.kstest(sample, cdf).pvalue > 0.01


@pytest.mark.parametrize("dist", ["lognormal", "loguniform"])
def test_ci90_hits_its_interval(dist):
    prior = make_prior("g", {"dist": dist, "ci90": [2.0, 18.0]})
    q05, q95 = draw(prior, [0.05, 0.95])
    assert q05 == pytest.approx(2.0, rel=1e-12) and q95 == pytest.approx(18.0, rel=1e-12)
    sample = draw(prior, unit("mc", 20000, 1, seed=5)[:, 0])
    assert np.mean((sample > 2.0) & (sample < 18.0)) == pytest.approx(0.9, abs=0.01)


def test_value_pins_any_prior_and_source_is_kept():
    prior = make_prior("g_inv", {"dist": "loguniform", "low": 2.0, "high": 3.6, "value": 5,
                                 "source": "a paper"})
    assert prior.fixed and draw(prior, [0.1, 0.9]).tolist() == [5.0, 5.0]
    assert prior.source == "a paper"


@pytest.mark.parametrize("spec,fragment", [
    ({"dist": "gamma", "k": 1}, "priors.x.dist='gamma': unknown"),
    ({"dist": "uniform", "low": 1.0}, "needs ['high']"),
    ({"dist": "uniform", "low": 1.0, "high": 2.0, "mode": 1.5}, "priors.x.mode=1.5"),
    ({"dist": "uniform", "low": 2.0, "high": 1.0}, "priors.x.low=2.0 must be below"),
    ({"dist": "normal", "mean": 1.0, "sd": 0.0}, "priors.x.sd=0.0: must be > 0"),
    ({"dist": "lognormal", "ci90": [5.0, 2.0]}, "priors.x.ci90=[5.0, 2.0]: needs lo < hi"),
    ({"dist": "uniform", "low": "abc", "high": 1.0}, "priors.x.low='abc': must be a number"),
    ({"dist": "uniform", "low": math.nan, "high": 1.0}, "not NaN"),
    ({"dist": "uniform", "low": 1.0, "high": math.inf}, "priors.x.high=inf: must be a finite"),
    ({"dist": "loguniform", "low": 2.0, "high": math.inf}, "priors.x.high=inf"),
    ({"dist": "triangular", "low": 0.0, "mode": 3.0, "high": 2.0}, "priors.x.mode=3.0"),
    ({"dist": "lognormal", "median": 9.0, "sigma": 0.34, "low": 200.0, "high": 300.0},
     "holds"),
    ({"dist": "truncnormal", "mean": 0.0, "sd": 1.0, "low": 50.0, "high": 60.0}, "holds"),
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
    x = draw(prior, u)
    lo, hi = prior.support()["x"]
    assert np.all(np.isfinite(x) | (u == 0.0))
    assert np.all((x >= lo) & (x <= hi))
    assert np.all(x[1:] >= x[:-1])


# ----------------------------------------------------------------------------- the scaling law


def triples():
    """Every (A, alpha, L0) a published fit allows: Hoffmann's point, Besiroglu's replicates."""
    return np.vstack([np.asarray(HOFFMANN.compute_optimal())[None, :], besiroglu_replicates()])


@pytest.mark.parametrize("fit", ["both", "besiroglu", "hoffmann", "paper"])
def test_every_drawn_scaling_law_is_one_fits_triple(fit):
    prior = make_prior("scaling_law", fit)
    u = unit("mc", 3000, max(prior.columns, 1), seed=8)[:, :prior.columns]
    drawn = prior.ppf(u)
    got = np.column_stack([drawn["A"], drawn["alpha"], drawn["L0"]])
    allowed = triples() if fit != "paper" else np.asarray([PAPER_LAW])
    # each row equals one allowed triple exactly: no mixing of A from one fit, alpha from another
    match = (got[:, None, :] == allowed[None, :, :]).all(axis=2).any(axis=1)
    assert match.all()
    if fit == "both":
        hoff = drawn["scaling_fit"] == 1
        assert 0.45 < hoff.mean() < 0.55
        assert np.all(got[hoff] == np.asarray(HOFFMANN.compute_optimal()))
        assert np.ptp(got[~hoff][:, 1]) > 0.005  # Besiroglu's parameter uncertainty is drawn


def test_bootstrap_replicates_centre_on_the_published_besiroglu_fit():
    reps = besiroglu_replicates()
    assert len(reps) >= 500
    a, alpha, l0 = BESIROGLU.compute_optimal()
    assert np.median(reps[:, 1]) == pytest.approx(alpha, abs=0.01)
    assert np.median(reps[:, 2]) == pytest.approx(l0, abs=0.05)
    # every replicate's loss curve stays near the published curve where the data were (1e18-1e22)
    for c in (1e18, 1e20, 1e22):
        curves = reps[:, 0] * np.exp(-reps[:, 1] * np.log(c)) + reps[:, 2]
        assert np.median(curves) == pytest.approx(loss_at((a, alpha, l0), c), abs=0.02)


def test_custom_law_and_mixing_refused():
    prior = make_prior("scaling_law", {"dist": "scaling_law", "A": 2708.0, "alpha": 0.178,
                                       "L0": 1.82})
    assert prior.fixed and prior.describe() == "scaling_law(A=2708, alpha=0.178, L0=1.82)"
    with pytest.raises(PriorError, match="priors.scaling_law='chinchilla': unknown"):
        make_prior("scaling_law", "chinchilla")
    with pytest.raises(PriorError, match="give fit"):
        make_prior("scaling_law", {"dist": "scaling_law", "alpha": 0.17})


def test_prior_set_columns_groups_and_mapping():
    ps = PriorSet.from_specs({"scaling_law": "both",
                              "g_alg": {"dist": "uniform", "low": 2.0, "high": 3.0},
                              "g_hw": {"dist": "fixed", "value": 1.4}})
    assert ps.uncertain == ["scaling_law", "g_alg"]
    assert ps.columns == 3 and ps.groups == ["scaling_law", "scaling_law", "g_alg"]
    out = ps.map(np.array([[0.2, 0.9, 0.5], [0.7, 0.1, 0.0]]))
    assert out["g_alg"].tolist() == [2.5, 2.0] and out["g_hw"].tolist() == [1.4, 1.4]
    assert out["scaling_fit"].tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match="columns"):
        ps.map(np.zeros((2, 2)))


def test_mapping_distinct_values_only_gives_the_same_bits():
    """A Saltelli design repeats each column's values within a block: mapping the distinct
    values and spreading them back (``repeats=True``) equals mapping every row, bit for bit,
    for every default prior (beta, lognormal, truncated, triangular, the joint scaling law)."""
    from tests.conftest import settings as compose

    s = compose(["experiment=sobol", "sampler.n=512"])
    assert s.design.repeats
    unit = s.design.unit_rows(0, s.design.rows)
    assert len(np.unique(unit[:, 1])) <= 2 * s.design.n < unit.shape[0] // 8
    plain, distinct = s.priors.map(unit), s.priors.map(unit, repeats=True)
    assert list(plain) == list(distinct)
    for name, values in plain.items():
        np.testing.assert_array_equal(distinct[name], values, err_msg=name)
    mc = make_design("mc", 1000, s.priors.columns, 1)
    assert not mc.repeats
