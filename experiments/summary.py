"""python run.py: the model's key numbers in the authors' setting and at the priors' medians."""

from __future__ import annotations

import math

from engine import model
from engine.config import Settings
from engine.reports.html import Section, Table
from engine.reproduce import at_medians, key_numbers
from engine.runs import RunDir
from experiments.base import Experiment


def _show(v: float) -> str:
    return "never" if math.isnan(v) else f"{v:.4g}"


class Summary(Experiment):
    name = "summary"
    summary = "the model's key numbers in the authors' setting and at the priors' medians"
    writes = "report.html"
    evaluates = False

    def describe(self, s: Settings) -> str:
        return "no sampling: the authors' setting and the priors' medians"

    def run(self, s: Settings, run: RunDir, attrs: dict) -> float:
        horizon = float(s.t[-1])
        paper = key_numbers(model.PAPER, horizon)
        paper["inference catch-up at g_inf 2.8 [yr]"] = float(
            model.t_inference_catchup(model.PAPER.replace(g_inf=2.8)))
        at_median = key_numbers(at_medians(s.simulator.defaults, s.priors), horizon,
                                s.config.inference.form)
        where = (f"At the median of each configured prior (actor {s.config.actor.name}, "
                 f"inference form {s.config.inference.form}):")
        print("Meek Models Shall Inherit the Earth: key numbers")
        print("\nAuthors' setting (alpha 0.154, g_alg 2.8, g_hw 1.4, g_inv 5/1.4, g_inf 9, "
              "$1,000 at 1e17 FLOP/$):")
        print("\n".join(f"  {k:<36} {_show(v)}" for k, v in paper.items()))
        print(f"\n{where}")
        print("\n".join(f"  {k:<36} {_show(v)}" for k, v in at_median.items()))
        print("\nUncertainty and sensitivity: python run.py experiment=fan | experiment=sobol")
        self.report(run, s, attrs, "Key numbers", [
            Section("The authors' setting", table=Table(
                ["quantity", "value"], [[k, _show(v)] for k, v in paper.items()])),
            Section("At the priors' medians", [where], Table(
                ["quantity", "value"], [[k, _show(v)] for k, v in at_median.items()]))],
            None, [])
        return paper["t_peak [yr]"]
