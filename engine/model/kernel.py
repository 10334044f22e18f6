"""Every outcome of a block of scenarios, compiled: the numpy reference (:mod:`.outcomes`) in numba.

:func:`evaluate` has the contract of :func:`engine.model.outcomes.evaluate`: the same keys in the
same order, shapes, dtypes and NaN patterns, the same errors for bad options, and values that
agree to about 1e-13 relative (``tests/test_kernel.py`` states the tolerances). Domain codes come
from the numpy :func:`~.params.domain_reason`; everything per scenario (logs of the parameters,
closed forms, the safeguarded Newton of ``t_below``, the grid and golden-section search of the
benchmark peak, the series) runs in one compiled loop over the scenarios, so

- a scenario's result depends on its own parameters only, never on the block, its chunking or
  the thread that evaluates it: bit for bit (every step of the vectorised loops is the same IEEE
  operation whatever the neighbouring lanes hold);
- the loop is serial and releases the GIL (``nogil``): parallelism comes from threads (Dask)
  calling :func:`evaluate` on different blocks at once. No ``fastmath``: NaN/inf semantics and
  the agreement need every rounding as written (the explicit fused multiply-adds below are
  single IEEE operations, exact on every machine).

Where the time goes, and how it is kept small (about 3 us per scenario for every outcome and a
301-point loss-gap series on one core, 4.4 us with the capability layer's two peaks; each of
its 301-point benchmark series adds about 2 us; ``benchmarks/kernel_speed.py``):

- ``exp`` and ``expm1`` are branch-free polynomials (within 1 and 2 ulp), so that numba
  vectorises the loops that call them; numpy's own SIMD exp/tanh differ from any libm by an ulp
  here and there in the same way;
- the loss-gap series on a uniform grid follows each linear piece of the paths by recurrence
  from exact anchors (:func:`_gap_series`), evaluating directly only where the reference's own
  rounding would not be reproduced;
- the benchmark score writes the sigmoid as ``1 - tanh(z) = 2 / (1 + e^{2z})``; the grid maximum
  is found by branch and bound (both scores rise with t) and the golden-section searches of 32
  scenarios run in lock step, vectorised across them;
- gap values at breakpoints and critical points are computed once, vectorised, and shared by
  ``t_peak``, ``peak_gap``, ``t_inflection`` and the bracket of ``t_below``;
- each capability-layer peak brackets its one root per piece at t_c, where the two logits are
  opposite (:mod:`.compiled.benchmarks`), and finds it in 5 to 6 evaluations of two
  exponentials each;
- a fan's histograms are counted here (``bins``): each series row is binned while it is in
  the core's cache and only its int16 bin columns are kept for the block, so a large fan
  never materialises (scenario, t) series (``binning.py``; 40% less time per scenario than
  counting the materialised series afterwards).

What cannot agree to 1e-12: ``t_peak_benchmark``. Its last golden-section steps compare gap
values closer than their rounding (numpy's SIMD tanh and exp round differently from any other
implementation), so the reference's own answer is fixed only to about sqrt(eps) of the peak's
width (up to 1e-4 years for flat, tiny peaks); the kernel's time is as good a maximiser (the
reference's benchmark gap there equals its peak to 1e-12 of 100 pp).

Example
-------
>>> import numpy as np
>>> from engine.model.params import PAPER
>>> out = evaluate(PAPER.map(lambda v: np.array([v])), np.linspace(0, 20, 5))
>>> round(float(out["t_peak"][0]), 3), round(float(out["peak_gap"][0]), 4)
(3.359, 0.2118)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np
from numba import njit

from engine.model import benchmarks, registry
from engine.model.capability import sprt_numerator
from engine.model.compiled.binning import (
    MAX_BINS,
    Binning,
    column_row,
    count_columns,
    nan_column,
    scale,
)
from engine.model.compiled.benchmarks import _bench_peak, _bench_series, _gap_at
from engine.model.compiled.bundles import STAMP, Scenario, Settings, Workspace, layout
from engine.model.compiled.constants import (
    _INFERENCE_FORMS,
    _JIT,
    _L_A,
    _L_B,
    _L_GRID_BEST,
    _L_GRID_T,
    _NL,
    _W,
)
from engine.model.compiled.elementary import _max, _min
from engine.model.compiled.scenario import _outcomes
from engine.model.compiled.searches import _golden, _grid_argmax, _lane_put
from engine.model.compiled.series import _B, _series
from engine.model.outcomes import SERIES, Options, outcome_names
from engine.model.params import NAMES, Array, Params, domain_reason

__all__ = ["evaluate"]


@njit(inline="always", **_JIT)
def _workspace(nt: int, ng: int, nh: int) -> Workspace:
    """Scratch arrays for a block with nt time points, ng grid points and nh horizons (inlined
    into :func:`_block`, whose ``Settings`` stamp keys the cache on the sizes' constants)."""
    size = max(nt, ng, _W, 7 + nh)
    return Workspace(seg=np.empty((4, 10)), x1=np.empty(size), x2=np.empty(size),
                     tv=np.empty(size), gv=np.empty(size), cb=np.empty(2 * size + 8),
                     sb=np.empty(2 * size + 8), wk=np.empty((2, size + 3 * _B)),
                     at=np.empty(size, dtype=np.int64),
                     gw=np.empty((3, 2 * ng)),              # the grid search's values
                     iw=np.empty((2, ng), dtype=np.int64),  # and points
                     lane=np.empty(_NL * _W), lane_i=np.zeros(_W, dtype=np.int64))


@njit(**_JIT)
def _block(par: np.ndarray, par_rows: np.ndarray, ok: np.ndarray, t: np.ndarray,
           grid: np.ndarray, horizons: np.ndarray, st: Settings, out: np.ndarray,
           out_rows: np.ndarray, ser: np.ndarray, slots: np.ndarray, hmap: np.ndarray,
           hlo: np.ndarray, hsc: np.ndarray, hlog: np.ndarray, hist: np.ndarray,
           hcol: np.ndarray, bfl: np.ndarray, brow: np.ndarray, bout: np.ndarray,
           bslot: np.ndarray) -> None:
    """Every requested outcome and series of the block, scenario by scenario.

    ``par[par_rows[0].<name>, i]`` is parameter <name> of scenario i; ``out_rows[0]`` and
    ``slots[0]`` give the rows of the outcomes in ``out`` and of the series in ``ser``
    (:func:`.compiled.bundles.layout`, from the registry). Series slot s with hmap[s] = h >= 0
    is also counted into the fixed bins of hist[h]: each row's columns go to hcol[h] as soon as
    it is computed, and are counted after the block. Benchmark b of the capability layer has
    floor bfl[b], its (ceiling, midpoint, slope) in input rows brow[b], its (t_peak, peak,
    first horizon) in output rows bout[b] and its series in slot bslot[b] (-1: not wanted).
    ``ser`` holds a row per scenario, or (``ser.shape[1] == 1`` for a block of more than one)
    one scratch row per series that every scenario overwrites.
    """
    n = par.shape[1]
    scratch = ser.shape[1] != n
    hbins = hist.shape[2] - 5
    nt = st.nt
    ng = st.ng
    horizon = st.horizon
    do_out = out.shape[0] > 0
    nan = np.nan
    seg, x1, x2, tv, gv, cb, sb, wk, at, gw, iw, lane, lane_i = _workspace(nt, ng, st.nh)
    pr = par_rows[0]
    rows = out_rows[0]
    sl = slots[0]
    filled = 0
    for i in range(n):
        si = 0 if scratch else i
        if not ok[i]:
            for k in range(out.shape[0]):
                out[k, i] = nan
            for s in range(ser.shape[0]):
                for k in range(nt):
                    ser[s, si, k] = nan
                if hmap[s] >= 0:
                    nan_column(hbins, hcol[hmap[s], i])
            continue
        la = math.log(par[pr.g_alg, i])
        lh = math.log(par[pr.g_hw, i])
        lfi = math.log(par[pr.g_inf, i])
        lbm = math.log(par[pr.meek_budget_usd, i])
        lbs = math.log(par[pr.sota_budget_usd, i])
        lf = math.log(par[pr.flop_per_usd, i])
        lp = math.log(par[pr.price_per_token_usd, i])
        ki = 2.0 * (lh + lfi) + la if st.form == 0 else 2.0 * lfi
        sc = Scenario(
            alpha=par[pr.alpha, i], A=par[pr.A, i], L0=par[pr.L0, i], la=la, lh=lh,
            l1=math.log(par[pr.g_inv, i]), l2=math.log(par[pr.g_inv_after, i]),
            ts=par[pr.switch_year, i], e=par[pr.export_control_strength, i],
            lag=par[pr.diffusion_lag_years, i], lg=math.log(par[pr.meek_growth, i]),
            cm0=lbm + lf, cs0=lbs + lf, lr0=lbs - lbm,
            ci0=2.0 * (lf + lp) + math.log(par[pr.inference_compute_multiplier, i]),
            ki=ki, bs=par[pr.sota_budget_usd, i])

        if do_out:
            _outcomes(i, out, rows, sc, st, horizons, seg, x1, x2, tv, gv)
            # benchmark peak: the grid here, the golden-section search in lanes of _W
            idx, grid_best = _grid_argmax(grid, sc, st, cb, sb, gw, iw)
            dt = grid[1] - grid[0]
            f = filled
            _lane_put(lane, f, sc)
            lane[_L_A * _W + f] = _min(_max(grid[idx] - dt, 0.0), horizon)
            lane[_L_B * _W + f] = _min(_max(grid[idx] + dt, 0.0), horizon)
            lane[_L_GRID_BEST * _W + f] = grid_best
            lane[_L_GRID_T * _W + f] = grid[idx]
            lane_i[f] = i
            filled += 1
            if filled == _W:
                _golden(lane, lane_i, filled, st, out, rows)
                filled = 0
        for b in range(bfl.shape[0]):  # the capability layer
            fl = bfl[b]
            bc = par[brow[b, 0], i]
            bm = par[brow[b, 1], i]
            bk = par[brow[b, 2], i]
            if do_out:
                pk, when = _bench_peak(sc, fl, bc, bm, bk)
                out[bout[b, 1], i] = pk
                out[bout[b, 0], i] = when
                for j in range(st.nh):
                    out[bout[b, 2] + j, i] = _gap_at(horizons[j], sc, fl, bc, bm, bk)
            if bslot[b] >= 0:
                _bench_series(t, nt, ser[bslot[b], si], x1, x2, sc, fl, bc, bm, bk)
        if ser.shape[0] > 0:
            _series(si, ser, sl, sc, st, t, x1, x2, cb, sb, tv, gv, wk, at)
            for s in range(ser.shape[0]):
                h = hmap[s]
                if h >= 0:
                    column_row(ser[s, si], hlo[h], hsc[h], hbins, hlog[h], hcol[h, i])
    if filled > 0:
        for l in range(filled, _W):  # pad with copies of the first lane
            for k in range(_NL):
                lane[k * _W + l] = lane[k * _W]
        _golden(lane, lane_i, filled, st, out, rows)
    for h in range(hist.shape[0]):
        count_columns(hcol[h], n, hist[h])


# --------------------------------------------------------------------------- entry point

def evaluate(p: Params, t: Array, options: Options = Options(), *, series: Sequence[str] = (),
             outcomes: bool = True, bins: Binning | None = None) -> dict[str, Array]:
    """Every outcome (and the requested series) of a block of scenarios, compiled.

    The contract of :func:`engine.model.outcomes.evaluate`, which it reproduces to about 1e-13
    relative: same keys in the same order, same shapes and dtypes, NaN for scenarios outside
    the domain.

    Parameters
    ----------
    p : Params
        One 1-d array (or scalar) per parameter.
    t : 1-d array
        Time grid in years; searches cover [0, t[-1]].
    options : Options
    series : sequence of str
        Names from :data:`~.outcomes.SERIES`, returned with shape (n, len(t)).
    outcomes : bool
        Whether to compute the per-scenario outcomes.
    bins : Binning, optional
        Series to count into fixed bins (added to ``bins.counts`` in place) as each scenario's
        row is computed: the same counts as :func:`.binning.bin_row` over the returned series,
        without holding them (series named only here are not returned).

    Returns
    -------
    dict of str to numpy.ndarray
        ``domain_reason`` (int8), outcomes of shape (n,), series of shape (n, T).

    Example
    -------
    >>> from engine.model.params import PAPER
    >>> out = evaluate(PAPER.map(lambda v: np.array([v])), np.linspace(0, 20, 5))
    >>> round(float(out["t_inference_catchup"][0]), 3)
    1.332
    """
    binned = tuple(bins.names) if bins is not None else ()
    unknown = (set(series) | set(binned)) - set(SERIES)
    if unknown:
        raise ValueError(f"series={sorted(unknown)!r}: unknown; allowed: {', '.join(SERIES)}")
    wanted = set(series) | set(binned)
    q = p.arrays()
    n = int(np.broadcast(*(getattr(q, f) for f in NAMES)).size)
    q = q.map(lambda v: np.broadcast_to(v, (n,)))
    reason = domain_reason(q)
    t_arr = np.asarray(t, dtype=float)
    if t_arr.ndim != 1:
        raise ValueError(f"t must be a 1-d time grid, got shape {t_arr.shape}")
    nt = t_arr.shape[0]
    horizon = float(t_arr[-1]) if nt and t_arr[-1] > 0 else 1.0

    # option checks, in the order the reference meets them
    thr = 0.0
    log_thr = 0.0
    log_flop = 0.0
    sn = 0.0
    grid = np.zeros(2)
    names: list[str] = []
    if outcomes:
        threshold = options.threshold_nats
        if np.ndim(threshold) == 0 and not float(threshold) > 0:
            raise ValueError(f"threshold={threshold!r} must be > 0")
        thr = float(np.asarray(threshold, dtype=float))
        log_thr = float(np.log(np.asarray(threshold, dtype=float)))
        if not (math.isfinite(horizon) and horizon > 0):
            raise ValueError(f"horizon={horizon!r} must be a finite number > 0")
        if options.benchmark_grid_points < 2:
            raise ValueError(f"benchmark_grid_points={options.benchmark_grid_points!r}: "
                             "must be at least 2")
        grid = np.linspace(0.0, horizon, options.benchmark_grid_points)
        sn = float(np.asarray(options.slowdown) * sprt_numerator(options.false_alarm,
                                                                 options.miss))
        flop = options.threshold_flop
        if not (np.isfinite(flop) and flop > 0):
            raise ValueError(f"threshold_flop={flop!r}: must be a finite number > 0")
        log_flop = float(np.log(flop))
        names = outcome_names(options)
    if {"loss_gap", "tokens_to_distinguish"} & wanted:
        sn = float(np.asarray(options.slowdown) * sprt_numerator(options.false_alarm,
                                                                 options.miss))
    order = [s for s in SERIES if s in wanted]
    slots = _slots(tuple(order))

    # input rows in the registry's order
    par = np.empty((len(NAMES), n))
    for k, name in enumerate(NAMES):
        par[k] = getattr(q, name)
    par_rows = _par_rows()
    horizons = np.asarray(options.horizons if outcomes else (), dtype=float).reshape(-1)
    out = np.empty((len(names) and registry.output_width(len(horizons)), n))
    out_rows = _out_rows(len(horizons))
    # series only binned are computed into one scratch row each (they never leave the cache)
    ser = np.empty((len(order), n if (series or n <= 1) else 1, nt))
    hmap = np.array([binned.index(s) if s in binned else -1 for s in order], dtype=np.int64)
    if bins is not None:
        hist = bins.counts
        if hist.dtype != np.int64 or not hist.flags.c_contiguous or \
                hist.shape[:2] != (len(binned), nt) or not 6 <= hist.shape[2] <= MAX_BINS + 5:
            raise ValueError(f"bins.counts: shape {hist.shape} {hist.dtype}; expected "
                             f"({len(binned)}, {nt}, bins + 5) int64, C order, 1 <= bins <= "
                             f"{MAX_BINS}")
        nb = hist.shape[2] - 5
        hlo = np.ascontiguousarray(bins.lo, dtype=np.float64).reshape(len(binned), nt)
        hsc = np.ascontiguousarray(scale(hlo, np.asarray(bins.hi).reshape(len(binned), nt),
                                         nb))
        hlog = np.ascontiguousarray(bins.log, dtype=np.bool_).reshape(len(binned))
        hcol = np.empty((len(binned), n, nt), dtype=np.int16)
    else:
        hist = np.zeros((0, nt, 6), dtype=np.int64)
        hlo = hsc = np.zeros((0, nt))
        hlog = np.zeros(0, dtype=np.bool_)
        hcol = np.zeros((0, 0, nt), dtype=np.int16)
    steps = float(options.steps)
    # whole step counts by repeated squaring, others (and 1) as the reference's power
    isteps = int(steps) if (1 <= steps <= 2**31 and steps == math.floor(steps)) else 0
    settings = Settings(nt=nt, ng=grid.shape[0], nh=horizons.shape[0], dt=_uniform_step(t_arr),
                        horizon=horizon, thr=thr, log_thr=log_thr, log_flop=log_flop, sn=sn,
                        steps=steps, isteps=isteps, iterations=int(options.benchmark_iterations),
                        form=_INFERENCE_FORMS[options.inference], stamp=STAMP[0])
    _check_bounds(par, par_rows, n, nt, horizons.shape[0], out, out_rows, ser, slots, hmap,
                  hlo, hsc, hlog, hist, hcol)
    bfl, brow, bout = _bench_rows(len(horizons))
    bslot = np.array([order.index(f"benchmark_gap_{b}") if f"benchmark_gap_{b}" in order else -1
                      for b in benchmarks.NAMES], dtype=np.int64)
    _check_bench_bounds(par, out, ser, horizons.shape[0], brow, bout, bslot)
    _block(par, par_rows, reason == 0, t_arr, grid, horizons, settings, out, out_rows, ser,
           slots, hmap, hlo, hsc, hlog, hist, hcol, bfl, brow, bout, bslot)

    result: dict[str, Array] = {"domain_reason": reason}
    for k, name in enumerate(names):
        result[name] = out[k]
    for k, name in enumerate(order):
        if name in series:
            result[name] = ser[k]
    return result


def _check_bounds(par: np.ndarray, par_rows: np.ndarray, n: int, nt: int, nh: int,
                  out: np.ndarray, out_rows: np.ndarray, ser: np.ndarray, slots: np.ndarray,
                  hmap: np.ndarray, hlo: np.ndarray, hsc: np.ndarray, hlog: np.ndarray,
                  hist: np.ndarray, hcol: np.ndarray) -> None:
    """Every index the compiled loop writes through lies inside the array it writes to.

    The compiled loop does no bounds checking (numba's default): a row table that disagreed with
    its array (a series named twice, a family's horizons beyond the output's width) would write
    outside the buffer and corrupt the heap. The widths come from the registry
    (:func:`registry.output_width`, the series' slots); a mismatch is a bug, raised here as a
    RuntimeError (not an assert, which ``python -O`` removes) before anything is written.
    """
    def bad(what: str) -> None:
        raise RuntimeError(f"kernel layout: {what}; refusing to run the compiled loop")

    rows = [int(par_rows[0][f]) for f in par_rows.dtype.names]
    if par.ndim != 2 or par.shape[1] != n or not all(0 <= r < par.shape[0] for r in rows):
        bad(f"parameter rows {rows} outside the input {par.shape}")
    if out.shape[0] > 0:
        width = registry.output_width(nh)
        if out.shape != (width, n):
            bad(f"output {out.shape}, the registry's width is ({width}, {n})")
        fam = {fam.prefix for fam in registry.FAMILIES}
        for name in out_rows.dtype.names:
            first, span = int(out_rows[0][name]), (nh if name in fam else 1)
            if first < 0 or first + span > width:
                bad(f"outcome {name!r} rows {first}..{first + span - 1} beyond {width}")
    used = [int(slots[0][f]) for f in slots.dtype.names if int(slots[0][f]) >= 0]
    if sorted(used) != list(range(ser.shape[0])):
        bad(f"series slots {used} do not fill the series array's {ser.shape[0]} rows once each")
    if ser.shape[0] > 0 and (ser.shape[2] != nt or ser.shape[1] not in (1, n)):
        bad(f"series array {ser.shape} for {n} scenarios of {nt} steps")
    h = hist.shape[0]
    if hmap.shape != (ser.shape[0],) or ((hmap < -1) | (hmap >= h)).any() or \
            len(set(hmap[hmap >= 0].tolist())) != int((hmap >= 0).sum()):
        bad(f"histogram map {hmap.tolist()} for {h} histograms")
    if h > 0 and (hcol.shape[:3] != (h, n, nt) or hlo.shape != (h, nt) or
                  hsc.shape != (h, nt) or hlog.shape != (h,)):
        bad(f"histogram scratch {hcol.shape} for ({h}, {n}, {nt})")


@functools.cache
def _par_rows() -> np.ndarray:
    """Row of each parameter in the kernel's input: the registry's order."""
    return layout(NAMES, {name: k for k, name in enumerate(NAMES)})


@functools.cache
def _out_rows(n_horizons: int) -> np.ndarray:
    """Row of each outcome (and first row of each family) in the kernel's output."""
    rows = registry.outcome_rows(n_horizons)
    return layout(tuple(rows), rows)


def _check_bench_bounds(par: np.ndarray, out: np.ndarray, ser: np.ndarray, nh: int,
                        brow: np.ndarray, bout: np.ndarray, bslot: np.ndarray) -> None:
    """The capability layer's index tables lie inside the arrays the compiled loop writes (as
    :func:`_check_bounds` for the others)."""
    if brow.size and (brow.min() < 0 or brow.max() >= par.shape[0]):
        raise RuntimeError(f"kernel layout: benchmark parameter rows {brow.tolist()} outside "
                           f"the input {par.shape}; refusing to run the compiled loop")
    if out.shape[0] > 0 and bout.size and (bout.min() < 0 or bout[:, :2].max() >= out.shape[0]
                                           or bout[:, 2].max() + nh > out.shape[0]):
        raise RuntimeError(f"kernel layout: benchmark output rows {bout.tolist()} beyond "
                           f"{out.shape[0]}; refusing to run the compiled loop")
    if bslot.size and bslot.max() >= ser.shape[0]:
        raise RuntimeError(f"kernel layout: benchmark series slots {bslot.tolist()} beyond "
                           f"{ser.shape[0]} rows; refusing to run the compiled loop")


@functools.cache
def _bench_rows(n_horizons: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per benchmark of the capability layer: its floor, the input rows of (ceiling, midpoint,
    slope) and the output rows of (t_peak_benchmark_<b>, peak_benchmark_gap_<b>, the first
    horizon of benchmark_gap_<b>_at_<h>y)."""
    rows = registry.outcome_rows(n_horizons)
    names = list(NAMES)
    bfl = np.array([benchmarks.BENCHMARKS[b].floor for b in benchmarks.NAMES])
    brow = np.array([[names.index(benchmarks.parameter(b, f)) for f in benchmarks.FIELDS]
                     for b in benchmarks.NAMES], dtype=np.int64).reshape(-1, 3)
    bout = np.array([[rows[f"t_peak_benchmark_{b}"], rows[f"peak_benchmark_gap_{b}"],
                      rows[f"benchmark_gap_{b}"]] for b in benchmarks.NAMES],
                    dtype=np.int64).reshape(-1, 3)
    return bfl, brow, bout


@functools.cache
def _slots(order: tuple[str, ...]) -> np.ndarray:
    """Row of each requested series in the kernel's series array, -1 for the others."""
    return layout(SERIES, {s: order.index(s) if s in order else -1 for s in SERIES})


def _uniform_step(t: Array) -> float:
    """The step of t if it is an increasing uniform grid (to rounding), else 0."""
    n = t.shape[0]
    if n < 3 or not np.all(np.isfinite(t)):
        return 0.0
    dt = (t[-1] - t[0]) / (n - 1)
    if not dt > 0:
        return 0.0
    dev = np.abs(t - (t[0] + dt * np.arange(n)))
    scale = max(abs(t[0]), abs(t[-1]))
    return float(dt) if np.all(dev <= 4 * np.finfo(float).eps * scale) else 0.0
