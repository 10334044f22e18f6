"""Figures drawn from saved Datasets only (see :mod:`.base`)."""

from engine.plots.base import label, save
from engine.plots.fans import distribution, fan_chart
from engine.plots.governance import years_behind_and_gap
from engine.plots.paper import empirical_check, gap_with_peak, lines
from engine.plots.sensitivity import (convergence, morris_chart, scatter_grid, sobol_bars,
                                      sobol_over_time, sobol_overview, sobol_ranking)

__all__ = ["convergence", "distribution", "empirical_check", "fan_chart", "gap_with_peak",
           "label", "lines", "morris_chart", "save", "scatter_grid", "sobol_bars",
           "sobol_over_time", "sobol_overview", "sobol_ranking", "years_behind_and_gap"]
