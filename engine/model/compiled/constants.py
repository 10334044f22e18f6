"""Constants the compiled kernel shares: jit options, the sigmoid's constants and the lane table of
the lock-step searches (see :mod:`engine.model.kernel`). Nothing here comes from the registry:
registry layouts reach the compiled code at run time (:mod:`.bundles`).
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

_INFERENCE_FORMS = {"paper": 0, "price_decline": 1}

# sigmoid constants, computed exactly as in capability.benchmark_score / closed_forms.loss
_SIG_A, _SIG_ALPHA, _SIG_L0 = (float(v) for v in SIGMOID_FIT)
_HALF_SLOPE = 0.5 * SIGMOID_SLOPE
_HALF_SPAN = 0.5 * SIGMOID_CEILING_SPAN
_MID = SIGMOID_MIDPOINT
_FLOOR = SIGMOID_FLOOR
_INVPHI = (math.sqrt(5.0) - 1.0) / 2.0

_JIT = dict(nogil=True, cache=True, error_model="numpy")


# --------------------------------------------------------------------------- the block

_W = 32  # scenarios whose golden-section searches run in lock step (vectorised across them)
# rows of the lane table (a flat array, row k at [k * _W, (k + 1) * _W): constant offsets let
# the vector loops over lanes go without run-time alias checks): the Scenario fields the paths
# read (searches._lane_put, _lane_get), then the search's
_NL = 24
(_L_LA, _L_LH, _L_L1, _L_L2, _L_TS, _L_E, _L_LAG, _L_LG, _L_CM0, _L_CS0, _L_A, _L_B,
 _L_GRID_BEST, _L_GRID_T, _L_C, _L_D, _L_FC, _L_FD, _L_X, _L_LEFT, _L_CF, _L_CMK, _L_SF,
 _L_SM) = range(_NL)
_STRIDE = 5      # the benchmark grid's search looks at every 5th point first
_SLACK = 1e-9    # pp: an interval is dropped only if its bound is this far below the best


_INLINE = dict(inline="always", **_JIT)
