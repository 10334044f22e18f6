"""Constants the compiled kernel shares: jit options, parameter and series orders, output rows, the
sigmoid's constants and the lane table of the lock-step searches (see :mod:`engine.model.kernel`).
"""

from __future__ import annotations

import math

from engine.model.capability import (
    SIGMOID_CEILING_SPAN,
    SIGMOID_FIT,
    SIGMOID_FLOOR,
    SIGMOID_MIDPOINT,
    SIGMOID_SLOPE,
)
from engine.model.outcomes import OUTCOMES, SERIES

# the series names in the order the reference returns them
_SERIES_ORDER = ("loss_meek", "loss_sota", "loss_gap", "tokens_to_distinguish", "benchmark_gap",
                 "inference_gap", "inference_benchmark_gap", "years_behind")
_INFERENCE_FORMS = {"paper": 0, "price_decline": 1}
# the parameters in the order of the kernel's input rows (a missing multiplier counts as 1)
_PARAMETERS = ("alpha", "A", "L0", "g_alg", "g_hw", "g_inv", "g_inf", "meek_budget_usd",
               "sota_budget_usd", "flop_per_usd", "price_per_token_usd", "switch_year",
               "g_inv_after", "export_control_strength", "diffusion_lag_years",
               "inference_compute_multiplier")

# sigmoid constants, computed exactly as in capability.benchmark_score / closed_forms.loss
_SIG_A, _SIG_ALPHA, _SIG_L0 = (float(v) for v in SIGMOID_FIT)
_HALF_SLOPE = 0.5 * SIGMOID_SLOPE
_HALF_SPAN = 0.5 * SIGMOID_CEILING_SPAN
_MID = SIGMOID_MIDPOINT
_FLOOR = SIGMOID_FLOOR
_INVPHI = (math.sqrt(5.0) - 1.0) / 2.0

_JIT = dict(nogil=True, cache=True, error_model="numpy")

# outcome rows of the kernel's output matrix (OUTCOMES order, then gap_at_h, years_behind_at_h)
(_T_PEAK, _PEAK_GAP, _T_INFL, _T_BELOW, _WINDOW, _T_INF, _B_PEAK, _B_WHEN, _TOKENS, _T_MATCH,
 _T_THR_CAP, _T_CROSS) = range(12)
if OUTCOMES != ("t_peak", "peak_gap", "t_inflection", "t_below_threshold", "regulatory_window",
                "t_inference_catchup", "peak_benchmark_gap", "t_peak_benchmark",
                "tokens_at_peak", "t_meek_matches_frontier", "t_threshold_capability",
                "t_meek_crosses_threshold") or set(_SERIES_ORDER) != set(SERIES):
    raise ImportError("engine.model.outcomes changed its outcomes or series: update the kernel")
# series slots (index into the kernel's flags)
(_S_LM, _S_LS, _S_GAP, _S_TOK, _S_BENCH, _S_INF, _S_INFB, _S_YB) = range(8)


# --------------------------------------------------------------------------- the block

_W = 32  # scenarios whose golden-section searches run in lock step (vectorised across them)
# rows of the lane table (a flat array, row k at [k * _W, (k + 1) * _W): constant offsets let
# the vector loops over lanes go without run-time alias checks): path constants, the search
_NL = 23
(_L_CS0, _L_CM0, _L_LA, _L_LH, _L_L1, _L_L2, _L_TS, _L_E, _L_LAG, _L_A, _L_B, _L_GRID_BEST,
 _L_GRID_T, _L_C, _L_D, _L_FC, _L_FD, _L_X, _L_LEFT, _L_CF, _L_CMK, _L_SF, _L_SM) = range(_NL)
_STRIDE = 5      # the benchmark grid's search looks at every 5th point first
_SLACK = 1e-9    # pp: an interval is dropped only if its bound is this far below the best


_INLINE = dict(inline="always", **_JIT)
