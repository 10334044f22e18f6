"""The Patient Rule Induction Method: boxes over the inputs where a condition is concentrated.

Peeling (Friedman and Fisher 1999): from the box holding every scenario, repeatedly cut off the
``peel_alpha`` share of the box's scenarios at the lower or upper end of one input, choosing the
cut that leaves the highest density (share of scenarios meeting the condition), until the box
holds less than ``mass_min`` of all scenarios. Every box on the way is a point of the trade-off
between coverage (share of all cases inside the box) and density. Pasting then widens the chosen
box's limits by ``paste_alpha`` steps while that raises its density. Each restricted input gets a
quasi-p-value (Bryant and Lempert 2010): the one-sided binomial probability of the box's cases
under the density of the box with that restriction removed; a large value says the restriction
is not needed.

References
----------
J. H. Friedman, N. I. Fisher (1999), Bump hunting in high-dimensional data,
doi:10.1023/A:1008894516817. B. P. Bryant, R. J. Lempert (2010), Thinking inside the box,
doi:10.1016/j.techfore.2009.08.002.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.stats import binom


@dataclass
class Box:
    """Limits per input (inclusive) and the box's statistics over the scenarios it was made on."""

    lower: np.ndarray
    upper: np.ndarray
    coverage: float = 0.0
    density: float = 0.0
    mass: float = 0.0
    p_values: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def inside(self, x: np.ndarray) -> np.ndarray:
        return np.all((x >= self.lower) & (x <= self.upper), axis=1)

    def restricted(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        return (self.lower > lo) | (self.upper < hi)


@dataclass
class Result:
    trajectory: list[Box]
    chosen: int
    box: Box          # the chosen box, after pasting, with p-values


def _stats(box: Box, x: np.ndarray, y: np.ndarray) -> Box:
    inside = box.inside(x)
    n_in, cases = inside.sum(), y.sum()
    box.mass = n_in / len(y)
    box.coverage = float(y[inside].sum() / cases) if cases else 0.0
    box.density = float(y[inside].mean()) if n_in else 0.0
    return box


def peel(x: np.ndarray, y: np.ndarray, peel_alpha: float = 0.05, mass_min: float = 0.05
         ) -> list[Box]:
    """The peeling trajectory from the full box down to ``mass_min``."""
    lo, hi = x.min(axis=0), x.max(axis=0)
    box = _stats(Box(lo.copy(), hi.copy()), x, y)
    trajectory = [box]
    inside = np.ones(len(y), dtype=bool)
    while True:
        best, best_key = None, None
        xs, ys = x[inside], y[inside]
        for j in range(x.shape[1]):
            for side in (0, 1):
                q = np.quantile(xs[:, j], peel_alpha if side == 0 else 1 - peel_alpha,
                                method="inverted_cdf")
                keep = xs[:, j] > q if side == 0 else xs[:, j] < q
                if keep.sum() < 1 or keep.all():
                    continue
                key = (ys[keep].mean(), keep.sum())
                if best_key is None or key > best_key:
                    best_key, best = key, (j, side, q)
        if best is None:
            break
        j, side, q = best
        new = Box(trajectory[-1].lower.copy(), trajectory[-1].upper.copy())
        after = inside & ((x[:, j] > q) if side == 0 else (x[:, j] < q))
        if side == 0:
            new.lower[j] = x[after, j].min()
        else:
            new.upper[j] = x[after, j].max()
        if after.sum() / len(y) < mass_min:
            break
        inside = new.inside(x)
        trajectory.append(_stats(new, x, y))
    return trajectory


def paste(box: Box, x: np.ndarray, y: np.ndarray, paste_alpha: float = 0.05) -> Box:
    """Widen limits by paste_alpha steps while the density rises."""
    box = _stats(Box(box.lower.copy(), box.upper.copy()), x, y)
    lo, hi = x.min(axis=0), x.max(axis=0)
    improved = True
    while improved:
        improved = False
        best = None
        n_add = max(1, int(paste_alpha * box.mass * len(y)))
        for j in range(x.shape[1]):
            others = np.all(np.delete((x >= box.lower) & (x <= box.upper), j, axis=1), axis=1)
            for side in (0, 1):
                if side == 0 and box.lower[j] <= lo[j] or side == 1 and box.upper[j] >= hi[j]:
                    continue
                cand = x[others, j]
                cand = np.sort(cand[cand < box.lower[j]])[::-1] if side == 0 else \
                    np.sort(cand[cand > box.upper[j]])
                if not len(cand):
                    continue
                edge = cand[min(n_add, len(cand)) - 1]
                new = Box(box.lower.copy(), box.upper.copy())
                if side == 0:
                    new.lower[j] = edge
                else:
                    new.upper[j] = edge
                new = _stats(new, x, y)
                if new.density > box.density and (best is None or new.density > best.density):
                    best = new
        if best is not None:
            box, improved = best, True
    return box


def p_values(box: Box, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Quasi-p-value per input (NaN where the box does not restrict it)."""
    lo, hi = x.min(axis=0), x.max(axis=0)
    inside = box.inside(x)
    n, k = int(inside.sum()), int(y[inside].sum())
    out = np.full(x.shape[1], np.nan)
    for j in np.nonzero(box.restricted(lo, hi))[0]:
        wider = Box(box.lower.copy(), box.upper.copy())
        wider.lower[j], wider.upper[j] = lo[j], hi[j]
        p0 = float(y[wider.inside(x)].mean())
        out[j] = float(binom.sf(k - 1, n, p0)) if n else np.nan
    return out


def find_box(x: np.ndarray, y: np.ndarray, *, peel_alpha: float = 0.05,
             paste_alpha: float = 0.05, mass_min: float = 0.05,
             density_threshold: float = 0.8) -> Result:
    """Peel, choose (the box of highest coverage among those with density >= threshold, or the
    densest), paste, and test each restriction."""
    y = np.asarray(y, dtype=bool)
    trajectory = peel(x, y, peel_alpha, mass_min)
    dense = [i for i, b in enumerate(trajectory) if b.density >= density_threshold]
    chosen = max(dense, key=lambda i: (trajectory[i].coverage, trajectory[i].density)) if dense \
        else int(np.argmax([b.density for b in trajectory]))
    box = paste(trajectory[chosen], x, y, paste_alpha)
    box.p_values = p_values(box, x, y)
    return Result(trajectory, chosen, box)
