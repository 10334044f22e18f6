"""The configuration's types: one dataclass per section every run has (Hydra structured configs).

:class:`RunConfig` is the root's common part; the experiments add one optional section each
(their own dataclasses, declared with the experiment: :mod:`experiments.config` derives the
root class from them), and the entry point registers that root as the schema of
conf/config.yaml, so Hydra checks every value's type while composing, before any work starts
(``sampler.n=abc`` is refused naming the key). Values live in the YAML files under conf/ (with
their sources); the fields here are types, with ``MISSING`` where the YAML must give a value.
Each section's ``check`` then tests what a type cannot say (ranges, names), naming the key and
the value; allowed names come from the registries they name (samplers, clusters, inference
forms). Nothing here imports Hydra: these are plain dataclasses.
"""

from __future__ import annotations

import math

from dataclasses import dataclass, field, fields
from typing import Any, Optional

from omegaconf import MISSING

from engine.clusters import REGISTRY as CLUSTERS
from engine.config.checks import ConfigError, at_least, choice, fail, positive, within
from engine.designs import SAMPLERS
from engine.model.paths import INFERENCE_SLOPES

__all__ = ["ClusterConfig", "ConfigError", "RunConfig", "fail"]

@dataclass
class SamplerConfig:
    kind: str = MISSING
    n: int = MISSING
    second_order: bool = True

    def check(self) -> None:
        choice("sampler.kind", self.kind, SAMPLERS)
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
        choice("cluster.kind", self.kind, tuple(CLUSTERS))
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
    kind: str = "class"      # named (one catalogued run) | class (a range of budgets) | paper

    def check(self) -> None:
        choice("actor.kind", self.kind, ("named", "class", "paper", "none"))


@dataclass
class InvestmentConfig:
    name: str = "constant"
    description: str = ""

    def check(self) -> None:
        choice("investment.name", self.name, ("saturating", "constant", "none"))


@dataclass
class InferenceConfig:
    form: str = "paper"

    def check(self) -> None:
        choice("inference.form", self.form, tuple(INFERENCE_SLOPES))


@dataclass
class PolicyConfig:
    name: str = "none"
    description: str = ""
    #: the priors this policy sets (its levers); any other lever stays off (see
    #: engine/config/settings.py LEVERS), so that the results' ``policy`` label is true
    levers: list[str] = field(default_factory=list)


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
    benchmark: str = "mmlu_pro"

    def check(self) -> None:
        from engine.model.benchmarks import HEADLINES
        choice("outcomes.benchmark", self.benchmark, HEADLINES)
        positive("outcomes.threshold_nats", self.threshold_nats)
        if not self.horizons:
            fail("outcomes.horizons", list(self.horizons), "must name at least one year")
        for h in self.horizons:
            positive("outcomes.horizons", h)
        if len(set(self.horizons)) != len(self.horizons):
            fail("outcomes.horizons", list(self.horizons), "a year is named twice; name each once")
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
class RunConfig:
    """The root's sections every run has; :mod:`experiments.config` adds one optional field per
    experiment section."""

    task: str = MISSING
    seed: int = MISSING
    chunk_size: int = MISSING
    stream_chunk_size: int = MISSING
    resume: bool = False
    checkpoint_seconds: float = 120.0
    debug: bool = False
    priors: dict[str, Any] = field(default_factory=dict)
    correlations: list[Any] = field(default_factory=list)
    sampler: SamplerConfig = field(default_factory=SamplerConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    actor: ActorConfig = field(default_factory=ActorConfig)
    inference: InferenceConfig = field(default_factory=InferenceConfig)
    investment: InvestmentConfig = field(default_factory=InvestmentConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    governance: GovernanceConfig = field(default_factory=GovernanceConfig)
    time: TimeConfig = field(default_factory=TimeConfig)
    outcomes: OutcomesConfig = field(default_factory=OutcomesConfig)
    output: OutputConfig = field(default_factory=OutputConfig)

    def check(self) -> None:
        """Every section's own checks, in order (the experiments' sections included)."""
        at_least("seed", self.seed, 0)
        if self.seed >= 2**63:
            fail("seed", self.seed, "must be below 2**63")
        at_least("chunk_size", self.chunk_size, 1)
        at_least("stream_chunk_size", self.stream_chunk_size, 1)
        if not (math.isfinite(self.checkpoint_seconds) and self.checkpoint_seconds >= 0):
            fail("checkpoint_seconds", self.checkpoint_seconds, "must be a finite number >= 0")
        for f in fields(self):
            section = getattr(self, f.name)
            if hasattr(section, "check") and f.name != "check":
                section.check()
