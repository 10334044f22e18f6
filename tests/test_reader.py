"""What a reader of a run meets (issue 26): the header's command reproduces the run as printed,
the header says what was run, labels and units are words, and results come as CSV too."""

from __future__ import annotations

import html
import re
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

from tests.conftest import ROOT, run_cli


def header(report: str) -> tuple[str, str]:
    """(the reproducing command, the line under it) of a report.html."""
    command = re.search(r'<code class="command">(.*?)</code>', report, re.S)
    meta = re.findall(r'<p class="meta">(.*?)</p>', report, re.S)
    assert command is not None
    return html.unescape(command[1]), html.unescape(re.sub(r"<[^>]+>", "", meta[1]))


@pytest.mark.slow
def test_the_header_command_reproduces_the_run_as_printed(tmp_path):
    """Run with overrides that need quoting, read the command off report.html, run that text in
    a shell from the repository (only the run directory added) and get the same numbers."""
    first = tmp_path / "first"
    done = run_cli(["experiment=fan", "sampler.n=64", "seed=7",
                    "~priors.g_hw", "+priors.g_hw={dist: uniform, low: 1.3, high: 1.5}",
                    "output.series=[loss_gap]", "fan.log_scale=[]"], first)
    assert done.returncode == 0, done.stderr
    command, meta = header((first / "report.html").read_text())
    assert command.startswith("python run.py experiment=fan")
    # the header is true to the run: its design size and its seed, once
    assert "64 scenarios" in meta and meta.count("seed") == 1 and "seed 7" in meta
    second = tmp_path / "second"
    shell = command.replace("python ", f"{sys.executable} ", 1) + f" hydra.run.dir={second}"
    again = subprocess.run(["bash", "-c", shell], cwd=ROOT, capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0, again.stderr
    assert header((second / "report.html").read_text())[0] == command
    with xr.open_dataset(first / "summary.nc") as a, xr.open_dataset(second / "summary.nc") as b:
        np.testing.assert_array_equal(a["quantiles"].values, b["quantiles"].values)
        assert a.attrs["config_yaml"] == b.attrs["config_yaml"]
