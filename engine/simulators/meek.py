"""The paper's compute-scaling model as a simulator (compiled kernel; numpy as the reference)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from engine.model import params as mp
from engine.model.outcomes import OUTCOMES, Options, horizon_name
from engine.priors import PriorSet
from engine.simulators.base import Array, Simulator, Var

YEARS = "a"  # UDUNITS: annum

PARAMETERS: dict[str, Var] = {
    "alpha": Var("1", "scaling exponent alpha", {"comment": "of L(C) = A C^-alpha + L0"}),
    "A": Var("1", "scaling coefficient A", {"comment": "of L(C) = A C^-alpha + L0", "display_units": "nats"}),
    "L0": Var("1", "irreducible loss L0", {"display_units": "nats"}),
    "g_alg": Var("1", "algorithmic efficiency growth factor per year"),
    "g_hw": Var("1", "hardware FLOP per USD growth factor per year"),
    "g_inv": Var("1", "frontier investment growth factor per year"),
    "g_inf": Var("1", "inference price-performance growth factor per year"),
    "meek_budget_usd": Var("1", "meek actor's training budget (USD)"),
    "sota_budget_usd": Var("1", "frontier training budget at the start (USD)"),
    "flop_per_usd": Var("1", "hardware FLOP per USD at the start"),
    "price_per_token_usd": Var("1", "inference user's fixed price (USD per token)"),
    "switch_year": Var(YEARS, "years after the start when investment growth switches"),
    "g_inv_after": Var("1", "frontier investment growth factor per year after the switch"),
    "export_control_strength": Var("1", "export control strength e", {
        "comment": "the meek actor's hardware progress is g_hw**(1 - e) per year"}),
    "inference_compute_multiplier": Var("1", "inference compute multiplier m", {
        "comment": "training compute of the best model a price buys is m c^2 (c: FLOP per "
                   "token); the paper's m = 1"}),
    "diffusion_lag_years": Var(YEARS, "diffusion lag of algorithmic progress", {
        "comment": "years by which new algorithms reach the meek actor late"}),
}

_OUTCOMES: dict[str, Var] = {
    "t_peak": Var(YEARS, "time of the loss-gap peak", {
        "comment": "years from the start; negative: the peak is already past"}),
    "peak_gap": Var("1", "largest loss gap from the start on", {"display_units": "nats"}),
    "t_inflection": Var(YEARS, "time of the loss gap's inflection after its peak"),
    "t_below_threshold": Var(YEARS, "time the loss gap stays below the threshold", {
        "comment": "the last downward crossing of outcomes.threshold_nats; NaN: the gap never "
                   "exceeds it, or the crossing lies beyond the time grid"}),
    "regulatory_window": Var(YEARS, "years the frontier's loss lead stays above the threshold", {
        "comment": "from the start; 0 if it never is; NaN: beyond the time grid"}),
    "t_inference_catchup": Var(YEARS, "time a fixed-price user catches up with the frontier"),
    "peak_benchmark_gap": Var("percent", "peak MMLU gap within the time grid", {
        "comment": "percentage points, the authors' loss-to-MMLU sigmoid"}),
    "t_peak_benchmark": Var(YEARS, "time of the peak MMLU gap"),
    "tokens_at_peak": Var("1", "tokens to tell the models apart at the peak", {
        "comment": "expected tokens of Wald's SPRT"}),
    "t_meek_matches_frontier": Var(YEARS, "time the meek actor reaches the frontier's starting "
                                          "compute"),
    "t_threshold_capability": Var(YEARS, "time a sub-threshold model reaches the frontier's "
                                         "starting compute", {
        "comment": "a model trained with governance.threshold_flop of physical compute; "
                   "negative: already"}),
    "t_meek_crosses_threshold": Var(YEARS, "time the meek actor's compute crosses the "
                                           "threshold", {
        "comment": "physical compute against governance.threshold_flop; negative: already "
                   "above it; NaN: not within the time grid"}),
}

SERIES: dict[str, Var] = {
    "loss_meek": Var("1", "meek model loss", {"display_units": "nats"}),
    "loss_sota": Var("1", "frontier model loss", {"display_units": "nats"}),
    "loss_gap": Var("1", "loss gap, meek minus frontier", {"display_units": "nats"}),
    "inference_gap": Var("1", "inference gap at a fixed token price",
                         {"display_units": "nats"}),
    "benchmark_gap": Var("percent", "MMLU gap, frontier minus meek", {
        "comment": "percentage points, the authors' loss-to-MMLU sigmoid"}),
    "inference_benchmark_gap": Var("percent", "MMLU gap of a fixed-price user", {
        "comment": "percentage points behind the frontier"}),
    "tokens_to_distinguish": Var("1", "tokens to tell the models apart",
                                 {"comment": "expected tokens of Wald's SPRT"}),
    "years_behind": Var(YEARS, "years the meek actor trails the frontier", {
        "comment": "tau with C_frontier(t - tau) = C_meek(t)"}),
}

DOMAIN = Var("1", "why a scenario is undefined (0 = valid)", {
    "flag_values": np.arange(len(mp.DOMAIN_REASONS), dtype=np.int8),
    "flag_meanings": " ".join(f"code_{c}" for c in mp.DOMAIN_REASONS),
    "comment": "; ".join(f"{c}: {t}" for c, t in mp.DOMAIN_REASONS.items())}, np.int8)


class Meek(Simulator):
    """The compute-scaling model (:mod:`engine.model`).

    Parameters
    ----------
    options : engine.model.outcomes.Options
    backend : {"numba", "numpy"}
        The compiled kernel (default) or the numpy reference it is tested against.
    """

    name = "meek"

    def __init__(self, options: Options = Options(), backend: str = "numba") -> None:
        if backend not in ("numba", "numpy"):
            raise ValueError(f"backend={backend!r}: allowed: numba, numpy")
        self.options = options
        self.backend = backend

    @property
    def parameters(self) -> dict[str, Var]:
        return PARAMETERS

    @property
    def defaults(self) -> dict[str, float]:
        return mp.PAPER.as_dict()  # type: ignore[return-value]

    def outcomes(self) -> dict[str, Var]:
        out = dict(_OUTCOMES)
        for h in self.options.horizons:
            out[horizon_name("gap", h)] = Var("1", f"loss gap at year {h:g}",
                                              {"display_units": "nats"})
        for h in self.options.horizons:
            out[horizon_name("years_behind", h)] = Var(
                YEARS, f"years the meek actor trails the frontier at year {h:g}")
        out["domain_reason"] = DOMAIN
        return out

    def series(self) -> dict[str, Var]:
        return SERIES

    def invalid_reason(self, code: int) -> str:
        return mp.DOMAIN_REASONS.get(code, str(code))

    def can_bin(self) -> bool:
        return self.backend == "numba"

    def evaluate(self, params: Mapping[str, Array], t: Array, series: Sequence[str] = (),
                 outcomes: bool = True, bins: Any = None) -> dict[str, Any]:
        p = mp.Params(**{k: params[k] for k in mp.NAMES})
        if self.backend == "numba":
            from engine.model import kernel
            return kernel.evaluate(p, t, self.options, series=series, outcomes=outcomes,
                                   bins=bins)
        if bins is not None:
            raise ValueError("bins: the numpy reference backend does not count series")
        from engine.model import outcomes as reference
        return reference.evaluate(p, t, self.options, series=series, outcomes=outcomes)

    def key(self) -> tuple[object, ...]:
        return (self.name, self.options)

    def check_priors(self, priors: PriorSet) -> None:
        """Refuse priors whose support leaves the model's domain, naming the prior."""
        check_priors(priors, self.defaults)


def _bounds(priors: PriorSet, defaults: Mapping[str, float], name: str) -> tuple[float, float]:
    if name in priors.by_output:
        return priors.support(name)
    v = defaults[name]
    return v, v


def check_priors(priors: PriorSet, defaults: Mapping[str, float]) -> None:
    for name in priors.outputs:
        if name not in PARAMETERS and name != "scaling_fit":
            raise ValueError(f"priors.{name}: not a parameter of the model; allowed: "
                             f"{', '.join(PARAMETERS)} (A, alpha and L0 come as "
                             "priors.scaling_law)")

    def lo(n: str) -> float:
        return _bounds(priors, defaults, n)[0]

    def hi(n: str) -> float:
        return _bounds(priors, defaults, n)[1]

    def where(n: str) -> str:
        p = priors.by_output.get(n)
        return f"priors.{p.name}={p.describe()}" if p is not None else f"{n}={defaults[n]!r}"

    for n in ("alpha", "A", "g_alg", "g_hw", "g_inv", "g_inf", "meek_budget_usd",
              "sota_budget_usd", "flop_per_usd", "price_per_token_usd", "g_inv_after",
              "inference_compute_multiplier"):
        if not lo(n) > 0:
            raise ValueError(f"{where(n)}: its support [{lo(n):g}, {hi(n):g}] leaves the "
                             "model's domain; allowed: values > 0 (truncate with low: ...)")
        if lo(n) == hi(n) and not math.isfinite(lo(n)):
            raise ValueError(f"{where(n)}: allowed: a finite number > 0")
    if not (math.isfinite(lo("L0")) and math.isfinite(hi("L0"))):
        raise ValueError(f"{where('L0')}: allowed: a finite number")
    if not lo("g_alg") * lo("g_hw") > 1:
        raise ValueError(f"{where('g_alg')} with {where('g_hw')}: g_alg*g_hw can reach "
                         f"{lo('g_alg') * lo('g_hw'):g}; allowed: > 1 (meek compute must grow)")
    if not lo("g_inv") > 1:
        raise ValueError(f"{where('g_inv')}: can reach {lo('g_inv'):g}; allowed: > 1 (the "
                         "frontier must outgrow the meek model)")
    if not (lo("g_inv_after") >= 1 and hi("g_inv_after") <= lo("g_inv")):
        raise ValueError(f"{where('g_inv_after')}: allowed within [1, lowest g_inv = "
                         f"{lo('g_inv'):g}]")
    if math.isnan(lo("switch_year")) or lo("switch_year") < 0:
        raise ValueError(f"{where('switch_year')}: allowed: a number >= 0 or .inf")
    if not (lo("export_control_strength") >= 0 and hi("export_control_strength") <= 1):
        raise ValueError(f"{where('export_control_strength')}: allowed within [0, 1]")
    if not (lo("diffusion_lag_years") >= 0 and math.isfinite(hi("diffusion_lag_years"))):
        raise ValueError(f"{where('diffusion_lag_years')}: allowed: a finite number >= 0")
    slowest = math.log(lo("g_alg")) + (1 - hi("export_control_strength")) * math.log(lo("g_hw"))
    if not slowest > 0:
        raise ValueError(f"{where('export_control_strength')} with {where('g_alg')}: the meek "
                         "actor's progress g_alg*g_hw**(1-e) can reach "
                         f"{math.exp(slowest):g}; allowed: > 1")
    if hi("meek_budget_usd") > lo("sota_budget_usd"):
        raise ValueError(f"{where('meek_budget_usd')} with {where('sota_budget_usd')}: the meek "
                         f"budget can reach {hi('meek_budget_usd'):g} USD, above the frontier's "
                         f"lowest {lo('sota_budget_usd'):g}; the frontier never starts behind "
                         "the meek actor (choose another actor or frontier prior)")
