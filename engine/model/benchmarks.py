"""Benchmark scores on unsaturated benchmarks: a logistic in log effective compute.

For each benchmark b (MMLU-Pro, GPQA Diamond):

    score_b(C_eff) = floor + (ceiling - floor) / (1 + exp(-slope (log10 C_eff - midpoint)))

C_eff is effective training compute in 2025-equivalent FLOP (physical FLOP times g_alg^(t - 2025)),
the quantity the model's paths carry as a natural log (``paths.frontier(t)``). The midpoint is
log10 of it; the slope is in logistic units per decade of compute; floor and ceiling are fractions
correct. The priors (``PRIORS``) and their derivation are in data/BENCHMARKS.md: the floor is the
chance level (ten options for MMLU-Pro, Wang et al. 2024; four for GPQA Diamond, Rein et al. 2023),
the ceiling below 1 for label noise, the midpoint and slope fitted to the leaderboard's models with
known training compute. The paper's MMLU sigmoid (engine.model.capability) stays for priors=paper.

This module is the one contract between the capability layer (kernel series and outcomes) and the
calibration (levels of the leaderboard): both compute scores with :func:`score`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]

LN10 = math.log(10.0)


@dataclass(frozen=True)
class Benchmark:
    """A benchmark's name, label, chance-level floor and the priors of its logistic."""

    name: str
    long_name: str
    floor: float
    #: prior of each uncertain parameter, in conf/priors' form (see data/BENCHMARKS.md)
    priors: dict[str, dict[str, Any]]

    def default(self, field: str) -> float:
        """The prior's median of ``field`` (the model's default; data/BENCHMARKS.md)."""
        return MEDIANS[self.name][field]


#: Medians of the priors (data/BENCHMARKS.md, "Proposed priors"): the parameters' defaults.
MEDIANS: dict[str, dict[str, float]] = {
    "mmlu_pro": {"ceiling": 0.942, "midpoint": 23.77, "slope": 0.90},
    "gpqa_diamond": {"ceiling": 0.969, "midpoint": 25.65, "slope": 0.91},
}

BENCHMARKS: dict[str, Benchmark] = {
    "mmlu_pro": Benchmark(
        "mmlu_pro", "MMLU-Pro", 0.10,
        {"ceiling": {"dist": "beta", "a": 77.2, "b": 5.06},       # median 0.942, label noise
         "midpoint": {"dist": "normal", "mean": 23.77, "sd": 0.29},  # log10 2025-eq. FLOP
         "slope": {"dist": "lognormal", "median": 0.90, "sigma": 0.19},  # per decade
         "noise_pp": {"dist": "lognormal", "median": 8.1, "sigma": 0.27}}),
    "gpqa_diamond": Benchmark(
        "gpqa_diamond", "GPQA Diamond", 0.25,
        {"ceiling": {"dist": "beta", "a": 89.2, "b": 3.17},       # median 0.969
         "midpoint": {"dist": "normal", "mean": 25.65, "sd": 0.29},
         "slope": {"dist": "lognormal", "median": 0.91, "sigma": 0.25},
         "noise_pp": {"dist": "lognormal", "median": 6.8, "sigma": 0.28}}),
}


def score(log_c: ArrayLike, floor: ArrayLike, ceiling: ArrayLike, midpoint: ArrayLike,
          slope: ArrayLike) -> Array:
    """Fraction correct of a model trained with 2025-equivalent effective compute e^log_c.

    ``midpoint`` is log10 FLOP, ``slope`` per decade. Written with tanh so that no argument
    overflows: 1/(1+e^-z) = (1 + tanh(z/2))/2.

    Example
    -------
    >>> round(float(score(23.77 * LN10, 0.1, 0.942, 23.77, 0.9)), 6)
    0.521
    """
    z = np.asarray(slope, dtype=float) * (np.asarray(log_c, dtype=float) / LN10
                                          - np.asarray(midpoint, dtype=float))
    floor = np.asarray(floor, dtype=float)
    return floor + (np.asarray(ceiling, dtype=float) - floor) * 0.5 * (1.0 + np.tanh(0.5 * z))


# --------------------------------------------------------------------------- the capability layer
#
# The gap of two logistics on piecewise-linear log-compute paths, and where it peaks.
#
# On one linear piece of the paths the logits z_s(t) = k (log10 C_s(t) - mu) of the frontier and
# z_m(t) of the meek actor move at rates ps = k s'(t)/ln 10 and pm = k m'(t)/ln 10 (per year; the
# frontier always rises, ps > 0). With sigma'(z) = 1 / (4 cosh^2(z/2)) the gap
# G = (ceiling - floor) (sigma(z_s) - sigma(z_m)) has
#
#     G' > 0  <=>  phi(t) = ln(ps/pm) - 2 lncosh(z_s/2) + 2 lncosh(z_m/2) > 0       (pm > 0)
#
# and phi' = -F with F(t) = ps tanh(z_s/2) - pm tanh(z_m/2). F has exactly one sign change:
# at a root of F, tanh(z_s/2) = (pm/ps) tanh(z_m/2), so for ps > pm |tanh(z_s/2)| < |tanh(z_m/2)|,
# sech^2(z_s/2) > sech^2(z_m/2) and F' = (ps^2 sech^2(z_s/2) - pm^2 sech^2(z_m/2)) / 2 > 0 there
# (every root is an upward crossing, so there is one); for ps < pm every root is a downward one;
# for ps = pm, F has the sign of the lead throughout. So phi is unimodal, and G' changes sign from
# + to - at most once on a piece: at the root of phi on the part of the piece where F > 0 (phi
# falls there). Where pm <= 0 (a meek actor held back during a diffusion lag with shrinking
# hardware) G rises on the whole piece. The peak over all t is therefore the largest of G at the
# breakpoints of the paths and at one root per piece; each root is found by Newton's method
# safeguarded by bisection, on the piece's bracket (the root of F splits it where F changes sign).
#
# The first and last pieces are unbounded: they are cut where the frontier's logit is -Z (before,
# G < (ceiling - floor) e^-Z) and where the meek actor's is +Z (after, likewise), with Z = 40
# (e^-40 = 4e-18 of the score range: below any tolerance here).

#: Benchmark names of the capability layer, in order (parameters, outcomes and series follow it).
NAMES: tuple[str, ...] = tuple(BENCHMARKS)
#: Choices of ``outcomes.benchmark`` (which benchmark the report leads with): the layer's, and
#: ``mmlu``, the paper's loss-to-MMLU sigmoid (engine.model.capability).
HEADLINES: tuple[str, ...] = NAMES + ("mmlu",)
#: The uncertain parameters of each benchmark's logistic (the floor is its chance level).
FIELDS: tuple[str, ...] = ("ceiling", "midpoint", "slope")
#: Logit beyond which a score is saturated for the peak search (see above).
SATURATED = 40.0
#: Percentage points: a largest gap below this is no peak (the frontier never leads beyond the
#: rounding of two scores near 1; the kernel's tolerance is 1e-10 pp).
MIN_PEAK = 1e-9
#: Newton/bisection steps at most per root (each bisection halves the bracket: 100 suffice for
#: any bracket below 1e15 years to reach the rounding of t).
ITERATIONS = 100


def headline(benchmark: str) -> tuple[str, ...]:
    """The gap series and peak outcomes of the benchmark a report leads with
    (``outcomes.benchmark``; ``mmlu``: the paper's sigmoid)."""
    if benchmark == "mmlu":
        return ("benchmark_gap", "t_peak_benchmark", "peak_benchmark_gap")
    return (f"benchmark_gap_{benchmark}", f"t_peak_benchmark_{benchmark}",
            f"peak_benchmark_gap_{benchmark}")


def lead(names: Any, benchmark: str) -> list[str]:
    """``names`` with the headline benchmark's series and outcomes (and its gaps at the
    horizons) first, the others in their order.

    Example
    -------
    >>> lead(["loss_gap", "benchmark_gap", "benchmark_gap_gpqa_diamond"], "gpqa_diamond")
    ['benchmark_gap_gpqa_diamond', 'loss_gap', 'benchmark_gap']
    """
    first = headline(benchmark)
    prefix = f"{first[0]}_at_" if benchmark != "mmlu" else None

    def rank(n: str) -> int:
        if n in first:
            return first.index(n)
        return len(first) if prefix and n.startswith(prefix) else len(first) + 1

    names = list(names)
    return sorted(names, key=lambda n: (min(rank(n), len(first) + 1), rank(n)
                                        if rank(n) <= len(first) else names.index(n)))


def parameter(benchmark: str, field: str) -> str:
    """The model parameter of a benchmark's field, e.g. ``mmlu_pro_midpoint``."""
    return f"{benchmark}_{field}"


def gap(log_c_frontier: ArrayLike, log_c_meek: ArrayLike, floor: ArrayLike, ceiling: ArrayLike,
        midpoint: ArrayLike, slope: ArrayLike) -> Array:
    """Frontier minus meek score in percentage points (natural logs of effective compute).

    Example
    -------
    >>> round(float(gap(23.77 * LN10, -np.inf, 0.1, 0.942, 23.77, 0.9)), 6)
    42.1
    """
    return 100.0 * (score(log_c_frontier, floor, ceiling, midpoint, slope)
                    - score(log_c_meek, floor, ceiling, midpoint, slope))


def _lncosh_half2(z: Array) -> Array:
    """2 ln cosh(z/2) + 2 ln 2 = |z| + 2 log1p(e^-|z|), without overflow."""
    a = np.abs(z)
    return a + 2.0 * np.log1p(np.exp(-a))


def _f_and_slope(zs: Array, zm: Array, ps: Array, pm: Array, dp: Array) -> tuple[Array, Array]:
    """F = ps tanh(zs/2) - pm tanh(zm/2) and F', accurate where both tanh saturate: with
    tanh(z/2) = sign(z) (1 - e(z)), e(z) = 2 / (1 + e^|z|), logits of one sign give
    F = sign (dp - (ps e(zs) - pm e(zm))) with dp = ps - pm (at the ends of a piece where the
    lead is constant F is then the sign of the lead, not 0); sech^2(z/2) = e(z) (2 - e(z))."""
    es = 2.0 / (1.0 + np.exp(np.abs(zs)))
    em = 2.0 / (1.0 + np.exp(np.abs(zm)))
    same = (zs >= 0) == (zm >= 0)
    sign = np.where(zs >= 0, 1.0, -1.0)
    plain = ps * np.tanh(0.5 * zs) - pm * np.tanh(0.5 * zm)
    f = np.where(same, sign * (dp - (ps * es - pm * em)), plain)
    return f, 0.5 * (ps * ps * es * (2.0 - es) - pm * pm * em * (2.0 - em))


def _solve(f: Any, lo: Array, hi: Array, active: Array, start: Any = None) -> Array:
    """The root of f on [lo, hi] where f(lo) > 0 > f(hi) (``active``), by Newton's method
    safeguarded by bisection (a Newton step must stay inside the bracket and be shorter than
    half the step before last, as in Numerical Recipes' rtsafe; else the bracket is halved);
    ``f(x)`` returns (value, derivative); it starts from ``start`` where that lies in the
    bracket (else the midpoint). NaN where not active."""
    lo, hi = (np.where(active, v, 0.0) for v in np.broadcast_arrays(lo, hi))
    x = 0.5 * (lo + hi)
    if start is not None:
        x = np.where((start >= lo) & (start <= hi), start, x)
    done = ~active
    last = hi - lo  # the step before the last: Newton must at least halve it (else bisect)
    now = last
    for _ in range(ITERATIONS):
        v, d = f(x)
        lo = np.where(~done & (v > 0), x, lo)
        hi = np.where(~done & (v < 0), x, hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = x - v / d
        inside = (newton > lo) & (newton < hi) & (np.abs(newton - x) < 0.5 * np.abs(last))
        mid = 0.5 * (lo + hi)
        step = np.where(inside, newton, mid)
        last, now = np.where(done, last, now), np.where(done, now, step - x)
        tiny = np.abs(step - x) <= 1e-14 * np.maximum(np.abs(x), 1.0)
        collapsed = (mid <= lo) | (mid >= hi)
        x = np.where(done, x, np.where(v == 0, x, step))
        done = done | (v == 0) | tiny | collapsed
        if done.all():
            break
    return np.where(active, x, np.nan)


def peak(paths: Any, floor: float, ceiling: ArrayLike, midpoint: ArrayLike,
         slope: ArrayLike) -> tuple[Array, Array]:
    """The largest benchmark gap over all t (percentage points) and its time (years; negative:
    already past), for one benchmark on the paths of :class:`engine.model.paths.Paths`.

    NaN where the largest gap is below :data:`MIN_PEAK` (the frontier never leads on the
    benchmark).

    Example
    -------
    >>> from engine.model.params import PAPER
    >>> from engine.model.paths import Paths
    >>> size, when = peak(Paths(PAPER.replace(sota_budget_usd=1e9, meek_budget_usd=1e5,
    ...                                       flop_per_usd=3e17)), 0.1, 0.942, 23.77, 0.9)
    >>> round(float(size), 2), round(float(when), 2)
    (57.57, -0.21)
    """
    c = np.asarray(ceiling, dtype=float)
    mu = np.asarray(midpoint, dtype=float)
    k = np.asarray(slope, dtype=float)
    kap = k / LN10
    segs = list(paths.segments())
    shape = np.broadcast(segs[0].lo, c, mu, k).shape
    cand_t = []

    def logits(seg: Any, t: Array) -> tuple[Array, Array]:
        dt = t - seg.t0
        zm = kap * (seg.m0 + seg.a * dt) - k * mu
        zs = kap * (seg.m0 + seg.d0 + (seg.a + seg.r) * dt) - k * mu
        return zs, zm

    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for j, seg in enumerate(segs):
            ps = np.broadcast_to(kap * (seg.a + seg.r), shape)
            pm = np.broadcast_to(kap * seg.a, shape)
            lo, hi = np.broadcast_to(seg.lo, shape), np.broadcast_to(seg.hi, shape)
            # an unbounded piece is cut where the frontier's logit is -Z (before it) or the
            # meek actor's is +Z (after it); both rise there
            t_lo = seg.t0 + ((mu - SATURATED / k) * LN10 - seg.m0 - seg.d0) / (seg.a + seg.r)
            lo = np.where(np.isinf(lo), np.maximum(lo, t_lo), lo)
            t_hi = seg.t0 + ((mu + SATURATED / k) * LN10 - seg.m0) / seg.a
            hi = np.where(np.isinf(hi), np.minimum(hi, t_hi), hi)
            cand_t.append(np.where(np.isfinite(seg.lo), seg.lo, np.nan) + np.zeros(shape))
            live = (lo < hi) & (pm > 0) & (ps > 0)

            dp = np.broadcast_to(kap * seg.r, shape)  # ps - pm without cancellation

            def big_f(t: Array, seg: Any = seg, ps: Array = ps, pm: Array = pm,
                      dp: Array = dp) -> tuple[Array, Array]:
                zs, zm = logits(seg, t)
                return _f_and_slope(zs, zm, ps, pm, dp)

            def phi(t: Array, seg: Any = seg, ps: Array = ps, pm: Array = pm
                    ) -> tuple[Array, Array]:
                zs, zm = logits(seg, t)
                v = np.log(ps / pm) - _lncosh_half2(zs) + _lncosh_half2(zm)
                return v, pm * np.tanh(0.5 * zm) - ps * np.tanh(0.5 * zs)

            # where the frontier leads at t_c (z_s = -z_m), F(t_c) = (ps + pm) tanh(z_s/2) > 0
            # and phi(t_c) = ln(ps/pm): t_c lies on phi's falling branch and bounds its root
            # there, after t_c if the lead grows (r > 0), before it if it shrinks, at t_c if
            # it is constant; elsewhere the root of F splits the piece
            tc = seg.t0 + (2.0 * k * mu - kap * (2.0 * seg.m0 + seg.d0)) / (
                kap * (2.0 * seg.a + seg.r))
            fast = live & (seg.d0 + seg.r * (tc - seg.t0) > 0)
            r = np.broadcast_to(seg.r, shape)
            flat = fast & (r == 0) & (tc >= lo) & (tc < hi)
            fa = np.where(r > 0, np.maximum(lo, tc), lo)
            fb = np.where(r > 0, hi, np.minimum(hi, tc))
            f_lo, f_hi = big_f(lo)[0], big_f(hi)[0]
            f_lo, f_hi = np.where(fast, np.nan, f_lo), np.where(fast, np.nan, f_hi)
            # where F changes sign on [lo, hi], its root t* splits the piece
            up = live & (f_lo < 0) & (f_hi > 0)      # ps > pm: phi falls after t*
            down = live & (f_lo > 0) & (f_hi < 0)    # ps < pm: phi falls before t*
            star = _solve(lambda x, f=big_f: tuple(-v for v in f(x)), lo, hi, up) \
                if up.any() else np.full(shape, np.nan)
            star = np.where(down, _solve(big_f, lo, hi, down) if down.any() else np.nan, star)
            # the part of the piece where F > 0 (phi decreasing)
            a = np.where(up, star, np.where(down | (f_lo > 0) | (f_hi > 0), lo, np.nan))
            b = np.where(down, star, np.where(up | (f_lo > 0) | (f_hi > 0), hi, np.nan))
            none = ~live | ((f_lo <= 0) & (f_hi <= 0))
            a, b = np.where(none, np.nan, a), np.where(none, np.nan, b)
            a = np.where(fast & (r != 0) & (fa < fb), fa, a)
            b = np.where(fast & (r != 0) & (fa < fb), fb, b)
            has = (phi(a)[0] > 0) & (phi(b)[0] < 0)
            root = _solve(phi, a, b, has, np.where(fast, tc, np.nan)) if has.any() \
                else np.full(shape, np.nan)
            cand_t.append(np.where(flat, tc, root))
        times = np.stack(cand_t, axis=-1)
        best_g = np.full(shape, -np.inf)
        best_t = np.full(shape, np.nan)
        for i in range(times.shape[-1]):
            t = times[..., i]
            g = gap(paths.frontier(t), paths.meek(t), floor, c, mu, k)
            better = np.isfinite(t) & (g > best_g)
            best_g, best_t = np.where(better, g, best_g), np.where(better, t, best_t)
    ok = best_g >= MIN_PEAK
    return np.where(ok, best_g, np.nan), np.where(ok, best_t, np.nan)
