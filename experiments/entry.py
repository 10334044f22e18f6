"""The command line's entry point (``meek``, ``python run.py``): light, so that Ctrl-C while the
heavy modules load (Hydra, numpy, numba, xarray: a second or more) ends with one line.

Importing :mod:`experiments.cli` pulls in most of the scientific stack; a SIGINT in the middle of
it would print Python's traceback of the import chain. Here it is caught around both the import
and the run, outside the run's own handling (which says how to resume an interrupted run).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> None:
    """Run :func:`experiments.cli.main`; Ctrl-C before it takes over: one line, status 130."""
    try:
        from experiments.cli import main as run

        run(argv)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)


if __name__ == "__main__":
    main()
