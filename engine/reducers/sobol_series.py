"""Sobol' indices at every time point of series, accumulated piece by piece (SALib-equal).

Each piece of whole Saltelli blocks adds its weighted sums (:mod:`engine.sensitivity.moments`);
the estimators run once on the total. The series are analysed as SALib's first- and total-order
analysis on the A, AB, B rows (the BA rows of a second-order design are skipped). Where the
output's variance has collapsed (every scenario at nearly the same value, e.g. benchmark scores
saturated at the sigmoid's ceiling), the indices are noise divided by almost nothing and are
masked to NaN; ``<name>_masked`` marks those time points.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from engine.designs.saltelli import block_rows
from engine.reducers.base import Array, Reducer
from engine.sensitivity.bootstrap import bootstrap_counts, weights
from engine.sensitivity.moments import SobolResult, Sums, finish, first_total_sums

#: A time point is masked where the variance falls below this share of its largest value.
COLLAPSED = 1e-6


class SobolSeries(Reducer):
    """S1(t) and ST(t) of series from a Saltelli design of ``n_base`` base rows."""

    def __init__(self, names: Sequence[str], factors: int, second_order: bool, n_base: int, *,
                 num_resamples: int = 100, conf_level: float = 0.95, seed: int = 1) -> None:
        self.needs = tuple(names)
        self.factors, self.second_order, self.n_base = factors, second_order, n_base
        self.num_resamples, self.conf_level, self.seed = num_resamples, conf_level, seed
        self._counts: np.ndarray | None = None

    @property
    def step(self) -> int:
        return block_rows(self.factors, self.second_order)

    def counts(self) -> np.ndarray:
        if self._counts is None:
            self._counts = bootstrap_counts(self.n_base, self.num_resamples, self.seed)
        return self._counts

    def prepare(self, pilot: Mapping[str, Array]) -> None:
        self.counts()

    def partial(self, piece: Mapping[str, Array], first_row: int) -> dict[str, Sums]:
        step = self.step
        rows = next(iter(piece.values())).shape[0]
        if first_row % step or rows % step:
            raise ValueError("a piece must hold whole Saltelli blocks")
        b0 = first_row // step
        w = weights(self.counts(), slice(b0, b0 + rows // step))
        out = {}
        for name in self.needs:
            y = np.asarray(piece[name], dtype=float)
            blocks = y.reshape(-1, step, y.shape[1])  # the BA rows are not read
            out[name] = first_total_sums(blocks, self.factors, w)
        return out

    def combine(self, a: dict[str, Sums], b: dict[str, Sums]) -> dict[str, Sums]:
        return {k: a[k] + b[k] for k in a}

    def finish(self, total: dict[str, Sums]) -> dict[str, tuple[SobolResult, Array]]:
        """Per series: the indices (T, G) and the mask of collapsed time points."""
        out = {}
        for name, sums in total.items():
            res = finish(sums, self.factors, False, self.conf_level)
            var = res.variance if res.variance is not None else np.ones(res.S1.shape[0])
            collapsed = ~(var > COLLAPSED * np.nanmax(var)) if np.nanmax(var) > 0 else \
                np.ones(var.shape, dtype=bool)
            masked = SobolResult(*(np.where(collapsed[:, None], np.nan, getattr(res, f))
                                   for f in ("S1", "S1_conf", "ST", "ST_conf")),
                                 variance=var)
            out[name] = (masked, collapsed)
        return out

    def to_arrays(self, partial: dict[str, Sums]) -> dict[str, Array]:
        out: dict[str, Any] = {}
        for name, s in partial.items():
            for field in ("weighted", "total", "total2", "lo", "hi"):
                out[f"{name}/{field}"] = getattr(s, field)
            out[f"{name}/rows"] = np.array(s.rows)
            out[f"{name}/base"] = np.array(s.base)
        return out

    def from_arrays(self, arrays: Mapping[str, Array]) -> dict[str, Sums]:
        return {name: Sums(arrays[f"{name}/weighted"], arrays[f"{name}/total"],
                           arrays[f"{name}/total2"], int(arrays[f"{name}/rows"]),
                           arrays[f"{name}/lo"], arrays[f"{name}/hi"],
                           int(arrays[f"{name}/base"]))
                for name in self.needs}

    def key(self) -> tuple[object, ...]:
        return ("sobol_series", self.needs, self.factors, self.second_order, self.n_base,
                self.num_resamples, self.conf_level, self.seed)
