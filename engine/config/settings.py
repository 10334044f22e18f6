"""The one place where a checked configuration becomes the engine's objects.

:func:`build` takes the typed configuration (:class:`~.schema.MeekConfig`, already through
Hydra's type checks) and returns :class:`Settings`: simulator, priors, design, time grid,
storage limits and cluster, each checked against the others (priors against the model's domain,
outcome names against the simulator) so that every problem surfaces before any work starts, as
one :class:`~.schema.ConfigError` naming the key and the value.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine.clusters import Cluster, make_cluster
from engine.config.schema import ConfigError, MeekConfig, fail
from engine.designs import Design, make_design
from engine.evaluate import Storage
from engine.model.outcomes import Options
from engine.priors import PriorError, PriorSet
from engine.simulators import REGISTRY, Simulator

#: Keys that do not change any result (left out of a run's fingerprint).
NOT_RESULTS = ("resume", "debug", "cluster", "hydra")


@dataclass(frozen=True)
class Settings:
    """Everything a run needs, as plain checked objects."""

    config: MeekConfig
    simulator: Simulator
    priors: PriorSet
    design: Design
    t: NDArray[np.float64]
    storage: Storage
    cluster: Cluster
    fingerprint: str

    @property
    def start_year(self) -> float | None:
        y = self.config.time.start_year
        return None if y is None else float(y)

    @property
    def seed(self) -> int:
        return int(self.config.seed)

    @property
    def uncertain(self) -> list[str]:
        return self.priors.uncertain


def fingerprint(plain: Mapping[str, Any]) -> str:
    """SHA-256 of the resolved configuration, every value exact, minus :data:`NOT_RESULTS`."""
    kept = {k: v for k, v in plain.items() if k not in NOT_RESULTS}
    return hashlib.sha256(json.dumps(kept, sort_keys=True, default=repr).encode()).hexdigest()


def make_simulator(cfg: MeekConfig) -> Simulator:
    name = cfg.model.name
    if name not in REGISTRY:
        fail("model.name", name, f"unknown; allowed: {', '.join(REGISTRY)}")
    if name != "meek":
        return REGISTRY[name]()
    o = cfg.outcomes
    options = Options(inference=cfg.inference.form, threshold_nats=float(o.threshold_nats),
                      horizons=tuple(float(h) for h in o.horizons), steps=int(o.steps),
                      false_alarm=float(o.false_alarm), miss=float(o.miss),
                      slowdown=float(o.slowdown),
                      threshold_flop=float(cfg.governance.threshold_flop))
    return REGISTRY["meek"](options, backend=cfg.model.backend)


def make_priors(specs: Mapping[str, Any], simulator: Simulator) -> PriorSet:
    """Build the priors and check them against the simulator's domain."""
    if not isinstance(specs, Mapping):
        fail("priors", specs, "must be a mapping of parameter -> prior")
    allowed = set(simulator.parameters) | {"scaling_law"}
    for name in specs:
        if name in ("A", "alpha", "L0"):
            raise ConfigError(f"priors.{name}: not a prior of its own: (A, alpha, L0) are drawn "
                              "together from one published fit as priors.scaling_law (paper, "
                              "hoffmann, besiroglu, both, or {A: ..., alpha: ..., L0: ...})")
        if name not in allowed:
            raise ConfigError(f"priors.{name}: not a parameter of model "
                              f"{getattr(simulator, 'name', '?')!r}; allowed: "
                              f"{', '.join(sorted(allowed))}")
    missing = [n for n in simulator.parameters if n not in simulator.defaults
               and n not in specs]
    if missing:
        raise ConfigError(f"priors.{missing[0]}: missing (the model has no default for it)")
    order = ["scaling_law", *simulator.parameters]  # the model's order, whatever the files'
    specs = {k: specs[k] for k in sorted(specs, key=lambda k: order.index(k))}
    try:
        priors = PriorSet.from_specs(specs)
        simulator.check_priors(priors)
    except PriorError as err:
        raise ConfigError(str(err)) from None
    except ValueError as err:
        raise ConfigError(str(err)) from None
    return priors


def _names(path: str, names: Any, allowed: Mapping[str, Any]) -> None:
    for name in names:
        if name not in allowed:
            fail(path, list(names), f"{name!r} is unknown; allowed: {', '.join(allowed)}")


def check_sections(cfg: MeekConfig, simulator: Simulator, priors: PriorSet) -> None:
    """Names in the experiment sections against what the simulator produces."""
    outcomes = simulator.outcomes()
    series = simulator.series()
    _names("output.series", cfg.output.series, series)
    for section in ("sobol", "morris"):
        sec = getattr(cfg, section)
        if sec is not None:
            try:
                simulator.analysed(sec.outputs)
            except ValueError as err:
                fail(f"{section}.outputs", list(sec.outputs), str(err))
    if cfg.sobol is not None and series:  # validation functions have no series
        _names("sobol.series", cfg.sobol.series, series)
    if cfg.sobol is not None and cfg.sobol.calibration:
        from engine.calibration import posterior
        try:
            posterior.check(posterior.load(cfg.sobol.calibration, "sobol.calibration"), priors,
                            "sobol.calibration", context=posterior.run_context(
                                simulator, cfg.time.start_year, actor=cfg.actor.name))
        except ValueError as err:
            raise ConfigError(str(err)) from None
    if cfg.fan is not None:
        _names("fan.log_scale", cfg.fan.log_scale, {k: 1 for k in cfg.output.series})
        if cfg.fan.calibration:
            from engine.calibration import posterior
            try:
                posterior.check(posterior.load(cfg.fan.calibration), priors,
                                context=posterior.run_context(simulator, cfg.time.start_year,
                                                              actor=cfg.actor.name))
            except ValueError as err:
                raise ConfigError(str(err)) from None
    if cfg.calibrate is not None:
        from engine.calibration import observation
        from engine.resources import data_dir
        from pathlib import Path
        path = Path(cfg.calibrate.data)
        if not (path.is_absolute() or path.exists()) and path.parts and path.parts[0] == "data":
            path = data_dir() / path.name
        try:
            observation.leaderboard(path, cfg.calibrate.price_column, tuple(cfg.calibrate.band),
                                    tuple(cfg.calibrate.window) if cfg.calibrate.window
                                    else None)
            make_priors_noise = PriorSet.from_specs({"noise_sigma_pp": cfg.calibrate.noise})
        except PriorError as err:
            raise ConfigError(str(err).replace("priors.noise_sigma_pp", "calibrate.noise")
                              ) from None
        except ValueError as err:
            raise ConfigError(str(err)) from None
        if not make_priors_noise.support("noise_sigma_pp")[0] > 0:
            fail("calibrate.noise", dict(cfg.calibrate.noise), "the noise scale must be > 0")
    if cfg.discover is not None:
        from engine.discovery import condition, study
        try:
            used = condition.names(cfg.discover.condition)
            if cfg.discover.scenarios:
                with study.open_scenarios(cfg.discover.scenarios) as ds:
                    known = {str(k) for k, v in ds.data_vars.items() if v.dims == ("scenario",)}
            else:
                known = {*simulator.parameters, *priors.outputs, *outcomes}
        except ValueError as err:
            raise ConfigError(str(err)) from None
        unknown = sorted(used - known)
        if unknown:
            fail("discover.condition", cfg.discover.condition,
                 f"{unknown[0]!r} is not a variable of the scenarios; known: "
                 f"{', '.join(sorted(known))}")
    if cfg.task in ("sobol", "morris") and not priors.uncertain:
        fail("priors", "all fixed", f"the {cfg.task} analysis needs at least one uncertain "
                                    "prior")
    if cfg.task == "sobol" and cfg.sampler.kind != "saltelli":
        fail("sampler.kind", cfg.sampler.kind, "the Sobol' analysis needs sampler=saltelli")
    if cfg.task == "sobol" and cfg.sampler.n < 16:
        fail("sampler.n", cfg.sampler.n, "the Sobol' analysis needs at least 16 base rows for "
                                         "its bootstrap intervals to mean anything")
    if cfg.task == "morris" and cfg.morris is not None:
        rows = cfg.morris.trajectories * (len(priors.uncertain) + 1)
        if rows > 10_000_000:
            fail("morris.trajectories", cfg.morris.trajectories,
                 f"would make {rows:,} scenarios; at most 10,000,000 (Morris needs tens to "
                 "hundreds of trajectories)")


def build(cfg: MeekConfig, plain: Mapping[str, Any]) -> Settings:
    """Check the typed configuration and build the run's objects.

    Parameters
    ----------
    cfg : MeekConfig
        The typed configuration (``OmegaConf.to_object`` of the composed config).
    plain : mapping
        The same, resolved to plain containers (for the fingerprint).
    """
    cfg.check()
    simulator = make_simulator(cfg)
    priors = make_priors(cfg.priors, simulator)
    check_sections(cfg, simulator, priors)
    try:
        design = make_design(cfg.sampler.kind, int(cfg.sampler.n), priors.columns,
                             int(cfg.seed), groups=priors.groups,
                             second_order=bool(cfg.sampler.second_order))
    except ValueError as err:
        raise ConfigError(str(err)) from None
    t = np.linspace(0.0, float(cfg.time.stop), int(cfg.time.steps))
    out = cfg.output
    storage = Storage(chunk_size=int(cfg.chunk_size), stream_chunk_size=int(cfg.stream_chunk_size),
                      max_memory_bytes=float(out.max_memory_bytes),
                      max_series_bytes=float(out.max_series_bytes), format=out.format,
                      checkpoint_seconds=float(cfg.checkpoint_seconds))
    return Settings(cfg, simulator, priors, design, t, storage, make_cluster(cfg.cluster),
                    fingerprint(plain))
