"""python run.py experiment=evidence: structural choices compared by their evidence on the
leaderboard, with Bayes factors and their Monte Carlo errors (engine.calibration.evidence).

Two comparisons, each on its own data (Bayes factors exist only within one):

* ``levels``: the records of both benchmarks' frontier and price band (the default calibration's
  likelihood), one alternative per ``evidence.inference`` form. The levels are logistics of the
  effective compute, which the scaling law does not enter, so the scaling fits have equal
  evidence there by construction and are not run.
* ``gap``: the MMLU-Pro gap through the paper's MMLU sigmoid of loss (``calibrate.likelihood=gap``),
  which the scaling law does enter: one alternative per ``evidence.scaling_laws`` fit (with the
  run's inference form).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import xarray as xr
from omegaconf import MISSING

from engine import io
from engine.calibration import evidence, levels, observation
from engine.config import Settings
from engine.config.checks import at_least, choice, fail, within
from engine.priors import PriorSet
from engine.reports.html import Section, Table
from engine.runs import RunDir
from engine.simulators.meek import Meek
from experiments.base import Experiment
from experiments.common import run_path

INFERENCE = ("paper", "price_decline")
FITS = ("paper", "hoffmann", "besiroglu", "both")


@dataclass
class EvidenceConfig:
    data: str = MISSING
    price_column: str = MISSING
    band: list[float] = MISSING
    benchmarks: list[str] = MISSING
    inference: list[str] = MISSING
    scaling_laws: list[str] = MISSING
    noise: dict = field(default_factory=dict)
    particles: int = MISSING
    seeds: list[int] = MISSING
    ess_fraction: float = MISSING
    mcmc_steps: int = MISSING

    def check(self) -> None:
        if len(self.band) != 2 or not 0 < self.band[0] <= self.band[1]:
            fail("evidence.band", list(self.band), "needs [low, high] with 0 < low <= high")
        for form in self.inference:
            choice("evidence.inference", form, INFERENCE)
        for fit in self.scaling_laws:
            choice("evidence.scaling_laws", fit, FITS)
        if len(set(self.inference)) != len(self.inference):
            fail("evidence.inference", list(self.inference), "each form once")
        if len(set(self.scaling_laws)) != len(self.scaling_laws):
            fail("evidence.scaling_laws", list(self.scaling_laws), "each fit once")
        if not self.inference and not self.scaling_laws:
            fail("evidence.inference", [], "give inference forms or scaling_laws to compare")
        at_least("evidence.particles", self.particles, 100)
        if len(self.seeds) < 2 or len(set(self.seeds)) != len(self.seeds):
            fail("evidence.seeds", list(self.seeds), "needs at least two different seeds (their "
                                                     "spread is one of the Monte Carlo errors)")
        within("evidence.ess_fraction", self.ess_fraction, 0, 1, open_ends=True)
        at_least("evidence.mcmc_steps", self.mcmc_steps, 1)


def _gap_observations(sec: EvidenceConfig) -> observation.Observations:
    """The MMLU-Pro gap, with any refusal naming this section's keys."""
    try:
        return observation.leaderboard(run_path(sec.data), sec.price_column, tuple(sec.band))
    except observation.CalibrationError as err:
        raise observation.CalibrationError(str(err).replace("calibrate.", "evidence.", 1)
                                           ) from None


def alternatives(s: Settings) -> dict[str, list[evidence.Alternative]]:
    """The alternatives of each comparison (module docstring)."""
    sec = s.config.evidence
    start = s.start_year if s.start_year is not None else 2025.0
    path = run_path(sec.data)
    out: dict[str, list[evidence.Alternative]] = {}
    if sec.inference:
        obs = levels.leaderboard(path, sec.price_column, tuple(sec.band), list(sec.benchmarks),
                                     key="evidence")
        alts = []
        for form in sec.inference:
            sim = Meek(replace(s.simulator.options, inference=form), backend="numpy")
            alts.append(evidence.from_levels(f"inference={form}", sim, s.priors, obs, start,
                                             description="levels of "
                                                         f"{', '.join(obs.benchmarks)}"))
        out["levels"] = alts
    if sec.scaling_laws:
        obs_gap = _gap_observations(sec)
        alts = []
        for fit in sec.scaling_laws:
            specs = s.priors.specs()
            specs["scaling_law"] = fit
            priors = PriorSet.from_specs(specs)
            alts.append(evidence.from_calibration(
                f"scaling_law={fit}", s.simulator, priors, obs_gap, dict(sec.noise), start,
                chunk_size=s.config.chunk_size,
                description=f"MMLU-Pro gap, inference={s.simulator.options.inference}"))
        out["gap"] = alts
    return out


class Evidence(Experiment):
    name = "evidence"
    summary = ("compares inference forms and scaling fits by their evidence on the leaderboard "
               "(SMC log evidence, Bayes factors with Monte Carlo errors)")
    writes = "evidence.nc, report.html"
    section = EvidenceConfig

    def check(self, s: Settings) -> None:
        sec = s.config.evidence
        path = run_path(sec.data)
        if sec.inference:
            levels.leaderboard(path, sec.price_column, tuple(sec.band), list(sec.benchmarks),
                                     key="evidence")
        if sec.scaling_laws:
            _gap_observations(sec)

    def describe(self, s: Settings) -> str:
        sec = s.config.evidence
        return (f"sequential Monte Carlo, {sec.particles:,} particles x {len(sec.seeds)} seeds "
                "per alternative")

    def run(self, s: Settings, run: RunDir, attrs: dict) -> float:
        sec = s.config.evidence
        parts = []
        with s.cluster.connect():
            for comparison, alts in alternatives(s).items():
                ds = evidence.compare(alts, particles=sec.particles, seeds=list(sec.seeds),
                                      ess_fraction=sec.ess_fraction, mcmc_steps=sec.mcmc_steps)
                ref = ds.attrs["reference"]
                ds = ds.assign_coords(
                    comparison=("alternative", np.full(ds.sizes["alternative"], comparison)),
                    reference=("alternative", np.full(ds.sizes["alternative"], ref)))
                parts.append(ds)
        out = xr.concat(parts, dim="alternative", combine_attrs="drop_conflicts")
        out.attrs.update({"title": "meek evidence: structural alternatives compared by SMC",
                          "particles": int(sec.particles)})
        out["comparison"].attrs["long_name"] = "the data the alternatives are compared on"
        out["reference"].attrs["long_name"] = "the alternative its Bayes factor is against"
        io.save_netcdf(io.cf_dataset(out, attrs), run.file("evidence.nc"))
        rows = [[str(out["comparison"].values[i]), str(a),
                 f"{float(out['log_evidence'][i]):.2f} +- "
                 f"{float(out['log_evidence_mcse'][i]):.2f}",
                 f"{float(out['log_bayes_factor'][i]):+.2f} +- "
                 f"{float(out['log_bayes_factor_mcse'][i]):.2f}",
                 str(out["reference"].values[i])]
                for i, a in enumerate(out["alternative"].values)]
        words = [f"Each alternative calibrated {len(sec.seeds)} times ({sec.particles:,} "
                 "particles each); log Z pooled over the seeds; the Monte Carlo error is the "
                 "larger of the islands' and the seeds' estimate. A log Bayes factor above 3 is "
                 "strong evidence, above 5 very strong (Kass and Raftery 1995), when its error "
                 "is small against it. Bayes factors compare alternatives on the same data only "
                 "(the comparison column). The levels do not depend on the scaling law, so the "
                 "scaling fits are compared on the gap, through the paper's MMLU sigmoid of loss."]
        self.report(run, s, attrs, "Evidence between structural choices", [
            Section("Log evidence and Bayes factors", words,
                    Table(["comparison", "alternative", "log evidence", "log Bayes factor",
                           "against"], rows))],
            None, [("evidence.nc", "log evidence and Bayes factors with their errors")])
        return float(np.nanmax(out["log_bayes_factor"].values))
