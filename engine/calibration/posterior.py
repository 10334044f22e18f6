"""Drawing scenarios from a calibration.nc: the posterior as a design for fans (and Sobol')."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from engine.calibration.observation import CalibrationError
from engine.calibration.smc import systematic
from engine.calibration.study import NOISE
from engine.designs.given import Given
from engine.priors import PriorSet

REQUIRED = ("unit", "weight", "ess", "observed_gap", "posterior_predictive")


def load(path: str | Path, key: str = "fan.calibration") -> xr.Dataset:
    """A calibration.nc, checked: it exists and holds a posterior."""
    p = Path(path)
    if not p.is_file():
        raise CalibrationError(f"{key}={str(path)!r}: no such file")
    try:
        ds = xr.load_dataset(p)
    except Exception as err:
        raise CalibrationError(f"{key}={str(path)!r}: not a netCDF file ({type(err).__name__})"
                               ) from None
    missing = [v for v in REQUIRED if v not in ds]
    if missing or "priors_json" not in ds.attrs:
        raise CalibrationError(f"{key}={str(path)!r}: not a calibration.nc (it lacks "
                               f"{', '.join(missing) or 'priors_json'}); make one with "
                               "python run.py experiment=calibrate")
    return ds


def check(ds: xr.Dataset, priors: PriorSet, key: str = "fan.calibration") -> None:
    """A posterior a run with these ``priors`` may draw from (ESS above its floor, same priors)."""
    ess, floor = float(ds["ess"]), int(ds.attrs.get("ess_floor", 1))
    if ess < floor:
        raise CalibrationError(f"{key}: its posterior has an effective sample size of {ess:.0f}, "
                               f"below the floor of {floor} it was made with; calibrate again "
                               "with more calibrate.particles")
    made_with = json.loads(ds.attrs["priors_json"])
    made_with.pop(NOISE, None)
    run_with = priors.specs()
    for name in sorted(set(made_with) | set(run_with)):
        if name == "price_per_token_usd":
            continue  # the calibration fixes the user's price at the observed band
        if made_with.get(name) != run_with.get(name):
            raise CalibrationError(f"{key}: the calibration was made with priors.{name}="
                                   f"{made_with.get(name)!r}, this run has "
                                   f"{run_with.get(name)!r}; use the same priors and actor")
    if ds["unit"].shape[1] != priors.columns + 1:
        raise CalibrationError(f"{key}: {ds['unit'].shape[1] - 1} model columns, this run has "
                               f"{priors.columns}")


def design(ds: xr.Dataset, priors: PriorSet, n: int, seed: int,
           key: str = "fan.calibration") -> Given:
    """n scenarios drawn from the posterior particles, for a run with these ``priors``."""
    check(ds, priors, key)
    columns = priors.columns
    unit = ds["unit"].values
    idx = systematic(np.random.default_rng([seed, 0xD5]), ds["weight"].values, n)
    return Given(unit[idx, :columns], seed, "posterior")


def factor_groups(ds: xr.Dataset, priors: PriorSet, threshold: float = 0.3) -> list[list[str]]:
    """Uncertain factors whose posterior (weighted) rank correlation exceeds ``threshold`` in
    absolute value, joined into groups (transitively)."""
    factors = priors.uncertain
    unit, w = ds["unit"].values, ds["weight"].values
    cols: dict[str, list[int]] = {}
    start = 0
    for p in priors:
        cols[p.name] = list(range(start, start + p.columns))
        start += p.columns

    def corr(i: int, j: int) -> float:
        x, y = unit[:, i], unit[:, j]
        mx, my = np.sum(w * x), np.sum(w * y)
        cov = np.sum(w * (x - mx) * (y - my))
        sx, sy = np.sqrt(np.sum(w * (x - mx) ** 2)), np.sqrt(np.sum(w * (y - my) ** 2))
        return float(cov / (sx * sy)) if sx > 0 and sy > 0 else 0.0

    parent = {f: f for f in factors}

    def root(f: str) -> str:
        while parent[f] != f:
            f = parent[f]
        return f

    for a_i, a in enumerate(factors):
        for b in factors[a_i + 1:]:
            if max(abs(corr(i, j)) for i in cols[a] for j in cols[b]) > threshold:
                parent[root(b)] = root(a)
    groups: dict[str, list[str]] = {}
    for f in factors:
        groups.setdefault(root(f), []).append(f)
    return list(groups.values())


def posterior_priors(ds: xr.Dataset, priors: PriorSet, threshold: float = 0.3,
                     key: str = "sobol.calibration") -> PriorSet:
    """The posterior as independent factors for a Sobol' analysis: each group of correlated
    factors becomes one factor drawn jointly from the weighted particles; factors left alone
    are drawn from their own posterior marginal the same way. Correlations below ``threshold``
    between groups are neglected (the analysis assumes independent factors)."""
    from engine.priors.particles import Particles

    check(ds, priors, key)
    unit, w = ds["unit"].values, ds["weight"].values
    cols: dict[str, slice] = {}
    start = 0
    for p in priors:
        cols[p.name] = slice(start, start + p.columns)
        start += p.columns
    new: dict[str, Any] = {p.name: p for p in priors if p.fixed}
    for group in factor_groups(ds, priors, threshold):
        members = [priors[f] for f in group]
        block = np.column_stack([unit[:, cols[f]] for f in group])
        name = "+".join(group)
        new[name] = Particles(name, block, w, members)
    return PriorSet(new)
