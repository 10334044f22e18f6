"""One outcome's answer for every actor option side by side: a cheap Monte Carlo per actor.

Who the meek actor is is a choice (a config group), not a factor: instead of a Sobol' index for
"which lab is meant", each actor gets its own distribution of the outcome under the same priors
for everything else, drawn with the same Monte Carlo design (common random numbers, so the
differences between actors are not sampling noise of different draws).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine.designs import make_design
from engine.jobs import Job, evaluate_rows
from engine.priors import PriorSet
from engine.simulators import Simulator

#: Prior keys an actor option owns: they are replaced when the actor changes.
ACTOR_KEYS = ("meek_budget_usd", "meek_compute_flop", "meek_run_age_years", "meek_growth")


@dataclass(frozen=True)
class Actor:
    """One option of the actor group: its name, kind (named | class), description, priors."""

    name: str
    kind: str
    description: str
    priors: Mapping[str, Any]


def load_actors(directory: Path) -> list[Actor]:
    """Every named and class actor option in ``directory`` (conf/actor), named runs first, each
    kind in name order (the paper's toy actor is left out: it has no calendar year)."""
    from omegaconf import OmegaConf

    out = []
    for path in sorted(Path(directory).glob("*.yaml")):
        cfg = OmegaConf.to_container(OmegaConf.load(path), resolve=True)
        actor = cfg.get("actor", {})  # type: ignore[union-attr]
        kind = actor.get("kind", "class")
        if kind == "paper":
            continue
        out.append(Actor(actor.get("name", path.stem), kind, actor.get("description", ""),
                         cfg.get("priors", {})))  # type: ignore[union-attr]
    return sorted(out, key=lambda a: (a.kind != "named", a.name))


def actor_specs(specs: Mapping[str, Any], actor: Actor) -> dict[str, Any]:
    """The run's prior declarations with the actor's keys replaced by ``actor``'s."""
    out = {k: v for k, v in specs.items() if k not in ACTOR_KEYS}
    out.update(actor.priors)
    return out


def answers(simulator: Simulator, make: Callable[[Mapping[str, Any]], PriorSet],
            specs: Mapping[str, Any], actors: Sequence[Actor], t: NDArray[np.float64],
            n: int, seed: int, output: str = "t_peak", piece: int = 4096
            ) -> list[dict[str, Any]]:
    """``output``'s median and 90% interval (over the scenarios where it is finite), share
    below 0 (already past) and share undefined (NaN), both of all scenarios (as
    :func:`engine.analysis.outcomes.summarise`), for each actor, on n Monte Carlo scenarios.

    ``make(specs)`` builds and checks a PriorSet (the run's correlations included). Every
    actor's priors must have the same factors in the same order as the others' (the actor keys
    are fixed values or one budget factor), so one design serves all where the columns agree.
    """
    from concurrent.futures import ThreadPoolExecutor

    rows = []
    jobs = []
    for actor in actors:
        priors = make(actor_specs(specs, actor))
        jobs.append((actor, priors, Job(simulator, priors, make_design("mc", n, priors.columns,
                                                                         seed), t)))
    # pieces on two threads (the compiled kernel releases the GIL); each scenario's value
    # depends on its own row only, so the threads change no bit
    with ThreadPoolExecutor(max_workers=2) as pool:
        pending = [[pool.submit(evaluate_rows, job, a, min(a + piece, n), ())
                    for a in range(0, n, piece)] for _, _, job in jobs]
    for (actor, priors, _), parts in zip(jobs, pending, strict=True):
        values = np.concatenate([f.result()[output] for f in parts])
        ok = np.isfinite(values)
        q = np.quantile(values[ok], [0.05, 0.5, 0.95]) if ok.any() else np.full(3, np.nan)
        rows.append({"actor": actor.name, "kind": actor.kind,
                     "description": actor.description, "n": n,
                     "median": float(q[1]), "q05": float(q[0]), "q95": float(q[2]),
                     "past_share": float(np.mean(values < 0)),  # of all scenarios
                     "undefined_share": float(np.mean(np.isnan(values))),
                     "factors": priors.uncertain})
    return rows
