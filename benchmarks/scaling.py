"""Wall time, throughput and peak memory of `experiment=fan` at growing N, threads and a cluster.

    python benchmarks/scaling.py [--sizes 100000 1000000 10000000] [--clusters threads local]

Each run is `python run.py experiment=fan sampler.n=N output.format=zarr` in a fresh process.
Peak memory is the operating system's: the largest sum of resident set sizes over the run's
whole process tree (the run and, for cluster=local, its worker processes), sampled every 0.1 s,
and the kernel's own high-water mark (ru_maxrss) of the main process. Printed as a table with
the memory growth factor and the throughput ratio per decade of N.

Targets (issue 6): memory grows less than 1.5x per decade from 10^6 to 10^7; throughput at 10^7
at least 0.8x that at 10^6.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


def measure(n: int, cluster: str, steps: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, str(ROOT / "run.py"), "experiment=fan", f"sampler.n={n}",
               f"time.steps={steps}", "output.format=zarr", f"cluster={cluster}",
               "cluster.dashboard_address=127.0.0.1:0" if cluster == "local" else "seed=20250710",
               f"hydra.run.dir={tmp}/run"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        root = psutil.Process(proc.pid)
        peak = 0
        while proc.poll() is None:
            try:
                procs = [root, *root.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
        err = proc.stderr.read()
        if proc.returncode:
            raise RuntimeError(f"{cmd} failed: {err}")
        maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        return {"n": n, "cluster": cluster, "seconds": elapsed, "steps_per_s": n * steps / elapsed,
                "tree_peak_mib": peak / 2**20,
                "maxrss_mib": max(maxrss, before) / 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    ap.add_argument("--clusters", nargs="+", default=["threads", "local"])
    ap.add_argument("--steps", type=int, default=301)
    args = ap.parse_args()
    rows = [measure(n, c, args.steps) for c in args.clusters for n in args.sizes]
    print(f"experiment=fan, {args.steps} time steps, 4 series reduced to fan quantiles, "
          f"outcomes streamed to Zarr; {os.cpu_count()} cores")
    print(f"{'cluster':<9}{'N':>12}{'seconds':>10}{'steps/s':>12}{'peak MiB':>10}"
          f"{'mem x/decade':>14}{'thru x/decade':>15}")
    for c in args.clusters:
        prev = None
        for r in (r for r in rows if r["cluster"] == c):
            growth = thru = ""
            if prev is not None:
                growth = f"{r['tree_peak_mib'] / prev['tree_peak_mib']:.2f}"
                thru = f"{r['steps_per_s'] / prev['steps_per_s']:.2f}"
            print(f"{c:<9}{r['n']:>12,}{r['seconds']:>10.1f}{r['steps_per_s']:>12.3g}"
                  f"{r['tree_peak_mib']:>10.0f}{growth:>14}{thru:>15}")
            prev = r


if __name__ == "__main__":
    main()
