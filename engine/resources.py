"""Where the shipped configuration and data live, in a source checkout and in an installed wheel.

A checkout (or an editable install) keeps them at the project root (``conf/``, ``data/``); a
wheel carries them inside the package as ``engine/_conf`` and ``engine/_data``.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def _pick(inside: str, beside: str) -> Path:
    checkout = _HERE.parent / beside
    return checkout if checkout.is_dir() else _HERE / inside


def conf_dir() -> Path:
    """The directory of conf/config.yaml."""
    return _pick("_conf", "conf")


def data_dir() -> Path:
    """The directory of the shipped data files (data/README.md names their sources)."""
    return _pick("_data", "data")
