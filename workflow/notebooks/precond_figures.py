# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Preconditioning benefits of spectral orthogonalization (arXiv 2601.13474): figures R1-R8
#
# Proposed reproduction figures of spec `papers/preconditioning.md` §6.2. The paper's own figures
# and settings are unknown: every setting here is the spec's INFERRED reconstruction or ours
# (config `precond`). A seed is a replicate: it draws the basis, the start and a jitter of the
# spectrum's interior eigenvalues (config `precond.spectrum_jitter`; kappa is fixed). Bands and error
# bars are min-max over seeds, lines and markers the mean over seeds. "The spec" is papers/preconditioning.md:
# this project's written reading of the paper, with the settings it had to infer marked INFERRED.

# %% tags=["parameters"]
inputs = {}
outputs = {}
scale = "small"
kappa_panels = [10, 100, 1000]
kappa_modes = 1000
kappa_min = 10
kappa_ablation = 1000
mf_eps = 1e-6
icl_eps = [1e-10, 1e-6]
muon = {}
mf_init = "random"
sizes = {}
ns5 = {}
dpi = 130

# %%
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from muonrepro import notebook, plotting
from muonrepro.precond import figure_data as fd
from muonrepro.precond.layout import split_curves

nb = notebook.preamble(
    outputs,
    dpi,
    scale,
    ours="every setting (the paper's are unknown): inferred in the reproduction spec papers/preconditioning.md "
    "or chosen here, see config precond",
)
METHODS = ("muon_s1", "gd", "adam")
TUNING = {"muon_s1": ", S1 step", "gd": ", best step", "adam": ", best of grid"}
LABEL = {m: plotting.label(m) + TUNING[m] for m in METHODS}

its = pd.read_csv(inputs["iterations"])
info = pd.read_csv(inputs["info"])
paths = split_curves(pd.read_parquet(p) for p in inputs["curves"])  # (problem, method, kappa, seed) -> curve


def draw_band(ax, band, color, label, shift=0, **kw):
    """A band of figure_data (mean over seeds, min-max band) on a log y axis (every figure here)."""
    x, mean, lo, hi = band
    plotting.seed_band(ax, x + shift, mean, lo, hi, color, label, log=True, **kw)


def legend_outside(fig, ax):
    """One legend for the figure, right of the panels, so it hides no curve."""
    fig.legend(*ax.get_legend_handles_labels(), loc="outside right upper")


# %% [markdown]
# ## R1: MF convergence curves

# %%
fig, axes = plt.subplots(
    1, len(kappa_panels), figsize=(4.2 * len(kappa_panels) + 2, 3.4), sharey=True, layout="constrained"
)
for ax, k in zip(np.atleast_1d(axes), kappa_panels):
    for m in METHODS:
        if fd.seeds_of(paths, "mf", m, k):
            band = fd.curve_band(paths, "mf", m, k)
            draw_band(ax, [v[band[0] <= 2000] for v in band], plotting.color(m), LABEL[m])
    ax.axhline(mf_eps, color="grey", ls=":", lw=1)
    ax.set(yscale="log", xlim=(0, 2000), title=f"kappa = {k}", xlabel="iteration t")
np.atleast_1d(axes)[0].set_ylabel(r"relative error $\|UU^T - M^*\|_F / \|M^*\|_F$")
legend_outside(fig, np.atleast_1d(axes)[0])
m = muon.get("mf", {})
fig.suptitle(
    f"R1. Symmetric matrix factorization: relative error per iteration ({plotting.seed_note(len(fd.seeds_of(paths, 'mf', 'muon_s1', kappa_panels[0])))})"
)
nb.save(
    fig,
    "R1_mf_convergence",
    caption=f"R1. Symmetric MF (d={sizes['mf']['d']}, r={sizes['mf']['r']}, {mf_init} init, rotated V*), "
    f"Muon S1 with q={m.get('q')}, eta0={m.get('eta0')}; mean over seeds, band: min-max. GD and Adam runs stop "
    f"once they reach epsilon={mf_eps:g} (dotted); Muon runs a fixed budget down to the float64 floor.",
)


# %% [markdown]
# ## R2 / R5: iterations to epsilon against kappa


# %%
def iterations_plot(ax, problem, method, eps, label=None, color=None, marker=None, ls="-"):
    st = fd.iterations_by_kappa(its, problem, method, eps)
    if st.empty:
        return
    med, lo, hi = st["mean"], st["lo"], st["hi"]
    k = med.index.to_numpy(float)
    color = color or plotting.color(method)
    marker = marker or plotting.marker(method)
    plotting.seed_errorbar(
        ax, k, med, lo, hi, color, label or f"{LABEL.get(method, method)}, eps={eps:g}", marker=marker, ls=ls
    )
    miss = ~st["all_reached"].to_numpy()
    if miss.any():
        ax.scatter(k[miss], med.to_numpy()[miss], s=110, facecolors="none", edgecolors=color, lw=1.5, zorder=5)
        for kk, mm in zip(k[miss], med.to_numpy()[miss]):
            ax.annotate(
                "budget", (kk, mm), textcoords="offset points", xytext=(0, 8), ha="center", fontsize=7, color=color
            )
        ax.margins(y=0.1)  # room for the annotation inside the axes


fig, ax = plt.subplots(figsize=(5.6, 4.2), layout="constrained")
for m in METHODS:
    iterations_plot(ax, "mf", m, mf_eps)
ax.set(
    xscale="log",
    yscale="log",
    xlabel=r"condition number $\kappa$",
    ylabel=f"iterations to relative error {mf_eps:g}",
    title=f"R2. Matrix factorization: iterations to epsilon\n({plotting.seed_note(its[its.problem == 'mf'].seed.nunique(), 'error bars')})",
)
ax.legend()
nb.save(
    fig,
    "R2_mf_iterations",
    caption="R2. Mean over seeds, error bars: min-max; a hollow circle marks a kappa where some seed hit the "
    "iteration budget (that seed counts as the budget). GD uses the best constant step of its grid per seed.",
)

fig, ax = plt.subplots(figsize=(5.6, 4.2), layout="constrained")
primary = icl_eps[0]
iterations_plot(ax, "icl", "muon_s1", primary)
for e in icl_eps[1:]:
    iterations_plot(ax, "icl", "muon_s1", e, marker="s", ls="--", label=f"{LABEL['muon_s1']}, eps={e:g}")
iterations_plot(ax, "icl", "gd", primary, label=f"GD closed form (best step), eps={primary:g}")
for e in icl_eps[1:]:
    iterations_plot(ax, "icl", "adam", e)
b = fd.icl_bound(info, primary)
ax.plot(
    b.index, b.values, color=plotting.color("muon_s1"), ls=":", label=f"predicted $T_{{Muon}}^{{ICL}}$, eps={primary:g}"
)
K = fd.icl_K(info)
ax.plot(K.index, K.values, color="grey", ls=":", label=r"$K = h_{max} / h_{min}$")
ax.set(
    xscale="log",
    yscale="log",
    xlabel=r"condition number $\kappa$ of $\Lambda$",
    ylabel="iterations to normalized loss gap",
    title=f"R5. In-context linear regression: iterations to epsilon\n({plotting.seed_note(its[its.problem == 'icl'].seed.nunique(), 'error bars')})",
)
ax.legend(fontsize=7)
nb.save(
    fig,
    "R5_icl_iterations",
    caption=f"R5. Reduced ICL model (d={sizes['icl']['d']}, N={sizes['icl']['N']}, B0=0, rotated $\\Lambda$). Mean over "
    "seeds, error bars: min-max; the predicted Muon count is the largest over seeds, K the mean. GD "
    "counts are exact closed forms (no run); Adam is tuned over lr x decay and counted at the looser target.",
)

# %% [markdown]
# ## R3 / R6: per-mode trajectories (mean over seeds, band: min-max)


# %%
def mode_bands(ax, problem, method, modes, colors, shift=0, alpha=0.15, labels=None):
    for i, (c, col) in enumerate(zip(modes, colors)):
        band = fd.curve_band(paths, problem, method, kappa_modes, c)
        draw_band(ax, band, col, labels[i] if labels else None, shift, alpha=alpha, lw=1.2)


n_seeds = len(fd.seeds_of(paths, "mf_aligned", "muon_s1", kappa_modes))
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True, layout="constrained")
modes = fd.mode_columns(paths, "mf_aligned", "muon_s1", kappa_modes)
colors = plotting.ordered_colors(len(modes))
mu = muon["mf_aligned"]
labels = []
for c, v in fd.mode_eigenvalues(info, "mf_aligned", kappa_modes, modes).iterrows():
    rng = f"{v['mean']:.2g}" if v["min"] == v["max"] else f"{v['mean']:.2g} [{v['min']:.2g}-{v['max']:.2g}]"
    labels.append(f"{c.replace('mode_', 'i=')} ($\\lambda_i$ {rng})")
mode_bands(axes[0], "mf_aligned", "muon_s1", modes, colors, labels=labels)
t = fd.first_run(paths, "mf_aligned", "muon_s1", kappa_modes).iteration.to_numpy()
axes[0].plot(t, mu["eta0"] * mu["q"] ** t / (1 - mu["q"]), color="k", ls="--", label=r"$\eta_0 q^t/(1-q)$ (Lemma L1)")
axes[0].set(
    yscale="log",
    xlabel="iteration t",
    ylabel=r"$|\sigma_i(U_t) - \sqrt{\lambda_i}|$",
    title=LABEL["muon_s1"],
    xlim=(0, 120),
)
axes[0].legend(fontsize=7, loc="lower left")
mode_bands(axes[1], "mf_aligned", "gd", modes, colors, shift=1)
axes[1].set(
    xscale="log", yscale="log", xlabel="iteration t + 1", title=f"{plotting.label('gd')} ($\\eta = 0.95 / \\lambda_1$)"
)
fig.suptitle(f"R3. Matrix factorization, per-mode error at kappa = {kappa_modes} ({plotting.seed_note(n_seeds)})")
nb.save(
    fig,
    "R3_mf_modes",
    caption=f"R3. Aligned init U0 = V* diag(a0) R (a0 about 1e-3, drawn per seed), kappa = {kappa_modes}, {n_seeds} seeds "
    "(mean, min-max band; the legend gives each mode's eigenvalue, mean [range] over seeds). Muon's modes all "
    "stay under the common envelope; GD's small modes lag like $1/\\lambda_i$ (the GD run stops once the relative error "
    f"reaches {mf_eps:g}).",
)

fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True, layout="constrained")
for ax, m, logx in ((axes[0], "muon_s1", False), (axes[1], "gd", True)):
    modes = fd.mode_columns(paths, "icl", m, kappa_modes)
    colors = plotting.ordered_colors(len(modes))
    mode_bands(ax, "icl", m, modes, colors, shift=1 if logx else 0, alpha=0.1)
    ax.set(
        yscale="log",
        xscale="log" if logx else "linear",
        xlabel="iteration t + 1" if logx else "iteration t",
        title=LABEL[m] + (" (closed form)" if m == "gd" else ""),
        ylim=(1e-16, None),
    )
axes[0].set(ylabel=r"$|b_{t,i} - 1/\gamma_i|$ (eigenbasis of $\Lambda$)", xlim=(0, 120))
sm = plt.cm.ScalarMappable(
    cmap=matplotlib.colors.ListedColormap(colors), norm=plt.Normalize(0.5, len(modes) + 0.5)
)  # the colours of the lines, one per mode
fig.colorbar(
    sm, ax=axes, label=r"mode $i$ ($\lambda_i$ decreasing)", ticks=range(1, len(modes) + 1, max(1, len(modes) // 10))
)
fig.suptitle(
    f"R6. In-context linear regression, per-mode error at kappa = {kappa_modes} ({plotting.seed_note(len(fd.seeds_of(paths, 'icl', 'muon_s1', kappa_modes)))})"
)
nb.save(
    fig,
    "R6_icl_modes",
    caption=f"R6. ICL eigenmodes at kappa = {kappa_modes}, {len(fd.seeds_of(paths, 'icl', 'muon_s1', kappa_modes))} seeds (mean, "
    "band: min-max): Muon's modes converge together, GD's small modes need about K iterations.",
)

# %% [markdown]
# ## R4: ICL convergence curves

# %%
fig, axes = plt.subplots(
    1, len(kappa_panels), figsize=(4.2 * len(kappa_panels) + 2, 3.4), sharey=True, layout="constrained"
)
for ax, k in zip(np.atleast_1d(axes), kappa_panels):
    for m in METHODS:
        if fd.seeds_of(paths, "icl", m, k):
            draw_band(ax, fd.curve_band(paths, "icl", m, k), plotting.color(m), LABEL[m], shift=1)
    for e in icl_eps:
        ax.axhline(e, color="grey", ls=":", lw=1)
    ax.set(xscale="log", yscale="log", title=f"kappa = {k}", xlabel="iteration t + 1")
np.atleast_1d(axes)[0].set_ylabel("normalized loss gap (L - L*) / (L(0) - L*)")
legend_outside(fig, np.atleast_1d(axes)[0])
fig.suptitle(
    f"R4. In-context linear regression: normalized loss gap per iteration ({plotting.seed_note(len(fd.seeds_of(paths, 'icl', 'muon_s1', kappa_panels[0])))})"
)
nb.save(
    fig,
    "R4_icl_convergence",
    caption="R4. Reduced ICL model; mean over seeds, band: min-max. GD curves are the exact closed form of the best "
    "step, Adam runs the full budget (best grid point shown).",
)

# %% [markdown]
# ## R7: step-size rules

# %%
steps = pd.read_csv(inputs["steps"])
sc = pd.read_parquet(inputs["steps_curves"])
ka = fd.ablation_kappa(sc.kappa, kappa_ablation)
sc, st = sc[sc.kappa == ka], steps[steps.kappa == ka]
fig, axes = plt.subplots(1, 2, figsize=(12, 3.8), layout="constrained")
s0 = sorted(st[st.rule == "S0"].setting.unique())
for s, col in zip(s0, plotting.shades("S0", len(s0) + 1)[1:]):
    draw_band(axes[0], fd.setting_band(sc, "S0", s), col, f"{plotting.label('S0')} {s}", shift=1)
    axes[0].axhline(float(s.split("=")[1]), color=col, ls=":", lw=1)
s1_band = fd.setting_band(sc, "S1", fd.shown_setting(st, "S1", "q=0.8"))
draw_band(axes[0], s1_band, plotting.color("S1"), plotting.label("S1"), shift=1)
axes[0].set(
    xscale="log", yscale="log", xlabel="iteration t + 1", ylabel="relative error", title="constant vs geometric step"
)
axes[0].legend(fontsize=7, loc="lower left")
s1 = sorted(st[st.rule == "S1"].setting.unique())
for s, col in zip(s1, plotting.shades("S1", len(s1))):
    draw_band(axes[1], fd.setting_band(sc, "S1", s), col, f"S1 {s}, eta0 = budget (1-q)")
for r in ("S2", "S3"):
    if (st.rule == r).any():
        s = fd.best_setting(st, r)
        draw_band(axes[1], fd.setting_band(sc, r, s), plotting.color(r), f"{plotting.label(r)}, best {s}", ls="--")
axes[1].set(yscale="log", xlabel="iteration t", title="step rules S1-S3")
axes[1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
fig.suptitle(
    f"R7. Step-size rules of simplified Muon, matrix factorization at kappa = {ka} ({plotting.seed_note(sc.seed.nunique())})"
)
nb.save(
    fig,
    "R7_step_rules",
    caption=f"R7. Symmetric MF at kappa = {ka} ({mf_init} init). S0 floors at O(eta) (dotted lines = eta); S1's "
    "slope is ln q; S2 (eta ||grad||_op) and S3 (eta ||grad||_*) show the best eta of our grid. Mean over seeds, "
    "band: min-max.",
)

# %% [markdown]
# ## R8: exact msgn against Newton-Schulz; Adam in rotated vs axis-aligned bases

# %%
nc = pd.read_parquet(inputs["ns5_curves"])
ks = sorted(nc.kappa.unique())
fig, axes = plt.subplots(1, len(ks), figsize=(4.2 * len(ks) + 2.5, 3.4), sharey=True, layout="constrained")
olab = {o: plotting.label(o) for o in ("svd", "ns5")} | {
    "ns5_momentum": f"{plotting.label('ns5_momentum')} {ns5.get('momentum')}"
}
ostyle = {"svd": "-", "ns5": "-", "ns5_momentum": "--"}
for ax, k in zip(np.atleast_1d(axes), ks):
    for o in ("svd", "ns5", "ns5_momentum"):
        draw_band(ax, fd.orthogonalizer_band(nc, k, o), plotting.color(o), olab[o], ls=ostyle[o])
    ax.set(yscale="log", xlabel="iteration t", title=f"kappa = {k}")
np.atleast_1d(axes)[0].set_ylabel("relative error")
legend_outside(fig, np.atleast_1d(axes)[0])
fig.suptitle(
    f"R8. Exact polar factor (msgn via SVD) vs Newton-Schulz, matrix factorization ({plotting.seed_note(nc.seed.nunique())})"
)
nb.save(
    fig,
    "R8_orthogonalizer",
    caption=f"R8. Symmetric MF (d={sizes['ns5']['d']}, r={sizes['ns5']['r']}), S1 with q={ns5.get('q')}, "
    f"eta0={ns5.get('eta0')}: the same schedule with the exact polar factor and with 5 Newton-Schulz steps. "
    "Mean over seeds, band: min-max.",
)

fig, ax = plt.subplots(figsize=(8.5, 4.2), layout="constrained")
e_adam = icl_eps[-1]
for m in ("adam", "muon_s1"):
    name = plotting.label(m)
    iterations_plot(ax, "icl", m, e_adam, label=f"{name}, rotated $\\Lambda$, eps={e_adam:g}")
    iterations_plot(
        ax,
        "icl_axis",
        m,
        e_adam,
        label=f"{name}, axis-aligned $\\Lambda$, eps={e_adam:g}",
        color=plotting.shades(m, 3)[0],
        marker="s",
        ls="--",
    )
ax.set(
    xscale="log",
    yscale="log",
    xlabel=r"condition number $\kappa$",
    ylabel=f"iterations to normalized gap {e_adam:g}",
    title=f"R8b. Adam in a rotated vs an axis-aligned basis (ICL)\n({plotting.seed_note(its[its.problem == 'icl'].seed.nunique(), 'error bars')})",
)
ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
nb.save(
    fig,
    "R8b_adam_rotation",
    caption=r"R8b. ICL with $\Lambda = Q\,\mathrm{diag}(\lambda)\,Q^T$ for a random Q (rotated) or Q = I (axis-aligned). Muon's polar factor is "
    "rotation-equivariant (its two curves coincide); Adam's coordinate-wise normalization is not. Mean over "
    "seeds, error bars: min-max.",
)

# %% [markdown]
# ## Extensions: asymmetric MF and the two-factor ICL model

# %%
fig, axes = plt.subplots(1, 2, figsize=(10.5, 3.6), layout="constrained")
for ax, prob, title in ((axes[0], "mf_asym", "asymmetric MF (X, Y)"), (axes[1], "icl_2f", "two-factor ICL (u, U)")):
    kk = fd.kappas_of(paths, prob)
    for k, col in zip(kk, plotting.ordered_colors(len(kk))):
        draw_band(ax, fd.curve_band(paths, prob, "muon_s1", k), col, f"kappa = {k}")
    ax.set(yscale="log", xlabel="iteration t", title=f"{plotting.label('muon_s1')} S1, {title}")
    ax.legend(fontsize=7)
axes[0].set_ylabel("relative error / normalized gap")
fig.suptitle(
    f"X1 (extension). Simplified Muon beyond the paper's two problems ({plotting.seed_note(len(fd.seeds_of(paths, 'mf_asym', 'muon_s1', kk[-1])))})"
)
nb.save(
    fig,
    "X1_extensions",
    caption=f"X1 (extension). Asymmetric MF (d1={sizes['mf_asym']['d1']}, d2={sizes['mf_asym']['d2']}, "
    f"r={sizes['mf_asym']['r']}), Muon on both factors with q={muon['mf_asym']['q']}, eta0="
    f"{muon['mf_asym']['eta0']}; two-factor ICL with one shared schedule q={muon['icl_2f']['q']} (the reproduction spec, §5.5, "
    "expects it to be fragile). Mean over seeds, band: min-max.",
)

# %% [markdown]
# ## Table T1

# %%
pd.read_csv(inputs["table"])
