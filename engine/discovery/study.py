"""A scenario-discovery study from scenarios to discovery.nc: PRIM boxes, a tree, scores."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from engine import io
from engine.discovery import condition as cond
from engine.discovery import prim, trees


def inputs(ds: xr.Dataset) -> list[str]:
    """The uncertain inputs of a scenarios Dataset: each uncertain factor's varying parameters
    (the scaling law by its exponent alpha)."""
    factors = str(ds.attrs.get("uncertain_factors", "")).split()
    names = []
    for f in factors:
        if f == "scaling_law":
            names.append("alpha")
        elif f in ds:
            names.append(f)
    return [n for n in names if n in ds and float(ds[n].min()) != float(ds[n].max())]


def variables(ds: xr.Dataset) -> dict[str, np.ndarray]:
    return {str(k): v.values for k, v in ds.data_vars.items() if v.dims == ("scenario",)}


def labels(ds: xr.Dataset, expression: str) -> np.ndarray:
    """The condition for every scenario, refusing one that is the same everywhere."""
    y = cond.evaluate(expression, variables(ds))
    share = float(y.mean())
    if share in (0.0, 1.0):
        raise cond.ConditionError(f"discover.condition={expression!r}: is "
                                  f"{'true' if share else 'false'} for every one of the "
                                  f"{len(y):,} scenarios; there is nothing to discover")
    return y


def run(ds: xr.Dataset, expression: str, *, peel_alpha: float, paste_alpha: float,
        mass_min: float, density_threshold: float, tree_depth: int, significance: float,
        seed: int, boxes: int = 2) -> xr.Dataset:
    """PRIM boxes (the second on the scenarios outside the first), CART, feature scores."""
    names = inputs(ds)
    x = np.column_stack([ds[n].values for n in names]).astype(float)
    y = labels(ds, expression)
    remaining = np.ones(len(y), dtype=bool)
    found: list[prim.Result] = []
    for _ in range(boxes):
        if y[remaining].sum() < 10 or remaining.sum() < 50:
            break
        res = prim.find_box(x[remaining], y[remaining], peel_alpha=peel_alpha,
                            paste_alpha=paste_alpha, mass_min=mass_min,
                            density_threshold=density_threshold)
        found.append(res)
        remaining &= ~res.box.inside(x)
    rules, accuracy = trees.cart_rules(x, y, names, tree_depth, seed)
    scores = trees.feature_scores(x, y, seed)
    return _dataset(ds, names, x, y, found, rules, accuracy, scores, expression, significance)


def _dataset(ds: xr.Dataset, names: Sequence[str], x: np.ndarray, y: np.ndarray,
             found: Sequence[prim.Result], rules: str, accuracy: float, scores: np.ndarray,
             expression: str, significance: float) -> xr.Dataset:
    nb, d = len(found), len(names)
    steps = max(len(r.trajectory) for r in found)
    lo, hi = x.min(axis=0), x.max(axis=0)
    data: dict[str, Any] = {}
    lower, upper, pv = (np.full((nb, d), np.nan) for _ in range(3))
    cov, den, mass = (np.full(nb, np.nan) for _ in range(3))
    tcov, tden, tmass = (np.full((nb, steps), np.nan) for _ in range(3))
    for i, r in enumerate(found):
        lower[i], upper[i], pv[i] = r.box.lower, r.box.upper, r.box.p_values
        inside = r.box.inside(x)  # statistics over every scenario, so anyone can recount them
        cov[i] = y[inside].sum() / y.sum()
        den[i] = y[inside].mean() if inside.any() else np.nan
        mass[i] = inside.mean()
        for k, b in enumerate(r.trajectory):
            tcov[i, k], tden[i, k], tmass[i, k] = b.coverage, b.density, b.mass
    units = {n: ds[n].attrs.get("units", "1") for n in names}
    data["lower"] = (("box", "parameter"), lower, {"long_name": "lower limit of the box",
                                                   "units": "1"})
    data["upper"] = (("box", "parameter"), upper, {"long_name": "upper limit of the box",
                                                   "units": "1"})
    data["p_value"] = (("box", "parameter"), pv, {
        "long_name": "quasi-p-value of each restriction (NaN: not restricted)", "units": "1"})
    data["coverage"] = ("box", cov, {"long_name": "share of all cases inside the box",
                                     "units": "1"})
    data["density"] = ("box", den, {"long_name": "share of the box's scenarios that are cases",
                                    "units": "1"})
    data["mass"] = ("box", mass, {"long_name": "share of all scenarios inside the box",
                                  "units": "1"})
    data["trajectory_coverage"] = (("box", "step"), tcov, {
        "long_name": "coverage along the peeling trajectory", "units": "1"})
    data["trajectory_density"] = (("box", "step"), tden, {
        "long_name": "density along the peeling trajectory", "units": "1"})
    data["trajectory_mass"] = (("box", "step"), tmass, {
        "long_name": "mass along the peeling trajectory", "units": "1"})
    data["chosen_step"] = ("box", np.array([r.chosen for r in found], dtype=np.int32),
                           {"long_name": "the trajectory step the box was taken from",
                            "units": "1"})
    data["feature_score"] = ("parameter", scores, {
        "long_name": "extra-trees importance for separating cases from the rest", "units": "1"})
    data["range_low"] = ("parameter", lo, {"long_name": "smallest sampled value", "units": "1"})
    data["range_high"] = ("parameter", hi, {"long_name": "largest sampled value", "units": "1"})
    data["case"] = ("scenario", y.astype(np.int8), {"long_name": "1 where the condition holds",
                                                    "units": "1"})
    out = xr.Dataset(data, coords={
        "box": ("box", np.arange(nb, dtype=np.int32), {"long_name": "box (0: first, 1: on the "
                                                                    "rest)", "units": "1"}),
        "parameter": ("parameter", list(names), {"long_name": "uncertain input"}),
        "step": ("step", np.arange(steps, dtype=np.int32), {"long_name": "peeling step",
                                                           "units": "1"}),
        "scenario": ds["scenario"]})
    out["parameter_units"] = ("parameter", np.array([units[n] for n in names], dtype=str))
    out.attrs.update({"condition": expression, "cases": int(y.sum()), "scenarios": len(y),
                      "case_share": float(y.mean()), "cart_rules": rules,
                      "cart_accuracy": accuracy, "significance": significance,
                      "method": "PRIM (Friedman and Fisher 1999; peeling, pasting, quasi-p-"
                                "values of Bryant and Lempert 2010), CART and extra-trees "
                                "(scikit-learn)"})
    return out


def open_scenarios(path: str, key: str = "discover.scenarios") -> xr.Dataset:
    """An earlier run's scenarios (.nc or .zarr), checked."""
    from pathlib import Path

    p = Path(path)
    if not p.exists():
        raise cond.ConditionError(f"{key}={path!r}: no such file or store")
    try:
        ds = io.open_zarr(p) if p.suffix == ".zarr" or p.is_dir() else xr.open_dataset(p)
    except Exception as err:
        raise cond.ConditionError(f"{key}={path!r}: not a scenarios file "
                                  f"({type(err).__name__})") from None
    if "scenario" not in ds.dims or not inputs(ds):
        raise cond.ConditionError(f"{key}={path!r}: not a meek scenarios file (no scenario "
                                  "dimension with uncertain factors)")
    return ds


def link(path: str, directory: Any) -> None:
    """A symbolic link to the analysed scenarios in the run directory."""
    from pathlib import Path

    p = Path(path).resolve()
    target = Path(directory) / ("scenarios.zarr" if p.is_dir() else "scenarios.nc")
    target.symlink_to(p)


def inside(disc: xr.Dataset, scenarios: xr.Dataset, box: int = 0) -> np.ndarray:
    """Which scenarios lie inside box ``box`` of a discovery (every restricted input within its
    limits)."""
    b = disc.isel(box=box)
    x = np.column_stack([scenarios[n].values for n in disc["parameter"].values])
    return np.all((x >= b["lower"].values) & (x <= b["upper"].values), axis=1)
