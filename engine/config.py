"""The one place where configuration becomes plain Python objects, checked before any work.

Entry points turn Hydra's DictConfig into a plain dict (``OmegaConf.to_container``) and call
:func:`load`; the engine only ever sees the :class:`Settings` it returns. Every problem raises
:class:`ConfigError` with one line naming the key, the value and what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine import model as meek_model
from engine import scenario, testfunctions
from engine.priors import Prior, PriorError, make_prior
from engine.samplers import SAMPLERS, Design, make_design, uncertain

CLUSTERS = ("threads", "processes", "local", "address", "slurm")
MODELS = ("meek", *testfunctions.MODELS)


class ConfigError(ValueError):
    """A configuration value that cannot work; the message names the key and the value."""


@dataclass(frozen=True)
class Cluster:
    kind: str = "threads"
    address: str | None = None
    n_workers: int = 2
    threads_per_worker: int = 1
    timeout_s: float = 10.0
    dashboard_address: str = "127.0.0.1:8787"
    jobqueue: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    """Everything a run needs, as plain checked values."""

    model: str
    priors: dict[str, Prior]
    design: Design
    seed: int
    chunk_size: int
    t: NDArray[np.float64]
    start_year: float
    options: scenario.Options
    series: tuple[str, ...]
    cluster: Cluster
    section: dict[str, Any] = field(default_factory=dict)
    output_format: str = "auto"
    max_memory_bytes: float = 2e9
    max_series_bytes: float = 4e9
    stream_chunk_size: int = 65536
    resume: bool = False

    def streams(self, n_series: int) -> bool:
        """Whether this run goes to Zarr chunk by chunk instead of an in-memory Dataset."""
        if self.output_format != "auto":
            return self.output_format == "zarr"
        from engine.evaluate import estimated_bytes
        return estimated_bytes(self.design.rows, 40, len(self.t), n_series) > \
            self.max_memory_bytes

    @property
    def uncertain(self) -> list[str]:
        return uncertain(self.priors)


def _get(cfg: Mapping[str, Any], path: str, default: Any = ...) -> Any:
    node: Any = cfg
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            if default is ...:
                raise ConfigError(f"{path}: missing")
            return default
        node = node[part]
    return node


def _int(path: str, value: Any, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ConfigError(f"{path}={value!r}: must be a whole number")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{path}={value!r}: must be >= {minimum}")
    return int(value)


def _float(path: str, value: Any, *, positive: bool = False, finite: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise ConfigError(f"{path}={value!r}: must be a number")
    v = float(value)
    if math.isnan(v) or (finite and math.isinf(v)):
        raise ConfigError(f"{path}={value!r}: must be a finite number")
    if positive and not v > 0:
        raise ConfigError(f"{path}={value!r}: must be > 0")
    return v


def _choice(path: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(f"{path}={value!r}: unknown; allowed: {', '.join(allowed)}")
    return str(value)


def check_domain(priors: Mapping[str, Prior]) -> None:
    """Reject priors whose support leaves the model's domain (see engine.model.domain_reason)."""
    def lo(name: str) -> float:
        return priors[name].support[0]

    def hi(name: str) -> float:
        return priors[name].support[1]

    for name in ("alpha", "A", "g_alg", "g_hw", "g_inv", "g_inf", "meek_budget_usd",
                 "sota_budget_usd", "flop_per_usd", "price_per_token_usd", "g_inv_after"):
        if not lo(name) > 0:
            raise ConfigError(f"priors.{name}={priors[name].describe()}: its support "
                              f"[{lo(name):g}, {hi(name):g}] leaves the model's domain; "
                              "allowed: values > 0 (truncate with low: ...)")
    if not lo("g_alg") * lo("g_hw") > 1:
        raise ConfigError(f"priors.g_alg={priors['g_alg'].describe()} with priors.g_hw="
                          f"{priors['g_hw'].describe()}: g_alg*g_hw can reach "
                          f"{lo('g_alg') * lo('g_hw'):g}; allowed: > 1 (meek compute must grow)")
    if not lo("g_inv") > 1:
        raise ConfigError(f"priors.g_inv={priors['g_inv'].describe()}: can reach {lo('g_inv'):g};"
                          " allowed: > 1 (the frontier must outgrow the meek model)")
    if not (lo("g_inv_after") >= 1 and hi("g_inv_after") <= lo("g_inv")):
        raise ConfigError(f"priors.g_inv_after={priors['g_inv_after'].describe()}: allowed "
                          f"within [1, lowest g_inv = {lo('g_inv'):g}]")
    if math.isnan(lo("switch_year")):
        raise ConfigError("priors.switch_year: NaN; allowed: a number or .inf")


def load_priors(specs: Any, model: str) -> dict[str, Prior]:
    """Build and check the priors of a model (missing meek parameters take the paper's values)."""
    if not isinstance(specs, Mapping):
        raise ConfigError(f"priors={specs!r}: must be a mapping of parameter -> prior")
    if model == "meek":
        names: list[str] = list(scenario.PARAMETERS)
    else:
        names = [f"x{i + 1}" for i in range(testfunctions.MODELS[model])]
    for name in specs:
        if name not in names:
            raise ConfigError(f"priors.{name}: not a parameter of model {model!r}; allowed: "
                              f"{', '.join(names)}")
    priors = {}
    for name in names:
        if name in specs:
            try:
                priors[name] = make_prior(name, specs[name])
            except PriorError as err:
                raise ConfigError(str(err)) from None
        elif model == "meek":
            priors[name] = make_prior(name, {"dist": "fixed", "value": meek_model.PAPER[name]})
        else:
            raise ConfigError(f"priors.{name}: missing for model {model!r}")
    if model == "meek":
        check_domain(priors)
    return priors


#: The only modules a ``_target_`` may name (this project's own components).
TARGET_PREFIXES = ("engine.", "experiments.")


def check_targets(node: Any, path: str = "") -> None:
    """Refuse any Hydra ``_target_`` outside this project: configs must not name other callables.

    The engine never calls hydra.utils.instantiate on user input; this check makes sure a config
    cannot smuggle in, say, ``os.system`` for a future caller that would.
    """
    if isinstance(node, Mapping):
        for key, value in node.items():
            where = f"{path}.{key}" if path else str(key)
            if key == "_target_" and not (isinstance(value, str)
                                          and value.startswith(TARGET_PREFIXES)):
                raise ConfigError(f"{where}={value!r}: only this project's components "
                                  f"({', '.join(p + '*' for p in TARGET_PREFIXES)}) may be built")
            check_targets(value, where)
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            check_targets(value, f"{path}[{i}]")


def _jobqueue(cl: Mapping[str, Any]) -> dict[str, Any]:
    """dask-jobqueue SLURMCluster arguments from the cluster config, checked."""
    out: dict[str, Any] = {
        "cores": _int("cluster.cores", cl.get("cores", 8), 1),
        "processes": _int("cluster.processes", cl.get("processes", 1), 1),
        "memory": str(cl.get("memory", "16GB")),
        "walltime": str(cl.get("walltime", "01:00:00")),
        "jobs": _int("cluster.jobs", cl.get("jobs", 1), 1),
    }
    for key in ("queue", "account", "scheduler_host"):
        if cl.get(key) is not None:
            out[key] = str(cl[key])
    return out


def load(cfg: Mapping[str, Any]) -> Settings:
    """Check a resolved configuration (a plain dict) and return :class:`Settings`.

    Raises
    ------
    ConfigError
        On the first problem found, naming the key and the value.
    """
    check_targets(cfg)
    model = _choice("model.name", _get(cfg, "model.name", "meek"), MODELS)
    priors = load_priors(_get(cfg, "priors"), model)
    seed = _int("seed", _get(cfg, "seed"), 0)
    kind = _choice("sampler.kind", _get(cfg, "sampler.kind"), SAMPLERS)
    n = _int("sampler.n", _get(cfg, "sampler.n"), 1)
    second = _get(cfg, "sampler.second_order", True)
    if not isinstance(second, bool):
        raise ConfigError(f"sampler.second_order={second!r}: must be true or false")
    design = make_design(kind, n, len(uncertain(priors)), seed, second_order=second)
    chunk_size = _int("chunk_size", _get(cfg, "chunk_size"), 1)

    stop = _float("time.stop", _get(cfg, "time.stop"), positive=True)
    steps = _int("time.steps", _get(cfg, "time.steps"), 2)
    start_year = _float("time.start_year", _get(cfg, "time.start_year", 0.0))
    t = np.linspace(0.0, stop, steps)

    oc = _get(cfg, "outcomes", {})
    horizons = oc.get("horizons", [5, 10, 20])
    if isinstance(horizons, (str, bytes)) or not hasattr(horizons, "__iter__"):
        raise ConfigError(f"outcomes.horizons={horizons!r}: must be a list of years")
    fa = _float("outcomes.false_alarm", oc.get("false_alarm", 0.05), positive=True)
    miss = _float("outcomes.miss", oc.get("miss", 0.05), positive=True)
    if not fa + miss < 1:
        raise ConfigError(f"outcomes.false_alarm={fa!r} with outcomes.miss={miss!r}: each in "
                          "(0, 1) with a sum below 1")
    options = scenario.Options(
        threshold_nats=_float("outcomes.threshold_nats", oc.get("threshold_nats", 0.05),
                              positive=True),
        horizons=tuple(_float("outcomes.horizons", h, positive=True) for h in horizons),
        steps=_int("outcomes.steps", oc.get("steps", 1), 1),
        false_alarm=fa, miss=miss,
        slowdown=_float("outcomes.slowdown", oc.get("slowdown", 1.0), positive=True),
    )
    series = _get(cfg, "output.series", [])
    if isinstance(series, str) or not hasattr(series, "__iter__"):
        raise ConfigError(f"output.series={series!r}: must be a list of series names")
    for name in series:
        if name not in scenario.SERIES:
            raise ConfigError(f"output.series: {name!r} unknown; allowed: "
                              f"{', '.join(scenario.SERIES)}")
    if model != "meek" and series:
        raise ConfigError(f"output.series={list(series)!r}: model {model!r} has no series")

    cl = _get(cfg, "cluster", {"kind": "threads"})
    ckind = _choice("cluster.kind", cl.get("kind"), CLUSTERS)
    address = cl.get("address")
    if ckind == "address" and (not isinstance(address, str) or "://" not in address):
        raise ConfigError(f"cluster.address={address!r}: must look like tcp://HOST:PORT")
    cluster = Cluster(
        kind=ckind, address=address,
        n_workers=_int("cluster.n_workers", cl.get("n_workers", 2), 1),
        threads_per_worker=_int("cluster.threads_per_worker", cl.get("threads_per_worker", 1), 1),
        timeout_s=_float("cluster.timeout_s", cl.get("timeout_s", 10.0), positive=True),
        dashboard_address=str(cl.get("dashboard_address", "127.0.0.1:8787")),
        jobqueue=_jobqueue(cl) if ckind == "slurm" else {},
    )
    out_cfg = _get(cfg, "output", {}) or {}
    output_format = _choice("output.format", out_cfg.get("format", "auto"),
                            ("auto", "netcdf", "zarr"))
    max_memory = _float("output.max_memory_bytes", out_cfg.get("max_memory_bytes", 2e9),
                        positive=True)
    max_series = _float("output.max_series_bytes", out_cfg.get("max_series_bytes", 4e9),
                        positive=True)
    stream_chunk = _int("stream_chunk_size", _get(cfg, "stream_chunk_size", 65536), 1)
    resume = _get(cfg, "resume", False)
    if not isinstance(resume, bool):
        raise ConfigError(f"resume={resume!r}: must be true or false")
    task = _get(cfg, "task", "summary")
    section = dict(_get(cfg, task, {}) or {}) if isinstance(task, str) else {}
    return Settings(model=model, priors=priors, design=design, seed=seed, chunk_size=chunk_size,
                    t=t, start_year=start_year, options=options, series=tuple(series),
                    cluster=cluster, section=section, output_format=output_format,
                    max_memory_bytes=max_memory, max_series_bytes=max_series,
                    stream_chunk_size=stream_chunk, resume=resume)
