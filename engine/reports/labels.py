"""One table of human labels and units for every factor, outcome and series a reader sees.

Tables, figures, discovery boxes and the sweep comparison take their words from here, never from
identifiers. Parameters, outcomes and series start from the registry's CF ``long_name`` and
``units`` (:mod:`engine.model.registry`); a few read better shortened, and the factors that are
not single parameters (the scaling law, grouped factors) are named here.

Units as a reader reads them: ``years`` for durations, calendar years for times (t = 0 is the
start of ``time.start_year``), ``nats`` for losses, ``MMLU points`` for percentage points of the
authors' MMLU sigmoid, ``USD`` for budgets, ``x per year`` for growth factors.

:func:`nats_in_words` translates a loss gap into compute, years of frontier growth and MMLU
points at one parameter point (docs/MODEL.md section 9).

Example
-------
>>> label("meek_budget_usd"), unit("meek_budget_usd")
("meek actor's training budget", 'USD')
>>> label("years_behind_at_10y"), unit("years_behind_at_10y")
('years the meek actor trails the frontier at year 10', 'years')
>>> label("gap_at_5y", 2025.0)
'loss gap in 2030'
>>> calendar(2025.0, 3.34)
'2028.3'
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.model import registry


@dataclass(frozen=True)
class Label:
    """What a reader sees for one identifier."""

    name: str
    label: str
    unit: str        # "" for a pure number
    meaning: str = ""
    kind: str = ""   # "time" (a position on the time axis), "duration", "loss", ...


#: Growth factors and budgets: registry long_names say "... factor per year (USD)"; shorter here.
_FACTOR_WORDS: dict[str, tuple[str, str]] = {
    "alpha": ("scaling exponent alpha", ""),
    "A": ("scaling coefficient A", ""),
    "L0": ("irreducible loss L0", "nats"),
    "g_alg": ("algorithmic progress", "x per year"),
    "g_hw": ("hardware FLOP per dollar growth", "x per year"),
    "g_inv": ("frontier investment growth", "x per year"),
    "g_inf": ("inference price-performance growth", "x per year"),
    "meek_budget_usd": ("meek actor's training budget", "USD"),
    "sota_budget_usd": ("frontier's training budget in the start year", "USD"),
    "flop_per_usd": ("FLOP per dollar in the start year", "FLOP/USD"),
    "price_per_token_usd": ("inference user's price per token", "USD"),
    "switch_year": ("years until investment growth switches", "years"),
    "g_inv_after": ("frontier investment growth after the switch", "x per year"),
    "export_control_strength": ("export control strength e", ""),
    "inference_compute_multiplier": ("inference compute multiplier m", ""),
    "diffusion_lag_years": ("diffusion lag of algorithms", "years"),
    "meek_growth": ("meek actor's budget growth", "x per year"),
    "scaling_law": ("scaling-law fit (Hoffmann 2022 or Besiroglu 2024)", ""),
    # drivers (registry.DRIVERS): inputs that set parameters per scenario
    "sota_compute_flop": ("frontier's training compute in the start year", "FLOP"),
    "max_training_spend_usd": ("largest training run the world pays for", "USD"),
    "meek_compute_flop": ("named run's training compute", "FLOP"),
    "meek_run_age_years": ("years from the named run to the start", "years"),
}

#: Published fits by their exponent (docs/MODEL.md section 3).
FITS: dict[str, float] = {"Hoffmann 2022": 0.1535, "Besiroglu 2024": 0.1783}

_UNITS = {"a": "years", "percent": "MMLU points", "1": ""}


def _from_registry(name: str) -> Label | None:
    for p in registry.PARAMETERS:
        if p.name == name:
            words, unit = _FACTOR_WORDS.get(name, (p.long_name, ""))
            return Label(name, words, unit, p.doc, "factor")
    try:
        out, _ = registry.resolve(name)
    except KeyError:
        return None
    unit = out.attrs.get("display_units") or _UNITS.get(out.units, out.units)
    words = out.long_name.replace(" (USD)", "")
    kind = "time" if out.units == registry.YEARS and words.startswith("time") else (
        "duration" if out.units == registry.YEARS else "")
    if name in ("peak_benchmark_gap", "benchmark_gap", "inference_benchmark_gap"):
        unit = "MMLU points"
    elif out.units == "percent":  # the capability layer's benchmarks (MMLU-Pro, GPQA Diamond)
        from engine.model.benchmarks import BENCHMARKS

        bench = next((b for b in BENCHMARKS.values() if b.name in name), None)
        unit = f"{bench.long_name} points" if bench is not None else "points"
    if name in ("tokens_to_distinguish", "tokens_at_peak"):
        unit = "tokens"
    return Label(name, words, unit, str(out.attrs.get("comment", "")), kind)


def lookup(name: str, start_year: float | None = None) -> Label:
    """The :class:`Label` of a factor, outcome or series (an unknown name stands for itself;
    a group ``a+b`` is named by its members); with ``start_year``, an outcome at a horizon is
    named by its calendar year ("loss gap in 2030" for ``gap_at_5y``)."""
    name = str(name)
    if start_year is not None and np.isfinite(start_year):
        try:
            _, h = registry.resolve(name)
        except KeyError:
            h = None
        if h is not None:
            found = lookup(name)
            words = re.sub(r"at year [0-9.]+$", f"in {start_year + h:g}", found.label)
            return Label(name, words, found.unit, found.meaning, found.kind)
    if name in _FACTOR_WORDS and name not in registry.NAMES:
        words, unit = _FACTOR_WORDS[name]
        return Label(name, words, unit, "", "factor")
    found = _from_registry(name)
    if found is not None:
        return found
    if "+" in name:
        return Label(name, " + ".join(lookup(n).label for n in name.split("+")), "", "", "factor")
    return Label(name, name.replace("_", " "), "")


#: Short names for axes with little room (small multiples).
SHORT: dict[str, str] = {
    "loss_gap": "loss gap", "benchmark_gap": "MMLU gap", "years_behind": "years behind",
    "inference_gap": "inference gap", "tokens_to_distinguish": "tokens to tell apart",
    "inference_benchmark_gap": "MMLU gap, fixed price", "loss_meek": "meek loss",
    "loss_sota": "frontier loss", "frontier_spend_usd": "frontier spending",
}


def short(name: str) -> str:
    """'short label [unit]' for a crowded axis (the full label where none is declared)."""
    lab = lookup(name)
    words = SHORT.get(name, lab.label)
    return f"{words} [{lab.unit}]" if lab.unit else words


def label(name: str, start_year: float | None = None) -> str:
    """The human label of an identifier."""
    return lookup(name, start_year).label


def unit(name: str) -> str:
    """Its unit as a reader reads it ("" for a pure number)."""
    return lookup(name).unit


def with_unit(name: str) -> str:
    """'label [unit]' (just the label for a pure number)."""
    lab = lookup(name)
    return f"{lab.label} [{lab.unit}]" if lab.unit else lab.label


def calendar(start_year: float | None, t: float, digits: int = 1) -> str:
    """A time t (years from the start) as a calendar year, e.g. 2028.3; years from the start
    when the run has no calendar (``actor=paper``)."""
    if not np.isfinite(t):
        return "never" if t == math.inf else "n/a"
    if start_year is None:
        return f"year {t:.{digits}f}"
    return f"{start_year + t:.{digits}f}"


def fit_of(alpha_lower: float, alpha_upper: float) -> str:
    """Which published fits a restriction of alpha keeps, by name ("Hoffmann 2022",
    "Besiroglu 2024" or both); the fits' own exponents decide.

    >>> fit_of(0.0, 0.169)
    'Hoffmann 2022'
    >>> fit_of(0.169, 1.0)
    'Besiroglu 2024'
    """
    kept = [name for name, a in FITS.items() if alpha_lower <= a <= alpha_upper]
    return " or ".join(kept) if kept else "neither published fit"


@dataclass(frozen=True)
class NatsInWords:
    """What a loss gap means at one point of the model (docs/MODEL.md section 9)."""

    gap: float             # nats
    compute_ratio: float   # C_s / C_m for that gap
    years: float           # ln(compute_ratio) / ln(g_alg g_hw g_inv)
    mmlu_points: float     # 100 (score(C_s) - score(C_m))
    frontier_flop: float   # C_s at the point

    def sentence(self, where: str) -> str:
        return (f"A loss gap of {self.gap:g} nats means, {where}, a frontier with "
                f"{self.compute_ratio:.3g} times the meek actor's compute: "
                f"{self.years:.2g} years of the frontier's compute growth, and "
                f"{self.mmlu_points:.2g} MMLU points (docs/MODEL.md section 9).")


def nats_in_words(gap: float, p: Any, t: float = 0.0) -> NatsInWords:
    """Translate a loss gap at the frontier's compute at time t of the point ``p``
    (:class:`~engine.model.params.Params` of floats): the meek compute C_m with
    L(C_m) - L(C_s) = gap is ((L(C_s) - L0 + gap) / A)^(-1/alpha).

    Example
    -------
    >>> from engine.model.params import PAPER
    >>> w = nats_in_words(0.05, PAPER.replace(sota_budget_usd=1e9))
    >>> round(w.compute_ratio, 2), round(w.years, 2)
    (12.29, 0.95)
    """
    from engine.model import capability
    from engine.model.paths import Paths

    s = float(Paths(p).frontier(np.asarray(float(t))))
    A, alpha = float(p.A), float(p.alpha)
    excess = A * math.exp(-alpha * s)              # L(C_s) - L0
    log_cm = -math.log((excess + gap) / A) / alpha
    ratio = math.exp(s - log_cm)
    years = (s - log_cm) / math.log(float(p.g_alg) * float(p.g_hw) * float(p.g_inv))
    ref = capability.SIGMOID_FIT

    def score(log_c: float) -> float:
        return float(capability.benchmark_score(ref[0] * math.exp(-ref[1] * log_c) + ref[2]))

    return NatsInWords(gap, ratio, years, 100.0 * (score(s) - score(log_cm)), math.exp(s))
