"""Scenario-steps per second through the whole engine against two single-process baselines.

    python benchmarks/engine_throughput.py [--n 1000000] [--steps 301]

Each variant runs in a fresh subprocess (so its peak memory, from the OS's accounting of that
process, is its own), on the literature priors with the loss-gap series kept:

- engine:        sampling + Dask (threaded scheduler, 2 workers) + xarray Dataset, computed.
- numpy:         the same design and model evaluated in one process as whole arrays.
- numpy-blocked: one process, same 1024-row blocking as the engine's tasks (shows how much of
                 the engine's speed is cache blocking and how much is parallelism).
- loop:          one call of the model per scenario (how per-scenario tools work), timed on a
                 subset and reported as a rate.

Targets (issue 3, at 10^6 x 301): engine >= 1.5x numpy and >= 5x loop.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup(n: int, steps: int):
    from omegaconf import OmegaConf

    from engine import config
    from engine.samplers import make_design

    spec = OmegaConf.to_container(OmegaConf.load(ROOT / "conf/priors/literature.yaml"))
    priors = config.load_priors(spec, "meek")
    design = make_design("mc", n, len([p for p in priors.values() if not p.fixed]), seed=1)
    return priors, design, np.linspace(0.0, 30.0, steps)


def variant(name: str, n: int, steps: int, chunk: int) -> dict:
    from engine import evaluate, scenario
    from engine.samplers import map_to_priors

    priors, design, t = setup(n, steps)
    series = ("loss_gap",)
    started = time.perf_counter()
    done = n
    if name == "engine":
        import dask
        with dask.config.set(scheduler="threads", num_workers=2):
            ds = evaluate.run(design, priors, t, series=series, chunk_size=chunk)
        checksum = float(np.nansum(ds["loss_gap"].values[:, -1]))
    elif name == "numpy":
        params = map_to_priors(design.unit_rows(0, n), priors)
        out = scenario.evaluate(params, t, series=series)
        checksum = float(np.nansum(out["loss_gap"][:, -1]))
    elif name == "numpy-blocked":
        out = evaluate._block(design, priors, t, 0, n, series, scenario.Options(), "meek")
        checksum = float(np.nansum(out["loss_gap"][:, -1]))
    else:  # loop: one scenario per call, on a subset
        done = min(n, 2000)
        params = map_to_priors(design.unit_rows(0, done), priors)
        checksum = 0.0
        for i in range(done):
            one = scenario.evaluate({k: v[i:i + 1] for k, v in params.items()}, t, series=series)
            checksum += float(np.nansum(one["loss_gap"][:, -1]))
    elapsed = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"variant": name, "scenarios": done, "seconds": elapsed,
            "steps_per_s": done * steps / elapsed, "peak_mib": peak_kib / 1024,
            "checksum_per_scenario": checksum / done}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--steps", type=int, default=301)
    ap.add_argument("--chunk", type=int, default=10_000)
    ap.add_argument("--variant", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.variant:
        print(json.dumps(variant(args.variant, args.n, args.steps, args.chunk)))
        return
    rows = []
    for name in ("engine", "numpy", "numpy-blocked", "loop"):
        res = subprocess.run([sys.executable, __file__, "--variant", name, "--n", str(args.n),
                              "--steps", str(args.steps), "--chunk", str(args.chunk)],
                             capture_output=True, text=True, check=True)
        rows.append(json.loads(res.stdout.strip().splitlines()[-1]))
    by = {r["variant"]: r for r in rows}
    print(f"{args.n:,} scenarios x {args.steps} steps, loss_gap series kept, literature priors")
    print(f"{'variant':<14}{'scenarios':>11}{'seconds':>10}{'steps/s':>12}{'peak MiB':>10}"
          f"{'engine is':>12}")
    for r in rows:
        ratio = by["engine"]["steps_per_s"] / r["steps_per_s"]
        print(f"{r['variant']:<14}{r['scenarios']:>11,}{r['seconds']:>10.2f}"
              f"{r['steps_per_s']:>12.3g}{r['peak_mib']:>10.0f}{ratio:>11.2f}x")
    a, b = by["engine"]["checksum_per_scenario"], by["numpy"]["checksum_per_scenario"]
    print(f"same results: engine and numpy mean final gap {a:.6g} vs {b:.6g}")
    print(f"targets: engine/numpy {by['engine']['steps_per_s'] / by['numpy']['steps_per_s']:.2f}x "
          f"(>= 1.5), engine/loop {by['engine']['steps_per_s'] / by['loop']['steps_per_s']:.1f}x "
          "(>= 5)")


if __name__ == "__main__":
    main()
