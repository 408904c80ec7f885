"""Ledger rows of the imbalanced paper: spec §5 items 1-12 and 17 (paper = ``imbalanced``).

Claims 1-10 are decided by the rows of ``theory_checks.csv`` with the prefix ``C<n>:`` (all non-info
checks passed); claim 11 by the Fig. 4 curves, claims 12 and 17 by the Colored-MNIST curves, all at
the selected learning rates (``curves.py``). Items 13-16 (CIFAR, dominoes, MultiNLI, CelebA,
TinyStories) belong to another issue and get no row here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from muonrepro.imbalanced.curves import early_auc, linear_ce_choice
from muonrepro.ledger import Claim, ClaimSpec

PAPER = "imbalanced"

TEXT = {
    1: "DM Lemma: Sigma_yx and Sigma_xx share the right basis V; s^yx_c = mu p_c, s^xx_c = mu^2 p_c + sigma_x^2",
    2: "Prop 1: SpecGD from zero init grows every component at rate eta until it saturates at r_c (minority first)",
    3: "GD closed form alpha_c(t) = r_c (1 - (1 - eta s^xx_c)^t)",
    4: "NGD/NGF follows the GF path (time reparametrisation)",
    5: "Theorem 1: for t <= t*, GF minus SpecGF minority loss >= mu t/4 and balanced loss >= mu t/2",
    6: "Theorem 2: for t <= t*, NGF minus SpecGF minority loss >= mu t/2",
    7: "Prop 2 / depth: per-layer SpecGD saturates at (r_c^{1/L} - eps)/eta; relative spread Delta T",
    8: "Early-stopped SpecGF beats every stopping time of GF in balanced and worst-class accuracy (DM)",
    9: "Muon (beta = 0.9) follows SpecGD",
    10: "SignGD equals SpecGD only for axis-aligned means",
    11: "Fig 4: early-stopped SpecGD beats any stopping point of NGD/SignGD (and GD) in balanced and worst-class "
    "accuracy",
    12: "E1 Colored-MNIST: Muon learns minority groups earlier than NMD and Signum",
    17: "Fig 6: with Muon, the minority-vs-majority learning-time gap is smaller for a 4-layer than a 2-layer MLP",
}

THEORY = {  # claim -> (metric description, criterion, check names whose values form the headline)
    1: (
        "max abs error of the Lemma's singular values/eigenvalues/bases",
        "all <= 1e-10 (two DMs: k=3,d=8 and k=20,d=40)",
    ),
    2: ("max |alpha_c(t) - min(eta t, r_c)| (eta = step size)", "<= eta; off-diagonal and V_perp parts <= 1e-10"),
    3: ("max |alpha_c(t) - closed form|", "<= 1e-10"),
    4: ("max distance of NGD iterates to the GF path / eta", "<= 10 (10 x integration step)"),
    5: (
        "inside the conditions: min over cases and t of gap/(mu t), minority; balanced-mean; fraction of outside "
        "cases violating a bound",
        ">= 1/4 and >= 1/2 on every case meeting the conditions; some case outside them violates a bound",
    ),
    6: (
        "inside: min over cases and t of NGF-SpecGF minority gap/(mu t); fraction of outside cases violating it",
        ">= 1/2 on every case meeting the conditions; some case outside violates it",
    ),
    7: (
        "max relative error of measured Delta T vs formula over L=1..4 and SNRs",
        "saturation steps within +-2 of (r^{1/L}-eps)/eta and Delta T within 1%",
    ),
    8: (
        "min over sigma_x of best SpecGF - best GF accuracy (balanced, worst-class)",
        "> 0 for every sigma_x and both metrics (k=20, p~1/c)",
    ),
    9: (
        "max |alpha^Muon - alpha^SpecGD| before saturation / eta",
        "<= {tol:g} ('a few eta', ours) before each component saturates",
    ),
    10: (
        "SignGD-SpecGD deviation: random means (/eta), axis-aligned (abs)",
        "axis-aligned <= 1e-12 and random means > 10 eta",
    ),
}

# the figure that shows each claim (results/figures/imbalanced/<name>.png)
FIGURE = {
    1: "fig2_trajectories",
    2: "fig2_trajectories",
    3: "fig2_trajectories",
    4: "fig2_trajectories",
    5: "loss_gaps",
    6: "loss_gaps",
    7: "depth",
    8: "dm_accuracy",
    9: "fig2_trajectories",
    10: "fig2_trajectories",
    11: "fig4_linear_ce",
    12: "cmnist_groups",
    17: "fig6_depth",
}


def _spec(n: int, metric: str, criterion: str, scale: str) -> ClaimSpec:
    """Claims 1-10 check the theory in float64 (``theorem``); 11, 12 and 17 are about trained runs."""
    kind = "theorem" if n <= 10 else "empirical"
    return ClaimSpec(PAPER, f"C{n}", kind, TEXT[n], metric, criterion, scale, figures=(FIGURE[n],))


HEADLINE_AGG = {1: max, 8: min}
HEADLINE = {  # substrings of check names whose values make up the ledger value (max over matches)
    2: ["prop1_max_abs"],
    3: ["gd_max_abs"],
    4: ["ngd_max_distance"],
    5: ["thm1_minority_min", "thm1_balanced_min", "thm1_outside"],
    6: ["thm2_minority_min", "thm2_outside"],
    7: ["rel_err(DeltaT)"],
    9: ["before_saturation"],
    10: ["random_means", "axis_aligned"],
}


def _theory_claim(n: int, checks: pd.DataFrame, scale: str) -> Claim:
    rows = checks[checks["check"].str.startswith(f"C{n}:")]
    if rows.empty:
        return _spec(n, THEORY[n][0], THEORY[n][1], scale).not_run(
            "no theory check rows for this claim in theory_checks.csv"
        )
    judged = rows[~rows["check"].str.endswith(":info")]
    ok = bool(judged["passed"].all())
    if n in HEADLINE_AGG:
        value = f"{HEADLINE_AGG[n](judged['value']):.4g}"
    else:
        picked = [judged[judged["check"].str.contains(key, regex=False)]["value"] for key in HEADLINE[n]]
        value = "; ".join(f"{v.max():.4g}" for v in picked if len(v))
    evidence = "; ".join(f"{r.check}={r.value:.4g}{'' if r.passed else ' FAILED'}" for r in rows.itertuples())
    crit = THEORY[n][1].replace("{tol:g}", f"{judged['tolerance'].iloc[0]:g}")
    return _spec(n, THEORY[n][0], crit, scale).judged(value, ok, f"theory_checks.csv: {evidence}")


def _linear_ce_claim(curves: pd.DataFrame, scale: str) -> Claim:
    metric = (
        "test accuracy (seed mean) at each rule's lr and stopping step chosen on the validation split: SpecGD "
        "minus the best other rule; balanced, worst-class"
    )
    crit = "> 0 for both metrics against every other rule, >= 3 seeds"
    spec = _spec(11, metric, crit, scale)
    df = curves[(curves["experiment"] == "linear_ce") & curves["metric"].isin(["val_acc", "test_acc"])]
    if df.empty:
        return spec.not_run("no linear_ce curves")
    seeds = df["seed"].nunique()
    margins, parts = {}, []
    for group in ("balanced", "worst_class"):
        picks = {o: linear_ce_choice(df.assign(lr=0.0), o, group) for o in sorted(df["optimizer"].unique())}
        best = pd.Series({o: c["test"] for o, c in picks.items()})
        others = best.drop("specgd")
        margins[group] = float(best["specgd"] - others.max())
        parts.append(f"{group}: " + ", ".join(f"{o}={v:.3f} (step {picks[o]['step']})" for o, v in best.items()))
    ok = all(m > 0 for m in margins.values()) and seeds >= 3
    value = f"{margins['balanced']:+.4f}; {margins['worst_class']:+.4f}"
    ev = (
        f"{seeds} seeds; seed-mean test accuracy at the lr and step where each rule's seed-mean validation curve "
        "peaks (lr_selection.csv): " + " | ".join(parts)
    )
    if seeds < 3:
        ev += " (fewer than 3 seeds: criterion not met)"
    return spec.judged(value, ok, ev)


def _cmnist_claim12(curves: pd.DataFrame, depth: int, early_fraction: float, seed_fraction: float, scale: str) -> Claim:
    metric = (
        f"fraction of seeds where Muon's early test minority-group accuracy (mean over the first "
        f"{early_fraction:g} of steps) exceeds both NMD's and Signum's ({depth}-layer MLP)"
    )
    crit = f">= {seed_fraction:.3g} of seeds"
    spec = _spec(12, metric, crit, scale)
    df = curves[
        (curves["experiment"] == f"cmnist_L{depth}")
        & (curves["metric"] == "test_acc")
        & (curves["group"] == "minority")
    ]
    need = {"muon", "nmd", "signum"}
    if df.empty or not need <= set(df["optimizer"]):
        return spec.not_run(f"no Colored-MNIST curves for {sorted(need)} at depth {depth}")
    auc = {
        (o, s): early_auc(g["step"].to_numpy(), g["value"].to_numpy(), early_fraction)
        for (o, s), g in df.groupby(["optimizer", "seed"])
    }
    seeds = sorted(
        {s for o, s in auc if o == "muon"} & {s for o, s in auc if o == "nmd"} & {s for o, s in auc if o == "signum"}
    )
    wins = [auc[("muon", s)] > max(auc[("nmd", s)], auc[("signum", s)]) for s in seeds]
    frac = float(np.mean(wins))
    per = "; ".join(
        f"seed {s}: " + ", ".join(f"{o}={auc[(o, s)]:.3f}" for o in sorted({o for o, t in auc if t == s}))
        for s in seeds
    )
    ev = f"{len(seeds)} seed(s); early AUC of test minority-group accuracy at the selected lr: {per}"
    if len(seeds) < 3:
        ev += f" (only {len(seeds)} seed(s) at scale {scale})"
    return spec.judged(round(frac, 4), frac >= seed_fraction, ev)


def learning_time(steps: np.ndarray, values: np.ndarray, threshold: float) -> float:
    """First step at which the curve reaches ``threshold`` x its maximum over training."""
    order = np.argsort(steps)
    s, v = np.asarray(steps)[order], np.asarray(values)[order]
    return float(s[np.argmax(v >= threshold * np.nanmax(v))])


def _cmnist_claim17(curves: pd.DataFrame, depths: list[int], threshold: float, scale: str) -> Claim:
    lo, hi = min(depths), max(depths)
    metric = (
        f"Muon learning-time gap |T_minority - T_majority| (steps; T = first step reaching {threshold:g} x the "
        f"curve's max, seed-mean test group accuracy): {hi}-layer minus {lo}-layer"
    )
    crit = "< 0 (smaller gap for the deeper MLP)"
    spec = _spec(17, metric, crit, scale)
    gaps, ev, order = {}, [], {}
    for L in (lo, hi):
        df = curves[
            (curves["experiment"] == f"cmnist_L{L}")
            & (curves["optimizer"] == "muon")
            & (curves["metric"] == "test_acc")
        ]
        if df.empty or lo == hi:
            return spec.not_run(f"no Muon Colored-MNIST curves for depths {lo} and {hi}")
        t = {}
        for group in ("minority", "majority"):
            m = df[df["group"] == group].groupby("step")["value"].mean()
            t[group] = learning_time(m.index.to_numpy(), m.to_numpy(), threshold)
        gaps[L] = abs(t["minority"] - t["majority"])
        order[L] = (t["minority"], t["majority"])
        ev.append(
            f"{L}-layer: T_min={t['minority']:g}, T_maj={t['majority']:g}, |gap|={gaps[L]:g}, "
            f"seeds={df['seed'].nunique()}"
        )
    diff = gaps[hi] - gaps[lo]
    if any(t_min < t_maj for t_min, t_maj in order.values()):
        ev.append("note: T_min < T_maj somewhere, i.e. the minority curve plateaus early at a lower level")
    return spec.judged(diff, bool(diff < 0), "; ".join(ev))


def build_claims(checks: pd.DataFrame, curves: pd.DataFrame, cfg: dict, scale: str) -> list[Claim]:
    """``cfg`` is the ``imbalanced.claims`` slice plus ``depths`` (Colored-MNIST depths)."""
    rows = [_theory_claim(n, checks, scale) for n in range(1, 11)]
    rows.append(_linear_ce_claim(curves, scale))
    rows.append(_cmnist_claim12(curves, cfg["claim_depth"], cfg["early_fraction"], cfg["seed_fraction"], scale))
    rows.append(_cmnist_claim17(curves, cfg["depths"], cfg["learn_threshold"], scale))
    return rows
