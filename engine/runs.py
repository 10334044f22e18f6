"""Run directories: owned by one run at a time, written through a staging area, published whole.

A run claims its directory with an exclusive lock (a second run in the same directory is refused
with the first one's process id), refuses a directory that holds a finished run, and writes every
result into ``.staging``. Only when the experiment has finished are the files moved into place
and the run marked complete (``.meek_complete``). A run that fails or is interrupted leaves no
result beside Hydra's own log; a streamed store it had started stays in ``.staging`` so that
``resume=true`` can finish it.
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import json
import logging
import os
import shutil
import signal
import threading
from pathlib import Path

log = logging.getLogger("meek")

LOCK = ".meek.lock"
DONE = ".meek_complete"
STAGING = ".staging"


def take_lock(path: Path) -> tuple[int | None, str]:
    """An exclusive lock on ``path`` (created if missing), held until its descriptor is closed or
    the process ends: (descriptor, "") with this process's pid written in it, or (None, the pid
    the holder wrote) when another process holds it."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        owner = os.read(fd, 64).decode(errors="replace").strip() or "?"
        os.close(fd)
        return None, owner
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())
    return fd, ""


class RunDirError(ValueError):
    """A run directory that this run may not use; the message says why and what to do."""


def finished(path: Path) -> bool:
    return (Path(path) / DONE).exists()


#: what a meek run writes into its directory besides its results (Hydra's record, the log)
RECORD = (".hydra", "run.log")
#: what marks a directory a meek run has claimed
OURS = (LOCK, STAGING, DONE)


def resumable(path: Path) -> bool:
    """Whether ``path`` holds an interrupted streamed run (a store being built, or built and
    not yet published: its chunk markers stay until the run is published)."""
    staging = Path(path) / STAGING
    return staging.is_dir() and any(staging.glob("*.partial"))


def foreign(path: Path, created: tuple[str, ...] = ()) -> list[str]:
    """The entries of ``path`` that no meek run wrote: anything but a run's lock, staging area
    and record (the record counts only in a directory a meek run has claimed, or when this run
    has just ``created`` it)."""
    path = Path(path)
    if not path.is_dir():
        return []
    entries = {p.name for p in path.iterdir()}
    ours = set(OURS) | set(created)
    if LOCK in entries:
        ours |= set(RECORD)
    return sorted(entries - ours)


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:5])
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")


class RunDir:
    """One run's directory (see the module docstring).

    Example
    -------
    >>> import tempfile
    >>> run = RunDir(Path(tempfile.mkdtemp()) / "run")
    >>> run.claim()
    >>> _ = run.file("a.txt").write_text("result")
    >>> run.publish()
    ['a.txt']
    >>> finished(run.path)
    True
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.staging = self.path / STAGING
        self._fd: int | None = None

    def claim(self, resume: bool = False, created: tuple[str, ...] = ()) -> None:
        """Lock the directory for this process and prepare the staging area.

        The directory must be new, empty or a meek run's (:func:`foreign`: files meek did not
        write are never overwritten or removed); ``created`` names what this run has already
        written there itself (a sweep job's record, written by Hydra before the job starts).
        With ``resume`` it must hold an interrupted run."""
        if self._fd is not None:
            return
        where = f"hydra.run.dir={str(self.path)!r}"
        if finished(self.path):
            raise RunDirError(f"{where} holds a finished run; choose "
                              "another directory (or delete this one to run it again)")
        if self.path.exists() and not self.path.is_dir():
            raise RunDirError(f"{where}: is a file, not a directory; choose a directory")
        other = foreign(self.path, created)
        if other:
            raise RunDirError(f"{where} holds files meek did not write ({_listing(other)}); "
                              "choose a new or empty directory")
        if resume and not resumable(self.path):
            raise RunDirError(f"resume=true: {where} holds no interrupted run to resume "
                              f"({'it does not exist' if not self.path.exists() else 'no store was being written there'}); "
                              "run without resume=true")
        self.path.mkdir(parents=True, exist_ok=True)
        fd, owner = take_lock(self.path / LOCK)
        if fd is None:
            raise RunDirError(f"hydra.run.dir={str(self.path)!r} is in use by another meek run "
                              f"(pid {owner}); choose another directory")
        self._fd = fd
        if self.staging.exists() and not resume:
            if resumable(self.path):
                self.release()
                raise RunDirError(f"hydra.run.dir={str(self.path)!r} holds an interrupted run: "
                                  "add resume=true to finish it, or delete the directory")
            shutil.rmtree(self.staging)
        self.staging.mkdir(exist_ok=True)

    def check_resume(self, fingerprint: str) -> None:
        """With resume=true: refuse before anything is written if the interrupted store in this
        directory was started with another configuration."""
        for layout in self.staging.glob("*.chunks.partial/layout.json"):
            try:
                found = json.loads(layout.read_text()).get("fingerprint")
            except (OSError, ValueError):
                continue
            if found != fingerprint:
                raise RunDirError(f"resume=true: the interrupted run in hydra.run.dir="
                                  f"{str(self.path)!r} was started with another configuration; "
                                  "resume it with the same overrides, or start a new directory")

    def file(self, name: str) -> Path:
        """Where a result is written until the run is published."""
        return self.staging / name

    def publish(self) -> list[str]:
        """Move every staged result into place and mark the run complete.

        SIGINT and SIGTERM are deferred while the files move (and delivered afterwards), so a
        signal cannot leave half the results published; the completion record comes last.
        """
        from engine import io

        io.settle(self.staging)  # results still being written by a thread
        caught: list[int] = []
        previous = {}
        if threading.current_thread() is threading.main_thread():  # handlers live there
            for sig in (signal.SIGINT, signal.SIGTERM):  # defer, then deliver after the move
                previous[sig] = signal.signal(sig, lambda signum, _frame: caught.append(signum))
        try:
            names = sorted(p.name for p in self.staging.iterdir()
                           if not p.name.endswith(".partial"))
            for name in names:
                target = self.path / name
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)
                os.replace(self.staging / name, target)
            for markers in self.staging.glob("*.partial"):  # a published store's chunk markers
                shutil.rmtree(markers) if markers.is_dir() else markers.unlink()
            self.staging.rmdir()
            record = {"finished": _dt.datetime.now(_dt.timezone.utc).isoformat(),
                      "files": names}
            tmp = self.path / (DONE + ".tmp")
            tmp.write_text(json.dumps(record, indent=1))
            os.replace(tmp, self.path / DONE)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            if caught and not finished(self.path):
                os.kill(os.getpid(), caught[0])  # not published: deliver it now
        if caught:  # the run is complete: the signal asked to stop a run that has ended
            log.info("signal %d arrived while publishing; the run is complete", caught[0])
        self.release()
        return names

    def discard(self) -> None:
        """Remove staged results after a failure, keeping a resumable store."""
        from engine import io

        io.settle(self.staging, raise_errors=False)  # a writer thread finishes first
        if self.staging.exists():
            for entry in self.staging.iterdir():
                if entry.name.endswith(".partial") and entry.is_dir():
                    continue
                if (self.staging / (entry.name + ".chunks.partial")).is_dir():
                    continue  # a finished store not yet published: resume=true starts from it
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
            if not any(self.staging.iterdir()):
                self.staging.rmdir()
        self.release()

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # the lock file stays: unlinking it would race with a waiter
            self._fd = None
