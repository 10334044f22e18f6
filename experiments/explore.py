"""python run.py experiment=explore (or meek explore): a local page where the priors and choices
of the fan experiment move and its fans, key numbers and drivers follow (engine/explore/)."""

from __future__ import annotations

import shlex
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from engine.config import Settings
from engine.config.checks import fail, within
from engine.runs import RunDir
from experiments import config as configuration
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


#: Keys that choose a config group option (composed by Hydra); every other key sets a value.
GROUPS = frozenset({"actor", "priors", "inference", "policy", "sampler", "experiment"})


class Composer:
    """The fan run of a page's overrides, checked by the command line's path, quickly.

    Hydra composes a configuration in two steps: it builds the defaults tree from the group
    choices (``actor=startup``) and merges those files, then applies every value override
    (``priors.g_inv.value=5``) with ``OmegaConf.update(cfg, key, value, merge=True)``, in order.
    The first step reads some sixty YAML files (0.3 to 1 s); its result depends on the group
    choices only and is kept here (the last 32). The second step is repeated here on a copy,
    the values parsed by Hydra's own override parser; then :func:`experiments.config.load`
    checks the result exactly as for the command line. An override this cannot apply (an
    unknown key, a value of the wrong type) goes the whole way through
    :func:`experiments.config.prepare`, whose refusal is the command line's line.
    tests/test_explore.py checks that both ways give the same fingerprint.
    """

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self.bases: OrderedDict[tuple[str, ...], DictConfig] = OrderedDict()
        self.lock = threading.Lock()  # Hydra's global state: one composition at a time

    def base(self, groups: tuple[str, ...]) -> DictConfig:
        with self.lock:
            cfg = self.bases.get(groups)
            if cfg is None:
                cfg = configuration.compose(list(groups))
                self.bases[groups] = cfg
                while len(self.bases) > self.size:
                    self.bases.popitem(last=False)
            self.bases.move_to_end(groups)
            return cfg.copy()

    def __call__(self, overrides: Sequence[str]) -> configuration.Prepared:
        """The checked fan run of ``experiment=fan`` with ``overrides``."""
        from hydra.core.override_parser.overrides_parser import OverridesParser

        full = ["experiment=fan", *overrides]
        try:
            parsed = OverridesParser.create().parse_overrides(full)
        except Exception:
            return self.slow(full)
        groups = tuple(sorted(o.input_line for o in parsed if o.key_or_group in GROUPS
                              and o.package is None))  # one option per group: order is moot
        values = [o for o in parsed if o.input_line not in groups]
        if any(o.is_add() or o.is_delete() or o.is_force_add() or o.package is not None
               or o.is_sweep_override() for o in values):
            return self.slow(full)
        cfg = self.base(groups)
        try:
            for o in values:
                key = o.key_or_group
                parent, _, last = key.rpartition(".")
                node = OmegaConf.select(cfg, parent) if parent else cfg
                if not isinstance(node, DictConfig) or last not in node:
                    return self.slow(full)
                OmegaConf.update(cfg, key, o.value(), merge=True)
        except Exception:
            return self.slow(full)
        return configuration.load(cfg, full)

    def slow(self, full: list[str]) -> configuration.Prepared:
        with self.lock:
            return configuration.prepare(full)


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
              Path(sec.outputs), Composer())
        return 0.0
