"""Scenario-steps per second of the compiled kernel against the numpy reference and a baseline.

    python benchmarks/kernel_speed.py [--n 1000000] [--steps 301] [--chunk 8192]
                                      [--reference-n N] [--priors literature|wide]

One run prints, on the same scenarios (every outcome and the loss-gap series, a time grid of
``--steps`` points over 30 years):

- kernel, 1 thread:   engine.model.kernel.evaluate over the scenarios in chunks of --chunk rows;
- kernel, 2 threads:  the same, a ThreadPoolExecutor running the two halves at once (the kernel
                      releases the GIL; this is how Dask threads use it);
- numpy reference:    engine.model.outcomes.evaluate, one thread, in blocks of 1024 rows (the
                      block size the engine used for (rows, t) temporaries to stay in cache);
- numpy loss gap:     A exp(-alpha m(t)) (-expm1(-alpha d(t))) alone, on (1024, T) blocks: the
                      plain-numpy baseline for the one series the engine keeps.

Rates are scenario-steps per second (scenarios x time points / wall seconds), compilation
excluded (everything is warmed up first). Compilation is timed separately in fresh processes:
the first call with an empty numba cache, then with the cache it wrote. The target: >= 100e6
scenario-steps/s with 2 threads at 10^6 x 301. Wall times on a machine shared with other work
vary; the single-thread line also gives the thread's CPU time.

The scenarios: ``literature`` (default) draws the engine's literature priors (alpha U(0.15,
0.18), g_alg lognormal(2.8, 0.276), g_hw triangular(1.25, 1.4, 1.57), g_inv U-log(2, 3.6), g_inf
lognormal(9, 0.34), budgets U-log $100-$1e5 and $1e3-$1e6, FLOP/$ U-log 3e16-3e17); ``wide``
draws every parameter over and beyond its literature range, with switch years and both policy
levers.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.model import kernel, outcomes  # noqa: E402
from engine.model.params import NAMES, Params  # noqa: E402
from engine.model.paths import Paths  # noqa: E402

SERIES = ("loss_gap",)
BLOCK = 1024


def scenarios(n: int, kind: str, seed: int = 1) -> Params:
    """n parameter sets as contiguous float arrays."""
    rng = np.random.default_rng(seed)

    def lu(lo: float, hi: float) -> np.ndarray:
        return np.exp(rng.uniform(np.log(lo), np.log(hi), n))

    if kind == "literature":
        v = dict(alpha=rng.uniform(0.15, 0.18, n), A=np.full(n, 1070.0), L0=np.full(n, 1.7),
                 g_alg=np.maximum(2.8 * np.exp(0.276 * rng.standard_normal(n)), 1.0),
                 g_hw=rng.triangular(1.25, 1.4, 1.57, n), g_inv=lu(2.0, 3.6),
                 g_inf=np.maximum(9.0 * np.exp(0.34 * rng.standard_normal(n)), 1.0),
                 meek_budget_usd=lu(1e2, 1e5), sota_budget_usd=lu(1e3, 1e6),
                 flop_per_usd=lu(3e16, 3e17), price_per_token_usd=np.full(n, 1e-8))
    else:
        g_inv = lu(1.1, 12.0)
        meek = lu(1e2, 1e12)
        v = dict(alpha=rng.uniform(0.1, 0.25, n), A=lu(300.0, 5000.0), L0=rng.uniform(1.5, 2, n),
                 g_alg=lu(1.05, 8.0), g_hw=lu(1.05, 2.0), g_inv=g_inv, g_inf=lu(1.5, 30.0),
                 meek_budget_usd=meek,
                 sota_budget_usd=np.where(rng.random(n) < 0.7, meek * lu(1.0, 1e6),
                                          lu(1e2, 1e12)),
                 flop_per_usd=lu(1e16, 1e19), price_per_token_usd=lu(1e-9, 1e-5),
                 switch_year=np.where(rng.random(n) < 0.5, np.inf, rng.uniform(0, 15, n)),
                 g_inv_after=g_inv ** rng.random(n),
                 export_control_strength=np.where(rng.random(n) < 0.5, 0.0, rng.random(n)),
                 diffusion_lag_years=np.where(rng.random(n) < 0.5, 0.0,
                                              rng.uniform(0.0, 8.0, n)))
    defaults = Params()
    return Params(**{name: np.ascontiguousarray(np.broadcast_to(
        np.asarray(v.get(name, getattr(defaults, name)), dtype=float), (n,))) for name in NAMES})


def rows(p: Params, a: int, b: int) -> Params:
    """Scenarios [a, b) (views)."""
    return p.map(lambda v: v[a:b])


def run_kernel(p: Params, t: np.ndarray, a: int, b: int, chunk: int) -> float:
    """Evaluate rows [a, b) chunk by chunk; returns a checksum (the outputs are dropped)."""
    total = 0.0
    for s in range(a, b, chunk):
        out = kernel.evaluate(rows(p, s, min(s + chunk, b)), t, series=SERIES)
        total += float(np.nansum(out["loss_gap"][:, -1]))
    return total


def run_reference(p: Params, t: np.ndarray, n: int) -> float:
    """The numpy reference on the first n scenarios, 1024-row blocks; returns a checksum."""
    total = 0.0
    for s in range(0, n, BLOCK):
        with np.errstate(all="ignore"):
            out = outcomes.evaluate(rows(p, s, min(s + BLOCK, n)), t, series=SERIES)
        total += float(np.nansum(out["loss_gap"][:, -1]))
    return total


def run_numpy_gap(p: Params, t: np.ndarray, n: int) -> float:
    """The loss-gap series alone in plain numpy, (1024, T) blocks."""
    total = 0.0
    tt = t[None, :]
    for s in range(0, n, BLOCK):
        col = rows(p, s, min(s + BLOCK, n)).map(lambda v: v[:, None])
        paths = Paths(col)
        alpha = col.alpha
        gap = col.A * np.exp(-alpha * paths.meek(tt)) * -np.expm1(-alpha * paths.lead(tt))
        total += float(np.nansum(gap[:, -1]))
    return total


def timed(fn: Callable[..., object], *args: object) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this thread)."""
    w0, c0 = time.perf_counter(), time.thread_time()
    fn(*args)
    return time.perf_counter() - w0, time.thread_time() - c0


def compile_times() -> tuple[float, float]:
    """Seconds of the first kernel call in a fresh process: empty numba cache, then cached."""
    code = textwrap.dedent("""
        import sys, time
        sys.path.insert(0, %r)
        import numpy as np
        t0 = time.perf_counter()
        from engine.model import kernel
        from engine.model.params import PAPER
        kernel.evaluate(PAPER, np.linspace(0.0, 30.0, 301), series=("loss_gap",))
        print(time.perf_counter() - t0)
    """ % str(ROOT))
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        times = [float(subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                      capture_output=True, text=True).stdout)
                 for _ in range(2)]
    return times[0], times[1]


def main() -> None:
    """Measure and print every line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--steps", type=int, default=301)
    parser.add_argument("--chunk", type=int, default=8192, help="rows per kernel call")
    parser.add_argument("--reference-n", type=int, default=None,
                        help="scenarios for the two numpy lines (default: --n)")
    parser.add_argument("--priors", choices=("literature", "wide"), default="literature")
    args = parser.parse_args()
    n, steps = args.n, args.steps
    n_ref = args.reference_n or n
    t = np.linspace(0.0, 30.0, steps)
    p = scenarios(n, args.priors)

    first, cached = compile_times()
    print(f"compilation (first call in a fresh process): {first:.1f} s with an empty numba "
          f"cache, {cached:.2f} s cached")
    run_kernel(p, t, 0, min(n, 2 * args.chunk), args.chunk)  # warm up
    run_reference(p, t, min(n_ref, BLOCK))
    run_numpy_gap(p, t, min(n_ref, BLOCK))

    work = n * steps
    wall1, cpu1 = timed(run_kernel, p, t, 0, n, args.chunk)
    half = n // 2
    with ThreadPoolExecutor(2) as pool:
        w0 = time.perf_counter()
        futures = [pool.submit(timed, run_kernel, p, t, 0, half, args.chunk),
                   pool.submit(timed, run_kernel, p, t, half, n, args.chunk)]
        cpu2 = max(f.result()[1] for f in futures)  # the busier thread's CPU seconds
        wall2 = time.perf_counter() - w0
    load = os.getloadavg()[0]
    wall_ref, _ = timed(run_reference, p, t, n_ref)
    wall_np, _ = timed(run_numpy_gap, p, t, n_ref)

    rate1, rate1_cpu, rate2 = work / wall1, work / cpu1, work / wall2
    rate_ref, rate_np = n_ref * steps / wall_ref, n_ref * steps / wall_np
    print(f"{n:,} scenarios x {steps} time points ({args.priors} priors), every outcome and "
          f"the loss_gap series; kernel calls of {args.chunk} rows")
    print(f"kernel, 1 thread : {rate1 / 1e6:8.1f} M scenario-steps/s  ({wall1:.2f} s wall; "
          f"{rate1_cpu / 1e6:.1f} M/s = {cpu1 / n * 1e6:.2f} us per scenario of thread CPU)")
    print(f"kernel, 2 threads: {rate2 / 1e6:8.1f} M scenario-steps/s  ({wall2:.2f} s wall; "
          f"{rate2 / rate1:.2f}x one thread; target 100 M/s: "
          f"{'reached' if rate2 >= 100e6 else 'NOT reached'}; with a core per thread: "
          f"{work / cpu2 / 1e6:.1f} M/s, from the busier thread's CPU time; load average "
          f"{load:.1f} on {os.cpu_count()} cores)")
    print(f"numpy reference  : {rate_ref / 1e6:8.2f} M scenario-steps/s  ({wall_ref:.2f} s wall "
          f"for {n_ref:,} scenarios, 1 thread, {BLOCK}-row blocks)")
    print(f"numpy loss gap   : {rate_np / 1e6:8.1f} M scenario-steps/s  ({wall_np:.2f} s wall, "
          f"the series alone, {BLOCK}-row blocks)")
    print(f"ratios: kernel 1 thread / numpy reference = {rate1 / rate_ref:.0f}x, "
          f"kernel 2 threads / numpy reference = {rate2 / rate_ref:.0f}x, "
          f"kernel 1 thread / numpy loss gap alone = {rate1 / rate_np:.2f}x, "
          f"kernel 2 threads / numpy loss gap alone = {rate2 / rate_np:.2f}x")


if __name__ == "__main__":
    main()
