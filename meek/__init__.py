"""meek: the Python API under one name.

``import meek`` gives what a notebook needs; the packages behind it stay ``engine`` (the model
and the numerics) and ``experiments`` (the jobs and the command line).

Example
-------
>>> import meek                                                             # doctest: +SKIP
>>> result = meek.run("fan", ["sampler.n=2000"])                            # doctest: +SKIP
>>> result.to_dataframe("summary")                                          # doctest: +SKIP
>>> result          # doctest: +SKIP

In Jupyter the last line shows the medians, 90% intervals and the report's link.

Names
-----
run, compose, Result
    Run an experiment with command-line overrides; its Datasets, tables and report
    (:mod:`experiments.api`).
ConfigError
    Bad input, its text the command line's one-line error.
experiments
    The experiments by name, each with a one-line summary (``python run.py --help``).
label, unit, nats_in_words
    Words and units for any factor, outcome or series (:mod:`engine.reports.labels`).
summary_frame, sobol_frame, fan_frame
    Saved Datasets as pandas tables (:mod:`engine.tables`).
Params, PAPER
    The model's parameter record and the authors' setting (:mod:`engine.model`).
"""

from __future__ import annotations

from engine import __version__
from engine.config import ConfigError
from engine.model.params import PAPER, Params
from engine.reports.labels import label, nats_in_words, unit
from engine.tables import fan_frame, sobol_frame, summary_frame
from experiments.api import Result, compose, run


def experiments() -> dict[str, str]:
    """Every experiment's name and what it does."""
    from experiments.base import registry

    return {name: e.summary for name, e in registry().items()}


__all__ = ["PAPER", "ConfigError", "Params", "Result", "__version__", "compose", "experiments",
           "fan_frame", "label", "nats_in_words", "run", "sobol_frame", "summary_frame", "unit"]
