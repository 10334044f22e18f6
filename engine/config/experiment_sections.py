"""The experiments' sections of the configuration (sobol, fan, morris, paper, calibrate,
discover): one dataclass each, with the checks a type cannot say."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Optional

from omegaconf import MISSING

from engine.config.checks import at_least, fail, positive, within


@dataclass
class SobolConfig:
    outputs: list[str] = MISSING
    series: list[str] = MISSING
    num_resamples: int = MISSING
    conf_level: float = MISSING
    target_width: Optional[float] = None
    max_n: int = MISSING
    calibration: Optional[str] = None
    group_threshold: float = 0.3

    def check(self) -> None:
        if not self.outputs:
            fail("sobol.outputs", list(self.outputs), "must name at least one outcome")
        at_least("sobol.num_resamples", self.num_resamples, 2)
        within("sobol.conf_level", self.conf_level, 0, 1, open_ends=True)
        if self.target_width is not None:
            within("sobol.target_width", self.target_width, 0, 2, open_ends=True)
        at_least("sobol.max_n", self.max_n, 2)
        within("sobol.group_threshold", self.group_threshold, 0, 1, open_ends=True)


@dataclass
class FanConfig:
    log_scale: list[str] = field(default_factory=list)
    calibration: Optional[str] = None


@dataclass
class MorrisConfig:
    trajectories: int = MISSING
    num_levels: int = MISSING
    num_resamples: int = MISSING
    conf_level: float = MISSING
    outputs: list[str] = MISSING

    def check(self) -> None:
        at_least("morris.trajectories", self.trajectories, 2)
        at_least("morris.num_levels", self.num_levels, 2)
        if self.num_levels % 2:
            fail("morris.num_levels", self.num_levels, "must be even (SALib's grid)")
        at_least("morris.num_resamples", self.num_resamples, 2)
        within("morris.conf_level", self.conf_level, 0, 1, open_ends=True)
        if not self.outputs:
            fail("morris.outputs", list(self.outputs), "must name at least one outcome")


@dataclass
class EmpiricalConfig:
    data: str = MISSING
    price_column: str = MISSING
    band: list[float] = MISSING
    start: str = MISSING
    priors: dict[str, Any] = field(default_factory=dict)

    def check(self, path: str = "paper.empirical") -> None:
        if len(self.band) != 2 or not 0 <= self.band[0] <= self.band[1]:
            fail(f"{path}.band", list(self.band), "needs [low, high] with 0 <= low <= high")
        if not re.fullmatch(r"\d{4}-\d{2}", str(self.start)) or not 1 <= int(self.start[5:]) <= 12:
            fail(f"{path}.start", self.start, "must be a month like '2023-03'")


@dataclass
class PaperConfig:
    g_inv_values: list[float] = MISSING
    sota_budgets: list[float] = MISSING
    switch_year: float = MISSING
    g_inv_after: float = MISSING
    g_inf_values: list[float] = MISSING
    steps: list[int] = MISSING
    slowdowns: list[float] = MISSING
    empirical: EmpiricalConfig = field(default_factory=EmpiricalConfig)

    def check(self) -> None:
        for v in self.g_inv_values:
            if not (math.isfinite(v) and v > 1):
                fail("paper.g_inv_values", list(self.g_inv_values), "each must be > 1")
        for v in self.sota_budgets:
            positive("paper.sota_budgets", v)
        if not (self.switch_year >= 0 and math.isfinite(self.switch_year)):
            fail("paper.switch_year", self.switch_year, "must be a finite number >= 0")
        if not 1 <= self.g_inv_after <= min(self.g_inv_values, default=math.inf):
            fail("paper.g_inv_after", self.g_inv_after, "must lie in [1, the smallest of "
                                                        "paper.g_inv_values]")
        for v in self.g_inf_values:
            positive("paper.g_inf_values", v)
        for v in self.steps:
            at_least("paper.steps", v, 1)
        for v in self.slowdowns:
            positive("paper.slowdowns", v)
        self.empirical.check()


@dataclass
class CalibrateConfig:
    data: str = MISSING
    price_column: str = MISSING
    band: list[float] = MISSING
    window: Optional[list[str]] = None
    particles: int = MISSING
    noise: dict[str, Any] = field(default_factory=dict)
    ess_floor: int = MISSING
    ess_fraction: float = MISSING
    mcmc_steps: int = MISSING
    max_stages: int = MISSING
    predictive_draws: int = MISSING

    def check(self) -> None:
        if len(self.band) != 2 or not 0 < self.band[0] <= self.band[1]:
            fail("calibrate.band", list(self.band), "needs [low, high] with 0 < low <= high")
        if self.window is not None and len(self.window) != 2:
            fail("calibrate.window", list(self.window), "needs [first month, last month], e.g. "
                                                        "['2023-06', '2025-04'], or null")
        at_least("calibrate.particles", self.particles, 100)
        at_least("calibrate.ess_floor", self.ess_floor, 1)
        if self.ess_floor > self.particles:
            fail("calibrate.ess_floor", self.ess_floor,
                 f"cannot exceed calibrate.particles={self.particles}")
        within("calibrate.ess_fraction", self.ess_fraction, 0, 1, open_ends=True)
        at_least("calibrate.mcmc_steps", self.mcmc_steps, 1)
        at_least("calibrate.max_stages", self.max_stages, 1)
        at_least("calibrate.predictive_draws", self.predictive_draws, 100)


@dataclass
class DiscoverConfig:
    scenarios: Optional[str] = None
    condition: str = MISSING
    peel_alpha: float = MISSING
    paste_alpha: float = MISSING
    mass_min: float = MISSING
    density_threshold: float = MISSING
    tree_depth: int = MISSING
    significance: float = MISSING

    def check(self) -> None:
        if not str(self.condition).strip():
            fail("discover.condition", self.condition, "must be an expression, e.g. "
                                                       "'gap_at_10y > 0.05'")
        within("discover.peel_alpha", self.peel_alpha, 0, 0.5, open_ends=True)
        within("discover.paste_alpha", self.paste_alpha, 0, 0.5, open_ends=True)
        within("discover.mass_min", self.mass_min, 0, 1, open_ends=True)
        within("discover.density_threshold", self.density_threshold, 0, 1)
        at_least("discover.tree_depth", self.tree_depth, 1)
        within("discover.significance", self.significance, 0, 1, open_ends=True)
