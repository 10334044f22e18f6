"""Calibration: simulation-based calibration of the posterior on synthetic data drawn from the
same model and noise, tightening with more months, determinism, and the whole experiment."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from engine.calibration import observation, smc, study, validation
from engine.config.settings import make_priors
from engine.designs import make_design
from engine.model.outcomes import Options
from engine.resources import data_dir
from engine.simulators.meek import Meek
from tests.test_configs import settings

NOISE = {"dist": "loguniform", "low": 1.0, "high": 15.0}


@pytest.fixture(scope="module")
def setup():
    s = settings([])
    obs = observation.leaderboard(data_dir() / "llm_mmlu_pro_prices.csv",
                                  "price_output_usd_per_mtok", (0.5, 1.0))
    sim = Meek(Options(), backend="numpy")
    priors = study.observation_priors(s.priors, obs, NOISE)
    return sim, priors, obs


def test_posterior_intervals_cover_the_truth_as_often_as_they_claim(setup):
    sim, priors, obs = setup
    model = study.Model(sim, priors, obs, 2025.0)
    result = validation.coverage(model, obs, replicates=20, particles=600)
    # 80 intervals at a nominal 90%: a calibrated posterior lands in [0.8, 0.97] with ~95% prob.
    assert 0.78 <= result.overall <= 0.99, result


def test_more_months_tighten_the_posterior(setup):
    sim, priors, obs = setup
    model = study.Model(sim, priors, obs, 2025.0)
    truth, gap = validation.synthetic(model, 7)
    full = observation.Observations(obs.months, obs.years, gap, obs.band, "synthetic")
    widths = []
    for keep in (np.arange(len(gap)) < 5, np.ones(len(gap), dtype=bool)):
        m = study.Model(sim, priors, full.subset(keep), 2025.0)
        unit = make_design("mc", 1500, priors.columns, 3).unit_rows(0, 1500)
        post = smc.temper(m.loglik, unit, seed=3)
        lo, hi = validation.interval(post, priors, "g_inf")
        widths.append(np.log(hi / lo))
    assert widths[1] < 0.8 * widths[0], widths


def test_same_seed_same_posterior_whatever_the_chunking(setup):
    import dask
    sim, priors, obs = setup
    unit = make_design("mc", 700, priors.columns, 5).unit_rows(0, 700)
    posts = []
    for chunk, scheduler in ((700, "sync"), (64, "threads"), (333, "threads")):
        model = study.Model(sim, priors, obs, 2025.0, chunk_size=chunk)
        with dask.config.set(scheduler=scheduler):
            posts.append(smc.temper(model.loglik, unit, seed=9, mcmc_steps=2))
    for post in posts[1:]:
        np.testing.assert_array_equal(post.unit, posts[0].unit)
        np.testing.assert_array_equal(post.weights, posts[0].weights)


def test_likelihood_censors_at_zero_and_weights_helpers():
    pred = np.array([[2.0, -1.0], [0.0, 0.0]])
    obs = np.array([1.0, 0.0])
    ll = observation.log_likelihood(pred, obs, np.array([1.0, 2.0]))
    from scipy.stats import norm
    assert ll[0] == pytest.approx(norm.logpdf(1.0, 2.0, 1.0) + norm.logcdf(1.0))
    assert ll[1] == pytest.approx(norm.logpdf(1.0, 0.0, 2.0) + np.log(0.5))
    assert smc.ess(np.log(np.array([1.0, 1.0, 0.0, 0.0]) + 1e-300)) == pytest.approx(2.0)
    x = smc.reflect(np.array([-0.25, 1.25, 2.5, 0.5]))
    assert np.allclose(x, [0.25, 0.75, 0.5, 0.5]) and (x < 1).all()


def test_calibrate_then_fan_from_the_posterior(cli, tmp_path):
    res, run = cli("experiment=calibrate", "calibrate.particles=1500",
                   "calibrate.predictive_draws=500", "calibrate.ess_floor=500")
    assert res.returncode == 0, res.stderr
    with xr.open_dataset(run / "calibration.nc") as cal:
        assert float(cal["ess"]) >= 500 and cal["observed_gap"].dims == ("month",)
        assert str(cal["month"].values[-1]) == "2025-04"
        assert cal["posterior_predictive"].dims == ("quantile", "month")
        assert 0 <= float(cal["prior_coverage"]) <= 1
        assert float(cal["posterior_coverage"]) >= 0.7
        assert np.isclose(cal["weight"].sum(), 1.0)
        for name in ("g_inf", "inference_compute_multiplier", "noise_sigma_pp", "A", "alpha"):
            assert name in cal and f"prior_{name}" in cal
    for png in ("calibration_predictive.png", "calibration_parameters.png",
                "calibration_t_peak.png"):
        assert (run / png).exists()
    from tests.conftest import run_cli
    fan = run_cli(["experiment=fan", "sampler.n=400", "time.steps=11",
                   f"fan.calibration={run / 'calibration.nc'}"], tmp_path / "fan")
    assert fan.returncode == 0, fan.stderr
    with xr.open_dataset(tmp_path / "fan" / "scenarios.nc") as ds, \
            xr.open_dataset(run / "calibration.nc") as cal:
        posterior_values = set(np.round(cal["g_inf"].values, 12))
        assert set(np.round(ds["g_inf"].values, 12)) <= posterior_values
        assert "posterior" in ds.attrs["drawn_from"]
    from engine.calibration.posterior import factor_groups

    sob = run_cli(["experiment=sobol", "sampler.n=64", "time.steps=11", "sobol.num_resamples=20",
                   f"sobol.calibration={run / 'calibration.nc'}"], tmp_path / "sobol")
    assert sob.returncode == 0, sob.stderr
    with xr.open_dataset(tmp_path / "sobol" / "sobol.nc") as si, \
            xr.open_dataset(tmp_path / "sobol" / "scenarios.nc") as ds, \
            xr.open_dataset(run / "calibration.nc") as cal:
        groups = factor_groups(cal, settings([]).priors, 0.3)
        assert sorted(si["factor"].values) == sorted("+".join(g) for g in groups)
        assert set(np.round(ds["g_inf"].values, 12)) <= set(np.round(cal["g_inf"].values, 12))
        assert "posterior" in ds.attrs["drawn_from"]


def fake_posterior(priors, rho, n=4000, seed=3):
    """A posterior of n equally weighted particles in which flop_per_usd and the inference
    multiplier share a Gaussian copula with correlation rho and every other column is independent
    (the columns follow the priors' order; the last is the noise)."""
    from scipy.stats import norm

    rng = np.random.default_rng(seed)
    unit = rng.random((n, priors.columns + 1))
    z = rng.normal(size=(n, 2))
    start, where = 0, {}
    for p in priors:
        where[p.name] = start
        start += p.columns
    unit[:, where["flop_per_usd"]] = norm.cdf(z[:, 0])
    unit[:, where["inference_compute_multiplier"]] = norm.cdf(
        rho * z[:, 0] + np.sqrt(1 - rho ** 2) * z[:, 1])
    return xr.Dataset({"unit": (("particle", "column"), unit),
                       "weight": ("particle", np.full(n, 1.0 / n))})


def test_correlated_posterior_factors_are_grouped_and_independent_ones_are_not():
    from engine.calibration.posterior import factor_groups

    priors = settings([]).priors
    grouped = factor_groups(fake_posterior(priors, -0.9), priors, threshold=0.3)
    assert ["flop_per_usd", "inference_compute_multiplier"] in grouped
    assert sorted(len(g) for g in grouped) == [1] * (len(priors.uncertain) - 2) + [2]
    # a rank correlation of about 0.2 stays below the threshold: every factor alone
    alone = factor_groups(fake_posterior(priors, 0.2), priors, threshold=0.3)
    assert all(len(g) == 1 for g in alone)


def test_particles_are_drawn_in_proportion_to_their_weights():
    from engine.priors.particles import Particles
    from engine.priors.uniform import Uniform

    member = Uniform.build("x", {"dist": "uniform", "low": 0.0, "high": 1.0})
    weights = np.array([0.5, 0.3, 0.2])
    part = Particles("x", np.array([[0.1], [0.5], [0.9]]), weights, [member])
    u = (np.arange(10_000) + 0.5) / 10_000  # a uniform grid: exact shares up to one cell
    drawn = part.ppf(u[:, None])["x"]
    shares = [np.mean(np.isclose(drawn, v)) for v in (0.1, 0.5, 0.9)]
    assert np.allclose(shares, weights, atol=1e-4)
    assert part.columns == 1 and part.support()["x"] == (0.1, 0.9)
