"""The comparison report of a sweep: every job's outcomes beside the baseline's, and what each
job changes.

The baseline is the first job in the order the command line gave the values (``policy=none,
export_controls,diffusion_lag``: ``none``). For each headline outcome the page shows each job's
median and 90% interval in the outcome's unit (times as calendar years), then each job's
difference from the baseline. Jobs of one sweep share the seed and the design, so where their
uncertain inputs are the same draws (checked, scenario by scenario) the difference is taken per
scenario: "in 90% of scenarios the lever moves the outcome by between a and b", the interval a
reader can act on. Where they are not (a lever with its own prior), the difference of the
medians is shown without an interval.

Figures: small multiples of the fans (loss gap, benchmark gap, years behind; one column per
job, shared axes) and "what each lever buys" (the paired differences, one panel per outcome).
Files: sweep.csv (one row per job and outcome), sweep.md (the table in Markdown), report.html.
"""

from __future__ import annotations

import html as _html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
import yaml

from engine.reports import labels
from engine.reports.html import Report, Section, Table

#: The outcomes compared, in the order a reader asks about them.
HEADLINE: tuple[str, ...] = (
    "regulatory_window", "t_peak", "peak_gap", "years_behind_at_5y", "years_behind_at_10y",
    "gap_at_5y", "gap_at_10y", "peak_benchmark_gap", "t_meek_crosses_threshold",
    "t_threshold_capability", "t_inference_catchup")
#: The fans drawn side by side.
FANS: tuple[str, ...] = ("loss_gap", "benchmark_gap", "years_behind")
QS = (0.05, 0.5, 0.95)


@dataclass
class Job:
    """One job of the sweep: its label (the swept values), folder and description."""

    label: str
    folder: str
    selector: dict[str, Any]
    description: str = ""


def _describe(config_yaml: str, keys: Sequence[str]) -> str:
    """The job's own words for what it is: the description of a swept group (policy, actor)."""
    try:
        cfg = yaml.safe_load(config_yaml) or {}
    except yaml.YAMLError:
        return ""
    words = []
    for key in keys:
        node = cfg.get(key.split(".")[0]) if isinstance(cfg, dict) else None
        if isinstance(node, dict) and node.get("description"):
            words.append(str(node["description"]))
    return "; ".join(words)


def jobs_of(ds: xr.Dataset) -> list[Job]:
    """The jobs of a collated sweep.nc in its (command-line) order."""
    dims = [d for d in ds["quantiles"].dims if d not in ("outcome", "quantile")]
    keys = str(ds.attrs.get("swept_keys", "")).split()
    out = []
    if dims == ["job"] or not dims:
        for i in range(ds.sizes.get("job", 1)):
            one = ds.isel(job=i) if "job" in ds.dims else ds
            out.append(Job(str(one["job_dir"].values), str(one["job_dir"].values),
                           {"job": i} if "job" in ds.dims else {},
                           _describe(str(one["config_yaml"].values), keys)))
        return out
    for combo in np.ndindex(*[ds.sizes[d] for d in dims]):
        sel = {d: ds[d].values[k] for d, k in zip(dims, combo, strict=True)}
        one = ds.sel(sel)
        text = ", ".join(f"{d}={_show(v)}" for d, v in sel.items()) if len(dims) > 1 else \
            _show(next(iter(sel.values())))
        out.append(Job(text, str(one["job_dir"].values), sel,
                       _describe(str(one["config_yaml"].values), keys)))
    return out


def select(ds: xr.Dataset, job: Job) -> xr.Dataset:
    """One job's part of sweep.nc."""
    if not job.selector:
        return ds
    return ds.isel(job.selector) if "job" in job.selector else ds.sel(job.selector)


def _show(v: Any) -> str:
    return f"{v:g}" if isinstance(v, (float, np.floating)) else str(v)


def _fmt(v: float) -> str:
    if not np.isfinite(v):
        return "n/a"
    a = abs(v)
    if a != 0 and (a >= 1e5 or a < 1e-3):
        return f"{v:.2g}"
    return f"{v:.3g}" if a < 100 else f"{v:,.0f}"


# ----------------------------------------------------------------------------- the numbers


def _open_outcomes(folder: Path, names: Sequence[str]) -> xr.Dataset | None:
    """A job's per-scenario outcomes and uncertain inputs (None if it kept no scenarios)."""
    for path in (folder / "scenarios.nc", folder / "scenarios.zarr"):
        if path.exists():
            opened = xr.open_zarr(path) if path.suffix == ".zarr" else xr.open_dataset(path)
            with opened as ds:
                factors = str(ds.attrs.get("parameters", "")).split() or [
                    v for v in ds.data_vars if ds[v].dims == ("scenario",)]
                keep = [v for v in dict.fromkeys([*names, *factors]) if v in ds
                        and ds[v].dims == ("scenario",)]
                return ds[keep].load()
    return None


def paired(base: xr.Dataset | None, other: xr.Dataset | None) -> bool:
    """Whether two jobs evaluated the same draws: every input that varies in either has the
    same values, scenario by scenario (a lever fixed in each job may differ)."""
    if base is None or other is None or base.sizes.get("scenario") != other.sizes.get(
            "scenario"):
        return False
    for name in base.data_vars:
        if name not in other or name in labels.registry.OUTCOMES or "_at_" in name:
            continue
        a, b = base[name].values, other[name].values
        if a.dtype.kind not in "fiu":
            continue
        varies = np.nanmin(a) != np.nanmax(a) or np.nanmin(b) != np.nanmax(b)
        if varies and not np.array_equal(a, b, equal_nan=True):
            return False
    return True


def _quantiles(v: np.ndarray) -> tuple[float, float, float]:
    v = v[np.isfinite(v)]
    if v.size == 0:
        return (np.nan, np.nan, np.nan)
    return tuple(float(x) for x in np.quantile(v, QS))  # type: ignore[return-value]


def compare(ds: xr.Dataset, sweep: Path, outcomes: Sequence[str] = HEADLINE
            ) -> tuple[list[Job], pd.DataFrame]:
    """Every job's quantiles of each outcome and its difference from the baseline (the first
    job): one row per (job, outcome), the table sweep.csv holds."""
    jobs = jobs_of(ds)
    names = [o for o in outcomes if o in ds["outcome"].values]
    scen = {j.folder: _open_outcomes(sweep / j.folder, names) for j in jobs}
    base = jobs[0]
    rows = []
    for j in jobs:
        sel = select(ds, j)
        pair = j is not base and paired(scen[base.folder], scen[j.folder])
        for o in names:
            q = sel["quantiles"].sel(outcome=o)
            row = {"job": j.label, "outcome": o, "label": labels.label(o),
                   "unit": labels.unit(o), "baseline": base.label, "paired": pair,
                   **{f"q{int(100 * p)}": float(q.sel(quantile=p)) for p in QS}}
            for key in ("undefined_share", "negative_share"):
                if key in sel:
                    row[key] = float(sel[key].sel(outcome=o))
            d = (np.nan,) * 3
            if j is base:
                d = (0.0, 0.0, 0.0)
            elif pair and o in scen[j.folder] and o in scen[base.folder]:
                d = _quantiles(scen[j.folder][o].values - scen[base.folder][o].values)
            row.update({f"diff_q{int(100 * p)}": v for p, v in zip(QS, d, strict=True)})
            row["diff_of_medians"] = row["q50"] - float(
                select(ds, base)["quantiles"].sel(outcome=o, quantile=0.5))
            rows.append(row)
    return jobs, pd.DataFrame(rows).set_index(["job", "outcome"])


# ----------------------------------------------------------------------------- the page


def _cell(row: Mapping[str, Any], start_year: float | None, kind: str, unit: bool = False
          ) -> str:
    """median [5%, 95%]; the unit added when ``unit`` (a table's row header says it)."""
    if kind == "time" and start_year is not None:
        lo, mid, hi = (labels.calendar(start_year, row[k]) for k in ("q5", "q50", "q95"))
        past = float(row.get("negative_share", 0.0) or 0.0)
        return f"**{mid}** [{lo}, {hi}]" + (f"; {past:.0%} before {start_year:g}"
                                            if past >= 0.005 else "")
    return f"**{_fmt(row['q50'])}** [{_fmt(row['q5'])}, {_fmt(row['q95'])}]" + (
        f" {row['unit']}" if unit and row["unit"] else "")


def _diff(row: Mapping[str, Any], kind: str) -> str:
    tail = ""  # the row header carries the unit
    if row["paired"]:
        return (f"**{_signed(row['diff_q50'])}** [{_signed(row['diff_q5'])}, "
                f"{_signed(row['diff_q95'])}]{tail}")
    return f"{_signed(row['diff_of_medians'])}{tail} (medians; draws not paired)"


def _signed(v: float) -> str:
    if not np.isfinite(v):
        return "n/a"
    return "0" if v == 0 else ("+" if v > 0 else "-") + _fmt(abs(v))


def _head(outcome: str, start_year: float | None, change: bool = False) -> str:
    """A row's label with its unit (a change of a time is in years)."""
    lab = labels.lookup(outcome, start_year)
    if lab.kind == "time":
        unit = "years" if change else ("calendar year" if start_year is not None else "years")
    else:
        unit = lab.unit
    return f"{lab.label} [{unit}]" if unit else lab.label


def _changed(table: pd.DataFrame, outcome: str) -> bool:
    sub = table.xs(outcome, level="outcome")
    cols = ["q5", "q50", "q95"]
    return not np.allclose(sub[cols].values, sub[cols].values[0], equal_nan=True, rtol=1e-9,
                           atol=0)


def sections(jobs: list[Job], table: pd.DataFrame, start_year: float | None,
             figures: Sequence[tuple[str, str]], lever_figure: tuple[str, str] | None
             ) -> list[Section]:
    base = jobs[0]
    outcomes = list(dict.fromkeys(table.index.get_level_values("outcome")))
    same = [o for o in outcomes if not _changed(table, o)]
    moved = [o for o in outcomes if o not in same]
    when = (f" Times are calendar years (t = 0 is the start of {start_year:g}); durations and "
            "differences are years." if start_year is not None else "")
    intro = [f"**Baseline: {base.label}** (the first value given on the command line). "
             f"Each cell: median [5%, 95%] over the job's scenarios.{when}"]
    intro += [f"`{j.label}`: {j.description}" for j in jobs if j.description]
    rows = []
    for o in moved:
        lab = labels.lookup(o, start_year)
        rows.append([_head(o, start_year)] + [_cell(table.loc[(j.label, o)], start_year, lab.kind)
                              for j in jobs])
    first = Section("Outcomes by job", intro, Table(["outcome", *[
        f"{j.label}" + (" (baseline)" if j is base else "") for j in jobs]], rows))
    if same:
        first.paragraphs = [*first.paragraphs, "The same in every job: " + "; ".join(
            f"{labels.label(o, start_year)} "
            f"{_cell(table.loc[(base.label, o)], start_year, labels.lookup(o).kind, True)}"
            for o in same) + "."]
    out = [first]
    others = jobs[1:]
    if others and moved:
        pair = all(bool(table.loc[(j.label, moved[0]), "paired"]) for j in others)
        text = ("Each job against the baseline, scenario by scenario (the jobs drew the same "
                "scenarios): median change [5%, 95%] of the change over the scenarios."
                if pair else "Each job's median minus the baseline's (the jobs' draws differ, "
                "so no per-scenario change).")
        diff_rows = [[_head(o, start_year, change=True)] + [_diff(table.loc[(j.label, o)],
                                                            labels.lookup(o).kind)
                                                      for j in others] for o in moved]
        out.append(Section(f"What each job changes against {base.label}", [text],
                           Table(["outcome", *[j.label for j in others]], diff_rows),
                           figures=[lever_figure] if lever_figure else ()))
    if figures:
        out.append(Section("Fans side by side", ["Median, 50% and 90% bands of each job, "
                                                 "one column per job, shared axes per row."],
                           figures=figures))
    links = [f"{j.label}: {j.folder}/report.html" for j in jobs]
    out.append(Section("Each job's own report", links))
    return out


def _subtitle(ds: xr.Dataset, jobs: list[Job], sweep: Path) -> str:
    """How many jobs of which experiment, scenarios each and the seed (from the first job's
    configuration; said only when every job agrees)."""
    facts = []
    configs = []
    for j in jobs:
        try:
            configs.append(yaml.safe_load(str(select(ds, j)["config_yaml"].values)) or {})
        except yaml.YAMLError:
            configs.append({})
    for key, words in (("task", "experiment={}"), ("sampler.n", "{:,} scenarios each"),
                       ("seed", "seed {}")):
        seen = set()
        for c in configs:
            v: Any = c
            for part in key.split("."):
                v = v.get(part) if isinstance(v, dict) else None
            seen.add(v)
        if len(seen) == 1 and None not in seen:
            facts.append(words.format(seen.pop()))
    return " | ".join([f"{len(jobs)} jobs", *facts, str(sweep)])


def markdown(jobs: list[Job], table: pd.DataFrame, start_year: float | None) -> str:
    """sweep.md: the comparison table in Markdown."""
    lines = ["| outcome | " + " | ".join(j.label for j in jobs) + " |",
             "|---|" + "---|" * len(jobs)]
    for o in dict.fromkeys(table.index.get_level_values("outcome")):
        lab = labels.lookup(o, start_year)
        cells = [_cell(table.loc[(j.label, o)], start_year, lab.kind).replace("**", "")
                 for j in jobs]
        lines.append(f"| {_head(o, start_year)} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write(ds: xr.Dataset, sweep: Path, command: str, *, start_year: float | None = None
          ) -> Path:
    """Write sweep.csv, sweep.md, the figures and report.html into the sweep directory."""
    from engine import io, tables
    from engine.plots import save
    from engine.plots.sweep import lever_chart, small_multiples

    jobs, table = compare(ds, sweep)
    tables.write_csv(table, sweep / "sweep.csv")
    io.write_text(markdown(jobs, table, start_year), sweep / "sweep.md")
    figures = []
    fans = [f for f in FANS if f"fan_{f}" in ds]
    if fans:
        save(small_multiples(ds, jobs, fans), sweep / "sweep_fans.png")
        figures.append(("sweep_fans.png", "the fans of each job"))
    lever = None
    if len(jobs) > 1 and table["paired"].any():
        moved = [o for o in dict.fromkeys(table.index.get_level_values("outcome"))
                 if _changed(table, o)]
        if moved:
            save(lever_chart(table, jobs, moved, start_year), sweep / "sweep_levers.png")
            lever = ("sweep_levers.png", f"what each job changes against {jobs[0].label}: "
                     "median and 90% of the per-scenario change")
    keys = str(ds.attrs.get("swept_keys", "")).split()
    title = f"Sweep: {keys[0]} = " + ", ".join(j.label for j in jobs) if len(keys) == 1 else \
        f"Sweep over {', '.join(keys) or 'nothing'}"
    report = Report(title, _subtitle(ds, jobs, sweep),
                    sections(jobs, table, start_year, figures, lever),
                    files=[("sweep.csv", "the comparison as a table (one row per job and "
                                         "outcome)"),
                           ("sweep.nc", "every job's summaries and fans"),
                           ("sweep.md", "the table in Markdown")],
                    command=command)
    from engine.reports import html

    page = html.render(report, sweep)
    for j in jobs:  # each job's report, linked
        text = f"{j.label}: {j.folder}/report.html"
        href = f'<a href="{_html.escape(j.folder)}/report.html">{_html.escape(j.folder)}' \
               "/report.html</a>"
        page = page.replace(f"<p>{_html.escape(text)}</p>",
                            f"<p>{_html.escape(j.label)}: {href}</p>")
    return io.write_text(page, sweep / "report.html")
