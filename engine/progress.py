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

#: Callables ``f(label, done, total, elapsed_seconds)`` told of every advance (a notebook's bar:
#: :class:`Bar`; the Python API installs one while it runs).
LISTENERS: list = []


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
        for listener in list(LISTENERS):
            listener(self.label, self.done, self.total, time.perf_counter() - self.started)
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


class Bar:
    r"""A progress bar for notebooks and plain consoles alike: an HTML ``<progress>`` element
    updated in place when IPython's display is available (Jupyter), else one line rewritten
    with a carriage return; at most ``fps`` updates a second, the last always.

    Example
    -------
    >>> import io
    >>> out = io.StringIO()
    >>> bar = Bar(stream=out, fps=0)
    >>> bar("evaluate", 5, 10, 1.0); bar("evaluate", 10, 10, 2.0)
    >>> out.getvalue().split("\r")[-1]
    'evaluate: 100% (10 of 10), 2.0 s\n'
    """

    def __init__(self, stream=None, fps: float = 4.0) -> None:
        import sys

        self.stream = stream if stream is not None else sys.stdout
        self.interval = 1.0 / fps if fps > 0 else 0.0
        self._last = -float("inf")
        self._handle = None
        self._display = None
        if stream is None:
            try:  # Jupyter: one element updated in place
                from IPython import get_ipython
                from IPython.display import HTML, display

                if get_ipython() is not None and type(get_ipython()).__name__ != \
                        "TerminalInteractiveShell":
                    self._display = (HTML, display)
            except ImportError:
                pass

    def __call__(self, label: str, done: int, total: int, elapsed: float) -> None:
        now = time.perf_counter()
        last = done >= total
        if not last and now - self._last < self.interval:
            return
        self._last = now
        share = min(done / max(total, 1), 1.0)
        text = f"{label}: {100 * share:3.0f}% ({done:,} of {total:,}), {_duration(elapsed)}"
        if self._display is not None:
            HTML, display = self._display
            html = (f"<progress value='{done}' max='{total}' style='width:20em'></progress> "
                    f"<code>{text}</code>")
            if self._handle is None:
                self._handle = display(HTML(html), display_id=True)
            else:
                self._handle.update(HTML(html))
            return
        self.stream.write("\r" + text + ("\n" if last else ""))
        self.stream.flush()
