"""The calibration on levels and gaps: record months (a repeated month changes nothing, bit for
bit), the forecast scores against closed forms, calibration.nc's names and dims, two seeds within
their Monte Carlo errors, and the SMC against an importance-sampling reference."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from engine.calibration import holdout, joint, levels, smc, study
from engine.calibration.observation import CalibrationError
from engine.designs import make_design
from engine.model.benchmarks import BENCHMARKS
from engine.model.outcomes import Options
from engine.priors import PriorSet
from engine.priors.fixed import Fixed
from engine.resources import data_dir
from engine.simulators.meek import Meek
from tests.test_configs import settings

DATA = data_dir() / "llm_mmlu_pro_prices.csv"
PRICE = "price_output_usd_per_mtok"
BOTH = ("mmlu_pro", "gpqa_diamond")


@pytest.fixture(scope="module")
def base():
    s = settings([])
    obs = levels.leaderboard(DATA, PRICE, (0.5, 1.0), BOTH)
    sim = Meek(Options(), backend="numpy")
    return s, sim, obs


def _levels_by_hand(column: str, side_band: bool) -> pd.Series:
    df = pd.read_csv(DATA)
    df["m"] = pd.to_datetime(df["release_date"]).dt.to_period("M")
    df = df[df[column].notna()]
    if side_band:
        df = df[(df[PRICE] > 0) & (df[PRICE] >= 0.5) & (df[PRICE] <= 1.0)]
    return df.groupby("m")[column].max()


def test_levels_are_running_maxima_and_records_are_where_they_change(base):
    _, _, obs = base
    assert obs.months[0] == "2023-07" and obs.months[-1] == "2025-04"
    for i, b in enumerate(BOTH):
        for side in (0, 1):
            best = _levels_by_hand(levels.COLUMNS[b], side == 1)
            for j, m in enumerate(obs.months):
                upto = best[best.index <= pd.Period(m, freq="M")]
                want = upto.max() if len(upto) else np.nan
                assert (np.isnan(want) and np.isnan(obs.level[i, side, j])) or \
                    obs.level[i, side, j] == want
            # a record: a month where some model released that month beats every earlier one
            for j, m in enumerate(obs.months):
                released = best.get(pd.Period(m, freq="M"), np.nan)
                earlier = obs.level[i, side, j - 1] if j else np.nan
                new = np.isfinite(released) and not (released <= earlier)
                assert bool(obs.record[i, side, j]) == bool(new), (b, side, m)
    # the count: MMLU-Pro's frontier holds 8 records in 22 months, its band 6
    assert obs.record.sum(axis=-1).tolist() == [[8, 6], [10, 6]]
    np.testing.assert_array_equal(obs.gap[0, obs.gap_months[:3]], [30.0, 30.0, 30.0])


def _with_repeats(path_in, path_out):
    """The leaderboard with one model listed twice and a model released in a new last month that
    beats no earlier score on any side (a month whose levels repeat the month before)."""
    df = pd.read_csv(path_in)
    extra = df.iloc[[3]].copy()
    extra["model"] = "a weak model"
    extra["release_date"] = "2025-05-01"
    extra["mmlu_pro_pct"] = 20.0
    extra["gpqa_diamond_pct"] = 20.0
    extra[PRICE] = 0.8
    pd.concat([df, df.iloc[[10]], extra]).to_csv(path_out, index=False)
    return path_out


def test_a_repeated_month_leaves_the_likelihood_and_the_posterior_bit_for_bit(base, tmp_path):
    s, sim, obs = base
    longer = levels.leaderboard(_with_repeats(DATA, tmp_path / "board.csv"), PRICE,
                                (0.5, 1.0), BOTH)
    assert longer.months[-1] == "2025-05" and len(longer.months) == len(obs.months) + 1
    np.testing.assert_array_equal(longer.level[..., -1], longer.level[..., -2])
    assert not longer.record[..., -1].any()
    cal = levels.observation_priors(s.priors, obs)
    a = levels.LevelModel(sim, cal, obs, 2025.0)
    b = levels.LevelModel(sim, cal, longer, 2025.0)
    unit = make_design("mc", 400, cal.columns, 5).unit_rows(0, 400)
    np.testing.assert_array_equal(a.loglik(unit), b.loglik(unit))
    pa = smc.temper(a.loglik, unit, seed=3, islands=4)
    pb = smc.temper(b.loglik, unit, seed=3, islands=4)
    np.testing.assert_array_equal(pa.unit, pb.unit)
    np.testing.assert_array_equal(pa.weights, pb.weights)
    assert pa.log_evidence == pb.log_evidence
    # counting every month instead of the records would change it: the test has teeth
    every = levels.records_loglik(*b.predict(unit), longer.level, np.isfinite(longer.level))
    assert not np.allclose(every, b.loglik(unit))


def test_the_prediction_is_the_benchmark_logistic_of_the_paths(base):
    s, sim, obs = base
    cal = levels.observation_priors(s.priors, obs)
    model = levels.LevelModel(sim, cal, obs, 2025.0)
    unit = make_design("mc", 5, cal.columns, 1).unit_rows(0, 5)
    pred, sigma = model.predict(unit)
    v = cal.map(unit)
    for r in range(5):
        la, lh, li = (math.log(v[k][r]) for k in ("g_alg", "g_hw", "g_inv"))
        lf = math.log(v["flop_per_usd"][r])
        p = obs.price_per_token_usd
        for j in (0, 10, 21):
            t = obs.years[j] - 2025.0
            # the frontier's 2025 compute: a prior of its own (issue 23), or budget x FLOP/$
            ln_c0 = (math.log(v["sota_compute_flop"][r]) if "sota_compute_flop" in v
                     else math.log(v["sota_budget_usd"][r]) + lf)
            ln_front = ln_c0 + (la + lh + li) * t
            k = 2 * (lh + math.log(v["g_inf"][r])) + la          # the paper's inference form
            ln_band = 2 * (lf + math.log(p)) + math.log(v["inference_compute_multiplier"][r]) \
                + k * t
            for i, b in enumerate(BOTH):
                c, m, sl = (v[f"{b}_{x}"][r] for x in ("ceiling", "midpoint", "slope"))
                f = BENCHMARKS[b].floor
                for side, ln_c in ((0, ln_front), (1, ln_band)):
                    want = 100 * (f + (c - f) / (1 + math.exp(-sl * (ln_c / math.log(10) - m))))
                    assert pred[r, i, side, j] == pytest.approx(want, rel=1e-10)
                assert sigma[r, i] == v[f"{b}_noise_pp"][r]


def test_crps_and_the_naive_forecasts_against_closed_forms():
    rng = np.random.default_rng(0)
    draws = rng.normal(2.0, 3.0, 200_000)
    assert holdout.crps_sample(draws, 4.0) == pytest.approx(holdout.crps_normal(2.0, 3.0, 4.0),
                                                            rel=0.01)
    # a line is forecast exactly by the trend (no residual: a point forecast, CRPS 0)
    x = np.arange(10.0)
    mu, sd = holdout.naive(1.5 + 0.5 * x, x, 13.0, "trend")
    assert mu == pytest.approx(1.5 + 0.5 * 13) and sd == pytest.approx(0.0, abs=1e-12)
    # persistence: the last value, spread of the steps times sqrt(h)
    g = np.array([3.0, 5.0, 4.0, 8.0])
    mu, sd = holdout.naive(g, np.arange(4.0), 5.0, "persistence")
    assert mu == 8.0 and sd == pytest.approx(np.std([2.0, -1.0, 4.0], ddof=1) * math.sqrt(2))
    # the 90% Normal band holds 90%: its edge is at z = 1.645
    assert norm.cdf(holdout.Z90) == pytest.approx(0.95)


@pytest.fixture(scope="module")
def small_run(base):
    s, sim, obs = base
    st = study.Settings(600, 0.5, 3, 60, 200, 100, 7, islands=6)
    hs = joint.HoldoutSettings(True, 15, 6, 200, 300)
    return joint.run(sim, s.priors, obs, 2025.0, st, s.t, hs)


def test_calibration_nc_names_and_dims(small_run):
    ds = small_run
    assert ds["observed_level"].dims == ("benchmark", "side", "month")
    assert ds["side"].values.tolist() == ["frontier", "band"]
    assert ds["benchmark"].values.tolist() == list(BOTH)
    assert ds["observed_gap"].dims == ("benchmark", "month")
    assert ds["observed_level"].attrs["units"] == "percent"
    assert ds["log_evidence"].dims == () and np.isfinite(float(ds["log_evidence"]))
    assert ds["holdout_coverage"].dims == ("benchmark",)
    assert ds["holdout_crps"].dims == ("benchmark",)
    assert ds["naive_crps"].dims == ("benchmark", "forecaster")
    assert ds["forecaster"].values.tolist() == ["persistence", "trend"]
    # origins from the 15th of 17 gap months to the 16th: 2 + 1 forecasts per benchmark
    assert ds["origin"].values.tolist() == ["2025-02", "2025-03"]
    assert ds.attrs["holdout_forecasts"] == 3
    assert np.all((ds["holdout_coverage"] >= 0) & (ds["holdout_coverage"] <= 1))
    assert np.all(ds["holdout_crps"] > 0) and np.all(ds["naive_crps"] > 0)
    for name in ("mmlu_pro_ceiling", "gpqa_diamond_slope", "mmlu_pro_noise_pp", "g_inf"):
        assert name in ds["parameter"].values and f"prior_{name}" in ds
    # the benchmarks' logistics are the model's parameters (the capability layer): the
    # calibration's own columns are the two noise scales
    assert ds.attrs["calibration_parameters"] == "mmlu_pro_noise_pp gpqa_diamond_noise_pp"
    assert ds.attrs["calibration_columns"] == 2


def test_the_held_out_scores_are_those_of_the_stored_forecasts(small_run):
    ds = small_run
    obs, q = ds["holdout_observed"].values, ds["holdout_forecast"].values
    # gaps are never negative, forecast or observed (the best overall includes the band's)
    assert np.nanmin(q) >= 0 and np.nanmin(ds["posterior_predictive"].values) >= 0
    inside = (obs >= q[..., 0]) & (obs <= q[..., 2])
    ok = np.isfinite(obs)
    np.testing.assert_allclose(ds["holdout_coverage"].values,
                               [inside[b][ok[b]].mean() for b in range(2)])
    # the stored observation is the data's gap at the month
    gap = ds["observed_gap"].sel(benchmark="mmlu_pro")
    assert float(ds["holdout_observed"].sel(benchmark="mmlu_pro", origin="2025-02",
                                            horizon=2)) == float(gap.sel(month="2025-04"))


def test_a_levels_posterior_feeds_fans_with_the_model_columns_only(small_run, tmp_path):
    from engine.calibration import posterior

    path = tmp_path / "calibration.nc"
    small_run.attrs["ess_floor"] = 100
    small_run.to_netcdf(path)
    ds = posterior.load(path)
    priors = settings([]).priors
    d = posterior.design(ds, priors, 50, 0)
    assert d.unit_rows(0, 50).shape[1] == priors.columns
    drawn = set(np.round(priors.map(d.unit_rows(0, 50))["g_inf"], 12))
    assert drawn <= set(np.round(ds["g_inf"].values, 12))


@pytest.mark.parametrize("benchmarks,fragment", [(("mmlu",), "'mmlu' is not a benchmark"),
                                                 ((), "give at least one")])
def test_unknown_benchmarks_are_named(benchmarks, fragment):
    with pytest.raises(CalibrationError, match=fragment):
        levels.leaderboard(DATA, PRICE, (0.5, 1.0), benchmarks)


# --- the sampler on this likelihood ------------------------------------------------------------

INFORMED = ("g_inf", "g_alg", "g_inv", "inference_compute_multiplier", "mmlu_pro_noise_pp",
            "gpqa_diamond_slope")


@pytest.mark.slow
def test_two_seeds_agree_within_their_mcse(base):
    s, sim, obs = base
    meds, ses = [], []
    for seed in (0, 1):
        st = study.Settings(2000, 0.5, 5, 60, 500, 100, seed)
        model, _, post = joint.fit(sim, s.priors, obs, 2025.0, st)
        v = model.priors.map(post.unit)
        meds.append([post.quantile(v[n], [0.5])[0] for n in INFORMED])
        ses.append([post.quantile_mcse(v[n], [0.5])[0] for n in INFORMED])
    meds, ses = np.array(meds), np.array(ses)
    z = np.abs(meds[0] - meds[1]) / np.sqrt(ses[0] ** 2 + ses[1] ** 2)
    assert np.all(z < 3.5), dict(zip(INFORMED, z.round(2), strict=True))


def _small_case(s, sim, obs):
    """g_inf, the multiplier and MMLU-Pro's midpoint and noise uncertain; the rest at the
    priors' medians (a 4-dimensional case an importance sampler can integrate)."""
    one = levels.leaderboard(DATA, PRICE, (0.5, 1.0), ("mmlu_pro",))
    cal = levels.observation_priors(s.priors, one)
    keep = {"g_inf", "inference_compute_multiplier", "mmlu_pro_midpoint", "mmlu_pro_noise_pp"}
    mid = cal.map(np.full((1, cal.columns), 0.5))
    fixed = {}
    for p in cal:
        if p.name in keep or p.fixed:
            fixed[p.name] = p
        elif p.name == "scaling_law":
            fixed[p.name] = p  # no effect on the levels; its one column stays uniform
        else:
            fixed[p.name] = Fixed(p.name, float(mid[p.name][0]))
    return levels.LevelModel(sim, PriorSet(fixed), one, 2025.0)


def test_posterior_matches_an_importance_sampling_reference_within_the_mcse(base):
    s, sim, obs = base
    model = _small_case(s, sim, obs)
    d = model.priors.columns
    ref_unit = make_design("mc", 400_000, d, 11).unit_rows(0, 400_000)
    ll = np.concatenate([model.loglik(ref_unit[a:a + 50_000])
                         for a in range(0, 400_000, 50_000)])
    w = smc.normalised(ll)
    ref_v = model.priors.map(ref_unit)
    unit = make_design("mc", 3000, d, 2).unit_rows(0, 3000)
    post = smc.temper(model.loglik, unit, seed=2)
    v = model.priors.map(post.unit)
    for name in ("g_inf", "inference_compute_multiplier", "mmlu_pro_midpoint",
                 "mmlu_pro_noise_pp"):
        ref = smc.weighted_quantile(ref_v[name], w, [0.5])[0]
        # the reference's own error: the spread of its median over 8 independent blocks
        blocks = [smc.weighted_quantile(ref_v[name][a:a + 50_000],
                                        smc.normalised(ll[a:a + 50_000]), [0.5])[0]
                  for a in range(0, 400_000, 50_000)]
        ref_se = np.std(blocks, ddof=1) / math.sqrt(len(blocks))
        got = post.quantile(v[name], [0.5])[0]
        se = post.quantile_mcse(v[name], [0.5])[0]
        assert abs(got - ref) < 3.5 * math.hypot(se, ref_se), (name, got, ref, se, ref_se)


def test_a_window_fits_only_the_records_set_inside_it(base):
    _, _, obs = base
    cut = levels.leaderboard(DATA, PRICE, (0.5, 1.0), BOTH, ("2024-02", "2025-04"))
    at = obs.months.index("2024-02")
    np.testing.assert_array_equal(cut.level, obs.level[..., at:])
    np.testing.assert_array_equal(cut.record, obs.record[..., at:])
    # 2024-02 repeats MMLU-Pro's frontier of 2023-11: not a record of the window
    assert cut.level[0, 0, 0] == 69.0 and not cut.record[0, 0, 0]
