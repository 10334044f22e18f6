"""From scenario Datasets to labelled index Datasets (Sobol', Morris), ready to save and plot.

NaN outcomes (no catch-up within the model, no peak when growth stops behind) are neither
dropped silently nor allowed to break the estimators: such an outcome ``X`` is analysed twice,
as the indicator ``X_is_defined`` (1 where defined) over every scenario, and as ``X`` itself over
the Saltelli blocks in which it is defined everywhere, with the share kept in ``defined_share``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from engine import scenario
from engine.sensitivity import SobolResult, sobol_indices, split_defined, take_blocks

log = logging.getLogger(__name__)

LEVELS = (8, 4, 2, 1)  # convergence at N/8, N/4, N/2, N


def scalar_outputs(ds: xr.Dataset, names: Sequence[str]) -> dict[str, NDArray[np.float64]]:
    """The per-scenario outputs to analyse; tokens go on a log10 scale (they span decades)."""
    out = {}
    for name in names:
        values = ds[name].values.astype(float)
        if name.startswith("tokens"):
            with np.errstate(divide="ignore", invalid="ignore"):
                values = np.log10(values)
            name = f"log10_{name}"
        out[name] = values
    return out


def _indices_for(y: NDArray, d: int, second_order: bool, **kw: Any
                 ) -> list[tuple[str, SobolResult, float, int]]:
    """[(suffix, result, defined share, base rows used)] for one output (1 or 2 analyses)."""
    row_ok, block_ok = split_defined(y, d, second_order)
    n_blocks = block_ok.size
    if row_ok.all():
        return [("", sobol_indices(y, d, second_order=second_order, **kw), 1.0, n_blocks)]
    share = float(row_ok.mean())
    results = [("_is_defined", sobol_indices(row_ok.astype(float), d, second_order=second_order,
                                             **kw), 1.0, n_blocks)]
    if block_ok.sum() >= 8:
        sub = take_blocks(y, block_ok, d, second_order)
        results.insert(0, ("", sobol_indices(sub, d, second_order=second_order, **kw), share,
                           int(block_ok.sum())))
    return results


def sobol_dataset(outputs: Mapping[str, NDArray[np.float64]], parameters: Sequence[str], *,
                  second_order: bool, num_resamples: int, conf_level: float, seed: int,
                  series: Mapping[str, NDArray[np.float64]] | None = None,
                  t: NDArray[np.float64] | None = None,
                  series_results: Mapping[str, SobolResult] | None = None,
                  long_names: Mapping[str, str] = {},
                  attrs: Mapping[str, Any] | None = None) -> xr.Dataset:
    """Sobol' indices of scalar outputs (with convergence) and of series at every time point.

    Parameters
    ----------
    outputs : mapping of name -> (rows,) array in Saltelli row order
    parameters : names of the uncertain parameters, in design column order
    series : mapping of name -> (rows, T) array, optional
        Analysed column by column in one batched call per series (first and total order).
    t : (T,) array, required with ``series``

    Returns
    -------
    xarray.Dataset
        S1, S1_conf, ST, ST_conf (output, parameter); S2, S2_conf (output, parameter,
        parameter_j); defined_share and n_base_used (output); S1_conv, S1_conf_conv, ST_conv,
        ST_conf_conv (n_base, output, parameter); S1_t, S1_t_conf, ST_t, ST_t_conf
        (series, t, parameter).
    """
    d = len(parameters)
    kw = dict(num_resamples=num_resamples, conf_level=conf_level, seed=seed)
    names, rows, shares, used = [], [], [], []
    conv: list[list[SobolResult]] = []
    n_base = None
    for name, y in outputs.items():
        for suffix, res, share, n_used in _indices_for(y, d, second_order, **kw):
            label = name + suffix
            names.append(label)
            rows.append(res)
            shares.append(share)
            used.append(n_used)
            # convergence on nested prefixes of the design (Sobol' prefixes stay balanced)
            yy = (np.isfinite(y).astype(float) if suffix else y)
            step = 2 * d + 2 if second_order else d + 2
            n_total = yy.size // step
            n_base = n_total
            levels = []
            for div in LEVELS:
                prefix = yy[: (n_total // div) * step]
                ok = split_defined(prefix, d, second_order)[1]
                sub = _first_total_rows(take_blocks(prefix, ok, d, second_order), d,
                                        second_order)
                levels.append(sobol_indices(sub, d, second_order=False, **kw)
                              if ok.sum() >= 8 else None)
            conv.append(levels)

    def stack(attr: str) -> NDArray:
        return np.stack([getattr(r, attr)[0] for r in rows])

    data: dict[str, Any] = {}
    dims = ("output", "parameter")
    texts = {
        "S1": "first-order Sobol' index", "ST": "total-order Sobol' index",
        "S2": "second-order Sobol' index",
    }
    for key in ("S1", "ST"):
        data[key] = (dims, stack(key), {"long_name": texts[key], "units": "1"})
        data[f"{key}_conf"] = (dims, stack(f"{key}_conf"), {
            "long_name": f"{texts[key]}: {conf_level:.0%} bootstrap half-width", "units": "1"})
    if second_order:
        for key in ("S2", "S2_conf"):
            data[key] = (("output", "parameter", "parameter_j"), stack(key), {
                "long_name": texts["S2"] + (": bootstrap half-width" if "conf" in key else ""),
                "units": "1"})
    data["defined_share"] = ("output", np.array(shares), {
        "long_name": "share of scenarios where the output is defined", "units": "1"})
    data["n_base_used"] = ("output", np.array(used), {
        "long_name": "Saltelli base rows used (blocks fully defined)", "units": "1"})
    data["output_label"] = ("output", np.array([_label(n, long_names) for n in names]), {
        "long_name": "what each output is"})
    levels_n = np.array([(n_base or 0) // div for div in LEVELS])
    for key in ("S1", "S1_conf", "ST", "ST_conf"):
        arr = np.full((len(LEVELS), len(names), d), np.nan)
        for i, levels in enumerate(conv):
            for li, res in enumerate(levels):
                if res is not None:
                    arr[li, i] = getattr(res, key)[0]
        data[f"{key}_conv"] = (("n_base", "output", "parameter"), arr, {
            "long_name": f"{key} on the first n_base base rows", "units": "1"})
    coords: dict[str, Any] = {"output": names, "parameter": list(parameters),
                              "n_base": levels_n}
    if second_order:
        coords["parameter_j"] = list(parameters)
    results = dict(series_results or {})
    for key, values in (series or {}).items():
        block_ok = split_defined(np.where(np.isfinite(values).all(axis=1), 0.0, np.nan), d,
                                 second_order)[1]
        sub = take_blocks(values, block_ok, d, second_order)
        # the BA rows are not needed for S1 and ST: drop them (SALib's d + 2 layout)
        results[key] = sobol_indices(_first_total_rows(sub, d, second_order), d,
                                     second_order=False, **kw)
    if results:
        if t is None:
            raise ValueError("t is required with series")
        keys = list(results)
        s1t, s1tc, stt, sttc = (np.empty((len(keys), len(t), d)) for _ in range(4))
        for i, key in enumerate(keys):
            res = results[key]
            s1t[i], s1tc[i], stt[i], sttc[i] = res.S1, res.S1_conf, res.ST, res.ST_conf
        tdims = ("series", "t", "parameter")
        data["S1_t"] = (tdims, s1t, {"long_name": "first-order index over time", "units": "1"})
        data["S1_t_conf"] = (tdims, s1tc, {"long_name": "S1_t bootstrap half-width",
                                           "units": "1"})
        data["ST_t"] = (tdims, stt, {"long_name": "total-order index over time", "units": "1"})
        data["ST_t_conf"] = (tdims, sttc, {"long_name": "ST_t bootstrap half-width",
                                           "units": "1"})
        coords["series"] = keys
        coords["t"] = ("t", np.asarray(t), {"units": "yr", "long_name": "years from start"})
    out = xr.Dataset(data, coords=coords)
    out["parameter"].attrs["long_name"] = "uncertain parameter"
    out.attrs.update({"method": "Saltelli design, Saltelli 2010 / 2002 estimators (as SALib), "
                                "bootstrap confidence intervals",
                      "N": int(n_base or 0), "second_order": int(second_order),
                      "num_resamples": num_resamples, "conf_level": conf_level, "seed": seed})
    out.attrs.update(attrs or {})
    return out


def _first_total_rows(y: NDArray, d: int, second_order: bool) -> NDArray:
    """Keep A, AB_1..AB_d, B of each block (drop BA rows) -> SALib's d + 2 layout."""
    if not second_order:
        return y
    blocks = y.reshape(-1, 2 * d + 2, *y.shape[1:])
    keep = np.r_[0:d + 1, 2 * d + 1]
    return blocks[:, keep].reshape(-1, *y.shape[1:])


def _label(name: str, long_names: Mapping[str, str]) -> str:
    base = name.removesuffix("_is_defined").removeprefix("log10_")
    text = long_names.get(base, base)
    if name.startswith("log10_"):
        text = f"log10 of {text}"
    if name.endswith("_is_defined"):
        return f"whether {text} is defined (1) or not (0)"
    return text


def long_names(horizons: Sequence[float] = scenario.Options().horizons) -> dict[str, str]:
    """long_name of every scenario outcome (for labels)."""
    names = {k: v[1] for k, v in scenario.OUTCOMES.items()}
    names.update({k: v[1] for k, v in scenario.PARAMETERS.items()})
    names.update({scenario.horizon_name(h): f"loss gap at year {h:g}" for h in horizons})
    return names


def morris_quantiles(unit: NDArray[np.float64], num_levels: int) -> NDArray[np.float64]:
    """Move Morris grid levels 0, 1/(L-1), ..., 1 to the centres of L equal quantile cells.

    Levels 0 and 1 would map to the ends of a prior's support (infinite for a lognormal); the
    cell centres (2i + 1) / 2L keep every point inside while preserving the grid's order.
    """
    return (np.rint(unit * (num_levels - 1)) + 0.5) / num_levels


def morris_dataset(problem_names: Sequence[str], unit: NDArray[np.float64],
                   outputs: Mapping[str, NDArray[np.float64]], *, num_levels: int,
                   num_resamples: int, conf_level: float, seed: int,
                   units: Mapping[str, str] = {}, attrs: Mapping[str, Any] | None = None
                   ) -> xr.Dataset:
    """Morris elementary effects (SALib) per output, on the unit-quantile scale of each prior.

    Effects are measured per unit of the Morris grid in each prior's quantile (the design lives in
    the unit hypercube; SALib's step is L / (2 (L - 1))), the usual practice when priors are not
    uniform. Outputs with NaN are analysed
    on their finite trajectories only, with the share kept in ``defined_share``.
    """
    from SALib.analyze import morris

    d = len(problem_names)
    problem = {"num_vars": d, "names": list(problem_names), "bounds": [[0.0, 1.0]] * d}
    keys = ("mu", "mu_star", "sigma", "mu_star_conf")
    res = {k: [] for k in keys}
    shares = []
    for y in outputs.values():
        traj_ok = np.isfinite(y).reshape(-1, d + 1).all(axis=1)
        shares.append(float(np.isfinite(y).mean()))
        keep = np.repeat(traj_ok, d + 1)
        r = morris.analyze(problem, unit[keep], y[keep], num_resamples=num_resamples,
                           conf_level=conf_level, num_levels=num_levels, seed=seed)
        for k in keys:
            res[k].append(np.asarray(r[k], dtype=float))
    dims = ("output", "parameter")
    text = {"mu": "mean elementary effect", "mu_star": "mean absolute elementary effect",
            "sigma": "standard deviation of elementary effects",
            "mu_star_conf": f"mu_star {conf_level:.0%} bootstrap half-width"}
    data = {k: (dims, np.stack(v), {"long_name": text[k], "units": "output per unit quantile"})
            for k, v in res.items()}
    data["defined_share"] = ("output", np.array(shares), {"long_name": "share defined"})
    out = xr.Dataset(data, coords={"output": list(outputs), "parameter": list(problem_names)})
    out.attrs.update({"method": "Morris elementary effects (SALib)", "trajectories":
                      int(unit.shape[0] // (d + 1)), "num_levels": num_levels, "seed": seed})
    out.attrs.update(attrs or {})
    return out


def max_width(ds: xr.Dataset) -> float:
    """Widest confidence interval (2 x half-width) among the scalar S1 and ST."""
    widths = 2 * np.concatenate([ds["S1_conf"].values.ravel(), ds["ST_conf"].values.ravel()])
    return float(np.nanmax(widths))
