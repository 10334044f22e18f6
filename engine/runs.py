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


class RunDirError(ValueError):
    """A run directory that this run may not use; the message says why and what to do."""


def finished(path: Path) -> bool:
    return (Path(path) / DONE).exists()


def resumable(path: Path) -> bool:
    """Whether ``path`` holds an interrupted streamed run."""
    staging = Path(path) / STAGING
    return staging.is_dir() and any(staging.glob("*.partial"))


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

    def claim(self, resume: bool = False) -> None:
        """Lock the directory for this process and prepare the staging area."""
        if self._fd is not None:
            return
        if finished(self.path):
            raise RunDirError(f"hydra.run.dir={str(self.path)!r} holds a finished run; choose "
                              "another directory (or delete this one to run it again)")
        self.path.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path / LOCK, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.read(fd, 64).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise RunDirError(f"hydra.run.dir={str(self.path)!r} is in use by another meek run "
                              f"(pid {owner}); choose another directory") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
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
        caught: list[int] = []
        previous = {}
        if threading.current_thread() is threading.main_thread():  # handlers live there
            for sig in (signal.SIGINT, signal.SIGTERM):  # defer, then deliver after the move
                previous[sig] = signal.signal(sig, lambda signum, _frame: caught.append(signum))
        try:
            names = sorted(p.name for p in self.staging.iterdir())
            for name in names:
                target = self.path / name
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)
                os.replace(self.staging / name, target)
            self.staging.rmdir()
            record = {"finished": _dt.datetime.now(_dt.timezone.utc).isoformat(),
                      "files": names}
            tmp = self.path / (DONE + ".tmp")
            tmp.write_text(json.dumps(record, indent=1))
            os.replace(tmp, self.path / DONE)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            for signum in caught[:1]:
                os.kill(os.getpid(), signum)  # the published run is complete; now stop
        self.release()
        return names

    def discard(self) -> None:
        """Remove staged results after a failure, keeping a resumable store."""
        if self.staging.exists():
            for entry in self.staging.iterdir():
                if entry.name.endswith(".partial") and entry.is_dir():
                    continue
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
