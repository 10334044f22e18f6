"""A Python API for notebooks: run a named experiment with overrides, get its Datasets back.

Example
-------
>>> from experiments.api import run                                          # doctest: +SKIP
>>> result = run("fan", ["sampler.n=2000", "time.steps=61"])                 # doctest: +SKIP
>>> result["fan"]["loss_gap"].sel(quantile=0.5)                              # doctest: +SKIP

The run goes through the command line's configuration path (:func:`experiments.config.prepare`:
the same composition, the same checks, one :class:`~engine.config.ConfigError` whose text is the
line the command line prints) and runs like it (:func:`experiments.job.execute`: staged and
published whole, run.log beside the results, nothing left behind on bad input) in its own run
directory (``outputs/<task>/<time>`` unless ``run_dir`` is given).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import xarray as xr
from omegaconf import DictConfig, open_dict, read_write

from engine.config import ConfigError
from engine.runs import RunDir, RunDirError
from experiments import config as configuration
from experiments.job import BAD_INPUT, claim, execute


@dataclass
class Result:
    """A finished run: its directory, the value the experiment returns, its Datasets by name."""

    path: Path
    value: float
    datasets: Mapping[str, xr.Dataset] = field(default_factory=dict)

    def __getitem__(self, name: str) -> xr.Dataset:
        return self.datasets[name]

    @property
    def files(self) -> list[str]:
        return sorted(p.name for p in self.path.iterdir() if not p.name.startswith("."))


def overrides_for(experiment: str | None, overrides: str | Sequence[str]) -> list[str]:
    """The command line's overrides for ``experiment`` (None: as the overrides say)."""
    given = configuration.as_overrides(overrides)
    named = [o.partition("=")[2] for o in given if o.partition("=")[0] == "experiment"]
    if experiment is None:
        return given
    wanted = "null" if experiment == "summary" else experiment
    if any(n != wanted for n in named):
        raise ConfigError(f"experiment={named[-1]!r}: the overrides name another experiment "
                          f"than {experiment!r}; name it once")
    return given if named or wanted == "null" else [*given, f"experiment={wanted}"]


def compose(experiment: str | None = "summary", overrides: str | Sequence[str] = ()
            ) -> DictConfig:
    """The composed (typed) configuration of an experiment with overrides, as the command line
    makes it (without Hydra's own node); a ConfigError if it cannot be composed."""
    cfg = configuration.compose(overrides_for(experiment, overrides))
    with open_dict(cfg), read_write(cfg):
        cfg.pop("hydra", None)
    return cfg


def run(experiment: str | None = "summary", overrides: str | Sequence[str] = (), *,
        run_dir: str | Path | None = None) -> Result:
    """Run ``experiment`` (``python run.py --help`` lists them) with ``overrides``.

    Parameters
    ----------
    experiment : str or None
        The experiment's name, as in ``experiment=NAME`` (None: as the overrides say).
    overrides : str or sequence of str
        Command-line overrides, e.g. ``["priors.g_inv.value=5", "actor=startup"]``.
    run_dir : path, optional
        Where the results go (a new directory; a finished run's directory is refused).

    Returns
    -------
    Result
        ``result["fan"]`` is fan.nc as an xarray Dataset (loaded), likewise every .nc file.

    Raises
    ------
    ConfigError
        Bad input, with the line the command line would print.
    """
    if run_dir is not None and not str(run_dir).strip():
        raise ConfigError("run_dir='': empty (it would write into the current directory); give "
                          "a directory")
    prepared = configuration.prepare(overrides_for(experiment, overrides))
    stamp = _dt.datetime.now().strftime("%Y-%m-%d_%H-%M-%S-%f")
    task = prepared.settings.config.task
    path = Path(run_dir) if run_dir is not None else Path("outputs") / task / stamp
    target = RunDir(path.absolute())
    try:
        claim(prepared, target)
    except (RunDirError, OSError) as err:
        raise ConfigError(str(err) if isinstance(err, RunDirError) else
                          f"run_dir={str(path)!r}: cannot be written ({type(err).__name__})"
                          ) from err
    try:
        value = execute(prepared, target, run_log=True)
    except BAD_INPUT as err:
        if isinstance(err, ConfigError) or prepared.settings.config.debug:
            raise
        raise ConfigError(" ".join(str(err).split())) from err
    datasets = {p.stem: xr.load_dataset(p) for p in sorted(target.path.glob("*.nc"))}
    return Result(target.path, value, datasets)
