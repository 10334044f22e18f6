"""Every config option composes, type-checks and builds (engine/config, conf/); the default
uncertainty model is the credible one the README describes; no test fixture is offered as a
choice."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import ROOT, settings

__all__ = ["settings"]  # tests/test_calibration.py composes through this module

GROUPS = {g.name: sorted(p.stem for p in g.glob("*.yaml"))
          for g in (ROOT / "conf").iterdir() if g.is_dir()}


@pytest.mark.parametrize("group,option", [
    pytest.param(g, o, marks=[pytest.mark.slow] if i else [])  # the fast loop: one per group
    for g, opts in GROUPS.items() for i, o in enumerate(opts)])
def test_every_group_option_composes_and_builds(group, option):
    overrides = [f"{group}={option}"]
    if group == "cluster" and option == "address":
        overrides.append("cluster.address=tcp://127.0.0.1:8786")
    if group == "priors" and option == "paper_fans":  # the paper's frontier: the paper's actor
        overrides.append("actor=paper")
    s = settings(overrides)
    assert s.design.rows > 0
    if group == "experiment":
        assert s.config.task == option


def test_default_priors_are_2025_anchored_and_never_put_the_frontier_behind():
    s = settings([])
    assert s.config.actor.name == "deepseek_v3" and s.config.actor.kind == "named"
    assert s.config.investment.name == "saturating" and s.config.inference.form == "price_decline"
    assert s.config.time.start_year == 2025 and s.config.correlations == []
    assert s.priors.uncertain == ["scaling_law", "g_alg", "g_hw", "g_inv", "g_inf",
                                  "flop_per_usd", "g_inv_after", "inference_compute_multiplier",
                                  "mmlu_pro_ceiling", "mmlu_pro_midpoint", "mmlu_pro_slope",
                                  "gpqa_diamond_ceiling", "gpqa_diamond_midpoint",
                                  "gpqa_diamond_slope", "sota_compute_flop",
                                  "max_training_spend_usd"]
    assert s.priors.derived == ["sota_budget_usd", "meek_budget_usd", "switch_year"]
    assert s.priors.support("sota_compute_flop") == (5e25, np.inf)
    for prior in s.priors:
        assert prior.source, f"priors.{prior.name} has no source"
    for actor in GROUPS["actor"]:
        a = settings([f"actor={actor}"])
        if a.config.actor.kind == "named":  # the shared FLOP per dollar cancels: compare compute
            age = a.priors.support("meek_run_age_years")[0]
            top = a.priors.support("meek_compute_flop")[0] * a.priors.support("g_hw")[1] ** age
            assert top <= a.priors.support("sota_compute_flop")[0]


def test_paper_priors_fix_everything_at_the_authors_setting():
    s = settings(["priors=paper"])
    assert s.priors.uncertain == [] and s.config.actor.name == "paper"
    values = {k: float(v[0]) for k, v in s.priors.map(np.zeros((1, 0))).items()}
    assert values["A"] == 1070.0 and values["alpha"] == 0.154 and values["L0"] == 1.7
    assert values["meek_budget_usd"] == values["sota_budget_usd"] == 1000.0
    assert s.config.time.start_year is None


def test_one_scalar_override_changes_one_prior():
    base = settings([])
    pinned = settings(["priors.g_inv.value=5"])
    assert pinned.priors["g_inv"].fixed and pinned.priors["g_inv"].value == 5.0
    assert len(pinned.priors.uncertain) == len(base.priors.uncertain) - 1
    assert settings(["priors.scaling_law=hoffmann"]).priors["scaling_law"].fixed


def test_validation_models_bring_their_inputs_and_offer_no_fixtures_as_choices():
    """model=ishigami and model=sobol_g are documented validation functions; their inputs, "no
    actor" and "no lever" come with them and are no options of the groups users choose from."""
    for model, inputs in (("ishigami", 3), ("sobol_g", 6)):
        s = settings([f"model={model}"])
        assert s.priors.uncertain == [f"x{i}" for i in range(1, inputs + 1)]
        assert s.config.actor.name == "none" and s.config.policy.name == "none"
    assert "none" not in GROUPS["actor"]
    assert not [o for o in GROUPS["policy"] if "validation" in o]
    assert not {"ishigami", "sobol_g"} & set(GROUPS["priors"])
