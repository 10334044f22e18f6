"""The evaluation engine: the same bits in memory or streamed, in any chunking, on any scheduler,
after a resume; damaged chunks are found and recomputed; the Dataset is labelled (CF)."""

from __future__ import annotations

import json
import logging

import dask
import numpy as np
import pytest
import xarray as xr

from engine.chunks import fused_reducer, plan_chunks
from engine.clusters import make_cluster
from engine.config.schema import ClusterConfig
from engine.designs import make_design
from engine.evaluate import Job, Storage, evaluate, evaluate_rows, piece_rows
from engine.model.outcomes import Options
from engine.priors import PriorSet
from engine.reducers import FanHistogram, SobolSeries
from engine.simulators.meek import Meek
from engine.storage import StoreError

T = np.linspace(0.0, 30.0, 31)
SPECS = {
    "scaling_law": "both",
    "g_alg": {"dist": "lognormal", "median": 2.8, "sigma": 0.28, "low": 1.0},
    "g_inv": {"dist": "loguniform", "low": 2.0, "high": 3.6},
    "meek_budget_usd": {"dist": "loguniform", "low": 5e6, "high": 6e7},
    "sota_budget_usd": {"dist": "loguniform", "low": 1e8, "high": 1e9},
    "switch_year": {"dist": "uniform", "low": 0.0, "high": 15.0},  # every branch of the model
    "g_inv_after": {"dist": "uniform", "low": 1.0, "high": 1.5},
    "diffusion_lag_years": {"dist": "uniform", "low": 0.0, "high": 2.0},
}
SERIES = ("loss_gap", "benchmark_gap", "years_behind")


@pytest.fixture(scope="module")
def priors():
    return PriorSet.from_specs(SPECS)


def job(priors, kind="mc", n=3000, seed=11, keep=SERIES, reducers=None):
    design = make_design(kind, n, priors.columns, seed, groups=priors.groups)
    return Job(Meek(Options()), priors, design, T, 2025.0, keep, reducers or {},
               {"seed": seed})


def fan():
    return {"fan": FanHistogram(["loss_gap", "benchmark_gap"], log=["loss_gap"], bins=256)}


def load(ev):
    with ev.open() as ds:
        return ds.load()


def same(a, b):
    for k in a.reduced:
        for name, v in a.reduced[k].items():
            np.testing.assert_array_equal(v, b.reduced[k][name], err_msg=f"{k}:{name}")


def test_dataset_equals_an_eager_evaluation_of_every_row(priors, tmp_path):
    j = job(priors, "lhs", 1500)
    ds = load(evaluate(j, tmp_path / "a", storage=Storage(chunk_size=100)))
    eager = evaluate_rows(j, 0, j.design.rows, SERIES)
    for name, values in eager.items():
        np.testing.assert_array_equal(ds[name].values, values, err_msg=name)


@pytest.mark.parametrize("scheduler", ["sync", "threads", pytest.param(
    "processes", marks=pytest.mark.slow)])  # slow: real worker processes
def test_chunking_scheduler_and_storage_do_not_change_a_bit(priors, tmp_path, scheduler):
    j = job(priors, reducers=fan())
    with dask.config.set(scheduler="sync"):
        ref = evaluate(j, tmp_path / "ref", storage=Storage(chunk_size=10**6))
    cases = [Storage(chunk_size=1), Storage(chunk_size=5000),
             Storage(format="zarr", stream_chunk_size=4096)]
    with dask.config.set(scheduler=scheduler, num_workers=2):
        for i, storage in enumerate(cases):
            got = evaluate(job(priors, reducers=fan()), tmp_path / f"{scheduler}{i}",
                           storage=storage)
            xr.testing.assert_equal(load(got), load(ref))
            same(got, ref)
    assert got.streamed and not ref.streamed


def test_sobol_sums_bit_identical_in_memory_streamed_and_chunked(priors, tmp_path):
    def run(storage, where):
        design = make_design("saltelli", 2048, priors.columns, 3, groups=priors.groups)
        red = SobolSeries(["loss_gap", "benchmark_gap"], len(priors.uncertain), True, 2048,
                          num_resamples=20, seed=3)
        j = Job(Meek(Options()), priors, design, T, None, (), {"sobol": red})
        return evaluate(j, tmp_path / where, storage=storage).reduced["sobol"]

    ref = run(Storage(chunk_size=1), "a")
    assert piece_rows(make_design("saltelli", 2048, priors.columns, 3,
                                  groups=priors.groups)) < 2048 * (2 * 8 + 2)  # several pieces
    for where, storage in (("b", Storage(chunk_size=10**7)),
                           ("c", Storage(format="zarr", stream_chunk_size=50_000))):
        got = run(storage, where)
        for name in ref:
            for key in ("S1", "S1_conf", "ST", "ST_conf"):
                np.testing.assert_array_equal(getattr(got[name][0], key),
                                              getattr(ref[name][0], key))


@pytest.mark.slow  # real worker processes
def test_local_cluster_on_loopback_gives_the_threaded_dataset(priors, tmp_path):
    j = job(priors, "sobol", 1024, reducers=fan())
    ref = evaluate(j, tmp_path / "ref")
    cluster = make_cluster(ClusterConfig(kind="local", n_workers=2,
                                         dashboard_address="127.0.0.1:0"))
    with cluster.connect() as client:
        assert all(a.startswith("tcp://127.0.0.1") for a in client.scheduler_info()["workers"])
        import urllib.request
        with urllib.request.urlopen(client.dashboard_link, timeout=30) as page:  # bokeh serves it
            assert page.status == 200 and b"bokeh" in page.read().lower()
        got = evaluate(job(priors, "sobol", 1024, reducers=fan()), tmp_path / "local",
                       storage=Storage(chunk_size=300))
        streamed = evaluate(job(priors, "sobol", 1024, reducers=fan()), tmp_path / "lz",
                            storage=Storage(format="zarr", stream_chunk_size=4096))
    xr.testing.assert_equal(load(got), load(ref))
    xr.testing.assert_equal(load(streamed), load(ref))
    same(got, ref)


class Interrupt(RuntimeError):
    pass


class FailingMeek(Meek):
    """Fails on the rows from ``fail_from`` on: an interrupted run."""

    def __init__(self, fail_from):
        super().__init__(Options())
        self.fail_from = fail_from

    def evaluate(self, params, t, series=(), outcomes=True, bins=None):
        if params["g_alg"][0] == self.marker:
            raise Interrupt("stop")
        return super().evaluate(params, t, series, outcomes, bins)


@pytest.mark.parametrize("keep", [(), SERIES])
def test_fused_counting_gives_a_run_the_same_bits(priors, tmp_path, keep):
    """The kernel counting the fan's series as it computes them (series never held, or held
    because they are kept) equals counting the materialised series."""
    j = job(priors, n=5000, keep=keep, reducers=fan())
    assert fused_reducer(j, fuse=True) == "fan" and fused_reducer(j, fuse=False) is None
    # fused, the fan's own series are not evaluated as arrays unless they are kept
    assert plan_chunks(j, 4096, ("loss_gap", "benchmark_gap"), tuple(keep), True).needed == \
        tuple(n for n in ("loss_gap", "benchmark_gap") if n in keep)
    out = []
    for fuse in (True, False):
        out.append(evaluate(job(priors, n=5000, keep=keep, reducers=fan()),
                            tmp_path / f"{fuse}", storage=Storage(format="zarr",
                                                                  stream_chunk_size=2048,
                                                                  fuse=fuse)))
    same(*out)
    assert out[0].reduced["fan"]["loss_gap"].shape == (5, len(T))


def test_resume_finishes_with_the_same_bits_and_verifies_chunks(priors, tmp_path, caplog):
    storage = Storage(format="zarr", stream_chunk_size=4096)
    ref = evaluate(job(priors, n=20000, reducers=fan()), tmp_path / "ref", storage=storage)
    j = job(priors, n=20000, reducers=fan())
    broken = FailingMeek(0)
    broken.marker = float(evaluate_rows(j, 12288, 12289, ())["g_alg"][0])
    out = tmp_path / "run"
    with dask.config.set(scheduler="sync"), pytest.raises(Interrupt):
        evaluate(Job(broken, priors, j.design, T, 2025.0, SERIES, fan(), j.attrs), out,
                 storage=storage, fingerprint="f")
    partial = out / "scenarios.zarr.partial"
    records = sorted(p.name for p in (out / "scenarios.zarr.chunks.partial").glob(
        "chunk_*.json"))
    assert "chunk_0000001.json" in records and "chunk_0000003.json" not in records
    # without resume the interrupted store is not overwritten
    with pytest.raises(StoreError, match="resume=true"):
        evaluate(job(priors, n=20000, reducers=fan()), out, storage=storage, fingerprint="f")
    # another configuration cannot resume it
    with pytest.raises(StoreError, match="another configuration"):
        evaluate(job(priors, n=20000, reducers=fan()), out, storage=storage, resume=True,
                 fingerprint="g")
    # damage one finished chunk's data: the resume finds it and computes it again
    chunk = partial / "t_peak" / "1"
    chunk.write_bytes(b"\0" * len(chunk.read_bytes()))
    with caplog.at_level(logging.WARNING, logger="meek"):
        got = evaluate(job(priors, n=20000, reducers=fan()), out, storage=storage, resume=True,
                       fingerprint="f")
    assert "chunk 1 of the interrupted run failed verification" in caplog.text
    xr.testing.assert_equal(load(got), load(ref))
    same(got, ref)
    assert not partial.exists() and (out / "scenarios.zarr").exists()
    # the markers and the whole fold stay until the run directory is published (a run stopped
    # before publishing resumes from the finished store): see tests/test_reliability.py
    commit = json.loads((out / "scenarios.zarr.chunks.partial" / "fold.json").read_text())
    assert commit["next"] == len(list((out / "scenarios.zarr.chunks.partial").glob(
        "chunk_*.json")))


def test_checkpointed_folds_resume_with_the_same_bits(priors, tmp_path, monkeypatch, caplog):
    """A streamed run keeps reducer partials only in its saved fold (a fan's counts per chunk
    would take ~75 GB at 10^8); a resume starts from the checkpoint and computes the chunks
    after it again, and a damaged chunk inside it drops the checkpoint and folds every chunk
    again: the same bits each way, for exact (histogram) and floating (Sobol' sums) partials."""
    import engine.jobs as engine_jobs

    def reducers():
        return {**fan(), "sobol": SobolSeries(["loss_gap"], len(priors.uncertain), True, 1024,
                                              num_resamples=10, seed=3)}

    monkeypatch.setattr(engine_jobs, "PIECE_BASE_ROWS", 64)  # pieces of 64 Saltelli blocks
    storage = Storage(format="zarr", stream_chunk_size=2048, checkpoint_seconds=0.0)  # each wave
    ref = evaluate(job(priors, "saltelli", 1024, reducers=reducers()), tmp_path / "ref",
                   storage=storage)
    j = job(priors, "saltelli", 1024, reducers=reducers())
    piece = piece_rows(j.design)
    chunk = -(-2048 // piece) * piece
    assert j.design.rows > 7 * chunk
    broken = FailingMeek(0)
    broken.marker = float(evaluate_rows(j, 7 * chunk, 7 * chunk + 1, ())["g_alg"][0])
    for damage in (False, True):
        out = tmp_path / f"run{damage}"
        with dask.config.set(scheduler="sync"), pytest.raises(Interrupt):
            evaluate(Job(broken, priors, j.design, T, 2025.0, SERIES, reducers(), j.attrs),
                     out, storage=storage, fingerprint="f")
        markers = out / "scenarios.zarr.chunks.partial"
        commit = json.loads((markers / "fold.json").read_text())
        assert commit["next"] == 6, commit  # waves of two chunks: 0-1, 2-3, 4-5 folded
        # no partials per chunk: chunk 6 (written, not folded) is computed again on resume
        assert not list(markers.glob("chunk_*.npz"))
        assert len(list(markers.glob("chunk_*.json"))) in (6, 7)
        if damage:  # a chunk the checkpoint holds
            hit = out / "scenarios.zarr.partial" / "t_peak" / "2"
            hit.write_bytes(b"\0" * len(hit.read_bytes()))
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="meek"):
            got = evaluate(job(priors, "saltelli", 1024, reducers=reducers()), out,
                           storage=storage, resume=True, fingerprint="f")
        assert ("checkpoint of folded partials holds chunk 2" in caplog.text) == damage
        assert ("resume: 6 of" in caplog.text) == (not damage)  # kept: what the fold holds
        xr.testing.assert_equal(load(got), load(ref))
        for name in ("loss_gap",):
            for key in ("S1", "S1_conf", "ST", "ST_conf"):
                np.testing.assert_array_equal(getattr(got.reduced["sobol"][name][0], key),
                                              getattr(ref.reduced["sobol"][name][0], key))
        for name, v in ref.reduced["fan"].items():
            np.testing.assert_array_equal(got.reduced["fan"][name], v, err_msg=name)


def test_dataset_layout_units_names_and_cf_attributes(priors, tmp_path):
    ds = load(evaluate(job(priors, n=200), tmp_path / "a"))
    assert ds["t_peak"].dims == ("scenario",) and ds["loss_gap"].dims == ("scenario", "t")
    assert ds["year"].values[0] == 2025.0 and ds["year"].values[-1] == 2055.0
    meek = Meek(Options())
    for name in [*meek.parameters, *meek.outcomes(), *SERIES, "scaling_fit"]:
        assert name in ds, name
        assert ds[name].attrs["units"] and ds[name].attrs["long_name"], name
    assert ds.attrs["Conventions"] == "CF-1.8" and ds.attrs["seed"] == 11
    assert ds["scenario"].dtype == np.int32
    assert (ds["sota_budget_usd"] >= ds["meek_budget_usd"]).all()
    assert np.ptp(ds["g_alg"].values) > 0 and np.all(ds["g_hw"].values == 1.4)


def test_same_seed_same_numbers_other_seed_other_numbers(priors, tmp_path):
    a = load(evaluate(job(priors, n=500, seed=1), tmp_path / "a"))
    b = load(evaluate(job(priors, n=500, seed=1), tmp_path / "b"))
    c = load(evaluate(job(priors, n=500, seed=2), tmp_path / "c"))
    xr.testing.assert_equal(a, b)
    assert not np.array_equal(a["t_peak"].values, c["t_peak"].values)


def test_the_disk_estimate_refuses_runs_that_cannot_fit(priors, tmp_path):
    huge = job(priors, n=10**12, keep=())
    with pytest.raises(ValueError, match=r"sampler.n=1000000000000: too large for this disk: "
                                         r"the scenarios would take about [\d.]+ TB on disk"):
        evaluate(huge, tmp_path / "a", storage=Storage(format="zarr"))
    assert not (tmp_path / "a").exists() or not any((tmp_path / "a").iterdir())


def test_markers_hold_checksums(priors, tmp_path):
    storage = Storage(format="zarr", stream_chunk_size=4096)
    j = job(priors, n=9000, reducers=fan())
    broken = FailingMeek(0)
    broken.marker = float(evaluate_rows(j, 8192, 8193, ())["g_alg"][0])
    with dask.config.set(scheduler="sync"), pytest.raises(Interrupt):
        evaluate(Job(broken, priors, j.design, T, 2025.0, SERIES, fan(), j.attrs),
                 tmp_path / "r", storage=storage)
    record = json.loads((tmp_path / "r" / "scenarios.zarr.chunks.partial" /
                         "chunk_0000000.json").read_text())
    assert len(record["data"]) == 64 and set(record) == {"stop", "data"}


def test_a_write_behind_is_the_same_file_and_never_overlaps_another_netcdf_write(
        priors, tmp_path, monkeypatch):
    """``behind``: scenarios.nc is written by a thread while the run goes on with the same
    values in memory; the file equals the one written in line, bit for bit, and the next
    netCDF write waits for it (HDF5 is not thread-safe): never two at once."""
    import threading
    import time

    from engine import io
    from engine.runs import RunDir

    j = job(priors, n=4000)
    with dask.config.set(scheduler="threads"):
        plain = evaluate(j, tmp_path / "plain")
    active, most, lock = [0], [0], threading.Lock()
    real = xr.Dataset.to_netcdf

    def slow(self, *args, **kwargs):
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
        try:
            time.sleep(0.3)  # a write long enough to overlap whatever comes next
            return real(self, *args, **kwargs)
        finally:
            with lock:
                active[0] -= 1

    monkeypatch.setattr(xr.Dataset, "to_netcdf", slow)
    run = RunDir(tmp_path / "run")
    run.claim()
    with dask.config.set(scheduler="threads"):
        ev = evaluate(j, run.staging, behind="evaluate")
    assert ev.write is not None and ev.memory is not None
    in_memory = ev.open()
    io.save_netcdf(xr.Dataset({"x": ("i", np.arange(3.0))}), run.file("other.nc"))
    assert most[0] == 1, "two netCDF writes at once"
    run.publish()  # waits for the write, then moves it into place
    with xr.open_dataset(tmp_path / "run" / "scenarios.nc") as got, \
            xr.open_dataset(plain.path) as want:
        for name in want.data_vars:
            np.testing.assert_array_equal(got[name].values, want[name].values, err_msg=name)
            np.testing.assert_array_equal(in_memory[name].values, want[name].values,
                                          err_msg=name)
