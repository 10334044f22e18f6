"""Drawing scenarios from a calibration.nc: the posterior as a design for fans (and Sobol')."""

from __future__ import annotations

import json
from pathlib import Path

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
