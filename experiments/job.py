"""Running a prepared experiment into its run directory, the same for the command line, sweeps
and the Python API: results are staged and published only on success; a run refused or failing
on bad input removes what it created (its lock, Hydra's record, run.log) unless the directory
holds an interrupted run that can be resumed."""

from __future__ import annotations

import errno
import logging
import os
import shutil
import signal
from pathlib import Path

from engine import io
from engine.compilation import COMPILE_SECONDS, kernel_cached
from engine.config import ConfigError
from engine.runs import RunDir, resumable
from experiments.config import Prepared

log = logging.getLogger("meek")

#: Errors a run reports as bad input (one line, exit 2) when they surface during the work.
BAD_INPUT = (ConfigError, ValueError, TypeError, FileNotFoundError, OSError)
LOG_FORMAT = "[%(asctime)s][%(name)s][%(levelname)s] - %(message)s"  # Hydra's job log format


class Interrupted(Exception):
    """Ctrl-C or SIGTERM during a run; the message says how to finish it if it can be resumed,
    ``code`` is the exit status (128 + the signal)."""

    def __init__(self, message: str, code: int = 130) -> None:
        super().__init__(message)
        self.code = code


def claim(p: Prepared, run: RunDir, created: tuple[str, ...] = (),
          optional_resume: bool = False) -> None:
    """Own the run directory (refused: a RunDirError naming it); with resume=true, check the
    interrupted run there was started with the same configuration. ``created``: what this run
    has written there already (:meth:`engine.runs.RunDir.claim`); ``optional_resume`` (a job of
    a resumed sweep): resume if there is something to resume, else start afresh."""
    resume = bool(p.settings.config.resume) and (not optional_resume or resumable(run.path))
    run.claim(resume=resume, created=created)
    if resume:
        try:
            run.check_resume(p.settings.fingerprint)
        except BaseException:
            run.release()
            raise


def execute(p: Prepared, run: RunDir, *, run_log: bool = False) -> float:
    """Run the experiment into the claimed ``run``; publish on success.

    Parameters
    ----------
    p : Prepared
        The checked run (:func:`experiments.config.prepare` or ``load``).
    run : RunDir
        Its claimed directory.
    run_log : bool
        Write ``run.log`` in the run directory (the command line's Hydra does it itself).
    """
    handler = None
    if run_log:
        handler = logging.FileHandler(run.path / "run.log")
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        log.addHandler(handler)
        if log.level == logging.NOTSET or log.level > logging.INFO:
            log.setLevel(logging.INFO)
    from experiments.common import CURRENT_PHASE

    CURRENT_PHASE[0] = "start"
    try:
        s = p.settings
        if p.experiment.evaluates and s.config.model.name == "meek" and \
                s.config.model.backend == "numba" and kernel_cached() is False:
            log.info("compiling the kernel once (about %d s; later runs reuse it)",
                     COMPILE_SECONDS)
        value = p.experiment.run(s, run, p.attrs)
        io.settle(run.staging)  # files written behind the run's later phases
    except KeyboardInterrupt:
        run.discard()
        raise Interrupted(f"interrupted{_hint(run)}") from None
    except SystemExit as stop:  # SIGTERM (experiments.cli turns it into an exit that unwinds)
        run.discard()
        if stop.code == 128 + signal.SIGTERM:
            raise Interrupted(f"terminated{_hint(run)}", stop.code) from None
        raise
    except BAD_INPUT as err:
        run.discard()
        abandon(run)
        if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT):
            raise disk_full(run, err) from None
        raise
    except BaseException:
        run.discard()
        raise
    finally:
        if handler is not None:
            log.removeHandler(handler)
            handler.close()
    run.publish()
    return float(value)


def disk_full(run: RunDir, err: OSError) -> OSError:
    """A full disk (or quota) in one line: the directory, the phase, what is free."""
    from engine.resources import human_bytes
    from experiments.common import CURRENT_PHASE

    probe = run.path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        free = human_bytes(shutil.disk_usage(probe).free)
    except OSError:
        free = "?"
    what = "disk quota exceeded" if err.errno == errno.EDQUOT else "no space left on the device"
    return OSError(f"hydra.run.dir={str(run.path)!r}: {what} while writing "
                   f"{Path(err.filename).name if err.filename else 'results'} in phase "
                   f"'{getattr(err, 'phase', '') or CURRENT_PHASE[0]}' ({free} free there){_hint(run)}; free some space or "
                   "choose another hydra.run.dir")


def _hint(run: RunDir) -> str:
    return (f" (finish it: the same command with resume=true hydra.run.dir={run.path})"
            if resumable(run.path) else "")


def abandon(run: RunDir) -> None:
    """After bad input: remove what this run created (Hydra's record, run.log, the lock), unless
    the directory holds an interrupted run, whose record says how to resume it."""
    run.release()
    if resumable(run.path):
        return
    for name in (".hydra", "run.log", ".meek.lock"):
        target = run.path / name
        if target.is_dir():
            shutil.rmtree(target, ignore_errors=True)
        elif target.exists():
            target.unlink()
    if run.path.exists() and not any(run.path.iterdir()):
        run.path.rmdir()


def shown(path: Path) -> str:
    """A path as a user reads it: relative to the working directory when below it."""
    path = Path(path).absolute()
    try:
        return os.path.relpath(path) if path.is_relative_to(Path.cwd()) else str(path)
    except ValueError:
        return str(path)


def results_line(path: Path) -> str:
    """The last line of every run: its directory and its report."""
    where = shown(path)
    report = Path(path) / "report.html"
    return f"results: {where}/" + (f" (report: {where}/report.html)" if report.exists() else
                                   " (run.log; no report for this task)")
