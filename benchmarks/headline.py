"""The headline job, whole process: `python run.py experiment=sobol` on defaults, timed.

    python benchmarks/headline.py [--repeat 3] [--against COMMIT]

Runs the job --repeat times (the compiled kernel, as users run it) and once with the numpy
reference backend (a baseline, same job), each as a fresh process, and prints wall time,
peak memory of the process and a phase breakdown read from run.log (start-up = from process
start to the first evaluation line). ``--against COMMIT`` also runs the same job --repeat times
from a checkout of COMMIT (a git worktree, its kernel compiled by a warm-up run first), the
earlier code as the baseline in the same run. Targets (issue 27): under 5 s (median) and 1 GiB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHASES = ("evaluate", "analyse", "write", "actors", "figures", "report")


def run(extra: list[str], where: Path, root: Path = ROOT) -> dict[str, float]:
    start_wall = dt.datetime.now()
    t0 = time.perf_counter()
    proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", sys.executable, str(root / "run.py"),
                             "experiment=sobol", *extra, f"hydra.run.dir={where}"], cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"run failed: {err[-2000:]}")
    peak_kib = int(err.strip().splitlines()[-1])
    marks = {}
    for line in (where / "run.log").read_text().splitlines():
        m = re.match(r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})\]\[meek\]\[INFO\] - phase: (\w+)",
                     line)
        if m:
            marks[m.group(2)] = dt.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S,%f")
    end = start_wall + dt.timedelta(seconds=wall)
    order = [p for p in PHASES if p in marks]
    result = {"wall": wall, "peak_mib": peak_kib / 1024,
              "start-up": (marks[order[0]] - start_wall).total_seconds()}
    for a, b in zip(order, [*order[1:], None], strict=True):
        result[a] = ((marks[b] if b else end) - marks[a]).total_seconds()
    return result


def show(label: str, r: dict[str, float]) -> None:
    phases = ", ".join(f"{k} {r[k]:.1f} s" for k in ("start-up", *PHASES) if k in r)
    print(f"{label:<22} {r['wall']:6.1f} s  peak {r['peak_mib']:6.0f} MiB   ({phases})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--against", help="a commit whose code is the baseline (run the same way)")
    args = ap.parse_args()
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    earlier: list[dict[str, float]] = []
    results: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "against"
        if args.against:
            subprocess.run(["git", "worktree", "add", "--detach", str(tree), args.against],
                           cwd=ROOT, check=True, capture_output=True)
        try:
            if args.against:  # compile both checkouts' kernels before timing
                run([], Path(tmp) / "warm-against", tree)
                run([], Path(tmp) / "warm")
            for i in range(args.repeat):  # interleaved: both see the same load
                results.append(run([], Path(tmp) / f"k{i}"))
                if args.against:
                    earlier.append(run([], Path(tmp) / f"a{i}", tree))
        finally:
            if args.against:
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT,
                               capture_output=True)
        baseline = run(["model.backend=numpy"], Path(tmp) / "numpy")
    for i, r in enumerate(results):
        show(f"kernel, run {i + 1}", r)
    for i, r in enumerate(earlier):
        show(f"{args.against[:10]}, run {i + 1}", r)
    show("numpy reference", baseline)

    def median(rs: list[dict[str, float]], key: str = "wall") -> float:
        return sorted(r[key] for r in rs)[len(rs) // 2]

    best = min(r["wall"] for r in results)
    peak = max(r["peak_mib"] for r in results)
    print(f"\nexperiment=sobol: best {best:.1f} s, median {median(results):.1f} s (target < 5 s), "
          f"peak {peak:.0f} MiB (target < 1024 MiB); the numpy reference takes "
          f"{baseline['wall']:.1f} s: {baseline['wall'] / median(results):.1f}x")
    if earlier:
        print(f"against {args.against}: median {median(earlier):.1f} s, peak "
              f"{max(r['peak_mib'] for r in earlier):.0f} MiB: this code is "
              f"{median(earlier) / median(results):.2f}x as fast")


if __name__ == "__main__":
    main()
