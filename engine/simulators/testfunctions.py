"""Validation simulators with analytic Sobol' indices: Ishigami and Sobol' G.

They run through the very same pipeline as the paper's model (``model=ishigami`` or
``model=sobol_g``), so the sensitivity analysis is checked against exact answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from engine.model import testfunctions as tf
from engine.simulators.base import Array, Simulator, Var


class _TestFunction(Simulator):
    dims = 0

    @property
    def parameters(self) -> dict[str, Var]:
        return {f"x{i + 1}": Var("1", f"input x{i + 1}") for i in range(self.dims)}

    @property
    def defaults(self) -> dict[str, float]:
        return {}

    def outcomes(self) -> dict[str, Var]:
        return {"y": Var("1", f"{self.name} test function output")}

    def analysed(self, names: Sequence[str]) -> list[str]:
        """A validation function has one output, whatever the experiment asks for."""
        return ["y"]


class Ishigami(_TestFunction):
    """sin x1 + 7 sin^2 x2 + 0.1 x3^4 sin x1 on [-pi, pi]^3."""

    name = "ishigami"
    dims = 3

    def evaluate(self, params: Mapping[str, Array], t: Array, series: Sequence[str] = (),
                 outcomes: bool = True) -> dict[str, Array]:
        return {"y": tf.ishigami(params["x1"], params["x2"], params["x3"])}


class SobolG(_TestFunction):
    """prod (|4 x_i - 2| + a_i) / (1 + a_i) on [0, 1]^6."""

    name = "sobol_g"
    dims = len(tf.SOBOL_G_A)

    def evaluate(self, params: Mapping[str, Array], t: Array, series: Sequence[str] = (),
                 outcomes: bool = True) -> dict[str, Array]:
        return {"y": tf.sobol_g([np.asarray(params[f"x{i + 1}"]) for i in range(self.dims)])}
