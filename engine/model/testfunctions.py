"""Validation models with analytic Sobol' indices: Ishigami and Sobol' G.

They run through the very same pipeline as the paper's model (``model=ishigami`` or
``model=sobol_g``), so the sensitivity analysis can be checked against exact answers.

References
----------
T. Ishigami, T. Homma (1990), An importance quantification technique in uncertainty analysis
for computer models, doi:10.1109/ISUMA.1990.151285.
A. Saltelli, I. M. Sobol' (1995), About the use of rank transformation in sensitivity analysis of
model output, doi:10.1016/0951-8320(95)00099-2.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

ISHIGAMI_A = 7.0
ISHIGAMI_B = 0.1
#: Sobol' G coefficients: small a_i means an important input.
SOBOL_G_A = (0.0, 1.0, 4.5, 9.0, 99.0, 99.0)


def ishigami(x1: NDArray, x2: NDArray, x3: NDArray, a: float = ISHIGAMI_A,
             b: float = ISHIGAMI_B) -> NDArray:
    """sin x1 + a sin^2 x2 + b x3^4 sin x1, inputs uniform on [-pi, pi]."""
    return np.sin(x1) + a * np.sin(x2) ** 2 + b * x3**4 * np.sin(x1)


def ishigami_indices(a: float = ISHIGAMI_A, b: float = ISHIGAMI_B) -> dict[str, NDArray]:
    """Analytic S1, ST (length 3) and S2 (3 x 3, upper triangle) of the Ishigami function.

    V1 = (1 + b pi^4/5)^2 / 2, V2 = a^2/8, V3 = 0, V13 = b^2 pi^8 (1/18 - 1/50), and
    V = V1 + V2 + V13.
    """
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * math.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    s2 = np.full((3, 3), np.nan)
    s2[0, 1], s2[0, 2], s2[1, 2] = 0.0, v13 / v, 0.0
    return {"S1": np.array([v1, v2, 0.0]) / v, "ST": np.array([v1 + v13, v2, v13]) / v,
            "S2": s2}


def sobol_g(x: Sequence[NDArray], a: Sequence[float] = SOBOL_G_A) -> NDArray:
    """prod_i (|4 x_i - 2| + a_i) / (1 + a_i), inputs uniform on [0, 1]."""
    out = np.ones_like(np.asarray(x[0], dtype=float))
    for xi, ai in zip(x, a, strict=True):
        out = out * (np.abs(4 * np.asarray(xi) - 2) + ai) / (1 + ai)
    return out


def sobol_g_indices(a: Sequence[float] = SOBOL_G_A) -> dict[str, NDArray]:
    """Analytic S1, ST and S2 of Sobol' G: V_i = 1 / (3 (1 + a_i)^2), V = prod(1 + V_i) - 1."""
    vi = 1.0 / (3.0 * (1.0 + np.asarray(a, dtype=float)) ** 2)
    v = float(np.prod(1 + vi) - 1)
    st = np.array([vi[i] * np.prod(np.delete(1 + vi, i)) for i in range(len(vi))]) / v
    s2 = np.full((len(vi), len(vi)), np.nan)
    for i in range(len(vi)):
        for j in range(i + 1, len(vi)):
            s2[i, j] = vi[i] * vi[j] / v
    return {"S1": vi / v, "ST": st, "S2": s2}


MODELS = {"ishigami": 3, "sobol_g": len(SOBOL_G_A)}


def evaluate(model: str, params: Mapping[str, NDArray]) -> NDArray:
    """Evaluate a validation model on parameters named x1, x2, ..."""
    if model not in MODELS:
        raise ValueError(f"model.name={model!r}: unknown; allowed: meek, {', '.join(MODELS)}")
    x = [np.asarray(params[f"x{i + 1}"], dtype=float) for i in range(MODELS[model])]
    return ishigami(*x) if model == "ishigami" else sobol_g(x)


def analytic_indices(model: str) -> dict[str, NDArray]:
    """Exact S1, ST, S2 of a validation model."""
    return ishigami_indices() if model == "ishigami" else sobol_g_indices()
