"""Drawing scenarios from a calibration.nc: the posterior as a design for fans (and Sobol').

A calibration file is checked before anything is drawn from it (:func:`load`, then
:func:`check`), and every refusal is one :class:`~.observation.CalibrationError` line naming the
key (``fan.calibration=`` or ``sobol.calibration=``) and the file:

* the path is a file (a directory is named as one), a netCDF file, and holds a posterior;
* the weights are finite and non-negative with a positive sum, one per particle;
* the particles' unit-hypercube coordinates are finite and within [0, 1];
* the effective sample size, recomputed from the weights (the stored ``ess`` is not trusted), is
  at least the floor the calibration was made with;
* the particles have the run's columns, and the priors are the run's (but for the user's price,
  which the calibration fixes at the observed band);
* the settings outside the priors that shaped the posterior (``context_json``: the model, its
  inference form, ``time.start_year``, the actor, ...) equal the run's, for every key the run
  gives (:func:`engine.calibration.study.run_context` builds both).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from engine.calibration.observation import CalibrationError
from engine.calibration.smc import ess as kish_ess
from engine.calibration.smc import systematic
from engine.calibration.study import NOISE, run_context
from engine.designs.given import Given
from engine.priors import PriorSet

REQUIRED = ("unit", "weight", "ess", "observed_gap", "posterior_predictive")
__all__ = ["load", "check", "design", "posterior_priors", "factor_groups", "run_context",
           "effective_sample_size"]


def _name(ds: xr.Dataset, key: str) -> str:
    """``key='path'`` for messages (the path the file was loaded from, when known)."""
    source = ds.encoding.get("source")
    return f"{key}={str(source)!r}" if source else key


def load(path: str | Path, key: str = "fan.calibration") -> xr.Dataset:
    """A calibration.nc, checked: it is a file holding a posterior whose weights and particles
    are usable (see the module docstring)."""
    p = Path(path)
    where = f"{key}={str(path)!r}"
    if p.is_dir():
        raise CalibrationError(f"{where}: is a directory; give the calibration.nc file in it")
    if not p.is_file():
        raise CalibrationError(f"{where}: no such file")
    try:
        ds = xr.load_dataset(p)
    except Exception as err:
        raise CalibrationError(f"{where}: not a netCDF file ({type(err).__name__})") from None
    missing = [v for v in REQUIRED if v not in ds]
    if missing or "priors_json" not in ds.attrs:
        raise CalibrationError(f"{where}: not a calibration.nc (it lacks "
                               f"{', '.join(missing) or 'priors_json'}); make one with "
                               "python run.py experiment=calibrate")
    ds.encoding["source"] = str(path)  # as given, for the messages of check()
    _check_particles(ds, where)
    return ds


def _check_particles(ds: xr.Dataset, where: str) -> None:
    unit, w = ds["unit"], ds["weight"]
    if unit.ndim != 2 or w.ndim != 1 or unit.shape[0] != w.shape[0] or w.shape[0] == 0:
        raise CalibrationError(f"{where}: its weights {tuple(w.shape)} do not match its "
                               f"particles {tuple(unit.shape)} (one weight per particle)")
    weights = np.asarray(w.values, dtype=float)
    bad = ~np.isfinite(weights)
    if bad.any():
        raise CalibrationError(f"{where}: {int(bad.sum())} of its {len(weights)} weights are not "
                               f"finite (e.g. {float(weights[bad][0])!r}); the file is damaged")
    if (weights < 0).any():
        raise CalibrationError(f"{where}: {int((weights < 0).sum())} of its weights are negative "
                               f"(smallest {float(weights.min())!r}); the file is damaged")
    if not weights.sum() > 0:
        raise CalibrationError(f"{where}: its weights sum to {float(weights.sum())!r}; no "
                               "particle carries any weight")
    values = np.asarray(unit.values, dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        raise CalibrationError(f"{where}: {int(bad.sum())} of its particle coordinates are not "
                               f"finite (e.g. {float(values[bad][0])!r}); the file is damaged")
    outside = (values < 0) | (values > 1)
    if outside.any():
        first = float(values[outside][0])
        raise CalibrationError(f"{where}: {int(outside.sum())} of its particle coordinates lie "
                               f"outside the unit hypercube [0, 1] (e.g. {first!r}); the file "
                               "is damaged")


def effective_sample_size(ds: xr.Dataset) -> float:
    """Kish's effective sample size of the file's weights, recomputed (not the stored ``ess``)."""
    w = np.asarray(ds["weight"].values, dtype=float)
    with np.errstate(divide="ignore"):
        return kish_ess(np.log(np.where(w > 0, w, 0.0)))


def check(ds: xr.Dataset, priors: PriorSet, key: str = "fan.calibration", *,
          context: Mapping[str, str] | None = None) -> None:
    """A posterior a run with these ``priors`` (and these ``context`` settings) may draw from:
    usable particles, the ESS above its floor, the same columns, priors and settings."""
    where = _name(ds, key)
    _check_particles(ds, where)
    ess = effective_sample_size(ds)
    try:
        floor = int(ds.attrs.get("ess_floor", 1))
    except (TypeError, ValueError):
        raise CalibrationError(f"{where}: its ess_floor attribute "
                               f"{ds.attrs.get('ess_floor')!r} is not a number") from None
    if ess < floor:
        raise CalibrationError(f"{where}: its posterior has an effective sample size of {ess:.0f} "
                               f"(recomputed from its weights), below the floor of {floor} it "
                               "was made with; calibrate again with more calibrate.particles")
    made_with = json.loads(ds.attrs["priors_json"])
    extra = calibration_parameters(ds)
    run_with = priors.specs()
    for name in extra:
        if name not in run_with:
            made_with.pop(name, None)  # the calibration's own (noise, benchmark logistics)
    for name in sorted(set(made_with) | set(run_with)):
        if name == "price_per_token_usd":
            continue  # the calibration fixes the user's price at the observed band
        if made_with.get(name) != run_with.get(name):
            raise CalibrationError(f"{where}: the calibration was made with priors.{name}="
                                   f"{made_with.get(name)!r}, this run has "
                                   f"{run_with.get(name)!r}; use the same priors and actor")
    own = calibration_columns(ds, priors)
    if ds["unit"].shape[1] != priors.columns + own:
        raise CalibrationError(f"{where}: {ds['unit'].shape[1] - own} model columns, this run has "
                               f"{priors.columns}")
    if context:
        _check_context(ds, context, where)


def calibration_parameters(ds: xr.Dataset) -> list[str]:
    """The calibration's own parameters, appended after the model's columns (the noise scale
    for the gap likelihood; the benchmarks' noise and logistics for the levels)."""
    return str(ds.attrs.get("calibration_parameters", NOISE)).split()


def calibration_columns(ds: xr.Dataset, priors: PriorSet) -> int:
    """Columns of the calibration's own parameters that this run's priors do not hold."""
    extra = [n for n in calibration_parameters(ds) if n not in priors]
    if "calibration_columns" not in ds.attrs:
        return len(extra)
    own = str(ds.attrs.get("calibration_parameters", NOISE)).split()
    return int(ds.attrs["calibration_columns"]) - (len(own) - len(extra))


def _check_context(ds: xr.Dataset, context: Mapping[str, str], where: str) -> None:
    if "context_json" not in ds.attrs:
        raise CalibrationError(f"{where}: does not record the settings it was made with "
                               f"({', '.join(sorted(context))}); calibrate again with python "
                               "run.py experiment=calibrate")
    made_in = json.loads(ds.attrs["context_json"])
    for name in sorted(context):
        if name not in made_in:
            raise CalibrationError(f"{where}: does not record the {name} it was made with; "
                                   "calibrate again with these settings")
        if str(made_in[name]) != str(context[name]):
            raise CalibrationError(f"{where}: the calibration was made with {name}="
                                   f"{made_in[name]}, this run has {name}={context[name]}; "
                                   "calibrate again with these settings or use the same ones")


def _weights(ds: xr.Dataset) -> np.ndarray:
    w = np.asarray(ds["weight"].values, dtype=float)
    return w / w.sum()


def design(ds: xr.Dataset, priors: PriorSet, n: int, seed: int,
           key: str = "fan.calibration", *, context: Mapping[str, str] | None = None) -> Given:
    """n scenarios drawn from the posterior particles, for a run with these ``priors``."""
    check(ds, priors, key, context=context)
    columns = priors.columns
    unit = ds["unit"].values
    idx = systematic(np.random.default_rng([seed, 0xD5]), _weights(ds), n)
    return Given(unit[idx, :columns], seed, "posterior")


def factor_groups(ds: xr.Dataset, priors: PriorSet, threshold: float = 0.3) -> list[list[str]]:
    """Uncertain factors whose posterior (weighted) rank correlation exceeds ``threshold`` in
    absolute value, joined into groups (transitively)."""
    factors = priors.uncertain
    unit, w = ds["unit"].values, _weights(ds)
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
                     key: str = "sobol.calibration", *,
                     context: Mapping[str, str] | None = None) -> PriorSet:
    """The posterior as independent factors for a Sobol' analysis: each group of correlated
    factors becomes one factor drawn jointly from the weighted particles; factors left alone
    are drawn from their own posterior marginal the same way. Correlations below ``threshold``
    between groups are neglected (the analysis assumes independent factors)."""
    from engine.priors.particles import Particles

    check(ds, priors, key, context=context)
    unit, w = ds["unit"].values, _weights(ds)
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
    return PriorSet(new, priors.derivations, priors.defaults)
