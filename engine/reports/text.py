"""Results in plain words (Markdown), written from saved Datasets."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr


def _fmt(v: float) -> str:
    if not np.isfinite(v):
        return "never" if v == np.inf else "n/a"
    a = abs(v)
    if a != 0 and (a >= 1e5 or a < 1e-3):
        return f"{v:.3g}"
    return f"{v:.3g}" if a < 100 else f"{v:,.0f}"


def outcome_rows(summary: xr.Dataset, start_year: float | None = None,
                 constant: list[str] | None = None) -> list[dict[str, str]]:
    """One row per outcome: its label (engine.reports.labels), median [90% interval] with its
    unit, and the shares left out. Times are calendar years when ``start_year`` is given;
    durations are years. An outcome whose 5%, 50% and 95% quantiles coincide and which no
    scenario leaves out says nothing a table row can: it is left out and, when ``constant`` is
    a list, a sentence on it is appended there."""
    from engine.reports import labels

    rows = []
    qs = list(np.round(summary["quantile"].values, 6))
    for name in summary["outcome"].values:
        s = summary.sel(outcome=name)
        q = s["quantiles"].values
        lab = labels.lookup(str(name), start_year)
        units = str(s["units"].values)
        notes = []
        for key, text in (("undefined_share", "undefined"), ("infinite_share", "infinite")):
            v = float(s[key])
            if v > 0:
                notes.append(f"{v:.1%} {text}")
        if units == "a" and float(s["negative_share"]) > 0:
            notes.append(f"{float(s['negative_share']):.1%} already past at the start"
                         if lab.kind == "time" else f"{float(s['negative_share']):.1%} negative")
        lo, mid, hi = q[qs.index(0.05)], q[qs.index(0.5)], q[qs.index(0.95)]
        is_time = lab.kind == "time" and start_year is not None
        if is_time:
            show = [labels.calendar(start_year, v) for v in (mid, lo, hi)]
            unit = ""
        else:
            show = [_fmt(v) for v in (mid, lo, hi)]
            unit = f" {lab.unit}" if lab.unit else ""
        if np.isfinite(mid) and lo == hi == mid and not notes:
            if constant is not None:
                constant.append(f"{lab.label[:1].upper()}{lab.label[1:]} is {show[0]}{unit} "
                                "in every scenario"
                                + (" (the start)" if is_time and mid == 0 else "") + ".")
            continue
        rows.append({"name": str(name), "what": lab.label, "median": show[0] + unit,
                     "interval": f"[{show[1]}, {show[2]}]" + unit, "notes": "; ".join(notes),
                     "unit": "calendar year" if is_time else lab.unit})
    return rows


def outcomes_markdown(summary: xr.Dataset, start_year: float | None = None) -> str:
    constant: list[str] = []
    lines = ["| outcome | median | 90% interval | not in the quantiles |", "|---|---|---|---|"]
    for r in outcome_rows(summary, start_year, constant):
        lines.append(f"| {r['what']} (`{r['name']}`) | {r['median']} | {r['interval']} | "
                     f"{r['notes'] or '-'} |")
    return "\n".join(lines + [""] + constant) + "\n"


def ranking_rows(idx: xr.Dataset, output: str) -> list[dict[str, str]]:
    sel = idx.sel(output=output)
    order = np.argsort(-np.nan_to_num(sel["ST"].values, nan=-1))
    from engine.reports.labels import label

    return [{"rank": str(r), "factor": label(str(idx["factor"].values[i])),
             "S1": f"{float(sel['S1'][i]):.2f} ± {float(sel['S1_conf'][i]):.2f}",
             "ST": f"{float(sel['ST'][i]):.2f} ± {float(sel['ST_conf'][i]):.2f}"}
            for r, i in enumerate(order, 1)]


def sobol_words(idx: xr.Dataset, output: str) -> list[str]:
    """A few sentences on what drives one output."""
    sel = idx.sel(output=output)
    label = str(sel["output_label"].values) if "output_label" in idx else output
    st, s1 = sel["ST"].values, sel["S1"].values
    if not np.isfinite(st).any():
        return [f"The {label} is defined in too few scenarios to analyse."]
    from engine.reports.labels import label as human

    order = np.argsort(-np.nan_to_num(st, nan=-1))
    top = [human(str(idx["factor"].values[i])) for i in order]
    out = [f"**{top[0]}** matters most for the {label}: alone it explains about "
           f"{max(s1[order[0]], 0):.0%} of its variance, {st[order[0]]:.0%} with interactions."]
    if len(top) > 1:
        out.append(f"Next come **{top[1]}** (ST {st[order[1]]:.0%})" +
                   (f" and **{top[2]}** (ST {st[order[2]]:.0%})." if len(top) > 2 else "."))
    small = [top[k] for k in range(len(top)) if st[order[k]] < 0.01]
    if small:
        out.append(f"{', '.join(small)} barely matter (ST below 1%): fixing them anywhere in "
                   "their range would hardly change it.")
    inter = 1 - float(np.nansum(np.clip(s1, 0, None)))
    out.append(f"The factors act mostly {'additively' if inter < 0.1 else 'jointly'}: the "
               f"first-order indices sum to {np.nansum(np.clip(s1, 0, None)):.2f}.")
    share = float(sel["defined_share"]) if "defined_share" in idx else 1.0
    if share < 1:
        out.append(f"It is defined in {share:.1%} of scenarios; the ranking is over those "
                   f"(see `{output}_is_defined` for what decides whether it is).")
    return out


def sobol_summary(idx: xr.Dataset, summary: xr.Dataset, outputs: Sequence[str]) -> str:
    """summary.md: every scalar outcome's range, then what drives each analysed outcome."""
    n, conf = idx.attrs.get("N"), idx.attrs.get("conf_level", 0.95)
    lines = ["# What drives the outcomes", "",
             f"Sobol' analysis on a Saltelli design with N = {n:,} base rows over the factors "
             f"{', '.join(map(str, idx['factor'].values))}; ± are {conf:.0%} bootstrap "
             "half-widths.", "", "## Every outcome's range", "", outcomes_markdown(summary)]
    for output in outputs:
        if output not in idx["output"].values:
            continue
        label = str(idx.sel(output=output)["output_label"].values)
        lines += [f"## {label} (`{output}`)", "", "| rank | factor | alone (S1) | with "
                  "interactions (ST) |", "|---|---|---|---|"]
        lines += [f"| {r['rank']} | {r['factor']} | {r['S1']} | {r['ST']} |"
                  for r in ranking_rows(idx, output)]
        lines += [""] + [f"- {s}" for s in sobol_words(idx, output)] + [""]
    return "\n".join(lines) + "\n"


def _wq(values: np.ndarray, weights: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """Weighted quantiles (inverted CDF)."""
    ok = np.isfinite(values)
    v, w = values[ok], weights[ok]
    order = np.argsort(v)
    cum = np.cumsum(w[order])
    cum /= cum[-1]
    return v[order][np.minimum(np.searchsorted(cum, qs), len(v) - 1)]


def calibration_rows(cal: xr.Dataset) -> list[list[str]]:
    """parameter | prior median [90%] | posterior median [90%], from a calibration.nc."""
    rows = []
    flat = np.ones(cal.sizes["particle"])
    for name in str(cal.attrs["uncertain_parameters"]).split() + ["t_peak"]:
        if name == "t_peak":
            prior, pw = cal["prior_t_peak"].values, np.ones(cal.sizes["draw"])
            post, w = cal["posterior_t_peak"].values, np.ones(cal.sizes["draw"])
        else:
            prior, pw = cal[f"prior_{name}"].values, flat
            post, w = cal[name].values, cal["weight"].values
        a, b = _wq(prior, pw, (0.05, 0.5, 0.95)), _wq(post, w, (0.05, 0.5, 0.95))
        rows.append([name, f"{_fmt(a[1])} [{_fmt(a[0])}, {_fmt(a[2])}]",
                     f"{_fmt(b[1])} [{_fmt(b[0])}, {_fmt(b[2])}]"])
    return rows


def discovery_words(disc: xr.Dataset) -> list[str]:
    """The boxes in plain words: each restriction as its input's label says it (the scaling
    law as the fit it selects), those needed (quasi-p-value below the significance) apart from
    those that are not."""
    from engine.reports.labels import label

    out = [f"The condition `{disc.attrs['condition']}` holds in {disc.attrs['case_share']:.1%} "
           f"of {int(disc.attrs['scenarios']):,} scenarios."]
    sig = float(disc.attrs.get("significance", 0.05))
    words = disc["box_statement"] if "box_statement" in disc else None
    for b in disc["box"].values:
        box = disc.sel(box=b)
        needed, weak_here = [], []
        for p in disc["parameter"].values:
            pv = float(box["p_value"].sel(parameter=p))
            if not np.isfinite(pv):
                continue
            said = str(words.sel(box=b, parameter=p).values) if words is not None else ""
            if not said:
                lo, hi = float(box["lower"].sel(parameter=p)), float(box["upper"].sel(parameter=p))
                rlo, rhi = (float(disc["range_low"].sel(parameter=p)),
                            float(disc["range_high"].sel(parameter=p)))
                said = (f"{_fmt(lo)} <= {p} <= {_fmt(hi)}" if lo > rlo and hi < rhi else
                        f"{p} >= {_fmt(lo)}" if lo > rlo else f"{p} <= {_fmt(hi)}")
            (needed if pv < sig else weak_here).append(f"{said} (p = {pv:.2g})")
        where = "; ".join(needed) or "no restriction needed"
        also = (f" Also restricted, but not needed (p >= {sig:g}): {'; '.join(weak_here)}."
                if weak_here else "")
        out.append(f"**Box {b + 1}**{' (on the scenarios outside box 1)' if b else ''}: "
                   f"{where}. It holds {float(box['coverage']):.0%} of the cases (coverage) "
                   f"and {float(box['mass']):.0%} of the scenarios, of which "
                   f"{float(box['density']):.0%} meet the condition (density).{also}")
    weak = [("the scaling-law fit" if str(p) == "alpha" else label(str(p)))
            for p in disc["parameter"].values
            if np.all(~np.isfinite(disc["p_value"].sel(parameter=p).values)
                      | (disc["p_value"].sel(parameter=p).values >= sig))]
    if weak:
        out.append(f"Not needed to describe where it holds: {', '.join(weak)} (unrestricted, "
                   f"or restricted with a quasi-p-value of {sig:g} or more).")
    order = np.argsort(-disc["feature_score"].values)
    def named(p: str) -> str:
        return "the scaling-law fit (alpha)" if p == "alpha" else label(p)

    top = ", ".join(f"{named(str(disc['parameter'].values[i]))} "
                    f"({disc['feature_score'].values[i]:.2f})" for i in order[:3])
    out.append(f"Feature scores (extra-trees) rank {top} first.")
    return out
