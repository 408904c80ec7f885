"""Ledger rows of the imbalanced paper: spec §5 items 1-12 and 17 (paper = ``imbalanced``).

Claims 1-10 (kind ``theorem``) are decided by the rows of ``theory_checks.csv`` with the prefix ``C<n>:``
(all non-info checks passed); claim 11 by the Fig. 4 curves, claims 12 and 17 by the Colored-MNIST curves,
each at the learning rates of ``curves.py`` (the configured ones where the scale has no lr grid), each as one
effect per seed judged by ``stats.verdict`` (``effects.seed_row``). ``C17-levels`` (extension) repeats claim 17
at every level fraction of ``imbalanced.claims.learn_fractions`` and says whether the verdict depends on the
level. Items 13-16 (CIFAR, dominoes, MultiNLI, CelebA, TinyStories) are in ``gpu/claims.py``. Each row's kind,
statement and figures are in ``claim_table.py``; its metric and criterion are built here.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from muonrepro.imbalanced.claim_table import TABLE
from muonrepro.imbalanced.curves import LINEAR_CE_GROUPS, early_auc, linear_ce_choice
from muonrepro.imbalanced.effects import CHANCE, criterion, depth_effect, group_time, seed_row
from muonrepro.ledger import Claim
from muonrepro.stats.verdict import summarize, verdict

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
        return TABLE.spec(f"C{n}", THEORY[n][0], THEORY[n][1], scale).not_run(
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
    return TABLE.spec(f"C{n}", THEORY[n][0], crit, scale).judged(value, ok, f"imbalanced/theory_checks.csv: {evidence}")


def _linear_ce_claim(curves: pd.DataFrame, rule: str, stats: dict, scale: str) -> Claim:
    metric = (
        "effect per seed: min over {balanced, worst-class} of SpecGD's test accuracy minus the best other rule's, "
        "each rule at its (lr, stopping step) chosen on the seed-mean validation curve of that metric"
    )
    spec = TABLE.spec(
        "C11", metric, criterion(rule, stats, "effect (both metrics must hold: the smaller margin)"), scale
    )
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


def _lr_words(lr_grid: dict, opts: tuple[str, ...], scale: str) -> tuple[str, str]:
    """(metric words, evidence words) for how the lr of each optimizer in ``opts`` was set at this scale:
    ``lr_grid`` is ``scales.<scale>.imbalanced.cmnist.lr_grid`` (empty: the configured lrs, none tuned)."""
    tuned = [o for o in opts if (lr_grid or {}).get(o)]
    fixed = [o for o in opts if o not in tuned]
    if not tuned:
        return (
            f"at its configured lr (imbalanced.cmnist.optimizers; no lr was tuned at the {scale} scale: "
            f"scales.{scale}.imbalanced.cmnist.lr_grid is empty)",
            "at the configured lrs (none tuned at this scale)",
        )
    sel = "chosen on the seed-mean early validation minority-group accuracy (imbalanced/lr_selection.csv)"
    if not fixed:
        return f"at its lr {sel}", f"at the lrs {sel}"
    words = f"lr {sel} for {', '.join(tuned)}; the configured lr, not tuned, for {', '.join(fixed)}"
    return words, words


def _cmnist_claim12(
    curves: pd.DataFrame, depth: int, early_fraction: float, rule: str, stats: dict, scale: str, lr_grid: dict
):
    need = ("muon", "nmd", "signum")
    lr_metric, lr_ev = _lr_words(lr_grid, need, scale)
    metric = (
        f"effect per seed: Muon's early test minority-group accuracy (mean over the first {early_fraction:g} of "
        f"steps) minus max(NMD's, Signum's), {depth}-layer MLP, each optimizer {lr_metric}"
    )
    spec = TABLE.spec("C12", metric, criterion(rule, stats, "effect"), scale)
    df = curves[
        (curves["experiment"] == f"cmnist_L{depth}")
        & (curves["metric"] == "test_acc")
        & (curves["group"] == "minority")
    ]
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
    ev = f"imbalanced/curves.parquet; early AUC of test minority-group accuracy {lr_ev}: {per}"
    return seed_row(spec, effects.to_dict(), rule, stats, ev)


C17_GROUPS = ("minority", "majority")


def _claim17_curves(curves: pd.DataFrame, lo: int, hi: int) -> pd.DataFrame:
    return curves[
        curves["experiment"].isin([f"cmnist_L{lo}", f"cmnist_L{hi}"])
        & (curves["optimizer"] == "muon")
        & (curves["metric"] == "test_acc")
        & curves["group"].isin(C17_GROUPS)
    ]


def claim17_effects(df: pd.DataFrame, lo: int, hi: int, fraction: float) -> tuple[dict, dict, dict]:
    """Claim 17 at level fraction ``fraction``: (seed -> effect, NaN if unusable; seed -> evidence text;
    seed -> why unusable). ``df``: Muon's test-accuracy curves of the two groups at depths ``lo`` and ``hi``.
    Each group's level is computed from its own curve in its own run (:func:`effects.group_time`)."""
    effects, shown, unusable = {}, {}, {}
    for seed in sorted(df["seed"].unique()):
        seed = int(seed)
        times = {}
        for name, L in (("shallow", lo), ("deep", hi)):
            d = df[(df["seed"] == seed) & (df["experiment"] == f"cmnist_L{L}")]
            times[name] = {
                g: group_time(h["step"].to_numpy(), h["value"].to_numpy(), fraction) for g, h in d.groupby("group")
            }
        if any(set(t) != set(C17_GROUPS) for t in times.values()):
            effects[seed], shown[seed], unusable[seed] = math.nan, "curves missing", "its curves are missing"
            continue
        effects[seed], note = depth_effect(times)
        text = "; ".join(
            f"{L}-layer " + ", ".join(f"{g} {times[name][g].describe()}" for g in C17_GROUPS)
            for name, L in (("shallow", lo), ("deep", hi))
        )
        shown[seed] = text + (f" [{note}]" if note else f" [effect {effects[seed]:+g}]")
        if note:
            missing = [
                f"the {L}-layer net's {g} group"
                for name, L in (("shallow", lo), ("deep", hi))
                for g in C17_GROUPS
                if not times[name][g].reached
            ]
            unusable[seed] = f"{' and '.join(missing)} never rose above chance, so it never reached a level"
    return effects, shown, unusable


def _level_words(fraction: float) -> str:
    return f"{fraction:g} of its way from chance ({CHANCE:g}) to its final test accuracy in that run"


def _unusable_reason(effects: dict, unusable: dict, rule: str, stats: dict) -> str | None:
    """The reason of a row with unusable seeds: the statistic's sentence, then why each seed is unusable."""
    if not unusable:
        return None
    _, why = verdict(summarize(effects, stats["level"]), rule, stats["min_seeds"])
    return f"{why}; " + "; ".join(f"seed {s} is unusable because {w}" for s, w in unusable.items())


def _cmnist_claim17(curves: pd.DataFrame, depths: list[int], cfg: dict, rule: str, stats: dict, scale: str):
    lo, hi = min(depths), max(depths)
    fraction = cfg["learn_fraction"]
    lr_metric, lr_ev = _lr_words(cfg.get("lr_grid", {}), ("muon",), scale)
    metric = (
        f"effect per seed (steps): (T_minority - T_majority) at {lo} layers minus at {hi} layers, Muon {lr_metric}; "
        "T of a group = the first evaluated step at which its test accuracy reaches its level, the level = "
        f"{_level_words(fraction)} (one definition for both groups and depths, each level from the run's own "
        "curve); a group whose final accuracy is not above chance never reaches a level: its seed is unusable"
    )
    spec = TABLE.spec("C17", metric, criterion(rule, stats, "effect"), scale)
    df = _claim17_curves(curves, lo, hi)
    if lo == hi or df["experiment"].nunique() < 2:
        return spec.not_run(f"no Muon Colored-MNIST curves for depths {lo} and {hi}")
    effects, shown, unusable = claim17_effects(df, lo, hi, fraction)
    ev = f"imbalanced/curves.parquet (Muon {lr_ev}): " + "; ".join(f"seed {s}: {t}" for s, t in shown.items())
    row = seed_row(spec, effects, rule, stats, ev, reason=_unusable_reason(effects, unusable, rule, stats))
    note = _resolution_note(df, lo, hi, fraction)
    return replace(row, reason=f"{row.reason}; {note}") if row.reason and note else row


def _resolution_note(df: pd.DataFrame, lo: int, hi: int, fraction: float) -> str:
    """Where the learning times fall on the evaluation grid: the largest spacing of evaluated steps up to the
    latest T, the resolution of every T and so of every effect (a fact of the instrument, for the reason)."""
    ts = []
    for _, h in df.groupby(["seed", "experiment", "group"]):
        g = group_time(h["step"].to_numpy(), h["value"].to_numpy(), fraction)
        if g.reached:
            ts.append(g.t)
    if not ts:
        return ""
    steps = np.unique(df["step"].to_numpy(float))
    upto = steps[steps <= max(ts)]
    gap = float(np.diff(upto).max()) if len(upto) > 1 else math.nan
    return (
        f"every learning time lies at steps {min(ts):g}-{max(ts):g}, where evaluations are up to {gap:g} step(s) apart, "
        "so the effects are at the resolution of the evaluation grid"
    )


def _cmnist_claim17_levels(curves: pd.DataFrame, depths: list[int], cfg: dict, rule: str, stats: dict, scale: str):
    """C17-levels (extension): claim 17's effect and verdict at every level fraction of
    ``imbalanced.claims.learn_fractions``, and whether the verdict depends on the level."""
    lo, hi = min(depths), max(depths)
    fractions = [float(f) for f in cfg["learn_fractions"]]
    spec = TABLE.spec(
        "C17-levels",
        f"C17's effect (mean over usable seeds, steps) and verdict at each level fraction f in {fractions}: a group's "
        "level = chance + f x (its final test accuracy in the run - chance)",
        f"the verdict is the same at every f in {fractions} (ours: the fractions were fixed before results; the "
        f"primary level is f = {cfg['learn_fraction']:g})",
        scale,
    )
    df = _claim17_curves(curves, lo, hi)
    if lo == hi or df["experiment"].nunique() < 2:
        return spec.not_run(f"no Muon Colored-MNIST curves for depths {lo} and {hi}")
    parts, ev, verdicts, short = [], [], {}, {}
    for f in fractions:
        effects, shown, unusable = claim17_effects(df, lo, hi, f)
        s = summarize(effects, stats["level"])
        v, why = verdict(s, rule, stats["min_seeds"])
        verdicts[f] = v
        if s.n < stats["min_seeds"]:
            short[f] = s.n
        mean = f"{s.mean:+.4g}" if math.isfinite(s.mean) else "no usable seed"
        parts.append(f"f={f:g}: {mean} ({v}, {s.n} usable seeds)")
        ev.append(
            f"f={f:g}: {v}: {why}; {s.describe()}"
            + "".join(f"; seed {k} unusable: {w}" for k, w in unusable.items())
            + "; "
            + "; ".join(f"seed {k}: {t}" for k, t in shown.items())
        )
    value = "; ".join(parts)
    evidence = "imbalanced/curves.parquet (Muon's test group-accuracy curves): " + " | ".join(ev)
    if short:
        return spec.inconclusive(
            value,
            "the verdicts cannot be compared across levels: "
            + ", ".join(f"at f = {f:g} only {n} seed(s) are usable" for f, n in short.items())
            + f", fewer than the {stats['min_seeds']} a verdict needs",
            evidence,
        )
    same = len(set(verdicts.values())) == 1
    groups = {v: [f"{f:g}" for f in fractions if verdicts[f] == v] for v in dict.fromkeys(verdicts.values())}
    by = "; ".join(f"{v} at f = {', '.join(fs)}" for v, fs in groups.items())
    return spec.judged(value, same, evidence, reason=None if same else f"the verdict depends on the level: {by}")


def build_claims(checks: pd.DataFrame, curves: pd.DataFrame, cfg: dict, scale: str, stats: dict) -> list[Claim]:
    """``cfg`` is the ``imbalanced.claims`` slice plus ``depths`` (Colored-MNIST depths) and ``lr_grid`` (the
    scale's ``imbalanced.cmnist.lr_grid``: which optimizers' lrs were tuned); ``stats`` the top-level ``stats``
    block (``level``, ``min_seeds``) with which the empirical rows are judged over seeds."""
    rules = cfg["rules"]
    rows = [theory_claim(n, checks, scale) for n in range(1, 11)]
    rows.append(_linear_ce_claim(curves, rules["C11"], stats, scale))
    lr_grid = cfg.get("lr_grid", {})
    rows.append(_cmnist_claim12(curves, cfg["claim_depth"], cfg["early_fraction"], rules["C12"], stats, scale, lr_grid))
    rows.append(_cmnist_claim17(curves, cfg["depths"], cfg, rules["C17"], stats, scale))
    rows.append(_cmnist_claim17_levels(curves, cfg["depths"], cfg, rules["C17"], stats, scale))
    if "cmnist" in cfg.get("pending", ()):
        rows = [pending(r, PENDING_CMNIST, scale) if r.claim_id in CMNIST_ROWS else r for r in rows]
    return rows


CMNIST_ROWS = ("C12", "C17", "C17-levels")
PENDING_CMNIST = "Colored-MNIST"


def pending(row: Claim, what: str, scale: str) -> Claim:
    """A ``not_run`` row whose runs were left out of this run on purpose (config ``pending``)."""
    why = (
        f"pending: {what} was left out of this {scale}-scale run (config pending); "
        "a later run without it adds this row, resuming from its checkpoints"
    )
    return replace(row, verdict="not_run", reason=why, evidence=why)
