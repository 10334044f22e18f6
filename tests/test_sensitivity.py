"""Sobol' analysis: batched estimators equal SALib's, analytic test functions, NaN outcomes."""

from __future__ import annotations

import matplotlib.image as mpimg
import numpy as np
import pytest
import xarray as xr
from SALib.analyze import sobol as salib_sobol

from engine import analysis, testfunctions
from engine.samplers import unit_design
from engine.sensitivity import sobol_indices

KEYS = ("S1", "S1_conf", "ST", "ST_conf", "S2", "S2_conf")


def ishigami_outputs(n, seed, second_order=True):
    x = unit_design("saltelli", n, 3, seed=seed, second_order=second_order) * 2 * np.pi - np.pi
    y = testfunctions.ishigami(x[:, 0], x[:, 1], x[:, 2])
    # several outputs of different shapes, one of them constant
    return np.stack([y, y**2, np.exp(np.sin(y)), x[:, 2] * 0 + 3.0], axis=1)


@pytest.mark.parametrize("second_order", [True, False])
@pytest.mark.parametrize("n,d", [(16, 3), (64, 8)])
def test_saltelli_design_equals_salibs_row_for_row(second_order, n, d):
    from SALib.sample import sobol as salib_sample
    problem = {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0, 1]] * d}
    ref = salib_sample.sample(problem, n, calc_second_order=second_order, seed=11)
    np.testing.assert_array_equal(unit_design("saltelli", n, d, seed=11,
                                              second_order=second_order), ref)


@pytest.mark.parametrize("second_order", [True, False])
def test_batched_estimators_equal_salib_to_1e10(second_order):
    y = ishigami_outputs(256, seed=9, second_order=second_order)
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    mine = sobol_indices(y, 3, second_order=second_order, num_resamples=50, seed=42)
    for k in range(y.shape[1] - 1):  # SALib divides by a zero std on the constant column
        ref = salib_sobol.analyze(problem, y[:, k], calc_second_order=second_order,
                                  num_resamples=50, seed=42)
        for key in KEYS[: 6 if second_order else 4]:
            np.testing.assert_allclose(getattr(mine, key)[k], ref[key], rtol=0, atol=1e-10,
                                       err_msg=f"{key} of output {k}")
    assert np.all(mine.S1[-1] == 0) and np.all(mine.ST_conf[-1] == 0)  # constant output


def test_time_resolved_indices_equal_salib_column_by_column():
    n, d = 128, 3
    x = unit_design("saltelli", n, d, seed=4)
    t = np.linspace(0, 1, 7)
    series = np.sin(np.outer(x[:, 0], 1 + t)) + np.outer(x[:, 1] ** 2, t) + 0.3 * x[:, 2:3]
    ds = analysis.sobol_dataset({"s": series[:, 3]}, ["a", "b", "c"], second_order=True,
                                num_resamples=30, conf_level=0.95, seed=5,
                                series={"series": series}, t=t)
    blocks = series.reshape(n, 2 * d + 2, len(t))[:, np.r_[0:d + 1, 2 * d + 1]]
    problem = {"num_vars": d, "names": ["a", "b", "c"], "bounds": [[0, 1]] * d}
    for j in range(len(t)):
        ref = salib_sobol.analyze(problem, blocks[:, :, j].ravel(), calc_second_order=False,
                                  num_resamples=30, seed=5)
        for key in ("S1", "S1_conf", "ST", "ST_conf"):
            np.testing.assert_allclose(ds[f"{key[:2]}_t{key[2:]}"].isel(series=0, t=j), ref[key],
                                       atol=1e-10)


@pytest.mark.parametrize("model,n", [("ishigami", 8192), ("sobol_g", 8192)])
def test_validation_models_through_the_pipeline_match_analytic_indices(cli, model, n):
    res, run = cli("experiment=sobol", f"model={model}", f"sampler.n={n}")
    assert res.returncode == 0, res.stderr
    exact = testfunctions.analytic_indices(model)
    with xr.open_dataset(run / "sobol.nc") as ds:
        got = ds.sel(output="y")
        np.testing.assert_allclose(got["S1"], exact["S1"], atol=0.05)
        np.testing.assert_allclose(got["ST"], exact["ST"], atol=0.05)
        upper = np.triu(np.ones_like(exact["S2"], dtype=bool), 1)
        np.testing.assert_allclose(got["S2"].values[upper], exact["S2"][upper], atol=0.05)
        # the intervals are honest: the exact values lie within a few half-widths
        assert np.all(np.abs(got["ST"] - exact["ST"]) <= 4 * got["ST_conf"] + 0.01)
    assert (run / "sobol_indices.png").exists() and (run / "summary.md").exists()


def test_nan_outcomes_are_reported_and_analysed_twice():
    n, d = 1024, 3
    x = unit_design("saltelli", n, d, seed=6)
    y = x[:, 0] + 0.5 * x[:, 1]
    y = np.where(x[:, 2] > 0.8, np.nan, y)  # undefined when the third input is large
    ds = analysis.sobol_dataset({"y": y}, ["a", "b", "c"], second_order=True,
                                num_resamples=20, conf_level=0.95, seed=2)
    assert list(ds["output"].values) == ["y", "y_is_defined"]
    share = float(ds["defined_share"].sel(output="y"))
    assert share == pytest.approx(np.isfinite(y).mean()) and 0.75 < share < 0.85
    assert "defined" in str(ds["output_label"].sel(output="y_is_defined").values)
    # whether y is defined depends on c alone; where defined, y depends on a and b only
    ind = ds.sel(output="y_is_defined")
    assert float(ind["ST"].sel(parameter="c")) > 0.9
    assert float(ind["ST"].sel(parameter="a")) < 0.02
    where = ds.sel(output="y")
    assert float(where["ST"].sel(parameter="a")) > float(where["ST"].sel(parameter="b")) > 0.1
    assert int(where["n_base_used"]) < n


def test_meek_sobol_end_to_end(cli):
    res, run = cli("experiment=sobol", "sampler.n=64", "time.steps=21")
    assert res.returncode == 0, res.stderr
    with xr.open_dataset(run / "scenarios.nc") as scen:
        d = len(scen.attrs["uncertain_parameters"].split())
        assert scen.sizes["scenario"] == 64 * (2 * d + 2)
        assert "loss_gap" not in scen  # series are analysed, not saved, unless asked for
    with xr.open_dataset(run / "sobol.nc") as ds:
        assert {"S1", "S1_conf", "ST", "ST_conf", "S2", "S2_conf", "S1_t", "ST_t"} <= set(ds)
        assert ds["S1_t"].dims == ("series", "t", "parameter") and ds.sizes["t"] == 21
        assert list(ds["n_base"].values) == [8, 16, 32, 64]
        assert ds.attrs["N"] == 64 and ds.attrs["seed"] > 0
        assert "t_peak" in ds["output"].values
    for png in run.glob("*.png"):
        img = mpimg.imread(png)
        assert img.shape[0] > 200 and float(img[..., :3].std()) > 0.02, png
    assert {"sobol_indices.png", "convergence_t_peak.png", "sobol_loss_gap_over_time.png",
            "sobol_benchmark_gap_over_time.png", "scatter_t_peak.png"} <= {
                p.name for p in run.glob("*.png")}
    text = (run / "summary.md").read_text()
    assert "| 1 |" in text and "matters most" in text


def test_target_width_doubles_n_up_to_the_cap(cli):
    res, run = cli("experiment=sobol", "model=ishigami", "sampler.n=32",
                   "sobol.target_width=1e-9", "sobol.max_n=128")
    assert res.returncode == 0, res.stderr
    with xr.open_dataset(run / "sobol.nc") as ds:
        assert ds.attrs["N"] == 128
    log = (run / "run.log").read_text()
    assert "doubling" in log and "at the cap N=128" in log


def test_morris_screening_ranks_sobol_g_inputs(cli):
    res, run = cli("experiment=morris", "model=sobol_g", "morris.trajectories=100")
    assert res.returncode == 0, res.stderr
    with xr.open_dataset(run / "morris.nc") as mo:
        mu = mo["mu_star"].sel(output="y").values
        # a = (0, 1, 4.5, 9, 99, 99): importance falls with a
        assert mu[0] > mu[1] > mu[2] > mu[3] > max(mu[4], mu[5])
    assert (run / "morris_y.png").exists()
