"""What a reader of a run meets (issue 26): the header's command reproduces the run as printed,
the header says what was run, labels and units are words, and results come as CSV too."""

from __future__ import annotations

import html
import re
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

from tests.conftest import ROOT, run_cli


def header(report: str) -> tuple[str, str]:
    """(the reproducing command, the line under it) of a report.html."""
    command = re.search(r'<code class="command">(.*?)</code>', report, re.S)
    meta = re.findall(r'<p class="meta">(.*?)</p>', report, re.S)
    assert command is not None
    return html.unescape(command[1]), html.unescape(re.sub(r"<[^>]+>", "", meta[1]))


@pytest.mark.slow
def test_the_header_command_reproduces_the_run_as_printed(tmp_path):
    """Run with overrides that need quoting, read the command off report.html, run that text in
    a shell from the repository (only the run directory added) and get the same numbers."""
    first = tmp_path / "first"
    done = run_cli(["experiment=fan", "sampler.n=64", "seed=7",
                    "~priors.g_hw", "+priors.g_hw={dist: uniform, low: 1.3, high: 1.5}",
                    "output.series=[loss_gap]", "fan.log_scale=[]"], first)
    assert done.returncode == 0, done.stderr
    command, meta = header((first / "report.html").read_text())
    assert command.startswith("python run.py experiment=fan")
    # the header is true to the run: its design size and its seed, once
    assert "64 scenarios" in meta and meta.count("seed") == 1 and "seed 7" in meta
    second = tmp_path / "second"
    shell = command.replace("python ", f"{sys.executable} ", 1) + f" hydra.run.dir={second}"
    again = subprocess.run(["bash", "-c", shell], cwd=ROOT, capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0, again.stderr
    assert header((second / "report.html").read_text())[0] == command
    with xr.open_dataset(first / "summary.nc") as a, xr.open_dataset(second / "summary.nc") as b:
        np.testing.assert_array_equal(a["quantiles"].values, b["quantiles"].values)
        assert a.attrs["config_yaml"] == b.attrs["config_yaml"]


# ----------------------------------------------------------------------------- labels


def test_every_factor_outcome_and_series_has_words_and_a_unit():
    from engine.model import registry
    from engine.reports import labels

    names = [*registry.NAMES, *registry.outcome_names((5.0, 10.0)), *registry.SERIES,
             "scaling_law"]
    for name in names:
        lab = labels.lookup(name)
        assert lab.label and lab.label != name and "_" not in lab.label, name
    # a unit wherever the registry has one, in a reader's words
    assert labels.unit("t_peak") == "years" and labels.unit("peak_gap") == "nats"
    assert labels.unit("benchmark_gap") == "MMLU points" and labels.unit("g_inv") == "x per year"
    assert labels.unit("meek_budget_usd") == "USD" and labels.unit("tokens_at_peak") == "tokens"
    assert labels.label("years_behind_at_10y", 2025.0) == \
        "years the meek actor trails the frontier in 2035"
    assert labels.lookup("t_peak").kind == "time" and labels.lookup("regulatory_window").kind \
        == "duration"


def test_the_scaling_law_is_named_by_its_fits():
    from engine.reports.labels import fit_of

    assert fit_of(0.0, 0.169) == "Hoffmann 2022"
    assert fit_of(0.169, 0.3) == "Besiroglu 2024"
    assert fit_of(0.1, 0.3) == "Hoffmann 2022 or Besiroglu 2024"


def test_nats_in_words_against_an_independent_root():
    """The compute ratio of a 0.05-nat gap, solved numerically from L(C) = L0 + A C^-alpha,
    and the MMLU points from the authors' sigmoid written out here."""
    import math

    from scipy.optimize import brentq

    from engine.model.params import PAPER
    from engine.reports.labels import nats_in_words

    p = PAPER.replace(sota_budget_usd=3e8, flop_per_usd=3e17, A=2708.5, alpha=0.1783, L0=1.82,
                      g_inv=2.7)
    cs = 3e8 * 3e17  # the frontier's compute at t = 0
    law = lambda lnc: 1.82 + 2708.5 * math.exp(-0.1783 * lnc)  # noqa: E731
    lnm = brentq(lambda x: law(x) - law(math.log(cs)) - 0.05, 0.0, math.log(cs))
    w = nats_in_words(0.05, p)
    assert w.compute_ratio == pytest.approx(cs / math.exp(lnm), rel=1e-9)
    assert w.years == pytest.approx((math.log(cs) - lnm) / math.log(2.8 * 1.4 * 2.7), rel=1e-9)
    perf = lambda lnc: 0.5567 / (1 + math.exp(23.775 * (1.7 + 1070 * math.exp(-0.154 * lnc)  # noqa: E731
                                                          - 1.9739))) + 0.2540
    assert w.mmlu_points == pytest.approx(100 * (perf(math.log(cs)) - perf(lnm)), rel=1e-9)


def test_outcome_rows_speak_calendar_years_and_leave_out_constant_rows():
    from engine.reports.text import outcome_rows

    qs = [0.05, 0.25, 0.5, 0.75, 0.95]
    names = ["t_peak", "t_peak_benchmark", "regulatory_window"]
    q = np.array([[-2.0, -1.0, 0.5, 1.0, 2.4], [0.0] * 5, [0.0, 0.5, 1.4, 3.0, 6.5]])
    zero = ("outcome", np.zeros(3))
    summary = xr.Dataset({"quantiles": (("outcome", "quantile"), q),
                          "undefined_share": zero, "infinite_share": zero,
                          "negative_share": ("outcome", np.array([0.36, 0.0, 0.0])),
                          "long_name": ("outcome", np.array(names)),
                          "units": ("outcome", np.array(["a"] * 3))},
                         coords={"outcome": names, "quantile": qs})
    constant: list[str] = []
    rows = outcome_rows(summary, 2025.0, constant)
    assert [r["name"] for r in rows] == ["t_peak", "regulatory_window"]
    assert rows[0]["median"] == "2025.5" and rows[0]["interval"] == "[2023.0, 2027.4]"
    assert rows[0]["notes"] == "36.0% already past at the start"
    assert rows[1]["median"] == "1.4 years"  # a duration stays in years
    assert constant == ["Time of the peak MMLU gap is 2025.0 in every scenario (the start)."]


# ----------------------------------------------------------------------------- tables, API


def test_csv_beside_each_summary_holds_the_netcdf_numbers(tmp_path, capsys):
    """A fan run through ``import meek``: summary.csv and fan.csv beside their netCDF files with
    the same numbers, Result.to_dataframe() the same tables, a notebook view, and a progress
    bar on stdout while it evaluates."""
    import pandas as pd

    import meek

    result = meek.run("fan", ["sampler.n=40", "time.steps=11", "output.series=[loss_gap]",
                              "fan.log_scale=[]"], run_dir=tmp_path / "run")
    bar = capsys.readouterr().out
    assert "evaluate: 100% (40 of 40)" in bar.split("\r")[-1]
    summary = pd.read_csv(tmp_path / "run" / "summary.csv", index_col="outcome")
    q = result["summary"]["quantiles"]
    np.testing.assert_array_equal(summary.loc["t_peak", "q50"], q.sel(outcome="t_peak",
                                                                      quantile=0.5).values)
    np.testing.assert_array_equal(summary[["q5", "q25", "q50", "q75", "q95"]].values, q.values)
    assert summary.loc["peak_gap", "unit"] == "nats"
    fan = pd.read_csv(tmp_path / "run" / "fan.csv")
    np.testing.assert_array_equal(fan.loc[fan["series"] == "loss_gap", "q50"].values,
                                  result["fan"]["loss_gap"].sel(quantile=0.5).values)
    assert fan["year"].iloc[0] == 2025.0
    frame = result.to_dataframe()  # the summary by default
    pd.testing.assert_frame_equal(frame.drop(columns=["label", "unit"]),
                                  summary.drop(columns=["label", "unit"]), check_names=False,
                                  check_dtype=False)
    page = result._repr_html_()
    assert "report.html" in page and "time of the loss-gap peak" in page
    with pytest.raises(KeyError, match="allowed: summary, sobol, fan"):
        result.to_dataframe("scenarios")
    assert "fan" in meek.experiments() and meek.label("g_inv") == "frontier investment growth"


def test_the_sobol_table_has_each_index_with_its_interval():
    from engine.tables import sobol_frame

    idx = xr.Dataset({k: (("output", "factor"), np.arange(4.0).reshape(2, 2) + j)
                      for j, k in enumerate(("S1", "S1_conf", "ST", "ST_conf"))},
                     coords={"output": ["t_peak", "peak_gap"], "factor": ["g_alg", "g_inv"]},
                     attrs={"conf_level": 0.95})
    frame = sobol_frame(idx)
    assert frame.loc[("peak_gap", "g_inv"), "ST"] == idx["ST"].sel(output="peak_gap",
                                                                   factor="g_inv")
    assert frame.loc[("t_peak", "g_alg"), "factor_label"] == "algorithmic progress"
    assert list(frame.columns) == ["factor_label", "S1", "S1_conf", "ST", "ST_conf", "conf_level"]


# ----------------------------------------------------------------------------- sweeps


@pytest.mark.slow
def test_a_sweep_compares_every_job_with_the_first_given(tmp_path):
    """``policy=none,diffusion_lag`` (not alphabetical): none is the baseline, each cell a median
    and 90% interval, each change a per-scenario change recomputed here from the jobs'
    scenarios, fans side by side, a lever chart, and links to each job's report."""
    import pandas as pd

    sweep = tmp_path / "sweep"
    res = subprocess.run([sys.executable, str(ROOT / "run.py"), "-m", "experiment=fan",
                          "policy=none,diffusion_lag", "sampler.n=200", "time.steps=31",
                          f"hydra.sweep.dir={sweep}"], cwd=ROOT, capture_output=True, text=True,
                         timeout=600)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().splitlines()[-1].endswith("report.html)")
    with xr.open_dataset(sweep / "sweep.nc") as ds:
        assert list(ds["policy"].values) == ["none", "diffusion_lag"]  # the command's order
    table = pd.read_csv(sweep / "sweep.csv", index_col=["job", "outcome"])
    assert list(dict.fromkeys(table.index.get_level_values("job"))) == ["none", "diffusion_lag"]
    assert (table["baseline"] == "none").all()
    with xr.open_dataset(sweep / "policy=none" / "scenarios.nc") as a, \
            xr.open_dataset(sweep / "policy=diffusion_lag" / "scenarios.nc") as b:
        np.testing.assert_array_equal(a["g_alg"].values, b["g_alg"].values)  # the same draws
        change = b["years_behind_at_10y"].values - a["years_behind_at_10y"].values
        median = float(np.quantile(a["years_behind_at_10y"].values, 0.5))
    row = table.loc[("diffusion_lag", "years_behind_at_10y")]
    assert bool(row["paired"])
    np.testing.assert_allclose([row["diff_q5"], row["diff_q50"], row["diff_q95"]],
                               np.quantile(change[np.isfinite(change)], [0.05, 0.5, 0.95]),
                               rtol=1e-12)
    assert table.loc[("none", "years_behind_at_10y"), "q50"] == pytest.approx(median, rel=1e-9,
                                                                               abs=1e-3)
    page = (sweep / "report.html").read_text()
    heads = re.findall(r"<th>(.*?)</th>", page)
    assert heads[:3] == ["outcome", "none (baseline)", "diffusion_lag"]
    assert "years the meek actor trails the frontier in 2035 [years]" in page
    for job in ("policy=none", "policy=diffusion_lag"):
        assert f'href="{job}/report.html"' in page and (sweep / job / "report.html").exists()
    assert (sweep / "sweep_fans.png").exists() and (sweep / "sweep_levers.png").exists()
    assert "python run.py -m experiment=fan policy=none,diffusion_lag" in page


# ----------------------------------------------------------------------------- renamed keys


def test_a_renamed_key_keeps_working_with_one_warning_line():
    import yaml

    from experiments import api
    from tests.conftest import run_main

    res = run_main(["experiment=fan", "policy.export_control_strength=0.3", "--cfg", "job"])
    assert res.returncode == 0, res.stderr
    assert res.stderr.strip().splitlines() == [
        "warning: policy.export_control_strength= is renamed "
        "priors.export_control_strength.value= (the old name works until 0.4.0; see "
        "CHANGELOG.md)"]
    assert yaml.safe_load(res.stdout)["priors"]["export_control_strength"]["value"] == 0.3
    with pytest.warns(FutureWarning, match=r"calibration= is renamed fan.calibration="):
        cfg = api.compose("fan", ["calibration=some/calibration.nc"])
    assert cfg.fan.calibration == "some/calibration.nc"


def test_the_changelog_names_every_renamed_key():
    from experiments.config import RENAMED

    text = (ROOT / "CHANGELOG.md").read_text()
    for old, (new, until) in RENAMED.items():
        assert f"`{old}=`" in text and f"`{new}=`" in text and until in text, old


# ----------------------------------------------------------------------------- what a fan keeps


def test_a_fan_keeps_its_series_only_below_keep_series_mb(tmp_path):
    """Without the series, fan.nc comes from the run's histograms, within the error bound it
    states of the exact quantiles a run keeping them computes."""
    from tests.conftest import run_main

    args = ["experiment=fan", "sampler.n=400", "time.steps=11", "fan.log_scale=[]",
            "output.series=[loss_gap,years_behind]"]
    small, kept = tmp_path / "small", tmp_path / "kept"
    assert run_main([*args, "fan.keep_series_mb=0"], small).returncode == 0
    assert run_main([*args, "fan.keep_series_mb=50"], kept).returncode == 0
    with xr.open_dataset(small / "scenarios.nc") as a, xr.open_dataset(kept / "scenarios.nc") as b:
        assert "loss_gap" not in a and "loss_gap" in b and "t_peak" in a
    assert "not the series loss_gap, years_behind" in (small / "run.log").read_text()
    with xr.open_dataset(small / "fan.nc") as h, xr.open_dataset(kept / "fan.nc") as e:
        for name in ("loss_gap", "years_behind"):
            err = np.abs(h[name] - e[name]).max("quantile")
            assert bool((err <= h[f"{name}_error_bound"] * (1 + 1e-9)).all()), name
    assert "raise `fan.keep_series_mb`" in (small / "report.html").read_text().replace(
        "<code>", "`").replace("</code>", "`")
