"""Driving the explorer as a reader does: a real ``python run.py experiment=explore`` server and
a real headless Chromium (Debian's ``chromium`` and ``chromium-driver``) through selenium.

Panel draws each component in its own shadow DOM, so elements are found by a query that
descends into shadow roots (:data:`DEEP`); controls are found by the CSS class each carries
(``ctl-actor``, ``ctl-threshold_nats``, ...). Used by tests/test_explore_browser.py and
benchmarks/explore.py.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
URL = re.compile(r"explorer at (http://\S+)")

#: The first element matching a CSS selector, looking into every shadow root.
DEEP = """
const sel = arguments[0];
const start = arguments[1] ? (arguments[1].shadowRoot || arguments[1]) : document;
function deep(root) {
  const found = root.querySelector(sel);
  if (found) return found;
  for (const el of root.querySelectorAll('*')) {
    if (el.shadowRoot) { const r = deep(el.shadowRoot); if (r) return r; }
  }
  return null;
}
return deep(start);
"""
#: The status line's state, generation (changes asked) and the generation drawn.
STATUS = DEEP.replace("return deep(start);", """
const s = deep(document);
return s ? [s.dataset.state, Number(s.dataset.generation), Number(s.dataset.drawn)] : null;""")
#: The key numbers: {outcome: [median, q05, q95]} as the page's data attributes hold them.
KEYS = DEEP.replace("return deep(start);", """
const t = deep(document);
if (!t) return null;
const out = {};
for (const tr of t.querySelectorAll('tr[data-outcome]')) {
  out[tr.dataset.outcome] = [tr.dataset.median, tr.dataset.q05, tr.dataset.q95];
}
return out;""")
#: Resolves after two animation frames: what changed has been painted.
PAINTED = "const done = arguments[arguments.length - 1]; " \
          "requestAnimationFrame(() => requestAnimationFrame(() => done(true)));"


def available() -> bool:
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


class Server:
    """``python run.py experiment=explore explore.port=0`` in its own process group."""

    def __init__(self, run_dir: Path, extra: tuple[str, ...] = (), timeout: float = 120.0):
        env = dict(os.environ, PYTHONWARNINGS="ignore::DeprecationWarning")
        self.log = Path(run_dir).with_suffix(".out")
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._out = open(self.log, "w")
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), "experiment=explore", "explore.port=0",
             f"hydra.run.dir={run_dir}", *extra], cwd=ROOT, env=env, stdout=self._out,
            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        self.url = ""
        while time.monotonic() < deadline:
            found = URL.search(self.log.read_text())
            if found:
                self.url = found.group(1)
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        if not self.url:
            self.stop()
            raise RuntimeError(f"the explorer did not start:\n{self.log.read_text()}")

    def output(self) -> str:
        return self.log.read_text()

    def terminate(self, timeout: float = 30.0, signum: int = signal.SIGTERM) -> int:
        """SIGTERM (or ``signum``: SIGINT is Ctrl-C), then the exit status."""
        self.proc.send_signal(signum)
        try:
            return self.proc.wait(timeout)
        finally:
            self._out.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        if not self._out.closed:
            self._out.close()


def chrome(width: int = 1400, height: int = 1800) -> Any:
    """A headless Chromium driven by selenium."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              f"--window-size={width},{height}"):
        options.add_argument(a)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_script_timeout(30)
    return driver


#: The first element matching arguments[1] below the first matching arguments[0] (one call:
#: Panel may redraw a component between two).
INSIDE = DEEP.replace("return deep(start);", """
const host = deep(document);
if (!host) return null;
const inner = arguments[1];
function deepIn(root) {
  const found = root.querySelector(inner);
  if (found) return found;
  for (const el of root.querySelectorAll('*')) {
    if (el.shadowRoot) { const r = deepIn(el.shadowRoot); if (r) return r; }
  }
  return null;
}
return deepIn(host.shadowRoot || host);""")


def find(driver: Any, selector: str, within: Any = None) -> Any:
    """The first element matching ``selector`` (in shadow roots too), below ``within``."""
    return driver.execute_script(DEEP, selector, within)


def inside(driver: Any, host: str, selector: str) -> Any:
    """The first element matching ``selector`` below the first matching ``host``."""
    return driver.execute_script(INSIDE, host, selector)


def retried(action: Any, attempts: int = 5) -> Any:
    """``action()``, again if Panel redrew the element meanwhile (a stale reference, or an
    element for a moment not there or not ready)."""
    from selenium.common.exceptions import (
        ElementNotInteractableException,
        NoSuchElementException,
        StaleElementReferenceException,
    )

    for k in range(attempts):
        try:
            return action()
        except (StaleElementReferenceException, NoSuchElementException,
                ElementNotInteractableException, AttributeError):  # AttributeError: None found
            if k == attempts - 1:
                raise
            time.sleep(0.05)


def status(driver: Any) -> tuple[str, int, int] | None:
    s = driver.execute_script(STATUS, "#explore-status")
    return None if s is None else (str(s[0]), int(s[1]), int(s[2]))


def wait_drawn(driver: Any, after: int = 0, timeout: float = 240.0, poll: float = 0.01
               ) -> tuple[str, int, int]:
    """Wait until the page is idle at a generation newer than ``after`` (drawn, or refused),
    and painted; return the status."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = status(driver)
        if s is not None and s[1] > after and (
                (s[0] == "ready" and s[2] == s[1]) or s[0] == "error"):
            driver.execute_async_script(PAINTED)
            return s
        time.sleep(poll)
    raise TimeoutError(f"the page did not draw (status {status(driver)})")


def settle(driver: Any, contains: str, timeout: float = 240.0) -> tuple[str, int, int]:
    """Wait until the page has drawn its newest state, whose overrides hold ``contains``."""
    from urllib.parse import unquote

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = status(driver)
        drawn = unquote(retried(lambda: find(driver, "#explore-status").get_attribute(
            "data-drawn-query")) or "")  # Panel may redraw the element between find and read
        if s is not None and s[0] == "ready" and s[1] == s[2] and contains in drawn:
            driver.execute_async_script(PAINTED)
            return s
        time.sleep(0.05)
    raise TimeoutError(f"the page did not settle on {contains!r} (status {status(driver)}, "
                       f"query {query(driver)!r})")


def timing(driver: Any) -> dict[str, float]:
    """The server's own timing of the last update (prepare, compute, draw, server: seconds)."""
    el = find(driver, "#explore-status")
    out = {}
    for k in ("prepare", "compute", "draw", "server"):
        v = el.get_attribute(f"data-{k}-seconds") if el is not None else None
        if v is not None:
            out[k] = float(v)
    return out


def key_numbers(driver: Any) -> dict[str, tuple[float, float, float]]:
    raw = driver.execute_script(KEYS, "#key-numbers") or {}
    return {k: tuple(float(x) for x in v) for k, v in raw.items()}


def select(driver: Any, control: str, value: str) -> None:
    """Choose ``value`` in the select of control ``control`` (e.g. ``actor``), as a reader does."""
    from selenium.webdriver.support.ui import Select

    retried(lambda: Select(inside(driver, f".ctl-{control}", "select")).select_by_value(value))


def nudge(driver: Any, control: str, steps: int = 1) -> None:
    """Move the slider of control ``control`` by ``steps`` steps with the arrow keys."""
    from selenium.webdriver.common.keys import Keys

    key = Keys.ARROW_RIGHT if steps > 0 else Keys.ARROW_LEFT
    retried(lambda: inside(driver, f".ctl-{control}", ".noUi-handle").send_keys(
        *([key] * abs(steps))))


def slider_label(driver: Any, control: str) -> str:
    """The value a slider shows beside its name."""
    return retried(lambda: inside(driver, f".ctl-{control}", ".bk-slider-value").text)


def query(driver: Any) -> str:
    from urllib.parse import unquote, urlparse

    return unquote(urlparse(driver.current_url).query)
