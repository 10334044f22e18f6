"""Large runs: histogram quantiles within their stated bound, a run on a real `dask scheduler`
with two `dask worker` processes, and a SLURM job script."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
import xarray as xr

from engine.clusters.slurm import Slurm
from engine.config.schema import ClusterConfig
from engine.designs import make_design
from engine.evaluate import Job, Storage, evaluate
from engine.model.outcomes import Options
from engine.priors import PriorSet
from engine.reducers import FAN_QUANTILES, FanHistogram
from engine.simulators.meek import Meek
from tests.conftest import ROOT, run_cli
from tests.test_engine import SPECS

T = np.linspace(0.0, 30.0, 41)
SERIES = ("loss_gap", "benchmark_gap", "inference_gap", "tokens_to_distinguish")


@pytest.mark.parametrize("kind", ["mc", "lhs", "sobol"])
def test_histogram_quantiles_stay_within_their_bound(tmp_path, kind):
    priors = PriorSet.from_specs(SPECS)
    design = make_design(kind, 16384, priors.columns, 5)
    fan = FanHistogram(SERIES, log=["tokens_to_distinguish"])
    job = Job(Meek(Options()), priors, design, T, 2025.0, SERIES, {"fan": fan})
    ev = evaluate(job, tmp_path, storage=Storage(format="zarr", stream_chunk_size=5000))
    q = ev.reduced["fan"]
    with ev.open() as ds:
        for name in SERIES:
            exact = np.nanquantile(ds[name].values, FAN_QUANTILES, axis=0,
                                   method="inverted_cdf")
            both_inf = np.isinf(exact) & (exact == q[name])
            with np.errstate(invalid="ignore"):
                err = np.where(both_inf, 0.0, np.abs(q[name] - exact))
            assert np.all(err <= q[f"{name}_error_bound"][None, :] * (1 + 1e-9)), name
            if name != "tokens_to_distinguish":  # and far below what a plot can show
                span = np.nanmax(exact) - np.nanmin(exact)
                assert np.all(q[f"{name}_error_bound"] < 1e-3 * span), name
            np.testing.assert_allclose(q[f"{name}_infinite_share"],
                                       np.isinf(ds[name].values).mean(axis=0))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_experiment_on_a_real_scheduler_and_two_workers(tmp_path):
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host",
                               "127.0.0.1", "--port", str(port), "--dashboard-address", ":0"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        time.sleep(1.5)
        for i in range(2):
            procs.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker",
                                           address, "--nthreads", "1", "--name", f"w{i}",
                                           "--no-dashboard"], cwd=ROOT,
                                          env=dict(os.environ, PYTHONPATH=str(ROOT)),
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client
        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        args = ["experiment=fan", "sampler.n=3000", "time.steps=21"]
        res = run_cli([*args, "cluster=address", f"cluster.address={address}"],
                      tmp_path / "cluster", timeout=300)
        assert res.returncode == 0, res.stderr
        res = run_cli([*args, "cluster=address", f"cluster.address={address}",
                       "output.format=zarr", "stream_chunk_size=700"], tmp_path / "czarr",
                      timeout=300)
        assert res.returncode == 0, res.stderr
    finally:
        for proc in procs[::-1]:
            proc.terminate()
            proc.wait(timeout=30)
    res = run_cli(args, tmp_path / "threads", timeout=300)
    assert res.returncode == 0, res.stderr
    with xr.open_dataset(tmp_path / "cluster" / "scenarios.nc") as a, \
            xr.open_dataset(tmp_path / "threads" / "scenarios.nc") as b:
        xr.testing.assert_equal(a, b)  # every value; attrs differ only in the cluster setting
    with xr.open_zarr(tmp_path / "czarr" / "scenarios.zarr") as a, \
            xr.open_dataset(tmp_path / "threads" / "scenarios.nc") as b:
        xr.testing.assert_equal(a, b[list(a.data_vars)])  # streamed on the cluster, same values


def test_slurm_config_builds_a_job_script():
    pytest.importorskip("dask_jobqueue")
    cfg = ClusterConfig(kind="slurm", jobs=4, cores=8, queue="normal",
                        scheduler_host="127.0.0.1", dashboard_address=":0")
    with Slurm(cfg).build() as sc:
        script = sc.job_script()
    assert "#SBATCH -p normal" in script and "--cpus-per-task=8" in script
    assert "tcp://127.0.0.1:" in script
