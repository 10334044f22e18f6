"""The explorer's state: a list of Hydra overrides, and the URL query that carries it.

A page's state is the list of overrides it adds to ``python run.py experiment=fan``, in Hydra's
syntax, and its URL query holds exactly that list (``?actor=startup&priors.g_inv.value=5``), so
a view is a link. Before anything reaches the configuration path, :func:`screen` refuses what a
page must not set: keys of the run's machinery (``hydra``, ``cluster``, ``output`` ...),
``discover.condition`` (an expression), interpolations (``${oc.env:...}`` would read the server's
environment), sweeps, and a calibration file outside the outputs directory. Everything else is
checked by the command line's own checks (:func:`experiments.config.prepare`), whose one-line
refusal the page shows.

Example
-------
>>> overrides = from_query("?actor=startup&priors.g_inv.value=5&seed=1")
>>> overrides
['actor=startup', 'priors.g_inv.value=5', 'seed=1']
>>> to_query(overrides)
'?actor=startup&priors.g_inv.value=5&seed=1'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from urllib.parse import parse_qsl, quote

from engine.config import ConfigError

#: Keys of the configuration a page may set (the first part of the dotted key).
ALLOWED_ROOTS = frozenset({"actor", "priors", "inference", "policy", "governance", "outcomes",
                           "sampler", "seed", "fan", "time"})
#: Of the fan section, only these.
ALLOWED_FAN = frozenset({"calibration"})
#: Of the sampler: the number of scenarios and the kind of design (not its internals).
ALLOWED_SAMPLER = frozenset({"n", "kind"})
#: Of the time grid: its start year only (its length and steps set the cost of a page).
ALLOWED_TIME = frozenset({"start_year"})
#: The most scenarios a page may ask for (a server answers many pages; the command line has no
#: such limit): 200,000 scenarios keep a page's arrays below ~1.5 GB.
MAX_SCENARIOS = 200_000
KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
#: Characters of Hydra's grammar that make an override something else than one value: a sweep
#: (``a,b``), a function (``range(1,3)``, ``glob(*)``), an interpolation (``${...}``).
SWEEP_OR_CALL = re.compile(r"^\s*\w+\s*\(|\$\{")


def from_query(search: str | Mapping[str, Sequence[str | bytes]]) -> list[str]:
    """The overrides in a URL query (``?k=v&...``, or a mapping of key -> values as a server
    hands the request's arguments over), in their order."""
    if isinstance(search, str):
        pairs = parse_qsl(search.lstrip("?"), keep_blank_values=True)
    else:
        pairs = [(str(k), v.decode() if isinstance(v, bytes) else str(v))
                 for k, values in search.items() for v in values]
    return [f"{k}={v}" for k, v in pairs]


def to_query(overrides: Iterable[str]) -> str:
    """``?k=v&...`` of the overrides (values percent-encoded where a URL needs it)."""
    parts = []
    for o in overrides:
        key, _, value = o.partition("=")
        parts.append(f"{quote(key, safe='.~+')}={quote(value, safe='.,:/[]{}-_')}")
    return "?" + "&".join(parts) if parts else ""


def merged(overrides: Iterable[str]) -> list[str]:
    """One override per key, the later winning, in the order keys first appeared."""
    out: dict[str, str] = {}
    for o in overrides:
        key, _, value = o.partition("=")
        out[key] = value
    return [f"{k}={v}" for k, v in out.items()]


def screen(overrides: Sequence[str], outputs: Path) -> list[str]:
    """Refuse what a page must not set (see the module docstring) with one line naming the key
    and the value; return the overrides, one per key, the later winning.

    Parameters
    ----------
    overrides : sequence of str
        ``key=value`` strings from a page or a URL.
    outputs : Path
        The outputs directory: a calibration file must lie below it.
    """
    out = []
    for o in overrides:
        key, eq, value = o.partition("=")
        if not eq:
            raise ConfigError(f"{o!r}: not an override; write key=value, e.g. actor=startup")
        if not KEY.fullmatch(key):
            raise ConfigError(f"{key}={value!r}: the explorer takes plain keys only (no +, ~ "
                              "or @); use the command line for others")
        root, _, rest = key.partition(".")
        sub = rest.split(".")[0]
        if root not in ALLOWED_ROOTS or (root == "fan" and sub not in ALLOWED_FAN) or (
                root == "sampler" and sub not in ALLOWED_SAMPLER) or (
                root == "time" and sub not in ALLOWED_TIME):
            raise ConfigError(f"{key}={value!r}: not set from the explorer; allowed keys start "
                              f"with {', '.join(sorted(ALLOWED_ROOTS))} (fan: calibration; "
                              "sampler: n, kind; time: start_year)")
        if SWEEP_OR_CALL.search(value) or _is_sweep(o):
            raise ConfigError(f"{key}={value!r}: one value only in the explorer (no sweeps, "
                              "functions or ${...} interpolations)")
        if key == "sampler.n":
            try:
                n = int(value)
            except ValueError:
                n = None
            if n is not None and n > MAX_SCENARIOS:
                raise ConfigError(f"sampler.n={value!r}: at most {MAX_SCENARIOS:,} scenarios in "
                                  "the explorer; use python run.py experiment=fan for more")
        if key == "fan.calibration" and value not in ("", "null"):
            calibration_path(value, outputs)
        out.append(o)
    return merged(out)


def calibration_path(value: str, outputs: Path) -> Path:
    """The calibration file ``value`` if it is a file below ``outputs``, else a ConfigError."""
    root = Path(outputs).resolve()
    path = Path(value)
    path = (path if path.is_absolute() else Path.cwd() / path).resolve()
    if not path.is_relative_to(root):
        raise ConfigError(f"fan.calibration={value!r}: the explorer reads calibration files "
                          f"only below the outputs directory {root}")
    if not path.is_file():
        raise ConfigError(f"fan.calibration={value!r}: no such file below {root}")
    return path


def calibrations(outputs: Path, limit: int = 50) -> list[str]:
    """calibration.nc files below ``outputs``, newest first, as paths relative to the working
    directory when below it."""
    root = Path(outputs)
    if not root.is_dir():
        return []
    found = sorted(root.glob("**/calibration.nc"), key=lambda p: p.stat().st_mtime,
                   reverse=True)[:limit]
    cwd = Path.cwd().resolve()
    return [str(p.resolve().relative_to(cwd)) if p.resolve().is_relative_to(cwd)
            else str(p.resolve()) for p in found]


def _is_sweep(override: str) -> bool:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        parsed = OverridesParser.create().parse_overrides([override])
    except Exception:
        return False  # the configuration path refuses it with its own line
    return any(p.is_sweep_override() for p in parsed)
