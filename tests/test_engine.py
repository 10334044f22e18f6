"""The Dask engine: same numbers eagerly, in any chunking, on any scheduler, on a real cluster."""

from __future__ import annotations

import dask
import numpy as np
import pytest
import xarray as xr
from omegaconf import OmegaConf

from engine import cluster, config, evaluate, scenario
from engine.samplers import make_design, map_to_priors
from tests.conftest import ROOT

T = np.linspace(0.0, 30.0, 61)
SERIES = tuple(scenario.SERIES)


@pytest.fixture(scope="module")
def priors():
    spec = OmegaConf.to_container(OmegaConf.load(ROOT / "conf/priors/literature.yaml"))
    # a switch schedule too, so every branch of the model runs
    spec["switch_year"] = {"dist": "uniform", "low": 0.0, "high": 15.0}
    spec["g_inv_after"] = {"dist": "uniform", "low": 1.0, "high": 2.0}
    return config.load_priors(spec, "meek")


def lazy(priors, design, chunk_size):
    return evaluate.scenarios(design, priors, T, series=SERIES, chunk_size=chunk_size,
                              start_year=2025.0, attrs={"seed": design.seed})


@pytest.mark.parametrize("kind", ["mc", "lhs", "sobol"])
def test_dask_result_equals_eager_numpy_bit_for_bit(priors, kind):
    design = make_design(kind, 2048, 10, seed=11)
    ds = lazy(priors, design, chunk_size=300).compute(scheduler="threads")
    params = map_to_priors(design.unit_rows(0, design.rows), priors)
    eager = scenario.evaluate(params, T, series=SERIES)
    for name, values in {**params, **eager}.items():
        np.testing.assert_array_equal(ds[name].values, values, err_msg=name)


def test_chunk_size_and_scheduler_do_not_change_a_bit(priors):
    design = make_design("mc", 3000, 10, seed=12)
    ref = lazy(priors, design, chunk_size=3000).compute(scheduler="sync")
    for chunk, sched in [(1, "threads"), (977, "threads"), (1024, "processes"), (2999, "sync")]:
        if chunk == 1:
            small = make_design("mc", 40, 10, seed=12)
            a = lazy(priors, small, 1).compute(scheduler=sched)
            xr.testing.assert_equal(a, ref.isel(scenario=slice(0, 40)))  # values, not attrs
            continue
        xr.testing.assert_identical(lazy(priors, design, chunk).compute(scheduler=sched), ref)


@pytest.mark.parametrize("scheduler", ["threads", "sync", "processes"])
def test_run_in_memory_equals_lazy_dataset(priors, scheduler):
    design = make_design("lhs", 1500, 10, seed=14)
    ref = lazy(priors, design, 1500).compute(scheduler="sync")
    with dask.config.set(scheduler=scheduler, num_workers=2):
        got = evaluate.run(design, priors, T, series=SERIES, chunk_size=333, start_year=2025.0,
                           attrs={"seed": design.seed})
    xr.testing.assert_identical(got, ref)


def test_same_seed_same_dataset_other_seed_other_dataset(priors):
    a = lazy(priors, make_design("mc", 500, 10, seed=1), 128).compute()
    b = lazy(priors, make_design("mc", 500, 10, seed=1), 128).compute()
    c = lazy(priors, make_design("mc", 500, 10, seed=2), 128).compute()
    xr.testing.assert_identical(a, b)
    assert not np.array_equal(a["t_peak"].values, c["t_peak"].values)


def test_local_cluster_on_loopback_gives_the_threaded_dataset(priors):
    design = make_design("sobol", 1024, 10, seed=13)
    ref = lazy(priors, design, 256).compute(scheduler="threads")
    spec = config.Cluster(kind="local", n_workers=2, dashboard_address="127.0.0.1:0")
    with cluster.connect(spec) as client:
        assert client is not None and all(
            addr.startswith("tcp://127.0.0.1") for addr in client.scheduler_info()["workers"])
        got = evaluate.run(design, priors, T, series=SERIES, chunk_size=200,
                           start_year=2025.0, attrs={"seed": design.seed})
    xr.testing.assert_identical(got, ref)


def test_dataset_layout_units_and_names(priors):
    ds = lazy(priors, make_design("mc", 100, 10, seed=3), 64).compute()
    assert ds["t_peak"].dims == ("scenario",)
    assert ds["loss_gap"].dims == ("scenario", "t")
    assert ds["year"].values[0] == 2025.0 and ds["year"].values[-1] == 2055.0
    for name in [*scenario.PARAMETERS, *scenario.OUTCOMES, *SERIES, "gap_at_10y"]:
        assert name in ds, name
        assert ds[name].attrs["units"] and ds[name].attrs["long_name"], name
    assert ds.attrs["seed"] == 3 and "numpy" in ds.attrs["package_versions"]
    # a fixed prior is a constant column, an uncertain one varies
    assert np.all(ds["A"].values == 1070.0) and np.ptp(ds["alpha"].values) > 0


def test_unreachable_scheduler_fails_fast_with_the_address():
    spec = config.Cluster(kind="address", address="tcp://127.0.0.1:9", timeout_s=2.0)
    with pytest.raises(config.ConfigError, match=r"cluster.address='tcp://127.0.0.1:9'"):
        with cluster.connect(spec):
            pass
