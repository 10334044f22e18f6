"""The explorer's page (Panel, on Bokeh) and its server.

One :class:`Session` per browser tab: controls named as the configuration's keys, whose every
change becomes a Hydra override (:mod:`.state`), is checked by the command line's own
configuration path and computed by :mod:`.compute` in a worker thread; the page keeps serving
while it computes, and a newer change supersedes an older one (only the newest state is drawn).
The URL's query is the state: opening it restores the page.
"""

from __future__ import annotations

import asyncio
import html
import logging
import math
import signal
import socket
import time
from functools import partial
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np

from engine.config import ConfigError
from engine.explore import compute
from engine.explore.compute import share
from engine.explore.state import calibrations, from_query, merged, screen, to_query

log = logging.getLogger("meek")

#: The page's path on the server.
PATH = "explore"
#: Threads computing pages (the kernel runs one evaluation at a time; more threads let a
#: superseded request be dropped while another page computes).
POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="explore")
#: Compute thresholds offered (FLOP): the EU AI Act's 1e25 (Art. 51(2)), the US executive order
#: 14110's 1e26 (2023), and steps of about half a decade around them.
THRESHOLDS = {"1e23": 1e23, "3e23": 3e23, "1e24": 1e24, "3e24": 3e24, "1e25": 1e25,
              "3e25": 3e25, "1e26": 1e26, "3e26": 3e26, "1e27": 1e27, "3e27": 3e27,
              "1e28": 1e28}
SCENARIOS = [1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000]
LOOPBACK = ("127.0.0.1", "localhost", "::1")
BAND = "#1f77b4"


def plain(v: float) -> str:
    """A number as a plain decimal (shortest exact repr, no exponent), 'nan' or 'inf'."""
    if not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return np.format_float_positional(float(v), unique=True, trim="-")


def text(v: Any) -> str:
    """A configuration value as a field shows it (and as an override can give it back)."""
    if v is None:
        return ""
    if isinstance(v, list):
        return "[" + ",".join(text(x) for x in v) + "]"
    if isinstance(v, float):
        return f"{v:.6g}" if abs(v) >= 1e5 or (v != 0 and abs(v) < 1e-3) else plain(v)
    return str(v)


def shown(row: dict[str, Any], start_year: float | None) -> tuple[str, str]:
    """(median, 90% interval) as a reader reads them: times as calendar years."""
    units, name = row["units"], row["name"]

    def one(v: float) -> str:
        if not math.isfinite(v):
            return "never" if v == math.inf else "n/a"
        if units == "a" and name.startswith("t_") and start_year is not None:
            return f"{start_year + v:.1f}"
        if units == "a":
            return f"{v:.2g} yr" if abs(v) < 10 else f"{v:.0f} yr"
        return f"{v:.3g}" + (" nats" if name.startswith("gap") else "")
    return one(row["median"]), f"{one(row['q05'])} to {one(row['q95'])}"


def key_table(page: compute.Page, start_year: float | None) -> str:
    """The key-numbers table (``<table id="key-numbers">``, one ``<tr data-outcome=...>`` per
    outcome, the numbers as in summary.nc)."""
    rows = []
    for r in page.keys:
        median, interval = shown(r, start_year)
        notes = []
        if r["past"] > 0 and r["name"].startswith("t_"):
            notes.append(f"{share(r['past'])} already past")
        if r["undefined"] > 0:
            notes.append(f"{share(r['undefined'])} undefined")
        rows.append(
            f'<tr data-outcome="{r["name"]}" data-median="{plain(r["median"])}" '
            f'data-q05="{plain(r["q05"])}" data-q95="{plain(r["q95"])}" '
            f'data-share-past="{plain(r["past"])}" '
            f'data-share-undefined="{plain(r["undefined"])}">'
            f'<td>{html.escape(r["what"])}<br><code>{r["name"]}</code></td>'
            f'<td class="num">{median}</td><td class="num">{interval}</td>'
            f'<td>{"; ".join(notes) or ""}</td></tr>')
    return ('<table id="key-numbers" class="keys"><thead><tr><th>outcome</th><th>median</th>'
            '<th>90% interval</th><th>left out / past</th></tr></thead><tbody>'
            + "".join(rows) + "</tbody></table>")


STYLE = """
table.keys {border-collapse: collapse; font-size: 14px; width: 100%;}
table.keys td, table.keys th {border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left;}
table.keys td.num {text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums;}
code {font-size: 12px; color: #555;}
"""


class Session:
    """One tab's page (see the module docstring)."""

    def __init__(self, initial: Sequence[str], outputs: Path,
                 prepare: Callable[[Sequence[str]], Any]) -> None:
        import panel as pn

        self.pn = pn
        self.prepare = prepare
        self.outputs = Path(outputs)
        self.generation = 0
        self.drawn = 0
        self.syncing = False
        self.page: compute.Page | None = None
        self.prepared: Any = None
        self.sobol_generation = 0
        self.asked = time.perf_counter()
        self.timing: dict[str, float] = {}
        self.origin: str | None = None  # the key of the control moved last
        args = getattr(pn.state, "session_args", None) or {}
        query = from_query({k: v for k, v in args.items()})
        self.overrides: list[str] = merged(query if query else list(initial))
        self._build()

    # ------------------------------------------------------------------ the controls

    def _options(self, group: str) -> list[str]:
        from engine.resources import conf_dir

        return sorted(p.stem for p in (conf_dir() / group).glob("*.yaml"))

    def _build(self) -> None:
        pn = self.pn
        self.controls: dict[str, Any] = {}
        sel = {}
        for group in ("actor", "inference", "policy"):
            sel[group] = pn.widgets.Select(name=group, options=self._options(group),
                                           css_classes=[f"ctl-{group}"], width=220)
        sel["priors"] = pn.widgets.Select(name="priors", options=["literature", "paper"],
                                          css_classes=["ctl-priors"], width=220)
        self.controls.update(sel)
        self.controls["priors.scaling_law"] = pn.widgets.Select(
            name="priors.scaling_law", options=["both", "paper", "hoffmann", "besiroglu"],
            css_classes=["ctl-scaling_law"], width=220)
        self.controls["governance.threshold_flop"] = pn.widgets.Select(
            name="governance.threshold_flop (FLOP)", options=THRESHOLDS, value=THRESHOLDS["1e25"],
            css_classes=["ctl-threshold_flop"], width=220)
        self.controls["outcomes.threshold_nats"] = pn.widgets.FloatSlider(
            name="outcomes.threshold_nats", start=0.005, end=0.3, step=0.005, value=0.05,
            format="0.[000]", css_classes=["ctl-threshold_nats"], width=220)
        self.controls["sampler.n"] = pn.widgets.Select(
            name="sampler.n (scenarios)", options=SCENARIOS, value=20000,
            css_classes=["ctl-n"], width=220)
        self.controls["seed"] = pn.widgets.IntInput(name="seed", value=20250710,
                                                    css_classes=["ctl-seed"], width=220)
        self.controls["fan.calibration"] = pn.widgets.Select(
            name="fan.calibration (posterior from outputs/)",
            options=["null", *calibrations(self.outputs)], css_classes=["ctl-calibration"],
            width=220)
        for key, w in self.controls.items():
            w.param.watch(lambda e, key=key: self._changed(key, e.new), "value")
        self.prior_box = pn.Column(sizing_mode="stretch_width")
        self.prior_widgets: dict[str, Any] = {}
        self.prior_layout: tuple = ()

        self.status = pn.pane.HTML(self._status("busy", ""), sizing_mode="stretch_width")
        self.error = pn.pane.Alert("", alert_type="danger", visible=False,
                                   css_classes=["explore-error"], sizing_mode="stretch_width")
        self.keys = pn.pane.HTML("", stylesheets=[STYLE], css_classes=["explore-keys"],
                                 sizing_mode="stretch_width")
        self.caveats = pn.pane.Markdown("", sizing_mode="stretch_width")
        self.command = pn.pane.HTML("", css_classes=["explore-command"],
                                    sizing_mode="stretch_width")
        self.download = pn.widgets.FileDownload(callback=self._netcdf, filename="fan.nc",
                                                label="Download this fan (fan.nc, netCDF)",
                                                button_type="primary", width=300)
        self.sobol_button = pn.widgets.Button(name="What drives t_peak? (quick Sobol')",
                                              css_classes=["explore-sobol-button"], width=300)
        self.sobol_button.on_click(lambda e: self._sobol())
        self.sobol = pn.pane.HTML("", css_classes=["explore-sobol"], stylesheets=[STYLE],
                                  sizing_mode="stretch_width")
        self.sources, figures = {}, []
        for name in compute.SERIES:
            fig, source = self._figure(name)
            self.sources[name] = source
            figures.append(pn.pane.Bokeh(fig, sizing_mode="stretch_width"))
        intro = pn.pane.Markdown(
            "## meek explorer\nThe fan experiment of *Meek Models Shall Inherit the Earth* "
            "(Gundlach, Lynch, Thompson 2025), live: move a choice or a prior and the fans, key "
            "numbers and drivers follow. Each control is a key of the configuration "
            "(`python run.py --help`); the page's address holds the state, so a view is a link.",
            sizing_mode="stretch_width")
        sidebar = pn.Column(
            pn.pane.Markdown("### Choices"), *sel.values(), self.controls["priors.scaling_law"],
            pn.pane.Markdown("### Thresholds and scenarios"),
            self.controls["governance.threshold_flop"], self.controls["outcomes.threshold_nats"],
            self.controls["sampler.n"], self.controls["seed"], self.controls["fan.calibration"],
            pn.pane.Markdown("### Priors of the uncertain factors\nEach field is "
                             "`priors.<factor>.<field>`; *pin* fixes the factor at a value."),
            self.prior_box, width=260)
        main = pn.Column(intro, self.status, self.error, pn.pane.Markdown("### Key numbers"),
                         self.keys, self.caveats, pn.Row(*figures[:2], sizing_mode="stretch_width"),
                         pn.Row(figures[2], pn.Column(self.sobol_button, self.sobol),
                                sizing_mode="stretch_width"),
                         pn.pane.Markdown("### Reproduce"), self.command, self.download,
                         sizing_mode="stretch_width")
        self.layout = pn.Row(sidebar, main, sizing_mode="stretch_width")

    def _figure(self, name: str) -> tuple[Any, Any]:
        from bokeh.models import ColumnDataSource
        from bokeh.plotting import figure

        from engine.model.registry import SERIES_TABLE

        meta = {s.name: s for s in SERIES_TABLE}[name]
        source = ColumnDataSource({k: [] for k in ("year", "q05", "q25", "q50", "q75", "q95")})
        units = meta.attrs.get("display_units") or {"a": "years", "percent": "percentage points"
                                                     }.get(meta.units, meta.units)
        fig = figure(height=280, sizing_mode="stretch_width", title=meta.long_name,
                     x_axis_label="year", y_axis_label=units, toolbar_location=None)
        fig.varea("year", "q05", "q95", source=source, color=BAND, alpha=0.18,
                  legend_label="90% of scenarios")
        fig.varea("year", "q25", "q75", source=source, color=BAND, alpha=0.35,
                  legend_label="50%")
        fig.line("year", "q50", source=source, color=BAND, line_width=2, legend_label="median")
        fig.legend.location = "top_left" if name == "years_behind" else "top_right"
        fig.legend.label_text_font_size = "10px"
        return fig, source

    def _prior_rows(self, priors: dict[str, Any]) -> None:
        """One row of fields per uncertain prior: each numeric field of its distribution
        (``priors.<factor>.<field>``, e.g. median and sigma, or low and high) and a pin
        (``priors.<factor>.value``). Rebuilt when the set of fields changes; the text typed
        goes to the configuration path as it is, which refuses what the command line would."""
        pn = self.pn
        fields = []
        for name, spec in priors.items():
            if not isinstance(spec, dict) or (spec.get("dist") == "fixed"
                                              and name not in self.prior_widgets):
                continue
            keys = [k for k, v in spec.items() if k not in ("value", "source", "dist") and (
                isinstance(v, (int, float)) and not isinstance(v, bool) or (
                    isinstance(v, list) and len(v) == 2))]
            fields.append((name, tuple(keys)))
        layout = tuple(fields)
        if layout != self.prior_layout:
            self.prior_widgets, rows = {}, []
            for name, keys in layout:
                ws = {k: pn.widgets.TextInput(name=k, width=110,
                                              css_classes=[f"prior-{name}-{k}"])
                      for k in (*keys, "value")}
                ws["value"].name, ws["value"].placeholder = "pin at", "not pinned"
                for k, w in ws.items():
                    w.param.watch(lambda e, name=name, k=k: self._prior_changed(name, k, e.new),
                                  "value")
                self.prior_widgets[name] = ws
                source = html.escape(str(priors[name].get("source", "")), quote=True)
                dist = html.escape(str(priors[name].get("dist", "")))
                rows.append(pn.Column(
                    pn.pane.HTML(f"<b>{name}</b> <span title='{source}'>({dist})</span>",
                                 margin=(6, 5, 0, 5)),
                    pn.GridBox(*ws.values(), ncols=2), margin=0))
            self.prior_box.objects = rows
            self.prior_layout = layout
        for name, ws in self.prior_widgets.items():
            spec = priors.get(name, {}) if isinstance(priors.get(name), dict) else {}
            for k, w in ws.items():
                w.disabled = k not in spec and k != "value"
                if f"priors.{name}.{k}" != self.origin:
                    w.value = text(spec.get(k))

    def _prior_changed(self, name: str, key: str, value: str) -> None:
        if self.syncing:
            return
        value = value.strip()
        self._set(f"priors.{name}.{key}", value if value else "null")

    def _changed(self, key: str, value: Any) -> None:
        if self.syncing:
            return
        if key == "governance.threshold_flop":
            text = f"{float(value):.0e}".replace("e+", "e")
        elif key == "outcomes.threshold_nats":
            text = plain(round(float(value), 6))  # the slider's steps, not their float sums
        elif isinstance(value, float):
            text = plain(value)
        else:
            text = str(value)
        self._set(key, text)

    def _set(self, key: str, value: str) -> None:
        self.origin = key
        self.overrides = merged([*self.overrides, f"{key}={value}"])
        self.request()

    def _sync(self, prepared: Any) -> None:
        """Controls show the composed configuration (no events), but the control the reader
        moved last: the browser may hold a newer value of it still on its way, which a value
        pushed back would undo."""
        c = prepared.settings.config
        values = {"actor": c.actor.name, "inference": c.inference.form,
                  "policy": c.policy.name,
                  "priors": "paper" if any(o == "priors=paper" for o in self.overrides)
                  else "literature",
                  "priors.scaling_law": c.priors.get("scaling_law", "both"),
                  "governance.threshold_flop": float(c.governance.threshold_flop),
                  "outcomes.threshold_nats": float(c.outcomes.threshold_nats),
                  "sampler.n": int(c.sampler.n), "seed": int(c.seed),
                  "fan.calibration": c.fan.calibration or "null"}
        self.syncing = True
        try:
            for key, v in values.items():
                if key == self.origin:
                    continue
                w = self.controls[key]
                options = getattr(w, "options", None)
                if isinstance(options, list) and v not in options:
                    w.options = [*options, v]
                elif isinstance(options, dict) and v not in options.values():
                    w.options = dict(sorted({**options, f"{v:.3g}": v}.items(),
                                            key=lambda kv: kv[1]))
                if w.value != v:
                    w.value = v
            self._prior_rows(dict(c.priors))
        finally:
            self.syncing = False

    # ------------------------------------------------------------------ computing

    def _status(self, state: str, text: str) -> str:
        timing = "".join(f' data-{k}-seconds="{v:.4f}"' for k, v in self.timing.items())
        drawn = html.escape(to_query(self.page.overrides), quote=True) if self.page else ""
        return (f'<div id="explore-status" data-state="{state}" '
                f'data-generation="{self.generation}" data-drawn="{self.drawn}"{timing} '
                f'data-drawn-query="{drawn}" '
                f'style="color:#555;font-size:13px">{html.escape(text)}</div>')

    def request(self) -> None:
        """Compute the current overrides (a newer request supersedes this one)."""
        self.generation += 1
        self.asked = time.perf_counter()
        if self.pn.state.location is not None:
            self.pn.state.location.search = to_query(self.overrides)
        self.status.object = self._status("busy", "computing ...")
        asyncio.ensure_future(self._update(self.generation, list(self.overrides)))

    def _work(self, generation: int, overrides: list[str]) -> tuple[str, Any, Any]:
        if generation != self.generation:
            return "superseded", None, None
        try:
            started = time.perf_counter()
            screened = screen(overrides, self.outputs)
            prepared = self.prepare(screened)
            self.timing["prepare"] = time.perf_counter() - started
            if generation != self.generation:
                return "superseded", None, None
            return "ok", compute.compute(prepared, screened), prepared
        except (ConfigError, ValueError, OSError, TypeError) as err:  # each names the key
            return "error", " ".join(str(err).split()), self._fallback()

    def _fallback(self) -> Any:
        """For a page refused before it drew anything: the defaults, for its controls."""
        if self.page is not None:
            return None
        try:
            return self.prepare([])
        except (ConfigError, ValueError, OSError, TypeError):
            return None

    async def _update(self, generation: int, overrides: list[str]) -> None:
        loop = asyncio.get_running_loop()
        kind, result, prepared = await loop.run_in_executor(POOL, self._work, generation,
                                                            overrides)
        if generation != self.generation or kind == "superseded":
            return
        self.doc.add_next_tick_callback(partial(self._show, generation, kind, result, prepared))

    def _show(self, generation: int, kind: str, result: Any, prepared: Any) -> None:
        """Draw a result (under the document's lock: a Bokeh next-tick callback)."""
        if generation != self.generation:
            return
        if kind == "error":
            self.error.object = f"error: {result}"
            self.error.visible = True
            if self.page is None and prepared is not None:
                self._sync(prepared)  # the controls show the defaults
            self.status.object = self._status(
                "error", "refused: change the address or a control" if self.page is None
                else "refused; the page still shows the last numbers it computed")
            return
        self.error.visible = False
        self.prepared, self.page = prepared, result
        drawing = time.perf_counter()
        self._draw(result, prepared)
        self.drawn = generation
        self.timing.update(compute=result.seconds, draw=time.perf_counter() - drawing,
                           server=time.perf_counter() - self.asked)
        self.status.object = self._status(
            "ready", f"{result.scenarios:,} scenarios from {result.source}: checked in "
                     f"{self.timing['prepare']:.2f} s, computed in {result.seconds:.2f} s")

    def _draw(self, page: compute.Page, prepared: Any) -> None:
        start = prepared.settings.start_year
        for name, source in self.sources.items():
            q = page.fans[name]
            source.data = {"year": page.years, "q05": q[0], "q25": q[1], "q50": q[2],
                           "q75": q[3], "q95": q[4]}
        self.keys.object = key_table(page, start)
        self.caveats.object = "\n".join(f"- {c}" for c in page.caveats)
        fan_command = page.command
        self.command.object = (
            f'<p>The same numbers from the command line:</p><pre id="explore-command" '
            f'style="white-space:pre-wrap">{html.escape(fan_command)}</pre>')
        self.sobol.object = ""
        self._sync(prepared)

    def _netcdf(self) -> BytesIO:
        if self.page is None:
            return BytesIO(b"")
        return BytesIO(compute.fan_netcdf(self.page))

    def _sobol(self) -> None:
        if self.prepared is None:
            return
        self.sobol_generation += 1
        self.sobol.object = "<p>computing a quick Sobol' ranking ...</p>"
        asyncio.ensure_future(self._sobol_update(self.sobol_generation, self.prepared,
                                                 self.generation))

    async def _sobol_update(self, generation: int, prepared: Any, page_generation: int) -> None:
        loop = asyncio.get_running_loop()
        try:
            ranking = await loop.run_in_executor(POOL, compute.quick_sobol, prepared)
        except (ConfigError, ValueError) as err:
            message = f"<p>error: {html.escape(str(err))}</p>"
            self.doc.add_next_tick_callback(partial(setattr, self.sobol, "object", message))
            return
        self.doc.add_next_tick_callback(partial(self._show_sobol, generation, page_generation,
                                                ranking))

    def _show_sobol(self, generation: int, page_generation: int, ranking: compute.Ranking
                    ) -> None:
        if generation != self.sobol_generation or page_generation != self.generation:
            return
        order = np.argsort(-np.nan_to_num(ranking.ST, nan=-1))
        rows = "".join(
            f'<tr data-factor="{ranking.factors[i]}" data-st="{plain(ranking.ST[i])}" '
            f'data-st-conf="{plain(ranking.ST_conf[i])}" data-s1="{plain(ranking.S1[i])}" '
            f'data-s1-conf="{plain(ranking.S1_conf[i])}"><td>{ranking.factors[i]}</td>'
            f'<td class="num">{ranking.ST[i]:.2f} ± {ranking.ST_conf[i]:.2f}</td>'
            f'<td class="num">{ranking.S1[i]:.2f} ± {ranking.S1_conf[i]:.2f}</td>'
            f'<td><div style="background:{BAND};height:10px;width:'
            f'{max(0.0, float(ranking.ST[i])) * 150:.0f}px"></div></td></tr>'
            for i in order)
        self.sobol.object = (
            f"<p>What drives <b>t_peak</b>: Saltelli design, N = {ranking.n:,} base rows "
            f"({ranking.rows:,} scenarios), {ranking.seconds:.1f} s. ST: share of its variance "
            "the factor explains with its interactions; S1: alone (± 95% bootstrap "
            "interval).</p><table id=\"sobol\" class=\"keys\"><thead><tr><th>factor</th>"
            f"<th>ST</th><th>S1</th><th></th></tr></thead><tbody>{rows}</tbody></table>")

    def start(self) -> Any:
        self.doc = self.pn.state.curdoc
        self.request()
        return self.layout


# ---------------------------------------------------------------------------- the server


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def check_host(host: str) -> None:
    if host not in LOOPBACK:
        log.warning("explore.host=%r: the explorer is reachable from other machines; it has no "
                    "login, and every visitor can make this machine compute", host)


def serve(host: str, port: int, initial: Sequence[str], outputs: Path,
          prepare: Callable[[Sequence[str]], Any],
          ready: Callable[[str], None] | None = None) -> None:
    """Serve the explorer until SIGINT or SIGTERM, then stop cleanly.

    Parameters
    ----------
    host, port : str, int
        Where (port 0: any free port).
    initial : sequence of str
        The overrides a page without a query starts from.
    outputs : Path
        The outputs directory (calibration files are read only below it).
    prepare : callable
        ``prepare(overrides)``: the checked fan run of a page's overrides, or a ConfigError
        with the command line's line (experiments/explore.py).
    """
    import panel as pn

    check_host(host)
    for noisy in ("tornado.access", "bokeh.server", "bokeh.server.views.ws"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    port = free_port(host) if port == 0 else int(port)

    def page() -> Any:
        return Session(initial, outputs, prepare).start()

    origins = [f"{host}:{port}"] + ([f"localhost:{port}", f"127.0.0.1:{port}"]
                                    if host in LOOPBACK else [])
    server = pn.serve({PATH: page}, address=host, port=port, show=False, start=False,
                      websocket_origin=origins, title="meek explorer", threaded=False,
                      verbose=False)
    url = f"http://{'[' + host + ']' if ':' in host else host}:{server.port}/{PATH}"
    loop = server.io_loop
    stopping = []

    def stop(signum: int, _frame: Any) -> None:
        if not stopping:
            stopping.append(signum)
            loop.add_callback_from_signal(loop.stop)

    saved = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.start()
        log.info("explorer at %s (Ctrl-C stops it)", url)
        for h in logging.getLogger().handlers + log.handlers:
            h.flush()
        if ready is not None:
            ready(url)
        loop.start()
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
        server.stop()
        log.info("explorer stopped%s", f" ({signal.Signals(stopping[0]).name})"
                 if stopping else "")
