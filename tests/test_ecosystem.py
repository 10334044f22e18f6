"""Fitting the ecosystem: CF-1.8 files, report.html in a real browser, a real package with a
`meek` command, the notebook API of the README, progress lines in run.log."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import xarray as xr

from tests.conftest import ROOT, run_main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One tiny run of each experiment whose files the tests below read (through the command
    line's main, in this process)."""
    base = tmp_path_factory.mktemp("runs")
    out = {}
    for name, args in {"fan": ["experiment=fan", "sampler.n=400", "time.steps=21"],
                       "sobol": ["experiment=sobol", "sampler.n=32", "time.steps=21"]}.items():
        res = run_main(args, base / name)
        assert res.returncode == 0, res.stderr
        out[name] = base / name
    return out


def cf_problems(path: Path) -> list[str]:
    """compliance-checker's high- and medium-priority CF-1.8 failures for one file."""
    from compliance_checker.runner import CheckSuite, ComplianceChecker

    CheckSuite.load_all_available_checkers()
    report = path.with_suffix(".cf.json")
    ComplianceChecker.run_checker(str(path), ["cf:1.8"], 0, "normal",
                                  output_filename=str(report), output_format="json")
    result = json.loads(report.read_text())["cf:1.8"]
    report.unlink()
    return [f"{item['name']}: {item['msgs']}" for key in ("high_priorities", "medium_priorities")
            for item in result[key] if item["value"][0] < item["value"][1]]


@pytest.mark.parametrize("name", ["fan/scenarios.nc", "fan/fan.nc", "fan/summary.nc",
                                  "sobol/sobol.nc", "sobol/scenarios.nc"])
def test_files_pass_cf_1_8(runs, name):
    run, file = name.split("/")
    assert cf_problems(runs[run] / file) == []


@pytest.mark.slow  # a real browser
@pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                    reason="Debian's chromium is installed by .ci/run")
@pytest.mark.parametrize("run", ["fan", "sobol"])
def test_report_opens_in_a_real_browser_with_every_figure(runs, run, tmp_path):
    assert CHROMIUM, "CI=true but no chromium: .ci/run installs Debian's chromium package"
    report = (runs[run] / "report.html").read_text()
    expected = len(re.findall(r"<img ", report))
    assert expected >= 3
    # a copy that records, once the page has loaded, how many images decoded
    probe = tmp_path / "probe.html"
    probe.write_text(report.replace("</body>", """<script>
window.addEventListener('load', () => { const ok = [...document.images].filter(
  i => i.complete && i.naturalWidth > 100).length;
  document.body.setAttribute('data-images-ok', ok); });
</script></body>"""))
    res = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                          "--disable-background-networking", "--disable-component-update",
                          "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'u'}",
                          "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()],
                         capture_output=True, text=True, timeout=120)
    match = re.search(r'data-images-ok="(\d+)"', res.stdout)
    assert match, res.stderr[-2000:]
    assert int(match.group(1)) == expected
    assert "What these results do not cover" in res.stdout or run == "sobol"


def test_progress_reaches_run_log_without_a_terminal(runs):
    log = (runs["fan"] / "run.log").read_text()
    assert re.search(r"evaluate: 100% \(400 of 400 scenarios\)", log)
    assert "distributed" not in log


@pytest.mark.slow  # a real Python process
def test_readme_python_example_runs(tmp_path):
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```python\n(.*?)```", readme, re.S)
    assert block, "README.md has no Python example"
    code = block.group(1)
    res = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert res.returncode == 0, res.stderr[-3000:]


def test_a_checkout_is_found_by_its_pyproject_not_by_a_folder_named_conf(tmp_path):
    """The tests run from the checkout, which reads its own conf/ and data/; elsewhere, a
    directory is a checkout's root only if its pyproject.toml names the project meek."""
    import engine
    from engine.resources import checkout_root, conf_dir, data_dir

    assert Path(engine.__file__).resolve().parent == ROOT / "engine"
    assert checkout_root() == ROOT
    assert conf_dir() == ROOT / "conf" and data_dir() == ROOT / "data"
    package = tmp_path / "engine"
    package.mkdir()
    (tmp_path / "conf").mkdir()  # what another distribution may put in site-packages
    assert checkout_root(package) is None
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "meek-plugins"\n')
    assert checkout_root(package) is None
    (tmp_path / "pyproject.toml").write_text("[project\nname = 'meek'\n")  # not TOML
    assert checkout_root(package) is None
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "meek"\n')
    assert checkout_root(package) == tmp_path


def _files(directory: Path) -> dict[str, bytes]:
    """Relative path -> bytes of every file under directory (no bytecode caches)."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


@pytest.mark.slow
def test_installed_package_runs_meek_from_another_folder(tmp_path):
    """A wheel in a fresh environment: `meek` runs from another folder and reads the package's
    own config and data (the checkout's files, byte for byte), never a ``conf/`` or ``data/``
    that another distribution put beside it in site-packages; its numbers are the checkout's."""
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    # the dependencies come from this environment's site-packages (a plain path, so its
    # editable-install hooks do not run: meek itself can only come from the wheel)
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()"
                              "['purelib'])"], capture_output=True, text=True).stdout.strip()
    import sysconfig
    Path(purelib, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    wheel_dir = tmp_path / "wheel"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                            str(wheel_dir), str(ROOT)], capture_output=True, text=True,
                           timeout=600)
    assert build.returncode == 0, build.stderr
    wheel = next(wheel_dir.glob("meek-*.whl"))
    inst = subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "-q", str(wheel)],
                          capture_output=True, text=True, timeout=600)
    assert inst.returncode == 0, inst.stderr
    site = Path(purelib)
    # the wheel ships the checkout's conf/ and data/, every file, byte for byte
    for kind, inside in (("conf", "_conf"), ("data", "_data")):
        ours, shipped = _files(ROOT / kind), _files(site / "engine" / inside)
        assert sorted(shipped) == sorted(ours), kind
        assert all(shipped[k] == v for k, v in ours.items()), kind
    # decoys beside the package, where a bare sibling lookup would go: valid, but another
    # seed and other scaling-law replicates (a run reading them gives other numbers), and a
    # pyproject.toml naming meek (the package's own copy still comes first)
    shutil.copytree(ROOT / "conf", site / "conf")
    config = (site / "conf" / "config.yaml").read_text()
    assert "\nseed: 20250710 " in config
    (site / "conf" / "config.yaml").write_text(config.replace("\nseed: 20250710 ", "\nseed: 1 "))
    shutil.copytree(ROOT / "data", site / "data")
    replicates = site / "data" / "besiroglu2024_bootstrap.csv"
    header, *rows = replicates.read_text().splitlines()
    replicates.write_text("\n".join([header, *rows[: len(rows) // 4]]) + "\n")
    (site / "pyproject.toml").write_text('[project]\nname = "meek"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run([str(py), "-c", "from engine.resources import conf_dir, data_dir; "
                            "print(conf_dir(), data_dir())"],
                           cwd=elsewhere, capture_output=True, text=True, env=env)
    assert where.returncode == 0, where.stderr
    conf, data = where.stdout.split()
    assert Path(conf).resolve() == (site / "engine" / "_conf").resolve()
    assert Path(data).resolve() == (site / "engine" / "_data").resolve()
    args = ["experiment=fan", "sampler.n=1000", "time.steps=21"]
    res = subprocess.run([str(env_dir / "bin" / "meek"), *args], cwd=elsewhere,
                         capture_output=True, text=True, timeout=600, env=env)
    assert res.returncode == 0, res.stderr[-3000:]
    runs = list((elsewhere / "outputs" / "fan").iterdir())
    assert len(runs) == 1 and (runs[0] / "fan.nc").exists() and (runs[0] / "report.html").exists()
    # the same command in the checkout: the same configuration, data and numbers
    ref = run_main(args, tmp_path / "checkout")
    assert ref.returncode == 0, ref.stderr[-3000:]
    for name in ("fan.nc", "scenarios.nc"):
        with xr.open_dataset(runs[0] / name) as got, \
                xr.open_dataset(tmp_path / "checkout" / name) as want:
            xr.testing.assert_equal(got.load(), want.load())
            for key in ("config_yaml", "seed", "fingerprint"):
                assert got.attrs[key] == want.attrs[key], (name, key)
    version = subprocess.run([str(py), "-c", "import engine; print(engine.__version__)"],
                             cwd=elsewhere, capture_output=True, text=True)
    assert version.stdout.strip() == "0.2.0"
