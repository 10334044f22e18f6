#!/usr/bin/env python3
"""Join the leaderboard's MMLU-Pro / GPQA Diamond scores with training-compute estimates.

Writes ``benchmark_compute.csv`` (see ``BENCHMARKS.md`` next to this file): one row per model of
``llm_mmlu_pro_prices.csv`` that has at least one of the two scores, with the training compute
where a public estimate exists.

Sources of compute (every number is looked up by exact model name; a missing name is an error):

* Epoch AI, "Data on AI Models" (CC BY), three exports of it:
  ``--epoch-large-scale`` and ``--epoch-notable``: the "Large-Scale AI Models" and "Notable AI
  Models" tables as of February 2026 (latest publication date in them: 2025-12-31);
  ``--epoch-all``: the "All AI Models" table as of spring 2025 (latest publication date
  2025-03-14); ``--epoch-notable-2025``: "Notable AI Models" of 2025-02-24, read only for its
  column "Training compute estimation method" (dropped from the later exports).
  A name is looked up in the 2026 tables first and in the 2025 table only if absent there, so
  the newest Epoch value wins; where the two differ, the older value is kept in the note.
* Developer-reported parameter and token counts (C = 6 N D) for four Gemma 3 models and
  Phi-3 Mini, which the Epoch exports lack; sources in ``DEV`` below.

Each row is classified (column ``fit_set``) so that the fitting script can choose its points
without re-deciding: ``primary`` (the model's own compute estimate, not derived from benchmark
scores); ``benchmark_informed`` (Epoch's estimate used benchmark scores, so fitting score
against it would be circular); ``derivative`` (a fine-tune, distillation target, reasoning
variant, vision variant or later checkpoint of a base model whose compute is the base's);
``code`` (code-specialised model); ``none`` (no public compute estimate).

Scores are copied from the leaderboard file unchanged (checked at the end).

Usage:
    python build_benchmark_compute.py --epoch-large-scale large_scale_ai_models.csv \\
        --epoch-notable "Epoch Database - Notable Models.csv" --epoch-all all_ai_models.csv \\
        --epoch-notable-2025 notable_ai_models_24_02_2025.csv [--out benchmark_compute.csv]
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))

# --------------------------------------------------------------------------------------------
# developer-reported N and D (C = 6 N D); publication dates are the developers' release dates
# --------------------------------------------------------------------------------------------
GEMMA3 = ("Gemma 3 model card (Google DeepMind, March 2025): 27B trained on 14T tokens, 12B on "
          "12T, 4B on 4T, 1B on 2T; nominal parameter counts; pretrained with distillation from a "
          "larger teacher (Gemma 3 Technical Report, arXiv:2503.19786)")
DEV = {
    "Gemma 3 27B": (6 * 27e9 * 14e12, "2025-03-12", GEMMA3),
    "Gemma 3 12B": (6 * 12e9 * 12e12, "2025-03-12", GEMMA3),
    "Gemma 3 4B": (6 * 4e9 * 4e12, "2025-03-12", GEMMA3),
    "Gemma 3 1B": (6 * 1e9 * 2e12, "2025-03-12", GEMMA3),
    "Phi-3 Mini": (6 * 3.8e9 * 3.3e12, "2024-04-23",
                   "Abdin et al. 2024, Phi-3 Technical Report (arXiv:2404.14219): 3.8B parameters, "
                   "3.3T tokens"),
}

# --------------------------------------------------------------------------------------------
# leaderboard name -> (kind, Epoch name or None, note)
#   kind: own | benchmark_informed | derivative:<Epoch base name> | code | none | dev
#   For derivatives the compute stored is the base model's Epoch estimate (or the model's own
#   Epoch row where Epoch lists it with the base's compute); the fit excludes them.
# --------------------------------------------------------------------------------------------
MAP: dict[str, tuple[str, str | None, str]] = {
    "Claude 2.0": ("benchmark_informed", "Claude 2", "Epoch method: benchmarks + hardware"),
    "Llama 2 Chat 13B": ("own", "Llama 2-13B", ""),
    "Llama 2 Chat 70B": ("own", "Llama 2-70B", ""),
    "Llama 2 Chat 7B": ("own", "Llama 2-7B", ""),
    "GPT-4 Turbo": ("benchmark_informed", "GPT-4 Turbo",
                    "imputed from benchmark scores; withdrawn from the 2026 export"),
    "Gemini 1.0 Pro": ("benchmark_informed", "Gemini 1.0 Pro",
                       "imputed from benchmark scores; withdrawn from the 2026 export"),
    "Mixtral 8x7B": ("own", "Mixtral 8x7B", "Epoch: 6ND with an assumed 10T tokens (speculative)"),
    "Mistral Large (Feb '24)": ("own", "Mistral Large", "Epoch method: training cost"),
    "Phi-4 Mini": ("own", "Phi-4 Mini", "leaderboard month 2024-02 is wrong; released 2025-03"),
    "Phi-4 Multimodal": ("derivative:Phi-4 Mini", "Phi-4 Mini",
                         "multimodal extension of Phi-4 Mini; leaderboard month wrong (2025-03)"),
    "Claude 3 Opus": ("benchmark_informed", "Claude 3 Opus",
                      "imputed from benchmark scores; withdrawn from the 2026 export"),
    "DBRX": ("own", "DBRX", ""),
    "Mistral Small 3": ("own", "Mistral Small 3", "leaderboard month 2024-03 is wrong; released 2025-01"),
    "Llama 3 70B": ("own", "Llama 3-70B", ""),
    "Llama 3 8B": ("own", "Llama 3-8B", ""),
    "Mixtral 8x22B": ("own", "Mixtral 8x22B", "Epoch: 6ND with an assumed 10T tokens (speculative)"),
    "Phi-3 Mini": ("dev", None, "Epoch row 'phi-3.5-mini' is a different model"),
    "GPT-4o (May '24)": ("benchmark_informed", "GPT-4o",
                         "imputed from benchmark scores; withdrawn from the 2026 export"),
    "Gemini 1.5 Pro (May)": ("benchmark_informed", "Gemini 1.5 Pro",
                             "imputed from benchmark scores for the Feb 2024 release; withdrawn "
                             "from the 2026 export"),
    "Phi-3 Medium 14B": ("own", "phi-3-medium 14B", ""),
    "Yi-Large": ("own", "Yi-Large", "Epoch: 6ND with an uncertain dataset size (speculative)"),
    "Claude 3.5 Sonnet (June)": ("own", "Claude 3.5 Sonnet",
                                 "2026 Epoch estimate from stated training cost (speculative)"),
    "Gemma 2 27B": ("own", "Gemma 2 27B", ""),
    "Gemma 2 9B": ("own", "Gemma 2 9B", "distilled from a larger teacher (Gemma 2 report)"),
    "Qwen2 72B": ("own", "Qwen2-72B", ""),
    "GPT-4o mini": ("benchmark_informed", "GPT-4o mini",
                    "imputed from benchmark scores; withdrawn from the 2026 export"),
    "Llama 3.1 405B": ("own", "Llama 3.1-405B", "compute stated by the developer (Llama 3 paper)"),
    "Llama 3.1 70B": ("own", "Llama 3.1-70B", ""),
    "Mistral Large 2 (Jul '24)": ("benchmark_informed", "Mistral Large 2",
                                  "Epoch method: hardware + cost + MMLU score"),
    "Hermes 3 - Llama-3.1 70B": ("derivative:Llama 3.1-70B", "Llama 3.1-70B", "fine-tune"),
    "Llama 3.2 11B (Vision)": ("derivative:Llama 3.1-8B", "Llama 3.1-8B",
                               "vision model on Llama 3.1 8B; Epoch's own row gives 5.79e23"),
    "Llama 3.2 1B": ("own", "Llama 3.2 1B", "pretraining used logits of Llama 3.1 8B/70B (distilled)"),
    "Llama 3.2 3B": ("own", "Llama 3.2 3B", "pretraining used logits of Llama 3.1 8B/70B (distilled)"),
    "Llama 3.2 90B (Vision)": ("derivative:Llama 3.1-70B", "Llama 3.1-70B", "vision model on Llama 3.1 70B"),
    "Qwen2.5 72B": ("own", "Qwen2.5-72B", ""),
    "Qwen2.5 Coder 7B": ("code", "Qwen2.5-Coder (7B)", "code model; Epoch counts the 5.5T code tokens"),
    "Qwen2.5 Instruct 32B": ("own", "Qwen2.5-32B", ""),
    "Aya Expanse 32B": ("none", None, "Epoch's 6.7e21 covers post-training only; base pretraining unknown"),
    "Aya Expanse 8B": ("none", None, "Epoch's 1.7e21 covers post-training only; base pretraining unknown"),
    "Llama 3.1 Nemotron 70B": ("derivative:Llama 3.1-70B", "Llama-3.1-Nemotron-70B-Instruct", "fine-tune"),
    "Mistral Large 2 (Nov '24)": ("derivative:Mistral Large 2", "Mistral Large 2", "later checkpoint"),
    "Pixtral Large": ("derivative:Mistral Large 2", "Mistral Large 2", "vision model on Mistral Large 2"),
    "QwQ 32B-Preview": ("derivative:Qwen2.5-32B", "Qwen2.5-32B", "reasoning RL on Qwen2.5 32B"),
    "Qwen2.5 Coder 32B": ("code", "Qwen2.5-Coder (32B)", "code model; Epoch counts the 5.5T code tokens"),
    "DeepSeek V3 (Dec '24)": ("own", "DeepSeek-V3", ""),
    "Grok 2": ("own", "Grok-2", "Epoch method: comparison with other models + developer statements"),
    "Llama 3.3 70B": ("own", "Llama 3.3 70B", ""),
    "Nova Pro": ("own", "Amazon Nova Pro", "Epoch method: comparison with other models (speculative)"),
    "Phi-4": ("own", "Phi-4", ""),
    "DeepSeek R1": ("derivative:DeepSeek-V3", "DeepSeek-R1", "reasoning RL on DeepSeek V3 (Epoch adds the RL)"),
    "DeepSeek R1 Distill Llama 70B": ("derivative:Llama 3.3 70B", "Llama 3.3 70B", "SFT on R1 outputs"),
    "DeepSeek R1 Distill Llama 8B": ("derivative:Llama 3.1-8B", "Llama 3.1-8B", "SFT on R1 outputs"),
    "DeepSeek R1 Distill Qwen 1.5B": ("derivative:Qwen2.5-1.5B", "Qwen2.5-1.5B",
                                      "SFT on R1 outputs; base is Qwen2.5-Math-1.5B (math pretraining not counted)"),
    "DeepSeek R1 Distill Qwen 14B": ("derivative:Qwen2.5-14B", "Qwen2.5-14B", "SFT on R1 outputs"),
    "DeepSeek R1 Distill Qwen 32B": ("derivative:Qwen2.5-32B", "Qwen2.5-32B", "SFT on R1 outputs"),
    "MiniMax-Text-01": ("own", "MiniMax-Text-01", ""),
    "Tulu3 405B": ("derivative:Llama 3.1-405B", "Llama 3.1-405B", "fine-tune"),
    "Claude 3.7 Sonnet": ("own", "Claude 3.7 Sonnet", ""),
    "Claude 3.7 Sonnet Thinking": ("derivative:Claude 3.7 Sonnet", "Claude 3.7 Sonnet",
                                   "same model, extended-thinking mode"),
    "DeepHermes 3 - Llama-3.1 8B": ("derivative:Llama 3.1-8B", "Llama 3.1-8B", "fine-tune"),
    "GPT-4.5 (Preview)": ("own", "GPT-4.5", "Epoch method: training-cluster hardware"),
    "Llama 3.1 8B": ("own", "Llama 3.1-8B", "leaderboard month 2025-02 is wrong; released 2024-07"),
    "DeepHermes 3 - Mistral 24B": ("derivative:Mistral Small 3", "Mistral Small 3", "fine-tune"),
    "DeepSeek V3 (Mar' 25)": ("derivative:DeepSeek-V3", "DeepSeek-V3 (Mar 2025)", "later checkpoint"),
    "Gemma 3 12B": ("dev", None, ""),
    "Gemma 3 1B": ("dev", None, ""),
    "Gemma 3 27B": ("dev", None, ""),
    "Gemma 3 4B": ("dev", None, ""),
    "Llama 3.3 Nemotron Super 49B v1": ("derivative:Llama 3.3 70B", "Llama 3.3 70B",
                                        "pruned and distilled from Llama 3.3 70B"),
    "Mistral Small 3.1": ("derivative:Mistral Small 3", "Mistral Small 3", "later checkpoint"),
    "QwQ-32B": ("derivative:Qwen2.5-32B", "QwQ-32B", "reasoning RL on Qwen2.5 32B"),
    "Grok 3": ("own", "Grok 3", "Epoch method: training-cluster hardware"),
    "Llama 3.1 Nemotron Ultra 253B Reasoning": ("derivative:Llama 3.1-405B", "Llama Nemotron Ultra 253B",
                                                "pruned from Llama 3.1 405B, reasoning post-training"),
    "Llama 4 Scout": ("own", "Llama 4 Scout", ""),
}

# how each compute value was obtained (from the Epoch notes; "reported N, D" = Epoch's 6ND or
# GPU-hour arithmetic on developer-reported quantities)
REPORTED = "6ND / GPU-hours from developer-reported quantities (Epoch)"
BASIS = {
    "Llama 2 Chat 13B": REPORTED, "Llama 2 Chat 70B": REPORTED, "Llama 2 Chat 7B": REPORTED,
    "Mixtral 8x7B": "6ND with an assumed token count (Epoch, speculative)",
    "Mixtral 8x22B": "6ND with an assumed token count (Epoch, speculative)",
    "Mistral Large (Feb '24)": "training-cost estimate (Epoch)",
    "Phi-4 Mini": REPORTED, "DBRX": REPORTED, "Mistral Small 3": REPORTED, "Llama 3 70B": REPORTED,
    "Llama 3 8B": REPORTED, "Phi-3 Medium 14B": REPORTED,
    "Yi-Large": "6ND with an assumed token count (Epoch, speculative)",
    "Claude 3.5 Sonnet (June)": "training-cost estimate from a developer statement (Epoch, speculative)",
    "Gemma 2 27B": REPORTED, "Gemma 2 9B": REPORTED, "Qwen2 72B": REPORTED,
    "Llama 3.1 405B": "developer-stated FLOP (Llama 3 paper), Epoch concurs",
    "Llama 3.1 70B": REPORTED, "Llama 3.1 8B": REPORTED, "Llama 3.2 1B": REPORTED,
    "Llama 3.2 3B": REPORTED, "Qwen2.5 72B": REPORTED, "Qwen2.5 Instruct 32B": REPORTED,
    "DeepSeek V3 (Dec '24)": REPORTED,
    "Grok 2": "comparison with other models and developer statements (Epoch)",
    "Llama 3.3 70B": REPORTED, "Nova Pro": "comparison with other models (Epoch, speculative)",
    "Phi-4": REPORTED, "MiniMax-Text-01": REPORTED,
    "Claude 3.7 Sonnet": "Epoch estimate (method not given in the export)",
    "GPT-4.5 (Preview)": "training-cluster hardware estimate (Epoch)",
    "Grok 3": "training-cluster hardware estimate (Epoch)", "Llama 4 Scout": REPORTED,
    "Claude 2.0": "benchmark scores + hardware (Epoch)",
    "GPT-4 Turbo": "benchmark imputation (Epoch, withdrawn)",
    "Gemini 1.0 Pro": "benchmark imputation (Epoch, withdrawn)",
    "Claude 3 Opus": "benchmark imputation (Epoch, withdrawn)",
    "GPT-4o (May '24)": "benchmark imputation (Epoch, withdrawn)",
    "Gemini 1.5 Pro (May)": "benchmark imputation (Epoch, withdrawn)",
    "GPT-4o mini": "benchmark imputation (Epoch, withdrawn)",
    "Mistral Large 2 (Jul '24)": "hardware + cost + MMLU score (Epoch)",
    "Qwen2.5 Coder 7B": REPORTED, "Qwen2.5 Coder 32B": REPORTED,
    "DeepSeek R1": "base model + RL post-training (Epoch)",
    "QwQ-32B": "base model's compute (Epoch row of this model, speculative)",
    "Llama 3.1 Nemotron Ultra 253B Reasoning": "base model + post-training (Epoch)",
    "Llama 3.1 Nemotron 70B": "base model's compute (Epoch row of this model)",
    "DeepSeek V3 (Mar' 25)": "base model's compute (Epoch row of this model)",
}

# models whose pretraining used a larger teacher's outputs or logits (flag only; kept in the fit)
DISTILLED = {"Gemma 2 9B", "Llama 3.2 1B", "Llama 3.2 3B", "Gemma 3 12B", "Gemma 3 1B",
             "Gemma 3 27B", "Gemma 3 4B"}
# post-trained for long chain-of-thought reasoning (flag only)
REASONING = {"DeepSeek R1", "QwQ-32B", "QwQ 32B-Preview", "Claude 3.7 Sonnet Thinking",
             "DeepSeek R1 Distill Llama 70B", "DeepSeek R1 Distill Llama 8B",
             "DeepSeek R1 Distill Qwen 1.5B", "DeepSeek R1 Distill Qwen 14B",
             "DeepSeek R1 Distill Qwen 32B", "Llama 3.1 Nemotron Ultra 253B Reasoning",
             "o1", "o1-mini", "o3", "o3-mini", "o3-mini (high)", "o4-mini (high)",
             "Grok 3 mini Reasoning (high)", "Gemini 2.0 Flash Thinking exp. (Jan '25)",
             "Sonar Reasoning", "Gemini 2.5 Pro Preview"}


def load_epoch(args) -> tuple[dict, dict, dict]:
    """Return {name: row} for the 2026 tables (large-scale first), the 2025 table, and the
    2025-02 estimation-method column."""
    def table(path: str) -> dict:
        df = pd.read_csv(path)
        df["Model"] = df["Model"].fillna("").str.strip()
        out = {}
        for _, r in df.iterrows():
            out.setdefault(r["Model"], r)          # first occurrence
        return out
    new = table(args.epoch_notable)
    new.update(table(args.epoch_large_scale))      # large-scale wins where both list a model
    old = table(args.epoch_all)
    meth = {k: v.get("Training compute estimation method") for k, v in table(args.epoch_notable_2025).items()}
    return new, old, meth


def lookup(name: str, new: dict, old: dict) -> tuple[float, str, str, str, float]:
    """(compute, source, publication date, Epoch confidence, older differing value or nan)."""
    r_new, r_old = new.get(name), old.get(name)
    c_new = float(r_new["Training compute (FLOP)"]) if r_new is not None else np.nan
    c_old = float(r_old["Training compute (FLOP)"]) if r_old is not None else np.nan
    if np.isfinite(c_new):
        prev = c_old if (np.isfinite(c_old) and abs(c_old / c_new - 1) > 0.01) else np.nan
        return c_new, "Epoch AI 2026-02", str(r_new["Publication date"])[:10], str(r_new["Confidence"]), prev
    if np.isfinite(c_old):
        return c_old, "Epoch AI 2025-04", str(r_old["Publication date"])[:10], str(r_old["Confidence"]), np.nan
    raise KeyError(f"no compute for Epoch model {name!r}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--leaderboard", default=os.path.join(HERE, "llm_mmlu_pro_prices.csv"))
    p.add_argument("--epoch-large-scale", required=True)
    p.add_argument("--epoch-notable", required=True)
    p.add_argument("--epoch-all", required=True)
    p.add_argument("--epoch-notable-2025", required=True)
    p.add_argument("--out", default=os.path.join(HERE, "benchmark_compute.csv"))
    args = p.parse_args(argv)
    for key in ("leaderboard", "epoch_large_scale", "epoch_notable", "epoch_all", "epoch_notable_2025"):
        if not os.path.isfile(getattr(args, key)):
            print(f"--{key.replace('_', '-')}: no such file {getattr(args, key)!r}", file=sys.stderr)
            return 2

    lb = pd.read_csv(args.leaderboard)
    lb = lb[lb["mmlu_pro_pct"].notna() | lb["gpqa_diamond_pct"].notna()].reset_index(drop=True)
    unknown = set(MAP) - set(lb["model"])
    if unknown:
        print(f"--leaderboard: models named in MAP but absent: {sorted(unknown)}", file=sys.stderr)
        return 2
    new, old, meth = load_epoch(args)

    rows = []
    for _, r in lb.iterrows():
        name = r["model"]
        kind, epoch_name, note = MAP.get(name, ("none", None, "no public compute estimate found"))
        rec = dict(model=name, leaderboard_release_date=r["release_date"], epoch_model="",
                   training_date="", training_compute_flop=np.nan, compute_source="",
                   compute_basis="", epoch_confidence="", epoch_method_2025="",
                   fit_set="none", derivative_of="", distilled=name in DISTILLED,
                   reasoning=name in REASONING, note=note,
                   mmlu_pro_pct=r["mmlu_pro_pct"], gpqa_diamond_pct=r["gpqa_diamond_pct"])
        if kind == "dev":
            c, date, src = DEV[name]
            rec.update(training_compute_flop=c, training_date=date, compute_source="developer N, D (this file)",
                       compute_basis="6ND from developer-reported N and D (this file)", fit_set="primary",
                       note="; ".join(x for x in (src, note) if x))
        elif kind != "none":
            c, src, date, conf, prev = lookup(epoch_name, new, old)
            m = meth.get(epoch_name)
            rec.update(epoch_model=epoch_name, training_compute_flop=c, training_date=date,
                       compute_source=src, epoch_confidence=conf,
                       epoch_method_2025="" if m is None or (isinstance(m, float) and np.isnan(m)) else str(m),
                       compute_basis=BASIS.get(name, "base model's compute (Epoch)"))
            if np.isfinite(prev):
                rec["note"] = "; ".join(x for x in (note, f"2025-04 Epoch value {prev:.3g}") if x)
            if kind == "own":
                rec["fit_set"] = "primary"
            elif kind.startswith("derivative:"):
                rec["fit_set"] = "derivative"
                rec["derivative_of"] = kind.split(":", 1)[1]
            else:
                rec["fit_set"] = kind
        rows.append(rec)
    out = pd.DataFrame(rows)

    # scores unchanged
    chk = lb.set_index("model")[["mmlu_pro_pct", "gpqa_diamond_pct"]]
    got = out.set_index("model")[["mmlu_pro_pct", "gpqa_diamond_pct"]]
    assert chk.equals(got), "scores differ from the leaderboard file"

    out.to_csv(args.out, index=False, float_format="%.6g")
    n_c = out["training_compute_flop"].notna().sum()
    print(f"wrote {args.out}: {len(out)} models with a score, {n_c} with compute; "
          f"fit_set counts {out['fit_set'].value_counts().to_dict()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
