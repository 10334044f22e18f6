"""The configuration's types: one dataclass per section (Hydra structured configs).

The entry point registers :class:`MeekConfig` as the schema of conf/config.yaml, so Hydra checks
every value's type while composing, before any work starts (``sobol.num_resamples=abc`` is
refused naming the key). Values live in the YAML files under conf/ (with their sources); the
fields here are types, with ``MISSING`` where the YAML must give a value. Each section's
``check`` then tests what a type cannot say (ranges, names), naming the key and the value.
Nothing here imports Hydra: these are plain dataclasses.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, fields
from typing import Any, Optional

from omegaconf import MISSING


class ConfigError(ValueError):
    """A configuration value that cannot work; the message names the key and the value."""


def fail(path: str, value: Any, reason: str) -> None:
    raise ConfigError(f"{path}={value!r}: {reason}")


def at_least(path: str, value: int | float, minimum: int | float) -> None:
    if not value >= minimum:
        fail(path, value, f"must be >= {minimum}")


def positive(path: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        fail(path, value, "must be a finite number > 0")


def within(path: str, value: float, lo: float, hi: float, *, open_ends: bool = False) -> None:
    ok = lo < value < hi if open_ends else lo <= value <= hi
    if not (math.isfinite(value) and ok):
        fail(path, value, f"must lie in {'(' if open_ends else '['}{lo:g}, {hi:g}"
                          f"{')' if open_ends else ']'}")


def choice(path: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        fail(path, value, f"unknown; allowed: {', '.join(allowed)}")


@dataclass
class SamplerConfig:
    kind: str = MISSING
    n: int = MISSING
    second_order: bool = True

    def check(self) -> None:
        choice("sampler.kind", self.kind, ("mc", "lhs", "sobol", "saltelli"))
        at_least("sampler.n", self.n, 1)


@dataclass
class ClusterConfig:
    kind: str = MISSING
    n_workers: int = 2
    threads_per_worker: int = 1
    address: Optional[str] = None
    timeout_s: float = 10.0
    dashboard_address: str = "127.0.0.1:8787"
    jobs: int = 1
    cores: int = 8
    processes: int = 1
    memory: str = "16GB"
    walltime: str = "01:00:00"
    queue: Optional[str] = None
    account: Optional[str] = None
    scheduler_host: Optional[str] = None

    def check(self) -> None:
        choice("cluster.kind", self.kind, ("threads", "processes", "local", "address", "slurm"))
        at_least("cluster.n_workers", self.n_workers, 1)
        at_least("cluster.threads_per_worker", self.threads_per_worker, 1)
        positive("cluster.timeout_s", self.timeout_s)
        at_least("cluster.jobs", self.jobs, 1)
        at_least("cluster.cores", self.cores, 1)
        at_least("cluster.processes", self.processes, 1)
        if self.kind == "address" and (not isinstance(self.address, str)
                                       or "://" not in self.address):
            fail("cluster.address", self.address, "must look like tcp://HOST:PORT")


@dataclass
class ModelConfig:
    name: str = "meek"
    backend: str = "numba"

    def check(self) -> None:
        choice("model.backend", self.backend, ("numba", "numpy"))


@dataclass
class ActorConfig:
    name: str = MISSING
    description: str = ""


@dataclass
class InferenceConfig:
    form: str = "paper"

    def check(self) -> None:
        choice("inference.form", self.form, ("paper", "price_decline"))


@dataclass
class PolicyConfig:
    name: str = "none"
    description: str = ""


@dataclass
class GovernanceConfig:
    threshold_flop: float = 1e25

    def check(self) -> None:
        positive("governance.threshold_flop", self.threshold_flop)


@dataclass
class TimeConfig:
    stop: float = MISSING
    steps: int = MISSING
    start_year: Optional[float] = None

    def check(self) -> None:
        positive("time.stop", self.stop)
        at_least("time.steps", self.steps, 2)
        if self.steps > 100_000:
            fail("time.steps", self.steps, "at most 100,000 time points")
        if self.start_year is not None and not 1000 <= self.start_year <= 3000:
            fail("time.start_year", self.start_year, "must be a calendar year in [1000, 3000], "
                                                     "or null (no calendar)")


@dataclass
class OutcomesConfig:
    threshold_nats: float = MISSING
    horizons: list[float] = MISSING
    steps: int = MISSING
    false_alarm: float = MISSING
    miss: float = MISSING
    slowdown: float = MISSING

    def check(self) -> None:
        positive("outcomes.threshold_nats", self.threshold_nats)
        if not self.horizons:
            fail("outcomes.horizons", list(self.horizons), "must name at least one year")
        for h in self.horizons:
            positive("outcomes.horizons", h)
        at_least("outcomes.steps", self.steps, 1)
        within("outcomes.false_alarm", self.false_alarm, 0, 1, open_ends=True)
        within("outcomes.miss", self.miss, 0, 1, open_ends=True)
        if not self.false_alarm + self.miss < 1:
            fail("outcomes.false_alarm", self.false_alarm,
                 f"with outcomes.miss={self.miss!r}: each in (0, 1) with a sum below 1")
        positive("outcomes.slowdown", self.slowdown)


@dataclass
class OutputConfig:
    series: list[str] = field(default_factory=list)
    format: str = "auto"
    max_memory_bytes: float = 2e9
    max_series_bytes: float = 4e9

    def check(self) -> None:
        choice("output.format", self.format, ("auto", "netcdf", "zarr"))
        positive("output.max_memory_bytes", self.max_memory_bytes)
        positive("output.max_series_bytes", self.max_series_bytes)


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


@dataclass
class MeekConfig:
    """The root: every section of conf/config.yaml and the experiments."""

    task: str = MISSING
    seed: int = MISSING
    chunk_size: int = MISSING
    stream_chunk_size: int = MISSING
    resume: bool = False
    debug: bool = False
    priors: dict[str, Any] = field(default_factory=dict)
    sampler: SamplerConfig = field(default_factory=SamplerConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    actor: ActorConfig = field(default_factory=ActorConfig)
    inference: InferenceConfig = field(default_factory=InferenceConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    governance: GovernanceConfig = field(default_factory=GovernanceConfig)
    time: TimeConfig = field(default_factory=TimeConfig)
    outcomes: OutcomesConfig = field(default_factory=OutcomesConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    sobol: Optional[SobolConfig] = None
    fan: Optional[FanConfig] = None
    morris: Optional[MorrisConfig] = None
    paper: Optional[PaperConfig] = None
    calibrate: Optional[CalibrateConfig] = None
    discover: Optional[DiscoverConfig] = None

    def check(self) -> None:
        """Every section's own checks, in order."""
        at_least("seed", self.seed, 0)
        if self.seed >= 2**63:
            fail("seed", self.seed, "must be below 2**63")
        at_least("chunk_size", self.chunk_size, 1)
        at_least("stream_chunk_size", self.stream_chunk_size, 1)
        for f in fields(self):
            section = getattr(self, f.name)
            if hasattr(section, "check") and f.name != "check":
                section.check()
