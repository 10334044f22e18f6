"""Nothing is lost: real ``python run.py`` processes, interrupted, raced, crashed and resumed.

The promises under test:

* a run that fails or is interrupted publishes nothing (results are staged in ``<run>/.staging``
  and moved into place only on success), and never touches another run's directory;
* Ctrl-C ends with one line ``error: interrupted ...`` and exit 130; SIGTERM unwinds cleanly (143);
* a run directory is locked by one run (a second one is refused naming the first one's pid), and
  a finished run's directory is refused, its files untouched;
* a streamed run (``output.format=zarr``) interrupted by SIGTERM finishes with ``resume=true``,
  with the same bits as an uninterrupted run; a resume with another configuration is refused; a
  damaged finished chunk is detected and computed again;
* a LocalCluster worker killed with SIGKILL mid-run changes nothing in the results.

Every test here but the first of the failures starts real processes, end to end: they are
marked ``slow`` (the full loop and CI run them).

Fault injection (a crash while saving, a signal while publishing) runs ``run.py`` unchanged
through ``runpy`` in a real process, with one library function wrapped: the timing of the fault is
made deterministic, the code under test is not changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from tests.conftest import ROOT, run_cli, settings

# A fan that takes ~10 s to evaluate on 2 cores: long enough to be interrupted mid-way.
BIG = ["experiment=fan", "sampler.n=1000000", "time.steps=31", "output.series=[loss_gap]",
       "fan.log_scale=[]", "stream_chunk_size=65536"]  # streamed: progress after 4 of 16 chunks
# A streamed fan of 36 chunks, a few seconds: interrupted, resumed, compared.
STREAM = ["experiment=fan", "sampler.n=147456", "time.steps=31", "output.series=[loss_gap]",
          "fan.log_scale=[]", "output.format=zarr", "stream_chunk_size=4096",
          "checkpoint_seconds=0"]  # the fold of summaries saved after every wave
SMALL = ["experiment=fan", "sampler.n=200", "time.steps=11"]
#: a streamed run of 10 chunks, for the tests that stop a run after its evaluation (where the
#: signal lands does not depend on the run's size)
STREAM10 = [a if not a.startswith("sampler.n=") else "sampler.n=40960" for a in STREAM]
RESULTS = (".nc", ".png", ".html", ".md", ".csv", ".zarr")
LOG_LINE = re.compile(r"^\[\d{4}-\d\d-\d\d [\d:,]+\]\[")


# ----------------------------------------------------------------------------- helpers


def digest(path: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file() and p.name not in skip}


def diff(before: dict[str, str], after: dict[str, str]) -> dict[str, list[str]]:
    return {"removed": sorted(set(before) - set(after)),
            "added": sorted(set(after) - set(before)),
            "changed": sorted(k for k in set(before) & set(after) if before[k] != after[k])}


def results_in(run: Path) -> list[str]:
    """Every result-looking file or store anywhere under the run directory."""
    return sorted(str(p.relative_to(run)) for p in run.rglob("*")
                  if p.name.endswith(RESULTS) or p.name == ".meek_complete")


def stderr_lines(text: str) -> list[str]:
    """stderr without log records (meek logs to stdout; this is belt and braces)."""
    return [ln for ln in text.splitlines() if ln.strip() and not LOG_LINE.match(ln)]


def same_data(a: xr.Dataset, b: xr.Dataset) -> list[str]:
    """Names of variables (data and coordinates) that differ in any bit, dtype or presence."""
    names = set(a.variables) | set(b.variables)
    bad = []
    for name in sorted(names):
        if name not in a.variables or name not in b.variables:
            bad.append(f"{name} (missing on one side)")
            continue
        x, y = a[name].values, b[name].values
        if x.dtype != y.dtype or x.shape != y.shape:
            bad.append(f"{name} ({x.dtype}{x.shape} vs {y.dtype}{y.shape})")
        elif x.dtype.kind == "f":
            if not np.array_equal(x.view(np.uint8), y.view(np.uint8)):
                bad.append(name)
        elif not np.array_equal(x, y):
            bad.append(name)
    return bad


def markers(run: Path) -> list[Path]:
    return sorted((run / ".staging" / "scenarios.zarr.chunks.partial").glob("chunk_*.json"))


class Proc:
    """``python run.py ARGS hydra.run.dir=RUN`` in its own session, output to files.

    SIGINT is restored to its default in the child, as in a terminal (a test runner started in
    the background may hand its children SIGINT ignored)."""

    def __init__(self, args: list[str], run: Path, logs: Path,
                 command: list[str] | None = None) -> None:
        self.run = run
        logs.mkdir(parents=True, exist_ok=True)
        self.out_path, self.err_path = logs / "stdout", logs / "stderr"
        cmd = command or [sys.executable, str(ROOT / "run.py")]
        env = dict(os.environ, PYTHONWARNINGS="ignore::DeprecationWarning")
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            self.popen = subprocess.Popen(
                [*cmd, *args, f"hydra.run.dir={run}"], cwd=ROOT, env=env, stdout=out,
                stderr=err, start_new_session=True,
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        self.pid = self.popen.pid

    def wait(self, timeout: float = 240) -> int:
        return self.popen.wait(timeout=timeout)

    @property
    def stderr(self) -> str:
        return self.err_path.read_text()

    def log(self) -> str:
        path = self.run / "run.log"
        return path.read_text() if path.exists() else ""

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        if self.alive():
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.popen.wait(timeout=30)


@pytest.fixture
def procs() -> Iterator[Callable[..., Proc]]:
    started: list[Proc] = []

    def start(*args, **kwargs) -> Proc:
        p = Proc(*args, **kwargs)
        started.append(p)
        return p

    yield start
    for p in started:
        p.kill()


def wait_until(what: str, ok: Callable[[], bool], proc: Proc | None = None,
               timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ok():
            return
        if proc is not None and not proc.alive():
            pytest.fail(f"the run ended (exit {proc.popen.returncode}) before {what}:\n"
                        f"{proc.stderr[-2000:]}")
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def evaluating(proc: Proc) -> bool:
    """The evaluation has started and reported progress (10% or more, not finished)."""
    lines = re.findall(r"evaluate: +(\d+)%", proc.log())
    return bool(lines) and 0 < int(lines[-1]) < 100


def injected(code: str) -> list[str]:
    """A command that runs run.py unchanged after ``code`` (which may wrap library functions)."""
    return [sys.executable, "-c",
            "import runpy, sys\n"
            f"RUN = {str(ROOT / 'run.py')!r}\n"
            "sys.argv[0] = RUN\n"
            f"{code}\n"
            "runpy.run_path(RUN, run_name='__main__')\n"]


# ----------------------------------------------------------------------------- an earlier run


@pytest.fixture(scope="module")
def earlier(tmp_path_factory) -> Path:
    """A finished run that every other test must leave exactly as it is."""
    run = tmp_path_factory.mktemp("earlier") / "run"
    res = run_cli(SMALL, run, timeout=240)
    assert res.returncode == 0, res.stderr
    assert (run / ".meek_complete").exists()
    return run


# ----------------------------------------------------------------------------- signals


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["netcdf", "zarr"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_during_a_run_publishes_nothing(tmp_path, procs, earlier, sig, fmt):
    before = digest(earlier)
    run = tmp_path / "run"
    p = procs([*BIG, f"output.format={fmt}"], run, tmp_path / "logs")
    wait_until("the evaluation reports progress", lambda: evaluating(p), p)
    if sig == signal.SIGINT:
        os.killpg(p.pid, sig)  # Ctrl-C: the whole foreground process group
    else:
        p.popen.send_signal(sig)  # kill PID
    code = p.wait(timeout=120)
    lines = stderr_lines(p.stderr)
    assert "Traceback" not in p.stderr, p.stderr[-3000:]
    if sig == signal.SIGINT:
        assert code == 130, (code, lines)
        assert len(lines) == 1 and lines[0].startswith("error: interrupted"), lines
        if fmt == "zarr":
            assert "resume=true" in lines[0] and str(run) in lines[0], lines
    else:
        assert code == 128 + signal.SIGTERM, (code, lines)
        assert len(lines) <= 1, lines
    assert not results_in(run), results_in(run)
    staging = run / ".staging"
    if fmt == "zarr":  # the streamed store stays for resume=true, and nothing else
        assert sorted(x.name for x in staging.iterdir()) == [
            "scenarios.zarr.chunks.partial", "scenarios.zarr.partial"]
    else:
        assert not staging.exists() or not any(staging.iterdir()), sorted(staging.rglob("*"))
    assert digest(earlier) == before


@pytest.mark.slow
def test_ctrl_c_with_a_localcluster_ends_with_one_line(tmp_path, procs):
    """Ctrl-C reaches the whole foreground process group, the Dask workers included: the user
    must still see one line, and no worker may outlive the run."""
    import psutil

    run = tmp_path / "run"
    p = procs([*BIG, "cluster=local", "cluster.dashboard_address=127.0.0.1:0"], run,
              tmp_path / "logs")
    wait_until("the evaluation reports progress", lambda: evaluating(p), p, timeout=180)
    children = psutil.Process(p.pid).children(recursive=True)
    os.killpg(p.pid, signal.SIGINT)
    code = p.wait(timeout=120)
    lines = stderr_lines(p.stderr)
    survivors = []
    for child in children:
        try:
            child.wait(timeout=15)
        except psutil.TimeoutExpired:
            survivors.append(child.pid)
        except psutil.NoSuchProcess:
            pass
    assert not survivors, f"workers outlived the run: {survivors}"
    assert not results_in(run), results_in(run)
    assert code == 130, (code, lines[-5:])
    assert len(lines) == 1 and lines[0].startswith("error: interrupted"), \
        f"{len(lines)} lines on stderr, ending {lines[-3:]}"


# ----------------------------------------------------------------------------- same bits


@pytest.mark.parametrize("experiment,files", [
    (["experiment=fan", "sampler.n=50000", "time.steps=31", "output.series=[loss_gap]",
      "fan.log_scale=[]"], ("scenarios.nc", "fan.nc", "summary.nc")),
    (["experiment=sobol", "sampler.n=256", "time.steps=11"], ("scenarios.nc", "sobol.nc")),
], ids=["fan", "sobol"])
@pytest.mark.slow
def test_same_seed_same_bits_whatever_the_chunks_and_the_scheduler(tmp_path, procs, experiment,
                                                                    files):
    a = procs([*experiment, "chunk_size=4096", "cluster=threads", "cluster.n_workers=1"],
              tmp_path / "a", tmp_path / "logs_a")
    b = procs([*experiment, "chunk_size=100000", "cluster=processes", "cluster.n_workers=2"],
              tmp_path / "b", tmp_path / "logs_b")
    assert a.wait() == 0, a.stderr[-3000:]
    assert b.wait() == 0, b.stderr[-3000:]
    for name in files:
        with xr.open_dataset(tmp_path / "a" / name) as x, \
                xr.open_dataset(tmp_path / "b" / name) as y:
            assert not same_data(x, y), f"{name} differs in {same_data(x, y)}"


# ----------------------------------------------------------------------------- locking


@pytest.mark.slow
def test_second_run_into_a_busy_directory_is_refused_and_the_first_finishes(tmp_path, procs):
    run = tmp_path / "run"
    first = procs([a if not a.startswith("sampler.n=") else "sampler.n=400000" for a in BIG],
                  run, tmp_path / "first")
    lock = run / ".meek.lock"
    wait_until("the first run holds the lock",
               lambda: lock.exists() and lock.read_text().strip() == str(first.pid), first)
    overrides = (run / ".hydra" / "overrides.yaml")
    wait_until("the first run's Hydra record", overrides.exists, first)
    record = overrides.read_text()
    second = run_cli(SMALL, run, timeout=120)
    lines = stderr_lines(second.stderr)
    assert second.returncode == 2, second.stderr
    assert len(lines) == 1 and "Traceback" not in second.stderr, lines
    assert f"pid {first.pid}" in lines[0] and f"hydra.run.dir={str(run)!r}" in lines[0], lines
    assert first.alive(), "the first run ended before the second one was refused"
    assert first.wait() == 0, first.stderr[-3000:]
    assert (run / ".meek_complete").exists()
    assert overrides.read_text() == record, "the refused run rewrote the first run's record"
    with xr.open_dataset(run / "scenarios.nc") as ds:
        assert ds.sizes["scenario"] == 400000


# ----------------------------------------------------------------------------- finished runs


FINISHED_REUSE = {
    "same-command": SMALL,
    "resume": [*SMALL, "resume=true"],
    "another-experiment": ["experiment=sobol", "model=ishigami", "sampler.n=16"],
}


@pytest.mark.slow
@pytest.mark.parametrize("how", list(FINISHED_REUSE))
def test_a_finished_directory_is_refused_and_untouched(tmp_path, earlier, how):
    run = tmp_path / "finished"
    shutil.copytree(earlier, run)
    before = digest(run)
    res = run_cli(FINISHED_REUSE[how], run, timeout=120)
    lines = stderr_lines(res.stderr)
    assert res.returncode == 2, res.stderr[-3000:]
    assert len(lines) == 1 and "holds a finished run" in lines[0], lines
    assert diff(before, digest(run)) == diff(before, before)


@pytest.mark.slow
def test_a_sweep_into_a_finished_directory_is_refused_and_it_is_untouched(tmp_path, earlier):
    """``-m`` writes multirun.yaml, sweep.nc and report.html into hydra.sweep.dir: a finished
    run there must be refused like hydra.run.dir is, not overwritten."""
    sweep = tmp_path / "finished"
    shutil.copytree(earlier, sweep)
    before = digest(sweep)
    res = run_cli(["-m", *SMALL, "seed=1,2", f"hydra.sweep.dir={sweep}"], None, timeout=240)
    changed = diff(before, digest(sweep))
    assert not changed["changed"] and not changed["removed"], \
        f"the sweep rewrote the finished run's files: {changed}"
    assert res.returncode == 2 and "holds a finished run" in res.stderr, res.stderr[-2000:]


# ----------------------------------------------------------------------------- failures


def test_atomic_write_leaves_nothing_when_interrupted(tmp_path):
    from engine import io

    target = tmp_path / "scenarios.nc"
    target.write_text("earlier complete result")
    with pytest.raises(KeyboardInterrupt):
        with io.atomic_path(target) as tmp:
            tmp.write_text("half of a new resu")
            raise KeyboardInterrupt
    assert target.read_text() == "earlier complete result"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenarios.nc"]


CRASH_WHILE_SAVING = """
import engine.io as io
_save = io.save_netcdf
def save_netcdf(ds, path):
    if str(path).endswith("summary.nc"):  # scenarios.nc and fan.nc are staged by now
        raise RuntimeError("injected crash while saving summary.nc")
    return _save(ds, path)
io.save_netcdf = save_netcdf
"""

FAILURES = {
    # (command prefix or None, overrides)
    "crash-while-saving": (injected(CRASH_WHILE_SAVING), SMALL),
    "paper-steps-zero": (None, ["experiment=paper", "sampler.n=20", "paper.steps=[0]"]),
    "seed-beyond-64-bits": (None, [*SMALL, "seed=99999999999999999999999"]),
}


@pytest.mark.slow
@pytest.mark.parametrize("how", list(FAILURES))
def test_a_run_failing_after_the_checks_publishes_nothing(tmp_path, procs, earlier, how):
    before = digest(earlier)
    command, args = FAILURES[how]
    run = tmp_path / "run"
    p = procs(args, run, tmp_path / "logs", command=command)
    code = p.wait()
    assert code != 0, "the run was meant to fail"
    assert not results_in(run), results_in(run)
    staging = run / ".staging"
    assert not staging.exists() or not any(staging.iterdir()), sorted(staging.rglob("*"))
    assert digest(earlier) == before


SIGNAL_WHILE_PUBLISHING = """
import os, signal, types
import engine.runs as runs
def _replace(src, dst, _real=os.replace):
    _real(src, dst)
    os.kill(os.getpid(), signal.SIGTERM)  # the signal arrives while results are being moved
runs.os = types.SimpleNamespace(**{k: getattr(os, k) for k in dir(os) if not k.startswith("__")})
runs.os.replace = _replace
"""


@pytest.mark.slow
def test_a_signal_while_publishing_leaves_all_or_nothing(tmp_path, procs):
    """SIGTERM can arrive at any moment, also while RunDir.publish moves the results one by one:
    the directory must then hold either the whole result (and .meek_complete) or none of it."""
    run = tmp_path / "run"
    p = procs(SMALL, run, tmp_path / "logs", command=injected(SIGNAL_WHILE_PUBLISHING))
    p.wait()
    published = [x for x in results_in(run) if not x.startswith(".staging")]
    complete = (run / ".meek_complete").exists()
    assert complete or not published, \
        f"interrupted while publishing: {published} in place without .meek_complete"


# ----------------------------------------------------------------------------- resume


@pytest.fixture(scope="module")
def streamed(tmp_path_factory) -> dict[str, Path]:
    """An uninterrupted streamed run, and the same run stopped by SIGTERM part-way."""
    base = tmp_path_factory.mktemp("streamed")
    reference = base / "reference"
    res = run_cli(STREAM, reference, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    interrupted = base / "interrupted"
    p = Proc(STREAM, interrupted, base / "logs")
    try:
        wait_until("five finished chunks", lambda: len(markers(interrupted)) >= 5, p)
        p.popen.send_signal(signal.SIGTERM)
        assert p.wait(timeout=120) == 128 + signal.SIGTERM, p.stderr[-2000:]
    finally:
        p.kill()
    done = len(markers(interrupted))
    assert 5 <= done < 36, f"{done} chunks finished: the interruption came too late"
    assert not (interrupted / ".meek_complete").exists()
    return {"reference": reference, "interrupted": interrupted}


def _copy_interrupted(streamed: dict[str, Path], to: Path) -> Path:
    shutil.copytree(streamed["interrupted"], to, symlinks=True)
    return to


def _assert_same_results(run: Path, reference: Path) -> None:
    with xr.open_zarr(run / "scenarios.zarr") as a, xr.open_zarr(reference / "scenarios.zarr") as b:
        assert not same_data(a, b), f"scenarios.zarr differs in {same_data(a, b)}"
    with xr.open_dataset(run / "fan.nc") as a, xr.open_dataset(reference / "fan.nc") as b:
        assert not same_data(a, b), f"fan.nc differs in {same_data(a, b)}"


@pytest.mark.slow
@pytest.mark.parametrize("change", ["+priors.g_inv.high=5", "time.start_year=2026"])
def test_resume_with_another_configuration_is_refused(tmp_path, streamed, change):
    run = _copy_interrupted(streamed, tmp_path / "run")
    before = digest(run, skip=(".meek.lock",))
    res = run_cli([*STREAM, "resume=true", change], run, timeout=300)
    lines = stderr_lines(res.stderr)
    assert res.returncode == 2, res.stderr[-3000:]
    assert len(lines) == 1 and "resume=true" in lines[0] and "another configuration" in \
        lines[0], lines
    # the interrupted run must survive the refusal whole: its store, and its record (.hydra,
    # run.log), which is what tells the user how to resume it
    changed = diff(before, digest(run, skip=(".meek.lock",)))
    assert changed == diff(before, before), f"the refused resume changed the run: {changed}"


def folded(run: Path) -> int:
    """The first chunk the interrupted run's saved fold does not hold."""
    commit = run / ".staging" / "scenarios.zarr.chunks.partial" / "fold.json"
    return int(json.loads(commit.read_text())["next"])


@pytest.mark.slow
def test_resume_after_sigterm_and_a_refused_resume_gives_the_same_bits(tmp_path, streamed):
    run = _copy_interrupted(streamed, tmp_path / "run")
    kept = folded(run)  # chunks after the fold were written but are computed again
    assert 2 <= kept <= len(markers(run))
    refused = run_cli([*STREAM, "resume=true", "time.start_year=2026"], run, timeout=300)
    assert refused.returncode == 2, refused.stderr[-2000:]
    res = run_cli([*STREAM, "resume=true"], run, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    assert f"resume: {kept} of 36 chunks verified and kept" in (run / "run.log").read_text()
    assert (run / ".meek_complete").exists() and not (run / ".staging").exists()
    _assert_same_results(run, streamed["reference"])


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["data", "fold"])
def test_a_damaged_chunk_or_fold_is_detected_and_recomputed(tmp_path, streamed, damage):
    """A finished chunk whose bytes changed inside the saved fold, or a damaged fold: detected,
    the fold dropped, every chunk folded again (kept data verified), the same bits."""
    run = _copy_interrupted(streamed, tmp_path / "run")
    marked = [int(m.stem.split("_")[1]) for m in markers(run)]
    hit = marked[1]
    assert hit < folded(run)
    if damage == "data":  # one finished chunk's bytes, flipped mid-file
        target = run / ".staging" / "scenarios.zarr.partial" / "t_peak" / str(hit)
    else:  # the saved fold of summaries
        target = next((run / ".staging" / "scenarios.zarr.chunks.partial").glob("fold_*.npz"))
    raw = bytearray(target.read_bytes())
    for i in range(len(raw) // 2, min(len(raw), len(raw) // 2 + 32)):
        raw[i] ^= 0xFF
    target.write_bytes(bytes(raw))
    res = run_cli([*STREAM, "resume=true"], run, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    log = (run / "run.log").read_text()
    if damage == "data":
        assert f"chunk {hit} of the interrupted run failed verification" in log, log[-3000:]
        assert f"checkpoint of folded partials holds chunk {hit}: dropped" in log
    else:
        assert "checkpoint of folded partials failed verification" in log, log[-3000:]
    assert "resume:" not in log  # nothing kept: the fold starts again from chunk 0
    _assert_same_results(run, streamed["reference"])


# ----------------------------------------------------------------------------- workers


@pytest.mark.slow
def test_a_killed_localcluster_worker_leaves_the_dataset_identical(tmp_path, procs):
    import psutil

    args = ["experiment=fan", "sampler.n=600000", "time.steps=31", "output.series=[loss_gap]",
            "fan.log_scale=[]"]
    reference = tmp_path / "threads"
    res = run_cli(args, reference, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    run = tmp_path / "local"
    p = procs([*args, "cluster=local", "cluster.n_workers=2",
               "cluster.dashboard_address=127.0.0.1:0"], run, tmp_path / "logs")

    def workers() -> list[psutil.Process]:
        out = []
        try:
            kids = psutil.Process(p.pid).children()
        except psutil.NoSuchProcess:
            return []
        for k in kids:
            try:  # a short-lived child may have ended (a zombie) by the time it is asked
                if "spawn_main" in " ".join(k.cmdline()):
                    out.append(k)
            except psutil.Error:
                continue
        return out

    wait_until("two workers evaluating", lambda: len(workers()) == 2 and evaluating(p), p,
               timeout=180)
    victim = workers()[0]
    victim.send_signal(signal.SIGKILL)
    assert p.wait(timeout=300) == 0, p.stderr[-3000:]
    assert (run / ".meek_complete").exists()
    for name in ("scenarios.nc", "fan.nc"):
        with xr.open_dataset(run / name) as a, xr.open_dataset(reference / name) as b:
            assert not same_data(a, b), f"{name} differs in {same_data(a, b)}"


# ----------------------------------------------------------------------------- after evaluation
# (issue 28) A streamed run stopped between the end of its evaluation and publishing keeps its
# finished store (and the fold of every chunk's summaries) in .staging, and resume=true starts
# from it: nothing is evaluated again, the same bits as an uninterrupted run.

KILL_AFTER_EVALUATION = """
import os, signal
import engine.storage as storage
_finalize = storage.ZarrStore.finalize
def finalize(self, chunks):
    path = _finalize(self, chunks)
    os.kill(os.getpid(), signal.SIGKILL)  # the store is finished; nothing is published
storage.ZarrStore.finalize = finalize
"""

SIGNAL_IN_PHASE = """
import os, signal
import experiments.common as common
_phase = common.phase
def phase(name):
    _phase(name)
    if name == {phase!r}:
        os.kill(os.getpid(), signal.{sig})
common.phase = phase
"""

SIGNAL_AFTER_PUBLISHING = """
import os, signal
import engine.runs as runs
_publish = runs.RunDir.publish
def publish(self):
    names = _publish(self)
    os.kill(os.getpid(), signal.{sig})  # the run is complete: the signal stops nothing
    return names
runs.RunDir.publish = publish
"""


@pytest.fixture(scope="module")
def streamed10(tmp_path_factory) -> Path:
    """An uninterrupted run of STREAM10: the reference of the after-evaluation tests."""
    reference = tmp_path_factory.mktemp("streamed10") / "reference"
    res = run_cli(STREAM10, reference, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    return reference


def _resumed_from_the_finished_store(run: Path, reference: Path) -> None:
    res = run_cli([*STREAM10, "resume=true"], run, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    log = (run / "run.log").read_text()
    assert "resume: 10 of 10 chunks verified and kept" in log, log[-3000:]
    assert "failed verification" not in log
    assert (run / ".meek_complete").exists() and not (run / ".staging").exists()
    assert not list(run.glob("*.partial")), "the store's markers were published"
    _assert_same_results(run, reference)


@pytest.mark.slow
def test_a_store_finished_before_a_kill_9_is_resumed_without_evaluating_again(
        tmp_path, procs, streamed10):
    run = tmp_path / "run"
    p = procs(STREAM10, run, tmp_path / "logs", command=injected(KILL_AFTER_EVALUATION))
    assert p.wait() == -signal.SIGKILL
    staged = run / ".staging"
    assert (staged / "scenarios.zarr").is_dir() and (staged / "scenarios.zarr.chunks.partial")\
        .is_dir()
    plain = run_cli(STREAM10, run, timeout=300)  # without resume: refused, the store untouched
    lines = stderr_lines(plain.stderr)
    assert plain.returncode == 2 and len(lines) == 1 and "resume=true" in lines[0], lines
    assert (staged / "scenarios.zarr").is_dir()
    _resumed_from_the_finished_store(run, streamed10)


@pytest.mark.slow
@pytest.mark.parametrize(("phase", "sig"), [("write", "SIGINT"), ("figures", "SIGTERM")])
def test_a_signal_while_writing_or_drawing_keeps_the_store_and_says_how_to_resume(
        tmp_path, procs, streamed10, phase, sig):
    run = tmp_path / "run"
    p = procs(STREAM10, run, tmp_path / "logs",
              command=injected(SIGNAL_IN_PHASE.format(phase=phase, sig=sig)))
    code = p.wait()
    lines = stderr_lines(p.stderr)
    assert code == 128 + getattr(signal, sig), (code, lines)
    assert len(lines) == 1 and "resume=true" in lines[0] and str(run) in lines[0], lines
    assert "Traceback" not in p.stderr
    assert not (run / ".meek_complete").exists()
    assert (run / ".staging" / "scenarios.zarr").is_dir()
    _resumed_from_the_finished_store(run, streamed10)


@pytest.mark.slow
@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_a_signal_after_publishing_ends_the_finished_run_with_status_0(tmp_path, procs, sig):
    run = tmp_path / "run"
    p = procs(SMALL, run, tmp_path / "logs",
              command=injected(SIGNAL_AFTER_PUBLISHING.format(sig=sig)))
    code = p.wait()
    assert code == 0, (code, p.stderr[-2000:])
    assert stderr_lines(p.stderr) == [], p.stderr[-2000:]
    assert (run / ".meek_complete").exists() and (run / "fan.nc").exists()


# ----------------------------------------------------------------------------- issue 28, fast
# In-process checks of the mechanisms behind the catalogue's cases (tests/test_bad_input.py).


def test_the_kernel_refuses_a_row_table_that_disagrees_with_its_arrays(monkeypatch):
    """Memory safety: the compiled loop does no bounds checks, so the driver checks every row
    table against the registry's widths first; a series slot pointing past the series array
    (as a name listed twice once did) is a RuntimeError, not a write outside the buffer."""
    from engine.model import kernel
    from engine.model.compiled.bundles import layout
    from engine.model.outcomes import SERIES
    from engine.model.params import PAPER

    p = PAPER.map(lambda v: np.full(3, v))
    t = np.linspace(0, 20, 11)
    good = kernel.evaluate(p, t, series=["loss_gap", "loss_gap"])  # a set: one row
    assert good["loss_gap"].shape == (3, 11)

    def beyond(order):
        return layout(SERIES, {s: (5 if s == "loss_gap" else -1) for s in SERIES})

    monkeypatch.setattr(kernel, "_slots", beyond)
    with pytest.raises(RuntimeError, match="series slots"):
        kernel.evaluate(p, t, series=["loss_gap"])
    monkeypatch.undo()
    monkeypatch.setattr(kernel.registry, "output_width", lambda nh: 3)
    with pytest.raises(RuntimeError, match="rows 3..3 beyond 3"):  # out is 3 rows: too few
        kernel.evaluate(p, t)


def test_an_empty_run_dir_is_refused_and_nothing_is_written_here():
    from tests.conftest import run_main

    before = sorted(p.name for p in ROOT.iterdir())
    res = run_main(["experiment=fan", "sampler.n=10", "time.steps=11", "hydra.run.dir=''"])
    assert res.returncode == 2, res.stderr
    assert res.stderr.strip().splitlines() == [
        "error: hydra.run.dir='': empty (it would write into the current directory); give a "
        "directory, e.g. hydra.run.dir=outputs/mine"]
    assert sorted(p.name for p in ROOT.iterdir()) == before


def test_the_api_refuses_the_users_directory_and_an_empty_one(tmp_path):
    from engine.config import ConfigError
    from experiments import api

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "fan.nc").write_text("the user's")
    with pytest.raises(ConfigError, match=r"files meek did not write \(fan.nc\)"):
        api.run("fan", ["sampler.n=10", "time.steps=11"], run_dir=mine)
    assert sorted(p.name for p in mine.iterdir()) == ["fan.nc"]
    assert (mine / "fan.nc").read_text() == "the user's"
    with pytest.raises(ConfigError, match="run_dir='': empty"):
        api.run("fan", ["sampler.n=10"], run_dir="")


def test_a_full_disk_names_the_directory_and_the_phase(tmp_path, monkeypatch):
    import errno

    from tests.conftest import run_main

    def full(ds, path, *args, **kwargs):  # every netCDF write, behind the run or not
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(xr.Dataset, "to_netcdf", full)
    run = tmp_path / "run"
    res = run_main(["experiment=fan", "sampler.n=10", "time.steps=11"], run)
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 2 and len(lines) == 1, res.stderr
    assert f"hydra.run.dir='{run}': no space left on the device while writing " \
           "scenarios.nc in phase 'evaluate'" in lines[0], lines[0]
    assert "free there" in lines[0] and "Errno" not in lines[0]
    assert not run.exists() or not any(run.iterdir())


def test_a_whole_prior_replaces_the_prior_and_a_removed_one_is_recorded():
    from engine.model.registry import PARAMETERS
    from experiments import api

    s = settings(["priors.g_hw={dist: uniform, low: 1.3, high: 1.5}"])
    assert s.priors["g_hw"].describe() == "uniform(low=1.3, high=1.5)"
    assert api.compose("fan", ["priors.g_hw={dist: uniform, low: 1.3, high: 1.5}"]) \
        .priors.g_hw == {"dist": "uniform", "low": 1.3, "high": 1.5}
    lever = settings(["policy=export_controls",
                      "priors.export_control_strength={dist: uniform, low: 0.2, high: 0.8}"])
    assert "export_control_strength" in lever.priors.uncertain
    removed = settings(["~priors.g_alg"])
    default = {p.name: p.default for p in PARAMETERS}["g_alg"]
    assert removed.priors["g_alg"].support()["g_alg"] == (default, default)
    assert "priors.g_alg was removed" in removed.priors.sources()["g_alg"]


def test_a_threshold_above_the_frontier_is_reported_as_separating_nothing(tmp_path):
    from tests.conftest import run_main

    run = tmp_path / "run"
    res = run_main(["experiment=fan", "sampler.n=50", "time.steps=11",
                    "governance.threshold_flop=1e300"], run)
    assert res.returncode == 0, res.stderr
    report = (run / "report.html").read_text()
    assert "separates nothing" in report
    assert "reaches the frontier&#x27;s starting capability after -" not in report


def test_unreadable_scores_are_counted_and_left_out(tmp_path, caplog):
    import logging

    from engine import empirical

    lines = (ROOT / "data" / "llm_mmlu_pro_prices.csv").read_text().splitlines()
    header = lines[0].split(",")
    col = header.index("mmlu_pro_pct")
    rows = [lines[0]]
    changed = 0
    for i, line in enumerate(lines[1:]):
        cells = line.split(",")
        if i % 2 == 0 and len(cells) == len(header) and cells[col]:  # plain rows with a score
            cells[col] = "n/a"
            changed += 1
        rows.append(",".join(cells))
    (tmp_path / "board.csv").write_text("\n".join(rows) + "\n")
    with caplog.at_level(logging.WARNING, logger="meek"):
        board = empirical.load_leaderboard(tmp_path / "board.csv", "price_output_usd_per_mtok",
                                           key="calibrate")
    assert f"{changed} of {len(lines) - 1} rows have an unreadable score in column " \
           "'mmlu_pro_pct' (e.g. 'n/a'); they are left out" in caplog.text
    assert board["mmlu_pro_pct"].dtype == float


# ----------------------------------------------------------------------------- sweeps (issue 28)

SWEEP = ["-m", "experiment=fan", "sampler.n=50", "time.steps=11", "seed=1,2,3"]

KILL_IN_SECOND_JOB = """
import os, signal
import experiments.job as job
_execute = job.execute
CALLS = []
def execute(*args, **kwargs):
    CALLS.append(1)
    if len(CALLS) == 2:
        os.kill(os.getpid(), signal.SIGKILL)  # the sweep dies in its second job
    return _execute(*args, **kwargs)
job.execute = execute
import experiments.cli as cli
cli.execute = execute
"""


def _sweep(args: list[str], sweep: Path, command: list[str] | None = None
           ) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONWARNINGS="ignore::DeprecationWarning")
    return subprocess.run([*(command or [sys.executable, str(ROOT / "run.py")]), *args,
                           f"hydra.sweep.dir={sweep}"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.mark.slow
def test_an_interrupted_sweep_is_finished_with_resume_and_collated(tmp_path):
    sweep = tmp_path / "sweep"
    killed = _sweep(SWEEP, sweep, injected(KILL_IN_SECOND_JOB))
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert (sweep / "seed=1" / ".meek_complete").exists() and not (sweep / "sweep.nc").exists()
    first = digest(sweep / "seed=1", skip=(".meek.lock", "run.log", "overrides.yaml",
                                           "config.yaml", "hydra.yaml"))
    again = _sweep(SWEEP, sweep)  # without resume: refused, saying how to finish it
    lines = stderr_lines(again.stderr)
    assert again.returncode == 2 and len(lines) == 1 and "resume=true" in lines[0], lines
    done = _sweep([*SWEEP, "resume=true"], sweep)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "seed=1/ (report: " in done.stdout and "(finished before; kept)" in done.stdout
    assert digest(sweep / "seed=1", skip=(".meek.lock", "run.log", "overrides.yaml",
                                          "config.yaml", "hydra.yaml")) == first
    for job in ("seed=1", "seed=2", "seed=3"):
        assert (sweep / job / ".meek_complete").exists(), job
    with xr.open_dataset(sweep / "sweep.nc") as ds:
        assert list(ds["seed"].values) == [1.0, 2.0, 3.0]
    nothing = _sweep([*SWEEP, "resume=true"], tmp_path / "new")
    assert nothing.returncode == 2 and "holds no interrupted sweep" in nothing.stderr


@pytest.mark.slow
def test_a_second_sweep_into_a_sweeps_directory_is_refused_and_it_is_untouched(tmp_path):
    sweep = tmp_path / "sweep"
    assert _sweep(SWEEP, sweep).returncode == 0
    before = digest(sweep)
    res = _sweep(["-m", "experiment=fan", "sampler.n=50", "time.steps=11", "seed=4,5"], sweep)
    lines = stderr_lines(res.stderr)
    assert res.returncode == 2 and len(lines) == 1, res.stderr[-2000:]
    assert "hydra.sweep.dir" in lines[0] and "Traceback" not in res.stderr
    assert digest(sweep) == before


@pytest.mark.slow
def test_a_sweep_into_a_quoted_directory_with_a_space_is_collated(tmp_path):
    sweep = tmp_path / "my sweep"
    env = dict(os.environ, PYTHONWARNINGS="ignore::DeprecationWarning")
    res = subprocess.run(
        f"{sys.executable} {ROOT / 'run.py'} -m experiment=fan sampler.n=50 time.steps=11 "
        f"seed=1,2 \"hydra.sweep.dir='{sweep}'\"", shell=True, cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    assert (sweep / "sweep.nc").exists() and (sweep / "seed=2" / ".meek_complete").exists()


def test_a_sweep_keeps_a_key_swept_with_one_value_and_refuses_mixtures(tmp_path):
    """In-process: a key swept with one value keeps its dimension in sweep.nc; a value swept
    twice, or jobs of two experiments or two time grids, are refused before any job runs."""
    from tests.conftest import run_main

    one = tmp_path / "one"
    res = run_main(["-m", "experiment=fan", "sampler.n=50", "time.steps=11",
                    "priors.g_inv.value=choice(3)", f"hydra.sweep.dir={one}"])
    assert res.returncode == 0, res.stderr[-2000:]
    with xr.open_dataset(one / "sweep.nc") as ds:
        assert ds.sizes["g_inv"] == 1 and list(ds["g_inv"].values) == [3.0]
    for k, (args, fragment) in enumerate((
            (["time.steps=11", "experiment=fan", "seed=1,1"], "seed=1: swept twice"),
            (["time.steps=11", "experiment=fan,morris"],
             "the jobs would mix experiments (fan, morris)"),
            (["experiment=fan", "time.steps=11,21"], "the jobs would mix time grids"))):
        where = tmp_path / f"refused{k}"
        res = run_main(["-m", "sampler.n=50", *args, f"hydra.sweep.dir={where}"])
        lines = res.stderr.strip().splitlines()
        assert res.returncode == 2 and len(lines) == 1 and fragment in lines[0], res.stderr
        assert not where.exists() or not any(where.iterdir())


INTERRUPT_WHILE_IMPORTING = """
import builtins, os, signal
_import = builtins.__import__
def importing(name, *args, **kwargs):
    if name == "omegaconf":  # the scientific stack is loading: Ctrl-C
        builtins.__import__ = _import
        os.kill(os.getpid(), signal.SIGINT)
    return _import(name, *args, **kwargs)
builtins.__import__ = importing
"""


@pytest.mark.slow
def test_ctrl_c_while_starting_up_is_one_line(tmp_path, procs):
    p = procs(SMALL, tmp_path / "run", tmp_path / "logs",
              command=injected(INTERRUPT_WHILE_IMPORTING))
    assert p.wait() == 130, p.stderr[-2000:]
    assert stderr_lines(p.stderr) == ["error: interrupted"], p.stderr[-3000:]
    assert not (tmp_path / "run").exists()


def test_a_discovery_of_another_runs_scenarios_is_labelled_from_them(tmp_path):
    from tests.conftest import run_main

    source = tmp_path / "source"
    res = run_main(["experiment=fan", "sampler.n=300", "time.steps=11", "actor=startup",
                    "seed=7"], source)
    assert res.returncode == 0, res.stderr[-2000:]
    run = tmp_path / "discover"
    res = run_main(["experiment=discover", "sampler.n=50", "seed=3",
                    f"discover.scenarios={source / 'scenarios.nc'}",
                    "discover.condition='t_peak > 0'"], run)
    assert res.returncode == 0, res.stderr[-2000:]
    with xr.open_dataset(run / "discovery.nc") as disc, \
            xr.open_dataset(source / "scenarios.nc") as src:
        assert disc.attrs["actor"] == src.attrs["actor"] == "startup"
        assert int(disc.attrs["design_n"]) == 300 and int(disc.attrs["seed"]) == 7
        assert disc.attrs["priors"] == src.attrs["priors"]
        assert disc.attrs["scenarios_source"] == f"discover.scenarios={source / 'scenarios.nc'}"
    report = (run / "report.html").read_text()
    assert "actor startup" in report and "seed 7" in report
    assert "actor deepseek_v3" not in report


def _pid(_: int) -> int:
    return os.getpid()


def test_the_processes_cluster_keeps_one_pool_across_computes():
    """Speed as a fault: Dask's processes scheduler spawns a fresh pool for every compute
    unless given one; a calibration computes once per SMC move, and each fresh pool paid the
    imports again (149 s against 6 to 8 s with threads). The cluster keeps one pool: three
    computes run in the same two worker processes."""
    import types

    import dask

    from engine.clusters import make_cluster

    cluster = make_cluster(types.SimpleNamespace(kind="processes", n_workers=2))
    seen: set[int] = set()
    with cluster.connect():
        for _ in range(3):
            seen |= set(dask.compute(*[dask.delayed(_pid)(i) for i in range(6)]))
    assert len(seen) <= 2 and os.getpid() not in seen, seen
