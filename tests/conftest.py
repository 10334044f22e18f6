"""Shared fixtures: the project root, running the command line as a user would (a real process)
or through its ``main`` in this process, and composing settings as every run does.

The fast loop is ``python -m pytest -q -n 2 --dist loadfile -m "not slow"``; the full loop (the
README's command and CI, on two pytest-xdist workers, a file to a worker) runs everything.
``slow`` marks end-to-end runs of real ``python run.py`` processes: every test using the
:func:`cli` fixture is marked so here.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import traceback
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


#: In-process end-to-end runs that take seconds each (measured with --durations on this 2-core
#: machine): slow too, so that the fast loop keeps to the unit and property tests. The full loop
#: (the README's command, CI) runs them.
HEAVY = (
    "tests/test_calibration.py::test_posterior_intervals_cover_the_truth_as_often_as_they_claim",
    "tests/test_calibration.py::test_same_seed_same_posterior_whatever_the_chunking",
    "tests/test_calibration.py::test_the_cli_refuses_a_bad_calibration_with_one_line_and_no_files",
    "tests/test_calibration.py::test_more_months_tighten_the_posterior",
    "tests/test_engine.py::test_checkpointed_folds_resume_with_the_same_bits",
    "tests/test_engine.py::test_resume_finishes_with_the_same_bits_and_verifies_chunks",
    "tests/test_ecosystem.py::test_files_pass_cf_1_8",
    "tests/test_experiments.py::test_the_real_kernel_cache_is_found_after_a_run",
    "tests/test_experiments.py::test_every_run_ends_naming_its_directory_and_report",
    "tests/test_reliability.py::test_a_sweep_keeps_a_key_swept_with_one_value_and_refuses_mixtures",
    "tests/test_reliability.py::test_a_discovery_of_another_runs_scenarios_is_labelled_from_them",
    "tests/test_reliability.py::test_a_threshold_above_the_frontier_is_reported_as_separating",
    "tests/test_reader.py::test_a_fan_keeps_its_series_only_below_keep_series_mb",
    "tests/test_explore.py::test_a_calibration_below_outputs_gives_the_fan_experiments",
    "tests/test_api.py::test_an_experiment_override_is_the_experiment",
    "tests/test_registry.py::test_kernel_rows_follow_the_registry",  # compiles new layouts
    "tests/test_ecosystem.py::test_progress_reaches_run_log_without_a_terminal",  # 3 real runs
    # one calibration on levels (5 s), shared by its three readers
    "tests/test_calibration_levels.py::test_calibration_nc_names_and_dims",
    "tests/test_calibration_levels.py::test_the_held_out_scores_are_those_of_the_stored_forecasts",
    "tests/test_calibration_levels.py::test_a_levels_posterior_feeds_fans_with_the_model_columns",
    # one real fan experiment (3 s), shared by its three readers
    "tests/test_explore.py::test_key_numbers_are_the_fan_experiments",
    "tests/test_explore.py::test_the_fan_and_its_netcdf_are_the_fan_experiments",
    "tests/test_explore.py::test_caveats_state_the_share_of_peaks_already_past",
    # the same damaged files through sobol.calibration (fan.calibration stays in the fast loop)
    "tests/test_calibration.py::test_a_damaged_or_foreign_calibration_is_refused_in_one_line[sobol.",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "cli" in getattr(item, "fixturenames", ()) or item.nodeid.startswith(HEAVY):
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session):
    """The bad-input catalogue runs beside the rest: its cases start now (tests/test_bad_input.py
    ``start``) and its tests, which only wait for their outcomes, run last."""
    if hasattr(session.config, "workerinput"):  # a pytest-xdist worker: the module's fixture
        return                                  # starts the cases where the module runs
    mine = [i for i in session.items if i.nodeid.startswith("tests/test_bad_input.py::")]
    if mine and not session.config.option.collectonly:
        session.items[:] = [i for i in session.items if i not in mine] + mine
        mine[0].module.start(mine)


def run_cli(args: list[str], run_dir: Path | None, timeout: float = 300.0,
            **kwargs) -> subprocess.CompletedProcess[str]:
    """python run.py ARGS with its Hydra run directory at run_dir (a real process)."""
    env = dict(os.environ, PYTHONWARNINGS="ignore::DeprecationWarning")
    extra = [f"hydra.run.dir={run_dir}"] if run_dir is not None else []
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args, *extra], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout, **kwargs)


def run_main(args: list[str], run_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The same through :func:`experiments.cli.main` in this process: its exit status, stdout
    and stderr as a process would give them (an exception that escapes is a traceback on
    stderr, exit status 1)."""
    from experiments.cli import main

    argv = [*args, *([f"hydra.run.dir={run_dir}"] if run_dir is not None else [])]
    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    code: int = 0
    os.chdir(ROOT)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            main(argv)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except BaseException:  # noqa: BLE001 - what a process would print before dying
        err.write(traceback.format_exc())
        code = 1
    finally:
        os.chdir(here)
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli(tmp_path):
    def call(*args: str, timeout: float = 300.0):
        run_dir = tmp_path / "run"
        return run_cli(list(args), run_dir, timeout=timeout), run_dir
    return call


def settings(overrides=()):
    """The checked Settings of conf/config.yaml with ``overrides``, as every run composes them
    (:func:`experiments.config.prepare`)."""
    from experiments.config import prepare

    return prepare(list(overrides)).settings

