"""Named actors, the compute-anchored frontier, the saturating investment path and dependent priors
(issue 23).

Reference values are hand computations written out here (the arithmetic in the comments), the
catalogue data/actors.csv read independently of the code under test, and rank statistics of the
draws (scipy's Spearman), never numbers produced by the code under test.
"""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
from scipy import stats

from engine.designs import make_design
from engine.jobs import Job, evaluate_rows
from tests.conftest import ROOT, settings

NAMED = ("deepseek_v3", "llama_3_1_405b", "gpt_4", "mistral_large_2", "tinyllama_1_1b",
         "llm_c_gpt2_1558m")
CLASSES = ("open_weights_lab", "startup", "university_lab", "person")


def catalogue() -> dict[str, dict[str, str]]:
    with open(ROOT / "data" / "actors.csv", newline="") as f:
        return {r["id"]: r for r in csv.DictReader(f)}


def fixed(s, name: str) -> float:
    p = s.priors[name]
    assert p.fixed, name
    return float(p.value)


@pytest.mark.parametrize("actor", NAMED)
def test_named_actor_fixes_the_catalogue_compute_and_release(actor):
    row = catalogue()[actor]
    s = settings([f"actor={actor}"])
    assert s.config.actor.kind == "named" and s.config.actor.name == actor
    assert fixed(s, "meek_compute_flop") == float(row["training_compute_flop"])
    year, month = (int(x) for x in row["release_date"].split("-"))
    assert fixed(s, "meek_run_age_years") == pytest.approx(2025.0 - (year + (month - 0.5) / 12),
                                                           abs=1e-9)
    assert fixed(s, "meek_growth") == 1.0  # the named run's fixed budget
    assert "meek_budget_usd" in s.priors.derived and "meek_budget_usd" not in s.priors.uncertain


def test_deepseek_budget_in_2025_dollars_by_hand():
    # 3.4078e24 FLOP, released 2024-12 (age 1/24 yr), g_hw 1.4, 6e17 FLOP/$ in 2025:
    # 1.4^(1/24) = exp(0.336472 / 24) = exp(0.0140197) = 1.0141184
    # 3.4078e24 * 1.0141184 = 3.455913e24; / 6e17 = 5.759855e6 USD (data/ACTORS.md: "$5.8M")
    s = settings(["actor=deepseek_v3", "priors.g_hw.value=1.4", "priors.flop_per_usd.value=6e17",
                  "priors.sota_compute_flop.value=3.5e26"])
    v = s.priors.map(np.full((1, s.priors.columns), 0.5))
    assert float(v["meek_budget_usd"][0]) == pytest.approx(5.759855e6, rel=2e-6)
    # frontier: 3.5e26 / 6e17 = 5.8333e8 USD
    assert float(v["sota_budget_usd"][0]) == pytest.approx(5.83333e8, rel=1e-6)
    # the meek actor's compute at t = 0 does not depend on the price: budget x price
    s2 = settings(["actor=deepseek_v3", "priors.g_hw.value=1.4", "priors.flop_per_usd.value=2e17"])
    v2 = s2.priors.map(np.full((1, s2.priors.columns), 0.5))
    assert float(v2["meek_budget_usd"][0] * 2e17) == pytest.approx(3.4078e24 * 1.0141184,
                                                                   rel=1e-7)


def test_gpt4_brought_to_2025_by_hand():
    # released 2023-03: age = 2025 - (2023 + 2.5/12) = 1.7916667; 1.4^1.7916667 =
    # exp(1.7916667 * 0.3364722) = exp(0.6028461) = 1.8272; 2.1e25 * 1.8272 = 3.8371e25 FLOP
    # (data/actors.csv compute_at_2025_prices_flop: 3.837e25); at 1e18 FLOP/$: 3.8371e7 USD
    s = settings(["actor=gpt_4", "priors.g_hw.value=1.4", "priors.flop_per_usd.value=1e18"])
    v = s.priors.map(np.full((1, s.priors.columns), 0.5))
    assert float(v["meek_budget_usd"][0]) == pytest.approx(3.8371e7, rel=2e-4)


def test_saturating_switch_year_and_spending_by_hand():
    # sota = 3.5e26 / 6e17 = 5.83333e8; cap 3e10: ratio 51.42857, ln = 3.940194;
    # ln 2.5 = 0.9162907; switch_year = 3.940194 / 0.9162907 = 4.300157
    # spending at year 10: 3e10 * 1.03^(10 - 4.300157); at year 2 (before the cap):
    # 5.83333e8 * 2.5^2 = 3.645833e9
    switch = math.log(3e10 / (3.5e26 / 6e17)) / math.log(2.5)
    assert switch == pytest.approx(4.300157, abs=1e-6)
    s = settings(["priors.g_inv.value=2.5", "priors.flop_per_usd.value=6e17",
                  "priors.sota_compute_flop.value=3.5e26",
                  "priors.max_training_spend_usd.value=3e10", "priors.g_inv_after.value=1.03",
                  "outcomes.horizons=[2,10]"])
    v = s.priors.map(np.full((1, s.priors.columns), 0.5))
    assert float(v["switch_year"][0]) == pytest.approx(switch, rel=1e-12)
    out = s.simulator.evaluate({k: np.atleast_1d(v[k]) if k in v else
                                np.atleast_1d(s.simulator.defaults[k])
                                for k in s.simulator.parameters}, s.t)
    assert float(out["frontier_spend_at_10y"][0]) == pytest.approx(3e10 * 1.03 ** (10 - switch),
                                                                   rel=1e-9)
    assert float(out["frontier_spend_at_2y"][0]) == pytest.approx(3.645833e9, rel=1e-6)
    # a cap above the 2025 spend is reached later; one at or below it switches at once
    for cap, switched_at_once in ((2e9, False), (1e9, True), (5e8, True)):
        s = settings(["priors.flop_per_usd.value=1e18", "priors.sota_compute_flop.value=1e27",
                      f"priors.max_training_spend_usd.value={cap}"])  # spend at t = 0: 1e9
        v = s.priors.map(np.full((1, s.priors.columns), 0.5))
        assert (float(v["switch_year"][0]) == 0.0) == switched_at_once


def test_constant_investment_is_the_papers_path():
    s = settings(["investment=constant"])
    assert fixed(s, "switch_year") == math.inf and fixed(s, "g_inv_after") == 1.0
    assert "switch_year" not in s.priors.derived


def test_paper_priors_pin_actor_investment_and_inference():
    s = settings(["priors=paper"])
    assert s.config.actor.name == "paper" and s.config.investment.name == "constant"
    assert s.config.inference.form == "paper" and s.priors.derived == []


@pytest.mark.parametrize("actor", CLASSES)
def test_class_actors_keep_their_budget_ranges_and_get_a_growth_prior(actor):
    s = settings([f"actor={actor}"])
    assert s.config.actor.kind == "class"
    lo, hi = s.priors.support("meek_budget_usd")
    assert s.priors["meek_budget_usd"].dist == "loguniform" and lo < hi
    growth = s.priors["meek_growth"]
    if actor == "person":
        assert growth.fixed and growth.value == 1.0
    else:
        assert growth.support()["meek_growth"][0] == 1.0  # truncated at 1


def test_frontier_compute_draws_follow_the_anchor():
    """The 2025 frontier compute is drawn directly: its quantiles are the prior's (lognormal
    median 3.5e26, sigma 0.65, truncated below at 5e25), and budget x price gives it back."""
    s = settings([])
    design = make_design("mc", 20000, s.priors.columns, 7)
    v = s.priors.map(design.unit_rows(0, 20000))
    c = v["sota_compute_flop"]
    # truncation at 5e25 removes Phi(ln(5e25/3.5e26)/0.65) = Phi(-2.9937) = 0.00138 of the mass:
    # the median moves to exp(ln 3.5e26 + 0.65 * Phi^-1(0.5 + 0.00138/2)) ~ 3.504e26
    assert np.median(c) == pytest.approx(3.5e26, rel=0.03)
    np.testing.assert_allclose(v["sota_budget_usd"] * v["flop_per_usd"], c, rtol=1e-12)
    assert np.mean(c >= 5e26) == pytest.approx(stats.norm.sf(np.log(5e26 / 3.5e26) / 0.65),
                                               abs=0.015)


@pytest.mark.parametrize("rho", [0.5, -0.3])
def test_drawn_rank_correlation_equals_rho(rho):
    """Spearman's rho of the drawn g_alg and g_inv is the configured rho within sampling error
    (n = 20,000: the standard error of Spearman's rho is below (1 - rho^2) / sqrt(n) ~ 0.006)."""
    s = settings([f"correlations=[{{a: g_alg, b: g_inv, rho: {rho}}}]"])
    assert "g_alg+g_inv" in s.priors.uncertain and "g_alg" not in s.priors.uncertain
    assert s.priors.correlated == [["g_alg", "g_inv"]]
    design = make_design("mc", 20000, s.priors.columns, 11)
    v = s.priors.map(design.unit_rows(0, 20000))
    r = stats.spearmanr(v["g_alg"], v["g_inv"]).statistic
    assert abs(r - rho) < 0.03
    # the marginals are the priors' own: compare with an independent run's draws
    base = settings([])
    vb = base.priors.map(make_design("mc", 20000, base.priors.columns, 12).unit_rows(0, 20000))
    for name in ("g_alg", "g_inv"):
        assert stats.ks_2samp(v[name], vb[name]).pvalue > 1e-3


def test_correlated_factors_are_one_sobol_group():
    s = settings(["experiment=sobol", "sampler.n=16",
                  "correlations=[{a: g_alg, b: g_inv, rho: 0.5}]"])
    groups = s.priors.groups
    assert groups.count("g_alg+g_inv") == 2  # two columns, one factor of the design
    from experiments.common import choices_text
    text = choices_text(s)
    assert "g_alg+g_inv" in text and "one group" in text and "actor=deepseek_v3" in text


def test_actor_table_is_one_monte_carlo_per_actor():
    from engine.analysis.actors import answers, load_actors
    from engine.config.settings import make_priors

    s = settings(["time.steps=31"])
    actors = [a for a in load_actors(ROOT / "conf" / "actor")
              if a.name in ("deepseek_v3", "open_weights_lab")]
    rows = answers(s.simulator, lambda sp: make_priors(sp, s.simulator), dict(s.config.priors),
                   actors, s.t, 2000, 3)
    assert [r["actor"] for r in rows] == ["deepseek_v3", "open_weights_lab"]
    # the deepseek row is the run's own MC: the same priors, design and outcome
    design = make_design("mc", 2000, s.priors.columns, 3)
    own = evaluate_rows(Job(s.simulator, s.priors, design, s.t), 0, 2000, ())["t_peak"]
    ok = np.isfinite(own)
    assert rows[0]["median"] == float(np.quantile(own[ok], 0.5))
    assert rows[0]["past_share"] == float(np.mean(own < 0))
    assert "meek_budget_usd" in rows[1]["factors"] and "meek_growth" in rows[1]["factors"]


def test_drivers_are_declared_once_with_metadata_and_set_one_parameter_each():
    from engine.model import registry

    names = set(registry.NAMES)
    for p in registry.DRIVERS:
        assert p.units and p.long_name and p.doc and p.name not in names
    derived = registry.derivations(registry.DRIVER_NAMES)
    assert [d.name for d in derived] == ["sota_budget_usd", "meek_budget_usd", "switch_year"]
    assert all(d.name in names and set(d.inputs) <= names | set(registry.DRIVER_NAMES)
               for d in derived)
    assert registry.derivations(["g_alg"]) == []  # no driver, no derivation: the paper's run
