"""The compiled kernel (engine.model.kernel) against the numpy reference (engine.model.outcomes).

Agreement is 1e-12 relative, with an absolute floor only where a value is a difference of
nearly equal quantities, stated per kind of value in :func:`tolerance` (each outcome and series
declares its kind in engine.model.registry):

- times (years): 1e-12 * max(|t|, 1 year). A time is a position on an axis whose origin is
  arbitrary, so a time near t = 0 is a near-zero difference; 1e-12 max(|t|, 1) is also the
  reference's own Newton tolerance.
- loss gaps and losses (nats): 1e-12 * A C_m(t)^-alpha, the loss term of the meek model that the
  gap is the difference of (for the inference gap, of the inference user's model). Exact zeros
  (equal budgets at t = 0) are reproduced exactly.
- benchmark gaps (percentage points): 1e-12 * 100 pp, the size of the two scores that a
  benchmark gap is the difference of. Their arguments (ln compute ~ 50, rounded to ~1e-14)
  make the reference itself uncertain by ~3e-13 pp.
- t_peak_benchmark: the location of a smooth maximum is fixed only to ~sqrt(eps) of its scale,
  and the last golden-section steps compare values that differ by less than their rounding (in
  numpy's SIMD exp/tanh and in the kernel's exp alike), so the time is checked as a maximiser:
  the reference's own benchmark gap at the kernel's time equals the reference's peak to the
  benchmark floor.
"""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

from engine.model import kernel, outcomes, registry, searches
from engine.model.benchmarks import BENCHMARKS
from engine.model.outcomes import SERIES, Options, _bench_gap
from engine.model.params import NAMES, PAPER, Params
from engine.model.paths import Paths

T301 = np.linspace(0.0, 30.0, 301)
T121 = np.linspace(0.0, 30.0, 121)




def scenarios(n: int, seed: int, *, switch: bool = True, policy: str = "both",
              invalid: float = 0.0, equal_budgets: float = 0.1, growth: bool = True) -> Params:
    """Random parameter sets over and beyond the literature ranges."""
    rng = np.random.default_rng(seed)

    def lu(lo: float, hi: float) -> np.ndarray:
        return np.exp(rng.uniform(math.log(lo), math.log(hi), n))

    g_inv = lu(1.1, 12.0)
    meek = lu(1e2, 1e12)
    sota = np.where(rng.random(n) < 0.6, meek * lu(1.0, 1e6), lu(1e2, 1e12))  # also sota < meek
    sota = np.where(rng.random(n) < equal_budgets, meek, sota)
    v = dict(alpha=rng.uniform(0.08, 0.3, n), A=lu(200.0, 6000.0), L0=rng.uniform(1.4, 2.1, n),
             g_alg=lu(1.05, 8.0), g_hw=lu(1.05, 2.0), g_inv=g_inv, g_inf=lu(1.5, 30.0),
             meek_budget_usd=meek, sota_budget_usd=sota, flop_per_usd=lu(1e16, 1e19),
             price_per_token_usd=lu(1e-9, 1e-5), switch_year=np.full(n, np.inf),
             g_inv_after=np.ones(n), export_control_strength=np.zeros(n),
             diffusion_lag_years=np.zeros(n))
    if "inference_compute_multiplier" in NAMES:
        v["inference_compute_multiplier"] = np.where(rng.random(n) < 0.5, 1.0, lu(0.1, 100.0))
    if switch:
        v["switch_year"] = np.where(rng.random(n) < 0.3, np.inf, rng.uniform(0.0, 15.0, n))
        v["g_inv_after"] = np.where(rng.random(n) < 0.2, 1.0, g_inv ** rng.random(n))
    if policy in ("both", "export"):
        v["export_control_strength"] = np.where(rng.random(n) < 0.3, 0.0, rng.random(n))
    if policy in ("both", "lag"):
        v["diffusion_lag_years"] = np.where(rng.random(n) < 0.3, 0.0, rng.uniform(0.0, 8.0, n))
    if invalid:
        bad = rng.random(n) < invalid
        kind = rng.integers(0, 6, n)
        v["g_inv"] = np.where(bad & (kind == 0), 0.9, v["g_inv"])
        v["alpha"] = np.where(bad & (kind == 1), -0.1, v["alpha"])
        v["switch_year"] = np.where(bad & (kind == 2), np.nan, v["switch_year"])
        v["g_alg"] = np.where(bad & (kind == 3), 0.5, v["g_alg"])
        v["export_control_strength"] = np.where(bad & (kind == 4), 1.5,
                                                v["export_control_strength"])
        v["L0"] = np.where(bad & (kind == 5), np.inf, v["L0"])
    if growth:  # drawn last: the draws above are those of the fixed-budget scenarios
        # half fixed budgets; of the growing ones a tenth exactly as fast as the frontier's
        # budget, the others up to g_inv^1.6 (faster: the meek actor overtakes)
        u = np.where(rng.random(n) < 0.1, 1.0, rng.uniform(0.05, 1.6, n))
        v["meek_growth"] = np.where(rng.random(n) < 0.5, 1.0, v["g_inv"] ** u)
        if invalid:  # a shrinking meek budget is outside the domain
            v["meek_growth"] = np.where(rng.random(n) < invalid / 6, 0.8, v["meek_growth"])
    # the capability layer, drawn last (the draws above stay those of earlier versions): floors
    # to 1, midpoints over the paths' range of compute, slopes from flat to steep
    for name, b in BENCHMARKS.items():
        v[f"{name}_ceiling"] = np.where(rng.random(n) < 0.1, 1.0,
                                        rng.uniform(b.floor + 0.01, 1.0, n))
        v[f"{name}_midpoint"] = rng.uniform(18.0, 32.0, n)
        v[f"{name}_slope"] = lu(0.1, 5.0)
        if invalid:
            v[f"{name}_ceiling"] = np.where(rng.random(n) < invalid / 6, b.floor - 0.01,
                                            v[f"{name}_ceiling"])
    return Params(**v)


def meek_term(p: Params, t: np.ndarray, inference: str | None = None) -> np.ndarray:
    """A C(t)^-alpha of the meek model (or of the inference user's), shape (n, len(t))."""
    q = p.arrays()
    n = int(np.broadcast(*q.as_dict().values()).size)
    col = q.map(lambda v: np.broadcast_to(v, (n,))[:, None])
    paths = Paths(col, inference or "paper")
    tt = np.asarray(t, dtype=float)[None, :]
    log_c = paths.meek(tt) if inference is None else paths.inference(tt)
    with np.errstate(all="ignore"):
        return np.asarray(col.A) * np.exp(-np.asarray(col.alpha) * log_c)


def subnormal(p: Params) -> np.ndarray:
    """A * 2**-1074 per scenario, shape (n, 1): where e^{-alpha m} underflows to a subnormal
    number (horizons of centuries) a loss term is known only to A times its spacing."""
    q = p.arrays()
    n = int(np.broadcast(*q.as_dict().values()).size)
    return 2.0 * np.broadcast_to(q.A, (n,))[:, None] * np.finfo(float).smallest_subnormal


def tolerance(name: str, ref: dict[str, np.ndarray], p: Params, t: np.ndarray,
              o: Options) -> np.ndarray:
    """Allowed |kernel - reference| for ref[name], element by element, from the value's
    tolerance class in the registry (module docstring)."""
    r = ref[name]
    rel = 1e-12 * np.abs(r)
    if name == "domain_reason":
        return rel  # exact
    out, h = registry.resolve(name)
    kind = out.tolerance
    series = name in registry.SERIES
    if kind == "time":
        return np.maximum(rel, 1e-12)
    if kind == "benchmark":
        return rel + 1e-12 * 100.0
    if kind == "relative":
        return rel
    if kind in ("loss", "inference_loss") and series:
        scale = meek_term(p, t, o.inference if kind == "inference_loss" else None)
        return rel + np.nan_to_num(1e-12 * scale + subnormal(p))
    if kind == "loss":  # a peak from t = 0 on (C_m >= C_m(0)), or a horizon's gap
        return rel + 1e-12 * meek_term(p, np.array([0.0 if h is None else h]))[:, 0]
    if kind == "reciprocal":  # 1 / gap: the gap's relative tolerance
        with np.errstate(all="ignore"):
            return np.abs(r) * tolerance(out.of, ref, p, t, o) / np.abs(ref[out.of])
    raise AssertionError(f"{name}: no tolerance for class {kind!r}")


def assert_agree(p: Params, t: np.ndarray, o: Options = Options(),
                 series: tuple[str, ...] = SERIES) -> dict[str, float]:
    """Kernel == reference: keys, order, shapes, dtypes, NaN/inf patterns, values."""
    ref = outcomes.evaluate(p, t, o, series=series)
    ker = kernel.evaluate(p, t, o, series=series)
    assert list(ker) == list(ref)
    worst = {}
    for name, r in ref.items():
        k = ker[name]
        assert k.shape == r.shape and k.dtype == r.dtype, name
        np.testing.assert_array_equal(np.isnan(k), np.isnan(r), err_msg=name)
        np.testing.assert_array_equal(np.isposinf(k), np.isposinf(r), err_msg=name)
        np.testing.assert_array_equal(np.isneginf(k), np.isneginf(r), err_msg=name)
        fin = np.isfinite(r)
        if name != "domain_reason" and registry.resolve(name)[0].tolerance == "maximiser":
            q = p.arrays().map(lambda v: np.broadcast_to(v, r.shape)[fin])
            of = registry.resolve(name)[0].of or "peak_benchmark_gap"
            if of == "peak_benchmark_gap":
                at_kernel = searches.benchmark_gap(k[fin], q, steps=o.steps)
            else:  # a benchmark of the capability layer: its gap on the reference's paths
                bench = of.removeprefix("peak_benchmark_gap_")
                at_kernel = _bench_gap(Paths(q, o.inference), k[fin], q, bench)
            peak = ref[of][fin]
            err = np.abs(at_kernel - peak) - 1e-12 * (np.abs(peak) + 100.0)
            assert np.all(err <= 0), (name, float(err.max()))
        else:
            tol = tolerance(name, ref, p, t, o)
            with np.errstate(invalid="ignore"):
                diff = np.abs(k - r)
            assert np.all(diff[fin] <= np.broadcast_to(tol, r.shape)[fin]), \
                (name, float(np.max((diff - tol)[fin])))
        with np.errstate(all="ignore"):
            worst[name] = float(np.max(np.abs(k - r)[fin] / np.abs(r)[fin], initial=0.0))
    return worst


CASES = {
    "constant growth": dict(switch=False, policy="none"),
    "switch schedules": dict(switch=True, policy="none"),
    "export controls": dict(switch=False, policy="export"),
    "diffusion lag": dict(switch=False, policy="lag"),
    "everything": dict(switch=True, policy="both"),
    "invalid rows": dict(switch=True, policy="both", invalid=0.15),
    "fixed meek budgets": dict(switch=True, policy="both", growth=False),
}


@pytest.mark.parametrize("case", list(CASES))
def test_agrees_with_reference(case: str) -> None:
    p = scenarios(3000, seed=list(CASES).index(case) + 1, **CASES[case])
    assert_agree(p, T301 if case == "everything" else T121)


@pytest.mark.parametrize("o", [
    Options(inference="price_decline"),
    Options(steps=3, threshold_nats=0.01, horizons=(2.5, 40.0)),
    Options(steps=2, false_alarm=0.01, miss=0.2, slowdown=3.0, threshold_flop=1e23,
            benchmark_grid_points=17, benchmark_iterations=12, threshold_nats=0.2),
    Options(steps=2.5, horizons=(), benchmark_grid_points=2, benchmark_iterations=0),
], ids=["price_decline", "steps3", "other options", "degenerate search"])
def test_agrees_with_reference_for_options(o: Options) -> None:
    assert_agree(scenarios(2000, seed=11, invalid=0.05), T121, o)


def test_agrees_on_other_time_grids() -> None:
    """Non-uniform grids, grids starting before 0, short horizons (the direct series path)."""
    p = scenarios(1000, seed=21)
    for t in (np.array([0.0, 0.3, 1.0, 2.5, 7.0, 19.0]), np.linspace(-5.0, 10.0, 61),
              np.linspace(0.0, 0.5, 11), np.array([3.0]), np.linspace(0.0, 100.0, 201),
              np.linspace(-10.0, 0.0, 11), np.arange(31)):
        assert_agree(p, t)
    # centuries: e^{-alpha m} underflows to subnormal numbers
    assert_agree(p.map(lambda v: np.asarray(v)[:200]), np.linspace(0.0, 1000.0, 1001))


def test_outcomes_or_series_alone_and_empty() -> None:
    p = scenarios(50, seed=5)
    for series, outc in [((), True), (("loss_gap",), False), (("years_behind", "loss_meek"),
                                                              False), ((), False)]:
        ref = outcomes.evaluate(p, T121, series=series, outcomes=outc)
        ker = kernel.evaluate(p, T121, series=series, outcomes=outc)
        assert list(ker) == list(ref)
    empty = p.map(lambda v: np.asarray(v)[:0])
    assert {k: v.shape for k, v in kernel.evaluate(empty, T121, series=SERIES).items()} == \
        {k: v.shape for k, v in outcomes.evaluate(empty, T121, series=SERIES).items()}


def test_scalar_parameters_and_paper_setting() -> None:
    out = kernel.evaluate(PAPER, np.linspace(0.0, 20.0, 201))
    assert round(float(out["t_peak"][0]), 3) == 3.359
    assert round(float(out["peak_gap"][0]), 4) == 0.2118
    assert round(float(out["t_inference_catchup"][0]), 3) == 1.332
    slow = kernel.evaluate(PAPER.replace(g_inf=2.8), np.linspace(0.0, 20.0, 201))
    assert round(float(slow["t_inference_catchup"][0]), 2) == 4.10


def test_equal_budgets_give_an_exact_zero_gap_at_zero() -> None:
    p = scenarios(200, seed=9, equal_budgets=1.0)
    out = kernel.evaluate(p, T121, series=("loss_gap", "tokens_to_distinguish"))
    ok = out["domain_reason"] == 0
    assert np.all(out["loss_gap"][ok, 0] == 0.0)
    assert np.all(np.isposinf(out["tokens_to_distinguish"][ok, 0]))


def test_bad_input_raises_like_reference() -> None:
    p = scenarios(5, seed=3)
    for kwargs in [dict(series=("loss_gapp",)), dict(options=Options(threshold_nats=0.0)),
                   dict(options=Options(false_alarm=0.7, miss=0.5)),
                   dict(options=Options(threshold_flop=-1.0)),
                   dict(options=Options(false_alarm=2.0), series=("loss_gap",),
                        outcomes=False)]:
        with pytest.raises(ValueError) as want:
            outcomes.evaluate(p, T121, **kwargs)
        with pytest.raises(ValueError) as got:
            kernel.evaluate(p, T121, **kwargs)
        assert str(got.value) == str(want.value)


def bits(out: dict[str, np.ndarray]) -> dict[str, bytes]:
    return {k: np.ascontiguousarray(v).tobytes() for k, v in out.items()}


def test_chunking_gives_the_same_bits() -> None:
    p = scenarios(700, seed=31, invalid=0.05).map(lambda v: np.asarray(v))
    whole = bits(kernel.evaluate(p, T121, series=SERIES))
    rng = np.random.default_rng(0)
    cuts = np.unique(np.r_[0, rng.integers(1, 700, 12), 1, 2, 9, 700])
    parts = [kernel.evaluate(p.map(lambda v, a=a, b=b: v[a:b]), T121, series=SERIES)
             for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
    joined = {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}
    assert bits(joined) == whole
    # one scenario at a time, in reverse order
    one = [kernel.evaluate(p.map(lambda v, i=i: v[i:i + 1]), T121, series=SERIES)
           for i in range(699, 649, -1)]
    assert bits({k: np.concatenate([o[k] for o in one[::-1]]) for k in one[0]}) == \
        bits({k: v[650:] for k, v in kernel.evaluate(p, T121, series=SERIES).items()})


def test_two_threads_give_the_same_bits() -> None:
    p = scenarios(4000, seed=41).map(lambda v: np.asarray(v))
    halves = [p.map(lambda v: v[:2000]), p.map(lambda v: v[2000:])]
    alone = [bits(kernel.evaluate(h, T121, series=("loss_gap",))) for h in halves]
    got: list[dict[str, bytes] | None] = [None, None]
    barrier = threading.Barrier(2)

    def work(j: int) -> None:
        barrier.wait()
        got[j] = bits(kernel.evaluate(halves[j], T121, series=("loss_gap",)))

    threads = [threading.Thread(target=work, args=(j,)) for j in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert got == alone


def test_the_kernel_refuses_benchmark_rows_beyond_its_arrays():
    """The capability layer's index tables are checked like the others before the compiled loop
    (which does no bounds checking) writes through them."""
    from engine.model import kernel

    par, out, ser = np.zeros((30, 4)), np.zeros((20, 4)), np.zeros((1, 4, 11))
    brow = np.array([[0, 1, 2]], dtype=np.int64)
    ok_out = np.array([[3, 4, 5]], dtype=np.int64)
    kernel._check_bench_bounds(par, out, ser, 2, brow, ok_out, np.array([0]))  # inside: passes
    for bad in (dict(brow=np.array([[0, 1, 30]])), dict(bout=np.array([[3, 20, 5]])),
                dict(bout=np.array([[3, 4, 19]])), dict(bslot=np.array([1]))):
        args = dict(brow=brow, bout=ok_out, bslot=np.array([0])) | bad
        with pytest.raises(RuntimeError, match="kernel layout"):
            kernel._check_bench_bounds(par, out, ser, 2, **args)
