"""Streaming to Zarr: same numbers as in memory, quantiles within their stated bound, resume
gives the same bits, and a run on a real `dask scheduler` with two `dask worker` processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from engine import cluster, config, evaluate
from engine.reducers import FanHistogram
from engine.samplers import make_design
from tests.conftest import ROOT, run_cli
from omegaconf import OmegaConf

T = np.linspace(0.0, 30.0, 41)
SERIES = ("loss_gap", "benchmark_gap", "inference_gap", "tokens_to_distinguish")


@pytest.fixture(scope="module")
def priors():
    spec = OmegaConf.to_container(OmegaConf.load(ROOT / "conf/priors/literature.yaml"))
    return config.load_priors(spec, "meek")


@pytest.mark.parametrize("kind", ["mc", "lhs", "sobol"])
def test_stream_equals_memory_and_quantiles_stay_within_their_bound(tmp_path, priors, kind):
    design = make_design(kind, 16384, 8, seed=5)
    mem = evaluate.run(design, priors, T, series=SERIES)
    fan = FanHistogram.from_pilot({k: mem[k].values[:2000] for k in SERIES},
                                  log=["tokens_to_distinguish"])
    total = evaluate.stream(design, priors, T, tmp_path / "s.zarr", keep_series=("loss_gap",),
                            reducers={"fan": fan}, chunk_size=3000)
    with xr.open_zarr(tmp_path / "s.zarr") as z:
        for name in ("t_peak", "peak_gap", "t_inference_catchup", "alpha", "loss_gap",
                     "domain_reason"):
            np.testing.assert_array_equal(z[name].values, mem[name].values, err_msg=name)
    q = fan.finish(total["fan"], (0.05, 0.25, 0.5, 0.75, 0.95))
    for name in SERIES:
        exact = np.nanquantile(mem[name].values, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0,
                               method="inverted_cdf")
        both_inf = np.isinf(exact) & (exact == q[name])
        with np.errstate(invalid="ignore"):
            err = np.where(both_inf, 0.0, np.abs(q[name] - exact))
        assert np.all(err <= q[f"{name}_error_bound"][None, :] * (1 + 1e-9)), name
        # and the bound is far below what a plot can show: under 0.1% of the series' range
        if name != "tokens_to_distinguish":
            span = np.nanmax(exact) - np.nanmin(exact)
            assert np.all(q[f"{name}_error_bound"] < 1e-3 * span), name
    assert not (tmp_path / "s.zarr.partial").exists()


def test_stream_does_not_depend_on_chunk_size_or_scheduler(tmp_path, priors):
    design = make_design("lhs", 5000, 8, seed=6)
    fan = FanHistogram.from_pilot({"loss_gap": np.random.default_rng(0).random((10, len(T)))})
    out = []
    for i, (chunk, sched) in enumerate([(5000, "sync"), (777, "threads"), (1024, "processes")]):
        import dask
        with dask.config.set(scheduler=sched, num_workers=2):
            total = evaluate.stream(design, priors, T, tmp_path / f"{i}.zarr",
                                    keep_series=("loss_gap",), reducers={"fan": fan},
                                    chunk_size=chunk)
        out.append((xr.open_zarr(tmp_path / f"{i}.zarr").load(), total["fan"]["loss_gap"]))
    for ds, counts in out[1:]:
        xr.testing.assert_identical(ds, out[0][0])
        np.testing.assert_array_equal(counts, out[0][1])


def test_resume_after_sigterm_gives_the_uninterrupted_result(tmp_path):
    args = ["experiment=fan", "sampler.n=3000000", "time.steps=31", "output.format=zarr",
            "output.series=[loss_gap]", "output.max_series_bytes=1e6", "stream_chunk_size=20000"]
    run = tmp_path / "interrupted"
    proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), *args,
                             f"hydra.run.dir={run}"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    markers = run / "scenarios.zarr.partial" / ".meek_chunks"
    deadline = time.time() + 120
    while time.time() < deadline and (not markers.exists() or len(list(markers.glob(
            "chunk_*.npz"))) < 5):
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert not (run / "scenarios.zarr").exists() and not (run / "fan.nc").exists()
    done_before = len(list(markers.glob("chunk_*.npz")))
    assert 5 <= done_before < 150

    res = run_cli([*args, "resume=true"], run, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "done before" in (run / "run.log").read_text()
    ref = tmp_path / "reference"
    res = run_cli(args, ref, timeout=300)
    assert res.returncode == 0, res.stderr
    with xr.open_zarr(run / "scenarios.zarr") as a, xr.open_zarr(ref / "scenarios.zarr") as b:
        xr.testing.assert_equal(a, b)
    with xr.open_dataset(run / "fan.nc") as a, xr.open_dataset(ref / "fan.nc") as b:
        xr.testing.assert_equal(a, b)


def test_resume_refuses_another_configuration(tmp_path, priors):
    design = make_design("mc", 2000, 8, seed=7)
    store = tmp_path / "s.zarr"
    partial = Path(str(store) + ".partial")
    evaluate.stream(design, priors, T, store, chunk_size=500)
    os.replace(store, partial)  # pretend it was interrupted
    other = make_design("mc", 2000, 8, seed=8)
    with pytest.raises(ValueError, match="another configuration"):
        evaluate.stream(other, priors, T, store, chunk_size=500, resume=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_experiment_on_a_real_scheduler_and_two_workers(tmp_path):
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask_cli = [sys.executable, "-m", "distributed.cli"]
    procs = [subprocess.Popen([*dask_cli[:2], "distributed.cli.dask_scheduler", "--host",
                               "127.0.0.1", "--port", str(port), "--dashboard-address", ":0"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        time.sleep(1.5)
        for i in range(2):
            procs.append(subprocess.Popen([*dask_cli[:2], "distributed.cli.dask_worker",
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
    plain = OmegaConf.to_container(OmegaConf.load(ROOT / "conf/cluster/slurm.yaml"))
    plain.update(queue="normal", scheduler_host="127.0.0.1", dashboard_address=":0")
    base = OmegaConf.to_container(OmegaConf.load(ROOT / "conf/config.yaml"))
    base.update(priors=OmegaConf.to_container(OmegaConf.load(ROOT / "conf/priors/paper.yaml")),
                sampler={"kind": "mc", "n": 10}, cluster=plain)
    settings = config.load(base)
    assert settings.cluster.kind == "slurm" and settings.cluster.jobqueue["jobs"] == 4
    with cluster.slurm_cluster(settings.cluster) as sc:
        script = sc.job_script()
    assert "#SBATCH -p normal" in script and "--cpus-per-task=8" in script
    assert "tcp://127.0.0.1:" in script
