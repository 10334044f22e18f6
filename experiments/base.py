"""What an experiment is: a name, a one-line summary, its section of the configuration, the
checks a type cannot say, and ``run``; every list of experiments is derived from these
declarations (emcee's moves/: each move declares itself behind one small base class).

Declaring a subclass registers it::

    class Fan(Experiment):
        name = "fan"
        summary = "uncertainty fans over time"
        section = FanConfig                  # a dataclass: conf's ``fan:`` keys, typed

        def check(self, s): ...              # names against the simulator, files, ...
        def run(self, s, run, attrs): ...    # -> a float (what a sweeper optimises)

From the registry come the task list, the root configuration class (one optional field per
section, :mod:`experiments.config`), the checks run before any work, and ``--help``.
An experiment's module is ``experiments/<name>.py``; :func:`registry` imports every module of
this package except the edge's own, so a new file is found without editing a list.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any, ClassVar

from engine.config import Settings
from engine.runs import RunDir

#: Modules of this package that are the edge, not experiments.
EDGE = frozenset({"api", "base", "cli", "common", "config", "job", "sweep"})

_REGISTRY: dict[str, type[Experiment]] = {}


class Experiment:
    """One job of ``python run.py experiment=<name>`` (see the module docstring).

    Attributes
    ----------
    name : str
        ``experiment=<name>`` and ``task: <name>`` in its YAML.
    summary : str
        What it does, in one line (``--help``).
    writes : str
        The files it writes, in a few words (``--help``).
    section : type or None
        The dataclass of its configuration section (the key ``<name>:``), or None.
    evaluates : bool
        Whether it evaluates the model (and so may compile the kernel first).
    """

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    writes: ClassVar[str] = ""
    section: ClassVar[type | None] = None
    evaluates: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.name:
            raise TypeError(f"{cls.__qualname__}: an Experiment needs a name")
        known = _REGISTRY.get(cls.name)
        if known is not None and known.__qualname__ != cls.__qualname__:
            raise TypeError(f"experiment {cls.name!r} is declared twice ({known.__module__} "
                            f"and {cls.__module__})")
        _REGISTRY[cls.name] = cls

    def check(self, s: Settings) -> None:
        """What a type cannot say, against the built objects; raise ConfigError naming the key
        and the value. Called before anything is written."""

    def describe(self, s: Settings) -> str:
        """The report header's account of what was sampled (default: the design)."""
        d = s.design
        return f"{d.kind} design, {d.rows:,} scenarios of {len(s.priors.uncertain)} uncertain " \
               f"factors"

    def run(self, s: Settings, run: RunDir, attrs: dict[str, Any]) -> float:
        """Do the work into ``run``'s staging area; return one number (for sweepers)."""
        raise NotImplementedError

    def report(self, run: RunDir, s: Settings, attrs: dict[str, Any], title: str,
               sections: list[Any], summary: Any, files: list[tuple[str, str]],
               sampled: str | None = None) -> None:
        """report.html, its header naming the command and what was sampled (default:
        :meth:`describe`)."""
        from experiments.common import write_report

        write_report(run, s, attrs, title, sections, summary, files,
                     sampled if sampled is not None else self.describe(s))


def registry() -> dict[str, Experiment]:
    """Every declared experiment by name (importing this package's modules once)."""
    here = Path(__file__).resolve().parent
    for info in pkgutil.iter_modules([str(here)]):
        if info.name not in EDGE and not info.name.startswith("_"):
            importlib.import_module(f"{__package__}.{info.name}")
    return {name: cls() for name, cls in sorted(_REGISTRY.items())}


def get(name: str) -> Experiment:
    return registry()[name]
