"""The paper's reproduction: deterministic numbers against closed forms, the empirical gap
series on a hand-made table and on the corrected data, every figure opening."""

from __future__ import annotations

import math

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from engine import empirical, reproduce
from engine.resources import data_dir
from tests.conftest import run_main


def test_hand_made_leaderboard_gap_worked_by_hand(tmp_path):
    csv = tmp_path / "board.csv"
    csv.write_text(
        "model,release_date,mmlu_pro_pct,price_output_usd_per_mtok\n"
        "big,2024-01-01,60,20\n"          # frontier, far outside the band
        "unpriced,2024-01-01,58,0\n"      # price 0 = no listed price: never in the band
        "cheap,2024-02-01,40,0.8\n"       # first model in the band
        "unscored,2024-02-01,,0.6\n"      # no score: ignored
        "bigger,2024-04-01,70,30\n"
        "cheap2,2024-04-01,55,1.0\n"      # band edges are inclusive
        "too_cheap,2024-05-01,65,0.2\n"   # below the band
    )
    table = empirical.monthly_gap(empirical.load_leaderboard(csv, "price_output_usd_per_mtok"),
                                  "price_output_usd_per_mtok", (0.5, 1.0))
    assert [str(m) for m in table.index] == ["2024-01", "2024-02", "2024-03", "2024-04",
                                             "2024-05"]
    assert table["best_overall"].tolist() == [60, 60, 60, 70, 70]
    assert np.isnan(table["best_in_band"].iloc[0])
    assert table["best_in_band"].iloc[1:].tolist() == [40, 40, 55, 55]
    assert table["gap"].iloc[1:].tolist() == [20, 20, 15, 15]
    assert table["best_band_model"].iloc[-1] == "cheap2"


def test_corrected_data_end_at_the_last_genuine_month():
    board = empirical.load_leaderboard(data_dir() / "llm_mmlu_pro_prices.csv",
                                       "price_output_usd_per_mtok")
    gemini = board[board["model"] == "Gemini 1.5 Pro (Sep)"]
    assert str(gemini["release_date"].iloc[0]) == "2024-09"  # the shared correction
    table = empirical.monthly_gap(board, "price_output_usd_per_mtok", (0.5, 1.0))
    assert str(table.index[-1]) == "2025-04" and str(table.index[0]) == "2023-03"


def test_missing_column_and_missing_file_are_named(tmp_path):
    csv = tmp_path / "board.csv"
    csv.write_text("model,release_date,mmlu_pro_pct\nx,2024-01-01,50\n")
    with pytest.raises(empirical.DataError,
                       match="paper.empirical.price_column='price_output_usd_per_mtok'"):
        empirical.load_leaderboard(csv, "price_output_usd_per_mtok")
    with pytest.raises(empirical.DataError, match="no such file"):
        empirical.load_leaderboard(tmp_path / "nope.csv", "price")


def test_deterministic_numbers_equal_the_closed_forms():
    p = reproduce.paper_curves(horizon=20.0, points=201)
    lm, li = math.log(2.8 * 1.4), math.log(5 / 1.4)
    assert p.attrs["t_peak"] == pytest.approx(math.log((lm + li) / lm) / (0.154 * li))
    assert p.attrs["t_inflection"] == pytest.approx(2 * math.log((lm + li) / lm) / (0.154 * li))
    cm = math.log(1e20) + lm * p.attrs["t_peak"]
    assert p.attrs["peak_gap"] == pytest.approx(1070 * math.exp(-0.154 * cm) * li / (lm + li))
    for g_inf in (2.8, 9.0):
        k = math.log(1.4) + 2 * math.log(g_inf) - li
        assert float(p["t_inference_catchup"].sel(g_inf=g_inf)) == pytest.approx(
            (math.log(1e20) - 2 * math.log(1e9)) / k)
    # investment stops at year 5 after the peak: the peak is unchanged; the gap then falls faster
    assert np.allclose(p["t_peak_by_schedule"], p.attrs["t_peak"])
    late = p["loss_gap_by_schedule"].sel(t=15.0)
    assert late.isel(schedule=1) < late.isel(schedule=2) < late.isel(schedule=0)
    assert float(p["tokens_at_peak"].sel(slowdown=100.0)) == pytest.approx(
        100 * 0.9 * math.log(19) / p.attrs["peak_gap"])


def test_paper_experiment_end_to_end(cli):
    res, run = cli("experiment=paper", "sampler.n=300", "time.steps=81")
    assert res.returncode == 0, res.stderr
    expected = {"fig1_loss_gap_peak.png", "fig2_investment_schedules.png",
                "fig3_growth_rates_and_budgets.png", "fig4_inference_vs_training.png",
                "fig5_benchmark_gap_steps.png", "fig6_tokens_to_distinguish.png",
                "fans_with_paper_curves.png", "fans_benchmark_gap_steps.png",
                "empirical_check.png"}
    assert expected <= {p.name for p in run.glob("*.png")}
    for name in expected:
        img = mpimg.imread(run / name)
        assert img.shape[0] > 300 and float(img[..., :3].std()) > 0.02, name
    report = (run / "report.md").read_text()
    assert "| time of the loss-gap peak (the paper's 'inflection point') | 3.36 years |" in report
    assert "| inference catch-up at g_inf = 9x/yr | 1.33 years |" in report
    assert "| inference catch-up at g_inf = 2.8x/yr | 4.10 years |" in report
    assert "covers" in report and "90% band" in report
    table = pd.read_csv(run / "empirical_gap.csv")
    assert {"month", "best_overall", "best_in_band", "gap"} <= set(table.columns)
    assert table["gap"].dropna().between(0, 100).all() and table["month"].iloc[-1] == "2025-04"
    with xr.open_dataset(run / "fan.nc") as fan:
        assert {"loss_gap", "inference_gap", "benchmark_gap_p1", "benchmark_gap_p10"} <= set(fan)
    with xr.open_dataset(run / "empirical_model_fan.nc") as mfan:
        assert mfan["year"].values[-1] == pytest.approx(2025 + 3 / 12)


def test_paper_experiment_names_a_missing_data_file(tmp_path):
    run = tmp_path / "run"
    res = run_main(["experiment=paper", "sampler.n=100", "paper.empirical.data=/no/such.csv"],
                   run)
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert "paper.empirical.data='/no/such.csv': no such file" in res.stderr
    assert not run.exists() or not any(run.rglob("*"))
