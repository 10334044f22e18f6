"""Sobol' index estimators by name, as functions of sample means (the paper's notation).

Let A and B be the outputs of the two base matrices and AB_j the output of A with factor j's
columns taken from B (BA_j: the other way round), each over N base rows; V the variance of the
pooled A and B outputs. With outputs centred at m (SALib centres on all rows it analyses):

    first order  (Saltelli et al. 2010, eq. b)   S1_j = E[B (AB_j - A)] / V
    total order  (Jansen 1999)                   ST_j = E[(A - AB_j)^2] / (2 V)
    second order (Saltelli 2002)                 S2_jk = E[BA_j AB_k - A B] / V - S1_j - S1_k

Every function takes means over base rows (arrays of any shape that broadcast), so the same
estimator serves a point estimate (plain means), a bootstrap resample (count-weighted means) and
sums accumulated chunk by chunk. They equal SALib's ``sobol.analyze`` to rounding.

References
----------
A. Saltelli et al. (2010), doi:10.1016/j.cpc.2009.09.018.
M. J. W. Jansen (1999), doi:10.1016/S0010-4655(98)00154-4.
A. Saltelli (2002), doi:10.1016/S0010-4655(02)00280-1.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
EPS = np.finfo(float).eps


def ratio(num: Array, var: Array) -> Array:
    """num / var, 0 where the variance is at machine zero (SALib's convention)."""
    num, var = np.broadcast_arrays(np.asarray(num, dtype=float), np.asarray(var, dtype=float))
    return np.divide(num, var, out=np.zeros(num.shape), where=var > EPS)


def pooled_variance(e_a: Array, e_b: Array, e_a2: Array, e_b2: Array) -> Array:
    """V: variance of the pooled A and B outputs, from their first and second moments."""
    mean = 0.5 * (e_a + e_b)
    return 0.5 * (e_a2 + e_b2) - mean * mean


def first_order(e_b_diff: Array, var: Array) -> Array:
    """S1_j from E[B (AB_j - A)] of centred outputs."""
    return ratio(e_b_diff, var)


def total_order(e_sq_diff: Array, var: Array) -> Array:
    """ST_j from E[(A - AB_j)^2]."""
    return ratio(0.5 * e_sq_diff, var)


def second_order(e_cross: Array, s1_j: Array, s1_k: Array, var: Array) -> Array:
    """S2_jk from E[BA_j AB_k - A B] of centred outputs and the two first-order indices."""
    return ratio(e_cross, var) - s1_j - s1_k
