"""python run.py experiment=explore (or meek explore): a local page where the priors and choices
of the fan experiment move and its fans, key numbers and drivers follow (engine/explore/)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from engine.config import Settings
from engine.config.checks import fail, within
from engine.runs import RunDir
from experiments.base import Experiment

#: Command-line keys that configure the explorer itself, not the page's fan.
OWN = ("experiment", "explore.", "hydra.", "task")


@dataclass
class ExploreConfig:
    host: str = "127.0.0.1"
    port: int = 5006
    outputs: str = "outputs"

    def check(self) -> None:
        within("explore.port", self.port, 0, 65535)
        if not str(self.host).strip():
            fail("explore.host", self.host, "must name an address, e.g. 127.0.0.1")


def initial_overrides(command: str) -> list[str]:
    """The command line's overrides that a page starts from (those of the fan)."""
    words = shlex.split(command)[2:]  # python run.py ...
    return [w for w in words if not w.startswith(OWN)]


class Explore(Experiment):
    name = "explore"
    summary = ("a local web page (Panel): move priors and choices, see the fans, key numbers "
               "and a quick Sobol' ranking update; the URL holds the state")
    writes = "run.log (serves http://127.0.0.1:5006/explore until Ctrl-C)"
    section = ExploreConfig

    def describe(self, s: Settings) -> str:
        return "the fan experiment's scenarios, live"

    def run(self, s: Settings, run: RunDir, attrs: dict) -> float:
        from engine.explore.app import serve

        sec = s.config.explore
        serve(str(sec.host), int(sec.port), initial_overrides(str(attrs.get("command", ""))),
              Path(sec.outputs))
        return 0.0
