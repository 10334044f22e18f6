"""Nothing lost: interrupted runs leave no partial results and never touch earlier runs; a run
survives a killed worker with the same Dataset."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import xarray as xr
from omegaconf import OmegaConf

from engine import config, evaluate, io
from engine.samplers import make_design
from tests.conftest import ROOT, run_cli


def digest(path):
    return {p.relative_to(path): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file()}


def test_atomic_write_leaves_nothing_when_interrupted(tmp_path):
    target = tmp_path / "scenarios.nc"
    target.write_text("earlier complete result")
    with pytest.raises(KeyboardInterrupt):
        with io.atomic_path(target) as tmp:
            tmp.write_text("half of a new resu")
            raise KeyboardInterrupt
    assert target.read_text() == "earlier complete result"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenarios.nc"]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_during_a_run_leaves_no_partial_results(tmp_path, sig):
    earlier = tmp_path / "earlier"
    res = run_cli(["experiment=fan", "sampler.n=200", "time.steps=11"], earlier)
    assert res.returncode == 0, res.stderr
    before = digest(earlier)

    run = tmp_path / "big"
    proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "experiment=fan",
                             "sampler.n=4000000", "output.series=[loss_gap]",
                             "chunk_size=20000", f"hydra.run.dir={run}"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not (run / "run.log").exists() and time.time() < deadline:
        time.sleep(0.1)
    time.sleep(2.0)  # well inside the evaluation of 4 million scenarios
    assert proc.poll() is None, "the run ended before the signal could interrupt it"
    proc.send_signal(sig)
    proc.communicate(timeout=120)
    assert proc.returncode != 0
    leftovers = [p.name for p in run.rglob("*") if p.is_file()]
    assert not any(name.endswith((".nc", ".png", ".partial", ".zarr")) for name in leftovers), \
        leftovers
    assert digest(earlier) == before


def test_a_killed_worker_does_not_change_the_dataset():
    from distributed import Client, LocalCluster

    spec = OmegaConf.to_container(OmegaConf.load(ROOT / "conf/priors/literature.yaml"))
    priors = config.load_priors(spec, "meek")
    design = make_design("mc", 600_000, 8, seed=31)
    t = np.linspace(0.0, 30.0, 31)
    lazy = evaluate.scenarios(design, priors, t, chunk_size=10_000)
    ref = lazy.compute(scheduler="threads")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        future = client.compute(lazy)
        deadline = time.time() + 60
        while not any(client.processing().values()) and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        pids = client.run(os.getpid)
        victim = sorted(pids.values())[0]
        assert not future.done(), "the run finished before a worker could be killed"
        os.kill(victim, signal.SIGKILL)
        got = future.result(timeout=300)
        assert victim not in client.run(os.getpid).values()
    xr.testing.assert_identical(got, ref)
