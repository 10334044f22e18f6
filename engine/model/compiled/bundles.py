"""The typed bundles the compiled kernel passes around, instead of dozens of positional floats.

- :class:`Scenario`: one scenario's parameters as the formulas use them (logs of the growth
  factors, anchors of the log-compute paths), computed once per scenario;
- :class:`Settings`: one block's options and the thresholds derived from them;
- :class:`Workspace`: one block's scratch arrays, allocated together.

numba compiles NamedTuples of numbers to plain values: a bundle passed to an inlined helper
costs nothing, one passed to an out-of-line function a few registers or stack words. A tuple
holding arrays is another matter: an out-of-line function taking one increments and decrements
the reference count of every array in it and receives each as seven words (measured: 18% more
time per scenario when the workspace and the grids travelled in bundles). So the bundles that
reach out-of-line functions hold numbers only; :class:`Workspace` is unpacked in
:func:`engine.model.kernel._block`, and each function takes the arrays it uses.

Layouts that come from :mod:`engine.model.registry` (which row of the input holds which
parameter, which row of the output holds which outcome, which slot which series) reach the
compiled code at run time, as one-element record arrays whose field names are the registry's
names (:func:`layout`): a record's type names its fields, so a registry with other names or
another order gives another type and numba compiles anew instead of reusing a cached kernel with
stale rows.

numba's on-disk cache keys a function on its own source file only: a function inlining a
helper from another file keeps its cached code when only the helper's file changes. Every
out-of-line function with such dependencies takes :class:`Settings`, whose ``stamp`` is a record
whose one field is named after a hash of the compiled package's sources (:data:`STAMP`; a record
is a pointer to its data, no reference count), so any change there compiles them anew.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import numpy as np


class Scenario(NamedTuple):
    """One scenario's values, as the compiled formulas use them (natural logs).

    The paths (see :mod:`engine.model.paths`): meek m(t) = cm0 + la a(t) + lh h(t) + lg t,
    frontier
    s(t) = cs0 + (la + lh) t + l1 min(t, ts) + l2 max(t - ts, 0), their difference starting at
    lr0; inference i(t) = ci0 + ki t.
    """

    alpha: float   # scaling exponent
    A: float       # scaling coefficient
    L0: float      # irreducible loss
    la: float      # ln g_alg
    lh: float      # ln g_hw
    l1: float      # ln g_inv
    l2: float      # ln g_inv_after
    ts: float      # switch year (inf: never)
    e: float       # export control strength
    lag: float     # diffusion lag (years)
    lg: float      # ln meek_growth: the meek budget's growth
    cm0: float     # ln C_m(0) = ln(meek budget * FLOP per USD)
    cs0: float     # ln C_s(0)
    lr0: float     # ln R = ln(frontier budget / meek budget)
    ci0: float     # ln C_inf(0)
    ki: float      # d ln C_inf / dt
    bs: float      # the frontier's budget at t = 0 (USD)


class Settings(NamedTuple):
    """One block's options (numbers only; the time grid, search grid and horizons are arrays
    passed on their own). Their lengths come as numbers too: a loop bound read from an
    array's shape keeps LLVM from vectorising loops that index ``x[n + k]``."""

    nt: int                # points of the time grid
    ng: int                # points of the benchmark peak's search grid
    nh: int                # horizons of the per-horizon outcomes
    dt: float              # the time grid's step if it is uniform, else 0
    horizon: float         # searches cover [0, horizon]
    thr: float             # loss-gap threshold (nats)
    log_thr: float         # its log
    log_flop: float        # ln of the regulatory compute threshold
    sn: float              # slowdown * SPRT numerator
    steps: float           # task steps p
    isteps: int            # p if a whole number in [1, 2**31], else 0
    iterations: int        # golden-section iterations
    form: int              # inference form (0: paper, 1: price_decline)
    stamp: np.void         # a record whose field names the sources' hash (module docstring)


class Workspace(NamedTuple):
    """One block's scratch arrays (sizes: :func:`engine.model.kernel._workspace`)."""

    seg: np.ndarray      # (4, 10) the pieces of the paths
    x1: np.ndarray       # exp arguments and values
    x2: np.ndarray       # expm1 arguments and values
    tv: np.ndarray       # times to evaluate
    gv: np.ndarray       # gaps at tv
    cb: np.ndarray       # score inputs (ln compute)
    sb: np.ndarray       # scores
    wk: np.ndarray       # (2, .) the loss-gap recurrence's exp and expm1 arguments
    at: np.ndarray       # int: indices of points evaluated directly
    gw: np.ndarray       # (3, 2 ng) the grid search's values
    iw: np.ndarray       # int (2, ng): and points
    lane: np.ndarray     # the lock-step golden-section searches' lane table
    lane_i: np.ndarray   # int: the scenario of each lane


def layout(names: tuple[str, ...] | list[str], values: Mapping[str, int]) -> np.ndarray:
    """A one-element record array with an int64 field per name (in order) holding its value.

    Example
    -------
    >>> rows = layout(("t_peak", "peak_gap"), {"t_peak": 0, "peak_gap": 1})
    >>> int(rows[0]["peak_gap"]), rows.dtype.names
    (1, ('t_peak', 'peak_gap'))
    """
    rec = np.zeros(1, dtype=[(name, np.int64) for name in names])
    for name in names:
        rec[name] = values[name]
    return rec


def _sources_hash() -> str:
    here = Path(__file__).resolve().parent
    files = sorted(here.glob("*.py")) + [here.parent / "capability.py",
                                          here.parent / "benchmarks.py"]
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.name.encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()[:20]


#: A one-element record array whose one field is named after the compiled sources' hash
#: (``STAMP[0]`` goes into :class:`Settings`).
STAMP = np.zeros(1, dtype=[(f"sources_{_sources_hash()}", np.int8)])
