"""A catalogue of bad inputs, each run through the command line as a user would.

The promise under test: bad input ends with exactly ONE line on stderr (``error: ...``) that names
the key and the value, exit status 2, no traceback, and no files left behind (the run directory,
and for sweeps the sweep directory, is absent or empty afterwards). For a sweep (``-m``) one bad
value refuses the whole sweep before any job runs.

Most cases run through the command line's ``main`` (``tests.conftest.run_main``: the same
argument list, the same exit status and streams, in well under a second each), one after the
other in one worker interpreter beside the tests (:func:`serve`), so that the catalogue and the
rest of the suite share the two cores. A handful, marked ``process=True``, run as real
``python run.py`` processes (``tests.conftest.run_cli``): a sweep, a refused run directory that
must be left empty, a YAML error in a configuration directory, an expression that must not run
code, and the servers that are not Dask schedulers (a real network wait). They start together on
a small thread pool; the parametrized tests then look at their own case's outcome.

Fragments: a plain string must occur in the error line, a tuple means "any of these", and
``kv(key, value)`` means ``key=value`` (the value optionally quoted). The fragments are matched
against the message itself, with an echoed ``(overrides: ...)`` list removed: echoing every
override is not naming the key.

Decisions recorded here (the promises leave them open):

* ``experiment=sobol sampler.n=1``: one base row cannot estimate a variance; the bootstrap of one
  row is degenerate and the convergence points N/8..N are 0. It must be refused naming
  ``sampler.n=1`` (today it "succeeds" with S1 of -13 and 17 and 95% half-widths of 1e-15).
* ``priors.g_inv.high=inf`` is refused as an unknown key (g_inv is a lognormal given by ci90 and
  low); ``+priors.g_inv.high=inf`` is a valid lognormal (an untruncated upper tail) and is not
  in the catalogue, but ``high: inf`` on a uniform prior is.
* ``policy.name`` / ``actor.name`` are recorded in every Dataset's attrs as the run's policy and
  actor, so an unknown name there is bad input, like ``policy=foo``.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, run_cli, run_main

# Words a type error should use (the field's type, in the user's terms).
INT = ("whole number", "integer")
FLOAT = ("number", "float")
BOOL = ("true or false", "boolean")
LIST = ("list",)
STR = ("string", "text")
NO_KEY = ("no such key", "unknown", "not a")
TIMEOUT = 60.0


def kv(key: str, value: str) -> re.Pattern[str]:
    """``key=value``, the value optionally quoted (the repr of a str) and a whole number
    optionally written as a float (``0`` as ``0.0``: the field's type)."""
    tail = r"(\.0+)?" if re.fullmatch(r"-?\d+", value) else ""
    return re.compile(re.escape(key) + r"""=['"]?""" + re.escape(value) + tail + r"""(?![\w.])""")


@dataclass
class Case:
    id: str
    args: list[str]
    frags: list[Any]
    forbid: list[str] = field(default_factory=list)
    timeout: float = TIMEOUT
    max_seconds: float | None = None  # the refusal must come within this many seconds
    setup: Callable[[Path], None] | None = None  # writes files into the case's directory
    run_dir: str | None = None  # a template; default {case}/run
    sweep: bool = False  # a multirun: also pass hydra.sweep.dir={case}/sweep, check it too
    after: Callable[[Path], None] | None = None  # extra checks, given the case's directory
    process: bool = False  # run as a real process (else through main, in this process)
    kept: tuple[str, ...] = ()  # the user's own files in the run directory (set up), kept as is


# ----------------------------------------------------------------------------- set-ups


def _broken_group_option(d: Path) -> None:
    (d / "conf" / "priors").mkdir(parents=True)
    (d / "conf" / "priors" / "mine.yaml").write_text(
        "# @package _global_\npriors:\n  g_inv: {dist: lognormal, ci90: [2.0, 3.6\n")


def _broken_experiment(d: Path) -> None:
    (d / "conf" / "experiment").mkdir(parents=True)
    (d / "conf" / "experiment" / "mine.yaml").write_text(
        "# @package _global_\ntask: fan\nsampler:\n  n: [10\n")


def _broken_primary(d: Path) -> None:
    (d / "conf").mkdir(parents=True)
    (d / "conf" / "mycfg.yaml").write_text("defaults:\n  - meek_schema\n  - _self_\n"
                                           "task: [summary\n")


def _blocker(d: Path) -> None:
    (d / "a_file").write_text("not a directory")


def _blocker_intact(d: Path) -> None:
    assert (d / "a_file").read_text() == "not a directory"


def _users_files(d: Path) -> None:
    (d / "run").mkdir()
    (d / "run" / "fan.nc").write_text("the user's own fan")
    (d / "run" / "run.log").write_text("the user's own log")


def _users_files_intact(d: Path) -> None:
    assert (d / "run" / "fan.nc").read_text() == "the user's own fan"
    assert (d / "run" / "run.log").read_text() == "the user's own log"


def _users_log(d: Path) -> None:
    (d / "run").mkdir()
    (d / "run" / "run.log").write_text("the user's own log")


def _users_log_intact(d: Path) -> None:
    assert (d / "run" / "run.log").read_text() == "the user's own log"


def _board(d: Path, row: int, column: str, value: str) -> None:
    """The shipped leaderboard with one cell changed, as {case}/board.csv."""
    lines = (ROOT / "data" / "llm_mmlu_pro_prices.csv").read_text().splitlines()
    import csv
    import io

    rows = list(csv.reader(lines))
    rows[row + 1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    (d / "board.csv").write_text(out.getvalue())


#: a condition of 3,000 terms chained by + (3,000 levels deep)
DEEP = " + ".join(["t_peak"] * 3000)


def _no_code_ran(d: Path) -> None:
    assert not (d / "pwned").exists(), "discover.condition executed code"


def _board_without_prices(d: Path) -> None:
    (d / "board.csv").write_text("model,release_date,mmlu_pro_pct\nx,2024-01-01,50\n")


def _unwritable_run_dir() -> str:
    if os.geteuid() == 0:  # root writes through permission bits; sysfs refuses mkdir
        return "/sys/meek-test-unwritable/run"
    return "{case}/locked/run"


def _locked(d: Path) -> None:
    if os.geteuid() != 0:
        (d / "locked").mkdir()
        (d / "locked").chmod(0o500)


FAN = ["experiment=fan", "sampler.n=10", "time.steps=11"]  # cheap, should a case run at all

# ----------------------------------------------------------------------------- the catalogue

CATALOGUE: list[Case] = [
    # --- unknown keys, typos, unknown groups and group options
    Case("typo-section", ["samplr.n=3"], [kv("samplr.n", "3"), "no such key"]),
    Case("typo-key", ["sampler.nn=3"], [kv("sampler.nn", "3"), "no such key"]),
    Case("typo-key-added-with-plus", ["+sampler.nn=3"], [kv("sampler.nn", "3"), NO_KEY]),
    Case("unknown-root-key-with-target", ["+evil._target_=os.system"],
         ["evil._target_", "os.system"]),
    Case("typo-cluster-key-added-with-plus", ["+cluster.adress=tcp://127.0.0.1:8786"],
         ["cluster.adress", NO_KEY]),
    Case("unknown-governance-key-added-with-plus", ["+governance.foo=1"],
         [kv("governance.foo", "1"), NO_KEY]),
    Case("typo-prior-name", ["priors.g_invv.value=3"], [kv("priors.g_invv.value", "3"),
                                                         "no such key"]),
    Case("unknown-prior-added", ["+priors.g_invv={dist: fixed, value: 3}"],
         ["priors.g_invv", "not a parameter"]),
    Case("unknown-prior-key", ["+priors.g_alg.foo=1"], [kv("priors.g_alg.foo", "1"),
                                                         "not a parameter"]),
    Case("unknown-experiment", ["experiment=foo"], [kv("experiment", "foo"), "allowed"]),
    Case("unknown-sampler-group", ["sampler=foo"], [kv("sampler", "foo"), "allowed"]),
    Case("unknown-cluster-group", ["cluster=foo"], [kv("cluster", "foo"), "allowed"]),
    Case("unknown-actor-group", ["actor=foo"], [kv("actor", "foo"), "allowed"]),
    Case("unknown-policy-group", ["policy=foo"], [kv("policy", "foo"), "allowed"]),
    Case("unknown-inference-group", ["inference=foo"], [kv("inference", "foo"), "allowed"]),
    Case("unknown-investment-group", ["investment=foo"], [kv("investment", "foo"), "allowed"]),
    Case("actor-kind-unknown", ["actor.kind=foo"], [kv("actor.kind", "foo"), "named"]),
    Case("correlation-unknown-factor", ["correlations=[{a: g_alg, b: g_foo, rho: 0.5}]"],
         [kv("correlations[0].b", "g_foo"), "allowed"]),
    Case("correlation-rho-outside", ["correlations=[{a: g_alg, b: g_inv, rho: 1.5}]"],
         [kv("correlations[0].rho", "1.5"), "(-1, 1)"]),
    Case("correlation-of-a-fixed-value", ["correlations=[{a: g_alg, b: price_per_token_usd, "
                                          "rho: 0.3}]"],
         [kv("correlations[0].b", "price_per_token_usd"), "fixed"]),
    Case("correlation-not-a-pair", ["correlations=[3]"], ["correlations[0]", "rho"]),
    Case("correlation-pair-twice", ["correlations=[{a: g_alg, b: g_inv, rho: 0.3},"
                                    "{a: g_inv, b: g_alg, rho: 0.2}]"],
         ["correlations[1]", "twice"]),
    Case("correlations-not-positive-definite",
         ["correlations=[{a: g_alg, b: g_inv, rho: 0.9},{a: g_alg, b: g_hw, rho: 0.9},"
          "{a: g_inv, b: g_hw, rho: -0.9}]"], ["correlations", "positive definite"]),
    Case("derived-budget-also-drawn", ["+priors.sota_budget_usd={dist: fixed, value: 1e8}"],
         ["priors.sota_budget_usd", "sota_compute_flop / flop_per_usd"]),
    Case("saturating-with-a-switch-year", ["+priors.switch_year={dist: fixed, value: 3}"],
         ["priors.switch_year", "max_training_spend_usd"]),
    Case("named-actor-above-the-frontier-anchor",
         ["actor=llama_3_1_405b", "priors.sota_compute_flop.low=1e25"],
         ["priors.sota_compute_flop", "meek_budget_usd", "never starts behind"]),
    Case("named-actor-compute-not-positive", ["priors.meek_compute_flop.value=-1"],
         ["priors.meek_compute_flop", "-1", "> 0"]),
    Case("section-used-as-group", ["governance=foo"],
         [kv("governance", "foo"), ("group", "section", "mapping")]),
    Case("unknown-config-name", ["--config-name=nope"], ["--config-name", "nope"]),
    Case("discover-section-without-experiment", ["discover.peel_alpha=0.7"],
         [kv("discover.peel_alpha", "0.7")], forbid=["NoneType", "Unexpected type"]),
    Case("calibrate-section-without-experiment", ["calibrate.particles=5"],
         [kv("calibrate.particles", "5")], forbid=["NoneType", "Unexpected type"]),
    Case("sobol-section-without-experiment", ["sobol.num_resamples=1"],
         [kv("sobol.num_resamples", "1")], forbid=["NoneType", "Unexpected type"]),
    Case("discover-as-value", ["discover=x"], [kv("discover", "x")],
         forbid=["Error merging override"]),
    Case("discover-peel-alpha", ["experiment=discover", "discover.peel_alpha=0.7"],
         [kv("discover.peel_alpha", "0.7")]),
    Case("discover-condition-unknown-variable",
         ["experiment=discover", 'discover.condition="nope > 1"'],
         ["discover.condition", "nope > 1", "'nope'"]),
    Case("discover-condition-syntax", ["experiment=discover", 'discover.condition="t_peak >"'],
         ["discover.condition", "t_peak >"]),
    Case("discover-condition-code",
         ["experiment=discover",
          'discover.condition="__import__(\'os\').system(\'touch {case}/pwned\') > 0"'],
         ["discover.condition", "__import__"],
         after=_no_code_ran, process=True),
    Case("discover-condition-unquoted-with-quotes",
         ["experiment=discover", 'discover.condition=__import__("os").getpid() > 0'],
         ["discover.condition", "getpid"], forbid=["mismatched input"]),
    Case("discover-scenarios-missing", ["experiment=discover", "discover.scenarios=/no/such.nc"],
         [kv("discover.scenarios", "/no/such.nc"), "no such file"]),
    Case("unparseable-override", ["sampler.n=(1"], ["sampler.n=(1"]),

    # --- wrong types, every typed section
    Case("type-sampler-n-word", ["sampler.n=ten"], [kv("sampler.n", "ten"), INT]),
    Case("type-sampler-n-float", ["sampler.n=1.5"], [kv("sampler.n", "1.5"), INT]),
    Case("type-sampler-second-order", ["sampler.second_order=maybe"],
         [kv("sampler.second_order", "maybe"), BOOL]),
    Case("type-seed", ["seed=abc"], [kv("seed", "abc"), INT]),
    Case("type-resume", ["resume=maybe"], [kv("resume", "maybe"), BOOL]),
    Case("type-chunk-size", ["chunk_size=big"], [kv("chunk_size", "big"), INT]),
    Case("type-cluster-n-workers", ["cluster.n_workers=two"],
         [kv("cluster.n_workers", "two"), INT]),
    Case("type-cluster-timeout", ["cluster.timeout_s=soon"],
         [kv("cluster.timeout_s", "soon"), FLOAT]),
    Case("type-time-stop", ["time.stop=abc"], [kv("time.stop", "abc"), FLOAT]),
    Case("type-time-steps", ["time.steps=2.5"], [kv("time.steps", "2.5"), INT]),
    Case("type-time-start-year", ["time.start_year=abc"], [kv("time.start_year", "abc"), FLOAT]),
    Case("type-outcomes-horizons", ["outcomes.horizons=5"], [kv("outcomes.horizons", "5"), LIST]),
    Case("type-outcomes-threshold", ["outcomes.threshold_nats=abc"],
         [kv("outcomes.threshold_nats", "abc"), FLOAT]),
    Case("type-output-series", ["output.series=loss_gap"], [kv("output.series", "loss_gap"),
                                                           LIST]),
    Case("type-output-max-memory", ["output.max_memory_bytes=abc"],
         [kv("output.max_memory_bytes", "abc"), FLOAT]),
    Case("type-sobol-num-resamples", ["experiment=sobol", "sobol.num_resamples=abc"],
         [kv("sobol.num_resamples", "abc"), INT]),
    Case("type-sobol-conf-level", ["experiment=sobol", "sobol.conf_level=abc"],
         [kv("sobol.conf_level", "abc"), FLOAT]),
    Case("type-fan-log-scale", ["experiment=fan", "fan.log_scale=5"],
         [kv("fan.log_scale", "5"), LIST]),
    Case("type-morris-num-levels", ["experiment=morris", "morris.num_levels=abc"],
         [kv("morris.num_levels", "abc"), INT]),
    Case("type-paper-g-inv-values", ["experiment=paper", "paper.g_inv_values=[abc]"],
         ["paper.g_inv_values", "abc", FLOAT]),
    Case("type-paper-band", ["experiment=paper", "paper.empirical.band=[0.5,abc]"],
         ["paper.empirical.band", "abc", FLOAT]),
    Case("type-calibrate-particles", ["experiment=calibrate", "calibrate.particles=abc"],
         [kv("calibrate.particles", "abc"), INT]),
    Case("type-governance-threshold", ["governance.threshold_flop=abc"],
         [kv("governance.threshold_flop", "abc"), FLOAT]),
    Case("type-inference-form", ["inference.form=[a]"], ["inference.form", STR]),
    Case("type-policy-name", ["policy.name=[a]"], ["policy.name", STR]),
    Case("type-model-backend", ["model.backend=[numba]"], ["model.backend", STR]),
    Case("type-prior-bool", ["priors.g_alg.value=true"], ["priors.g_alg.value", "True",
                                                           "must be a number"]),
    Case("type-prior-list", ["priors.g_inv.value=[5]"], [kv("priors.g_inv.value", "[5]"),
                                                          "must be a number"]),
    Case("type-prior-ci90", ["priors.g_inv.ci90=abc"], [kv("priors.g_inv.ci90", "abc"), "pair"]),
    Case("type-prior-not-a-mapping", ["priors.g_inv=5"], [kv("priors.g_inv", "5"), "mapping"]),
    Case("type-scaling-law-number", ["priors.scaling_law=42"],
         [kv("priors.scaling_law", "42"), "hoffmann"], forbid=["}}"]),

    # --- out of range: run settings
    Case("sampler-n-zero", ["sampler.n=0"], [kv("sampler.n", "0"), ">= 1"]),
    Case("chunk-size-zero", ["chunk_size=0"], [kv("chunk_size", "0"), ">= 1"]),
    Case("checkpoint-seconds-negative", ["checkpoint_seconds=-5"],
         [kv("checkpoint_seconds", "-5"), ">= 0"]),
    Case("seed-negative", ["seed=-1"], [kv("seed", "-1")]),
    Case("seed-beyond-64-bits", [*FAN, "seed=99999999999999999999999"],
         [kv("seed", "99999999999999999999999")]),
    Case("time-steps-one", ["time.steps=1"], [kv("time.steps", "1"), ">= 2"]),
    Case("time-steps-huge-memory", [*FAN[:2], "time.steps=200000000"],
         [kv("time.steps", "200000000")]),
    Case("time-steps-beyond-memory", ["time.steps=100000000000"],
         [kv("time.steps", "100000000000")]),
    Case("time-stop-negative", ["time.stop=-5"], [kv("time.stop", "-5"), "> 0"]),
    Case("time-stop-nan", ["time.stop=nan"], [kv("time.stop", "nan")]),
    Case("time-start-year-inf", ["time.start_year=inf"], [kv("time.start_year", "inf")]),
    Case("time-start-year-huge-negative", [*FAN, "time.start_year=-1e308"],
         ["time.start_year", ("-1e+308", "-1e308")]),
    Case("outcomes-threshold-negative", ["outcomes.threshold_nats=-0.1"],
         [kv("outcomes.threshold_nats", "-0.1")]),
    Case("outcomes-horizons-empty", ["outcomes.horizons=[]"], [kv("outcomes.horizons", "[]")]),
    Case("outcomes-horizon-negative", ["outcomes.horizons=[5,-1]"], ["outcomes.horizons", "-1"]),
    Case("outcomes-miss-one", ["outcomes.miss=1"], [kv("outcomes.miss", "1")]),
    Case("outcomes-benchmark-unknown", ["outcomes.benchmark=bogus"],
         [kv("outcomes.benchmark", "bogus"), "mmlu_pro"]),
    Case("benchmark-ceiling-below-chance", ["priors.mmlu_pro_ceiling.value=0.05"],
         ["mmlu_pro_ceiling", "0.05", "chance"]),
    Case("outcomes-error-rates-sum", ["outcomes.false_alarm=0.7", "outcomes.miss=0.5"],
         [kv("outcomes.false_alarm", "0.7"), "sum"]),
    Case("outcomes-slowdown-zero", ["outcomes.slowdown=0"], [kv("outcomes.slowdown", "0")]),
    Case("output-format", ["output.format=hdf5"], [kv("output.format", "hdf5"), "allowed"]),
    Case("output-max-memory-negative", ["output.max_memory_bytes=-1"],
         [kv("output.max_memory_bytes", "-1")]),
    Case("output-series-unknown", ["output.series=[nope]"], ["output.series", "'nope'",
                                                             "allowed"]),
    Case("cluster-n-workers-zero", ["cluster.n_workers=0"], [kv("cluster.n_workers", "0")]),
    Case("cluster-timeout-nan", ["cluster.timeout_s=nan"], [kv("cluster.timeout_s", "nan")]),
    Case("cluster-kind", ["cluster.kind=bogus"], [kv("cluster.kind", "bogus"), "allowed"]),
    Case("cluster-address-missing", ["cluster=address"], ["cluster.address", "tcp://HOST:PORT"]),
    Case("cluster-address-no-scheme", [*FAN, "cluster=address", "cluster.address=localhost"],
         [kv("cluster.address", "localhost"), "tcp://HOST:PORT"]),
    Case("governance-threshold-zero", ["governance.threshold_flop=0"],
         [kv("governance.threshold_flop", "0")]),
    Case("governance-threshold-inf", ["governance.threshold_flop=inf"],
         [kv("governance.threshold_flop", "inf")]),
    Case("inference-form", ["inference.form=foo"], [kv("inference.form", "foo"), "allowed"]),
    Case("model-name", ["model.name=foo"], [kv("model.name", "foo"), "allowed"]),
    Case("model-backend", ["model.backend=cuda"], [kv("model.backend", "cuda"), "allowed"]),
    Case("policy-name-unknown", ["policy.name=foo"], [kv("policy.name", "foo")]),
    Case("actor-name-unknown", ["actor.name=foo"], [kv("actor.name", "foo")]),

    # --- out of range: experiments
    Case("sobol-target-width-negative", ["experiment=sobol", "sobol.target_width=-1"],
         [kv("sobol.target_width", "-1")]),
    Case("sobol-num-resamples-zero", ["experiment=sobol", "sobol.num_resamples=0"],
         [kv("sobol.num_resamples", "0")]),
    Case("sobol-num-resamples-one", ["experiment=sobol", "sobol.num_resamples=1"],
         [kv("sobol.num_resamples", "1")]),
    Case("sobol-conf-level-one", ["experiment=sobol", "sobol.conf_level=1"],
         [kv("sobol.conf_level", "1")]),
    Case("sobol-outputs-empty", ["experiment=sobol", "sobol.outputs=[]"],
         [kv("sobol.outputs", "[]")]),
    Case("sobol-outputs-unknown", ["experiment=sobol", "sobol.outputs=[nope]"],
         ["sobol.outputs", "'nope'"]),
    Case("sobol-needs-saltelli", ["experiment=sobol", "sampler=mc"],
         [kv("sampler.kind", "mc"), "saltelli"]),
    Case("sobol-one-base-row", ["experiment=sobol", "sampler.n=1"], [kv("sampler.n", "1")]),
    Case("fan-log-scale-unknown", ["experiment=fan", "fan.log_scale=[nope]"],
         ["fan.log_scale", "'nope'"]),
    Case("fan-keep-series-negative", [*FAN, "fan.keep_series_mb=-1"],
         [kv("fan.keep_series_mb", "-1"), ">= 0"]),
    Case("fan-calibration-missing-file",
         [*FAN, "fan.calibration=/no/such/calibration.nc"],
         [kv("fan.calibration", "/no/such/calibration.nc"),
          ("no such file", "not found", "does not exist")]),
    # --- the explorer (meek explore): refused before any server starts
    Case("experiment-word-unknown", ["explor", "actor=startup"],
         [kv("experiment", "explor"), "unknown", "explore"]),
    Case("explore-port-out-of-range", ["explore", "explore.port=70000"],
         [kv("explore.port", "70000")]),
    Case("explore-port-negative", ["experiment=explore", "explore.port=-1"],
         [kv("explore.port", "-1")]),
    Case("explore-host-empty", ["experiment=explore", "explore.host= "],
         ["explore.host"]),
    Case("explore-page-override-refused", ["explore", "priors.g_inv.ci90=[5,2]"],
         ["priors.g_inv.ci90", "lo < hi"]),
    Case("morris-trajectories-one", ["experiment=morris", "morris.trajectories=1"],
         [kv("morris.trajectories", "1")]),
    Case("morris-levels-odd", ["experiment=morris", "morris.num_levels=3"],
         [kv("morris.num_levels", "3"), "even"]),
    Case("morris-outputs-unknown", ["experiment=morris", "morris.outputs=[nope]"],
         ["morris.outputs", "'nope'"]),
    Case("morris-trajectories-beyond-machine",
         ["experiment=morris", "morris.trajectories=1000000000000"],
         [kv("morris.trajectories", "1000000000000")], timeout=25),
    Case("paper-band-reversed", ["experiment=paper", "paper.empirical.band=[1.0,0.5]"],
         ["paper.empirical.band", "[1.0, 0.5]"]),
    Case("paper-data-missing", ["experiment=paper", "paper.empirical.data=/no/such/file.csv"],
         [kv("paper.empirical.data", "/no/such/file.csv"), "no such file"]),
    Case("paper-data-column-missing",
         ["experiment=paper", "paper.empirical.data={case}/board.csv"],
         ["paper.empirical.price_column", "no such column", "board.csv"],
         setup=_board_without_prices),
    Case("paper-price-column-unknown", ["experiment=paper", "paper.empirical.price_column=nope"],
         ["paper.empirical.price_column", "nope"]),
    Case("paper-start-not-a-date", ["experiment=paper", "paper.empirical.start=notadate"],
         ["paper.empirical.start", ("notadate", "NOTADATE")]),
    Case("paper-g-inv-values-outside-domain", ["experiment=paper", "paper.g_inv_values=[0.5]"],
         ["paper.g_inv_values", "0.5"]),
    Case("paper-switch-year-negative", ["experiment=paper", "paper.switch_year=-1"],
         [kv("paper.switch_year", "-1")]),
    Case("paper-steps-zero", ["experiment=paper", "sampler.n=20", "paper.steps=[0]"],
         ["paper.steps", "0"]),
    Case("paper-slowdowns-zero", ["experiment=paper", "sampler.n=20", "paper.slowdowns=[0]"],
         ["paper.slowdowns", "0"]),
    Case("type-discover-tree-depth", ["experiment=discover", "discover.tree_depth=abc"],
         [kv("discover.tree_depth", "abc"), INT]),
    Case("calibrate-particles-few", ["experiment=calibrate", "calibrate.particles=5"],
         [kv("calibrate.particles", "5"), ">= 100"]),
    Case("calibrate-window-one-month", ["experiment=calibrate", "calibrate.window=[2024-01]"],
         ["calibrate.window", "2024-01"]),
    Case("calibrate-ess-floor-above-particles",
         ["experiment=calibrate", "calibrate.ess_floor=999999"],
         [kv("calibrate.ess_floor", "999999")]),
    Case("calibrate-data-missing", ["experiment=calibrate", "calibrate.data=/no/such.csv"],
         [kv("calibrate.data", "/no/such.csv"), "no such file"]),
    Case("calibrate-data-bad-date", ["experiment=calibrate", "calibrate.data={case}/board.csv"],
         ["calibrate.data", "board.csv", "release_date", "'2024-13-45'"],
         setup=lambda d: _board(d, 3, "release_date", "2024-13-45")),
    Case("calibrate-data-infinite-score",
         ["experiment=calibrate", "calibrate.data={case}/board.csv"],
         ["calibrate.data", "'mmlu_pro_pct'", "infinite"],
         setup=lambda d: _board(d, 5, "mmlu_pro_pct", "inf")),
    Case("calibrate-band-without-models", ["experiment=calibrate", "calibrate.band=[1000,2000]"],
         ["calibrate.band", "[1000.0, 2000.0]", "no scored model"], forbid=["calibrate.window"]),
    Case("calibrate-noise-negative", ["experiment=calibrate", "calibrate.noise.low=-1"],
         ["calibrate.noise", "-1"]),
    Case("calibrate-likelihood-unknown", ["experiment=calibrate", "calibrate.likelihood=foo"],
         [kv("calibrate.likelihood", "foo"), "levels"]),
    Case("calibrate-benchmark-unknown",
         ["experiment=calibrate", "calibrate.benchmarks=[mmlu_pro,mmlu]"],
         ["calibrate.benchmarks", "mmlu", "gpqa_diamond"]),
    Case("calibrate-benchmarks-empty", ["experiment=calibrate", "calibrate.benchmarks=[]"],
         ["calibrate.benchmarks", "[]"]),
    Case("calibrate-holdout-first-small", ["experiment=calibrate", "calibrate.holdout.first=2"],
         [kv("calibrate.holdout.first", "2"), ">= 3"]),
    Case("calibrate-holdout-first-past-the-data",
         ["experiment=calibrate", "calibrate.holdout.first=17"],
         [kv("calibrate.holdout.first", "17"), "at most 16"]),
    Case("calibrate-holdout-horizons-zero",
         ["experiment=calibrate", "calibrate.holdout.horizons=0"],
         [kv("calibrate.holdout.horizons", "0")]),
    Case("calibrate-holdout-particles-few",
         ["experiment=calibrate", "calibrate.holdout.particles=10"],
         [kv("calibrate.holdout.particles", "10"), ">= 100"]),
    Case("evidence-inference-unknown", ["experiment=evidence", "evidence.inference=[paper,foo]"],
         [kv("evidence.inference", "foo"), "price_decline"]),
    Case("evidence-scaling-law-unknown",
         ["experiment=evidence", "evidence.scaling_laws=[hoffmann,kaplan]"],
         [kv("evidence.scaling_laws", "kaplan"), "besiroglu"]),
    Case("evidence-one-seed", ["experiment=evidence", "evidence.seeds=[0]"],
         ["evidence.seeds", "[0]", "two"]),
    Case("evidence-particles-few", ["experiment=evidence", "evidence.particles=5"],
         [kv("evidence.particles", "5"), ">= 100"]),
    Case("evidence-benchmark-unknown", ["experiment=evidence", "evidence.benchmarks=[mmlu]"],
         ["evidence.benchmarks", "mmlu", "gpqa_diamond"]),
    Case("type-calibrate-holdout-enabled",
         ["experiment=calibrate", "calibrate.holdout.enabled=maybe"],
         [kv("calibrate.holdout.enabled", "maybe"), BOOL]),

    # --- priors: out of range, outside the model's domain, malformed
    Case("prior-g-inv-high-inf", ["priors.g_inv.high=inf"], [kv("priors.g_inv.high", "inf")]),
    Case("prior-uniform-high-inf",
         ["~priors.g_inv", "+priors.g_inv={dist: uniform, low: 2, high: inf}"],
         [kv("priors.g_inv.high", "inf"), "finite"]),
    Case("prior-g-hw-value-inf", ["priors.g_hw.value=inf"], ["priors.g_hw", "inf"]),
    Case("prior-meek-budget-frontier-behind", ["priors.meek_compute_flop.value=1e30"],
         ["priors.meek_compute_flop", "1e+30", "frontier"]),
    Case("prior-meek-budget-range-frontier-behind",
         ["actor=open_weights_lab", "priors.meek_budget_usd.low=1e9",
          "priors.meek_budget_usd.high=1e10", "priors.sota_compute_flop=null",
          "+priors.sota_budget_usd={dist: loguniform, low: 1e8, high: 1e9}"],
         ["priors.meek_budget_usd", "1e+10", "frontier"]),
    Case("prior-truncation-without-mass", ["priors.g_inf.low=200", "+priors.g_inf.high=300"],
         ["priors.g_inf", "low=200", "high=300"]),
    Case("prior-alpha-separate", ["+priors.alpha={dist: fixed, value: 0.2}"],
         ["priors.alpha", "scaling_law"]),
    Case("prior-A-separate", ["+priors.A={dist: fixed, value: 400}"],
         ["priors.A", "scaling_law"]),
    Case("scaling-law-unknown-name", ["priors.scaling_law=chinchilla"],
         [kv("priors.scaling_law", "chinchilla"), "hoffmann"]),
    Case("scaling-law-custom-negative-alpha",
         ["priors.scaling_law={dist: scaling_law, A: 400, alpha: -0.3, L0: 1.7}"],
         ["priors.scaling_law", "alpha", "-0.3"]),
    Case("scaling-law-documented-form-negative-alpha",
         ["priors.scaling_law={A: 400, alpha: -0.3, L0: 1.7}"],
         ["priors.scaling_law", "alpha", "-0.3"], forbid=["dist=None"]),
    Case("export-control-above-one", ["priors.export_control_strength.value=1.5"],
         ["priors.export_control_strength", "1.5", "[0, 1]"]),
    Case("export-control-existing-key-with-plus", ["+priors.export_control_strength.value=1.5"],
         [kv("priors.export_control_strength.value", "1.5"),
          ("already", "exists", "without the leading +", "drop the +")],
         forbid=["no such key"]),
    Case("diffusion-lag-negative", ["priors.diffusion_lag_years.value=-1"],
         ["priors.diffusion_lag_years", "-1"]),
    Case("prior-g-hw-negative", ["priors.g_hw.value=-1.4"], ["priors.g_hw", "-1.4", "> 0"]),
    Case("prior-meek-compute-shrinks", ["priors.g_alg.value=0.5", "priors.g_hw.value=1.5"],
         ["g_alg*g_hw", "0.75", "> 1"]),
    Case("prior-g-alg-low-below-domain", ["priors.g_alg.low=0.5"],
         ["priors.g_alg", "low=0.5", "g_alg*g_hw"]),
    Case("prior-g-inv-one", ["priors.g_inv.value=1.0"], ["priors.g_inv", "value=1", "> 1"]),
    Case("prior-g-inv-after-above-g-inv", ["priors.g_inv_after.value=9"],
         ["priors.g_inv_after", "value=9"]),
    Case("prior-normal-unbounded", ["~priors.g_hw",
                                    "+priors.g_hw={dist: normal, mean: 1.4, sd: 0.1}"],
         ["priors.g_hw", "normal", "domain"]),
    Case("prior-normal-sd-zero", ["~priors.g_hw", "+priors.g_hw={dist: normal, mean: 1.4, sd: 0}"],
         ["priors.g_hw.sd", "0", "> 0"]),
    Case("prior-sigma-negative", ["priors.g_inf.sigma=-0.3"], [kv("priors.g_inf.sigma", "-0.3")]),
    Case("prior-median-nan", ["priors.g_inf.median=nan"], [kv("priors.g_inf.median", "nan")]),
    Case("prior-loguniform-high-inf", ["priors.inference_compute_multiplier.high=inf"],
         [kv("priors.inference_compute_multiplier.high", "inf"), "finite"]),
    Case("prior-switch-year-negative", ["investment=constant", "priors.switch_year.value=-1"],
         ["priors.switch_year", "-1"]),
    Case("prior-meek-growth-shrinks", ["priors.meek_growth.value=0.9"],
         ["priors.meek_growth", "0.9", ">= 1"]),
    Case("prior-meek-growth-lognormal-reaches-below-one",
         ["~priors.meek_growth", "+priors.meek_growth={dist: lognormal, median: 1.5, sigma: 0.5}"],
         ["priors.meek_growth", ">= 1", "low: 1"]),
    Case("prior-price-zero", ["priors.price_per_token_usd.value=0"],
         ["priors.price_per_token_usd", "0"]),
    Case("prior-ci90-reversed", ["priors.g_inv.ci90=[3,2]"], ["priors.g_inv.ci90", "lo < hi"]),
    Case("prior-triangular-mode-outside", ["priors.g_hw.mode=2"], [kv("priors.g_hw.mode", "2")]),
    Case("prior-unknown-distribution", ["priors.g_alg.dist=gamma"],
         [kv("priors.g_alg.dist", "gamma"), "allowed"]),
    Case("prior-distribution-missing-keys", ["priors.g_alg.dist=uniform"],
         ["priors.g_alg", "needs ['high']"]),

    # --- configuration directories
    Case("config-dir-missing", ["--config-dir=/no/such/dir"],
         ["--config-dir", "/no/such/dir", "no such directory"]),
    Case("config-dir-yaml-error-group-option", ["--config-dir={case}/conf", "priors=mine"],
         ["mine.yaml", ("line", "YAML", "syntax")], setup=_broken_group_option),
    Case("config-dir-yaml-error-experiment", ["--config-dir={case}/conf", "experiment=mine"],
         ["mine.yaml", ("line", "YAML", "syntax")], setup=_broken_experiment, process=True),
    Case("config-dir-yaml-error-primary", ["--config-dir={case}/conf", "--config-name=mycfg"],
         ["mycfg.yaml", ("line", "YAML", "syntax")], setup=_broken_primary),

    # --- sweeps: one bad value refuses the whole sweep, nothing runs
    Case("sweep-one-bad-n", ["-m", *FAN[:1], "time.steps=11", "sampler.n=10,0"],
         [kv("sampler.n", "0")], sweep=True),
    Case("sweep-one-bad-prior", ["-m", *FAN, "priors.g_inv.value=2,0.5"],
         ["priors.g_inv", "0.5"], sweep=True, process=True),
    Case("sweep-one-unknown-experiment", ["-m", "experiment=fan,foo", "sampler.n=10"],
         ["experiment", "foo"], sweep=True),
    Case("sweep-one-bad-type", ["-m", *FAN, "seed=1,abc"], [kv("seed", "abc"), INT],
         sweep=True),
    Case("sweep-range-starting-at-zero", ["-m", *FAN[:1], "time.steps=11",
                                          "sampler.n=range(0,20,10)"],
         [kv("sampler.n", "0")], sweep=True),
    Case("sweep-section-of-another-experiment",
         ["-m", "experiment=fan,sobol", "sampler.n=16", "time.steps=11",
          "sobol.num_resamples=1"],
         [kv("sobol.num_resamples", "1")], forbid=["NoneType", "Unexpected type"], sweep=True),
    Case("sweep-unknown-key-added-with-plus", ["-m", *FAN, "+sampler.foo=1,2"],
         ["sampler.foo", NO_KEY], sweep=True),
    Case("sweep-one-value-twice", ["-m", *FAN, "seed=1,1"], ["seed=1", "swept twice"],
         sweep=True),
    Case("sweep-mixing-experiments", ["-m", "experiment=fan,morris", "sampler.n=10",
                                      "time.steps=11"],
         ["experiment=fan", "experiment=morris", "mix experiments"], sweep=True),
    Case("sweep-mixing-time-grids", ["-m", *FAN[:2], "time.steps=11,21"],
         ["time.steps=11", "time.steps=21", "mix time grids"], sweep=True),
    Case("sweep-resume-with-nothing-to-resume", ["-m", *FAN, "seed=1,2", "resume=true"],
         ["resume=true", "hydra.sweep.dir", "no interrupted sweep"], sweep=True),
    Case("sweep-dir-is-a-file", ["-m", *FAN, "seed=1,2", "hydra.sweep.dir={case}/a_file"],
         ["hydra.sweep.dir", "a_file"], setup=_blocker, after=_blocker_intact),

    # --- clusters that are not Dask schedulers
    # max_seconds: from the moment the run starts to connect to the moment it gives up (the
    # process's start-up and exit, 3 s idle and over 10 s on two loaded cores, are not the
    # cluster's doing): cluster.timeout_s=2 and the handshake thread's 2-s grace
    Case("address-nothing-listening",
         [*FAN, "cluster=address", "cluster.address=tcp://127.0.0.1:{closed}",
          "cluster.timeout_s=2"],
         ["cluster.address", "tcp://127.0.0.1:", "no Dask scheduler"], max_seconds=6,
         timeout=60, process=True),
    Case("address-silent-server",
         [*FAN, "cluster=address", "cluster.address=tcp://127.0.0.1:{silent}",
          "cluster.timeout_s=2"],
         ["cluster.address", "tcp://127.0.0.1:", "no Dask scheduler"],
         timeout=60, max_seconds=6, process=True),
    Case("address-junk-server",
         [*FAN, "cluster=address", "cluster.address=tcp://127.0.0.1:{junk}",
          "cluster.timeout_s=2"],
         ["cluster.address", "tcp://127.0.0.1:", "no Dask scheduler"],
         timeout=60, max_seconds=6, process=True),

    # --- issue 28: names listed twice (heap corruption once), numbers, messages
    Case("output-series-duplicate", [*FAN, "output.series=[loss_gap,loss_gap]", "fan.log_scale=[]"],
         ["output.series", "'loss_gap' is named twice"]),
    Case("outcomes-horizons-duplicate", [*FAN, "outcomes.horizons=[5,10,5]"],
         ["outcomes.horizons", "named twice"]),
    Case("sobol-outputs-duplicate", ["experiment=sobol", "sobol.outputs=[t_peak,t_peak]"],
         ["sobol.outputs", "'t_peak' is named twice"]),
    Case("morris-outputs-duplicate", ["experiment=morris", "morris.outputs=[t_peak,t_peak]"],
         ["morris.outputs", "'t_peak' is named twice"]),
    Case("sampler-n-exponent-huge", [*FAN[:1], "time.steps=11", "sampler.n=1e12"],
         [kv("sampler.n", "1e12"), "too large"], forbid=["must be a whole number"]),
    Case("sampler-n-beyond-the-disk", [*FAN[:1], "time.steps=11", "sampler.n=1000000000000"],
         [kv("sampler.n", "1000000000000"), "too large", " TB on disk"], forbid=["0.0 GB"]),
    Case("model-ishigami-with-the-fans-series", ["experiment=fan", "model=ishigami"],
         ["output.series", "'loss_gap' is unknown", "allowed: none"]),
    Case("discover-condition-number-inside-and",
         ["experiment=discover", 'discover.condition="t_peak > 0 and 1"'],
         ["discover.condition", "'1' inside and/or/not", "not a condition"]),
    Case("discover-condition-nan-able-variable-inside-not",
         ["experiment=discover", 'discover.condition="not t_peak"'],
         ["discover.condition", "'t_peak' inside and/or/not"]),
    Case("discover-condition-3000-terms", ["experiment=discover",
                                           f'discover.condition="{DEEP} > 0"'],
         ["discover.condition", "nested too deeply"], forbid=["recursion"]),
    Case("discover-twenty-scenarios", ["experiment=discover", "sampler.n=20"],
         [kv("sampler.n", "20"), "too few scenarios"], forbid=["max()"]),

    Case("lever-under-a-policy-that-does-not-pull-it",
         [*FAN, "~priors.export_control_strength",
          "+priors.export_control_strength={dist: uniform, low: 0, high: 0.3}"],
         ["priors.export_control_strength", "policy=none", "does not pull it"]),
    Case("lever-given-whole-under-policy-none",
         [*FAN, "priors.export_control_strength={dist: uniform, low: 0.2, high: 0.8}"],
         ["priors.export_control_strength", "policy=none", "does not pull it"],
         forbid=["no such key"]),
    Case("prior-given-whole-with-a-typo", [*FAN, "priors.g_invv={dist: fixed, value: 3}"],
         ["priors.g_invv", "no such key"]),

    # --- run directories
    Case("run-dir-holds-the-users-files", FAN,
         ["hydra.run.dir", "files meek did not write", "fan.nc", "run.log"],
         setup=_users_files, after=_users_files_intact, kept=("fan.nc", "run.log")),
    Case("run-dir-holds-the-users-log-and-input-is-bad", [*FAN, "sampler.n=0"],
         [kv("sampler.n", "0")], setup=_users_log, after=_users_log_intact, kept=("run.log",)),
    Case("run-dir-holds-the-users-log", FAN, ["hydra.run.dir", "files meek did not write",
                                               "run.log"],
         setup=_users_log, after=_users_log_intact, kept=("run.log",)),
    Case("resume-with-nothing-to-resume", [*FAN, "resume=true"],
         ["resume=true", "hydra.run.dir", "no interrupted run"]),
    Case("resume-in-the-users-directory", [*FAN, "resume=true"],
         ["hydra.run.dir", "files meek did not write"], setup=_users_log,
         after=_users_log_intact, kept=("run.log",)),
    Case("run-dir-is-a-file", FAN, ["hydra.run.dir", "a_file", "cannot be written"],
         run_dir="{case}/a_file", setup=_blocker, after=_blocker_intact),
    Case("run-dir-below-a-file", FAN, ["hydra.run.dir", "a_file/run", "cannot be written"],
         run_dir="{case}/a_file/run", setup=_blocker, after=_blocker_intact),
    Case("run-dir-unwritable", FAN, ["hydra.run.dir", "cannot be written"],
         run_dir=_unwritable_run_dir(), setup=_locked, process=True),
]

IDS = [c.id for c in CATALOGUE]
assert len(set(IDS)) == len(IDS), "duplicate case ids"

#: The fast loop (``-m "not slow"``) runs every fourth in-process case, spread over the sections
#: above; the full loop (the README's command, CI) runs every case, the real processes too.
FAST_EVERY = 4


def _param(index: int, case: Case) -> Any:
    slow = case.process or index % FAST_EVERY != 0
    return pytest.param(case, id=case.id, marks=[pytest.mark.slow] if slow else [])


PARAMS = [_param(i, c) for i, c in enumerate(CATALOGUE)]


# ----------------------------------------------------------------------------- servers


class _Servers:
    """Loopback TCP servers that are not Dask schedulers: one accepts and never speaks, one
    answers anything with junk; and a port where nothing listens."""

    def __init__(self) -> None:
        self.held: list[socket.socket] = []
        self.silent = self._serve(self._hold)
        self.junk = self._serve(self._junk)
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.closed = probe.getsockname()[1]
        probe.close()

    def _serve(self, handle: Callable[[socket.socket], None]) -> int:
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", 0))
        srv.listen(64)
        self.held.append(srv)

        def loop() -> None:
            while True:
                try:
                    conn, _ = srv.accept()
                except OSError:
                    return
                handle(conn)

        threading.Thread(target=loop, daemon=True).start()
        return srv.getsockname()[1]

    def _hold(self, conn: socket.socket) -> None:
        self.held.append(conn)  # accepted, never answered, never closed

    def _junk(self, conn: socket.socket) -> None:
        try:
            conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello\n" * 64)
        except OSError:
            pass
        self.held.append(conn)

    def close(self) -> None:
        for s in self.held:
            s.close()


# ----------------------------------------------------------------------------- running


@dataclass
class Outcome:
    returncode: int | str
    stderr: str
    seconds: float
    case_dir: Path
    run_dir: Path
    sweep_dir: Path | None


def _fill(text: str, subs: dict[str, str]) -> str:
    for k, v in subs.items():
        text = text.replace("{" + k + "}", v)
    return text


def _prepare(case: Case, base: Path, servers: _Servers) -> tuple[list[str], Path, Path,
                                                                   Path | None]:
    """The case's directory (with its set-up), arguments, run and sweep directories."""
    case_dir = base / case.id
    case_dir.mkdir(parents=True)
    if case.setup is not None:
        case.setup(case_dir)
    subs = {"case": str(case_dir), "silent": str(servers.silent), "junk": str(servers.junk),
            "closed": str(servers.closed)}
    args = [_fill(a, subs) for a in case.args]
    run_dir = Path(_fill(case.run_dir or "{case}/run", subs))
    sweep_dir = None
    if case.sweep:
        sweep_dir = case_dir / "sweep"
        args.append(f"hydra.sweep.dir={sweep_dir}")
    return args, run_dir, case_dir, sweep_dir


#: ``python run.py`` unchanged, the start and the end of its attempt to connect to the cluster
#: stamped on stdout (the system's monotonic clock): a case's max_seconds is the time between
CONNECT_CLOCK = """
import runpy, sys, time
import engine.clusters.address as address
RUN = sys.argv[1]
sys.argv = sys.argv[1:]
_connect = address._connect
def stamped(*args, **kwargs):
    print("@@connect", time.monotonic(), flush=True)
    try:
        return _connect(*args, **kwargs)
    finally:
        print("@@connected", time.monotonic(), flush=True)
address._connect = stamped
runpy.run_path(RUN, run_name="__main__")
"""


def _run_process(case: Case, base: Path, servers: _Servers) -> Outcome:
    """One case as a real ``python run.py`` process."""
    import subprocess
    import sys

    args, run_dir, case_dir, sweep_dir = _prepare(case, base, servers)
    started = time.monotonic()
    out = ""
    try:
        if case.max_seconds is not None and "cluster=address" in case.args:
            env = dict(os.environ, PYTHONWARNINGS="ignore::DeprecationWarning")
            res = subprocess.run([sys.executable, "-c", CONNECT_CLOCK, str(ROOT / "run.py"),
                                  *args, f"hydra.run.dir={run_dir}"], cwd=ROOT, env=env,
                                 capture_output=True, text=True, timeout=case.timeout)
        else:
            res = run_cli(args, run_dir, timeout=case.timeout)
        code: int | str = res.returncode
        err, out = res.stderr, res.stdout
    except Exception as exc:  # subprocess.TimeoutExpired: the child was killed
        code = f"no exit within {case.timeout:g} s (killed)"
        raw = getattr(exc, "stderr", None) or b""
        err = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
    ended = time.monotonic()
    stamps = {line.split()[0]: float(line.split()[1]) for line in out.splitlines()
              if line.startswith("@@connect")}
    seconds = stamps.get("@@connected", ended) - stamps.get("@@connect", started)
    return Outcome(code, err, seconds, case_dir, run_dir, sweep_dir)


MARK = "@@case "


def serve() -> None:
    """The main worker: one interpreter that runs case after case through the command line's
    ``main`` (``tests.conftest.run_main``), reading ``{"id", "args", "run_dir"}`` lines on stdin
    and answering each with a marked line on stdout."""
    import json
    import sys

    out = sys.stdout
    for line in sys.stdin:
        job = json.loads(line)
        started = time.monotonic()
        res = run_main(job["args"], Path(job["run_dir"]))
        out.write(MARK + json.dumps({"id": job["id"], "code": res.returncode,
                                     "stderr": res.stderr,
                                     "seconds": time.monotonic() - started}) + "\n")
        out.flush()


class _MainWorker:
    """The in-process cases, run by :func:`serve` in one worker interpreter beside the tests
    (both cores busy); each test waits for its own case's outcome."""

    def __init__(self) -> None:
        import subprocess
        import sys

        env = dict(os.environ, PYTHONWARNINGS="ignore::DeprecationWarning")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from tests.test_bad_input import serve; serve()"],
            cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.pending: dict[str, Future] = {}
        self.cases: dict[str, tuple[Path, Path, Path | None]] = {}
        threading.Thread(target=self._read, daemon=True).start()

    def submit(self, case: Case, base: Path, servers: _Servers) -> Future:
        import json

        args, run_dir, case_dir, sweep_dir = _prepare(case, base, servers)
        future: Future = Future()
        self.pending[case.id] = future
        self.cases[case.id] = (case_dir, run_dir, sweep_dir)
        self.proc.stdin.write(json.dumps({"id": case.id, "args": args,
                                          "run_dir": str(run_dir)}) + "\n")
        self.proc.stdin.flush()
        return future

    def _read(self) -> None:
        import json

        for line in self.proc.stdout:
            if not line.startswith(MARK):
                continue
            got = json.loads(line[len(MARK):])
            case_dir, run_dir, sweep_dir = self.cases[got["id"]]
            self.pending.pop(got["id"]).set_result(Outcome(
                got["code"], got["stderr"], got["seconds"], case_dir, run_dir, sweep_dir))
        for cid, future in list(self.pending.items()):  # the worker died
            case_dir, run_dir, sweep_dir = self.cases[cid]
            future.set_result(Outcome("the main worker ended before this case", "", 0.0,
                                      case_dir, run_dir, sweep_dir))

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except Exception:
            self.proc.kill()


class Catalogue:
    """The selected cases, started together when the session starts (``start``, called by
    tests/conftest.py once the tests are collected): the process cases on a small pool, the
    others on the main worker. The tests here only wait for their own case's outcome, and run
    last, so that the catalogue shares the two cores with the rest of the suite."""

    def __init__(self, selected: list[str]) -> None:
        import tempfile

        self.servers = _Servers()
        self.base = Path(tempfile.mkdtemp(prefix="meek-bad-input-"))
        self.pool = ThreadPoolExecutor(max_workers=(os.cpu_count() or 2) + 1)
        by_id = {c.id: c for c in CATALOGUE}
        self.futures: dict[str, Any] = {
            cid: self.pool.submit(_run_process, by_id[cid], self.base, self.servers)
            for cid in selected if by_id[cid].process}
        self.worker = _MainWorker()
        self.futures.update({cid: self.worker.submit(by_id[cid], self.base, self.servers)
                             for cid in selected if not by_id[cid].process})

    def close(self) -> None:
        import shutil

        self.worker.close()
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.servers.close()
        shutil.rmtree(self.base, ignore_errors=True)


STARTED: list[Catalogue] = []


def start(items: list[Any]) -> None:
    """Start the catalogue's cases for the collected ``items`` of this module."""
    selected = [item.callspec.params["case"].id for item in items
                if getattr(item, "originalname", "") == "test_bad_input"
                and hasattr(item, "callspec")]
    if selected and not STARTED:
        STARTED.append(Catalogue(selected))


@pytest.fixture(scope="module")
def outcomes(request):
    """The started catalogue's outcomes (started here if conftest.py did not)."""
    start(request.session.items)
    yield STARTED[0].futures
    STARTED.pop().close()


def _files(path: Path | None) -> list[str]:
    if path is None or not path.exists():
        return []
    if path.is_file():
        return []  # a blocker file of the case itself, checked by its `after`
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


def _matches(fragment: Any, text: str) -> bool:
    if isinstance(fragment, re.Pattern):
        return fragment.search(text) is not None
    if isinstance(fragment, tuple):
        return any(f in text for f in fragment)
    return fragment in text


def test_catalogue_is_large_enough():
    assert len(CATALOGUE) >= 85, len(CATALOGUE)
    process = [c.id for c in CATALOGUE if c.process]
    assert 5 <= len(process) <= 12, process  # a handful as real processes, a sweep among them
    assert any(c.sweep for c in CATALOGUE if c.process)


@pytest.mark.parametrize("case", PARAMS)
def test_bad_input(case, outcomes):
    try:
        out: Outcome = outcomes[case.id].result(timeout=max(case.timeout, 300.0))
    except TimeoutError:
        pytest.fail(f"no outcome within {max(case.timeout, 300.0):g} s")
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    left = _files(out.run_dir)[:8] + [f"sweep/{f}" for f in _files(out.sweep_dir)[:8]]
    shown = (f"exit {out.returncode} after {out.seconds:.1f} s; left behind: {left}; "
             f"last stderr line: {lines[-1] if lines else None!r}")
    assert "Traceback" not in out.stderr, shown
    assert out.returncode == 2, shown
    assert len(lines) == 1, shown
    line = lines[0]
    assert line.startswith("error: "), shown
    message = line.split(" (overrides: ")[0]  # an echo of every override names nothing
    missing = [f.pattern if isinstance(f, re.Pattern) else f for f in case.frags
               if not _matches(f, message)]
    assert not missing, f"{line!r} lacks {missing}"
    present = [f for f in case.forbid if f in line]
    assert not present, f"{line!r} contains {present}"
    left_run = [f for f in _files(out.run_dir) if f not in case.kept]
    assert not left_run, f"left in {out.run_dir}: {left_run}"
    assert not _files(out.sweep_dir), f"left in {out.sweep_dir}: {_files(out.sweep_dir)}"
    if case.max_seconds is not None:
        assert out.seconds <= case.max_seconds, f"refused only after {out.seconds:.1f} s"
    if case.after is not None:
        case.after(out.case_dir)


def test_debug_true_shows_the_traceback(tmp_path):
    res = run_main(["sampler.n=0", "debug=true", "experiment=fan"], tmp_path / "run")
    assert res.returncode != 0 and "Traceback" in res.stderr
