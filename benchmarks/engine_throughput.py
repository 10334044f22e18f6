"""The engine's throughput: every outcome plus the loss-gap series at 10^6 scenarios x 301 steps.

    python benchmarks/engine_throughput.py [--n 1000000]

Times, in one run: the whole engine (engine.evaluate: design rows, priors, the compiled kernel
on Dask threads, the series kept in memory; the evaluation phase, and with the netCDF write),
and the baseline of issue 12: a plain-numpy evaluation of the loss-gap series alone
(A exp(-alpha m) -expm1(-alpha d) on (1024, 301) blocks, single process), on the same
parameters. Targets: >= 100e6 scenario-steps/s and >= 1.0x the baseline.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from common import peak_rss_mib, settings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    args = ap.parse_args()

    import dask

    from engine.designs import make_design
    from engine.evaluate import Job, Storage, evaluate, evaluate_rows
    from engine.model.params import Params
    from engine.model.paths import Paths
    from engine.resources import tune_malloc

    s = settings()
    design = make_design("mc", args.n, s.priors.columns, s.seed)
    steps = len(s.t)
    job = Job(s.simulator, s.priors, make_design("mc", 20_000, s.priors.columns, 1), s.t,
              s.start_year, ("loss_gap",))
    evaluate_rows(job, 0, 2000, ("loss_gap",))  # compile (or load the cached kernel) first
    tune_malloc()  # as run.py does
    rates = []
    for attempt in ("first evaluation in this process", "a second, same size"):
        job = Job(s.simulator, s.priors, design, s.t, s.start_year, ("loss_gap",))
        with tempfile.TemporaryDirectory() as tmp, dask.config.set(scheduler="threads",
                                                                   num_workers=2):
            ev = evaluate(job, Path(tmp), storage=Storage(max_memory_bytes=1e11))
        rates.append(args.n * steps / ev.compute_seconds)
        print(f"engine, {attempt}: {args.n:,} scenarios x {steps} steps, every outcome + "
              f"loss_gap: evaluation {ev.compute_seconds:.2f} s = {rates[-1] / 1e6:.0f}e6 "
              f"scenario-steps/s; with the netCDF write {ev.seconds:.1f} s")
    print(f"peak memory {peak_rss_mib():.0f} MiB (the series alone take "
          f"{args.n * steps * 8 / 2**20:.0f} MiB)")
    rate = rates[-1]

    # the baseline: the loss-gap series alone in plain numpy, same parameters, 1024-row blocks
    params = s.priors.map(design.unit_rows(0, args.n))
    p = Params(**{k: np.broadcast_to(np.asarray(params.get(k, v), dtype=float), (args.n,))
                  for k, v in s.simulator.defaults.items()})
    t = s.t[None, :]
    start = time.perf_counter()
    for a in range(0, args.n, 1024):
        q = p.map(lambda v, a=a: np.asarray(v)[a:a + 1024, None])
        paths = Paths(q)
        m = paths.cm0 + (paths.la + paths.lh) * t
        d = paths.lr0 + paths.l1 * t
        _ = q.A * np.exp(-q.alpha * m) * -np.expm1(-q.alpha * d)
    base = time.perf_counter() - start
    base_rate = args.n * steps / base
    print(f"baseline, plain numpy, the loss-gap series alone: {base:.2f} s = "
          f"{base_rate / 1e6:.0f}e6 scenario-steps/s")
    print(f"engine / baseline = {rates[0] / base_rate:.2f}x first, {rate / base_rate:.2f}x "
          f"second (target >= 1.0x); engine rate {rates[0] / 1e6:.0f}e6 first, "
          f"{rate / 1e6:.0f}e6 second (target >= 100e6)")


if __name__ == "__main__":
    main()
