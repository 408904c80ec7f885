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
out = "results/small/"  # the scale's output root
estimator = {}
width = 256
tail_bins = 3
dpi = 130

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from muonrepro import notebook, plotting
from muonrepro.energy import figure_data as fd

ORDER = ["sgd", "adamw", "muon"]
nb = notebook.preamble(
    outputs,
    dpi,
    scale,
    ours=f"width {width}, Sigma_delta={estimator.get('sigma_delta')}, threshold {estimator.get('rel_threshold')}, "
    f"mode set {estimator.get('mode_set')}, modes indexed by eigenvalue rank, trapezoid rule over log-spaced logs",
    order=ORDER,
)
PALETTE = nb.palette
LINES = nb.lines  # colour, marker, solid line per optimizer
MODE_SET = estimator.get("mode_set", "common")
gini_all = pd.read_csv(inputs["gini"])
gini = gini_all[gini_all["mode_set"] == MODE_SET].copy()
energy = pd.read_csv(inputs["energy"])
bins_all = pd.read_csv(inputs["bins"])
bins = bins_all[bins_all["mode_set"] == MODE_SET].copy()
offdiag = pd.read_csv(inputs["offdiag"])
logs = pd.read_csv(inputs["logs"])
acc = pd.read_csv(inputs["accuracy"])
gini["panel"] = gini["arch"] + " / " + gini["matrix"]
n_seeds = gini["seed"].nunique()
SPREAD = plotting.SEED_ERRORBAR if n_seeds > 1 else None  # mean over seeds, min-max range over seeds
SEEDS = plotting.seed_note(n_seeds, "error bars") + ", dots: the seeds"
POINTS = plotting.seed_note(n_seeds, "error bars")
BANDS = plotting.seed_note(n_seeds)


def seed_dots(ax, data, x, y, hue="optimizer"):
    """One dot per seed on top of a seaborn bar plot (dodged like the bars)."""
    sns.stripplot(
        data=data,
        x=x,
        y=y,
        hue=hue,
        hue_order=ORDER,
        palette=PALETTE,
        dodge=True,
        size=3.5,
        color="k",
        edgecolor="black",
        linewidth=0.5,
        legend=False,
        ax=ax,
    )


# %% [markdown]
# ## Theory checks (claims C3-C5): relative error of each float64 identity, and inequality margins

# %%
eq, ineq = fd.theory_points(pd.read_csv(inputs["theory"]))  # the counterexample is no check: see the caption
eq, ineq = (d.assign(check=d["check"].map(plotting.label)) for d in (eq, ineq))  # snake_case check ids -> words
fig, axes = plt.subplots(
    2,
    1,
    figsize=(9, 0.17 * (len(eq) + len(ineq)) + 2.5),
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
fig.suptitle(
    "Quadratic-model theory checks in float64 (claims C3-C5; section 5 of papers/energy.md,\n"
    "the reproduction spec: our written reading of the paper)"
)
nb.save(fig, "theory_checks")

# %% [markdown]
# ## Gini of per-mode cumulative energy, per monitored matrix (primary mode set; mean, sd and seeds)

# %%
fig, ax = plt.subplots(figsize=(10, 4), layout="constrained")
sns.barplot(data=gini, x="panel", y="gini", hue="optimizer", hue_order=ORDER, palette=PALETTE, errorbar=SPREAD, ax=ax)
seed_dots(ax, gini, "panel", "gini")
ax.set_xlabel("architecture / monitored matrix")
ax.set_ylabel("Gini of cumulative per-mode energy $\\mathcal{E}_{ij}$")
ax.set_ylim(0, 1)
ax.set_title(f"Gini per monitored matrix, mode set '{MODE_SET}'\n({SEEDS})", fontsize=10)
sns.move_legend(ax, "upper left", bbox_to_anchor=(1.01, 1.0))  # outside: no bar hidden
plotting.relabel_legend(ax.get_legend())
nb.save(fig, "gini")

# %% [markdown]
# ## Cumulative energy per architecture: the abstract's E at two places y, and the per-mode sum (log scale)

# %%
panels = [
    (
        "direct_preact",
        "$\\sum_t$ mean $\\|\\partial L/\\partial y_t\\|^2$, y = pre-activations",
        "E at the monitored layers (primary)",
    ),
    ("direct_logits", "$\\sum_t$ mean $\\|\\partial L/\\partial y_t\\|^2$, y = logits", "E at the network output"),
    ("per_mode_sum", "$\\sum_{ij}\\mathcal{E}_{ij}$ (" + MODE_SET + " modes)", "per-mode sum"),
]
ARCHS = sorted(energy["arch"].unique())
fig, axes = plt.subplots(1, 3, figsize=(14, 4), layout="constrained")
for ax, (col, ylabel, title) in zip(axes, panels):
    ax.set_yscale("log")  # points and error bars, never bars: a bar on a log axis misstates the ratio
    for i, opt in enumerate(ORDER):
        st = plotting.seed_spread(energy[energy["optimizer"] == opt], "arch", col).reindex(ARCHS)
        x = np.arange(len(ARCHS)) + (i - (len(ORDER) - 1) / 2) * 0.22
        plotting.seed_errorbar(
            ax, x, st["mean"], st["lo"], st["hi"], plotting.color(opt), plotting.label(opt), marker=plotting.marker(opt)
        )
        seeds = energy[energy["optimizer"] == opt]
        ax.scatter(
            x[[ARCHS.index(a) for a in seeds["arch"]]] + 0.06,
            seeds[col].clip(lower=plotting.POSITIVE_FLOOR),
            s=9,
            color="k",
            alpha=0.6,
            lw=0,
            zorder=3,
        )
    ax.set_xticks(range(len(ARCHS)), ARCHS)
    ax.set_xlim(-0.6, len(ARCHS) - 0.4)
    ax.set_xlabel("architecture (k hidden layers)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
handles, names = axes[-1].get_legend_handles_labels()
fig.legend(handles, names, loc="outside right upper")
fig.suptitle(f"Cumulative energy per architecture ({POINTS}, dots: the seeds; log axis)")
nb.save(fig, "cumulative_energy")

# %% [markdown]
# ## The integrand: direct energy at each logged step (log-spaced logs; trapezoid rule between them)

# %%
long = fd.per_log_energy(logs)
long["y"] = long["y"].map(plotting.label)
long["energy"] = long["energy"].clip(lower=plotting.POSITIVE_FLOOR)  # log axis: no non-positive band edge
g = sns.relplot(
    data=long,
    x="step_plus_1",
    y="energy",
    **LINES,
    col="arch",
    row="y",
    kind="line",
    errorbar=SPREAD,
    height=2.8,
    aspect=1.3,
    facet_kws={"sharey": "row"},
)
g.set(xscale="log", yscale="log")
g.set_titles("{col_name}, {row_name}")
g.set_axis_labels(
    "training step + 1 (markers: the logged steps)", "mean $\\|\\partial L/\\partial y\\|^2$ on the probe set"
)
plotting.relabel_legend(g.legend)
g.figure.suptitle(f"Per-step energy at the logged steps ({BANDS})", y=1.02)
nb.save(g.figure, "energy_trajectory")

# %% [markdown]
# ## Per-mode energy heat maps by eigenvalue rank (deepest architecture, mean over seeds of log10)
# One colour scale over all panels (8 decades below the largest block), so optimizers and matrices
# can be compared directly; each panel's title gives the spread over seeds.

# %%
heat_arch, frames = fd.per_mode_runs(inputs["per_mode"])
mats = sorted(next(iter(frames.values()))[0]["matrix"].unique())
mean_log, spread, blocks_of = fd.heatmap_blocks(frames, mats, ORDER)  # log10 energy per block of ranks
vmax = max(np.nanmax(v) for v in mean_log.values())
vmin = vmax - 8
fig, axes = plt.subplots(
    len(mats), len(ORDER), figsize=(3.3 * len(ORDER) + 1, 3.1 * len(mats)), squeeze=False, layout="constrained"
)
for r, mat in enumerate(mats):
    bj, bi = blocks_of[mat]
    for c, opt in enumerate(ORDER):
        ax = axes[r, c]
        im = ax.imshow(mean_log[(mat, opt)], aspect="auto", vmin=vmin, vmax=vmax)
        ax.grid(False)
        sd = spread[(mat, opt)]
        note = "" if sd is None else f"\nseed range of log10: median {np.nanmedian(sd):.2f}, max {np.nanmax(sd):.2f}"
        ax.set_title(f"{plotting.label(opt)}, {mat}{note}", fontsize=9)
        ax.set_xlabel(f"input mode rank i (blocks of {bi})")
        if c == 0:
            ax.set_ylabel(f"output mode rank j (blocks of {bj})")
fig.colorbar(im, ax=axes, label="log10 cumulative energy of the block (mean over seeds)", shrink=0.6)
fig.suptitle(
    f"log10 cumulative per-mode energy, {heat_arch}, mean over {len(inputs['per_mode']) // len(ORDER)} seed(s)"
)
nb.save(fig, "per_mode_heatmap")

# %% [markdown]
# ## Energy per curvature bin (bin 0 = lowest lambda_i mu_j): sum and mean over the bin's modes

# %%
bins["panel"] = bins["arch"] + " / " + bins["matrix"]
long = bins.melt(
    id_vars=["arch", "optimizer", "seed", "panel", "bin"],
    value_vars=["energy_sum", "energy_mean"],
    var_name="statistic",
    value_name="energy",
)
long["statistic"] = long["statistic"].map(plotting.label)
long["energy"] = long["energy"].clip(lower=plotting.POSITIVE_FLOOR)  # log axis: no non-positive band edge
# one panel per (matrix, statistic), a matrix's two statistics side by side, two matrices a row: legible at a
# page's width instead of one row per statistic twelve panels wide
long["facet"] = long["panel"] + ", " + long["statistic"]
g = sns.relplot(
    data=long,
    x="bin",
    y="energy",
    **LINES,
    col="facet",
    col_wrap=4,
    col_order=[f"{p}, {s}" for p in long["panel"].unique() for s in long["statistic"].unique()],
    kind="line",
    errorbar=SPREAD,
    height=2.6,
    aspect=1.2,
    facet_kws={"sharey": False},
)
g.set(yscale="log", xticks=sorted(bins["bin"].unique()))
g.set_titles("{col_name}")
g.set_axis_labels("curvature bin of $\\lambda_i\\mu_j$ (0 = lowest)", "cumulative energy (log)")
for ax in g.axes.flat:
    ax.axvspan(-0.5, tail_bins - 0.5, color="0.9", zorder=0)
plotting.relabel_legend(g.legend)
g.figure.suptitle(
    f"Energy per curvature bin, mode set '{MODE_SET}'\n(shaded: low-curvature tail, {tail_bins} bins; {BANDS})", y=1.04
)
nb.save(g.figure, "curvature_deciles")

# %% [markdown]
# ## C5 on the runs: off-diagonal fraction of each logged update in the Kronecker eigenbasis

# %%
off = logs.dropna(subset=["offdiag"]).copy()
off["panel"] = off["arch"] + " / " + off["matrix"]
off["step_plus_1"] = off["step"] + 1
g = sns.relplot(
    data=off,
    x="step_plus_1",
    y="offdiag",
    **LINES,
    col="panel",
    col_wrap=3,
    kind="line",
    errorbar=SPREAD,
    height=2.8,
    aspect=1.2,
    facet_kws={"sharey": False},
)
base = offdiag.groupby(["arch", "matrix"])["baseline"].first()
for (arch_, mat_), ax in zip(sorted(base.index), g.axes.flat):
    ax.axhline(base[(arch_, mat_)], color="0.3", ls="--", lw=1)
g.set(xscale="log")
g.set_titles("{col_name}")
g.set_axis_labels("training step + 1", "off-diagonal fraction of $R^T dW_t Q$")
plotting.relabel_legend(g.legend)
g.figure.suptitle(f"Updates in the Kronecker eigenbasis (dashed: i.i.d. baseline 1 - 1/max(m, n); {BANDS})", y=1.02)
nb.save(g.figure, "offdiag")

# %% [markdown]
# ## Training curves: test accuracy per epoch

# %%
g = sns.relplot(
    data=acc,
    x="epoch",
    y="test_acc",
    **LINES,
    col="arch",
    kind="line",
    errorbar=SPREAD,
    height=3,
    aspect=1.1,
)
g.set(xticks=sorted(acc["epoch"].unique()))
g.set_titles("{col_name}")
g.set_axis_labels("epoch", "test accuracy")
plotting.relabel_legend(g.legend)
g.figure.suptitle(f"MNIST test accuracy (lr per optimizer: see {out}energy/lr/; {BANDS})", y=1.03)
nb.save(g.figure, "training_curves")
