"""The explorer's logic without a browser: URL query <-> overrides, what a page may not set, the
command line's refusals, the fast composition against Hydra's, and the key numbers and fan
against the fan experiment's own files (tests/test_explore_browser.py drives the real page)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from engine.config import ConfigError
from engine.explore import compute
from engine.explore.state import from_query, merged, screen, to_query
from experiments.explore import Composer, initial_overrides
from tests.conftest import run_main

# ----------------------------------------------------------------------------- URL and state

VALUES = st.one_of(
    st.sampled_from(["startup", "null", "1e+26", "[2.0,4.0]", "0.05", "-3", "a b", "x&y=z",
                     "caf\u00e9", "100%", "'quoted'", "{dist: uniform, low: 1, high: 2}"]),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers().map(str))
KEYS = st.sampled_from(["actor", "seed", "sampler.n", "priors.g_inv.value", "priors.g_inv.ci90",
                        "outcomes.threshold_nats", "governance.threshold_flop", "fan.calibration"])


@given(st.lists(st.tuples(KEYS, VALUES), max_size=6))
def test_url_query_round_trips_overrides(pairs):
    overrides = [f"{k}={v}" for k, v in pairs]
    assert from_query(to_query(overrides)) == overrides


def test_query_of_the_issue():
    q = "?actor=startup&priors.g_inv.value=5&sampler.n=20000&seed=1"
    assert from_query(q) == ["actor=startup", "priors.g_inv.value=5", "sampler.n=20000", "seed=1"]
    assert to_query(from_query(q)) == q
    # a server hands the request's arguments over as key -> list of bytes
    assert from_query({"actor": [b"startup"], "seed": [b"1"]}) == ["actor=startup", "seed=1"]


def test_later_override_of_a_key_wins_in_first_place():
    assert merged(["actor=person", "seed=1", "actor=startup"]) == ["actor=startup", "seed=1"]


@pytest.mark.parametrize("override, key, value", [
    ("discover.condition=__import__('os').system('true')", "discover.condition", None),
    ("hydra.run.dir=/tmp/elsewhere", "hydra.run.dir", "/tmp/elsewhere"),
    ("cluster=local", "cluster", "local"),
    ("output.format=zarr", "output.format", "zarr"),
    ("experiment=sobol", "experiment", "sobol"),
    ("+priors.new=1", "+priors.new", "1"),
    ("~priors.g_hw", "~priors.g_hw", None),
    ("priors.g_inv.value=${oc.env:HOME}", "priors.g_inv.value", None),
    ("seed=1,2,3", "seed", "1,2,3"),
    ("sampler.n=range(1000,3000,1000)", "sampler.n", None),
    ("sampler.n=10000000", "sampler.n", "10000000"),
    ("sampler.chunk=3", "sampler.chunk", "3"),
    ("fan.calibration=/etc/hostname", "fan.calibration", "/etc/hostname"),
    ("fan.calibration=outputs/../../etc/hostname", "fan.calibration", None),
    ("fan.log_scale=[loss_gap]", "fan.log_scale", None),
])
def test_screen_refuses_what_a_page_must_not_set(tmp_path, override, key, value):
    with pytest.raises(ConfigError) as err:
        screen([override], tmp_path / "outputs")
    line = str(err.value)
    assert "\n" not in line and key in line
    if value is not None:
        assert value in line


def test_screen_reads_calibration_files_only_below_outputs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    outputs = tmp_path / "outputs"
    (outputs / "calibrate" / "run").mkdir(parents=True)
    inside = outputs / "calibrate" / "run" / "calibration.nc"
    inside.write_bytes(b"not checked here: the fan experiment's check reads it")
    outside = tmp_path / "calibration.nc"
    outside.write_bytes(b"")
    assert screen([f"fan.calibration={inside}"], outputs) == [f"fan.calibration={inside}"]
    assert screen(["fan.calibration=outputs/calibrate/run/calibration.nc"], outputs)
    with pytest.raises(ConfigError, match="only below the outputs directory"):
        screen([f"fan.calibration={outside}"], outputs)
    link = outputs / "link.nc"
    link.symlink_to(outside)  # a link out of outputs/ is outside
    with pytest.raises(ConfigError, match="only below the outputs directory"):
        screen([f"fan.calibration={link}"], outputs)


def test_initial_overrides_drop_the_explorers_own_keys():
    command = "python run.py experiment=explore explore.port=0 actor=startup 'seed=3'"
    assert initial_overrides(command) == ["actor=startup", "seed=3"]


# ----------------------------------------------------------------------------- composition

COMPOSER = Composer()


@pytest.mark.parametrize("overrides", [
    [], ["actor=startup", "seed=3"], ["priors=paper"], ["policy=export_controls",
                                                        "priors.export_control_strength.value=0.8"],
    ["outcomes.threshold_nats=0.07", "priors.g_inv.ci90=[2.0,4.0]", "sampler.n=3000"],
    ["priors.g_alg.value=4", "actor=person", "governance.threshold_flop=1e+26"],
    ["inference=price_decline", "priors.scaling_law=hoffmann"],
])
def test_fast_composition_is_hydras(overrides):
    """The Composer's result equals a whole composition by Hydra (the same fingerprint of the
    resolved configuration, the same reproducing command)."""
    from experiments.config import prepare

    fast = COMPOSER(overrides)
    slow = prepare(["experiment=fan", *overrides])
    assert fast.settings.fingerprint == slow.settings.fingerprint
    assert fast.command == slow.command


@pytest.mark.parametrize("overrides", [
    ["priors.g_inv.ci90=[5.0,2.0]"],       # the engine's check of a prior
    ["sampler.n=abc"],                       # a type, OmegaConf's
    ["priors.g_alg.valeu=3"],                # a typo, Hydra's
    ["actor=nobody"],                        # an unknown group option
    ["outcomes.threshold_nats=-1"],          # a range
    ["governance.threshold_flop=[1,2]"],     # a list for a number
])
def test_a_refusal_is_the_command_lines_line(tmp_path, overrides):
    with pytest.raises(ConfigError) as err:
        COMPOSER(screen(overrides, tmp_path))
    cli = run_main(["experiment=fan", *overrides], tmp_path / "run")
    assert cli.returncode == 2
    assert cli.stderr.strip() == f"error: {err.value}"
    assert not (tmp_path / "run").exists()


# ----------------------------------------------------------------------------- the numbers


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 40), st.integers(1, 4)),
                  elements=st.one_of(st.floats(-1e6, 1e6), st.just(np.nan), st.just(np.inf),
                                     st.just(-np.inf))))
def test_fan_quantiles_are_numpys_inverted_cdf(values):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: NaN, as asked
        expected = np.nanquantile(values, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0,
                                  method="inverted_cdf")
    got = compute.fan_quantiles(values)
    np.testing.assert_array_equal(got, expected)


FAN = ["actor=startup", "seed=7", "sampler.n=9000", "time.steps=201",
       "priors.g_alg.median=3.5", "outcomes.threshold_nats=0.04"]


@pytest.fixture(scope="module")
def fan_run(tmp_path_factory):
    from experiments.api import run

    # the fan keeps its series (so fan.nc holds exact quantiles, as the page computes them;
    # without them fan.nc comes from histograms within the bound it states)
    return run("fan", [*FAN, "fan.keep_series_mb=10000"],
               run_dir=tmp_path_factory.mktemp("fan") / "run")


def test_key_numbers_are_the_fan_experiments(fan_run):
    """Same overrides, same seed, same scenarios: the key numbers are summary.nc's, bit for
    bit (9,000 scenarios: the fan run evaluates them in two chunks, the page in its own)."""
    prepared = COMPOSER(FAN)
    page = compute.compute(prepared, FAN)
    summary = fan_run["summary"]
    assert len(page.keys) == len(compute.KEY_OUTCOMES)
    for row in page.keys:
        q = summary["quantiles"].sel(outcome=row["name"])
        assert row["median"] == float(q.sel(quantile=0.5)), row["name"]
        assert row["q05"] == float(q.sel(quantile=0.05)), row["name"]
        assert row["q95"] == float(q.sel(quantile=0.95)), row["name"]
        assert row["past"] == float(summary["negative_share"].sel(outcome=row["name"]))
    assert page.command == "python run.py experiment=fan " + " ".join(FAN)


def test_the_fan_and_its_netcdf_are_the_fan_experiments(fan_run, tmp_path):
    page = compute.compute(COMPOSER(FAN), FAN)
    fan = fan_run["fan"]
    step = -(-fan.sizes["t"] // compute.DRAWN_POINTS)
    for name in compute.SERIES:  # drawn: every step-th time point, exactly
        np.testing.assert_array_equal(page.fans[name], fan[name].values[:, ::step])
    np.testing.assert_array_equal(page.years, fan["year"].values[::step])
    path = tmp_path / "fan.nc"
    path.write_bytes(compute.fan_netcdf(page))
    with xr.open_dataset(path) as saved:
        for name in compute.SERIES:
            np.testing.assert_array_equal(saved[name].values, fan[name].values)
            np.testing.assert_array_equal(saved[f"{name}_undefined_share"].values,
                                          fan[f"{name}_undefined_share"].values)
        np.testing.assert_array_equal(saved["year"].values, fan["year"].values)
        assert saved.attrs["command"] == page.command


def test_caveats_state_the_share_of_peaks_already_past(fan_run):
    page = compute.compute(COMPOSER(FAN), FAN)
    past = float(fan_run["summary"]["negative_share"].sel(outcome="t_peak"))
    assert f"{past:.1%}" in page.caveats[0] and "already past" in page.caveats[0]


def test_quick_sobol_is_quick_and_sees_what_t_peak_ignores():
    """t_peak is the peak of the training loss gap, which involves training compute only: the
    inference factors (g_inf, inference_compute_multiplier) cannot move it, so their total
    indices are exactly 0; the growth rates and budgets that set the compute ratio drive it."""
    ranking = compute.quick_sobol(COMPOSER(["seed=5"]))
    assert ranking.seconds < 10
    st_ = dict(zip(ranking.factors, ranking.ST))
    conf = dict(zip(ranking.factors, ranking.ST_conf))
    for ignored in ("g_inf", "inference_compute_multiplier"):
        assert st_[ignored] == 0.0 and conf[ignored] == 0.0
    # a named actor (the default, deepseek_v3) fixes the meek budget: the frontier's 2025
    # compute and the growth rates set the compute ratio
    for driver in ("g_alg", "g_inv", "sota_compute_flop"):
        assert st_[driver] - conf[driver] > 0.02, (driver, st_[driver], conf[driver])


def test_quick_sobol_refuses_when_nothing_is_uncertain():
    with pytest.raises(ValueError, match="pinned"):
        compute.quick_sobol(COMPOSER(["priors=paper", "priors.scaling_law=paper"]))


def test_meek_name_is_experiment_name():
    from experiments.cli import named_experiment

    assert named_experiment(["explore", "actor=startup"]) == ["experiment=explore",
                                                              "actor=startup"]
    assert named_experiment(["experiment=fan"]) == ["experiment=fan"]
    assert named_experiment(["~priors.g_hw", "x=1"]) == ["~priors.g_hw", "x=1"]
    assert named_experiment(["--cfg", "job"]) == ["--cfg", "job"]
    assert named_experiment(["summary"]) == ["experiment=null"]


def test_explore_is_a_declared_experiment():
    from experiments.base import registry

    assert "explore" in registry()
    assert Path(__file__).resolve().parents[1].joinpath("conf", "experiment",
                                                         "explore.yaml").is_file()


def test_a_calibration_below_outputs_gives_the_fan_experiments_posterior_draw(tmp_path,
                                                                             monkeypatch):
    """fan.calibration from the page: offered and accepted below outputs/, and the numbers are
    those of experiment=fan drawing from the same posterior."""
    from experiments.api import run
    from engine.explore.state import calibrations
    from tests.test_calibration import write_calibration

    monkeypatch.chdir(tmp_path)
    (tmp_path / "outputs" / "calibrate" / "x").mkdir(parents=True)
    write_calibration(tmp_path / "outputs" / "calibrate" / "x" / "calibration.nc")
    relative = "outputs/calibrate/x/calibration.nc"
    assert calibrations(tmp_path / "outputs") == [relative]
    overrides = [*screen([f"fan.calibration={relative}", "sampler.n=3000"],
                         tmp_path / "outputs"), "time.steps=61"]  # a page keeps 301 steps
    page = compute.compute(COMPOSER(overrides), overrides)
    assert page.source == f"the posterior of {relative}"
    summary = run("fan", overrides, run_dir=tmp_path / "fan")["summary"]
    for row in page.keys:
        q = summary["quantiles"].sel(outcome=row["name"])
        assert (row["median"], row["q05"], row["q95"]) == (
            float(q.sel(quantile=0.5)), float(q.sel(quantile=0.05)),
            float(q.sel(quantile=0.95))), row["name"]
