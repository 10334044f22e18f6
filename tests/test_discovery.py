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
        for b in disc["box"].values:  # coverage, density, mass recounted from the scenarios
            box = disc.sel(box=b)
            inside = np.all((x >= box["lower"].values) & (x <= box["upper"].values), axis=1)
            assert float(box["mass"]) == pytest.approx(inside.mean())
            assert float(box["coverage"]) == pytest.approx(y[inside].sum() / y.sum())
            assert float(box["density"]) == pytest.approx(y[inside].mean())
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
