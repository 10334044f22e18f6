"""What every experiment does at the edge: read the config, know the run directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from engine import config


def settings(cfg: DictConfig) -> tuple[config.Settings, dict[str, Any]]:
    """Checked Settings and the attrs every saved Dataset carries (resolved config as YAML)."""
    plain = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(plain, dict)
    s = config.load(plain)
    attrs = {"config_yaml": OmegaConf.to_yaml(cfg, resolve=True), "seed": s.seed,
             "task": str(cfg.task)}
    return s, attrs


def run_dir() -> Path:
    """Hydra's run (or multirun job) directory."""
    return Path(HydraConfig.get().runtime.output_dir)
