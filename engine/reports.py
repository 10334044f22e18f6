"""Short Markdown summaries in plain words, written from saved index Datasets."""

from __future__ import annotations

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
