"""Shared fixtures: the project root, and running run.py as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_cli(args: list[str], run_dir: Path | None, timeout: float = 300.0,
            **kwargs) -> subprocess.CompletedProcess[str]:
    """python run.py ARGS with its Hydra run directory at run_dir."""
    env = dict(os.environ, PYTHONWARNINGS="ignore::DeprecationWarning")
    extra = [f"hydra.run.dir={run_dir}"] if run_dir is not None else []
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args, *extra], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout, **kwargs)


@pytest.fixture
def cli(tmp_path):
    def call(*args: str, timeout: float = 300.0):
        run_dir = tmp_path / "run"
        return run_cli(list(args), run_dir, timeout=timeout), run_dir
    return call
