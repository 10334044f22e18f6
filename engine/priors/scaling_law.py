"""The scaling law as one factor: (A, alpha, L0) always come from one published fit.

``priors.scaling_law`` is a name or a declaration:

==============  ====================================================================
paper           the authors' rounding of Hoffmann's law: A 1070, alpha 0.154, L0 1.7
hoffmann        Hoffmann et al. 2022, approach 3 (point estimate; its reported intervals
                are implausibly narrow, Besiroglu et al. 2024)
besiroglu       Besiroglu et al. 2024 with its parameter uncertainty: one of the joint
                bootstrap replicates in data/besiroglu2024_bootstrap.csv, drawn as a whole
both            either fit with probability 1/2 (Hoffmann as a point, Besiroglu with its
                bootstrap): the default, since the two published fits disagree
{A:, alpha:, L0:}  a custom compute-optimal law, fixed
==============  ====================================================================

The factor takes one design column per uncertain choice (which fit; which replicate), and in a
Sobol' analysis its columns move together as the group ``scaling_law``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np

from engine.model.scaling_laws import BESIROGLU, HOFFMANN, PAPER_LAW
from engine.priors.base import Array, Prior, PriorError, number, positive
from engine.resources import data_dir

CHOICES = ("paper", "hoffmann", "besiroglu", "both")
SOURCES = {
    "paper": "the authors' rounding of Hoffmann et al. 2022 (A 1070, alpha 0.154, L0 1.7)",
    "hoffmann": "Hoffmann et al. 2022, approach 3 (arXiv:2203.15556), compute-optimal form",
    "besiroglu": "Besiroglu et al. 2024 refit (arXiv:2404.10102) with its joint bootstrap "
                 "(data/besiroglu2024_bootstrap.csv, data/SCALING_FITS.md)",
    "both": "Hoffmann et al. 2022 (point) or Besiroglu et al. 2024 (joint bootstrap), 1/2 each",
    "custom": "a custom compute-optimal law",
}
#: Codes of the ``scaling_fit`` variable.
FIT_CODES = {"paper": 0, "hoffmann": 1, "besiroglu": 2, "custom": 3}
BOOTSTRAP_FILE = "besiroglu2024_bootstrap.csv"


@functools.lru_cache(maxsize=1)
def besiroglu_replicates() -> Array:
    """(K, 3) array of (A, alpha, L0) bootstrap replicates, sorted by alpha."""
    path = data_dir() / BOOTSTRAP_FILE
    if not path.is_file():
        raise PriorError(f"priors.scaling_law: {path} is missing (the Besiroglu et al. 2024 "
                         "bootstrap replicates)")
    table = np.genfromtxt(path, delimiter=",", names=True)
    triples = np.column_stack([table["A"], table["alpha"], table["L0"]])
    return triples[np.argsort(triples[:, 1], kind="stable")]


class ScalingLaw(Prior):
    """The (A, alpha, L0) factor; see the module docstring."""

    dist = "scaling_law"
    optional = frozenset({"fit", "A", "alpha", "L0"})

    def __init__(self, name: str, fit: str, custom: tuple[float, float, float] | None = None
                 ) -> None:
        super().__init__(name)
        self.fit = fit
        self.custom = custom
        self.source = SOURCES[fit]

    @classmethod
    def build(cls, name: str, spec: Mapping[str, Any]) -> ScalingLaw:
        keys = set(spec) - {"dist"}
        if keys == {"fit"}:
            fit = spec["fit"]
            if fit not in CHOICES:
                raise PriorError(f"priors.{name}={fit!r}: unknown; allowed: "
                                 f"{', '.join(CHOICES)} or {{A: ..., alpha: ..., L0: ...}}")
            return cls(name, fit)
        if keys == {"A", "alpha", "L0"}:
            law = tuple(number(name, k, spec[k]) for k in ("A", "alpha", "L0"))
            positive(name, "A", law[0])
            positive(name, "alpha", law[1])
            return cls(name, "custom", law)  # type: ignore[arg-type]
        raise PriorError(f"priors.{name}: give fit (one of {', '.join(CHOICES)}) or all of A, "
                         f"alpha, L0; got {sorted(keys)!r}")

    @property
    def columns(self) -> int:
        return {"paper": 0, "hoffmann": 0, "custom": 0, "besiroglu": 1, "both": 2}[self.fit]

    @property
    def outputs(self) -> tuple[str, ...]:
        return ("A", "alpha", "L0", "scaling_fit")

    def _point(self, fit: str) -> tuple[float, float, float]:
        if fit == "custom":
            assert self.custom is not None
            return self.custom
        return {"paper": PAPER_LAW, "hoffmann": HOFFMANN.compute_optimal()}[fit]

    def ppf(self, u: Array) -> dict[str, Array]:
        u = np.asarray(u, dtype=float)
        n = u.shape[0]
        if self.fit in ("paper", "hoffmann", "custom"):
            law = np.broadcast_to(np.asarray(self._point(self.fit)), (n, 3))
            code = np.full(n, float(FIT_CODES[self.fit]))
        else:
            reps = besiroglu_replicates()
            pick = np.minimum((u[:, -1] * len(reps)).astype(np.int64), len(reps) - 1)
            law = reps[pick]
            code = np.full(n, float(FIT_CODES["besiroglu"]))
            if self.fit == "both":
                hoff = u[:, 0] < 0.5
                law = np.where(hoff[:, None], np.asarray(self._point("hoffmann")), law)
                code = np.where(hoff, float(FIT_CODES["hoffmann"]), code)
        return {"A": law[:, 0].copy(), "alpha": law[:, 1].copy(), "L0": law[:, 2].copy(),
                "scaling_fit": code}

    def support(self) -> dict[str, tuple[float, float]]:
        if self.fit in ("paper", "hoffmann", "custom"):
            law = [self._point(self.fit)]
        else:
            law = list(besiroglu_replicates())
            if self.fit == "both":
                law.append(self._point("hoffmann"))
        arr = np.asarray(law)
        codes = [FIT_CODES[f] for f in (("hoffmann", "besiroglu") if self.fit == "both"
                                        else (self.fit,))]
        out = {k: (float(arr[:, i].min()), float(arr[:, i].max()))
               for i, k in enumerate(("A", "alpha", "L0"))}
        out["scaling_fit"] = (float(min(codes)), float(max(codes)))
        return out

    def describe(self) -> str:
        if self.fit == "custom":
            assert self.custom is not None
            return "scaling_law(A={:g}, alpha={:g}, L0={:g})".format(*self.custom)
        return f"scaling_law({self.fit})"

    @property
    def spec(self) -> dict[str, Any]:
        if self.fit == "custom":
            assert self.custom is not None
            return {"dist": self.dist, **dict(zip(("A", "alpha", "L0"), self.custom,
                                                  strict=True))}
        return {"dist": self.dist, "fit": self.fit}
