"""Entry point: ``python run.py [experiment=NAME] [overrides...]`` (Hydra).

Hydra composes conf/config.yaml with the overrides; the experiment named by ``task`` runs in the
run directory under outputs/. Bad input ends with one line on stderr and exit status 2.
"""

from __future__ import annotations

import importlib
import logging
import sys

import hydra
from omegaconf import DictConfig

log = logging.getLogger("meek")


@hydra.main(version_base="1.3", config_path="conf", config_name="config")
def main(cfg: DictConfig) -> None:
    from engine.config import ConfigError

    try:
        experiment = importlib.import_module(f"experiments.{cfg.task}")
        experiment.run(cfg)
    except (ConfigError, ValueError, TypeError, FileNotFoundError) as err:
        if cfg.get("debug", False):
            raise
        message = " ".join(str(err).split())
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
