"""Every config option composes and loads; experiments run end to end at tiny N."""

from __future__ import annotations

import sys

import matplotlib.image as mpimg
import numpy as np
import pytest
import xarray as xr
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from engine import config
from tests.conftest import ROOT, run_cli

GROUPS = {g.name: sorted(p.stem for p in g.glob("*.yaml"))
          for g in (ROOT / "conf").iterdir() if g.is_dir()}


def compose_plain(overrides):
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides)
    return OmegaConf.to_container(cfg, resolve=True)


@pytest.mark.parametrize("group,option", [(g, o) for g, opts in GROUPS.items() for o in opts])
def test_every_group_option_composes_and_loads(group, option):
    overrides = [f"{group}={option}"]
    if group == "cluster" and option == "address":
        overrides.append("cluster.address=tcp://127.0.0.1:8786")
    if group == "priors" and option in ("ishigami", "sobol_g"):
        overrides.append(f"model={option}")
    plain = compose_plain(overrides)
    settings = config.load(plain)
    assert settings.design.rows > 0
    if group == "experiment":
        assert plain["task"] == option


def test_paper_priors_are_all_fixed_and_literature_priors_are_not():
    paper = config.load(compose_plain(["priors=paper"]))
    assert paper.uncertain == []
    lit = config.load(compose_plain([]))
    assert {"alpha", "g_alg", "g_hw", "g_inv", "g_inf"} <= set(lit.uncertain)


def test_one_scalar_override_changes_one_prior():
    base = config.load(compose_plain([]))
    pinned = config.load(compose_plain(["priors.g_inv.value=5"]))
    assert pinned.priors["g_inv"].fixed and pinned.priors["g_inv"].params["value"] == 5.0
    assert "g_inv" not in pinned.uncertain and len(pinned.uncertain) == len(base.uncertain) - 1
    moved = config.load(compose_plain(["priors.alpha.low=0.16"]))
    assert moved.priors["alpha"].support == (0.16, 0.18)


def images(path):
    pngs = sorted(path.glob("*.png"))
    for png in pngs:
        img = mpimg.imread(png)
        assert img.ndim == 3 and img.shape[0] > 200 and img.shape[1] > 300, png
        assert float(np.std(img[..., :3])) > 0.02, f"{png} looks blank"
    return [p.name for p in pngs]


def test_summary_prints_the_paper_numbers(tmp_path):
    res = run_cli([], tmp_path / "run")
    assert res.returncode == 0, res.stderr
    paper_block = res.stdout.split("\n\n")[1]  # the authors' setting comes first
    lines = {line.rsplit(None, 1)[0].strip(): line.split()[-1]
             for line in paper_block.splitlines() if line.startswith("  ")}
    assert float(lines["t_peak [yr]"]) == pytest.approx(3.36, abs=0.01)
    assert float(lines["peak gap [nats]"]) == pytest.approx(0.212, abs=0.001)
    assert float(lines["inference catch-up [yr]"]) == pytest.approx(1.33, abs=0.01)
    assert float(lines["inference catch-up at g_inf 2.8 [yr]"]) == pytest.approx(4.10, abs=0.01)


def test_fan_experiment_end_to_end(tmp_path):
    run = tmp_path / "run"
    res = run_cli(["experiment=fan", "sampler.n=300", "time.steps=31"], run)
    assert res.returncode == 0, res.stderr
    with xr.open_dataset(run / "scenarios.nc") as ds:
        assert ds.sizes == {"scenario": 300, "t": 31}
        assert "loss_gap" in ds and "t_peak" in ds and "config_yaml" in ds.attrs
    with xr.open_dataset(run / "fan.nc") as fan:
        assert fan["loss_gap"].dims == ("quantile", "t")
    names = images(run)
    assert {"fan_loss_gap.png", "fan_benchmark_gap.png", "fan_inference_gap.png",
            "fan_tokens_to_distinguish.png", "t_peak.png"} <= set(names)


def test_fan_sweep_makes_one_directory_per_job(tmp_path):
    import subprocess
    sweep = tmp_path / "sweep"
    res = subprocess.run([sys.executable, str(ROOT / "run.py"), "-m", "experiment=fan",
                          "sampler.n=100", "time.steps=11", "priors.g_inv.value=2,3.57,6",
                          f"hydra.sweep.dir={sweep}"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stderr
    peaks = []
    for job in ("0", "1", "2"):
        with xr.open_dataset(sweep / job / "scenarios.nc") as ds:
            assert np.all(ds["g_inv"].values == [2.0, 3.57, 6.0][int(job)])
            peaks.append(float(ds["t_peak"].median()))
    assert peaks[0] != peaks[1] != peaks[2]
