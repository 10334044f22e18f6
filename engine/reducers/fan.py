"""Fan-chart quantiles of series from fixed-bin histograms, with a stated error bound."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

import numpy as np

from engine.model.compiled.binning import MAX_BINS, Binning, count_rows, scale
from engine.reducers.base import Array, Binnable

FAN_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def _transform(values: Array, log: bool) -> Array:
    if not log:
        return values
    with np.errstate(divide="ignore", invalid="ignore"):
        logged = np.where(values > 0, np.log10(np.where(values > 0, values, 1.0)), -np.inf)
        return np.where(np.isnan(values), np.nan, logged)


class FanHistogram(Binnable):
    """Per-t histograms of series on fixed bins, for quantiles within one bin width.

    Bins: ``bins`` equal bins per time point between ``lo`` and ``hi`` (from a pilot sample,
    widened by a margin), plus bins for -inf, below lo, at or above hi, +inf and NaN; series in
    ``log`` are binned in log10 (values <= 0 count as -inf). A quantile read from the histogram
    (linear within its bin) is within one bin width of the exact inverted-CDF sample quantile as
    long as it falls in a regular bin; ``<name>_error_bound`` reports that width per t.
    """

    #: integer counts: pieces may be combined in any grouping (a chunk pre-combines its own)
    exact: ClassVar[bool] = True

    def __init__(self, names: Sequence[str], log: Sequence[str] = (), bins: int = 4096,
                 margin: float = 0.1, quantiles: Sequence[float] = FAN_QUANTILES) -> None:
        self.needs = tuple(names)
        self.log = tuple(log)
        self.bins, self.margin = int(bins), float(margin)
        if not 1 <= self.bins <= MAX_BINS:
            raise ValueError(f"bins={bins!r}: must be between 1 and {MAX_BINS}")
        self.quantiles = tuple(quantiles)
        self.lo: dict[str, Array] = {}
        self.hi: dict[str, Array] = {}

    def prepare(self, pilot: Mapping[str, Array]) -> None:
        for name in self.needs:
            v = _transform(pilot[name], name in self.log)
            finite = np.where(np.isfinite(v), v, np.nan)
            with np.errstate(all="ignore"):
                vmin = np.nan_to_num(np.nanmin(finite, axis=0), nan=0.0) if finite.size else \
                    np.zeros(v.shape[1])
                vmax = np.nan_to_num(np.nanmax(finite, axis=0), nan=1.0) if finite.size else \
                    np.ones(v.shape[1])
            span = np.maximum(vmax - vmin, 1e-12 * np.maximum(np.abs(vmax), 1.0))
            self.lo[name] = vmin - self.margin * span
            self.hi[name] = vmax + self.margin * span

    def partial(self, piece: Mapping[str, Array], first_row: int) -> dict[str, Array]:
        """Counts per t in columns: -inf, below lo, the regular bins, at or above hi, +inf, NaN."""
        return self.accumulate(None, piece, first_row)

    def accumulate(self, acc: dict[str, Array] | None, piece: Mapping[str, Array],
                   first_row: int) -> dict[str, Array]:
        """Counts the piece into ``acc`` in place (integer counts: the same as combining), so a
        chunk allocates its counts once, not once a piece (each is T x (bins + 5) int64)."""
        out = acc if acc is not None else {}
        for name in self.needs:
            values = np.ascontiguousarray(piece[name], dtype=np.float64)
            if name not in out:
                out[name] = np.zeros((values.shape[1], self.bins + 5), dtype=np.int64)
            count_rows(values, self.lo[name], scale(self.lo[name], self.hi[name], self.bins),
                       self.bins, name in self.log, out[name],
                       np.empty((max(1, min(len(values), 4096)), values.shape[1]), dtype=np.int16))
        return out

    def binning(self) -> Binning:
        """Empty count tables for a simulator that counts series as it computes them (the
        compiled kernel: the series never materialise); :meth:`from_binning` makes them a
        partial, the same as :meth:`accumulate` over the same rows."""
        steps = len(next(iter(self.lo.values())))
        return Binning(self.needs, np.stack([self.lo[k] for k in self.needs]),
                       np.stack([self.hi[k] for k in self.needs]),
                       np.array([k in self.log for k in self.needs]),
                       np.zeros((len(self.needs), steps, self.bins + 5), dtype=np.int64))

    def from_binning(self, binning: Binning) -> dict[str, Array]:
        return {k: binning.counts[h] for h, k in enumerate(binning.names)}

    def combine(self, a: dict[str, Array], b: dict[str, Array]) -> dict[str, Array]:
        return {k: a[k] + b[k] for k in a}

    def combine_into(self, total: dict[str, Array] | None,
                     part: dict[str, Array]) -> dict[str, Array]:
        """Integer counts added in place (a 10^8 fold allocates its ~50 MB of counts once)."""
        if total is None:
            return {k: np.array(v, dtype=np.int64, copy=True) for k, v in part.items()}
        for k in total:
            np.add(total[k], part[k], out=total[k])
        return total

    def to_arrays(self, partial: dict[str, Array]) -> dict[str, Array]:
        return dict(partial)

    def from_arrays(self, arrays: Mapping[str, Array]) -> dict[str, Array]:
        return {k: np.asarray(arrays[k]) for k in self.needs}

    def key(self) -> tuple[object, ...]:
        return ("fan", self.needs, self.log, self.bins, self.margin, self.quantiles,
                tuple((k, v.tobytes()) for k, v in sorted(self.lo.items())),
                tuple((k, v.tobytes()) for k, v in sorted(self.hi.items())))

    def finish(self, total: dict[str, Array]) -> dict[str, Array]:
        """Quantiles (Q, T) per series, ``<name>_error_bound`` (T,), ``<name>_undefined_share``
        (T,: NaN) and ``<name>_infinite_share`` (T,)."""
        result: dict[str, Array] = {}
        nb = self.bins
        for name in self.needs:
            all_counts = total[name].astype(np.float64)
            counts = all_counts[:, :nb + 4]
            valid = counts.sum(axis=1)
            everything = all_counts.sum(axis=1)
            cum = np.cumsum(counts, axis=1)
            lo, hi = self.lo[name], self.hi[name]
            width = (hi - lo) / nb
            qs = np.empty((len(self.quantiles), counts.shape[0]))
            outside = np.zeros(counts.shape[0], dtype=bool)
            for i, q in enumerate(self.quantiles):
                target = q * valid
                j = np.argmax(cum >= np.maximum(target, 1e-12)[:, None] * (1 - 1e-12), axis=1)
                before = np.where(j > 0, np.take_along_axis(cum, (j - 1)[:, None], 1)[:, 0], 0)
                inside = np.take_along_axis(counts, j[:, None], 1)[:, 0]
                frac = np.clip((target - before) / np.maximum(inside, 1), 0, 1)
                x = lo + (j - 2 + frac) * width
                x = np.select([j == 0, j == 1, j == nb + 2, j == nb + 3],
                              [-np.inf, lo, hi, np.inf], x)
                outside |= (j == 1) | (j == nb + 2)
                qs[i] = np.where(valid > 0, x, np.nan)
            if name in self.log:
                with np.errstate(over="ignore", invalid="ignore"):
                    upper = 10 ** (qs + width[None, :])
                    qs = 10 ** qs
                    gaps = np.where(np.isfinite(qs), upper - qs, 0.0)
                bound = np.max(gaps, axis=0)
            else:
                bound = width.copy()
            result[name] = qs
            result[f"{name}_error_bound"] = np.where(outside, np.inf, bound)
            with np.errstate(invalid="ignore", divide="ignore"):
                result[f"{name}_undefined_share"] = all_counts[:, nb + 4] / everything
                result[f"{name}_infinite_share"] = (all_counts[:, 0] + all_counts[:, nb + 3]) \
                    / everything
        return result
