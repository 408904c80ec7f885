"""Ledger rows of the imbalanced paper: spec §5 items 1-12 and 17 (paper = ``imbalanced``).

Claims 1-10 (kind ``theorem``) are decided by the rows of ``theory_checks.csv`` with the prefix ``C<n>:``
(all non-info checks passed); claim 11 by the Fig. 4 curves, claims 12 and 17 by the Colored-MNIST curves,
all at the selected learning rates (``curves.py``), each as one effect per seed judged by ``stats.verdict``
(``effects.seed_row``). Items 13-16 (CIFAR, dominoes, MultiNLI, CelebA, TinyStories) are in ``gpu/claims.py``.
"""

from __future__ import annotations

import pandas as pd

from muonrepro.imbalanced.curves import LINEAR_CE_GROUPS, early_auc, linear_ce_choice
from muonrepro.imbalanced.effects import criterion, depth_effect, learning_time, seed_row
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
        "max over the whole run (saturation included) of |alpha^Muon_c - alpha^SpecGD_c| / r_c: population DM from "
        "zero init; finite samples from a random init (App. C)",
        "both <= {tol:g} (ours: 'closely')",
    ),
    10: (
        "SignGD-SpecGD deviation: random means (/eta), axis-aligned (abs)",
        "axis-aligned <= 1e-12 and random means > 10 eta",
    ),
}

# the figure that shows each claim (figures/imbalanced/<name>.png under the output root)
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
    9: ["population_whole_run_max|dalpha|/r", "finite_sample_random_init"],
    10: ["random_means", "axis_aligned"],
}


def theory_claim(n: int, checks: pd.DataFrame, scale: str) -> Claim:
    rows = checks[checks["check"].str.startswith(f"C{n}:")]
    if rows.empty:
        return _spec(n, THEORY[n][0], THEORY[n][1], scale).not_run(
            "no theory check rows for this claim in imbalanced/theory_checks.csv"
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
    return _spec(n, THEORY[n][0], crit, scale).judged(value, ok, f"imbalanced/theory_checks.csv: {evidence}")


def _linear_ce_claim(curves: pd.DataFrame, rule: str, stats: dict, scale: str) -> Claim:
    metric = (
        "effect per seed: min over {balanced, worst-class} of SpecGD's test accuracy minus the best other rule's, "
        "each rule at its (lr, stopping step) chosen on the seed-mean validation curve of that metric"
    )
    spec = _spec(11, metric, criterion(rule, stats, "effect (both metrics must hold: the smaller margin)"), scale)
    df = curves[(curves["experiment"] == "linear_ce") & curves["metric"].isin(["val_acc", "test_acc"])]
    if df.empty or "specgd" not in set(df["optimizer"]) or df["optimizer"].nunique() < 2:
        return spec.not_run("no linear_ce curves of SpecGD and another rule")
    margins, parts = {}, []
    for group in LINEAR_CE_GROUPS:
        picks = {o: linear_ce_choice(df.assign(lr=0.0), o, group) for o in sorted(df["optimizer"].unique())}
        test = pd.DataFrame({o: pd.Series(c["test_by_seed"], dtype=float) for o, c in picks.items()})
        margins[group] = test["specgd"] - test.drop(columns="specgd").max(axis=1, skipna=False)
        parts.append(
            f"{group}: margin per seed "
            + ", ".join(f"s{k}: {v:+.4f}" for k, v in margins[group].items())
            + "; seed-mean test accuracy "
            + ", ".join(f"{o}={c['test']:.3f} (step {c['step']})" for o, c in picks.items())
        )
    effects = pd.concat(margins, axis=1).min(axis=1, skipna=False)
    ev = (
        "imbalanced/curves.parquet / imbalanced/lr_selection.csv (the (lr, step) of each rule is shared by the seeds): "
        + " | ".join(parts)
    )
    return seed_row(spec, effects.to_dict(), rule, stats, ev)


def _cmnist_claim12(curves: pd.DataFrame, depth: int, early_fraction: float, rule: str, stats: dict, scale: str):
    metric = (
        f"effect per seed: Muon's early test minority-group accuracy (mean over the first {early_fraction:g} of "
        f"steps) minus max(NMD's, Signum's), {depth}-layer MLP, each optimizer at its selected lr"
    )
    spec = _spec(12, metric, criterion(rule, stats, "effect"), scale)
    df = curves[
        (curves["experiment"] == f"cmnist_L{depth}")
        & (curves["metric"] == "test_acc")
        & (curves["group"] == "minority")
    ]
    need = ("muon", "nmd", "signum")
    if df.empty or not set(need) <= set(df["optimizer"]):
        return spec.not_run(f"no Colored-MNIST curves for {list(need)} at depth {depth}")
    auc = pd.Series(
        {
            (o, s): early_auc(g["step"].to_numpy(), g["value"].to_numpy(), early_fraction)
            for (o, s), g in df[df["optimizer"].isin(need)].groupby(["optimizer", "seed"])
        }
    ).unstack(0)
    effects = auc["muon"] - auc[["nmd", "signum"]].max(axis=1, skipna=False)
    per = "; ".join(f"seed {s}: " + ", ".join(f"{o}={auc.loc[s, o]:.3f}" for o in need) for s in auc.index)
    ev = (
        "imbalanced/curves.parquet; early AUC of test minority-group accuracy at the selected lrs "
        f"(imbalanced/lr_selection.csv): {per}"
    )
    return seed_row(spec, effects.to_dict(), rule, stats, ev)


def _cmnist_claim17(curves: pd.DataFrame, depths: list[int], level: float, rule: str, stats: dict, scale: str):
    lo, hi = min(depths), max(depths)
    metric = (
        f"effect per seed (steps): (T_minority - T_majority) at {lo} layers minus at {hi} layers, T = first evaluated "
        f"step at which Muon's test accuracy of the group reaches {level:g} (one level for both groups and depths); "
        "never reached: T = the last step (not learned); a majority never reaching it, or the minority at neither "
        "depth: unusable seed; the minority at the deeper net only: effect capped at 0"
    )
    spec = _spec(17, metric, criterion(rule, stats, "effect"), scale)
    df = curves[
        curves["experiment"].isin([f"cmnist_L{lo}", f"cmnist_L{hi}"])
        & (curves["optimizer"] == "muon")
        & (curves["metric"] == "test_acc")
        & curves["group"].isin(["minority", "majority"])
    ]
    if lo == hi or df["experiment"].nunique() < 2:
        return spec.not_run(f"no Muon Colored-MNIST curves for depths {lo} and {hi}")
    effects, ev = {}, []
    for seed in sorted(df["seed"].unique()):
        times = {}
        for name, L in (("shallow", lo), ("deep", hi)):
            d = df[(df["seed"] == seed) & (df["experiment"] == f"cmnist_L{L}")]
            times[name] = {
                g: learning_time(h["step"].to_numpy(), h["value"].to_numpy(), level) for g, h in d.groupby("group")
            }
        if any(set(t) != {"minority", "majority"} for t in times.values()):
            effects[int(seed)] = float("nan")
            ev.append(f"seed {seed}: curves missing")
            continue
        effects[int(seed)], note = depth_effect(times)
        shown = ", ".join(
            f"{L}-layer T_min={t['minority'][0]:g}{'' if t['minority'][1] else ' (not reached)'} "
            f"T_maj={t['majority'][0]:g}{'' if t['majority'][1] else ' (not reached)'}"
            for L, t in ((lo, times["shallow"]), (hi, times["deep"]))
        )
        ev.append(f"seed {seed}: {shown}" + (f" [{note}]" if note else ""))
    return seed_row(
        spec, effects, rule, stats, "imbalanced/curves.parquet (Muon at its selected lr per depth): " + "; ".join(ev)
    )


def build_claims(checks: pd.DataFrame, curves: pd.DataFrame, cfg: dict, scale: str, stats: dict) -> list[Claim]:
    """``cfg`` is the ``imbalanced.claims`` slice plus ``depths`` (Colored-MNIST depths); ``stats`` the top-level
    ``stats`` block (``level``, ``min_seeds``) with which the empirical rows are judged over seeds."""
    rules = cfg["rules"]
    rows = [theory_claim(n, checks, scale) for n in range(1, 11)]
    rows.append(_linear_ce_claim(curves, rules["C11"], stats, scale))
    rows.append(_cmnist_claim12(curves, cfg["claim_depth"], cfg["early_fraction"], rules["C12"], stats, scale))
    rows.append(_cmnist_claim17(curves, cfg["depths"], cfg["learn_level"], rules["C17"], stats, scale))
    return rows
