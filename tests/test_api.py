"""The Python API (experiments/api.py) takes the command line's configuration path: the same
overrides give the same run or the same one-line refusal (as a ConfigError's text), and a run
leaves what a command-line run leaves (run.log beside the results; nothing after bad input)."""

from __future__ import annotations

import pytest
import xarray as xr

from engine.config import ConfigError
from experiments import api
from experiments.config import prepare
from tests.conftest import run_main

TINY = ["sampler.n=40", "time.steps=11"]

# bad input, each refused by the command line with one line (tests/test_bad_input.py)
REFUSED = [
    ["actor.name=bogus"],                      # the CLI refuses names that are no option
    ["sampler.n=ten"],                         # a Hydra/OmegaConf type error, multi-line there
    ["samplr.n=3"],                            # a typo Hydra reports over several lines
    ["experiment=foo"],                        # an unknown group option
    ["sampler.n=(1"],                          # an override Hydra cannot parse
    ["experiment=sobol", "sobol.conf_level=1"],
    ["priors.g_inv.value=0.5"],                # outside the model's domain
    ["sobol.num_resamples=1"],                 # another experiment's section
]


@pytest.mark.parametrize("overrides", REFUSED, ids=[" ".join(o) for o in REFUSED])
def test_refusals_are_the_command_lines_line(overrides, tmp_path):
    res = run_main(overrides, tmp_path / "cli")
    assert res.returncode == 2, res.stderr
    (line,) = res.stderr.strip().splitlines()
    with pytest.raises(ConfigError) as err:
        api.run(None, overrides, run_dir=tmp_path / "api")
    assert "error: " + str(err.value) == line
    assert "\n" not in str(err.value)
    assert not (tmp_path / "api").exists()
    with pytest.raises(ConfigError):  # the explorer's entry: a list of overrides
        prepare(overrides)


def test_an_experiment_override_is_the_experiment(tmp_path):
    assert api.compose(None, ["experiment=fan"]).task == "fan"
    assert api.compose("fan", ["experiment=fan"]).task == "fan"
    assert api.compose("summary", []).task == "summary"
    with pytest.raises(ConfigError, match=r"experiment='sobol'.*another experiment than 'fan'"):
        api.compose("fan", ["experiment=sobol"])
    result = api.run(None, ["experiment=morris", "morris.trajectories=2", *TINY],
                     run_dir=tmp_path / "run")
    assert "morris" in result.datasets and result.path == tmp_path / "run"


def test_a_string_override_is_one_override():
    assert api.compose("fan", "sampler.n=123").sampler.n == 123
    with pytest.raises(ConfigError, match="must be a string"):
        api.compose("fan", [123])


def test_a_run_writes_run_log_and_its_datasets(tmp_path):
    result = api.run("fan", [*TINY, "actor=university_lab"], run_dir=tmp_path / "run")
    log = (tmp_path / "run" / "run.log").read_text()
    assert "phase: evaluate" in log and "evaluate: 100% (40 of 40 scenarios)" in log
    assert {"fan.nc", "report.html", "run.log", "scenarios.nc"} <= set(result.files)
    assert result["fan"]["loss_gap"].dims == ("quantile", "t")
    with xr.open_dataset(tmp_path / "run" / "fan.nc") as saved:
        assert saved.attrs["actor"] == "university_lab"
        assert saved.attrs["command"] == ("python run.py sampler.n=40 time.steps=11 "
                                          "actor=university_lab experiment=fan")


def test_a_run_failing_on_bad_input_leaves_no_lock_or_directory(tmp_path, monkeypatch):
    """Bad input found only while running (here: the experiment raises a ValueError naming a
    key) ends as one ConfigError and removes what the run created, its lock included."""
    from experiments.fan import Fan

    def refuse(self, s, run, attrs):
        (run.staging / "half.nc").write_text("half")
        raise ValueError("fan.log_scale=['x']: refused while running")

    monkeypatch.setattr(Fan, "run", refuse)
    with pytest.raises(ConfigError, match=r"^fan.log_scale=\['x'\]: refused while running$"):
        api.run("fan", TINY, run_dir=tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_a_finished_directory_is_refused_as_on_the_command_line(tmp_path):
    api.run("summary", [], run_dir=tmp_path / "run")
    before = sorted(p.name for p in (tmp_path / "run").iterdir())
    with pytest.raises(ConfigError, match="holds a finished run") as err:
        api.run("summary", [], run_dir=tmp_path / "run")
    res = run_main([], tmp_path / "run")
    assert res.stderr.strip() == "error: " + str(err.value)
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == before
