"""Derived columns of ``data/actors.csv`` and the growth fits quoted in ``data/ACTORS.md``.

The catalogue's raw columns (compute, GPU-hours, prices, costs and their sources) are typed in by
hand; this script fills the derived columns from them and prints the trend fits of
``data/actor_trends.csv``. Standard library only.

Usage::

    python data/derive_actors.py            # rewrite the derived columns, print the tables
    python data/derive_actors.py --check    # exit 1 if a derived column differs from the file

Derived columns
---------------
training_cost_usd
    For ``cost_method`` ``rental_*``: ``gpu_hours * usd_per_gpu_hour``. Other methods keep the
    typed-in value (Epoch's amortised estimate or a developer's reported total).
flop_per_usd_paid
    ``training_compute_flop / training_cost_usd``: what the run paid per FLOP on its cost basis.
years_before_2025
    ``2025.0 - t_release``, with the release at the middle of its month.
compute_at_2025_prices_flop
    ``training_compute_flop * G_HW ** years_before_2025`` with ``G_HW = 1.4``: what the same
    dollars buy at the start of 2025 if FLOP per dollar grew 1.4x a year (Hobbhahn and
    Besiroglu 2022; negative years deflate runs released after 2025-01).
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ACTORS = HERE / "actors.csv"
TRENDS = HERE / "actor_trends.csv"
G_HW = 1.4            # hardware FLOP per dollar per year: 2.07-year doubling, Hobbhahn & Besiroglu 2022
DERIVED = ("training_cost_usd", "flop_per_usd_paid", "years_before_2025",
           "compute_at_2025_prices_flop")


def sig(x: float, digits: int = 4) -> str:
    """Format ``x`` with ``digits`` significant digits, compactly (``6.113e+17``)."""
    return f"{x:.{digits - 1}e}" if x != 0 else "0"


def year_of(month: str) -> float:
    """Decimal year of the middle of a ``YYYY-MM`` month."""
    y, m = (int(p) for p in month.split("-"))
    return y + (m - 0.5) / 12.0


def derive(row: dict[str, str]) -> dict[str, str]:
    """Return the derived columns of one catalogue row."""
    out: dict[str, str] = {}
    compute = float(row["training_compute_flop"])
    if row["cost_method"].startswith("rental_"):
        cost = float(row["gpu_hours"]) * float(row["usd_per_gpu_hour"])
        out["training_cost_usd"] = f"{cost:.0f}"
    else:
        cost = float(row["training_cost_usd"])
        out["training_cost_usd"] = row["training_cost_usd"]
    years = 2025.0 - year_of(row["release_date"])
    out["flop_per_usd_paid"] = sig(compute / cost)
    out["years_before_2025"] = f"{years:.3f}"
    out["compute_at_2025_prices_flop"] = sig(compute * G_HW ** years)
    return out


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def trend_table() -> list[str]:
    """Largest run of each series per calendar year, and the growth between those maxima.

    Successive releases of one developer differ in size and purpose, so a regression through
    all of them mixes a 1B and a 400B model; the yearly maximum is the developer's largest
    training run (released or not), the quantity a budget limits. ``overall`` is the
    geometric mean growth per calendar year from the first to the last yearly maximum;
    ``budget`` divides it by ``G_HW``.
    """
    _, rows = read(TRENDS)
    lines = [f"{'series':18s} {'yearly maxima of training compute (FLOP)':62s} "
             f"{'overall x/yr':>12s} {'budget x/yr':>11s}"]
    for series in dict.fromkeys(r["series"] for r in rows):
        pts = [r for r in rows if r["series"] == series and r["training_compute_flop"]]
        peak: dict[int, tuple[float, str]] = {}
        for r in pts:
            year, c = int(r["release_date"][:4]), float(r["training_compute_flop"])
            if c > peak.get(year, (0.0, ""))[0]:
                peak[year] = (c, r["release_date"])
        years = sorted(peak)
        text = " ".join(f"{y}:{peak[y][0]:.1e}" for y in years)
        if len(years) >= 2:
            g = (peak[years[-1]][0] / peak[years[0]][0]) ** (1.0 / (years[-1] - years[0]))
            lines.append(f"{series:18s} {text:62s} {g:12.2f} {g / G_HW:11.2f}")
        else:
            lines.append(f"{series:18s} {text:62s} {'-':>12s} {'-':>11s}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare the derived columns with the file instead of rewriting it")
    args = parser.parse_args(argv)
    fields, rows = read(ACTORS)
    stale = []
    for row in rows:
        for key, value in derive(row).items():
            if row[key] != value:
                stale.append(f"{row['id']}.{key}: file {row[key]!r}, derived {value!r}")
                row[key] = value
    if args.check:
        if stale:
            print("\n".join(stale), file=sys.stderr)
            return 1
        print(f"{ACTORS.name}: {len(rows)} rows, derived columns up to date")
        return 0
    with ACTORS.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{'id':18s} {'class':16s} {'date':7s} {'compute':>9s} {'cost USD':>11s} "
          f"{'method':24s} {'FLOP/$':>9s} {'C@2025':>9s}")
    for r in rows:
        print(f"{r['id']:18s} {r['class']:16s} {r['release_date']:7s} "
              f"{float(r['training_compute_flop']):9.2e} {float(r['training_cost_usd']):11.3e} "
              f"{r['cost_method']:24s} {float(r['flop_per_usd_paid']):9.2e} "
              f"{float(r['compute_at_2025_prices_flop']):9.2e}")
    print()
    print("\n".join(trend_table()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
