# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Energy paper: does one change of the estimator's reading, or of a training setting, flip a claim's verdict?
# Per claim, the primary reading and each single-dimension change of it (`energy/reading_robustness.csv` of the
# scale: figure `reading_robustness`), or the default training and each single change of a training setting
# (`energy/robustness.csv`, made by the `energy_robustness` target: figure `training_robustness`): the mean
# per-seed effect with its t-interval over seeds, the seeds' effects, and the verdict.
# Every reading and every training setting is ours: the paper states neither.

# %% tags=["parameters"]
inputs = {}
outputs = {}
scale = "small"
dpi = 130

# %%
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from muonrepro import plotting

plotting.use_theme()
VERDICT_COLORS = plotting.OUTCOME_COLORS
(name,) = outputs  # reading_robustness or training_robustness
rob = pd.read_csv(inputs["robustness"], keep_default_na=False)  # "n/a" and "" are values, not missing
for c in ("mean", "ci_low", "ci_high"):
    rob[c] = pd.to_numeric(rob[c], errors="coerce")
if name == "training_robustness":  # one training setting changed at a time; the default training is the primary
    rob["dimension"] = np.where(rob["setting"] == "default", "primary", rob["setting"])
    rob["label"] = [
        "default training"
        if s == "default"
        else (f"lr of {plotting.label(s[3:])} {v}" if s.startswith("lr ") else f"{s} {v}")
        for s, v in zip(rob["setting"], rob["value"])
    ]
    WHAT, PRIMARY = "a training setting", "default training"
else:
    rob["label"] = [
        "primary reading" if d == "primary" else plotting.reading_label(d, v)
        for d, v in zip(rob["dimension"], rob["value"])
    ]
    WHAT, PRIMARY = "the estimator's reading", "primary reading"


def seed_effects(text: str) -> list[float]:
    """'s0: 0.1, s1: -0.2' -> [0.1, -0.2]."""
    return [float(part.split(":")[1]) for part in text.split(",") if ":" in part]


claims = list(dict.fromkeys(rob["claim"]))
heights = [max(2, (rob["claim"] == c).sum()) for c in claims]
fig, axes = plt.subplots(
    len(claims),
    1,
    figsize=(9, 0.32 * sum(heights) + 1.5 * len(claims)),
    gridspec_kw={"height_ratios": heights},
    layout="constrained",
    squeeze=False,
)
for ax, claim in zip(axes[:, 0], claims):
    g = rob[rob["claim"] == claim].reset_index(drop=True)
    y = np.arange(len(g))[::-1]
    for yi, r in zip(y, g.itertuples()):
        col = VERDICT_COLORS.get(r.verdict, "0.55")
        if np.isfinite(r.ci_low):
            ax.plot([r.ci_low, r.ci_high], [yi, yi], color=col, lw=2)
        ax.plot(r.mean, yi, "o", color=col, ms=7, mec="black" if r.dimension == "primary" else col, mew=1.5)
        pts = seed_effects(r.effects)
        ax.plot(pts, [yi] * len(pts), "|", color="black", ms=8)
        if r.flips:
            ax.annotate(
                "flips",
                (1.0, yi),
                xycoords=("axes fraction", "data"),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
                color=VERDICT_COLORS["not_supported"],
            )
    ax.axvline(0, color="0.3", lw=1)
    ax.set_yticks(y, g["label"], fontsize=8)
    ax.set_xscale("symlog", linthresh=1e-3)
    ax.margins(x=0.08)
    primary = g.loc[g["dimension"] == "primary", "verdict"]
    ax.set_title(
        f"{claim}: {PRIMARY}'s verdict {primary.iloc[0].replace('_', ' ') if len(primary) else 'n/a'}; "
        f"{int(g['flips'].sum())} single change(s) flip it",
        fontsize=10,
    )
    ax.set_xlabel("per-seed effect (> 0: the claim holds in that seed), symlog")
fig.suptitle(
    f"Energy-paper claims under one change of {WHAT} (scale={scale})\n"
    + textwrap.fill(
        "dot: mean per-seed effect, line: t-interval over seeds, ticks: seeds; "
        "green = supported, orange = not supported, grey = inconclusive (each row's own verdict, before the "
        f"ledger's instrument check); framed: {PRIMARY}",
        120,
    ),
    fontsize=10,
)
plotting.save(
    fig,
    outputs[name],
    dpi,
    footer=plotting.ours_footer(
        scale, "every reading of the estimator and every training setting (the paper states neither)"
    ),
)
