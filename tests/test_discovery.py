"""Scenario discovery against synthetic cases with known answers, and on the model's runs."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from engine.discovery import condition, prim, study


def box_case(seed, n=5000):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 5))
    return x, (x[:, 0] > 0.2) & (x[:, 0] < 0.6) & (x[:, 1] > 0.5)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_prim_recovers_a_box_in_two_of_five_inputs(seed):
    x, y = box_case(seed)
    r = prim.find_box(x, y, density_threshold=0.9)
    b = r.box
    np.testing.assert_allclose(b.lower[:2], [0.2, 0.5], atol=0.05)
    np.testing.assert_allclose(b.upper[:2], [0.6, 1.0], atol=0.05)
    assert b.coverage > 0.9 and b.density > 0.9
    assert (b.p_values[:2] < 1e-6).all()  # both restrictions needed
    lo, hi = x.min(axis=0), x.max(axis=0)
    restricted = b.restricted(lo, hi)
    # the irrelevant inputs are left alone, or restricted only insignificantly
    assert all(not restricted[j] or b.p_values[j] > 0.05 for j in (2, 3, 4))


def test_a_condition_on_one_input_restricts_only_that_input():
    rng = np.random.default_rng(4)
    x = rng.random((4000, 4))
    r = prim.find_box(x, x[:, 3] > 0.7)
    lo, hi = x.min(axis=0), x.max(axis=0)
    sig = r.box.restricted(lo, hi) & (np.nan_to_num(r.box.p_values, nan=1.0) < 0.05)
    assert sig.tolist() == [False, False, False, True]
    assert r.box.lower[3] == pytest.approx(0.7, abs=0.03)


def test_conditions_parse_safely():
    v = {"a": np.array([1.0, 2.0, np.nan]), "b": np.array([0.0, 1.0, 2.0])}
    assert condition.evaluate("a > 1 or b >= 2", v).tolist() == [False, True, True]
    assert condition.evaluate("log10(b + 1) < 0.4 and not isnan(a)", v).tolist() == \
        [True, True, False]
    for bad, fragment in (("a >", "does not parse"), ("c > 1", "'c' is not a variable"),
                          ("__import__('os')", "is not allowed"), ("a + 1", "not a condition"),
                          ("a.real > 1", "is not allowed")):
        with pytest.raises(condition.ConditionError, match=fragment):
            condition.evaluate(bad, v)


def test_discover_on_the_model_end_to_end_and_recount(cli, tmp_path):
    res, run = cli("experiment=discover", "sampler.n=3000", "time.steps=31",
                   'discover.condition="gap_at_10y > 0.01"')
    assert res.returncode == 0, res.stderr
    with xr.open_dataset(run / "discovery.nc") as disc, \
            xr.open_dataset(run / "scenarios.nc") as scen:
        y = scen["gap_at_10y"].values > 0.01
        np.testing.assert_array_equal(disc["case"].values.astype(bool), y)
        names = list(disc["parameter"].values)
        assert "alpha" in names and "g_alg" in names
        x = np.column_stack([scen[n].values for n in names])
        earlier = np.zeros(len(y), dtype=bool)
        for b in disc["box"].values:  # coverage, density, mass recounted from the scenarios
            box = disc.sel(box=b)
            inside = np.all((x >= box["lower"].values) & (x <= box["upper"].values), axis=1)
            own = inside & ~earlier  # box 1: every scenario; box 2: those outside box 1
            assert float(box["mass"]) == pytest.approx(own.mean())
            assert float(box["coverage"]) == pytest.approx(y[own].sum() / y.sum())
            assert float(box["density"]) == pytest.approx(y[own].mean())
            earlier |= inside
        assert float(disc["coverage"].sum()) <= 1.0
        assert disc["feature_score"].sum() == pytest.approx(1.0)
        assert "|---" in disc.attrs["cart_rules"]
    for png in ("discovery_tradeoff.png", "discovery_limits.png", "discovery_pairs.png",
                "discovery_envelopes.png"):
        assert (run / png).exists(), png
    # the same question on that run's scenarios, read back (and linked into the new run)
    from tests.conftest import run_cli
    again = run_cli(["experiment=discover", f"discover.scenarios={run / 'scenarios.nc'}",
                     'discover.condition="gap_at_10y > 0.01"'], tmp_path / "again")
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "again" / "scenarios.nc").is_symlink()
    with xr.open_dataset(tmp_path / "again" / "discovery.nc") as a, \
            xr.open_dataset(run / "discovery.nc") as b:
        np.testing.assert_array_equal(a["lower"].values, b["lower"].values)


def test_inputs_of_a_scenarios_file_follow_its_factors():
    ds = xr.Dataset({"alpha": ("scenario", [0.15, 0.17]), "A": ("scenario", [1.0, 2.0]),
                     "g_alg": ("scenario", [2.0, 3.0]), "g_hw": ("scenario", [1.4, 1.4])},
                    attrs={"uncertain_factors": "scaling_law g_alg g_hw"})
    assert study.inputs(ds) == ["alpha", "g_alg"]  # constant g_hw is no input here


def synthetic_scenarios(seed, n=6000):
    """Half the scenarios on Hoffmann et al. 2022's scaling law, half on the Besiroglu et al.
    2024 bootstrap (its replicates' alphas), and three uniform inputs."""
    from engine.priors.scaling_law import FIT_CODES, besiroglu_replicates

    rng = np.random.default_rng(seed)
    reps = besiroglu_replicates()
    hoff = rng.random(n) < 0.5
    alpha = np.where(hoff, 0.15355, reps[rng.integers(0, len(reps), n), 1])
    fit = np.where(hoff, FIT_CODES["hoffmann"], FIT_CODES["besiroglu"]).astype(float)
    x = rng.random((n, 3))
    return xr.Dataset({"alpha": ("scenario", alpha, {"units": "1"}),
                       "scaling_fit": ("scenario", fit, {"units": "1"}),
                       "g_alg": ("scenario", 1 + 4 * x[:, 0], {"units": "1"}),
                       "g_hw": ("scenario", x[:, 1], {"units": "1"}),
                       "g_inv": ("scenario", x[:, 2], {"units": "1"})},
                      coords={"scenario": np.arange(n)},
                      attrs={"uncertain_factors": "scaling_law g_alg g_hw g_inv"})


RUN = dict(peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05, density_threshold=0.8,
           tree_depth=3, significance=0.05, seed=0)


def test_the_second_box_is_counted_on_the_scenarios_outside_the_first():
    """Two overlapping regions: g_hw and g_inv both above 0.4 (box 1), and g_alg above 3.8
    (box 2, whose limits leave g_hw and g_inv free, so half of it lies in box 1). Box 2's
    statistics count only the scenarios outside box 1."""
    ds = synthetic_scenarios(1)
    ds["case"] = ("scenario", (((ds["g_hw"] > 0.4) & (ds["g_inv"] > 0.4)).values
                               | (ds["g_alg"] > 3.8).values).astype(float))
    disc = study.run(ds, "case > 0.5", **RUN)
    assert disc.sizes["box"] == 2
    x = np.column_stack([ds[n].values for n in disc["parameter"].values])
    y = ds["case"].values > 0.5
    inside = [np.all((x >= disc["lower"].values[b]) & (x <= disc["upper"].values[b]), axis=1)
              for b in (0, 1)]
    rest = inside[1] & ~inside[0]
    assert float(disc["coverage"][1]) == pytest.approx(y[rest].sum() / y.sum())
    assert float(disc["density"][1]) == pytest.approx(y[rest].mean())
    assert float(disc["mass"][1]) == pytest.approx(rest.mean())
    overlap = (inside[1] & inside[0]).sum() / inside[1].sum()
    assert float(disc["box_overlap"][1]) == pytest.approx(overlap) and overlap > 0.2
    assert float(disc["box_overlap"][0]) == 0.0
    # counted over every scenario instead, box 2 would claim cases box 1 already holds
    assert y[inside[1]].sum() / y.sum() > float(disc["coverage"][1]) + 0.1
    assert float(disc["coverage"].sum()) <= 1.0
    # each box is the union of the two regions' parts: together they hold most cases
    assert float(disc["coverage"].sum()) > 0.8
    assert "outside every earlier box" in disc["coverage"].attrs["long_name"]
    assert "EMA Workbench" in disc.attrs["box_statistics"]
    # the trajectory of box 2, rescaled to all cases and scenarios, ends below its share
    assert np.nanmax(disc["trajectory_coverage"].values[1]) <= y[~inside[0]].sum() / y.sum() + 1e-12
    assert np.nanmax(disc["trajectory_mass"].values[1]) <= (~inside[0]).mean() + 1e-12


BESIROGLU = "alpha {:.2f}-{:.2f}"  # the range of the bootstrap alphas drawn into the scenarios


@pytest.mark.parametrize("condition,chosen,ruled_out", [
    ("alpha < 0.16 and g_alg > 2", "the Hoffmann et al. 2022 fit (alpha 0.154)",
     "Besiroglu et al. 2024's ({besiroglu})"),
    ("alpha > 0.16 and g_alg > 2", "the Besiroglu et al. 2024 fit ({besiroglu})",
     "Hoffmann et al. 2022's (alpha 0.154)"),
])
def test_a_restriction_on_alpha_is_stated_as_the_fit_it_selects(condition, chosen, ruled_out):
    ds = synthetic_scenarios(2)
    disc = study.run(ds, condition, **RUN)
    box = disc.isel(box=0)
    boot = ds["alpha"].values[ds["scaling_fit"].values == 2]
    besiroglu = BESIROGLU.format(boot.min(), boot.max())
    assert besiroglu in ("alpha 0.16-0.20", "alpha 0.16-0.21")  # data/SCALING_FITS.md
    chosen, ruled_out = chosen.format(besiroglu=besiroglu), ruled_out.format(besiroglu=besiroglu)
    words = str(box["box_statement"].sel(parameter="alpha").values)
    assert words == f"{chosen} rather than {ruled_out}", words
    assert float(box["p_value"].sel(parameter="alpha")) < 1e-6  # the p-value is kept
    winner = "hoffmann" if "Hoffmann et al. 2022 fit" in chosen else "besiroglu"
    loser = {"hoffmann": "besiroglu", "besiroglu": "hoffmann"}[winner]
    assert float(box["fit_share"].sel(fit=winner)) >= 0.95
    assert float(box["fit_share"].sel(fit=loser)) <= 0.05
    # another restricted input is stated plainly, an unrestricted one not at all
    assert str(box["box_statement"].sel(parameter="g_alg").values).startswith(
        "algorithmic progress (g_alg) at least")
    for name in ("g_hw", "g_inv"):
        said = str(box["box_statement"].sel(parameter=name).values)
        assert said == "" or np.isfinite(float(box["p_value"].sel(parameter=name)))


def test_part_of_the_bootstrap_is_stated_with_its_share():
    ds = synthetic_scenarios(3)
    alpha = ds["alpha"].values
    fit = ds["scaling_fit"].values
    words = study.fit_statement(alpha, fit, 0.15, 0.175)
    share = np.mean(alpha[fit == 2] <= 0.175)
    assert 0.05 < share < 0.95
    assert words.startswith("the Hoffmann et al. 2022 fit (alpha 0.154) and "
                            f"{share:.0%} of Besiroglu et al. 2024's bootstrap draws"), words
    assert "rather than" not in words
