"""What every experiment shares: the evaluation on the configured cluster, attributes, and the
parts of report.html that every run has (the command, priors with sources, caveats, files)."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from engine.analysis import outcomes
from engine.config import Settings
from engine.evaluate import Evaluation, Job, evaluate
from engine.reducers import Reducer
from engine.reports.html import Report, Section, Table
from engine.reports.text import outcome_rows
from engine.resources import data_dir
from engine.runs import RunDir

PACKAGES = ("numpy", "scipy", "xarray", "dask", "distributed", "SALib", "matplotlib",
            "hydra-core", "netCDF4", "numba", "zarr")


#: the phase the running experiment is in (named by a full disk's message)
CURRENT_PHASE = ["start"]


def phase(name: str) -> None:
    """One log line per phase of an experiment (the benchmarks read them from run.log)."""
    import logging
    CURRENT_PHASE[0] = name
    logging.getLogger("meek").info("phase: %s", name)


def versions() -> str:
    out = []
    for name in PACKAGES:
        try:
            out.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            out.append(f"{name} not installed")
    return "; ".join(out)


def attrs(s: Settings, config_yaml: str, command: str) -> dict[str, Any]:
    """Attributes every saved Dataset carries: the resolved config as YAML, the command that
    reproduces the run, seed, versions."""
    return {"config_yaml": config_yaml, "command": command, "seed": s.seed,
            "task": s.config.task, "actor": s.config.actor.name,
            "inference_form": s.config.inference.form, "policy": s.config.policy.name,
            "package_versions": versions(), "fingerprint": s.fingerprint}


def run_path(path: str) -> Path:
    """A data path from the config: absolute, relative to the working directory, or a file
    shipped in data/ (``data/<name>``)."""
    p = Path(path)
    if p.is_absolute() or p.exists():
        return p
    return data_dir() / p.name if p.parts and p.parts[0] == "data" else p


def run_job(s: Settings, run: RunDir, *, keep: Sequence[str] = (),
            reducers: Mapping[str, Reducer] | None = None, design: Any = None,
            priors: Any = None, extra_attrs: Mapping[str, Any] | None = None) -> Evaluation:
    """Evaluate the configured (or given) design on the configured cluster into the run."""
    job = Job(s.simulator, priors or s.priors, design or s.design, s.t, s.start_year,
              tuple(keep), dict(reducers or {}), dict(extra_attrs or {}))
    phase("evaluate")
    with s.cluster.connect():
        return evaluate(job, run.staging, storage=s.storage, resume=bool(s.config.resume),
                        fingerprint=s.fingerprint, behind="evaluate")


def evaluator(s: Settings) -> Callable[[Job, Path], Evaluation]:
    """``evaluate(job, directory)`` on the run's cluster and storage (for side evaluations)."""
    def run(job: Job, directory: Path) -> Evaluation:
        with s.cluster.connect():
            return evaluate(job, directory, storage=s.storage)
    return run


def summarise(scenarios: xr.Dataset, benchmark: str | None = None) -> xr.Dataset:
    """Every scalar outcome's summary; with ``benchmark`` (``outcomes.benchmark``) that
    benchmark's peak and gaps lead."""
    names = outcomes.scalar_outcomes(scenarios)
    if benchmark is not None:
        from engine.model.benchmarks import lead
        names = lead(names, benchmark)
    return outcomes.summarise(scenarios, names)


def priors_section(s: Settings) -> Section:
    from engine.reports.labels import label

    sources = s.priors.sources()
    rows = [[f"{label(name)} (`{name}`)", desc, sources.get(name, "")]
            for name, desc in s.priors.describe().items()]
    text = [f"Actor: **{s.config.actor.name}** ({s.config.actor.description}). Inference "
            f"form: `{s.config.inference.form}`. Policy: `{s.config.policy.name}`. What each "
            "parameter means and where its default comes from: docs/MODEL.md section 8."]
    return Section("The priors", text, Table(["factor", "prior", "source"], rows))


def choices_text(s: Settings) -> str:
    """Which factors are choices held fixed (config groups, not factors), and which factors are
    analysed as groups: one sentence for every report and figure that shows drivers (empty for
    a validation function, which has no choices)."""
    if s.simulator.name != "meek":
        return ""
    cfg = s.config
    actor = cfg.actor
    if actor.kind == "named":
        who = (f"actor={actor.name} (a named run: its compute is fixed, its budget follows from "
               "it and the FLOP per dollar, it does not grow)")
    elif actor.kind == "class":
        who = (f"actor={actor.name} (a class: its budget range is a factor, and the class's "
               "width, not the world, drives its share of the ranking)")
    else:
        who = f"actor={actor.name}"
    inv = getattr(cfg, "investment", None)
    parts = [who] + ([f"investment={inv.name}"] if inv is not None else []) + \
        [f"inference={cfg.inference.form}", f"policy={cfg.policy.name}"]
    fixed = [p.name for p in s.priors if p.fixed]
    derived = s.priors.derived
    text = "Choices held fixed (config groups, not factors): " + ", ".join(parts) + "."
    if fixed:
        text += " Fixed values: " + ", ".join(fixed) + "."
    if derived:
        text += (" Derived per scenario (not factors): "
                 + ", ".join(f"{d.name} = {d.formula}" for d in s.priors.derivations) + ".")
    for group in s.priors.correlated:
        text += (f" {' and '.join(group)} are rank-correlated (config correlations) and "
                 f"analysed as one group, {'+'.join(group)}: Sobol' indices assume independent "
                 "factors.")
    return text


#: what labels a result with the data it was computed from (copied from a source's attrs)
LABELS = ("actor", "policy", "inference_form", "seed", "fingerprint", "design", "design_n",
          "design_rows", "time_start_year", "priors", "uncertain_factors", "package_versions")


def source_labels(source: xr.Dataset, path: str, key: str) -> dict[str, Any]:
    """The labels of a result computed from another run's scenarios: that run's actor, policy,
    design, seed and priors (not this run's), and where they came from."""
    src = source.attrs
    out: dict[str, Any] = {k: src[k] for k in LABELS if k in src}
    out["scenarios_source"] = f"{key}={path}"
    if "command" in src:
        out["scenarios_command"] = str(src["command"])
    rows = [[name.strip(), desc.strip(), ""] for name, _, desc in
            (part.partition(":") for part in str(src.get("priors", "")).split("; ")) if name]
    out["_priors_section"] = Section(
        "The priors", [f"Of the analysed scenarios ({key}={path}), as that run recorded them: "
                       f"actor **{src.get('actor', '?')}**, inference form "
                       f"`{src.get('inference_form', '?')}`, policy `{src.get('policy', '?')}`."],
        Table(["factor", "prior", "source"], rows))
    return out


def outcomes_section(summary: xr.Dataset, start_year: float | None = None) -> Section:
    constant: list[str] = []
    rows = [[f"{r['what']} (`{r['name']}`)", r["median"], r["interval"], r["notes"] or "-"]
            for r in outcome_rows(summary, start_year, constant)]
    total = int(summary.attrs["n_scenarios"])
    used = int(summary.attrs.get("n_summarised", total))
    over = f"{total:,} scenarios" if used == total else \
        f"the first {used:,} of {total:,} scenarios (a fair sample of the design)"
    when = " Times are calendar years (t = 0 is the start of " \
        f"{start_year:g}); durations are years." if start_year is not None else ""
    return Section("Every outcome's range",
                   [f"Median and 90% interval over {over}; scenarios where an outcome is "
                    "undefined or infinite are left out of its quantiles and counted on the "
                    f"right.{when}", *constant],
                   Table(["outcome", "median", "90% interval", "not in the quantiles"], rows))


def nats_paragraph(s: Settings) -> str | None:
    """What the run's loss-gap threshold means in compute, years and MMLU points, at the priors'
    medians in the start year (docs/MODEL.md section 9); None for a model without a loss."""
    from engine.reports.labels import nats_in_words
    from engine.reproduce import at_medians

    try:
        point = at_medians(s.simulator.defaults, s.priors)
        words = nats_in_words(float(s.config.outcomes.threshold_nats), point)
    except (AttributeError, TypeError, KeyError, ValueError):
        return None
    if not np.isfinite(words.compute_ratio):
        return None
    where = (f"at the priors' medians in {s.start_year:g}" if s.start_year is not None
             else "at the priors' medians at the start")
    return "**Reading nats.** " + words.sentence(where) + " The same gap is worth more " \
        "compute and fewer MMLU points later, as the loss curve flattens."


def caveats(summary: xr.Dataset) -> list[str]:
    """The shares a reader must know before reading any number."""
    from engine.reports.labels import label, lookup

    out = []
    for name in ("t_peak", "t_below_threshold", "t_inference_catchup", "regulatory_window"):
        if name not in summary["outcome"].values:
            continue
        s = summary.sel(outcome=name)
        if name == "t_peak" and float(s["negative_share"]) > 0:
            out.append(f"In {float(s['negative_share']):.1%} of scenarios the loss-gap peak is "
                       "already past at the start (t_peak < 0): the gap is shrinking now.")
        if float(s["undefined_share"]) > 0:
            comment = lookup(name).meaning
            why = f" ({comment.split('NaN: ', 1)[1]})" if "NaN: " in comment else ""
            share = float(s["undefined_share"])
            out.append(f"The {label(name)} (`{name}`) is undefined in "
                       f"{'fewer than 0.1%' if share < 0.0005 else f'{share:.1%}'} of "
                       f"scenarios{why}.")
    from engine.model.benchmarks import BENCHMARKS
    for name in summary["outcome"].values:  # the capability layer: peaks already past
        bench = BENCHMARKS.get(str(name).removeprefix("t_peak_benchmark_"))
        if bench is not None:
            share = float(summary.sel(outcome=name)["negative_share"])
            out.append(f"In {share:.1%} of scenarios the {bench.long_name} gap has already "
                       f"peaked (`{name}` < 0): it is closing now.")
    return out


def write_report(run: RunDir, s: Settings, attrs: Mapping[str, Any], title: str,
                 sections: list[Section], summary: xr.Dataset | None,
                 files: list[tuple[str, str]], sampled: str) -> None:
    """report.html: the command that reproduces the run, what was sampled, the sections, the
    policy section when the outcomes allow it, and the priors with their sources."""
    from engine.reports import html, policy

    phase("report")
    extra = []
    if summary is not None and policy.has_policy_outcomes(summary):
        extra.append(policy.section(summary, s.start_year, s.config.governance.threshold_flop,
                                    s.config.outcomes.threshold_nats, s.config.policy.name))
    nats = nats_paragraph(s) if summary is not None else None
    if nats is not None:
        extra.insert(0, Section("Reading the numbers", [nats]))
    # the labels come from attrs: a result computed from another run's data carries that run's
    # (experiments/discover.py with discover.scenarios=)
    actor, seed = attrs.get("actor", s.config.actor.name), attrs.get("seed", s.seed)
    priors = attrs.get("_priors_section") or priors_section(s)
    report = Report(title, f"actor {actor} | {sampled} | seed {seed}",
                    caveats=caveats(summary) if summary is not None else [],
                    sections=[*extra, *sections, priors], files=files,
                    command=str(attrs.get("command", "")))
    html.write(report, run.staging)
