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
# # Energy paper: figures
# Spectral equalization and total training energy (HiLD @ ICML 2026), MNIST MLPs x SGD/AdamW/Muon.
# Every setting below that the paper does not state is ours (see config.yaml, `# ours:` comments).

# %% tags=["parameters"]
inputs = {}
outputs = {}
scale = "small"
estimator = {}
width = 256
tail_bins = 3
dpi = 130

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from muonrepro import plotting

plotting.use_theme()
ORDER = ["sgd", "adamw", "muon"]
PALETTE = plotting.palette(ORDER)
MARKERS = {o: plotting.marker(o) for o in ORDER}
OURS = (
    f"scale={scale}; ours: width {width}, Sigma_delta={estimator.get('sigma_delta')}, "
    f"threshold {estimator.get('rel_threshold')}, rank-indexed cumulative sum"
)


def save(fig, name):
    plotting.save(fig, outputs[name], dpi, footer=OURS)


gini = pd.read_csv(inputs["gini"])
acc = pd.read_csv(inputs["accuracy"])
bins = pd.read_csv(inputs["bins"])
gini["panel"] = gini["arch"] + " / " + gini["matrix"]
n_seeds = gini["seed"].nunique()

# %% [markdown]
# ## Theory checks (claims C3-C5): relative error of each float64 identity, and inequality margins

# %%
from muonrepro.energy.theory.checks import COUNTEREXAMPLE_CHECK, INEQUALITY_CHECKS

th = pd.read_csv(inputs["theory"])
th = th[th["check"] != COUNTEREXAMPLE_CHECK]  # an observation, not an identity (see the report caption)
th["status"] = np.where(th["passed"], "passed", "failed")
scale_ = th["reference"].abs().clip(lower=1.0)
th["rel_error"] = ((th["value"] - th["reference"]).abs() / scale_).clip(lower=1e-17)
sense = th["check"].map(INEQUALITY_CHECKS)
th["margin"] = np.where(sense.isin([">", ">="]), 1, -1) * (th["value"] - th["reference"]) / scale_
eq, ineq = th[sense.isna()], th[sense.notna()]
fig, axes = plt.subplots(
    2,
    1,
    figsize=(9, 0.17 * len(th) + 2.5),
    gridspec_kw={"height_ratios": [len(eq), max(1, len(ineq))]},
    layout="constrained",
)
status_colors = {s: plotting.OUTCOME_COLORS[s] for s in ("passed", "failed")}
sns.scatterplot(data=eq, x="rel_error", y="check", hue="status", palette=status_colors, ax=axes[0])
axes[0].scatter(eq["tolerance"], eq["check"], marker="|", color="0.3", s=80, label="tolerance")
axes[0].set_xscale("log")
axes[0].set_xlabel("|value - reference| / max(1, |reference|)  (floored at 1e-17)")
axes[0].set_title("identities: relative error vs tolerance")
ineq = ineq.assign(shown=ineq["margin"].clip(lower=1e-17))
sns.scatterplot(data=ineq, x="shown", y="check", hue="status", palette=status_colors, ax=axes[1])
axes[1].set_xscale("log")
axes[1].set_xlabel("margin to the bound / max(1, |bound|)  (floored at 1e-17; a violated bound shows as failed)")
axes[1].set_title("inequalities: margin")
for ax in axes:
    ax.set_ylabel("")
    ax.tick_params(axis="y", labelsize=7)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
fig.suptitle("Quadratic-model theory checks in float64 (claims C3-C5; spec energy.md §5)")
save(fig, "theory_checks")

# %% [markdown]
# ## Gini of per-mode cumulative energy, per monitored matrix (mean over seeds, error bars = sd)

# %%
fig, ax = plt.subplots(figsize=(10, 4), layout="constrained")
sns.barplot(
    data=gini,
    x="panel",
    y="gini",
    hue="optimizer",
    hue_order=ORDER,
    palette=PALETTE,
    errorbar="sd" if n_seeds > 1 else None,
    ax=ax,
)
ax.set_xlabel("architecture / monitored matrix")
ax.set_ylabel("Gini of cumulative per-mode energy $\\mathcal{E}_{ij}$")
ax.set_ylim(0, 1)
ax.set_title(f"Gini per monitored matrix ({n_seeds} seed(s))")
sns.move_legend(ax, "upper left", bbox_to_anchor=(1.01, 1.0))  # outside: no bar hidden
plotting.relabel_legend(ax.get_legend())
save(fig, "gini")

# %% [markdown]
# ## Cumulative energy: summed per-mode energy and direct energy per architecture (log scale)

# %%
per_run = gini.groupby(["arch", "optimizer", "seed"], as_index=False)[["cumulative_energy", "direct_energy"]].sum()
fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
for ax, col, ylabel in zip(
    axes,
    ["cumulative_energy", "direct_energy"],
    ["$\\sum_{ij}\\mathcal{E}_{ij}$ (per-mode, retained modes)", "direct $\\sum_t$ mean $\\|\\delta_t\\|^2$"],
):
    sns.barplot(
        data=per_run,
        x="arch",
        y=col,
        hue="optimizer",
        hue_order=ORDER,
        palette=PALETTE,
        errorbar="sd" if n_seeds > 1 else None,
        ax=ax,
        legend=ax is axes[-1],
    )
    ax.set_yscale("log")
    ax.set_xlabel("architecture (k hidden layers)")
    ax.set_ylabel(ylabel)
axes[0].set_title("cumulative per-mode energy")
axes[1].set_title("direct energy at monitored layers")
sns.move_legend(axes[-1], "upper left", bbox_to_anchor=(1.01, 1.0))
plotting.relabel_legend(axes[-1].get_legend())
save(fig, "cumulative_energy")

# %% [markdown]
# ## Per-mode energy heat maps by eigenvalue rank (deepest architecture, first seed)
# One colour scale over all panels (8 decades below the largest block), so optimizers and matrices
# can be compared directly.

# %%
frames = {p.split("/")[-1].split("_")[1]: pd.read_parquet(p) for p in inputs["per_mode"]}
heat_arch = inputs["per_mode"][0].split("/")[-1].split("_")[0]
mats = sorted(next(iter(frames.values()))["matrix"].unique())
blocks_of, log_energy = {}, {}
for mat in mats:
    for opt in ORDER:
        df = frames[opt]
        df = df[(df["matrix"] == mat)]
        m, n = df["j"].max() + 1, df["i"].max() + 1
        E = np.where(df["retained"].to_numpy(), df["energy"].to_numpy(), np.nan).reshape(m, n)
        # sum energy over rank blocks so a 256x784 matrix is visible
        bj, bi = max(1, m // 64), max(1, n // 64)
        blocks = E[: m // bj * bj, : n // bi * bi].reshape(m // bj, bj, n // bi, bi)
        Eb = np.nansum(blocks, axis=(1, 3))
        Eb[np.isnan(blocks).all(axis=(1, 3))] = np.nan  # blocks with no retained mode stay blank
        blocks_of[mat] = (bj, bi)
        log_energy[(mat, opt)] = np.log10(Eb + 1e-30)
vmax = max(np.nanmax(v) for v in log_energy.values())
vmin = vmax - 8
fig, axes = plt.subplots(
    len(mats), len(ORDER), figsize=(3.3 * len(ORDER) + 1, 3.0 * len(mats)), squeeze=False, layout="constrained"
)
for r, mat in enumerate(mats):
    bj, bi = blocks_of[mat]
    for c, opt in enumerate(ORDER):
        ax = axes[r, c]
        im = ax.imshow(log_energy[(mat, opt)], aspect="auto", vmin=vmin, vmax=vmax)
        ax.grid(False)
        ax.set_title(f"{plotting.label(opt)}, {mat}")
        ax.set_xlabel(f"input mode rank i (blocks of {bi})")
        if c == 0:
            ax.set_ylabel(f"output mode rank j (blocks of {bj})")
fig.colorbar(im, ax=axes, label="log10 cumulative energy of the block", shrink=0.6)
fig.suptitle(f"log10 cumulative per-mode energy, {heat_arch} (one colour scale for all panels)")
save(fig, "per_mode_heatmap")

# %% [markdown]
# ## Energy share per curvature bin (bin 0 = lowest lambda_i mu_j)

# %%
bins["panel"] = bins["arch"] + " / " + bins["matrix"]
g = sns.relplot(
    data=bins,
    x="bin",
    y="energy",
    hue="optimizer",
    hue_order=ORDER,
    palette=PALETTE,
    style="optimizer",
    style_order=ORDER,
    markers=MARKERS,
    dashes=False,
    col="panel",
    col_wrap=3,
    kind="line",
    errorbar="sd" if n_seeds > 1 else None,
    height=2.8,
    aspect=1.2,
    facet_kws={"sharey": False},
)
g.set(yscale="log", xticks=sorted(bins["bin"].unique()))
g.set_titles("{col_name}")
g.set_axis_labels("curvature bin of $\\lambda_i\\mu_j$ (0 = lowest)", "cumulative energy in bin")
for ax in g.axes.flat:
    ax.axvspan(-0.5, tail_bins - 0.5, color="0.9", zorder=0)
plotting.relabel_legend(g.legend)
g.figure.suptitle(f"Energy per curvature bin (shaded: low-curvature tail, {tail_bins} bins)", y=1.02)
save(g.figure, "curvature_deciles")

# %% [markdown]
# ## Training curves: test accuracy per epoch

# %%
g = sns.relplot(
    data=acc,
    x="epoch",
    y="test_acc",
    hue="optimizer",
    hue_order=ORDER,
    palette=PALETTE,
    style="optimizer",
    style_order=ORDER,
    markers=MARKERS,
    dashes=False,
    col="arch",
    kind="line",
    errorbar="sd" if n_seeds > 1 else None,
    height=3,
    aspect=1.1,
)
g.set(xticks=sorted(acc["epoch"].unique()))
g.set_titles("{col_name}")
g.set_axis_labels("epoch", "test accuracy")
plotting.relabel_legend(g.legend)
g.figure.suptitle("MNIST test accuracy (lr per optimizer: see results/energy/lr/)", y=1.03)
save(g.figure, "training_curves")
