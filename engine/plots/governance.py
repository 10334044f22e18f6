"""For policy readers: years behind beside the loss gap (bounded against unbounded)."""

from __future__ import annotations

import xarray as xr
from matplotlib.figure import Figure

from engine.plots.base import figure
from engine.plots.fans import fan_chart


def years_behind_and_gap(fan: xr.Dataset) -> Figure:
    """Fans of the loss gap (which shrinks to 0) and of years behind (which grows for ever)."""
    fig, grid = figure(1, 2, figsize=(13, 4.6))
    fan_chart(fan, "loss_gap", ax=grid[0, 0])
    fan_chart(fan, "years_behind", ax=grid[0, 1], color="C2")
    fig.suptitle("The loss gap closes while the meek actor falls ever more years behind in "
                 "compute", fontsize=11)
    return fig
