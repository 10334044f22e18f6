"""Checks of configuration values: each failure is one line naming the key and the value."""

from __future__ import annotations

import math
from typing import Any


class ConfigError(ValueError):
    """A configuration value that cannot work; the message names the key and the value."""


def fail(path: str, value: Any, reason: str) -> None:
    raise ConfigError(f"{path}={value!r}: {reason}")


def at_least(path: str, value: int | float, minimum: int | float) -> None:
    if not value >= minimum:
        fail(path, value, f"must be >= {minimum}")


def positive(path: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        fail(path, value, "must be a finite number > 0")


def within(path: str, value: float, lo: float, hi: float, *, open_ends: bool = False) -> None:
    ok = lo < value < hi if open_ends else lo <= value <= hi
    if not (math.isfinite(value) and ok):
        fail(path, value, f"must lie in {'(' if open_ends else '['}{lo:g}, {hi:g}"
                          f"{')' if open_ends else ']'}")


def distinct(path: str, values: Any) -> None:
    """Each entry of a list named once (a repeated name would label two rows the same)."""
    seen: set[Any] = set()
    for v in values:
        if v in seen:
            fail(path, list(values), f"{v!r} is named twice; name each once")
        seen.add(v)


def choice(path: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        fail(path, value, f"unknown; allowed: {', '.join(allowed)}")
