"""Mergeable summaries of series: fan histograms and Sobol' sums over time."""

from engine.reducers.base import Binnable, Reducer
from engine.reducers.fan import FAN_QUANTILES, FanHistogram
from engine.reducers.sobol_series import SobolSeries

__all__ = ["FAN_QUANTILES", "Binnable", "FanHistogram", "Reducer", "SobolSeries"]
