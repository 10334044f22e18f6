"""The one place where a checked configuration becomes the engine's objects.

:func:`build` takes the typed configuration (a :class:`~.schema.RunConfig`, already through
Hydra's type checks) and returns :class:`Settings`: simulator, priors, design, time grid,
storage limits and cluster, each checked against the others (priors against the model's domain,
series names against the simulator) so that every problem surfaces before any work starts, as
one :class:`~.schema.ConfigError` naming the key and the value. The experiments' own checks
(their sections against the simulator, their files) are declared with each experiment and run
by :mod:`experiments.config` right after :func:`build`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine.clusters import Cluster, make_cluster
from engine.config.schema import ConfigError, RunConfig, fail
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

    config: RunConfig
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


def make_simulator(cfg: RunConfig) -> Simulator:
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


def make_priors(specs: Mapping[str, Any], simulator: Simulator,
                correlations: Sequence[Mapping[str, Any]] = ()) -> PriorSet:
    """Build the priors (factors joined by ``correlations`` drawn through a copula; parameters
    set by drivers derived per scenario) and check them against the simulator's domain."""
    if not isinstance(specs, Mapping):
        fail("priors", specs, "must be a mapping of parameter -> prior")
    drivers = getattr(simulator, "drivers", {})
    allowed = set(simulator.parameters) | {"scaling_law"} | set(drivers)
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
    specs = {k: v for k, v in specs.items() if v is not None}  # priors.NAME: null drops it
    derived = {d.name for d in simulator.derivations(list(specs))} if drivers else set()
    for name in simulator.parameters:  # removed (~priors.NAME): the default, with its source
        if (name not in specs and name not in derived and name in simulator.defaults
                and name not in ("A", "alpha", "L0")):
            specs[name] = {"dist": "fixed", "value": float(simulator.defaults[name]),
                           "source": f"the model's default (the authors' value); priors.{name} "
                                     "was removed from the configuration"}
    order = ["scaling_law", *simulator.parameters, *drivers]  # the model's order
    specs = {k: specs[k] for k in sorted(specs, key=lambda k: order.index(k))}
    try:
        derive = simulator.derivations(list(specs)) if drivers else []
        defaults = {**{k: v.default for k, v in drivers.items()}, **simulator.defaults}
        priors = PriorSet.from_specs(specs, correlations, derive, defaults)
        simulator.check_priors(priors)
    except PriorError as err:
        raise ConfigError(str(err)) from None
    except ValueError as err:
        raise ConfigError(str(err)) from None
    return priors


#: Policy levers and the value that leaves each off (no export controls, no diffusion lag):
#: a lever may move only under a policy that names it in ``policy.levers``.
LEVERS = {"export_control_strength": 0.0, "diffusion_lag_years": 0.0}


def check_levers(policy: Any, priors: PriorSet) -> None:
    """A lever set to anything but off under a policy that does not pull it would run one policy
    and label the results with another: refused, naming the lever and the policy."""
    pulled = set(policy.levers)
    for name, off in LEVERS.items():
        if name not in priors.specs() or name in pulled:
            continue
        prior = priors[name]
        lo, hi = prior.support()[name]
        if not (prior.fixed and lo == hi == off):
            raise ConfigError(f"priors.{name}={prior.describe()}: a policy lever, but "
                              f"policy={policy.name} does not pull it (its results would say "
                              f"policy: {policy.name}); choose a policy that does (e.g. "
                              f"policy={'export_controls' if name.startswith('export') else 'diffusion_lag'}) "
                              f"or leave it at {off:g}")


def check_names(path: str, names: Any, allowed: Mapping[str, Any]) -> None:
    """Every name in ``names`` is a key of ``allowed``, named once, or one line naming the key
    and the list (a name given twice would give two rows one name downstream)."""
    seen: set[str] = set()
    for name in names:
        if name not in allowed:
            listed = ", ".join(allowed) or "none (this model has none; give an empty list [])"
            fail(path, list(names), f"{name!r} is unknown; allowed: {listed}")
        if name in seen:
            fail(path, list(names), f"{name!r} is named twice; name each once")
        seen.add(name)


def build(cfg: RunConfig, plain: Mapping[str, Any]) -> Settings:
    """Check the typed configuration and build the run's objects.

    Parameters
    ----------
    cfg : RunConfig
        The typed configuration (``OmegaConf.to_object`` of the composed config).
    plain : mapping
        The same, resolved to plain containers (for the fingerprint).
    """
    cfg.check()
    simulator = make_simulator(cfg)
    priors = make_priors(cfg.priors, simulator, list(cfg.correlations))
    check_levers(cfg.policy, priors)
    check_names("output.series", cfg.output.series, simulator.series())
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
