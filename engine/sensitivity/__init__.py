"""Sobol' sensitivity analysis: named estimators, their sums, SALib-equal batched indices."""

from engine.sensitivity.bootstrap import bootstrap_counts
from engine.sensitivity.moments import SobolResult, Sums, block_sums, finish
from engine.sensitivity.sobol import first_total_layout, sobol_indices

__all__ = ["SobolResult", "Sums", "block_sums", "bootstrap_counts", "finish",
           "first_total_layout", "sobol_indices"]
