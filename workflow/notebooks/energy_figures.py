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

sns.set_theme(style="whitegrid", context="notebook")
ORDER = ["sgd", "adamw", "muon"]
PALETTE = dict(zip(ORDER, sns.color_palette("deep", 3)))
OURS = (
    f"scale={scale}; ours: width {width}, Sigma_delta={estimator.get('sigma_delta')}, "
    f"threshold {estimator.get('rel_threshold')}, rank-indexed cumulative sum"
)


def save(fig, name):
    fig.text(0.01, 0.005, OURS, fontsize=7, color="0.35")
    fig.savefig(outputs[name], dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)


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
fig, axes = plt.subplots(1, 2, figsize=(13, 0.2 * len(eq) + 1.5), gridspec_kw={"width_ratios": [1.2, 1]})
pal = {"passed": "tab:green", "failed": "tab:red"}
sns.scatterplot(data=eq, x="rel_error", y="check", hue="status", palette=pal, ax=axes[0])
axes[0].scatter(eq["tolerance"], eq["check"], marker="|", color="0.3", s=80, label="tolerance")
axes[0].set_xscale("log")
axes[0].set_xlabel("|value - reference| / max(1, |reference|)  (floored at 1e-17)")
axes[0].set_title("identities: relative error vs tolerance")
ineq = ineq.assign(shown=ineq["margin"].clip(lower=1e-17))
sns.scatterplot(data=ineq, x="shown", y="check", hue="status", palette=pal, ax=axes[1])
axes[1].set_xscale("log")
axes[1].set_xlabel("margin to the bound / max(1, |bound|)  (floored at 1e-17; a violated bound shows red)")
axes[1].set_title("inequalities: margin")
for ax in axes:
    ax.set_ylabel("")
    ax.tick_params(axis="y", labelsize=6)
    ax.legend(loc="lower right", fontsize=7)
fig.suptitle("Quadratic-model theory checks in float64 (claims C3-C5; spec energy.md §5)")
fig.tight_layout()
save(fig, "theory_checks")

# %% [markdown]
# ## Gini of per-mode cumulative energy, per monitored matrix (mean over seeds, error bars = sd)

# %%
fig, ax = plt.subplots(figsize=(9, 4))
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
save(fig, "gini")

# %% [markdown]
# ## Cumulative energy: summed per-mode energy and direct energy per architecture (log scale)

# %%
per_run = gini.groupby(["arch", "optimizer", "seed"], as_index=False)[["cumulative_energy", "direct_energy"]].sum()
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, col, label in zip(
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
    )
    ax.set_yscale("log")
    ax.set_xlabel("architecture (k hidden layers)")
    ax.set_ylabel(label)
axes[0].set_title("cumulative per-mode energy")
axes[1].set_title("direct energy at monitored layers")
save(fig, "cumulative_energy")

# %% [markdown]
# ## Per-mode energy heat maps by eigenvalue rank (deepest architecture, first seed)

# %%
frames = {p.split("/")[-1].split("_")[1]: pd.read_parquet(p) for p in inputs["per_mode"]}
heat_arch = inputs["per_mode"][0].split("/")[-1].split("_")[0]
mats = sorted(next(iter(frames.values()))["matrix"].unique())
fig, axes = plt.subplots(len(mats), len(ORDER), figsize=(3.4 * len(ORDER), 3.0 * len(mats)), squeeze=False)
for r, mat in enumerate(mats):
    for c, opt in enumerate(ORDER):
        ax = axes[r, c]
        df = frames[opt]
        df = df[(df["matrix"] == mat)]
        m, n = df["j"].max() + 1, df["i"].max() + 1
        E = np.where(df["retained"].to_numpy(), df["energy"].to_numpy(), np.nan).reshape(m, n)
        # sum energy over rank blocks so a 256x784 matrix is visible
        bj, bi = max(1, m // 64), max(1, n // 64)
        blocks = E[: m // bj * bj, : n // bi * bi].reshape(m // bj, bj, n // bi, bi)
        Eb = np.nansum(blocks, axis=(1, 3))
        Eb[np.isnan(blocks).all(axis=(1, 3))] = np.nan  # blocks with no retained mode stay blank
        im = ax.imshow(
            np.log10(Eb + 1e-30),
            aspect="auto",
            cmap="viridis",
            vmin=np.log10(np.nanmax(Eb)) - 8,
            vmax=np.log10(np.nanmax(Eb)),
        )
        ax.set_title(f"{opt} {mat}", fontsize=9)
        ax.set_xlabel(f"input mode rank i (blocks of {bi})")
        ax.set_ylabel(f"output mode rank j (blocks of {bj})")
        fig.colorbar(im, ax=ax, label="log10 energy")
fig.suptitle(f"log10 cumulative per-mode energy, {heat_arch}")
fig.tight_layout()
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
    col="panel",
    col_wrap=3,
    kind="line",
    marker="o",
    errorbar="sd" if n_seeds > 1 else None,
    height=2.8,
    aspect=1.2,
    facet_kws={"sharey": False},
)
g.set(yscale="log")
g.set_axis_labels("curvature bin of $\\lambda_i\\mu_j$ (0 = lowest)", "cumulative energy in bin")
for ax in g.axes.flat:
    ax.axvspan(-0.5, tail_bins - 0.5, color="0.9", zorder=0)
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
    col="arch",
    kind="line",
    marker="o",
    errorbar="sd" if n_seeds > 1 else None,
    height=3,
    aspect=1.1,
)
g.set_axis_labels("epoch", "test accuracy")
g.figure.suptitle("MNIST test accuracy (lr per optimizer: see results/energy/lr/)", y=1.03)
save(g.figure, "training_curves")
