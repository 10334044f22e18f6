"""report.html: one self-contained page per run (figures embedded), from a Jinja2 template."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from engine.io import write_text

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass
class Table:
    header: Sequence[str]
    rows: Sequence[Sequence[str]]


@dataclass
class Section:
    title: str
    paragraphs: Sequence[str] = ()
    table: Table | None = None
    figures: Sequence[tuple[str, str]] = ()   # (file name in the run directory, caption)
    preformatted: str = ""                    # shown as is, line by line (a tree's rules)


@dataclass
class Report:
    title: str
    subtitle: str
    sections: list[Section] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    files: list[tuple[str, str]] = field(default_factory=list)  # (file name, what it is)
    command: str = ""  # the shell command that reproduces the page


def _md(text: object) -> str:
    """Escape, then **bold** and `code` (the only markup the reports use)."""
    out = html.escape(str(text))
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", out)


def render(report: Report, directory: Path) -> str:
    """The page as a string; figures are read from ``directory`` and embedded."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                             autoescape=jinja2.select_autoescape(["html", "j2"]),
                             undefined=jinja2.StrictUndefined)
    env.filters["md"] = lambda s: jinja2.utils.markupsafe.Markup(_md(s))
    sections = []
    for s in report.sections:
        figures = []
        for name, caption in s.figures:
            path = Path(directory) / name
            if path.exists():
                figures.append({"name": name, "caption": caption,
                                "data": base64.b64encode(path.read_bytes()).decode()})
        sections.append({"title": s.title, "paragraphs": list(s.paragraphs), "table": s.table,
                         "figures": figures, "preformatted": s.preformatted})
    files = [{"name": n, "href": n, "what": w} for n, w in report.files
             if (Path(directory) / n).exists()]
    return env.get_template("report.html.j2").render(
        title=report.title, subtitle=report.subtitle, command=report.command, sections=sections,
        caveats=report.caveats, files=files)


def write(report: Report, directory: Path, name: str = "report.html") -> Path:
    return write_text(render(report, directory), Path(directory) / name)
