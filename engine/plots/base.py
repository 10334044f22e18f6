"""What every figure shares: labels from attrs, one time axis, saving without pyplot.

Figures are built with matplotlib's object interface (``Figure``), never pyplot: no global
state, no backend choice at import. Every plot function reads saved Datasets only and has the
form ``fn(ds, ..., *, ax=None) -> Axes`` (or returns a Figure when it draws several panels).
"""

from __future__ import annotations

import os

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, NullFormatter

from engine.io import atomic_path


def label(da: xr.DataArray) -> str:
    """'long_name [units]' from a variable's attrs (units '1' and 'a' spelt out or left out)."""
    name = str(da.attrs.get("long_name", da.name or ""))
    units = da.attrs.get("units")
    shown = da.attrs.get("display_units") or {"a": "years",
                                              "percent": "percentage points"}.get(str(units), units)
    if shown and units == "1" and "display_units" in da.attrs:
        return f"{name} [{shown}]"
    if not units or units == "1" or shown in name:
        return name
    return f"{name} [{shown}]"


def axes(ax: Axes | None, figsize: tuple[float, float] = (7.0, 4.2)) -> Axes:
    """The given Axes, or one on a new Figure."""
    if ax is not None:
        return ax
    return Figure(figsize=figsize, layout="constrained").add_subplot()


def figure(rows: int = 1, cols: int = 1, *, figsize: tuple[float, float],
           layout: str | None = "constrained", **kw: object) -> tuple[Figure, np.ndarray]:
    """A Figure with a grid of Axes, laid out by matplotlib's constrained layout (or none, for
    regular grids of many Axes, where it costs most of the figure's time)."""
    fig = Figure(figsize=figsize, layout=layout)
    grid = fig.subplots(rows, cols, squeeze=False, **kw)
    return fig, grid


def time_axis(ds: xr.Dataset) -> tuple[np.ndarray, str]:
    """Calendar years when the Dataset knows them, else years from the start: one rule for all."""
    if "year" in ds.coords:
        return ds["year"].values, "calendar year"
    return ds["t"].values, "years from the start"


def log_axis(ax: Axes, axis: str = "y") -> None:
    """A log scale whose tick labels never crowd: at most about five decades labelled."""
    getattr(ax, f"set_{axis}scale")("log")
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_locator(LogLocator(base=10, numticks=6))
    target.set_minor_formatter(NullFormatter())


def footnote(fig: Figure, text: str | None) -> Figure:
    """A small note under the figure (e.g. which factors are choices held fixed), wrapped to
    the figure's width (about 13 characters of 6.5-point text per inch)."""
    if text:
        import textwrap

        width = max(40, int(fig.get_figwidth() * 13))
        fig.supxlabel(textwrap.fill(str(text), width), fontsize=6.5, color="0.3")
    return fig


def save(fig_or_ax: Figure | Axes, path: str | os.PathLike[str], dpi: int = 100) -> None:
    """Save a figure as PNG atomically (light compression: saving is most of a figure's cost,
    and zlib's level 1 is several times faster than the default for a few % more bytes)."""
    fig = fig_or_ax.figure if isinstance(fig_or_ax, Axes) else fig_or_ax
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png", pil_kwargs={"compress_level": 1})
