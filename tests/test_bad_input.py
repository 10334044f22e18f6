"""A catalogue of bad inputs, each run through ``python run.py`` as a user would.

Every case must end with exactly one line on stderr that names the key and the value, exit
status 2, no traceback, and no files left behind in the run directory.
"""

from __future__ import annotations

import pytest

from tests.conftest import run_cli

# (overrides, fragments that the one error line must contain)
CATALOGUE = [
    (["priors.alpha.dist=gamma"], ["priors.alpha.dist='gamma'", "allowed"]),
    (["~priors.alpha.high"], ["priors.alpha", "needs ['high']"]),
    (["+priors.alpha.mode=0.16"], ["priors.alpha.mode=0.16", "allowed"]),
    (["priors.alpha.low=0.2"], ["priors.alpha.low=0.2", "priors.alpha.high=0.18"]),
    (["~priors.g_hw", "+priors.g_hw={dist: normal, mean: 1.4, sd: 0}"],
     ["priors.g_hw.sd=0.0", "> 0"]),
    (["~priors.g_inv", "+priors.g_inv={dist: loguniform, ci90: [3.6, 2.0]}"],
     ["priors.g_inv.ci90=[3.6, 2.0]", "lo < hi"]),
    (["priors.alpha.low=nan"], ["priors.alpha.low=nan", "not NaN"]),
    (["priors.alpha.low=abc"], ["priors.alpha.low='abc'", "must be a number"]),
    (["priors.g_hw.value=-1.4"], ["priors.g_hw=fixed(value=-1.4)", "> 0"]),
    (["priors.g_alg.value=0.5", "priors.g_hw.value=1.5"], ["g_alg*g_hw", "0.75", "> 1"]),
    (["priors.g_inv.value=1.0"], ["priors.g_inv=fixed(value=1)", "> 1"]),
    (["priors.g_inv_after.value=9"], ["priors.g_inv_after=fixed(value=9)", "[1, "]),
    (["~priors.g_alg", "+priors.g_alg={dist: lognormal, median: 2.8, sigma: 0.3}"],
     ["priors.g_alg=lognormal", "leaves the model's domain"]),
    (["+priors.beta_x={dist: fixed, value: 1}"], ["priors.beta_x", "not a parameter"]),
    (["sampler.n=0"], ["sampler.n=0", ">= 1"]),
    (["sampler.n=-5"], ["sampler.n=-5", ">= 1"]),
    (["sampler.n=ten"], ["sampler.n='ten'", "whole number"]),
    (["experiment=foo"], ["experiment='foo'", "allowed: fan, morris, paper, sobol"]),
    (["sampler=foo"], ["sampler='foo'", "allowed: lhs, mc, saltelli, sobol"]),
    (["cluster=foo"], ["cluster='foo'", "allowed: address, local, processes, slurm, threads"]),
    (["model=foo"], ["model='foo'", "allowed"]),
    (["chunk_size=0"], ["chunk_size=0", ">= 1"]),
    (["seed=abc"], ["seed='abc'", "whole number"]),
    (["time.steps=1"], ["time.steps=1", ">= 2"]),
    (["time.stop=-5"], ["time.stop=-5", "> 0"]),
    (["output.series=[nope]"], ["output.series", "'nope'", "allowed"]),
    (["outcomes.false_alarm=0.7", "outcomes.miss=0.5"], ["outcomes.false_alarm=0.7", "sum"]),
    (["samplr.n=3"], ["samplr.n='3'", "no such key"]),
    (["+evil._target_=os.system"], ["evil._target_='os.system'", "this project's components"]),
    (["cluster=address", "cluster.address=localhost"], ["cluster.address='localhost'",
                                                        "tcp://HOST:PORT"]),
    (["cluster.n_workers=0"], ["cluster.n_workers=0", ">= 1"]),
    (["experiment=fan", "cluster=address", "cluster.address=tcp://127.0.0.1:9",
      "cluster.timeout_s=2"], ["cluster.address='tcp://127.0.0.1:9'", "no Dask scheduler"]),
    (["experiment=paper", "paper.empirical.data=/no/such/file.csv"],
     ["paper.empirical.data='/no/such/file.csv'", "no such file"]),
    (["experiment=sobol", "sampler=mc"], ["sampler.kind='mc'", "saltelli"]),
]


@pytest.mark.parametrize("overrides,fragments", CATALOGUE,
                         ids=[" ".join(c[0])[:60] for c in CATALOGUE])
def test_bad_input_gets_one_clear_line_and_exit_2(tmp_path, overrides, fragments):
    run = tmp_path / "run"
    res = run_cli(overrides, run, timeout=120)
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert res.returncode == 2, (res.returncode, res.stderr)
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert not run.exists() or not any(run.rglob("*")), sorted(run.rglob("*"))


def test_missing_data_column_is_named(tmp_path):
    csv = tmp_path / "board.csv"
    csv.write_text("model,release_date,mmlu_pro_pct\nx,2024-01-01,50\n")
    run = tmp_path / "run"
    res = run_cli(["experiment=paper", f"paper.empirical.data={csv}"], run, timeout=120)
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert "column 'price_output_usd_per_mtok' is missing" in res.stderr
    assert not run.exists() or not any(run.rglob("*"))


def test_unwritable_output_directory(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    res = run_cli(["experiment=fan", "sampler.n=10"], blocker / "run", timeout=120)
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert "hydra.run.dir=" in res.stderr and "cannot be written" in res.stderr
    assert blocker.read_text() == "not a directory"


def test_debug_true_shows_the_traceback(tmp_path):
    res = run_cli(["sampler.n=0", "debug=true", "experiment=fan"], tmp_path / "run", timeout=120)
    assert res.returncode != 0 and "Traceback" in res.stderr


def test_saltelli_n_not_a_power_of_two_warns_and_runs(tmp_path):
    run = tmp_path / "run"
    res = run_cli(["experiment=sobol", "model=ishigami", "sampler.n=100"], run, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "not a power of two" in res.stderr and "using 128" in res.stderr
    assert (run / "sobol.nc").exists()
