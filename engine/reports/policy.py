"""The "for policy" section of a report: the quantities a policy discussion uses, in words."""

from __future__ import annotations

import numpy as np
import xarray as xr

from engine.reports.html import Section, Table
from engine.reports.text import _fmt


def _q(summary: xr.Dataset, name: str) -> tuple[float, float, float] | None:
    if name not in summary["outcome"].values:
        return None
    q = summary["quantiles"].sel(outcome=name)
    return tuple(float(q.sel(quantile=v)) for v in (0.05, 0.5, 0.95))  # type: ignore[return-value]


def _range(q: tuple[float, float, float] | None, unit: str = " years") -> str:
    if q is None:
        return "n/a"
    return f"{_fmt(q[1])}{unit} (90%: {_fmt(q[0])} to {_fmt(q[2])})"


def section(summary: xr.Dataset, start_year: float | None, threshold_flop: float,
            threshold_nats: float, policy: str) -> Section:
    """Regulatory window, sub-threshold catch-up, years behind in 2030 and 2035, in words."""
    year0 = start_year if start_year is not None else 0.0
    label = (lambda h: f"in {int(year0 + h)}") if start_year is not None else (
        lambda h: f"at year {h:g}")
    rows, words = [], []
    window = _q(summary, "regulatory_window")
    if window is not None:
        words.append(f"**Regulatory window.** The frontier's loss lead stays above "
                     f"{threshold_nats:g} nats for {_range(window)} from the start: regulation "
                     "aimed at the largest developers has that long before their lead over this "
                     "actor becomes small.")
        rows.append(["regulatory window", _range(window)])
    cap = _q(summary, "t_threshold_capability")
    if cap is not None and cap[2] < 0:  # above the frontier's own compute in 95% or more
        words.append(f"**Compute thresholds.** A threshold of {threshold_flop:.0e} FLOP lies "
                     "above the frontier's own training compute at the start in at least 95% of "
                     "scenarios: a model just under it already has more than the frontier's "
                     "starting capability, so the threshold separates nothing.")
        rows.append([f"sub-threshold ({threshold_flop:.0e} FLOP) model reaches today's "
                     "frontier", "already at the start (the threshold is above the frontier)"])
    elif cap is not None:
        words.append(f"**Compute thresholds.** A model trained just under {threshold_flop:.0e} "
                     f"FLOP reaches the frontier's starting capability after {_range(cap)}"
                     + (" (negative: it already had at the start)" if cap[0] < 0 else "")
                     + "; from then on the threshold no longer separates frontier-level "
                     "capability from unregulated models.")
        rows.append([f"sub-threshold ({threshold_flop:.0e} FLOP) model reaches today's "
                     "frontier", _range(cap)])
    cross = _q(summary, "t_meek_crosses_threshold")
    if cross is not None:
        share = float(summary["undefined_share"].sel(outcome="t_meek_crosses_threshold"))
        when = _range(cross) if start_year is None else (
            f"{year0 + cross[1]:.1f} (90%: {year0 + cross[0]:.1f} to {year0 + cross[2]:.1f})")
        rows.append([f"year the meek actor's own compute crosses {threshold_flop:.0e} FLOP"
                     if start_year is not None else
                     f"the meek actor's own compute crosses {threshold_flop:.0e} FLOP",
                     when + (f"; never within the grid in {share:.0%}" if share else "")])
    for h in (5, 10):
        q = _q(summary, f"years_behind_at_{h}y")
        gap = _q(summary, f"gap_at_{h}y")
        if q is not None:
            rows.append([f"years behind {label(h)}", _range(q)])
        if gap is not None:
            rows.append([f"loss gap {label(h)}", _range(gap, " nats")])
    yb5, yb10 = _q(summary, "years_behind_at_5y"), _q(summary, "years_behind_at_10y")
    g5, g10 = _q(summary, "gap_at_5y"), _q(summary, "gap_at_10y")
    if None not in (yb5, yb10, g5, g10):
        words.append(f"**Bounded against unbounded.** Between {label(5)[3:]} and "
                     f"{label(10)[3:]} the median loss gap falls from {_fmt(g5[1])} to "
                     f"{_fmt(g10[1])} nats while the meek actor falls from {_fmt(yb5[1])} to "
                     f"{_fmt(yb10[1])} years behind in compute: the capability gap closes even "
                     "as the compute gap widens without bound.")
    words.append(f"Policy lever of this run: `{policy}` (compare levers with a sweep: "
                 "`python run.py -m experiment=fan policy=none,export_controls,diffusion_lag`, "
                 "whose sweep.nc and report put them side by side).")
    return Section("For policy", words, Table(["quantity", "median (90% interval)"], rows))


def has_policy_outcomes(summary: xr.Dataset) -> bool:
    return bool(np.isin(["regulatory_window", "years_behind_at_5y"],
                        summary["outcome"].values).all())
