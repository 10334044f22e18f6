"""Morris elementary effects (SALib) on each prior's quantile scale."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr


def morris_design(factors: int, trajectories: int, num_levels: int, seed: int,
                  columns: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """SALib's Morris trajectories on the factors, and the unit design they give the columns.

    Grid levels 0, 1/(L-1), ..., 1 are moved to the centres of L equal quantile cells
    ((2i + 1) / 2L): levels 0 and 1 would map to the ends of a prior's support (infinite for a
    lognormal). A factor owning several columns moves all of them together.
    """
    from SALib.sample import morris as morris_sample

    problem = {"num_vars": factors, "names": [f"f{i}" for i in range(factors)],
               "bounds": [[0.0, 1.0]] * factors}
    grid = morris_sample.sample(problem, trajectories, num_levels=num_levels, seed=seed)
    centred = (np.rint(grid * (num_levels - 1)) + 0.5) / num_levels
    cols = list(columns) if columns is not None else [1] * factors
    return grid, np.repeat(centred, cols, axis=1)


def morris_dataset(factors: Sequence[str], grid: np.ndarray,
                   outputs: Mapping[str, np.ndarray], *, num_levels: int, num_resamples: int,
                   conf_level: float, seed: int, attrs: Mapping[str, Any] | None = None
                   ) -> xr.Dataset:
    """mu, mu*, sigma and mu* half-width per output and factor (per unit of quantile).

    Outputs with NaN are analysed on their finite trajectories only, the share kept in
    ``defined_share``.
    """
    from SALib.analyze import morris

    d = len(factors)
    problem = {"num_vars": d, "names": list(factors), "bounds": [[0.0, 1.0]] * d}
    keys = ("mu", "mu_star", "sigma", "mu_star_conf")
    res: dict[str, list[np.ndarray]] = {k: [] for k in keys}
    shares = []
    for y in outputs.values():
        traj_ok = np.isfinite(y).reshape(-1, d + 1).all(axis=1)
        shares.append(float(np.isfinite(y).mean()))
        keep = np.repeat(traj_ok, d + 1)
        if traj_ok.sum() < 2:
            for k in keys:
                res[k].append(np.full(d, np.nan))
            continue
        r = morris.analyze(problem, grid[keep], y[keep], num_resamples=num_resamples,
                           conf_level=conf_level, num_levels=num_levels, seed=seed)
        for k in keys:
            res[k].append(np.asarray(r[k], dtype=float))
    text = {"mu": "mean elementary effect", "mu_star": "mean absolute elementary effect",
            "sigma": "standard deviation of elementary effects",
            "mu_star_conf": f"mu_star {conf_level:.0%} bootstrap half-width"}
    data: dict[str, Any] = {k: (("output", "factor"), np.stack(v), {
        "long_name": f"{text[k]} (output units per unit of prior quantile)", "units": "1"})
        for k, v in res.items()}
    data["defined_share"] = ("output", np.array(shares), {"long_name": "share defined",
                                                          "units": "1"})
    out = xr.Dataset(data, coords={"output": ("output", list(outputs), {"long_name": "outcome"}),
                                   "factor": ("factor", list(factors),
                                              {"long_name": "uncertain factor"})})
    out.attrs.update({"method": "Morris elementary effects (SALib)", "trajectories":
                      int(grid.shape[0] // (d + 1)), "num_levels": num_levels, "seed": seed})
    out.attrs.update(attrs or {})
    return out
