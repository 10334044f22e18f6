"""A Python API for notebooks: run a named experiment with overrides, get its Datasets back.

Example
-------
>>> from experiments.api import run                                          # doctest: +SKIP
>>> result = run("fan", ["sampler.n=2000", "time.steps=61"])                 # doctest: +SKIP
>>> result["fan"]["loss_gap"].sel(quantile=0.5)                              # doctest: +SKIP

The run is checked exactly as on the command line (one clear ConfigError for bad input) and
written to its own run directory (``outputs/<task>/<time>`` unless ``run_dir`` is given).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import xarray as xr

from engine.runs import RunDir


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


def compose(experiment: str = "summary", overrides: Sequence[str] = ()):  # noqa: ANN201
    """The composed (typed) configuration of an experiment with overrides, as Hydra makes it."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from engine.resources import conf_dir
    from experiments.cli import register_schema

    register_schema()
    args = list(overrides) + ([f"experiment={experiment}"] if experiment != "summary" else [])
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
        return hydra_compose(config_name="config", overrides=args)


def run(experiment: str = "summary", overrides: Sequence[str] = (), *,
        run_dir: str | Path | None = None) -> Result:
    """Run ``experiment`` (fan, sobol, morris, paper, calibrate, discover or summary).

    Parameters
    ----------
    experiment : str
        The experiment's name, as in ``experiment=NAME``.
    overrides : sequence of str
        Command-line overrides, e.g. ``["priors.g_inv.value=5", "actor=startup"]``.
    run_dir : path, optional
        Where the results go (a new directory; a finished run's directory is refused).

    Returns
    -------
    Result
        ``result["fan"]`` is fan.nc as an xarray Dataset (loaded), likewise every .nc file.
    """
    from experiments.cli import experiment as module
    from experiments.cli import load

    cfg = compose(experiment, overrides)
    settings, attrs = load(cfg)
    stamp = _dt.datetime.now().strftime("%Y-%m-%d_%H-%M-%S-%f")
    path = Path(run_dir) if run_dir is not None else Path("outputs") / settings.config.task / stamp
    target = RunDir(path.absolute())
    target.claim(resume=bool(settings.config.resume))
    try:
        value = float(module(settings.config.task).run(settings, target, attrs))
    except BaseException:
        target.discard()
        raise
    target.publish()
    datasets = {p.stem: xr.load_dataset(p) for p in sorted(target.path.glob("*.nc"))}
    return Result(target.path, value, datasets)
