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
# # Energy paper: which claims hold under which reading of the estimator?
# Rows: Sigma_delta variant x mode retention; columns: mode identity x energy x (tail binning | Gini variant).
# Every reading is ours: the paper does not state its estimator.

# %% tags=["parameters"]
inputs = {}
outputs = {}
scale = "small"
primary = {}
dpi = 130

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.patches import Patch, Rectangle

from muonrepro import plotting

plotting.use_theme()
readings = pd.read_csv(inputs["readings"], keep_default_na=False)  # "n/a" marks a dimension that does not apply
summary = pd.read_csv(inputs["summary"], keep_default_na=False).set_index("claim")
readings["row"] = readings["sigma_delta"] + " / " + readings["threshold"]
readings["col"] = (
    readings["mode_identity"]
    + " / "
    + readings["energy"]
    + " / "
    + readings["tail_binning"].where(readings["tail_binning"] != "n/a", readings["gini_variant"])
)
readings["ok"] = (readings["verdict"] == "supported").astype(float)

claims = ["C6a", "C6b", "C6c"]
widths = [max(1, readings[readings.claim == c]["col"].nunique()) for c in claims]
fig, axes = plt.subplots(
    1,
    3,
    figsize=(7 + 0.5 * sum(widths), 0.32 * readings["row"].nunique() + 4),
    gridspec_kw={"width_ratios": widths},
    layout="constrained",
)
verdict_colors = [plotting.OUTCOME_COLORS["not_supported"], plotting.OUTCOME_COLORS["supported"]]
cmap = matplotlib.colors.ListedColormap(verdict_colors)
prow = f"{primary.get('sigma_delta')} / {primary.get('threshold')}"
for ax, claim in zip(axes, claims):
    g = readings[readings.claim == claim]
    grid = g.pivot_table(index="row", columns="col", values="ok", aggfunc="first")
    sns.heatmap(grid, ax=ax, cmap=cmap, vmin=0, vmax=1, cbar=False, linewidths=0.5, linecolor="white")
    ax.grid(False)
    s = summary.loc[claim] if claim in summary.index else None
    title = f"{claim}: holds under\n{s['holds']}/{s['readings']} readings" if s is not None else claim
    ax.set_title(title + f"\n(primary: {s['primary_verdict'] if s is not None else 'n/a'})", fontsize=9)
    ax.set_xlabel("identity / energy / binning|Gini" if claim != "C6b" else "identity / energy", fontsize=9)
    ax.set_ylabel("Sigma_delta / retention" if claim == "C6a" else "")
    ax.tick_params(axis="x", labelsize=7, rotation=90)
    ax.tick_params(axis="y", labelsize=7)
    pcol = [
        c
        for c in grid.columns
        if c.startswith(f"{primary.get('mode_identity')} / {primary.get('energy')} / ")
        and (
            c.endswith(primary.get("gini_variant", "")) or c.endswith(primary.get("tail_binning", "")) or claim == "C6b"
        )
    ]
    if prow in grid.index:
        for c in pcol[:1]:
            ax.add_patch(
                Rectangle(
                    (list(grid.columns).index(c), list(grid.index).index(prow)),
                    1,
                    1,
                    fill=False,
                    edgecolor="black",
                    lw=2.5,
                )
            )
fig.legend(
    handles=[
        Patch(color=verdict_colors[1], label="supported"),
        Patch(color=verdict_colors[0], label="not supported"),
        Patch(fill=False, edgecolor="black", lw=2.5, label="primary reading"),
    ],
    loc="outside upper right",
    ncols=3,
)
fig.suptitle(f"Energy-paper claims under each reading of the estimator (scale={scale})")
plotting.save(
    fig, outputs["sensitivity_heatmap"], dpi, footer="Every reading is ours: the paper does not state its estimator."
)
