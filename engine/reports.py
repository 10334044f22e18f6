"""Short Markdown summaries in plain words, written from saved index Datasets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr


def sobol_summary(idx: xr.Dataset, output: str) -> str:
    """Rank the parameters for one output by total-order index, in plain words."""
    sel = idx.sel(output=output)
    order = sel["ST"].argsort().values[::-1]
    label = str(sel["output_label"].values) if "output_label" in idx else output
    lines = [f"# What drives the {label}", ""]
    n, conf = idx.attrs.get("N"), idx.attrs.get("conf_level", 0.95)
    lines.append(f"Sobol' analysis on a Saltelli design with N = {n:,} base rows; intervals are "
                 f"{conf:.0%} bootstrap intervals (+-).")
    share = float(sel["defined_share"]) if "defined_share" in idx else 1.0
    if share < 1:
        lines.append(f"The {label} is defined in {share:.1%} of scenarios; the ranking below "
                     "is over those.")
    lines += ["", "| rank | parameter | alone (S1) | with interactions (ST) |",
              "|---|---|---|---|"]
    for rank, i in enumerate(order, 1):
        p = str(idx["parameter"].values[i])
        lines.append(f"| {rank} | {p} | {float(sel['S1'][i]):.2f} +- "
                     f"{float(sel['S1_conf'][i]):.2f} | {float(sel['ST'][i]):.2f} +- "
                     f"{float(sel['ST_conf'][i]):.2f} |")
    top = [str(idx["parameter"].values[i]) for i in order]
    st = sel["ST"].values
    s1 = sel["S1"].values
    lines += ["", "In plain words:", ""]
    lines.append(f"- **{top[0]}** matters most: on its own it explains about "
                 f"{max(s1[order[0]], 0):.0%} of the variance of the {label}, and "
                 f"{st[order[0]]:.0%} counting its interactions.")
    if len(top) > 1:
        lines.append(f"- Next come **{top[1]}** (ST {st[order[1]]:.0%})" +
                     (f" and **{top[2]}** (ST {st[order[2]]:.0%})." if len(top) > 2 else "."))
    small = [top[k] for k in range(len(top)) if st[order[k]] < 0.01]
    if small:
        lines.append(f"- {', '.join(small)} barely matter (ST below 1%): fixing them at any "
                     "value in their range would hardly change the result.")
    interactions = 1 - float(s1.clip(min=0).sum())
    lines.append(f"- The parameters act mostly {'additively' if interactions < 0.1 else 'jointly'}"
                 f": the first-order indices sum to {s1.clip(min=0).sum():.2f}, leaving about "
                 f"{max(interactions, 0):.0%} to interactions.")
    return "\n".join(lines) + "\n"


def fan_coverage(observed: pd.Series, fan: xr.Dataset, var: str) -> dict[str, float]:
    """Share of observed values (indexed by decimal year) inside the fan's 50% and 90% bands."""
    obs = observed.dropna()
    x = np.asarray(obs.index, dtype=float)
    y = obs.to_numpy(dtype=float)
    fx = fan["year"].values
    qs = list(np.round(fan["quantile"].values, 6))

    def at(q: float) -> np.ndarray:
        return np.interp(x, fx, fan[var].isel(quantile=qs.index(q)).values)

    inside90 = (y >= at(0.05)) & (y <= at(0.95))
    inside50 = (y >= at(0.25)) & (y <= at(0.75))
    above = y > at(0.95)
    return {"n": int(y.size), "inside90": float(inside90.mean()) if y.size else float("nan"),
            "inside50": float(inside50.mean()) if y.size else float("nan"),
            "above90": float(above.mean()) if y.size else float("nan")}


def _q(values: np.ndarray) -> str:
    v = values[np.isfinite(values)]
    if not v.size:
        return "undefined everywhere"
    lo, med, hi = np.quantile(v, [0.05, 0.5, 0.95])
    share = v.size / values.size
    extra = f" (defined in {share:.0%})" if share < 1 else ""
    return f"{med:.3g} [{lo:.3g}, {hi:.3g}]{extra}"


def paper_report(p: xr.Dataset, fan: xr.Dataset, scen: xr.Dataset, table: pd.DataFrame,
                 coverage: dict[str, float], band: str) -> str:
    """The key numbers of the paper, their uncertainty, and the empirical check, in Markdown."""
    lines = ["# Meek Models Shall Inherit the Earth: results regenerated", "",
             "Authors' setting: " + p.attrs["setting"].replace(";", ",") + ".", "",
             "## Key numbers (authors' setting)", "", "| quantity | value |", "|---|---|"]
    lines.append(f"| time of the loss-gap peak (the paper's 'inflection point') | "
                 f"{p.attrs['t_peak']:.2f} years |")
    lines.append(f"| peak loss gap | {p.attrs['peak_gap']:.3f} nats |")
    lines.append(f"| true inflection of the gap (second derivative zero) | "
                 f"{p.attrs['t_inflection']:.2f} years |")
    for g in p["g_inf"].values:
        lines.append(f"| inference catch-up at g_inf = {g:g}x/yr | "
                     f"{float(p['t_inference_catchup'].sel(g_inf=g)):.2f} years |")
    for k in p["steps"].values:
        lines.append(f"| peak benchmark gap, {k} step(s) | "
                     f"{float(p['peak_benchmark_gap'].sel(steps=k)):.1f} pp at year "
                     f"{float(p['t_peak_benchmark'].sel(steps=k)):.2f} |")
    for s in p["slowdown"].values:
        lines.append(f"| tokens to tell the models apart at the peak, slowdown {s:g}x | "
                     f"{float(p['tokens_at_peak'].sel(slowdown=s)):.3g} |")
    for sched in p["schedule"].values:
        lines.append(f"| loss-gap peak with investment: {sched} | "
                     f"{float(p['t_peak_by_schedule'].sel(schedule=sched)):.2f} years |")
    n = scen.sizes["scenario"]
    lines += ["", f"## The same numbers with their uncertainty ({n:,} scenarios, "
              f"{scen.attrs.get('design', 'mc')} design)", "",
              "Median [5%, 95%] over the priors (conf/priors/literature.yaml):", "",
              "| quantity | median [90% interval] |", "|---|---|"]
    for name in ("t_peak", "peak_gap", "t_inflection", "t_inference_catchup",
                 "peak_benchmark_gap", "tokens_at_peak"):
        lines.append(f"| {scen[name].attrs['long_name']} [{scen[name].attrs['units']}] | "
                     f"{_q(scen[name].values)} |")
    obs = table["gap"].dropna()
    lines += ["", "## Empirical check", "",
              f"Best MMLU-Pro score released so far against the best within {band} "
              f"(data/llm_mmlu_pro_prices.csv, Artificial Analysis leaderboard as collected by "
              f"the paper's authors), {len(table)} months, {obs.size} with a model in the band.",
              ""]
    if obs.size:
        first, last = obs.iloc[0], obs.iloc[-1]
        lines.append(f"The observed gap was {first:.0f} points when the band first had a scored "
                     f"model and {last:.0f} points in the last month; largest {obs.max():.0f}, "
                     f"smallest {obs.min():.0f}.")
    lines.append("")
    lines.append(f"The model's benchmark gap for a user at a fixed price in that band (fan over "
                 f"the priors) covers {coverage['inside90']:.0%} of the observed monthly gaps with "
                 f"its 90% band and {coverage['inside50']:.0%} with its 50% band; "
                 f"{coverage['above90']:.0%} lie above the 90% band. The model predicts MMLU-like "
                 "scores from loss and starts its clock at the configured month, so this is a "
                 "check of shape and timing, not a fit.")
    return "\n".join(lines) + "\n"
