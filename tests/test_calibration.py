"""Calibration: simulation-based calibration of the posterior on synthetic data drawn from the
same model and noise, tightening with more months, determinism, and the whole experiment."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from engine.calibration import observation, smc, study, validation
from engine.config.settings import make_priors
from engine.designs import make_design
from engine.model.benchmarks import MEDIANS
from engine.model.outcomes import Options
from engine.resources import data_dir
from engine.simulators.meek import Meek
from tests.test_configs import settings

NOISE = {"dist": "loguniform", "low": 1.0, "high": 15.0}
#: The capability layer's priors pinned at their medians: this calibration fits the MMLU gap of
#: the paper's sigmoid, which does not read them (more unread factors only slow the sampler).
BENCH_PIN = [f"priors.{b}_{f}.value={v}" for b, fields in MEDIANS.items()
             for f, v in fields.items()]


@pytest.fixture(scope="module")
def setup():
    s = settings(BENCH_PIN)
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
                   "calibrate.predictive_draws=500", "calibrate.ess_floor=500",
                   "calibrate.holdout.particles=300", "calibrate.holdout.first=14")
    assert res.returncode == 0, res.stderr
    with xr.open_dataset(run / "calibration.nc") as cal:
        assert float(cal["ess"]) >= 500 and cal["observed_gap"].dims == ("benchmark", "month")
        assert str(cal["month"].values[-1]) == "2025-04"
        assert cal["posterior_predictive"].dims == ("quantile", "benchmark", "month")
        assert cal["observed_level"].dims == ("benchmark", "side", "month")
        assert 0 <= float(cal["prior_coverage"]) <= 1
        assert float(cal["posterior_record_coverage"]) >= 0.7
        assert np.isclose(cal["weight"].sum(), 1.0)
        assert cal["naive_crps"].dims == ("benchmark", "forecaster")
        for name in ("g_inf", "inference_compute_multiplier", "mmlu_pro_noise_pp", "A",
                     "alpha", "gpqa_diamond_midpoint"):
            assert name in cal and f"prior_{name}" in cal
    assert (run / "calibration_holdout.png").exists()
    text = (run / "report.html").read_text()
    assert text.index("Forecasts of months the fit has not seen") < text.index(
        "Fit to the records")
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


# --- the sampler against known answers: evidence, mixing, Monte Carlo errors -----------------

GAUSS_Y, GAUSS_S = np.array([0.3, 0.6, 0.97]), 0.05


def gauss_loglik(u):
    """Independent Normal observations GAUSS_Y of the unit-cube coordinates, scale GAUSS_S."""
    from scipy.stats import norm
    return np.sum(norm.logpdf(GAUSS_Y, u, GAUSS_S), axis=1)


def gauss_log_evidence():
    """Z = prod_j integral_0^1 N(y_j; u, s) du = prod_j [Phi((1 - y_j)/s) - Phi(-y_j/s)]."""
    from scipy.stats import norm
    return float(np.sum(np.log(norm.cdf((1 - GAUSS_Y) / GAUSS_S) - norm.cdf(-GAUSS_Y / GAUSS_S))))


def test_log_evidence_matches_a_gaussian_integral_within_its_monte_carlo_error():
    exact = gauss_log_evidence()
    z, errors = [], []
    for seed in range(6):
        unit = np.random.default_rng(seed).random((4000, 3))
        post = smc.temper(gauss_loglik, unit, seed=seed)
        assert post.islands == 20 and np.isfinite(post.log_evidence_mcse)
        assert abs(post.log_evidence - exact) < 4 * post.log_evidence_mcse, \
            (post.log_evidence, exact, post.log_evidence_mcse)
        z.append((post.log_evidence - exact) / post.log_evidence_mcse)
        errors.append(post.log_evidence - exact)
    # the mean of six runs: within 4 standard errors of the six, i.e. no bias at this size
    assert abs(np.mean(errors)) < 4 * np.std(errors, ddof=1) / np.sqrt(6) + 0.005, errors
    # the reported error is neither tiny nor huge against the realised ones (loose chi-square)
    assert 0.1 < np.mean(np.square(z)) < 4.0, z


def test_posterior_quantiles_match_a_truncated_normal_within_their_mcse():
    from scipy.stats import truncnorm
    unit = np.random.default_rng(11).random((4000, 3))
    post = smc.temper(gauss_loglik, unit, seed=11)
    ps = [0.05, 0.5, 0.95]
    for j, y in enumerate(GAUSS_Y):
        exact = truncnorm.ppf(ps, -y / GAUSS_S, (1 - y) / GAUSS_S, loc=y, scale=GAUSS_S)
        q, se = post.quantile(post.unit[:, j], ps), post.quantile_mcse(post.unit[:, j], ps)
        assert (se > 0).all() and (se < 0.01).all(), se
        assert np.all(np.abs(q - exact) < 4 * se), (j, q, exact, se)


def test_moves_go_on_until_the_particles_decorrelate_and_a_cap_is_reported(caplog):
    unit = np.random.default_rng(2).random((2000, 3))
    post = smc.temper(gauss_loglik, unit, seed=2, mcmc_steps=1, decorrelation=0.1)
    for st in post.stages:  # every stage, the last (at exponent 1) too, ended decorrelated
        assert st["rank_correlation"] <= 0.1 and st["capped"] == 0 and st["moves"] >= 1
        assert 0.1 < st["acceptance_walk"] < 0.5  # the scale adapts towards 0.234
    assert post.stages[-1]["beta"] == 1.0
    np.testing.assert_allclose(post.weights, 1 / 2000)  # resampled and moved after the last step
    assert post.distinct > 0.9 * 2000
    # a stricter aim than the particles can reach in 3 moves: the cap is hit and said so
    import logging
    with caplog.at_level(logging.WARNING, logger="meek"):
        capped = smc.temper(gauss_loglik, unit, seed=2, decorrelation=1e-4, max_moves=3)
    assert all(st["capped"] == 1 and st["moves"] == 3 for st in capped.stages)
    assert "hit their cap of 3" in caplog.text


def test_islands_are_resampled_only_within_themselves():
    labels = smc.island_labels(1003, 20)
    assert np.bincount(labels).min() >= 50 and np.bincount(labels).max() <= 51
    assert (np.diff(labels) >= 0).all()
    # one particle of island 0 outweighs every other by e^50: resampled globally it would fill
    # every island; within islands it fills island 0 only, and the others (equal weights within
    # themselves) keep each of their particles once
    logw = np.zeros(1003)
    logw[3] = 50.0
    idx = smc.resample_islands(np.random.default_rng(0), logw, labels)
    assert (idx[labels == 0] == 3).all()
    for k in range(1, 20):
        np.testing.assert_array_equal(np.sort(idx[labels == k]), np.nonzero(labels == k)[0])
    unit = np.random.default_rng(0).random((1000, 3))
    post = smc.temper(gauss_loglik, unit, seed=0)
    assert post.islands == 20 and len(post.island_log_evidence) == 20
    assert np.array_equal(post.island, smc.island_labels(1000, 20))
    small = smc.temper(gauss_loglik, unit[:120], seed=0)  # at least 50 particles an island
    assert small.islands == 2


PIN = ["priors.scaling_law=hoffmann", "priors.g_alg.value=2.8", "priors.g_hw.value=1.4",
       "priors.g_inv.value=2.7", "actor=open_weights_lab", "priors.meek_budget_usd.value=2e7",
       "priors.meek_growth.value=1", "investment=constant", "inference=paper",
       "priors.sota_compute_flop=null",
       "+priors.sota_budget_usd={dist: fixed, value: 3e8}", "priors.flop_per_usd.value=3e17",
       *BENCH_PIN]
SMALL = ("g_inf", "inference_compute_multiplier", "noise_sigma_pp")


@pytest.fixture(scope="module")
def small():
    """The leaderboard's first six months, three uncertain parameters (the rest pinned), and an
    importance-sampling reference: 400,000 prior draws weighted by their likelihood, with its
    quantiles' standard errors from 20 interleaved batches."""
    s = settings(PIN)
    obs = observation.leaderboard(data_dir() / "llm_mmlu_pro_prices.csv",
                                  "price_output_usd_per_mtok", (0.5, 1.0))
    obs = obs.subset(np.arange(len(obs.gap)) < 6)
    sim = Meek(Options(), backend="numpy")
    priors = study.observation_priors(s.priors, obs, NOISE)
    assert priors.uncertain == ["g_inf", "inference_compute_multiplier", "noise_sigma_pp"]
    model = study.Model(sim, priors, obs, 2025.0)
    unit = np.random.default_rng(123).random((400_000, priors.columns))
    ll = model.loglik(unit)
    values = priors.map(unit)
    ps, batches = [0.05, 0.5, 0.95], 20
    ref, ref_se = {}, {}
    for name in SMALL:
        ref[name] = smc.weighted_quantile(values[name], smc.normalised(ll), ps)
        per = np.array([smc.weighted_quantile(values[name][b::batches],
                                              smc.normalised(ll[b::batches]), ps)
                        for b in range(batches)])
        ref_se[name] = per.std(axis=0, ddof=1) / np.sqrt(batches)
    assert smc.ess(ll) > 5000  # the reference is itself accurate
    return model, priors, ref, ref_se


def small_posterior(small, seed, n=1000):
    model, priors, _, _ = small
    unit = make_design("mc", n, priors.columns, seed).unit_rows(0, n)
    post = smc.temper(model.loglik, unit, seed=seed)
    values = priors.map(post.unit)
    return {name: (post.quantile(values[name], [0.05, 0.5, 0.95]),
                   post.quantile_mcse(values[name], [0.05, 0.5, 0.95])) for name in SMALL}


def test_posterior_matches_an_importance_sampling_reference_within_the_mcse(small):
    _, _, ref, ref_se = small
    for name, (q, se) in small_posterior(small, 4, n=2000).items():
        combined = np.sqrt(se ** 2 + ref_se[name] ** 2)
        assert np.all(np.abs(q - ref[name]) < 4 * combined), (name, q, ref[name], combined)
        assert np.all(se > ref_se[name]), (name, se, ref_se[name])  # the reference is sharper


def test_the_mcse_is_honest_across_ten_seeds(small):
    """Across 10 seeds, the medians' spread around the reference and among themselves is what
    their MCSEs say: mean squared z-scores near 1 (a loose chi-square bound)."""
    _, _, ref, ref_se = small
    runs = [small_posterior(small, seed) for seed in range(10)]
    for k, name in enumerate(SMALL):
        medians = np.array([r[name][0][1] for r in runs])
        mcse = np.array([r[name][1][1] for r in runs])
        z_ref = (medians - ref[name][1]) / np.sqrt(mcse ** 2 + ref_se[name][1] ** 2)
        spread = np.var(medians, ddof=1) / np.mean(mcse ** 2)
        # 10 draws: chi-square(10)/10 lies in [0.26, 2.3] with 99% probability; the MCSE is
        # itself estimated from 20 islands, so the bounds are widened
        assert 0.15 < np.mean(z_ref ** 2) < 3.0, (name, z_ref)
        assert 0.15 < spread < 3.0, (name, medians, mcse)


def test_two_seeds_agree_within_their_mcse_on_the_leaderboard(setup):
    sim, priors, obs = setup
    model = study.Model(sim, priors, obs, 2025.0)
    medians = []
    for seed in (0, 1):
        unit = make_design("mc", 2000, priors.columns, seed).unit_rows(0, 2000)
        post = smc.temper(model.loglik, unit, seed=seed)
        values = priors.map(post.unit)
        medians.append({n: (post.quantile(values[n], [0.5])[0],
                            post.quantile_mcse(values[n], [0.5])[0])
                        for n in ("g_inf", "noise_sigma_pp", "g_alg")})
        assert not any(st["capped"] for st in post.stages)
    for n in medians[0]:
        (a, sa), (b, sb) = medians[0][n], medians[1][n]
        assert abs(a - b) < 4 * np.hypot(sa, sb), (n, a, b, sa, sb)


def test_evidence_picks_the_alternative_that_made_the_data():
    """Twelve points of a line with Normal noise: the line (2 parameters) against a constant
    (1) and a line through the origin (1); each evidence is checked against quadrature on a
    fine grid, and the line wins decisively with a small Monte Carlo error."""
    from scipy.integrate import simpson
    from scipy.stats import norm

    from engine.calibration import evidence

    x = np.linspace(0.0, 1.0, 12)
    y = 0.3 + 0.4 * x + np.random.default_rng(5).normal(0.0, 0.05, 12)

    def ll_line(u):      # a ~ U(0, 1), b ~ U(-1, 1)
        return norm.logpdf(y, u[:, :1] + (2 * u[:, 1:2] - 1) * x, 0.05).sum(axis=1)

    def ll_const(u):     # c ~ U(0, 1)
        return norm.logpdf(y, u[:, :1] + 0 * x, 0.05).sum(axis=1)

    def ll_origin(u):    # b ~ U(0, 2)
        return norm.logpdf(y, 2 * u[:, :1] * x, 0.05).sum(axis=1)

    alternatives = [evidence.Alternative("constant", ll_const, 1),
                    evidence.Alternative("line", ll_line, 2, "a + b x"),
                    evidence.Alternative("origin", ll_origin, 1)]
    ds = evidence.compare(alternatives, particles=2000, seeds=(0, 1, 2), reference="constant")
    g = np.linspace(0.0, 1.0, 801)  # posterior sd ~0.03 in a and in u1: 20+ points per sd
    uu = np.stack(np.meshgrid(g, g, indexing="ij"), axis=-1).reshape(-1, 2)
    exact = {
        "line": np.log(simpson(simpson(np.exp(ll_line(uu)).reshape(801, 801), x=g), x=g)),
        "constant": np.log(simpson(np.exp(ll_const(g[:, None])), x=g)),
        "origin": np.log(simpson(np.exp(ll_origin(g[:, None])), x=g)),
    }
    for name, value in exact.items():
        got = ds["log_evidence"].sel(alternative=name)
        err = ds["log_evidence_mcse"].sel(alternative=name)
        assert 0 < err < 0.1 and abs(got - value) < 4 * err + 0.01, (name, got, value, err)
    bf = ds["log_bayes_factor"]
    assert float(bf.sel(alternative="constant")) == 0.0
    for loser in ("constant", "origin"):
        diff = bf.sel(alternative="line") - bf.sel(alternative=loser)
        assert diff > 10, (loser, float(diff))  # decisive: a factor above e^10
    assert (ds["log_bayes_factor_mcse"].sel(alternative=["line", "origin"]) < 0.15).all()
    assert ds["run_log_evidence"].dims == ("alternative", "seed")
    assert str(ds["description"].sel(alternative="line").values) == "a + b x"
    with pytest.raises(observation.CalibrationError, match="reference='nope'"):
        evidence.compare(alternatives, particles=200, reference="nope")


def test_the_gap_likelihood_still_calibrates(cli):
    res, run = cli("experiment=calibrate", "calibrate.likelihood=gap", "calibrate.particles=500",
                   "calibrate.predictive_draws=200", "calibrate.ess_floor=200")
    assert res.returncode == 0, res.stderr
    with xr.open_dataset(run / "calibration.nc") as cal:
        assert cal["observed_gap"].dims == ("month",) and "noise_sigma_pp" in cal
        assert cal.attrs["calibration_parameters"] == "noise_sigma_pp"


def test_evidence_compares_the_forms_in_one_command(cli):
    res, run = cli("experiment=evidence", "evidence.particles=300", "evidence.seeds=[0,1]",
                   "evidence.scaling_laws=[hoffmann,besiroglu]")
    assert res.returncode == 0, res.stderr
    with xr.open_dataset(run / "evidence.nc") as ev:
        assert ev["alternative"].values.tolist() == [
            "inference=paper", "inference=price_decline", "scaling_law=hoffmann",
            "scaling_law=besiroglu"]
        assert ev["comparison"].values.tolist() == ["levels", "levels", "gap", "gap"]
        bf = ev["log_bayes_factor"].values
        assert bf[0] == 0 and bf[2] == 0 and np.all(np.isfinite(bf))
        assert np.all(ev["log_bayes_factor_mcse"].values[[1, 3]] > 0)
        # pooled log Z is the log of the mean of the runs' Z
        z = ev["run_log_evidence"].values[1]
        assert float(ev["log_evidence"][1]) == pytest.approx(np.log(np.mean(np.exp(z))))


# --- calibration files are validated before anything is drawn from them ----------------------

RUN_CONTEXT = {"model": "meek", "inference": "price_decline", "time.start_year": "2025",
               "actor": "deepseek_v3"}


def write_calibration(path, n=2000, **change):
    """A calibration.nc as experiment=calibrate writes it for the default settings (n equally
    weighted particles of the default priors), with ``change`` applied: variables replaced by
    arrays, attributes by strings, ``drop=[...]`` removes attributes."""
    import json

    from engine.calibration.study import run_context

    s = settings([])
    obs = observation.leaderboard(data_dir() / "llm_mmlu_pro_prices.csv",
                                  "price_output_usd_per_mtok", (0.5, 1.0))
    cal = study.observation_priors(s.priors, obs, NOISE)
    rng = np.random.default_rng(0)
    context = run_context(Meek(Options(inference="price_decline")), 2025.0, actor="deepseek_v3")
    assert context == RUN_CONTEXT  # the keys a run builds with the same helper
    ds = xr.Dataset({"unit": (("particle", "column"), rng.random((n, cal.columns))),
                     "weight": ("particle", np.full(n, 1.0 / n)),
                     "ess": ((), float(n)),
                     "observed_gap": ("month", obs.gap),
                     "posterior_predictive": (("quantile", "month"), np.zeros((5, obs.gap.size)))},
                    attrs={"priors_json": json.dumps(cal.specs()), "ess_floor": 1000,
                           "context_json": json.dumps(context)})
    for name in change.pop("drop", []):
        del ds.attrs[name]
    for name, value in change.items():
        if isinstance(value, xr.Variable):
            ds = ds.drop_vars(name).assign({name: value})
        elif name in ds:
            ds[name] = (ds[name].dims, value) if np.ndim(value) == ds[name].ndim else value
        else:
            ds.attrs[name] = value
    ds.to_netcdf(path)
    return path


def _one_live(n=2000):
    w = np.zeros(n)
    w[7] = 1.0
    return w


def _units(value, n=2000):
    unit = np.random.default_rng(1).random((n, 11))
    unit[5, 2] = value
    return unit


DAMAGED = {
    "nan-weight": (dict(weight=np.r_[np.nan, np.full(1999, 1 / 1999)]), "not finite"),
    "negative-weight": (dict(weight=np.r_[-0.5, np.full(1999, 1.5 / 1999)]), "negative"),
    "zero-weights": (dict(weight=np.zeros(2000)), "sum to 0.0"),
    "one-live-particle": (dict(weight=_one_live(), ess=np.float64(1011.0)),
                          "effective sample size of 1 (recomputed from its weights)"),
    "unit-above-one": (dict(unit=_units(1.3)), "outside the unit hypercube"),
    "unit-negative": (dict(unit=_units(-0.01)), "outside the unit hypercube"),
    "nan-unit": (dict(unit=_units(np.nan)), "not finite"),
    "weights-short": (dict(weight=xr.Variable("row", np.full(1999, 1 / 1999))),
                      "do not match its particles"),
    "columns": (dict(unit=np.random.default_rng(1).random((2000, 9))), "8 model columns"),
    "inference": (dict(context_json='{"model": "meek", "inference": "paper", '
                                    '"time.start_year": "2025", "actor": "deepseek_v3"}'),
                  "made with inference=paper, this run has inference=price_decline"),
    "start-year": (dict(context_json='{"model": "meek", "inference": "price_decline", '
                                     '"time.start_year": "2024", "actor": "deepseek_v3"}'),
                   "made with time.start_year=2024, this run has time.start_year=2025"),
    "actor": (dict(context_json='{"model": "meek", "inference": "price_decline", '
                                '"time.start_year": "2025", "actor": "person"}'),
              "made with actor=person"),
    "no-context": (dict(drop=["context_json"]), "does not record the settings"),
    "priors": (dict(priors_json='{"g_inf": {"dist": "fixed", "value": 5}}'), "priors."),
}


@pytest.mark.parametrize("case", sorted(DAMAGED))
@pytest.mark.parametrize("key", ["fan.calibration", "sobol.calibration"])
def test_a_damaged_or_foreign_calibration_is_refused_in_one_line(tmp_path, case, key):
    from engine.calibration import posterior

    change, fragment = DAMAGED[case]
    path = write_calibration(tmp_path / "calibration.nc", **change)
    priors = settings([]).priors
    with pytest.raises(observation.CalibrationError) as err:
        ds = posterior.load(path, key)
        if key == "fan.calibration":
            posterior.design(ds, priors, 100, 0, key, context=RUN_CONTEXT)
        else:
            posterior.posterior_priors(ds, priors, key=key, context=RUN_CONTEXT)
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"{key}={str(path)!r}: "), message
    assert fragment in message, message


def test_an_intact_calibration_passes_and_files_that_are_not_one_are_named(tmp_path):
    from engine.calibration import posterior

    priors = settings([]).priors
    ds = posterior.load(write_calibration(tmp_path / "good.nc"), "fan.calibration")
    posterior.check(ds, priors, "fan.calibration", context=RUN_CONTEXT)
    assert posterior.effective_sample_size(ds) == pytest.approx(2000)
    assert posterior.design(ds, priors, 50, 0, context=RUN_CONTEXT).rows == 50
    # unnormalised but valid weights are drawn in proportion (a file need not sum to 1 exactly)
    ds2 = posterior.load(write_calibration(tmp_path / "scaled.nc", weight=np.full(2000, 3.0)))
    np.testing.assert_array_equal(posterior.design(ds2, priors, 50, 0).unit_rows(0, 50),
                                  posterior.design(ds, priors, 50, 0).unit_rows(0, 50))
    for path, fragment in ((tmp_path, "is a directory"), (tmp_path / "nope.nc", "no such file")):
        with pytest.raises(observation.CalibrationError) as err:
            posterior.load(path, "sobol.calibration")
        assert str(err.value).startswith(f"sobol.calibration={str(path)!r}: ")
        assert fragment in str(err.value)
    (tmp_path / "text.nc").write_text("not netcdf")
    with pytest.raises(observation.CalibrationError, match="not a netCDF file"):
        posterior.load(tmp_path / "text.nc")


@pytest.mark.parametrize("args,change,fragment", [
    (["experiment=fan", "sampler.n=50", "time.steps=11"],
     dict(weight=np.r_[np.nan, np.full(1999, 1 / 1999)]), "not finite"),
    (["experiment=sobol", "sampler.n=16", "time.steps=11", "sobol.num_resamples=10"],
     dict(weight=np.r_[np.nan, np.full(1999, 1 / 1999)]), "not finite"),
    (["experiment=fan", "sampler.n=50", "time.steps=11", "time.start_year=2024"], {},
     "time.start_year=2024"),
    (["experiment=fan", "sampler.n=50", "time.steps=11", "inference=paper"], {},
     "inference=paper"),
])
def test_the_cli_refuses_a_bad_calibration_with_one_line_and_no_files(tmp_path, args, change,
                                                                       fragment):
    from tests.conftest import run_cli

    path = write_calibration(tmp_path / "calibration.nc", **change)
    key = "fan.calibration" if "experiment=fan" in args else "sobol.calibration"
    res = run_cli([*args, f"{key}={path}"], tmp_path / "run")
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{key}=" in lines[0] and str(path) in lines[0], res.stderr
    assert fragment in lines[0], lines[0]
    assert not (tmp_path / "run").exists() or not any((tmp_path / "run").iterdir())
