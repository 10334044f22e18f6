"""The command line: ``python run.py [overrides]`` or ``meek [overrides]``, a thin Hydra edge.

``meek NAME [overrides]`` is ``meek experiment=NAME [overrides]`` (e.g. ``meek explore``).

``hydra.main`` parses the command line, composes conf/config.yaml (typed by
:func:`experiments.config.schema`) and runs the job or the sweep with its launcher and sweeper.
Before anything is written, the :class:`Checks` callback checks the composed configuration
(:func:`experiments.config.load`, the same checks as the Python API) and claims the run
directory; for a sweep (``-m``) it checks every job before the first starts. Bad input ends with
one line on stderr naming the key and the value, exit status 2, and no files; composition
errors are translated by :func:`experiments.config.translate`. The experiment then writes into
its run directory's staging area, published only when it has finished, and the run ends with
one line naming its directory and its report. Only Hydra's public API is used (``hydra.main``,
``compose``, callbacks, the override parser, ``HydraConfig``).
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, open_dict, read_write

from engine.config import ConfigError
from engine.resources import conf_dir, tune_malloc
from engine.runs import RECORD, RunDir, RunDirError, finished, foreign, take_lock
from experiments import config as configuration
from experiments.job import Interrupted, abandon, claim, execute, results_line

#: the sweep directory's lock, and the files a sweep writes there at its end
SWEEP_LOCK = ".meek.sweep.lock"
SWEEP_FILES = ("sweep.nc", "sweep.md", "sweep_overlay.png", "report.html")
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
#: Flags after which Hydra shows something and runs nothing: no checks, Hydra's own output.
SHOW = ("help", "hydra_help", "cfg", "info", "shell_completion", "version")


def fail(message: object, code: int = EXIT_BAD_INPUT) -> NoReturn:
    print("error: " + " ".join(str(message).split()), file=sys.stderr)
    sys.exit(code)


@dataclass
class _State:
    """What the checks hand to the job of a single run (one process runs one command)."""

    prepared: configuration.Prepared | None = None
    run: RunDir | None = None
    started: bool = False  # the experiment began: an exception now is not bad input
    published: bool = False  # the run is complete: a signal now stops nothing
    sweep_lock: int | None = None  # the sweep directory's lock, held while the sweep runs
    resume_sweep: bool = False  # resume=true on a sweep: finished jobs are kept, others run


STATE = _State()


# ----------------------------------------------------------------------------- the callbacks


class Refused(BaseException):
    """Carries a callback's exception past Hydra, which turns a callback's Exception into a
    warning and goes on (a BaseException stops it); :func:`main` reports ``error``."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def _refusing(method: Any) -> Any:
    def wrapped(self: Any, config: DictConfig, **kwargs: Any) -> None:
        try:
            method(self, config, **kwargs)
        except Exception as err:
            raise Refused(err) from err
    wrapped.__doc__ = method.__doc__
    return wrapped


class Checks(Callback):
    """Hydra callback: everything is checked before Hydra writes anything (registered first in
    conf/config.yaml's ``hydra.callbacks``)."""

    @_refusing
    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        if not str(config.hydra.run.dir).strip():
            raise ConfigError("hydra.run.dir='': empty (it would write into the current "
                              "directory); give a directory, e.g. hydra.run.dir=outputs/mine")
        prepared = configuration.load(config)
        run = RunDir(Path(str(config.hydra.run.dir)).expanduser().absolute())
        writable("hydra.run.dir", run.path)
        try:
            claim(prepared, run)
        except OSError as err:
            raise ConfigError(f"hydra.run.dir={str(run.path)!r}: cannot be written "
                              f"({type(err).__name__})") from err
        except RunDirError:
            if STATE.run is None and run.path.exists() and not any(run.path.iterdir()):
                run.path.rmdir()
            raise
        STATE.prepared, STATE.run = prepared, run

    @_refusing
    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        from hydra import compose

        task = [str(o) for o in config.hydra.overrides.task]
        params = config.hydra.sweeper.get("params") or {}
        task = [*(f"{k}={v}" for k, v in params.items()), *task]
        sweep_dir = Path(str(config.hydra.sweep.dir))
        name = config.hydra.job.config_name
        swept, fixed = swept_keys(task)
        naming = [f"hydra.job.config.override_dirname.exclude_keys=[{','.join(fixed)}]"] \
            if fixed and swept else []  # job folders are named by the swept keys alone
        folders: dict[Path, list[str]] = {}
        grids: dict[tuple[str, float, int], list[str]] = {}
        resume = False
        for job in jobs(task):
            try:
                cfg = compose(config_name=name, overrides=[*job, *naming],
                              return_hydra_config=True)
            except Exception as err:  # this job's overrides name the key and the value
                raise ConfigError(configuration.translate(err, job)) from err
            configuration.load(cfg, job)
            resume = bool(cfg.resume)
            subdir = sweep_dir / str(cfg.hydra.sweep.subdir)
            if subdir in folders:
                same = [o for o in job if o.partition("=")[0].lstrip("+~") in swept]
                raise ConfigError(f"{' '.join(same)}: swept twice (two jobs would share the "
                                  f"folder {subdir.name}); name each value once")
            folders[subdir] = job
            grids.setdefault((str(cfg.task), float(cfg.time.stop), int(cfg.time.steps)),
                             job)
            if finished(subdir) and not resume:
                raise ConfigError(f"hydra.sweep.dir={str(sweep_dir)!r}: job {subdir.name} holds "
                                  "a finished run; choose another sweep directory (or add "
                                  "resume=true to finish an interrupted sweep)")
        if len(grids) > 1:
            a, b = list(grids.values())[:2]
            kinds = sorted({k[0] for k in grids})
            what = (f"experiments ({', '.join(kinds)})" if len(kinds) > 1 else
                    "time grids (time.stop, time.steps: " +
                    ", ".join(f"{k[1]:g}/{k[2]}" for k in grids) + ")")
            raise ConfigError(f"{' '.join(o for o in a if o not in b)} and "
                              f"{' '.join(o for o in b if o not in a)}: the jobs "
                              f"would mix {what}, and a sweep collates jobs of one experiment "
                              "on one time grid; run one sweep for each")
        record = (sweep_dir / "multirun.yaml").exists()
        if finished(sweep_dir) or (record and not resume):
            raise ConfigError(f"hydra.sweep.dir={str(sweep_dir)!r}: holds a finished run or "
                              "sweep; choose another directory (or add resume=true to finish "
                              "an interrupted sweep)")
        if resume and not record:
            raise ConfigError(f"resume=true: hydra.sweep.dir={str(sweep_dir)!r} holds no "
                              "interrupted sweep to finish; run without resume=true")
        other = [n for n in foreign(sweep_dir, ("multirun.yaml", SWEEP_LOCK, *SWEEP_FILES))
                 if not (sweep_dir / n).is_dir()] if sweep_dir.is_dir() else []
        if other:
            raise ConfigError(f"hydra.sweep.dir={str(sweep_dir)!r}: holds files meek did not "
                              f"write ({', '.join(other[:5])}); choose a new or empty directory")
        writable("hydra.sweep.dir", sweep_dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        fd, owner = take_lock(sweep_dir / SWEEP_LOCK)
        if fd is None:
            raise ConfigError(f"hydra.sweep.dir={str(sweep_dir)!r}: in use by another meek "
                              f"sweep (pid {owner}); choose another directory")
        STATE.sweep_lock = fd  # held until this process ends
        STATE.resume_sweep = resume
        with read_write(config.hydra), open_dict(config.hydra):
            config.hydra.sweep.dir = str(sweep_dir)  # one time stamp for every job
            config.hydra.overrides.hydra.extend(naming)


def jobs(overrides: Sequence[str]) -> Iterator[list[str]]:
    """The override lists of a sweep's jobs, as Hydra's basic sweeper makes them (a sweep that
    is not a list of values, e.g. an optimiser's interval, is checked when each job starts)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    choices = []
    for o in OverridesParser.create().parse_overrides(list(overrides)):
        key = o.get_key_element()
        if o.is_sweep_override() and o.is_discrete_sweep():
            choices.append([f"{key}={v}" for v in o.sweep_string_iterator()])
        elif not o.is_sweep_override():
            choices.append([f"{key}={o.get_value_element_as_str()}"])
    yield from (list(c) for c in itertools.product(*choices))


def swept_keys(overrides: Sequence[str]) -> tuple[list[str], list[str]]:
    """(swept keys, fixed keys) of a sweep's overrides."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides(list(overrides))
    return ([o.key_or_group for o in parsed if o.is_sweep_override()],
            [o.key_or_group for o in parsed if not o.is_sweep_override()])


def writable(key: str, path: Path) -> None:
    """Refuse a directory that cannot be created and written, leaving nothing behind."""
    probe = path.expanduser().absolute()
    while not probe.exists():
        probe = probe.parent
    try:
        if not probe.is_dir():
            raise NotADirectoryError(str(probe))
        tempfile.TemporaryDirectory(dir=probe).cleanup()
    except OSError as err:
        raise ConfigError(f"{key}={str(path)!r}: cannot be written ({type(err).__name__})"
                          ) from None


# ----------------------------------------------------------------------------- the job


def task(cfg: DictConfig) -> float:
    """Hydra's task function: a single run (checked by :class:`Checks`) or a sweep's job."""
    from hydra.core.hydra_config import HydraConfig

    hydra_cfg = HydraConfig.get()
    prepared, run = STATE.prepared, STATE.run
    if prepared is None or str(hydra_cfg.mode) == "RunMode.MULTIRUN":
        overrides = list(hydra_cfg.overrides.task)
        sources = [Path(s.path) for s in hydra_cfg.runtime.config_sources if s.schema == "file"]
        run = RunDir(hydra_cfg.runtime.output_dir)
        if STATE.resume_sweep and finished(run.path):  # a sweep finished: this job is kept
            print(results_line(run.path) + " (finished before; kept)", flush=True)
            return 0.0
        try:
            prepared = configuration.load(cfg, overrides, sources)
            claim(prepared, run, created=RECORD,  # Hydra wrote the job's record already
                  optional_resume=STATE.resume_sweep)
        except (ConfigError, RunDirError) as err:
            abandon(run)
            fail(err)
    assert run is not None
    STATE.run, STATE.started, STATE.published = run, True, False
    try:
        value = execute(prepared, run)
    except Interrupted as err:
        fail(err, err.code)
    except (ConfigError, ValueError, TypeError, FileNotFoundError, OSError) as err:
        if prepared.settings.config.debug:
            raise
        fail(err)
    STATE.published = True
    print(results_line(run.path), flush=True)
    return value


def _published() -> bool:
    """Whether this process's single run is published, complete (a sweep's job is not the
    sweep: a signal between its jobs stops the sweep)."""
    single = STATE.prepared is not None  # the checks prepared one run (not a sweep)
    return single and (STATE.published or (STATE.run is not None and finished(STATE.run.path)))


def _on_signal(signum: int, _frame: object) -> None:
    if _published():  # the run is complete: nothing to stop
        raise SystemExit(0)
    raise SystemExit(128 + signum)  # unwinds through every atomic write's cleanup


# ----------------------------------------------------------------------------- main


def arguments(argv: Sequence[str]) -> argparse.Namespace:
    """The few of Hydra's flags the edge reads before Hydra runs (Hydra parses them again)."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("overrides", nargs="*")
    p.add_argument("--help", "-h", action="store_true")
    p.add_argument("--hydra-help", action="store_true")
    p.add_argument("--version", action="store_true")
    p.add_argument("--cfg", "-c")
    p.add_argument("--resolve", action="store_true")
    p.add_argument("--package", "-p")
    p.add_argument("--run", "-r", action="store_true")
    p.add_argument("--multirun", "-m", action="store_true")
    p.add_argument("--shell-completion", "-sc", action="store_true")
    p.add_argument("--config-path", "-cp")
    p.add_argument("--config-name", "-cn")
    p.add_argument("--config-dir", "-cd")
    p.add_argument("--experimental-rerun")
    p.add_argument("--info", "-i", nargs="?", const="all")
    return p.parse_known_args(list(argv))[0]


@contextmanager
def _process(argv: Sequence[str]) -> Iterator[None]:
    """sys.argv for hydra.main, full exceptions from Hydra (translated here), SIGTERM as an
    exit that unwinds; all restored afterwards (the tests call :func:`main` in-process)."""
    saved_argv, saved_env = sys.argv, os.environ.get("HYDRA_FULL_ERROR")
    saved_signal = signal.signal(signal.SIGTERM, _on_signal)
    sys.argv = [sys.argv[0] if sys.argv else "run.py", *argv]
    os.environ["HYDRA_FULL_ERROR"] = "1"
    try:
        yield
    finally:
        sys.argv = saved_argv
        if saved_env is None:
            os.environ.pop("HYDRA_FULL_ERROR", None)
        else:
            os.environ["HYDRA_FULL_ERROR"] = saved_env
        signal.signal(signal.SIGTERM, saved_signal)
        STATE.prepared, STATE.run, STATE.started = None, None, False
        STATE.published = False
        if STATE.sweep_lock is not None:
            os.close(STATE.sweep_lock)
        STATE.sweep_lock, STATE.resume_sweep = None, False


def named_experiment(argv: Sequence[str]) -> list[str]:
    """``NAME overrides...`` as ``experiment=NAME overrides...`` (a first word that is neither
    an override nor a flag names the experiment); an unknown name is bad input."""
    argv = list(argv)
    if not argv or argv[0].startswith(("-", "+", "~")) or "=" in argv[0]:
        return argv
    from experiments.base import registry

    names = registry()
    if argv[0] not in names:
        fail(f"experiment={argv[0]!r}: unknown (meek NAME is meek experiment=NAME); allowed: "
             f"{', '.join(n for n in names if n != 'summary')}")
    return [f"experiment={'null' if argv[0] == 'summary' else argv[0]}", *argv[1:]]


def main(argv: Sequence[str] | None = None) -> None:
    """``meek`` / ``python run.py``: check everything, then run (see the module docstring)."""
    import hydra

    argv = named_experiment(sys.argv[1:] if argv is None else argv)
    argv = configuration.replacing_priors([a if a.startswith("-") else configuration.renamed(
        [a], lambda line: print("warning: " + line, file=sys.stderr))[0] for a in argv])
    args = arguments(argv)
    tune_malloc()
    configuration.register()
    app = hydra.main(version_base="1.3", config_path=str(conf_dir()), config_name="config")
    if any(getattr(args, flag) for flag in SHOW):
        saved = sys.argv
        sys.argv = [saved[0] if saved else "run.py", *argv]
        try:
            return app(lambda cfg: None)()
        finally:
            sys.argv = saved
    if args.config_dir is not None and not Path(args.config_dir).is_dir():
        fail(f"--config-dir={args.config_dir!r}: no such directory")
    debug = any(o.lower() == "debug=true" for o in args.overrides)
    with _process(argv):
        try:
            app(task)()
            return
        except Refused as refused:  # a callback's check
            err, started = refused.error, False
        except KeyboardInterrupt:
            if _published():  # after the run was published: it is complete
                if not STATE.published:
                    print(results_line(STATE.run.path), flush=True)
                sys.exit(0)
            fail("interrupted", EXIT_INTERRUPTED)
        except Exception as caught:  # composition, or a crash of the experiment
            err, started = caught, STATE.started
    if debug or (started and not isinstance(err, (ConfigError, RunDirError))):
        raise err
    fail(err if isinstance(err, (ConfigError, RunDirError)) else
         configuration.translate(err, args.overrides))


if __name__ == "__main__":
    main()
