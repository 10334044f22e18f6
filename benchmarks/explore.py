"""The explorer's speed in a real browser, against the fan experiment on the same settings.

    python benchmarks/explore.py [--changes 20] [--fan-repeat 3] [--shots DIR]

Starts ``python run.py experiment=explore`` and a headless Chromium (selenium), opens the page
at 20,000 scenarios, and makes ``--changes`` control changes as a reader would (selects and
slider steps, cycling through actor, policy, inference and the two thresholds), each timed from
the change in the browser to the page showing the new state's numbers and its charts redrawn
and painted (the status line's generation drawn, then two animation frames). Then the quick
Sobol' ranking (button to table), and ``python run.py experiment=fan`` as a whole process on
the page's starting settings, ``--fan-repeat`` times, in the same run. Prints the median and the
worst update, the fan runs, and their ratio. Target (issue 25): median update under 1 s; the
quick Sobol' under 10 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import browser  # noqa: E402

#: (control, kind, value): a select's option or a slider's steps.
CHANGES = [("actor", "select", "person"), ("threshold_nats", "slider", 1),
           ("policy", "select", "export_controls"), ("actor", "select", "startup"),
           ("threshold_flop", "select", "1e26"), ("inference", "select", "price_decline"),
           ("actor", "select", "university_lab"), ("threshold_nats", "slider", -1),
           ("policy", "select", "diffusion_lag"), ("actor", "select", "open_weights_lab"),
           ("inference", "select", "paper"), ("threshold_flop", "select", "1e25"),
           ("policy", "select", "none")]


def change(driver, control: str, kind: str, value) -> None:
    if kind == "select":
        browser.select(driver, control, value)
    else:
        browser.nudge(driver, control, value)


def fan_seconds(run_dir: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(ROOT / "run.py"), "experiment=fan",
                           f"hydra.run.dir={run_dir}"], cwd=ROOT, capture_output=True,
                          text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr)
    return elapsed


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--changes", type=int, default=20)
    p.add_argument("--fan-repeat", type=int, default=3)
    p.add_argument("--shots", type=Path, default=None, help="save screenshots here")
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="meek-explore-bench-"))
    server = browser.Server(work / "explore", timeout=300)
    driver = browser.chrome()
    times: list[float] = []
    try:
        driver.get(server.url + "?sampler.n=20000")
        state = browser.wait_drawn(driver, timeout=600)  # the kernel may compile first
        for control, kind, value in CHANGES[:2]:  # warm-up: every code path once
            change(driver, control, kind, value)
            state = browser.wait_drawn(driver, state[1])
        for i in range(args.changes):
            control, kind, value = CHANGES[(i + 2) % len(CHANGES)]
            start = time.perf_counter()
            change(driver, control, kind, value)
            state = browser.wait_drawn(driver, state[1], poll=0.005)
            times.append(time.perf_counter() - start)
            if state[0] != "ready":
                raise RuntimeError(f"change {control}={value} refused: "
                                   f"{browser.find(driver, '.explore-error').text}")
            server_side = browser.timing(driver)
            print(f"  change {i + 1:2d}: {control:<15} {str(value):<17} {times[-1]:.3f} s "
                  f"(server: " + ", ".join(f"{k} {v:.3f}" for k, v in server_side.items())
                  + ")", flush=True)
        if args.shots:
            args.shots.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(args.shots / "explore-after-changes.png"))
        button = browser.find(driver, ".explore-sobol-button").shadow_root.find_element(
            "css selector", "button")
        start = time.perf_counter()
        button.click()
        while browser.find(driver, "#sobol") is None:
            if time.perf_counter() - start > 120:
                raise TimeoutError("no Sobol' table")
            time.sleep(0.01)
        sobol = time.perf_counter() - start
        if args.shots:
            driver.save_screenshot(str(args.shots / "explore-sobol.png"))
    finally:
        driver.quit()
        server.stop()
    fans = [fan_seconds(work / f"fan{k}") for k in range(args.fan_repeat)]
    median, worst = statistics.median(times), max(times)
    fan = statistics.median(fans)
    print(f"explorer update at 20,000 scenarios, {len(times)} changes in a real browser: "
          f"median {median:.3f} s, worst {worst:.3f} s (target: median under 1 s)")
    print(f"quick Sobol' ranking of t_peak (button to table): {sobol:.2f} s (target: under 10 s)")
    print(f"python run.py experiment=fan, whole process, same settings, same run: "
          f"{', '.join(f'{f:.2f}' for f in fans)} s (median {fan:.2f} s)")
    print(f"ratio fan / explorer update (medians): {fan / median:.1f}x")


if __name__ == "__main__":
    main()
