#!/usr/bin/env python3
"""Fit benchmark score against effective training compute and propose priors for the capability layer.

Reads ``benchmark_compute.csv`` (built by ``build_benchmark_compute.py``; see ``BENCHMARKS.md``)
and prints, for MMLU-Pro and GPQA Diamond, the fitted logistic, its bootstrap intervals, its
sensitivity to the algorithmic-progress rate and to the choice of points, and the proposed
priors. Nothing is written unless ``--json`` is given.

Model (score as a fraction, x = log10 of effective compute in 2025-equivalent FLOP):

    score(x) = floor + (ceiling - floor) / (1 + exp(-slope * (x - midpoint)))
    x        = log10(C) + (t - 2025.0) * log10(g_alg)

C is the physical training compute (FLOP) and t the model's publication date as a decimal
year (t = 2025.0 is the start of 2025). A model published in mid-2023 with C FLOP counts as
C * g_alg**(-1.5) 2025-FLOP: the same C buys more capability in 2025, so older models are moved
down the compute axis. g_alg defaults to 2.8 per year: Ho et al. 2024 (arXiv:2403.05812)
find the compute needed for a fixed loss halves every ~8 months (95% CI 5 to 14 months),
i.e. 2**(12/8) = 2.83 per year (95% CI 1.81 to 5.28).

Fit: floor fixed at the benchmark's chance level (0.10 for MMLU-Pro's ten options, 0.25 for
GPQA's four); ceiling fixed, for the point fit, at the median of its prior (the leaderboard
data stop well below the ceiling and cannot pin it, see the free-ceiling diagnostic); midpoint
and slope by least squares on the score fraction. Uncertainty: nonparametric bootstrap over
models (numpy RandomState(seed), resampling rows with replacement), with the ceiling drawn
from its prior in every replicate, so the midpoint and slope intervals include the ceiling's
uncertainty.

Points: the rows with fit_set == "primary" (the model's own compute estimate, not derived
from benchmark scores; no fine-tunes, reasoning variants or later checkpoints of a listed base
model; no code models). Sensitivity fits use other sets (see SUBSETS) and an upper-quantile
("frontier") fit.

Usage:
    python derive_benchmark_priors.py [data/benchmark_compute.csv] [--g-alg 2.8]
        [--n-boot 4000] [--seed 42] [--json out.json]

Only numpy and scipy are used. Runtime: about a minute on one core.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
from datetime import date

import numpy as np
from scipy import optimize, special, stats

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = 2025.0                       # reference time: effective compute in 2025-equivalent FLOP
G_ALG_HO = (2.0 ** (12 / 8), 2.0 ** (12 / 14), 2.0 ** (12 / 5))   # Ho et al. 2024: median, 95% CI

# Ceiling priors: Beta distributions given by their 5% and 95% quantiles (evidence in BENCHMARKS.md).
#   MMLU-Pro: best score in the data 86 %; most questions come from MMLU, whose error rate
#   MMLU-Redux (Gema et al. 2024, arXiv:2406.04127) estimates at 6.5 % before MMLU-Pro's
#   filtering; the authors have since corrected individual answers. -> 90 % interval [0.89, 0.975].
#   GPQA Diamond: best score in the data 84 %; developer-reported 91.9 % (Gemini 3 Pro) and
#   93.8 % (Gemini 3 Deep Think), Nov 2025, bound the keyed-wrong share to ~6 % (less if
#   contamination helped). -> 90 % interval [0.93, 0.99].
BENCH = {
    "mmlu_pro": dict(col="mmlu_pro_pct", label="MMLU-Pro", chance=0.10, ceil_q=(0.89, 0.975)),
    "gpqa_diamond": dict(col="gpqa_diamond_pct", label="GPQA Diamond", chance=0.25, ceil_q=(0.93, 0.99)),
}
# expert reference levels (thresholds, not ceilings): Rein et al. 2023 (arXiv:2311.12022)
GPQA_EXPERT = {"expert validators, all questions (65%)": 0.65,
               "experts, discounting clear mistakes (74%)": 0.74,
               "expert validators on Diamond, selection-inflated (81%)": 0.81}

SUBSETS = {
    "primary": lambda r: r["fit_set"] == "primary",
    "primary, no distilled": lambda r: r["fit_set"] == "primary" and r["distilled"] != "True",
    "primary, no speculative compute": lambda r: r["fit_set"] == "primary" and r["epoch_confidence"] != "Speculative",
    "primary + benchmark-informed compute": lambda r: r["fit_set"] in ("primary", "benchmark_informed"),
    "primary + derivatives (all but code)": lambda r: r["fit_set"] in ("primary", "derivative"),
}
REASONING_PAIRS = [("DeepSeek R1", "DeepSeek V3 (Dec '24)"),
                   ("QwQ-32B", "Qwen2.5 Instruct 32B"),
                   ("Claude 3.7 Sonnet Thinking", "Claude 3.7 Sonnet"),
                   ("DeepSeek R1 Distill Qwen 32B", "Qwen2.5 Instruct 32B"),
                   ("DeepSeek R1 Distill Llama 70B", "Llama 3.3 70B"),
                   ("DeepSeek R1 Distill Llama 8B", "Llama 3.1 8B")]
QUANTILE_TAU = 0.8                 # "frontier" fit: the 80th-percentile logistic
# model families released as several sizes trained alike: a common slope with one midpoint per
# family measures how score rises with compute inside a family (what one developer gets by
# scaling), free of the between-developer spread that flattens the cross-sectional fit
FAMILIES = {"Llama 2 Chat 7B": "Llama 2", "Llama 2 Chat 13B": "Llama 2", "Llama 2 Chat 70B": "Llama 2",
            "Llama 3 8B": "Llama 3", "Llama 3 70B": "Llama 3",
            "Llama 3.1 8B": "Llama 3.1", "Llama 3.1 70B": "Llama 3.1", "Llama 3.1 405B": "Llama 3.1",
            "Llama 3.2 1B": "Llama 3.2", "Llama 3.2 3B": "Llama 3.2",
            "Gemma 2 9B": "Gemma 2", "Gemma 2 27B": "Gemma 2",
            "Gemma 3 1B": "Gemma 3", "Gemma 3 4B": "Gemma 3", "Gemma 3 12B": "Gemma 3", "Gemma 3 27B": "Gemma 3",
            "Qwen2.5 Instruct 32B": "Qwen2.5", "Qwen2.5 72B": "Qwen2.5",
            "Phi-3 Mini": "Phi-3", "Phi-3 Medium 14B": "Phi-3",
            "Mixtral 8x7B": "Mixtral", "Mixtral 8x22B": "Mixtral"}


# --------------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------------
def decimal_year(iso: str) -> float:
    """'YYYY-MM-DD' -> decimal year (days since 1 January over 365.25)."""
    d = date.fromisoformat(iso)
    return d.year + (d - date(d.year, 1, 1)).days / 365.25


def load_rows(path: str) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def points(rows: list[dict], col: str, keep) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """(log10 C, decimal year, score fraction, names) of rows with compute and score that pass keep."""
    lc, t, y, names = [], [], [], []
    for r in rows:
        if r["training_compute_flop"] and r[col] and keep(r):
            lc.append(math.log10(float(r["training_compute_flop"])))
            t.append(decimal_year(r["training_date"]))
            y.append(float(r[col]) / 100.0)
            names.append(r["model"])
    return np.array(lc), np.array(t), np.array(y), names


def eff_x(lc: np.ndarray, t: np.ndarray, g_alg: float) -> np.ndarray:
    """log10 effective compute in 2025-equivalent FLOP."""
    return lc + (t - T0) * math.log10(g_alg)


# --------------------------------------------------------------------------------------------
# model and fits
# --------------------------------------------------------------------------------------------
def logistic(x, m, k, floor, ceil):
    return floor + (ceil - floor) * special.expit(k * (x - m))


def inverse(y, m, k, floor, ceil):
    """x at which the logistic reaches y (nan outside (floor, ceil))."""
    p = (np.asarray(y, float) - floor) / (ceil - floor)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((p > 0) & (p < 1), m + special.logit(p) / k, np.nan)


M_BOUNDS, K_BOUNDS = (18.0, 34.0), (0.02, 20.0)
STARTS = [(24.0, 0.5), (25.0, 1.0), (26.0, 0.7), (27.0, 0.4), (23.0, 1.5)]
LSQ = dict(method="trf", xtol=1e-12, ftol=1e-12)


def _dlogistic(x, m, k, floor, ceil):
    """(s, ds) with s = expit(k (x - m)) and ds = (ceil - floor) s (1 - s)."""
    s = special.expit(k * (x - m))
    return s, (ceil - floor) * s * (1.0 - s)


def fit_mk(x, y, floor, ceil, starts=STARTS):
    """Least-squares (midpoint, slope) with floor and ceiling fixed; returns (m, k, SSR)."""
    def jac(p):
        _, ds = _dlogistic(x, p[0], p[1], floor, ceil)
        return np.column_stack([-p[1] * ds, (x - p[0]) * ds])
    best = None
    for m0, k0 in starts:
        res = optimize.least_squares(lambda p: logistic(x, p[0], p[1], floor, ceil) - y, [m0, k0], jac=jac,
                                     bounds=([M_BOUNDS[0], K_BOUNDS[0]], [M_BOUNDS[1], K_BOUNDS[1]]), **LSQ)
        ssr = float(np.sum(res.fun ** 2))
        if best is None or ssr < best[2] - 1e-15:
            best = (float(res.x[0]), float(res.x[1]), ssr)
    return best


def fit_mkc(x, y, floor, starts=None):
    """Least squares with the ceiling free in (max y, 1): returns (m, k, ceil, SSR)."""
    if starts is None:
        starts = [(m0, k0, c0) for m0, k0 in STARTS for c0 in (min(0.99, y.max() + 0.02), 0.95, 0.99)]

    def jac(p):
        s, ds = _dlogistic(x, p[0], p[1], floor, p[2])
        return np.column_stack([-p[1] * ds, (x - p[0]) * ds, s])
    best = None
    for p0 in starts:
        p0 = (p0[0], p0[1], min(max(p0[2], y.max() + 1e-9), 1.0))
        res = optimize.least_squares(lambda p: logistic(x, p[0], p[1], floor, p[2]) - y, p0, jac=jac,
                                     bounds=([M_BOUNDS[0], K_BOUNDS[0], y.max()], [M_BOUNDS[1], K_BOUNDS[1], 1.0]),
                                     **LSQ)
        ssr = float(np.sum(res.fun ** 2))
        if best is None or ssr < best[3] - 1e-15:
            best = (float(res.x[0]), float(res.x[1]), float(res.x[2]), ssr)
    return best


def fit_mkb(lc, t, y, floor, ceil, starts=None):
    """Least squares with the algorithmic-progress rate free: x = lc + (t - T0) * beta, beta = log10 g.
    Returns (m, k, beta, SSR)."""
    if starts is None:
        starts = [(m0, k0, b0) for m0, k0 in STARTS for b0 in (0.0, 0.45, 1.0)]
    dt = t - T0

    def jac(p):
        x = lc + dt * p[2]
        _, ds = _dlogistic(x, p[0], p[1], floor, ceil)
        return np.column_stack([-p[1] * ds, (x - p[0]) * ds, p[1] * ds * dt])
    best = None
    for p0 in starts:
        res = optimize.least_squares(lambda p: logistic(lc + dt * p[2], p[0], p[1], floor, ceil) - y, p0,
                                     jac=jac, bounds=([M_BOUNDS[0], K_BOUNDS[0], -2.0], [M_BOUNDS[1], K_BOUNDS[1], 3.0]),
                                     **LSQ)
        ssr = float(np.sum(res.fun ** 2))
        if best is None or ssr < best[3] - 1e-15:
            best = (float(res.x[0]), float(res.x[1]), float(res.x[2]), ssr)
    return best


def fit_within(x, y, fam, floor, ceil, k0=1.0):
    """Common slope, one midpoint per family (fam: integer labels 0..F-1); returns (k, midpoints)."""
    nf = int(fam.max()) + 1
    m0 = [float(np.mean(x[fam == j])) for j in range(nf)]

    def jac(p):
        m = p[1:][fam]
        _, ds = _dlogistic(x, m, p[0], floor, ceil)
        j = np.zeros((len(x), nf + 1))
        j[:, 0] = (x - m) * ds
        j[np.arange(len(x)), 1 + fam] = -p[0] * ds
        return j
    best = None
    for kk in (k0, 0.5, 2.0):
        res = optimize.least_squares(lambda p: logistic(x, p[1:][fam], p[0], floor, ceil) - y, [kk] + m0, jac=jac,
                                     bounds=([K_BOUNDS[0]] + [M_BOUNDS[0]] * nf, [K_BOUNDS[1]] + [M_BOUNDS[1]] * nf),
                                     **LSQ)
        if best is None or res.cost < best.cost:
            best = res
    return float(best.x[0]), best.x[1:]


def fit_quantile(x, y, floor, ceil, tau, start):
    """tau-quantile logistic: minimise the pinball loss over (m, k) (Nelder-Mead from start)."""
    def loss(p):
        if not (K_BOUNDS[0] <= p[1] <= K_BOUNDS[1]):
            return 1e9
        r = y - logistic(x, p[0], p[1], floor, ceil)
        return float(np.sum(np.maximum(tau * r, (tau - 1.0) * r)))
    best = None
    for s in (start, (start[0] - 0.5, start[1]), (start[0], start[1] * 1.5)):
        res = optimize.minimize(loss, s, method="Nelder-Mead",
                                options=dict(xatol=1e-8, fatol=1e-12, maxiter=20000))
        if best is None or res.fun < best[1]:
            best = (res.x, res.fun)
    return float(best[0][0]), float(best[0][1])


def beta_from_quantiles(q05: float, q95: float) -> tuple[float, float]:
    """Beta(a, b) whose 5 % and 95 % quantiles are q05 and q95."""
    def eq(v):
        a, b = np.exp(v)
        return [stats.beta.ppf(0.05, a, b) - q05, stats.beta.ppf(0.95, a, b) - q95]
    mean, sd = 0.5 * (q05 + q95), (q95 - q05) / 3.29
    nu = mean * (1 - mean) / sd ** 2 - 1
    sol = optimize.fsolve(eq, np.log([mean * nu, (1 - mean) * nu]), xtol=1e-13)
    a, b = np.exp(sol)
    assert abs(stats.beta.ppf(0.05, a, b) - q05) < 1e-7 and abs(stats.beta.ppf(0.95, a, b) - q95) < 1e-7
    return float(a), float(b)


def q(v, p=(5, 50, 95)):
    return np.percentile(np.asarray(v, float), p)


def fmt3(v, f="{:.3f}"):
    return "[" + ", ".join(f.format(x) for x in v) + "]"


# --------------------------------------------------------------------------------------------
# the paper's MMLU sigmoid, expressed in the same form (for comparison)
# --------------------------------------------------------------------------------------------
def paper_mmlu_equivalent() -> dict:
    """perf(L) = 0.5567 / (1 + exp(23.775 (L - 1.9739))) + 0.2540 with L(C) = 1070 C^-0.154 + 1.7:
    midpoint in log10 C and the local slope there in the logistic's units (per decade)."""
    a, alpha, l0, lmid, s = 1070.0, 0.154, 1.7, 1.9739, 23.775
    x_mid = math.log10(a / (lmid - l0)) / alpha
    # d(logistic argument)/d(log10 C) = s * dL/dlog10C with dL/dlog10C = -alpha ln10 (L - l0)
    k_eq = s * alpha * math.log(10) * (lmid - l0)
    return dict(floor=0.2540, ceiling=0.2540 + 0.5567, midpoint_log10_flop=x_mid, local_slope_per_decade=k_eq)


# --------------------------------------------------------------------------------------------
def analyse(rows, key, spec, g_alg, n_boot, seed, out):
    col, floor = spec["col"], spec["chance"]
    a_c, b_c = beta_from_quantiles(*spec["ceil_q"])
    c_med = float(stats.beta.ppf(0.5, a_c, b_c))
    lc, t, y, names = points(rows, col, SUBSETS["primary"])
    x = eff_x(lc, t, g_alg)
    n = len(y)
    print(f"\n{'=' * 100}\n{spec['label']}  (floor fixed at chance {floor:.2f}; ceiling prior "
          f"Beta({a_c:.2f}, {b_c:.2f}): median {c_med:.3f}, 90% {fmt3(spec['ceil_q'])})\n{'=' * 100}")
    print(f"points (primary): n = {n}; physical compute 10^{lc.min():.2f} .. 10^{lc.max():.2f} FLOP; "
          f"dates {t.min():.2f} .. {t.max():.2f} (mean {t.mean():.2f}); score {100 * y.min():.0f} .. {100 * y.max():.0f} %")

    # ---- point fit ---------------------------------------------------------------------------
    m, k, ssr = fit_mk(x, y, floor, c_med)
    resid = y - logistic(x, m, k, floor, c_med)
    rsd = math.sqrt(ssr / (n - 2))
    mad = 1.4826 * np.median(np.abs(resid - np.median(resid)))
    print(f"point fit (g_alg = {g_alg:.2f}/yr, ceiling = {c_med:.3f}): midpoint = {m:.3f} "
          f"(C_eff = {10 ** m:.2e} 2025-FLOP), slope = {k:.3f} per decade "
          f"(max {100 * (c_med - floor) * k / 4:.1f} pp per decade)")
    print(f"  residual SD = {100 * rsd:.2f} pp (sqrt(SSR/(n-2))); robust (1.4826 MAD) = {100 * mad:.2f} pp; "
          f"largest |residual|: " + ", ".join(f"{names[i]} {100 * resid[i]:+.0f}" for i in np.argsort(-np.abs(resid))[:4]))

    # ---- bootstrap (rows resampled, ceiling drawn from its prior) -----------------------------
    rs = np.random.RandomState(seed)
    bm, bk, bs, bc, at_bound = [], [], [], [], 0
    for _ in range(n_boot):
        idx = rs.choice(n, size=n, replace=True)
        c = float(rs.beta(a_c, b_c))
        mm, kk, ss = fit_mk(x[idx], y[idx], floor, c, starts=[(m, k), (24.0, 0.5), (26.0, 0.7)])
        at_bound += (kk <= K_BOUNDS[0] * 1.0001) or (kk >= K_BOUNDS[1] * 0.9999) or mm in M_BOUNDS
        bm.append(mm); bk.append(kk); bs.append(math.sqrt(ss / (n - 2))); bc.append(c)
    bm, bk, bs = np.array(bm), np.array(bk), np.array(bs)
    print(f"bootstrap ({n_boot} replicates, seed {seed}; {at_bound} at a parameter bound): "
          f"midpoint 5/50/95% {fmt3(q(bm))}, slope {fmt3(q(bk))}, residual SD (pp) {fmt3(100 * q(bs), '{:.2f}')}; "
          f"corr(midpoint, slope) = {np.corrcoef(bm, bk)[0, 1]:+.2f}")
    grid = [23.0, 24.0, 25.0, 26.0, 27.0]
    pred = np.array([logistic(np.array(grid), mm, kk, floor, cc) for mm, kk, cc in zip(bm, bk, bc)])
    bc = np.array(bc)
    print("  predicted score (%) at log10 C_eff = " + "; ".join(
        f"{g:.0f}: {fmt3(100 * q(pred[:, i]), '{:.0f}')}" for i, g in enumerate(grid)))

    # how the midpoint and slope co-vary with the ceiling across replicates: the engine can draw
    # them conditionally, m = m_med + b_m (c - c_med), ln k = ln k_med + b_k (c - c_med)
    bc = np.array(bc)
    dc = bc - c_med
    b_m = float(np.polyfit(dc, bm, 1)[0])
    b_k = float(np.polyfit(dc, np.log(bk), 1)[0])
    print(f"  corr(midpoint, ln slope) = {np.corrcoef(bm, np.log(bk))[0, 1]:+.2f}; with the ceiling: "
          f"d midpoint/d ceiling = {b_m:+.2f} decades per unit, d ln slope/d ceiling = {b_k:+.2f} per unit "
          f"(across the ceiling's 90% interval: midpoint {b_m * (spec['ceil_q'][0] - c_med):+.2f} .. "
          f"{b_m * (spec['ceil_q'][1] - c_med):+.2f}, slope x{math.exp(b_k * (spec['ceil_q'][0] - c_med)):.2f} .. "
          f"x{math.exp(b_k * (spec['ceil_q'][1] - c_med)):.2f})")

    # ---- free ceiling (diagnostic) -----------------------------------------------------------
    m3, k3, c3, ssr3 = fit_mkc(x, y, floor)
    rs4 = np.random.RandomState(seed + 3)
    st3 = [(m3, k3, c3), (m, k, c_med), (24.0, 0.5, 0.99)]
    b3 = np.array([fit_mkc(x[i], y[i], floor, starts=st3)[:3] for i in
                   (rs4.choice(n, size=n, replace=True) for _ in range(max(1, n_boot // 4)))])
    print(f"free-ceiling fit (diagnostic): midpoint {m3:.2f}, slope {k3:.2f}, ceiling {c3:.3f} "
          f"(bootstrap ceiling 5/50/95% {fmt3(q(b3[:, 2]))}, share of replicates with ceiling >= 0.95: "
          f"{np.mean(b3[:, 2] >= 0.95):.2f}), residual SD {100 * math.sqrt(ssr3 / (n - 3)):.2f} pp")

    # ---- sensitivity to g_alg ----------------------------------------------------------------
    print("sensitivity to g_alg (point fit, ceiling at prior median):")
    by_g = {}
    for g in (1.0, G_ALG_HO[1], 2.0, g_alg, 4.0, G_ALG_HO[2], 10.0, 30.0):
        mg, kg, sg = fit_mk(eff_x(lc, t, g), y, floor, c_med)
        by_g[round(g, 3)] = (mg, kg)
        print(f"  g_alg = {g:5.2f}/yr: midpoint {mg:.3f}, slope {kg:.3f}, residual SD {100 * math.sqrt(sg / (n - 2)):.2f} pp")
    d_m_dlog10g = (by_g[round(G_ALG_HO[2], 3)][0] - by_g[round(G_ALG_HO[1], 3)][0]) / \
        (math.log10(G_ALG_HO[2]) - math.log10(G_ALG_HO[1]))
    print(f"  d(midpoint)/d(log10 g_alg) = {d_m_dlog10g:+.3f} decades per decade of g_alg "
          f"(over Ho et al.'s 95% CI {G_ALG_HO[1]:.2f}..{G_ALG_HO[2]:.2f}/yr)")

    # ---- g_alg free (what the data say about the rate, given this functional form) -----------
    mb, kb, bb, ssb = fit_mkb(lc, t, y, floor, c_med)
    rs2 = np.random.RandomState(seed + 1)
    bbs = []
    for _ in range(max(1, n_boot // 2)):
        idx = rs2.choice(n, size=n, replace=True)
        bbs.append(fit_mkb(lc[idx], t[idx], y[idx], floor, float(rs2.beta(a_c, b_c)),
                           starts=[(mb, kb, bb), (m, k, math.log10(g_alg)), (24.0, 0.5, 0.0)])[2])
    print(f"g_alg fitted from the data (same model, beta = log10 g free): g = {10 ** bb:.2f}/yr "
          f"(bootstrap 5/50/95%: {fmt3(10 ** q(bbs), '{:.2f}')}), midpoint {mb:.3f}, slope {kb:.3f}")

    # ---- sensitivity to the point set --------------------------------------------------------
    print("sensitivity to the choice of points (g_alg fixed):")
    sub_m, sub_k = {}, {}
    for name, keep in SUBSETS.items():
        lcs, ts, ys, _ = points(rows, col, keep)
        ms, ks, ss = fit_mk(eff_x(lcs, ts, g_alg), ys, floor, c_med)
        sub_m[name], sub_k[name] = ms, ks
        print(f"  {name:40s} n = {len(ys):3d}: midpoint {ms:.3f}, slope {ks:.3f}, residual SD {100 * math.sqrt(ss / (len(ys) - 2)):.2f} pp")

    # ---- upper-quantile ("frontier") fit -----------------------------------------------------
    mq, kq = fit_quantile(x, y, floor, c_med, QUANTILE_TAU, (m, k))
    rs3 = np.random.RandomState(seed + 2)
    bq = []
    for _ in range(max(1, n_boot // 4)):
        idx = rs3.choice(n, size=n, replace=True)
        bq.append(fit_quantile(x[idx], y[idx], floor, float(rs3.beta(a_c, b_c)), QUANTILE_TAU, (m, k)))
    bq = np.array(bq)
    print(f"{int(100 * QUANTILE_TAU)}th-percentile ('frontier') fit: midpoint {mq:.3f} "
          f"(bootstrap {fmt3(q(bq[:, 0]))}), slope {kq:.3f} (bootstrap {fmt3(q(bq[:, 1]))}); "
          f"offset from the least-squares midpoint {mq - m:+.3f} decades")

    # ---- within-family slope ------------------------------------------------------------------
    fam_names = sorted({FAMILIES[nm] for nm in names if nm in FAMILIES})
    sel = np.array([nm in FAMILIES for nm in names])
    fam = np.array([fam_names.index(FAMILIES[nm]) for nm in names if nm in FAMILIES])
    kw, _ = fit_within(x[sel], y[sel], fam, floor, c_med, k0=k)
    xs_, ys_ = x[sel], y[sel]
    rs5 = np.random.RandomState(seed + 4)
    bkw = []
    for _ in range(max(1, n_boot // 8)):            # resample whole families
        pick = rs5.choice(len(fam_names), size=len(fam_names), replace=True)
        idx = np.concatenate([np.flatnonzero(fam == j) for j in pick])
        lab = np.concatenate([np.full(np.sum(fam == j), i) for i, j in enumerate(pick)])
        bkw.append(fit_within(xs_[idx], ys_[idx], lab, floor, float(rs5.beta(a_c, b_c)), k0=kw)[0])
    print(f"within-family slope (common slope, one midpoint per family; {len(fam_names)} families, "
          f"{int(sel.sum())} models): {kw:.3f} per decade (family bootstrap 5/50/95% {fmt3(q(bkw))}) "
          f"vs cross-sectional {k:.3f}")

    # ---- reasoning / post-training uplift at fixed compute -----------------------------------
    byname = {r["model"]: r for r in rows}
    ups = []
    for rea, base in REASONING_PAIRS:
        ra, rb = byname.get(rea), byname.get(base)
        if ra is None or rb is None or not ra[col] or not rb[col]:
            continue
        ya, yb = float(ra[col]) / 100, float(rb[col]) / 100
        dx = float(inverse(ya, m, k, floor, c_med) - inverse(yb, m, k, floor, c_med))
        ups.append((rea, base, 100 * (ya - yb), dx))
    if ups:
        print("post-training uplift at equal compute (reasoning variant vs its base; compute-equivalent "
              "shift along the point fit):")
        for rea, base, dy, dx in ups:
            print(f"  {rea:32s} vs {base:24s}: {dy:+5.0f} pp = {dx:+.2f} decades")

    # ---- expert thresholds (GPQA) ------------------------------------------------------------
    if key == "gpqa_diamond":
        print("effective compute at which the point fit reaches the expert reference levels:")
        for lab, lev in GPQA_EXPERT.items():
            xs = inverse(lev, bm, bk, floor, np.array(bc))
            print(f"  {lab:55s}: log10 C_eff {fmt3(q(xs[np.isfinite(xs)]), '{:.2f}')} (bootstrap 5/50/95%)")

    # ---- proposed priors ---------------------------------------------------------------------
    sd_boot_m = float(np.std(bm, ddof=1))
    sd_g_m = abs(by_g[round(G_ALG_HO[2], 3)][0] - by_g[round(G_ALG_HO[1], 3)][0]) / (2 * 1.96)
    sd_sel_m = float(np.std(list(sub_m.values()), ddof=1))
    sd_front_m = abs(mq - m) / 2
    sd_m = math.sqrt(sd_boot_m ** 2 + sd_g_m ** 2 + sd_sel_m ** 2 + sd_front_m ** 2)
    mu_m = float(np.median(bm))
    lk = np.log(bk)
    s_boot_k = float(np.std(lk, ddof=1))
    s_g_k = abs(math.log(by_g[round(G_ALG_HO[2], 3)][1]) - math.log(by_g[round(G_ALG_HO[1], 3)][1])) / (2 * 1.96)
    s_sel_k = float(np.std(np.log(list(sub_k.values())), ddof=1))
    s_front_k = abs(math.log(kq) - math.log(k)) / 2
    s_within_k = abs(math.log(kw) - math.log(k)) / 2
    s_k = math.sqrt(s_boot_k ** 2 + s_g_k ** 2 + s_sel_k ** 2 + s_front_k ** 2 + s_within_k ** 2)
    mu_k = float(np.median(bk))
    rsd_b = 100 * bs
    noise_med, noise_s = float(np.median(rsd_b)), float(np.std(np.log(rsd_b), ddof=1))
    noise_s_w = math.sqrt(noise_s ** 2 + 0.25 ** 2)
    print("proposed priors:")
    print(f"  floor    : fixed at {floor:.2f} (chance)")
    print(f"  ceiling  : Beta({a_c:.2f}, {b_c:.2f}); median {c_med:.3f}, 90% {fmt3(spec['ceil_q'])}")
    print(f"  midpoint : Normal(mean {mu_m:.2f}, sd {sd_m:.2f}) in log10 2025-FLOP; 90% "
          f"[{mu_m - 1.645 * sd_m:.2f}, {mu_m + 1.645 * sd_m:.2f}]  (sd components: bootstrap {sd_boot_m:.2f}, "
          f"g_alg {sd_g_m:.2f}, point set {sd_sel_m:.2f}, median-vs-frontier {sd_front_m:.2f})")
    print(f"  slope    : LogNormal(median {mu_k:.3f}, sigma {s_k:.2f}) per decade; 90% "
          f"[{mu_k * math.exp(-1.645 * s_k):.3f}, {mu_k * math.exp(1.645 * s_k):.3f}]  (log-sd components: bootstrap "
          f"{s_boot_k:.2f}, g_alg {s_g_k:.2f}, point set {s_sel_k:.2f}, median-vs-frontier {s_front_k:.2f}, "
          f"within-family {s_within_k:.2f})")
    print(f"  noise    : residual SD LogNormal(median {noise_med:.1f} pp, sigma {noise_s_w:.2f}); 90% "
          f"[{noise_med * math.exp(-1.645 * noise_s_w):.1f}, {noise_med * math.exp(1.645 * noise_s_w):.1f}] pp "
          f"(bootstrap log-sd {noise_s:.2f} widened by 0.25 for the choice of points)")

    out[key] = dict(
        n_points=n, points=names, g_alg=g_alg, ceiling_beta=[a_c, b_c], ceiling_median=c_med, floor=floor,
        point_fit=dict(midpoint=m, slope=k, residual_sd=rsd, robust_sd=float(mad)),
        bootstrap=dict(midpoint=q(bm).tolist(), slope=q(bk).tolist(), residual_sd=q(bs).tolist(),
                       n_boot=n_boot, at_bound=int(at_bound)),
        free_ceiling=dict(midpoint=m3, slope=k3, ceiling=c3),
        g_sensitivity={str(g): dict(midpoint=v[0], slope=v[1]) for g, v in by_g.items()},
        g_fitted=dict(g=10 ** bb, bootstrap=(10 ** q(bbs)).tolist()),
        subsets={s: dict(midpoint=sub_m[s], slope=sub_k[s]) for s in sub_m},
        frontier=dict(tau=QUANTILE_TAU, midpoint=mq, slope=kq),
        within_family=dict(slope=kw, bootstrap=q(bkw).tolist(), families=fam_names),
        uplift=[dict(model=a, base=b, pp=dy, decades=dx) for a, b, dy, dx in ups],
        ceiling_dependence=dict(d_midpoint_d_ceiling=b_m, d_ln_slope_d_ceiling=b_k),
        free_ceiling_bootstrap=dict(ceiling=q(b3[:, 2]).tolist(), midpoint=q(b3[:, 0]).tolist(),
                                    slope=q(b3[:, 1]).tolist()),
        prior=dict(midpoint_normal=[mu_m, sd_m], slope_lognormal=[mu_k, s_k],
                   noise_lognormal_pp=[noise_med, noise_s_w]),
    )


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("data", nargs="?", default=os.path.join(HERE, "benchmark_compute.csv"))
    p.add_argument("--g-alg", type=float, default=G_ALG_HO[0],
                   help="algorithmic efficiency gain per year (default 2**1.5 = 2.83, Ho et al. 2024)")
    p.add_argument("--n-boot", type=int, default=4000)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--json", default=None, help="optional path for the numbers as JSON")
    args = p.parse_args(argv)
    if not os.path.isfile(args.data):
        print(f"data: no such file {args.data!r}", file=sys.stderr)
        return 2
    if not (args.g_alg > 0 and math.isfinite(args.g_alg)):
        print(f"--g-alg: must be a positive number, got {args.g_alg!r}", file=sys.stderr)
        return 2
    if args.n_boot < 1:
        print(f"--n-boot: must be at least 1, got {args.n_boot!r}", file=sys.stderr)
        return 2

    rows = load_rows(args.data)
    pm = paper_mmlu_equivalent()
    print(f"effective compute: 2025-equivalent FLOP, x = log10 C + (t - 2025) log10 g_alg, g_alg = {args.g_alg:.3f}/yr")
    print(f"paper's MMLU sigmoid in this form (physical FLOP of its Chinchilla-style loss curve): floor "
          f"{pm['floor']:.3f}, ceiling {pm['ceiling']:.3f}, midpoint {pm['midpoint_log10_flop']:.2f}, local slope "
          f"{pm['local_slope_per_decade']:.2f} per decade (a logistic in loss is not exactly one in log C)")
    out = dict(paper_mmlu=pm)
    for key, spec in BENCH.items():
        analyse(rows, key, spec, args.g_alg, args.n_boot, args.seed, out)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=2, default=float)
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
