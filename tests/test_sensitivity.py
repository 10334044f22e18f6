"""Sobol' analysis: estimators equal SALib's (grouped and not), analytic test functions through
the whole pipeline, indices over time from chunked sums, NaN outcomes, collapsed variance."""

from __future__ import annotations

import matplotlib.image as mpimg
import numpy as np
import pytest
import xarray as xr
from SALib.analyze import sobol as salib_sobol

from engine.analysis.sobol import sobol_dataset
from engine.designs import make_design
from engine.model import testfunctions
from engine.reducers import SobolSeries
from engine.sensitivity import sobol_indices

KEYS = ("S1", "S1_conf", "ST", "ST_conf", "S2", "S2_conf")


def saltelli(n, d, seed, second_order=True, groups=None):
    design = make_design("saltelli", n, d, seed, groups=groups, second_order=second_order)
    return design.unit_rows(0, design.rows)


def outputs(x):
    y = testfunctions.ishigami(*(x[:, i] * 2 * np.pi - np.pi for i in range(3)))
    extra = x[:, 3:].sum(axis=1) if x.shape[1] > 3 else 0.0
    # several outputs of different shapes, the last one constant
    return np.stack([y + extra, (y + extra) ** 2, np.exp(np.sin(y)) + extra,
                     x[:, 0] * 0 + 3.0], axis=1)


@pytest.mark.parametrize("groups", [None, ["a", "b", "c", "c", "d"]], ids=["plain", "grouped"])
@pytest.mark.parametrize("second_order", [True, False])
def test_batched_estimators_equal_salib_to_1e10(groups, second_order):
    d = 5
    x = saltelli(256, d, seed=9, second_order=second_order, groups=groups)
    y = outputs(x)
    names = [f"x{i}" for i in range(d)]
    problem = {"num_vars": d, "names": names, "bounds": [[0, 1]] * d}
    if groups:
        problem["groups"] = groups
    factors = len(dict.fromkeys(groups)) if groups else d
    mine = sobol_indices(y, factors, second_order=second_order, num_resamples=50, seed=42)
    upper = np.triu(np.ones((factors, factors), dtype=bool), 1)
    for k in range(y.shape[1] - 1):  # SALib divides by a zero std on the constant column
        ref = salib_sobol.analyze(problem, y[:, k], calc_second_order=second_order,
                                  num_resamples=50, seed=42)
        for key in KEYS[: 6 if second_order else 4]:
            got, want = getattr(mine, key)[k], np.asarray(ref[key])
            if key.startswith("S2"):
                got, want = got[upper], want[upper]
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-10, err_msg=f"{key} of {k}")
    assert np.all(mine.S1[-1] == 0) and np.all(mine.ST_conf[-1] == 0)  # constant output


def test_series_reducer_in_pieces_equals_salib_column_by_column():
    n, d = 128, 3
    x = saltelli(n, d, seed=4)
    t = np.linspace(0, 1, 7)
    series = np.sin(np.outer(x[:, 0], 1 + t)) + np.outer(x[:, 1] ** 2, t) + 0.3 * x[:, 2:3]
    red = SobolSeries(["s"], d, True, n, num_resamples=30, seed=5)
    red.prepare({})
    step = 2 * d + 2
    total = None
    for b0 in range(0, n, 40):  # pieces of 40 base rows, folded in row order
        piece = series[b0 * step: min(b0 + 40, n) * step]
        part = red.partial({"s": piece}, b0 * step)
        total = part if total is None else red.combine(total, part)
    (res, collapsed), = red.finish(total).values()
    assert not collapsed.any()
    blocks = series.reshape(n, step, len(t))[:, np.r_[0:d + 1, 2 * d + 1]]
    problem = {"num_vars": d, "names": ["a", "b", "c"], "bounds": [[0, 1]] * d}
    for j in range(len(t)):
        ref = salib_sobol.analyze(problem, blocks[:, :, j].ravel(), calc_second_order=False,
                                  num_resamples=30, seed=5)
        for key in ("S1", "S1_conf", "ST", "ST_conf"):
            np.testing.assert_allclose(getattr(res, key)[j], ref[key], atol=1e-10)


def test_collapsed_variance_is_masked_not_plotted_as_noise():
    n, d = 64, 2
    x = saltelli(n, d, seed=3)
    t = np.linspace(0, 1, 5)
    scale = np.array([1.0, 0.5, 1e-5, 1e-9, 0.0])  # the output dies out over time
    series = np.outer(x[:, 0] + 0.3 * x[:, 1], scale) + 1.0
    red = SobolSeries(["s"], d, True, n, num_resamples=20, seed=1)
    (res, collapsed), = red.finish(red.partial({"s": series}, 0)).values()
    assert collapsed.tolist() == [False, False, True, True, True]
    assert np.isnan(res.ST[2:]).all() and np.isfinite(res.ST[:2]).all()


def test_nan_outcomes_are_reported_and_analysed_twice():
    n, d = 1024, 3
    x = saltelli(n, d, seed=6)
    y = np.where(x[:, 2] > 0.8, np.nan, x[:, 0] + 0.5 * x[:, 1])  # undefined when c is large
    ds = sobol_dataset({"y": y}, ["a", "b", "c"], second_order=True, num_resamples=20,
                       conf_level=0.95, seed=2)
    assert list(ds["output"].values) == ["y", "y_is_defined"]
    share = float(ds["defined_share"].sel(output="y"))
    assert share == pytest.approx(np.isfinite(y).mean()) and 0.75 < share < 0.85
    assert "defined" in str(ds["output_label"].sel(output="y_is_defined").values)
    ind = ds.sel(output="y_is_defined")  # whether y is defined depends on c alone
    assert float(ind["ST"].sel(factor="c")) > 0.9 and float(ind["ST"].sel(factor="a")) < 0.02
    where = ds.sel(output="y")  # where defined, y depends on a and b only
    assert float(where["ST"].sel(factor="a")) > float(where["ST"].sel(factor="b")) > 0.1
    assert int(where["n_base_used"]) < n


@pytest.mark.parametrize("model", ["ishigami", "sobol_g"])
def test_validation_models_through_the_pipeline_match_analytic_indices(cli, model):
    res, run = cli("experiment=sobol", f"model={model}", "sampler.n=8192")
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


def test_meek_sobol_end_to_end_with_the_scaling_law_as_one_factor(cli):
    res, run = cli("experiment=sobol", "sampler.n=64", "time.steps=21")
    assert res.returncode == 0, res.stderr
    with xr.open_dataset(run / "scenarios.nc") as scen:
        factors = scen.attrs["uncertain_factors"].split()
        assert "scaling_law" in factors and "alpha" not in factors
        assert scen.sizes["scenario"] == 64 * (2 * len(factors) + 2)
        assert "loss_gap" not in scen  # series are analysed, not saved, unless asked for
        # the frontier never starts behind, and every (A, alpha, L0) is one fit's
        assert (scen["sota_budget_usd"] >= scen["meek_budget_usd"]).all()
        assert set(np.unique(scen["scaling_fit"].values)) <= {1.0, 2.0}
    with xr.open_dataset(run / "sobol.nc") as ds:
        assert {"S1", "S1_conf", "ST", "ST_conf", "S2", "S2_conf", "S1_t", "ST_t"} <= set(ds)
        assert "scaling_law" in ds["factor"].values
        assert ds["S1_t"].dims == ("series", "t", "factor") and ds.sizes["t"] == 21
        assert list(ds["n_base"].values) == [8, 16, 32, 64]
        assert "t_peak" in ds["output"].values
    for png in run.glob("*.png"):
        img = mpimg.imread(png)
        assert img.shape[0] > 200 and float(img[..., :3].std()) > 0.02, png
    assert {"sobol_indices.png", "convergence_t_peak.png", "sobol_loss_gap_over_time.png",
            "sobol_benchmark_gap_over_time.png", "scatter_t_peak.png"} <= {
                p.name for p in run.glob("*.png")}
    text = (run / "summary.md").read_text()
    assert "| 1 |" in text and "matters most" in text and "regulatory_window" in text


def test_target_width_doubles_n_up_to_the_cap(cli):
    res, run = cli("experiment=sobol", "model=ishigami", "sampler.n=32",
                   "sobol.target_width=1e-9", "sobol.max_n=128")
    assert res.returncode == 0, res.stderr
    with xr.open_dataset(run / "sobol.nc") as ds:
        assert ds.attrs["N"] == 128
    log = (run / "run.log").read_text()
    assert log.count("doubling N") == 2


def test_morris_screening_ranks_sobol_g_inputs(cli):
    res, run = cli("experiment=morris", "model=sobol_g", "morris.trajectories=100")
    assert res.returncode == 0, res.stderr
    with xr.open_dataset(run / "morris.nc") as mo:
        mu = mo["mu_star"].sel(output="y").values
        # a = (0, 1, 4.5, 9, 99, 99): importance falls with a
        assert mu[0] > mu[1] > mu[2] > mu[3] > max(mu[4], mu[5])
    assert (run / "morris_y.png").exists()


@pytest.mark.parametrize("second_order", [False, True])
def test_compiled_quantities_are_numpys_bit_for_bit(second_order):
    """The analysis' per-base-row quantities, compiled, equal the numpy formulas bit for bit
    (values spanning decades, negative, zero and NaN)."""
    from engine.designs.saltelli import block_rows
    from engine.sensitivity.moments import _quantities_numpy, quantities

    rng = np.random.default_rng(7)
    g = 5
    blocks = rng.standard_normal((300, block_rows(g, second_order), 3)) * \
        10.0 ** rng.integers(-8, 9, (300, 1, 3))
    blocks[5, 1, 0] = np.nan
    blocks[7, :, 2] = 0.0
    got, want = quantities(blocks, g, second_order), _quantities_numpy(blocks, g, second_order)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    assert np.isnan(got[5, 5, 0]) and not np.isnan(got[6]).any()


def test_bootstrap_counts_are_drawn_once_and_read_only():
    from engine.sensitivity import bootstrap_counts

    a = bootstrap_counts(50, 10, 3)
    assert bootstrap_counts(50, 10, 3) is a and not a.flags.writeable
    with pytest.raises(ValueError):
        a[0, 0] = 9
