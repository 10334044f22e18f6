"""The Sobol' analysis against SALib's sobol.analyze on the same design, in one run.

    python benchmarks/sobol_analysis.py [--n 16384] [--salib-columns 20]

Evaluates the default sobol experiment's Saltelli design (2025-anchored priors, N base rows,
second order, the scaling law as one grouped factor) once, then times on the same outputs:

- one scalar output (t_peak) with S1, ST, S2 and 100 bootstrap resamples: SALib's analyze
  against engine.sensitivity.sobol_indices;
- the 301-point loss_gap series, S1/ST at every time point: SALib once per column (timed on
  --salib-columns columns and scaled to 301: every column costs the same) against the engine's
  chunked reducer (the path every run takes, pieces folded in order).

It prints the largest difference between the two. Targets (issue 12): >= 100x on the scalar,
< 1 s per 301-point series, identical numbers (the tests require <= 1e-10).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from common import settings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=16384)
    ap.add_argument("--salib-columns", type=int, default=20)
    args = ap.parse_args()

    from SALib.analyze import sobol as salib_sobol

    from engine.designs import make_design
    from engine.evaluate import Job, evaluate_arrays, piece_rows
    from engine.reducers import SobolSeries
    from engine.sensitivity import sobol_indices
    from engine.sensitivity.sobol import first_total_layout

    s = settings(["experiment=sobol"])
    factors = s.priors.uncertain
    g = len(factors)
    design = make_design("saltelli", args.n, s.priors.columns, s.seed, groups=s.priors.groups)
    problem = {"num_vars": s.priors.columns, "names": [f"c{i}" for i in range(s.priors.columns)],
               "bounds": [[0, 1]] * s.priors.columns, "groups": s.priors.groups}
    t0 = time.perf_counter()
    job = Job(s.simulator, s.priors, design, s.t, s.start_year)
    out = evaluate_arrays(job, ["loss_gap"], outcomes=True)
    print(f"design: N = {args.n}, {g} factors ({s.priors.columns} columns), {design.rows:,} "
          f"scenarios x {len(s.t)} time points, evaluated in {time.perf_counter() - t0:.1f} s")

    y = out["t_peak"]
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = salib_sobol.analyze(problem, y, calc_second_order=True, num_resamples=100,
                                  seed=s.seed)
    t_salib = time.perf_counter() - t0
    best = np.inf
    for _ in range(5):
        t0 = time.perf_counter()
        mine = sobol_indices(y, g, second_order=True, num_resamples=100, seed=s.seed)
        best = min(best, time.perf_counter() - t0)
    upper = np.triu(np.ones((g, g), dtype=bool), 1)
    diff = max(np.max(np.abs(getattr(mine, k)[0] - ref[k])) for k in ("S1", "S1_conf", "ST",
                                                                         "ST_conf"))
    diff = max(diff, np.max(np.abs(mine.S2[0][upper] - ref["S2"][upper])))
    print(f"scalar t_peak, S1/ST/S2 + 100 resamples: SALib {t_salib:.3f} s, engine "
          f"{best * 1000:.1f} ms (best of 5): {t_salib / best:.0f}x; largest difference "
          f"{diff:.1e}")

    series = out["loss_gap"]
    ft = first_total_layout(series, g, True)
    cols = np.linspace(0, series.shape[1] - 1, args.salib_columns).astype(int)
    t0 = time.perf_counter()
    refs = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for j in cols:
            refs[j] = salib_sobol.analyze(problem, ft[:, j], calc_second_order=False,
                                          num_resamples=100, seed=s.seed)
    t_salib_series = (time.perf_counter() - t0) * series.shape[1] / len(cols)
    red = SobolSeries(["loss_gap"], g, True, args.n, num_resamples=100, seed=s.seed)
    t0 = time.perf_counter()
    red.prepare({})
    piece = piece_rows(design)
    total = None
    for a in range(0, design.rows, piece):
        part = red.partial({"loss_gap": series[a:a + piece]}, a)
        total = part if total is None else red.combine(total, part)
    (res, _), = red.finish(total).values()
    t_mine = time.perf_counter() - t0
    diff = max(np.max(np.abs(getattr(res, k)[j] - refs[j][k])) for j in cols
               for k in ("S1", "S1_conf", "ST", "ST_conf"))
    print(f"301-point loss_gap series, S1/ST per point: SALib {t_salib_series:.1f} s "
          f"(scaled from {len(cols)} columns), engine {t_mine:.2f} s per series: "
          f"{t_salib_series / t_mine:.0f}x; largest difference {diff:.1e}")


if __name__ == "__main__":
    main()
