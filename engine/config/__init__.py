"""Configuration: typed sections every run has (:mod:`.schema`) and their turning into objects
(:mod:`.settings`); the experiments' sections are declared with the experiments."""

from engine.config.schema import ConfigError, RunConfig
from engine.config.settings import Settings, build, check_names, make_priors

__all__ = ["ConfigError", "RunConfig", "Settings", "build", "check_names", "make_priors"]
