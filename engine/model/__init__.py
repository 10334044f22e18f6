"""The compute-scaling model of "Meek Models Shall Inherit the Earth", as pure numpy.

Every function takes a :class:`Params` (floats or arrays that broadcast) and, where it needs one,
a time grid; nothing here reads a config, touches a file or uses global random state. Compute is
handled as natural logarithms throughout: budgets up to 1e15 USD, 1e25 FLOP per dollar and
100-year horizons would overflow or lose precision as plain powers.

Modules: :mod:`.registry` (every parameter, domain rule, outcome and series, declared once),
:mod:`.params` (the parameter record and its domain), :mod:`.paths` (log-compute paths
and policy levers), :mod:`.closed_forms` (gap, peak, inflection), :mod:`.governance` (years
behind, thresholds), :mod:`.inference` (the fixed-price user), :mod:`.capability` (benchmark
scores, token counts), :mod:`.searches` (numerical outcomes), :mod:`.scaling_laws` (published
fits), :mod:`.outcomes` (a whole block, the numpy reference) and :mod:`.kernel` (the same,
compiled).
"""

from engine.model.capability import benchmark_score, score_of_compute, sprt_tokens
from engine.model.closed_forms import loss, loss_gap, peak_gap, t_inflection, t_peak
from engine.model.governance import (frontier_spend, t_meek_crosses_threshold,
                                     t_meek_matches_frontier, t_threshold_capability,
                                     years_behind)
from engine.model.inference import inference_benchmark_gap, inference_gap, t_inference_catchup
from engine.model.params import DOMAIN_REASONS, NAMES, PAPER, Params, check, domain_reason
from engine.model.searches import benchmark_gap, benchmark_peak, t_below

__all__ = ["DOMAIN_REASONS", "NAMES", "PAPER", "Params", "benchmark_gap", "benchmark_peak",
           "benchmark_score", "check", "frontier_spend", "domain_reason", "inference_benchmark_gap",
           "inference_gap", "loss", "loss_gap", "peak_gap", "score_of_compute", "sprt_tokens",
           "t_below", "t_inference_catchup", "t_inflection", "t_meek_crosses_threshold",
           "t_meek_matches_frontier", "t_peak", "t_threshold_capability", "years_behind"]
