"""Sobol' indices as labelled Datasets: scalar outcomes (with convergence) and series over time.

Outcomes that are undefined (NaN) in some scenarios are neither dropped silently nor allowed to
break the estimators: such an outcome ``X`` is analysed twice, as the indicator
``X_is_defined`` (1 where defined) over every scenario, and as ``X`` itself over the Saltelli
blocks in which it is defined everywhere, with that share kept in ``defined_share``. Token counts
span decades and are analysed as ``log10_tokens...``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import xarray as xr

from engine.designs import Saltelli, make_design
from engine.designs.saltelli import block_rows
from engine.sensitivity import SobolResult, bootstrap_counts, sobol_indices
from engine.sensitivity.sobol import first_total_layout

log = logging.getLogger("meek")
R = TypeVar("R")
LEVELS = (8, 4, 2, 1)  # convergence at N/8, N/4, N/2, N
MIN_BLOCKS = 8


def outputs_of(ds: xr.Dataset, names: Sequence[str]) -> dict[str, np.ndarray]:
    """The outcomes to analyse; ``log10_<name>`` is the decimal log of outcome ``name``."""
    out = {}
    for name in names:
        base = name.removeprefix("log10_")
        values = ds[base].values.astype(float)
        if name.startswith("log10_") or base.startswith("tokens"):
            with np.errstate(divide="ignore", invalid="ignore"):
                values = np.log10(values)
            name = f"log10_{base}"
        out[name] = values
    return out


def _blocks_ok(y: np.ndarray, step: int) -> np.ndarray:
    return np.isfinite(y).reshape(-1, step).all(axis=1)


def _take(y: np.ndarray, keep: np.ndarray, step: int) -> np.ndarray:
    return y.reshape(-1, step, *y.shape[1:])[keep].reshape(-1, *y.shape[1:])


def _analyses(y: np.ndarray, factors: int, second_order: bool, counts: np.ndarray,
              kw: Mapping[str, Any]) -> list[tuple[str, SobolResult | None, float, int]]:
    """[(suffix, result, defined share, base rows used)] for one output."""
    step = block_rows(factors, second_order)
    ok = _blocks_ok(y, step)
    defined = np.isfinite(y)
    if defined.all():
        return [("", sobol_indices(y, factors, second_order=second_order, counts=counts, **kw),
                 1.0, ok.size)]
    share = float(defined.mean())
    # whether the output is defined is itself an output, unless it is (almost) always defined
    out = [("_is_defined", sobol_indices(defined.astype(float), factors,
                                         second_order=second_order, counts=counts, **kw),
            1.0, ok.size)] if share < 0.99 else []
    used = int(ok.sum())
    sub = None
    if used >= MIN_BLOCKS:
        sub = sobol_indices(_take(y, ok, step), factors, second_order=second_order,
                            counts=bootstrap_counts(used, kw["num_resamples"], kw["seed"]),
                            **kw)
    out.insert(0, ("", sub, share, used))
    return out


def _convergence(y: np.ndarray, factors: int, second_order: bool, kw: Mapping[str, Any]
                 ) -> list[SobolResult | None]:
    """First/total indices on nested prefixes N/8 .. N of the design (Sobol' prefixes stay
    balanced), over the blocks defined everywhere."""
    step = block_rows(factors, second_order)
    n_total = y.size // step
    out = []
    for div in LEVELS:
        prefix = y[: (n_total // div) * step]
        ok = _blocks_ok(prefix, step)
        if ok.sum() < MIN_BLOCKS:
            out.append(None)
            continue
        sub = first_total_layout(_take(prefix, ok, step), factors, second_order)
        out.append(sobol_indices(sub, factors, second_order=False, **kw))
    return out


def sobol_dataset(outputs: Mapping[str, np.ndarray], factors: Sequence[str], *,
                  second_order: bool, num_resamples: int, conf_level: float, seed: int,
                  series: Mapping[str, tuple[SobolResult, np.ndarray]] | None = None,
                  t: np.ndarray | None = None, labels: Mapping[str, str] = {},
                  attrs: Mapping[str, Any] | None = None) -> xr.Dataset:
    """S1, ST (and S2) with bootstrap half-widths per output and factor, their convergence, and
    S1(t), ST(t) of series (from :class:`engine.reducers.SobolSeries`).

    Returns
    -------
    xarray.Dataset
        S1, S1_conf, ST, ST_conf (output, factor); S2, S2_conf (output, factor, factor_j);
        defined_share, n_base_used (output); *_conv (n_base, output, factor); S1_t, S1_t_conf,
        ST_t, ST_t_conf (series, t, factor) and collapsed (series, t).
    """
    g = len(factors)
    kw = dict(num_resamples=num_resamples, conf_level=conf_level, seed=seed)
    step = block_rows(g, second_order)
    n_base = next(iter(outputs.values())).size // step if outputs else 0
    counts = bootstrap_counts(n_base, num_resamples, seed) if outputs else None
    names, results, shares, used, conv = [], [], [], [], []
    from engine.progress import Progress
    progress = Progress("analyse", len(outputs), unit="outputs")
    for name, y in outputs.items():
        for suffix, res, share, n_used in _analyses(y, g, second_order, counts, kw):
            names.append(name + suffix)
            results.append(res)
            shares.append(share)
            used.append(n_used)
            conv.append(_convergence(np.isfinite(y).astype(float) if suffix else y, g,
                                     second_order, kw))
        progress.advance(1)

    def stack(attr: str, shape: tuple[int, ...]) -> np.ndarray:
        return np.stack([getattr(r, attr)[0] if r is not None else np.full(shape, np.nan)
                         for r in results]) if results else np.zeros((0, *shape))

    dims = ("output", "factor")
    text = {"S1": "first-order Sobol' index", "ST": "total-order Sobol' index",
            "S2": "second-order Sobol' index"}
    data: dict[str, Any] = {}
    for key in ("S1", "ST"):
        data[key] = (dims, stack(key, (g,)), {"long_name": text[key], "units": "1"})
        data[f"{key}_conf"] = (dims, stack(f"{key}_conf", (g,)), {
            "long_name": f"{text[key]}: {conf_level:.0%} bootstrap half-width", "units": "1"})
    if second_order:
        for key in ("S2", "S2_conf"):
            data[key] = (("output", "factor", "factor_j"), stack(key, (g, g)), {
                "long_name": text["S2"] + (": bootstrap half-width" if "conf" in key else ""),
                "units": "1"})
    data["defined_share"] = ("output", np.array(shares), {
        "long_name": "share of scenarios where the output is defined", "units": "1"})
    data["n_base_used"] = ("output", np.array(used, dtype=np.int32), {
        "long_name": "Saltelli base rows used (blocks defined everywhere)", "units": "1"})
    data["output_label"] = ("output", np.array([_label(n, labels) for n in names], dtype=str),
                            {"long_name": "what each output is"})
    for key in ("S1", "S1_conf", "ST", "ST_conf"):
        arr = np.full((len(LEVELS), len(names), g), np.nan)
        for i, levels in enumerate(conv):
            for li, res in enumerate(levels):
                if res is not None:
                    arr[li, i] = getattr(res, key)[0]
        data[f"{key}_conv"] = (("n_base", "output", "factor"), arr, {
            "long_name": f"{key} on the first n_base base rows", "units": "1"})
    coords: dict[str, Any] = {
        "output": ("output", names, {"long_name": "analysed outcome"}),
        "factor": ("factor", list(factors), {"long_name": "uncertain factor"}),
        "n_base": ("n_base", np.array([n_base // d for d in LEVELS], dtype=np.int32),
                   {"long_name": "base rows of the nested design", "units": "1"})}
    if second_order:
        coords["factor_j"] = ("factor_j", list(factors), {"long_name": "second factor"})
    if series:
        if t is None:
            raise ValueError("t is required with series")
        keys = list(series)
        arrays = {k: np.stack([getattr(series[s][0], k) for s in keys])
                  for k in ("S1", "S1_conf", "ST", "ST_conf")}
        tdims = ("series", "t", "factor")
        for key, long in (("S1", "first-order index over time"),
                          ("ST", "total-order index over time")):
            data[f"{key}_t"] = (tdims, arrays[key], {"long_name": long, "units": "1"})
            data[f"{key}_t_conf"] = (tdims, arrays[f"{key}_conf"], {
                "long_name": f"{key}_t bootstrap half-width", "units": "1"})
        data["collapsed"] = (("series", "t"), np.stack([series[s][1] for s in keys]).astype(
            np.int8), {"long_name": "1 where the series' variance has collapsed and its indices "
                                    "are masked (NaN)", "units": "1"})
        coords["series"] = ("series", keys, {"long_name": "analysed series"})
        coords["t"] = ("t", np.asarray(t, dtype=float), {"units": "a",
                                                         "long_name": "years from the start"})
    out = xr.Dataset(data, coords=coords)
    out.attrs.update({"method": "Saltelli design; Saltelli 2010 first order, Jansen total order, "
                                "Saltelli 2002 second order, as SALib; bootstrap half-widths",
                      "N": int(n_base), "second_order": int(second_order),
                      "num_resamples": num_resamples, "conf_level": conf_level, "seed": seed})
    out.attrs.update(attrs or {})
    return out


def _label(name: str, labels: Mapping[str, str]) -> str:
    base = name.removesuffix("_is_defined").removeprefix("log10_")
    text = labels.get(base, base)
    if name.startswith("log10_"):
        text = f"log10 of {text}"
    if name.endswith("_is_defined"):
        return f"whether {text} is defined (1) or not (0)"
    return text


def max_width(ds: xr.Dataset) -> float:
    """Widest confidence interval (2 x half-width) among the scalar S1 and ST."""
    widths = 2 * np.concatenate([ds["S1_conf"].values.ravel(), ds["ST_conf"].values.ravel()])
    return float(np.nanmax(widths)) if np.isfinite(widths).any() else float("inf")


def until_narrow(analyse: Callable[[Saltelli], tuple[R, xr.Dataset]], design: Saltelli, *,
                 target_width: float | None, max_n: int,
                 discard: Callable[[R], None]) -> tuple[R, xr.Dataset, Saltelli]:
    """Indices whose intervals are all narrower than ``target_width``: analyse the design and,
    while the widest S1/ST interval (:func:`max_width`) is not and doubling N stays within
    ``max_n``, discard that evaluation and analyse the design with 2N base rows (same seed,
    groups and order; the first N rows are the same rows).

    Parameters
    ----------
    analyse : callable
        ``analyse(design) -> (evaluation, indices)``.
    design : Saltelli
        The first design.
    target_width : float or None
        None: one analysis.
    max_n : int
        The largest N allowed.
    discard : callable
        Removes an evaluation that is not kept.

    Returns
    -------
    (evaluation, indices, design) of the last analysis.
    """
    while True:
        result, idx = analyse(design)
        width = max_width(idx)
        if target_width is None or width < target_width or 2 * design.n > max_n:
            return result, idx, design
        log.info("widest interval %.3g >= sobol.target_width=%.3g at N=%d: doubling N", width,
                 target_width, design.n)
        discard(result)
        design = make_design("saltelli", 2 * design.n, design.d, design.seed,  # type: ignore
                             groups=design.groups, second_order=design.second_order)


def study(evaluate: Callable[[Saltelli, dict[str, Any]], Any], design: Saltelli,
          factors: Sequence[str], outputs: Sequence[str], series: Sequence[str], t: np.ndarray,
          *, num_resamples: int, conf_level: float, seed: int, target_width: float | None,
          max_n: int, attrs: Mapping[str, Any]) -> tuple[Any, xr.Dataset, xr.Dataset, Saltelli]:
    """Sobol' indices of the scalar ``outputs`` (from the saved scenarios) and of ``series`` over
    time (from sums streamed by :class:`engine.reducers.SobolSeries`), N doubled until every
    interval is narrower than ``target_width`` (:func:`until_narrow`).

    Parameters
    ----------
    evaluate : callable
        ``evaluate(design, reducers) -> Evaluation`` (the engine's, on the run's cluster).
    design : Saltelli
        The first design; ``factors`` name its (groups of) columns.
    outputs, series : sequences of str
        Outcomes analysed from the scenarios (``log10_`` names allowed, :func:`outputs_of`);
        series analysed at every time point of ``t``.

    Returns
    -------
    (evaluation, its scenarios (open), indices, the design analysed)
    """
    from engine.reducers import SobolSeries

    boot = dict(num_resamples=num_resamples, conf_level=conf_level, seed=seed)

    def analyse(design: Saltelli) -> tuple[tuple[Any, xr.Dataset], xr.Dataset]:
        reducers = {"sobol": SobolSeries(series, len(factors), design.second_order, design.n,
                                         **boot)} if series else {}
        ev = evaluate(design, reducers)
        scenarios = ev.open()
        log.info("phase: %s", "analyse")
        labels = {k: str(v.attrs.get("long_name", k)) for k, v in scenarios.data_vars.items()}
        return (ev, scenarios), sobol_dataset(
            outputs_of(scenarios, outputs), factors, second_order=design.second_order,
            series=ev.reduced.get("sobol"), t=t, labels=labels, attrs=attrs, **boot)

    (ev, scenarios), idx, design = until_narrow(
        analyse, design, target_width=target_width, max_n=max_n,
        discard=lambda r: (r[1].close(), r[0].discard()))
    return ev, scenarios, idx, design
