"""Batched Sobol' analysis against SALib's sobol.analyze on the same design, in one run.

    python benchmarks/sobol_analysis.py [--n 16384] [--salib-columns 30]

Evaluates the Saltelli design of the default sobol experiment (literature priors, N base rows,
second order) once, then times:

- one scalar output (t_peak), S1/ST/S2 with 100 bootstrap resamples: SALib vs engine.sensitivity;
- the 301-point loss_gap series, S1/ST at every time point: SALib one call per column (timed on
  --salib-columns columns and scaled to 301, since every column costs the same) vs one batched call.

It also prints the largest difference between the two (the tests require <= 1e-10).
Target (issue 4): 30x or more on the series.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=16384)
    ap.add_argument("--salib-columns", type=int, default=30)
    args = ap.parse_args()

    import dask
    from omegaconf import OmegaConf
    from SALib.analyze import sobol as salib_sobol

    from engine import config, evaluate
    from engine.analysis import _first_total_rows
    from engine.samplers import make_design
    from engine.sensitivity import sobol_indices

    spec = OmegaConf.to_container(OmegaConf.load(ROOT / "conf/priors/literature.yaml"))
    priors = config.load_priors(spec, "meek")
    names = [k for k, p in priors.items() if not p.fixed]
    d = len(names)
    design = make_design("saltelli", args.n, d, seed=20250710)
    t = np.linspace(0, 30, 301)
    with dask.config.set(scheduler="threads", num_workers=2):
        ds = evaluate.run(design, priors, t, series=("loss_gap",))
    problem = {"num_vars": d, "names": names, "bounds": [[0.0, 1.0]] * d}
    seed, r = 7, 100
    print(f"N = {args.n:,} base rows, d = {d}, {design.rows:,} scenarios, {r} bootstrap "
          "resamples")

    y = ds["t_peak"].values
    t0 = time.perf_counter()
    ref = salib_sobol.analyze(problem, y, calc_second_order=True, num_resamples=r, seed=seed)
    t_salib = time.perf_counter() - t0
    t0 = time.perf_counter()
    mine = sobol_indices(y, d, second_order=True, num_resamples=r, seed=seed)
    t_mine = time.perf_counter() - t0
    diff = max(float(np.nanmax(np.abs(getattr(mine, k)[0] - ref[k])))
               for k in ("S1", "S1_conf", "ST", "ST_conf", "S2", "S2_conf"))
    print(f"scalar t_peak (S1, ST, S2): SALib {t_salib:.3f} s, batched {t_mine:.3f} s, "
          f"ratio {t_salib / t_mine:.1f}x, max |difference| {diff:.1e}")

    series = _first_total_rows(ds["loss_gap"].values, d, True)
    k = min(args.salib_columns, series.shape[1])
    cols = np.linspace(0, series.shape[1] - 1, k).astype(int)
    refs = []
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for j in cols:
            refs.append(salib_sobol.analyze(problem, series[:, j], calc_second_order=False,
                                            num_resamples=r, seed=seed))
    t_salib_cols = time.perf_counter() - t0
    t_salib_all = t_salib_cols / k * series.shape[1]
    t0 = time.perf_counter()
    batched = sobol_indices(series, d, second_order=False, num_resamples=r, seed=seed)
    t_batch = time.perf_counter() - t0
    diff = max(float(np.max(np.abs(getattr(batched, key)[j] - refs[i][key])))
               for i, j in enumerate(cols) for key in ("S1", "S1_conf", "ST", "ST_conf"))
    print(f"series loss_gap, {series.shape[1]} points (S1, ST): SALib {t_salib_cols:.2f} s "
          f"for {k} columns -> {t_salib_all:.1f} s for all, batched {t_batch:.2f} s, "
          f"ratio {t_salib_all / t_batch:.0f}x, max |difference| {diff:.1e}")


if __name__ == "__main__":
    main()
