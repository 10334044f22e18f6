"""Every config option composes, type-checks and builds; experiments and sweeps run end to end
at tiny N; the default uncertainty model is the credible one the README describes."""

from __future__ import annotations

import subprocess
import sys

import matplotlib.image as mpimg
import numpy as np
import pytest
import xarray as xr
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from engine.config import build
from experiments.cli import register_schema
from tests.conftest import ROOT, run_cli

GROUPS = {g.name: sorted(p.stem for p in g.glob("*.yaml"))
          for g in (ROOT / "conf").iterdir() if g.is_dir()}


def settings(overrides):
    from hydra.core.global_hydra import GlobalHydra

    register_schema()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides)
    return build(OmegaConf.to_object(cfg), OmegaConf.to_container(cfg, resolve=True))


@pytest.mark.parametrize("group,option", [(g, o) for g, opts in GROUPS.items() for o in opts])
def test_every_group_option_composes_and_builds(group, option):
    overrides = [f"{group}={option}"]
    if group == "cluster" and option == "address":
        overrides.append("cluster.address=tcp://127.0.0.1:8786")
    if group == "priors" and option in ("ishigami", "sobol_g"):
        overrides.append(f"model={option}")
    if group == "priors" and option == "paper_fans":  # the paper's frontier: the paper's actor
        overrides.append("actor=paper")
    if group == "actor" and option == "none" or group == "policy" and option == "none_validation":
        overrides.append("model=ishigami")
    s = settings(overrides)
    assert s.design.rows > 0
    if group == "experiment":
        assert s.config.task == option


def test_default_priors_are_2025_anchored_and_never_put_the_frontier_behind():
    s = settings([])
    assert s.config.actor.name == "open_weights_lab" and s.config.time.start_year == 2025
    assert s.priors.uncertain == ["scaling_law", "g_alg", "g_hw", "g_inv", "g_inf",
                                  "meek_budget_usd", "sota_budget_usd", "flop_per_usd",
                                  "inference_compute_multiplier"]
    assert s.priors.support("sota_budget_usd") == (1e8, 1e9)
    assert s.priors.support("flop_per_usd") == (1e17, 1e18)
    for prior in s.priors:
        assert prior.source, f"priors.{prior.name} has no source"
    for actor in GROUPS["actor"]:
        if actor in ("none",):
            continue
        a = settings([f"actor={actor}"])
        assert a.priors.support("meek_budget_usd")[1] <= a.priors.support("sota_budget_usd")[0]


def test_paper_priors_fix_everything_at_the_authors_setting():
    s = settings(["priors=paper"])
    assert s.priors.uncertain == [] and s.config.actor.name == "paper"
    values = {k: float(v[0]) for k, v in s.priors.map(np.zeros((1, 0))).items()}
    assert values["A"] == 1070.0 and values["alpha"] == 0.154 and values["L0"] == 1.7
    assert values["meek_budget_usd"] == values["sota_budget_usd"] == 1000.0
    assert s.config.time.start_year is None


def test_one_scalar_override_changes_one_prior():
    base = settings([])
    pinned = settings(["priors.g_inv.value=5"])
    assert pinned.priors["g_inv"].fixed and pinned.priors["g_inv"].value == 5.0
    assert len(pinned.priors.uncertain) == len(base.priors.uncertain) - 1
    assert settings(["priors.scaling_law=hoffmann"]).priors["scaling_law"].fixed


def images(path):
    pngs = sorted(path.glob("*.png"))
    for png in pngs:
        img = mpimg.imread(png)
        assert img.ndim == 3 and img.shape[0] > 200 and img.shape[1] > 300, png
        assert float(np.std(img[..., :3])) > 0.02, f"{png} looks blank"
    return [p.name for p in pngs]


def test_summary_prints_the_paper_numbers_and_never_for_nan(tmp_path):
    res = run_cli([], tmp_path / "run")
    assert res.returncode == 0, res.stderr
    paper_block = res.stdout.split("\n\n")[1]  # the authors' setting comes first
    lines = {line.rsplit(None, 1)[0].strip(): line.split()[-1]
             for line in paper_block.splitlines() if line.startswith("  ")}
    assert float(lines["t_peak [yr]"]) == pytest.approx(3.36, abs=0.01)
    assert float(lines["peak gap [nats]"]) == pytest.approx(0.212, abs=0.001)
    assert float(lines["inference catch-up [yr]"]) == pytest.approx(1.33, abs=0.01)
    assert float(lines["inference catch-up at g_inf 2.8 [yr]"]) == pytest.approx(4.10, abs=0.01)
    res = run_cli(["priors=paper", "priors.g_inf.value=1.01"], tmp_path / "run2")
    assert res.returncode == 0 and "never" in res.stdout and "nan" not in res.stdout


def test_fan_experiment_end_to_end(tmp_path):
    run = tmp_path / "run"
    res = run_cli(["experiment=fan", "sampler.n=300", "time.steps=31"], run)
    assert res.returncode == 0, res.stderr
    with xr.open_dataset(run / "scenarios.nc") as ds:
        assert ds.sizes == {"scenario": 300, "t": 31}
        assert "loss_gap" in ds and "t_peak" in ds and "config_yaml" in ds.attrs
    with xr.open_dataset(run / "fan.nc") as fan:
        assert fan["loss_gap"].dims == ("quantile", "t")
        assert "tokens_to_distinguish_infinite_share" in fan
    with xr.open_dataset(run / "summary.nc") as summary:
        assert {"t_peak", "regulatory_window", "years_behind_at_10y"} <= set(
            summary["outcome"].values)
    names = images(run)
    assert {"fan_loss_gap.png", "fan_benchmark_gap.png", "fan_inference_gap.png",
            "fan_tokens_to_distinguish.png", "fan_years_behind.png", "t_peak.png",
            "years_behind_and_gap.png"} <= set(names)
    assert (run / "report.html").exists() and (run / ".meek_complete").exists()
    assert not (run / ".staging").exists()


def test_sweep_is_checked_whole_and_collated(tmp_path):
    sweep = tmp_path / "sweep"
    res = subprocess.run([sys.executable, str(ROOT / "run.py"), "-m", "experiment=fan",
                          "sampler.n=100", "time.steps=11", "priors.g_inv.value=2,3.57,6",
                          f"hydra.sweep.dir={sweep}"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stderr
    jobs = sorted(p.name for p in sweep.iterdir() if p.is_dir())
    assert jobs == ["priors.g_inv.value=2", "priors.g_inv.value=3.57", "priors.g_inv.value=6"]
    with xr.open_dataset(sweep / "sweep.nc") as ds:
        assert list(ds["g_inv"].values) == [2.0, 3.57, 6.0]
        assert ds["quantiles"].dims == ("g_inv", "outcome", "quantile")
        medians = ds["quantiles"].sel(outcome="t_peak", quantile=0.5).values
        assert medians[0] < medians[1] < medians[2]  # faster investment, later peak
        assert ds["fan_loss_gap"].dims == ("g_inv", "quantile", "t")
    assert (sweep / "sweep_overlay.png").exists() and (sweep / "report.html").exists()
    # one bad value refuses the whole sweep before any job runs
    bad = tmp_path / "bad"
    res = subprocess.run([sys.executable, str(ROOT / "run.py"), "-m", "experiment=fan",
                          "sampler.n=100", "priors.g_inv.value=2,0.5", f"hydra.sweep.dir={bad}"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert "priors.g_inv" in res.stderr and not bad.exists()
