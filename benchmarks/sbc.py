"""Simulation-based calibration of the calibration, at more replicates than the tests run.

    python benchmarks/sbc.py [--replicates 100] [--particles 1500] [--likelihood levels|gap]

For each replicate: a parameter point drawn from the default 2025-anchored priors (with the
noise prior of experiment=calibrate), 17 months of leaderboard gaps drawn from it with the same
censored Normal noise, tempered SMC on them, and whether each informed parameter's 90% posterior
interval holds the point. Prints the coverage per parameter and overall, with the range a
calibrated posterior lands in 95% of the time (binomial); the baseline is the nominal 0.90.
With ``--likelihood levels`` (experiment=calibrate's default): records of both benchmarks' two
sides drawn at the observed record months, and the levels' informed parameters.
"""

from __future__ import annotations

import argparse
import time

from scipy.stats import binom

from common import ROOT, settings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=100)
    ap.add_argument("--particles", type=int, default=1500)
    ap.add_argument("--likelihood", choices=("levels", "gap"), default="levels")
    args = ap.parse_args()

    from engine.calibration import levels, observation, study, validation

    s = settings(["experiment=calibrate"])
    sec = s.config.calibrate
    t0 = time.perf_counter()
    if args.likelihood == "levels":
        obs = levels.leaderboard(ROOT / sec.data, sec.price_column, tuple(sec.band),
                                 list(sec.benchmarks))
        model = levels.LevelModel(s.simulator, levels.observation_priors(s.priors, obs), obs,
                                  2025.0)
        result = validation.coverage_levels(model, args.replicates, args.particles)
        months = int(obs.record.sum())
    else:
        obs = observation.leaderboard(ROOT / sec.data, sec.price_column, tuple(sec.band))
        priors = study.observation_priors(s.priors, obs, dict(sec.noise))
        model = study.Model(s.simulator, priors, obs, 2025.0)
        result = validation.coverage(model, obs, args.replicates, args.particles)
        months = len(obs.gap)
    wall = time.perf_counter() - t0
    n = args.replicates
    lo, hi = binom.ppf(0.025, n, 0.9) / n, binom.ppf(0.975, n, 0.9) / n
    print(f"{n} synthetic datasets x {args.particles} particles, {months} observations, "
          f"{wall:.0f} s")
    print(f"nominal (baseline): 0.90; a calibrated posterior's coverage of {n}: "
          f"[{lo:.2f}, {hi:.2f}]")
    for name, hits in result.hits.items():
        print(f"  {name:32s} {hits / n:.2f}")
    total = n * len(result.hits)
    lo, hi = binom.ppf(0.025, total, 0.9) / total, binom.ppf(0.975, total, 0.9) / total
    print(f"overall {result.overall:.3f} of {total} intervals (calibrated: [{lo:.3f}, {hi:.3f}])")


if __name__ == "__main__":
    main()
