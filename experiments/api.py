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

import pandas as pd
import xarray as xr
from omegaconf import DictConfig, open_dict, read_write

from engine.config import ConfigError
from engine.progress import LISTENERS, Bar
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

    @property
    def report(self) -> Path | None:
        """The run's report.html (None if it wrote none)."""
        path = self.path / "report.html"
        return path if path.exists() else None

    def to_dataframe(self, name: str | None = None) -> pd.DataFrame:
        """A saved summary as a table: ``summary`` (one row per outcome), ``sobol`` (per output
        and factor), ``fan`` (per series and time); by default the first of these the run has.
        The same tables are the run's CSV files."""
        from engine import tables

        if name is None:
            name = next((n for n in tables.FRAMES if n in self.datasets), None)
            if name is None:
                raise KeyError(f"no summary to tabulate in {self.path}; it has "
                               f"{', '.join(self.datasets) or 'no Datasets'}")
        if name not in tables.FRAMES:
            raise KeyError(f"{name!r}: no table of that name; allowed: "
                           f"{', '.join(tables.FRAMES)}")
        return tables.FRAMES[name](self[name])

    def _repr_html_(self) -> str:
        """A notebook's view: where the run is, its report, and its outcomes' medians and 90%
        intervals when it has a summary."""
        import html

        head = (f"<p><b>meek run</b> <code>{html.escape(str(self.path))}</code>"
                f" (value {self.value:.4g})")
        if self.report is not None:
            head += f" &middot; <a href='{self.report.as_uri()}' target='_blank'>report.html</a>"
        head += "</p><p>Datasets: " + ", ".join(
            f"<code>result[{n!r}]</code>" for n in self.datasets) + "</p>"
        if "summary" not in self.datasets:
            return head
        frame = self.to_dataframe("summary")
        shown = frame[["label", "unit", "q50", "q5", "q95"]].rename(
            columns={"q50": "median", "q5": "5%", "q95": "95%"})
        return head + shown.to_html(float_format=lambda v: f"{v:.3g}", border=0)


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
        run_dir: str | Path | None = None, progress: bool = True) -> Result:
    """Run ``experiment`` (``python run.py --help`` lists them) with ``overrides``.

    Parameters
    ----------
    experiment : str or None
        The experiment's name, as in ``experiment=NAME`` (None: as the overrides say).
    overrides : str or sequence of str
        Command-line overrides, e.g. ``["priors.g_inv.value=5", "actor=startup"]``.
    run_dir : path, optional
        Where the results go (a new directory; a finished run's directory is refused).
    progress : bool
        Show a progress bar while the model is evaluated (in Jupyter an HTML bar updated in
        place, elsewhere one line on stdout); the log lines go to run.log either way.

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
    bar = Bar() if progress else None
    if bar is not None:
        LISTENERS.append(bar)
    try:
        value = execute(prepared, target, run_log=True)
    except BAD_INPUT as err:
        if isinstance(err, ConfigError) or prepared.settings.config.debug:
            raise
        raise ConfigError(" ".join(str(err).split())) from err
    finally:
        if bar is not None:
            LISTENERS.remove(bar)
    datasets = {p.stem: xr.load_dataset(p) for p in sorted(target.path.glob("*.nc"))}
    return Result(target.path, value, datasets)
