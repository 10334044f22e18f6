"""The explorer in a real browser: a real ``python run.py experiment=explore`` server and
Debian's headless Chromium driven by selenium (tests/browser.py). Slow: CI runs them
(.ci/run installs chromium and chromium-driver)."""

from __future__ import annotations

import signal
import socket
import time
from urllib.parse import urlparse

import pytest
import xarray as xr

from tests import browser
from tests.conftest import run_cli

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not browser.available(), reason="needs chromium and chromedriver")]

#: A page's overrides, and the same run on the command line (few scenarios: quick).
OVERRIDES = ["actor=startup", "priors.g_inv.value=5", "sampler.n=2000", "seed=1"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = browser.Server(tmp_path_factory.mktemp("explore") / "run")
    yield srv
    srv.stop()


@pytest.fixture
def page():
    driver = browser.chrome()
    yield driver
    driver.quit()


def test_page_loads_with_key_numbers_fans_and_command(server, page, tmp_path):
    page.get(server.url)
    state = browser.wait_drawn(page)
    assert state[0] == "ready"
    keys = browser.key_numbers(page)
    assert {"t_peak", "regulatory_window", "years_behind_at_5y", "years_behind_at_10y",
            "gap_at_5y", "gap_at_10y", "t_threshold_capability",
            "t_meek_crosses_threshold"} <= set(keys)
    for median, q05, q95 in keys.values():
        assert q05 <= median <= q95
    assert browser.find(page, "#explore-command").text.strip() == "python run.py experiment=fan"
    page.save_screenshot(str(tmp_path / "page.png"))


def test_a_url_with_overrides_shows_the_fan_experiments_numbers(server, page, tmp_path):
    page.get(server.url + "?" + "&".join(OVERRIDES))
    browser.wait_drawn(page)
    shown = browser.key_numbers(page)
    fan = run_cli(["experiment=fan", *OVERRIDES], tmp_path / "fan")
    assert fan.returncode == 0, fan.stderr
    with xr.open_dataset(tmp_path / "fan" / "summary.nc") as summary:
        for name, (median, q05, q95) in shown.items():
            q = summary["quantiles"].sel(outcome=name)
            assert (median, q05, q95) == (float(q.sel(quantile=0.5)),
                                          float(q.sel(quantile=0.05)),
                                          float(q.sel(quantile=0.95))), name
    assert browser.find(page, "#explore-command").text.strip() == \
        "python run.py experiment=fan " + " ".join(OVERRIDES)


def test_a_select_and_a_slider_change_the_numbers_and_the_url(server, page):
    page.get(server.url + "?sampler.n=5000&seed=2")
    state = browser.wait_drawn(page)
    before = browser.key_numbers(page)
    browser.select(page, "actor", "person")
    state = browser.wait_drawn(page, state[1])
    after_select = browser.key_numbers(page)
    assert "actor=person" in browser.query(page)
    assert after_select["t_peak"] != before["t_peak"]
    browser.nudge(page, "threshold_nats", 2)  # two steps of 0.005 (one change or two)
    browser.settle(page, "outcomes.threshold_nats=0.06")
    assert "outcomes.threshold_nats=0.06" in browser.query(page)
    after_nats = browser.key_numbers(page)
    assert after_nats["regulatory_window"] != after_select["regulatory_window"]
    browser.select(page, "threshold_flop", "1e26")
    browser.settle(page, "governance.threshold_flop=1e26")
    assert "governance.threshold_flop=1e26" in browser.query(page)
    after_slider = browser.key_numbers(page)
    assert after_slider["t_meek_crosses_threshold"] != after_nats["t_meek_crosses_threshold"]
    assert after_slider["regulatory_window"] != after_select["regulatory_window"]
    assert after_slider["t_peak"] == after_select["t_peak"]  # the threshold leaves it alone
    # the URL is the state: opening it again shows the same numbers
    page.get(page.current_url)
    browser.wait_drawn(page)
    assert browser.key_numbers(page) == after_slider


def test_controls_show_the_state_after_rapid_steps(server, page):
    """Three key presses in a row send three changes; the page draws the newest, and the
    slider keeps showing where the reader left it (no older value pushed back)."""
    page.get(server.url + "?sampler.n=20000")
    browser.wait_drawn(page)
    for _ in range(2):
        browser.nudge(page, "threshold_nats", 3)
        browser.settle(page, "outcomes.threshold_nats=0.065")
        assert "outcomes.threshold_nats=0.065" in browser.query(page)
        assert browser.slider_label(page, "threshold_nats") == "0.065"
        browser.nudge(page, "threshold_nats", -3)
        browser.settle(page, "outcomes.threshold_nats=0.05")
        assert browser.slider_label(page, "threshold_nats") == "0.05"


def test_a_bad_override_is_named_on_the_page_and_the_server_keeps_serving(server, page):
    page.get(server.url + "?priors.g_inv.ci90=[5.0,2.0]")
    assert browser.wait_drawn(page)[0] == "error"
    error = browser.find(page, ".explore-error").text
    assert error.startswith("error: priors.g_inv.ci90=[5.0, 2.0]")
    page.get(server.url + "?discover.condition=__import__('os')")
    assert browser.wait_drawn(page)[0] == "error"
    assert "discover.condition" in browser.find(page, ".explore-error").text
    page.get(server.url + "?sampler.n=2000")
    assert browser.wait_drawn(page)[0] == "ready"


def test_two_tabs_at_once(server):
    a, b = browser.chrome(), browser.chrome()
    try:
        a.get(server.url + "?actor=person&sampler.n=3000")
        b.get(server.url + "?actor=startup&sampler.n=3000")
        browser.wait_drawn(a), browser.wait_drawn(b)
        ka, kb = browser.key_numbers(a), browser.key_numbers(b)
        assert ka["t_peak"] != kb["t_peak"]
        browser.select(a, "policy", "export_controls")  # one tab changes; the other stays
        browser.wait_drawn(a, 1)
        assert browser.key_numbers(b) == kb
        assert "policy=export_controls" in browser.query(a)
        assert "policy" not in browser.query(b)
    finally:
        a.quit(), b.quit()


def test_newer_change_supersedes_older(server, page):
    page.get(server.url + "?sampler.n=20000")
    state = browser.wait_drawn(page)
    for actor in ("person", "university_lab", "startup"):  # faster than the page computes
        browser.select(page, "actor", actor)
    final = browser.settle(page, "actor=startup")
    # the newest change is the one drawn (Panel may merge changes that arrive together)
    assert final[2] == final[1] > state[1]
    assert "actor=startup" in browser.query(page)
    shown = browser.key_numbers(page)
    page.get(server.url + "?sampler.n=20000&actor=startup")  # what that state shows afresh
    browser.wait_drawn(page)
    assert browser.key_numbers(page) == shown


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_or_ctrl_c_ends_the_server(tmp_path, signum):
    srv = browser.Server(tmp_path / "run")
    port = urlparse(srv.url).port
    started = time.monotonic()
    assert srv.terminate(timeout=30, signum=signum) == 0
    assert time.monotonic() - started < 30
    out = srv.output()
    assert f"explorer stopped ({signal.Signals(signum).name})" in out
    assert "Traceback" not in out and "results: " in out
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
