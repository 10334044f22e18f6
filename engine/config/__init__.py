"""Configuration: typed sections (:mod:`.schema`) and their turning into objects (:mod:`.settings`)."""

from engine.config.schema import ConfigError, MeekConfig
from engine.config.settings import Settings, build

__all__ = ["ConfigError", "MeekConfig", "Settings", "build"]
