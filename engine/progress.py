"""Progress lines with an estimate of the time left, about every 10% and at most once a second
(the last line always), to the log.

The log goes to the console and to run.log alike, whether or not stdout is a terminal, and the
engine reports progress from the client, so every scheduler (threads, processes, a cluster)
shows it the same way.
"""

from __future__ import annotations

import logging
import time

log = logging.getLogger("meek")


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.1f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


class Progress:
    """Counts work done and logs a line each time another ``step`` of the total is reached.

    Example
    -------
    >>> p = Progress("evaluate", 1000, unit="scenarios")
    >>> p.advance(500)
    >>> p.done
    500
    """

    def __init__(self, label: str, total: int, *, unit: str = "items", step: float = 0.1,
                 min_interval: float = 1.0, logger: logging.Logger = log) -> None:
        self.label, self.total, self.unit, self.step = label, max(int(total), 1), unit, step
        self.logger = logger
        self.done = 0
        self.started = time.perf_counter()
        self._next = step
        self.min_interval = min_interval
        self._last = self.started

    def advance(self, count: int) -> None:
        self.done += int(count)
        share = self.done / self.total
        if share + 1e-12 < self._next and self.done < self.total:
            return
        now = time.perf_counter()
        if self.done < self.total and now - self._last < self.min_interval:
            return  # the next step reached after the interval logs
        while self._next <= share + 1e-12:
            self._next += self.step
        self._last = now
        elapsed = now - self.started
        left = elapsed * (1 - share) / share if share > 0 else float("nan")
        tail = "done" if self.done >= self.total else f"about {_duration(left)} left"
        self.logger.info("%s: %3.0f%% (%s of %s %s), %s elapsed, %s", self.label, 100 * share,
                         f"{self.done:,}", f"{self.total:,}", self.unit, _duration(elapsed),
                         tail)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started
