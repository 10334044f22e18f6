"""Large fans, whole process: `python run.py experiment=fan sampler.n=N` at growing N.

    python benchmarks/scaling.py [--sizes 1000000 10000000] [--cluster threads]

Runs the fan experiment (streamed to Zarr above 2 GB, histogram quantiles) as a fresh process per
N and prints wall time, scenario-steps per second, peak memory of the process tree and its growth
per decade of N. The baseline of issue 12, measured in the same run: a plain-numpy evaluation of
the loss-gap series alone at 10^6 scenarios (scenario-steps/s). Targets: the 10^7 fan at least as
fast per scenario-step as that baseline; 10^8 in under 10 minutes and 3 GiB, memory flat per
decade.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(n: int, cluster: str, where: Path) -> tuple[float, float]:
    t0 = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, str(ROOT / "run.py"),
                           "experiment=fan", f"sampler.n={n}", f"cluster={cluster}",
                           f"hydra.run.dir={where}"], cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-3000:])
    return wall, int(proc.stderr.strip().splitlines()[-1]) / 1024


def baseline() -> float:
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "engine_throughput.py"),
                          "--n", "1000000"], capture_output=True, text=True, cwd=ROOT)
    for line in out.stdout.splitlines():
        if line.startswith("baseline"):
            return float(line.split("=")[1].split("e6")[0]) * 1e6
    raise SystemExit(out.stdout + out.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--cluster", default="threads")
    args = ap.parse_args()
    base = baseline()
    print(f"baseline: plain numpy, loss-gap series alone: {base / 1e6:.0f}e6 scenario-steps/s")
    rows = []
    with tempfile.TemporaryDirectory(dir=ROOT / "outputs" if (ROOT / "outputs").exists()
                                     else None) as tmp:
        for n in args.sizes:
            wall, peak = run(n, args.cluster, Path(tmp) / f"n{n}")
            rate = n * 301 / wall
            rows.append((n, wall, peak))
            print(f"{args.cluster}: N = {n:>12,}: {wall:7.1f} s, {rate / 1e6:6.1f}e6 scenario-"
                  f"steps/s ({rate / base:.2f}x the baseline), peak {peak:6.0f} MiB")
    for (n0, _, m0), (n1, _, m1) in zip(rows, rows[1:], strict=False):
        print(f"memory from N = {n0:,} to {n1:,}: {m1 / m0:.2f}x per {n1 / n0:.0f}x of N")


if __name__ == "__main__":
    main()
