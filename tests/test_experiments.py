"""The experiments (experiments/): declared once, each listed, checked and run from its
declaration; end to end at tiny N through the command line; sweeps; what every run tells the
user (its results line, its report's reproducing command, the kernel's compilation).

Adding an experiment takes its script (experiments/<name>.py: an Experiment subclass with its
section), its YAML (conf/experiment/<name>.yaml) and nothing else:
:func:`test_a_new_experiment_is_its_script_and_its_yaml` declares one in a temporary package
and configuration directory and runs it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import pickle
import re
import shlex
import subprocess
import sys
import textwrap

import matplotlib.image as mpimg
import numpy as np
import pytest
import xarray as xr

from engine import compilation
from experiments import base
from experiments.config import schema
from tests.conftest import ROOT, run_cli, run_main, settings

YAMLS = sorted(p.stem for p in (ROOT / "conf" / "experiment").glob("*.yaml"))


def test_every_experiment_is_declared_once_with_its_yaml_and_section():
    declared = base.registry()
    assert set(declared) == {*YAMLS, "summary"}
    fields = {f.name: f for f in dataclasses.fields(schema())}
    for name, exp in declared.items():
        assert exp.name == name and exp.summary
        if exp.section is not None:  # one optional field of the root per section
            assert fields[name].default is None
    for name in YAMLS:  # each YAML picks its experiment
        text = (ROOT / "conf" / "experiment" / f"{name}.yaml").read_text()
        assert re.search(rf"^task: {name}$", text, re.M), name
        assert f"# python run.py experiment={name}" in text
    with pytest.raises(TypeError, match="declared twice"):
        type("Again", (base.Experiment,), {"name": "fan", "__module__": "elsewhere"})


def test_help_says_what_each_experiment_does_and_offers_no_fixtures(tmp_path):
    res = run_main(["--help"])
    assert res.returncode == 0, res.stderr
    for name, exp in base.registry().items():
        if name != "summary":
            assert f"experiment={name}" in res.stdout
        assert " ".join(exp.summary.split()[:6]) in " ".join(res.stdout.split())
    groups = dict(line.split(": ", 1) for line in res.stdout.split(
        "Choices (config groups; GROUP=OPTION):\n")[1].split("\n\n")[0].splitlines())
    assert "open_weights_lab" in groups["actor"] and "export_controls" in groups["policy"]
    assert {"ishigami", "sobol_g"} <= set(groups["model"].split(", "))  # documented validation
    assert "none" not in groups["actor"].split(", ")  # the validation functions' fixtures
    assert "none_validation" not in groups["policy"]
    assert not {"ishigami", "sobol_g"} & set(groups["priors"].split(", "))
    assert not list(tmp_path.iterdir()) and not (ROOT / "outputs" / "help").exists()


def test_a_new_experiment_is_its_script_and_its_yaml(tmp_path, monkeypatch):
    """Its script declares the experiment and its section; its YAML selects it. The task list,
    the schema, the checks, --help and the run come from the declaration."""
    package = tmp_path / "more"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "tally.py").write_text(textwrap.dedent('''
        from dataclasses import dataclass
        from engine import io
        from engine.analysis.outcomes import thinned
        from engine.config.checks import at_least
        from experiments.base import Experiment
        from experiments.common import run_job

        @dataclass
        class TallyConfig:
            keep: int = 3

            def check(self):
                at_least("tally.keep", self.keep, 1)

        class Tally(Experiment):
            name = "tally"
            summary = "counts scenarios whose loss gap peaks after the start"
            writes = "tally.nc"
            section = TallyConfig

            def run(self, s, run, attrs):
                scenarios = run_job(s, run, extra_attrs=attrs).open()
                ds = thinned(scenarios, ["t_peak"])[0].isel(scenario=slice(0, s.config.tally.keep))
                io.save_netcdf(io.cf_dataset(ds, attrs), run.file("tally.nc"))
                scenarios.close()
                return float((ds["t_peak"] > 0).sum())
    '''))
    conf = tmp_path / "conf" / "experiment"
    conf.mkdir(parents=True)
    (conf / "tally.yaml").write_text("# @package _global_\n# python run.py experiment=tally\n"
                                     "task: tally\nsampler:\n  n: 50   # a tiny sample\n"
                                     "tally:\n  keep: 5   # scenarios written\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import more.tally  # noqa: F401 - declares the experiment, as experiments/tally.py would
    schema.cache_clear()
    try:
        assert "tally" in base.registry()
        bad = run_main([f"--config-dir={tmp_path / 'conf'}", "experiment=tally", "tally.keep=0"],
                       tmp_path / "bad")
        assert bad.returncode == 2 and bad.stderr.strip() == "error: tally.keep=0: must be >= 1"
        res = run_main([f"--config-dir={tmp_path / 'conf'}", "experiment=tally",
                        "time.steps=11"], tmp_path / "run")
        assert res.returncode == 0, res.stderr
        with xr.open_dataset(tmp_path / "run" / "tally.nc") as ds:
            assert ds.sizes["scenario"] == 5
        assert "counts scenarios whose loss gap" in run_main(["--help"]).stdout
    finally:
        base._REGISTRY.pop("tally", None)
        schema.cache_clear()


def test_every_run_ends_naming_its_directory_and_report(tmp_path):
    run = tmp_path / "run"
    res = run_main(["experiment=fan", "sampler.n=50", "time.steps=11"], run)
    assert res.returncode == 0, res.stderr
    last = res.stdout.strip().splitlines()[-1]
    assert last == f"results: {run}/ (report: {run}/report.html)"
    assert (run / "report.html").is_file()


def test_the_report_header_reproduces_the_run_as_printed(tmp_path):
    """The header's command, split as bash splits words (shlex follows POSIX), gives back the
    overrides exactly; the header's sample and seed are the run's own, the seed once."""
    overrides = ["experiment=sobol", "model=ishigami", "sampler.n=32", "seed=7",
                 "actor.description='a lab (with spaces)'"]
    run = tmp_path / "run"
    res = run_main(overrides, run)
    assert res.returncode == 0, res.stderr
    page = (run / "report.html").read_text()
    command = re.search(r'<code class="command">(.*?)</code>', page).group(1)
    import html
    command = html.unescape(command)
    assert shlex.split(command) == ["python", "run.py", *overrides]
    meta = re.findall(r'<p class="meta">(.*?)</p>', page)[-1]
    assert "N = 32 base rows" in meta and "256 scenarios" in meta
    assert "3 factors (x1, x2, x3)" in meta
    assert meta.count("seed") == 1 and "seed 7" in meta
    with xr.open_dataset(run / "sobol.nc") as ds:
        assert ds.attrs["command"] == command


@pytest.mark.slow
def test_the_reproducing_command_runs_in_bash(tmp_path):
    first, again = tmp_path / "first", tmp_path / "again"
    res = run_cli(["actor.description=a lab (with spaces), 2025"], first)
    assert res.returncode != 0  # unquoted, Hydra cannot parse it: the command must quote it
    res = run_cli(["actor.description='a lab (with spaces), 2025'", "priors.g_inv.value=3"],
                  first)
    assert res.returncode == 0, res.stderr
    command = re.search(r'<code class="command">(.*?)</code>',
                        (first / "report.html").read_text()).group(1)
    import html
    rerun = subprocess.run(["bash", "-c", f"{html.unescape(command)} hydra.run.dir={again}"],
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr

    def printed(text):  # the key numbers, without log records and the results line
        return [ln for ln in text.splitlines() if not ln.startswith(("[", "results:"))]

    assert printed(rerun.stdout) == printed(res.stdout)
    assert "a lab (with spaces), 2025" in (again / "report.html").read_text()


def test_headers_describe_what_was_sampled():
    declared = base.registry()
    cal = settings(["experiment=calibrate"])
    text = declared["calibrate"].describe(cal)
    assert f"{cal.config.calibrate.particles:,} particles" in text and "design" not in text
    mo = settings(["experiment=morris", "morris.trajectories=10"])
    k = len(mo.priors.uncertain)
    assert declared["morris"].describe(mo).startswith(
        f"10 Morris trajectories of {k + 1} scenarios")


def _fake_cache(source, version, digest):
    cache = source.parent / "__pycache__"
    cache.mkdir(exist_ok=True)
    tag = f"py{sys.version_info.major}{sys.version_info.minor}"
    with open(cache / f"{source.stem}._f-3.{tag}.nbi", "wb") as f:
        pickle.dump(version, f, protocol=-1)
        f.write(pickle.dumps((digest, {})))


def test_kernel_cache_is_told_from_numbas_index(tmp_path, monkeypatch):
    source = tmp_path / "kern.py"
    source.write_text("def f():\n    return 1\n")
    version = importlib.metadata.version("numba")
    assert compilation.kernel_cached(source) is False  # nothing compiled yet
    _fake_cache(source, version, hashlib.sha256(source.read_bytes()).digest())
    assert compilation.kernel_cached(source) is True
    source.write_text("def f():\n    return 2\n")  # edited: numba compiles again
    assert compilation.kernel_cached(source) is False
    _fake_cache(source, "0.0.1", hashlib.sha256(source.read_bytes()).digest())
    assert compilation.kernel_cached(source) is False  # another numba's cache
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    assert compilation.kernel_cached(source) is None  # elsewhere: not told


def test_the_real_kernel_cache_is_found_after_a_run(tmp_path, monkeypatch):
    """numba's own index of the kernel, written by a run, reads as cached; a run whose kernel
    is not cached says so before it compiles."""
    res = run_main(["experiment=fan", "sampler.n=20", "time.steps=11"], tmp_path / "a")
    assert res.returncode == 0, res.stderr
    assert compilation.kernel_cached() is True
    assert "compiling the kernel" not in res.stdout.split("phase: evaluate")[-1]
    monkeypatch.setattr("experiments.job.kernel_cached", lambda: False)
    res = run_main(["experiment=fan", "sampler.n=20", "time.steps=11"], tmp_path / "b")
    before = res.stdout.split("phase: evaluate")[0]
    assert f"compiling the kernel once (about {compilation.COMPILE_SECONDS} s" in before


def images(path):
    pngs = sorted(path.glob("*.png"))
    for png in pngs:
        img = mpimg.imread(png)
        assert img.ndim == 3 and img.shape[0] > 200 and img.shape[1] > 300, png
        assert float(np.std(img[..., :3])) > 0.02, f"{png} looks blank"
    return [p.name for p in pngs]


def test_summary_prints_the_paper_numbers_and_never_for_nan(tmp_path):
    res = run_main([], tmp_path / "run")
    assert res.returncode == 0, res.stderr
    paper_block = res.stdout.split("\n\n")[1]  # the authors' setting comes first
    lines = {line.rsplit(None, 1)[0].strip(): line.split()[-1]
             for line in paper_block.splitlines() if line.startswith("  ")}
    assert float(lines["t_peak [yr]"]) == pytest.approx(3.36, abs=0.01)
    assert float(lines["peak gap [nats]"]) == pytest.approx(0.212, abs=0.001)
    assert float(lines["inference catch-up [yr]"]) == pytest.approx(1.33, abs=0.01)
    assert float(lines["inference catch-up at g_inf 2.8 [yr]"]) == pytest.approx(4.10, abs=0.01)
    res = run_main(["priors=paper", "priors.g_inf.value=1.01"], tmp_path / "run2")
    assert res.returncode == 0 and "never" in res.stdout and "nan" not in res.stdout


def test_fan_experiment_end_to_end(tmp_path):
    run = tmp_path / "run"
    res = run_main(["experiment=fan", "sampler.n=300", "time.steps=31"], run)
    assert res.returncode == 0, res.stderr
    with xr.open_dataset(run / "scenarios.nc") as ds:
        assert ds.sizes == {"scenario": 300, "t": 31}
        assert "loss_gap" in ds and "t_peak" in ds and "config_yaml" in ds.attrs
    with xr.open_dataset(run / "fan.nc") as fan:
        assert fan["loss_gap"].dims == ("quantile", "t")
        assert "tokens_to_distinguish_infinite_share" in fan
    with xr.open_dataset(run / "summary.nc") as summary:
        assert {"t_peak", "regulatory_window", "years_behind_at_10y"} <= set(
            summary["outcome"].values)
    names = images(run)
    assert {"fan_loss_gap.png", "fan_benchmark_gap.png", "fan_inference_gap.png",
            "fan_tokens_to_distinguish.png", "fan_years_behind.png", "t_peak.png",
            "years_behind_and_gap.png"} <= set(names)
    assert (run / "report.html").exists() and (run / ".meek_complete").exists()
    assert not (run / ".staging").exists()


@pytest.mark.slow
def test_sweep_is_checked_whole_and_collated(tmp_path):
    sweep = tmp_path / "sweep"
    res = subprocess.run([sys.executable, str(ROOT / "run.py"), "-m", "experiment=fan",
                          "sampler.n=100", "time.steps=11", "priors.g_inv.value=2,3.57,6",
                          f"hydra.sweep.dir={sweep}"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stderr
    jobs = sorted(p.name for p in sweep.iterdir() if p.is_dir())
    assert jobs == ["priors.g_inv.value=2", "priors.g_inv.value=3.57", "priors.g_inv.value=6"]
    with xr.open_dataset(sweep / "sweep.nc") as ds:
        assert list(ds["g_inv"].values) == [2.0, 3.57, 6.0]
        assert ds["quantiles"].dims == ("g_inv", "outcome", "quantile")
        medians = ds["quantiles"].sel(outcome="t_peak", quantile=0.5).values
        assert medians[0] < medians[1] < medians[2]  # faster investment, later peak
        assert ds["fan_loss_gap"].dims == ("g_inv", "quantile", "t")
    assert (sweep / "sweep_fans.png").exists() and (sweep / "report.html").exists()
    # one bad value refuses the whole sweep before any job runs
    bad = tmp_path / "bad"
    res = subprocess.run([sys.executable, str(ROOT / "run.py"), "-m", "experiment=fan",
                          "sampler.n=100", "priors.g_inv.value=2,0.5", f"hydra.sweep.dir={bad}"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert "priors.g_inv" in res.stderr and not bad.exists()
