"""A scenario-discovery study from scenarios to discovery.nc: PRIM boxes, a tree, scores.

Boxes after the first are found on the scenarios outside the earlier boxes, and their
statistics are counted there too, as EMA Workbench does: a box's coverage is the share of all
cases that lie in it and in no earlier box, its mass the share of all scenarios doing so, and its
density the share of those scenarios that are cases. The boxes' coverages therefore add up to at
most 1. ``box_overlap`` says how much of a later box's limits the earlier boxes already hold.

Each restriction is also stated in plain words (``box_statement``). The scaling law is an input
through its exponent alpha, but what a user chooses is a published fit: a limit on alpha is
stated as the fits (and the share of a fit's bootstrap draws) whose alpha lies inside it, e.g.
"the Hoffmann et al. 2022 fit (alpha 0.154) rather than Besiroglu et al. 2024's (alpha
0.16-0.20)", read from the scenarios' ``scaling_fit`` codes and alphas.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from engine import io
from engine.discovery import condition as cond
from engine.discovery import prim, trees
from engine.priors.scaling_law import FIT_CODES

#: How each scaling-law fit is named when a box selects it, and when it rules it out.
FIT_WORDS = {
    "paper": ("the paper's rounding of Hoffmann et al. 2022",
              "the paper's rounding of Hoffmann et al. 2022"),
    "hoffmann": ("the Hoffmann et al. 2022 fit", "Hoffmann et al. 2022's"),
    "besiroglu": ("the Besiroglu et al. 2024 fit", "Besiroglu et al. 2024's"),
    "custom": ("the custom scaling law", "the custom scaling law's"),
}
#: A fit is selected (ruled out) when at least (at most) this share of its scenarios' alphas
#: lies inside the box; in between, the box holds part of its bootstrap draws.
ALL_OF_FIT, NONE_OF_FIT = 0.95, 0.05


#: the fewest cases and scenarios a box is searched on (fewer: no box)
MIN_CASES, MIN_SCENARIOS = 10, 50


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
    found_on: list[np.ndarray] = []  # the scenarios each box was found on (outside earlier ones)
    for _ in range(boxes):
        if y[remaining].sum() < MIN_CASES or remaining.sum() < MIN_SCENARIOS:
            break
        res = prim.find_box(x[remaining], y[remaining], peel_alpha=peel_alpha,
                            paste_alpha=paste_alpha, mass_min=mass_min,
                            density_threshold=density_threshold)
        found.append(res)
        found_on.append(remaining.copy())
        remaining &= ~res.box.inside(x)
    if not found:
        raise cond.ConditionError(
            f"discover.condition={expression!r}: holds in {int(y.sum()):,} of {len(y):,} "
            f"scenarios; PRIM needs at least {MIN_SCENARIOS} scenarios with at least "
            f"{MIN_CASES} where the condition holds (raise sampler.n)")
    rules, accuracy = trees.cart_rules(x, y, names, tree_depth, seed)
    scores = trees.feature_scores(x, y, seed)
    return _dataset(ds, names, x, y, found, rules, accuracy, scores, expression, significance,
                    found_on)


def _number(v: float) -> str:
    return f"{v:.3g}"


def _alpha_range(values: np.ndarray) -> str:
    lo, hi = float(values.min()), float(values.max())
    return f"{lo:.3f}" if round(lo, 3) == round(hi, 3) else f"{lo:.2f}-{hi:.2f}"


def fit_shares(alpha: np.ndarray, fit: np.ndarray, lower: float, upper: float
               ) -> dict[str, float]:
    """The share of each fit's scenarios whose alpha lies within [lower, upper]."""
    names = {code: name for name, code in FIT_CODES.items()}
    out = {}
    for code in np.unique(fit[np.isfinite(fit)]):
        mine = alpha[fit == code]
        out[names.get(int(code), f"fit {int(code)}")] = float(np.mean((mine >= lower)
                                                                     & (mine <= upper)))
    return out


def fit_statement(alpha: np.ndarray, fit: np.ndarray, lower: float, upper: float) -> str:
    """A limit on alpha as the scaling-law fits it selects (see the module docstring).

    Example
    -------
    >>> alpha = np.r_[np.full(4, 0.15355), np.linspace(0.163, 0.2, 8)]
    >>> fit = np.r_[np.full(4, 1.0), np.full(8, 2.0)]
    >>> fit_statement(alpha, fit, 0.15, 0.16).split(" rather than ")
    ['the Hoffmann et al. 2022 fit (alpha 0.154)', "Besiroglu et al. 2024's (alpha 0.16-0.20)"]
    >>> fit_statement(alpha, fit, 0.15, 0.18).split(" and ")
    ['the Hoffmann et al. 2022 fit (alpha 0.154)', "50% of Besiroglu et al. 2024's bootstrap draws \
(alpha 0.16-0.18 of 0.16-0.20)"]
    """
    shares = fit_shares(alpha, fit, lower, upper)
    codes = {name: code for name, code in FIT_CODES.items()}
    chosen, partial, ruled_out = [], [], []
    for name, share in shares.items():
        mine = alpha[fit == codes.get(name, -1)]
        select, exclude = FIT_WORDS.get(name, (name, f"{name}'s"))
        if share >= ALL_OF_FIT:
            chosen.append(f"{select} (alpha {_alpha_range(mine)})")
        elif share <= NONE_OF_FIT:
            ruled_out.append(f"{exclude} (alpha {_alpha_range(mine)})")
        else:
            inside = mine[(mine >= lower) & (mine <= upper)]
            partial.append(f"{share:.0%} of {exclude} bootstrap draws (alpha "
                           f"{_alpha_range(inside)} of {_alpha_range(mine)})")
    held = " and ".join(chosen + partial) or "none of the fits"
    return held + (f" rather than {' or '.join(ruled_out)}" if ruled_out else "")


def statement(name: str, lower: float, upper: float, low: float, high: float,
              units: str = "1") -> str:
    """A restriction of a (non-scaling-law) input in words, the input named by its label
    (engine.reports.labels) with its identifier."""
    from engine.reports import labels

    shown = labels.unit(name) or ("" if units in ("1", "") else units)
    unit = f" {shown}" if shown and shown != "x per year" else ""
    name = f"{labels.label(name)} ({name})" if labels.label(name) != name else name
    if lower > low and upper < high:
        return f"{name} between {_number(lower)} and {_number(upper)}{unit}"
    if lower > low:
        return f"{name} at least {_number(lower)}{unit}"
    return f"{name} at most {_number(upper)}{unit}"


def _dataset(ds: xr.Dataset, names: Sequence[str], x: np.ndarray, y: np.ndarray,
             found: Sequence[prim.Result], rules: str, accuracy: float, scores: np.ndarray,
             expression: str, significance: float,
             found_on: Sequence[np.ndarray] | None = None) -> xr.Dataset:
    nb, d = len(found), len(names)
    steps = max(len(r.trajectory) for r in found)
    lo, hi = x.min(axis=0), x.max(axis=0)
    if found_on is None:
        found_on = [np.ones(len(y), dtype=bool)] * nb
    units = {n: ds[n].attrs.get("units", "1") for n in names}
    fits = "scaling_fit" in ds and "alpha" in names
    fit_names = sorted(fit_shares(ds["alpha"].values, ds["scaling_fit"].values, 0, 1),
                       key=lambda f: FIT_CODES.get(f, 99)) if fits else []
    data: dict[str, Any] = {}
    lower, upper, pv = (np.full((nb, d), np.nan) for _ in range(3))
    cov, den, mass, overlap = (np.full(nb, np.nan) for _ in range(4))
    tcov, tden, tmass = (np.full((nb, steps), np.nan) for _ in range(3))
    words = np.full((nb, d), "", dtype=object)
    shares = np.full((nb, len(fit_names)), np.nan)
    for i, r in enumerate(found):
        lower[i], upper[i], pv[i] = r.box.lower, r.box.upper, r.box.p_values
        inside = r.box.inside(x)
        own = inside & found_on[i]  # in the box and in no earlier box: anyone can recount it
        cov[i] = y[own].sum() / y.sum()
        den[i] = y[own].mean() if own.any() else np.nan
        mass[i] = own.mean()
        overlap[i] = (inside & ~found_on[i]).sum() / inside.sum() if inside.any() else np.nan
        # the trajectory was computed on the remaining scenarios: rescaled to all of them
        cases_share = y[found_on[i]].sum() / y.sum()
        mass_share = found_on[i].mean()
        for k, b in enumerate(r.trajectory):
            tcov[i, k], tden[i, k], tmass[i, k] = (b.coverage * cases_share, b.density,
                                                   b.mass * mass_share)
        for j, n in enumerate(names):
            if not np.isfinite(pv[i, j]):
                continue
            if n == "alpha" and fits:
                words[i, j] = fit_statement(ds["alpha"].values, ds["scaling_fit"].values,
                                            lower[i, j], upper[i, j])
            else:
                words[i, j] = statement(n, lower[i, j], upper[i, j], lo[j], hi[j], units[n])
        if fits:
            got = fit_shares(ds["alpha"].values, ds["scaling_fit"].values, lower[i, names.index(
                "alpha")], upper[i, names.index("alpha")])
            shares[i] = [got[f] for f in fit_names]
    data["lower"] = (("box", "parameter"), lower, {"long_name": "lower limit of the box",
                                                   "units": "1"})
    data["upper"] = (("box", "parameter"), upper, {"long_name": "upper limit of the box",
                                                   "units": "1"})
    data["p_value"] = (("box", "parameter"), pv, {
        "long_name": "quasi-p-value of each restriction (NaN: not restricted)", "units": "1"})
    data["coverage"] = ("box", cov, {
        "long_name": "share of all cases inside the box and outside every earlier box",
        "units": "1"})
    data["density"] = ("box", den, {
        "long_name": "share of the scenarios inside the box and outside every earlier box "
                     "that are cases", "units": "1"})
    data["mass"] = ("box", mass, {
        "long_name": "share of all scenarios inside the box and outside every earlier box",
        "units": "1"})
    data["box_overlap"] = ("box", overlap, {
        "long_name": "share of the scenarios within the box's limits that lie in an earlier "
                     "box", "units": "1"})
    data["box_statement"] = (("box", "parameter"), words.astype(str), {
        "long_name": "the box's restriction of each input in words (empty: not restricted); "
                     "the scaling law's alpha as the fits it selects"})
    if fits:
        data["fit_share"] = (("box", "fit"), shares, {
            "long_name": "share of each scaling-law fit's scenarios whose alpha lies within "
                         "the box's limits", "units": "1"})
    data["trajectory_coverage"] = (("box", "step"), tcov, {
        "long_name": "coverage along the peeling trajectory (cases outside earlier boxes, "
                     "over all cases)", "units": "1"})
    data["trajectory_density"] = (("box", "step"), tden, {
        "long_name": "density along the peeling trajectory (scenarios outside earlier boxes)",
        "units": "1"})
    data["trajectory_mass"] = (("box", "step"), tmass, {
        "long_name": "mass along the peeling trajectory (scenarios outside earlier boxes, "
                     "over all scenarios)", "units": "1"})
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
        "scenario": ds["scenario"],
        **({"fit": ("fit", np.array(fit_names, dtype=str), {"long_name": "scaling-law fit"})}
           if fits else {})})
    out["parameter_units"] = ("parameter", np.array([units[n] for n in names], dtype=str))
    out.attrs.update({"condition": expression, "cases": int(y.sum()), "scenarios": len(y),
                      "case_share": float(y.mean()), "cart_rules": rules,
                      "cart_accuracy": accuracy, "significance": significance,
                      "box_statistics": "EMA Workbench's convention: a later box's coverage, "
                                        "density and mass count only the scenarios outside "
                                        "every earlier box (coverage over all cases, mass "
                                        "over all scenarios); coverages add up to at most 1",
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
