"""Ledger rows of the imbalanced paper's GPU-scale experiments: spec §5 items 13-16 (paper = ``imbalanced``).

C13 (CIFAR-10 STEP-20; C13-cifar100 the same on CIFAR-100), C14 (dominoes, decoded worst-group),
C15a (MultiNLI), C15b (CelebA), C16 (TinyStories). An experiment whose data is absent gets a
``not_run`` row whose evidence is the data-check message (config key, expected path, download
command); one whose needed optimizers did not run (Shampoo's optional package) says so. Every other row is
one effect per seed (> 0: the claim holds in that seed; the metric column says which), judged by
``stats.verdict`` under the row's rule (``imbalanced_gpu.claims.rules``): ``effects.seed_row``. Criteria
follow the spec's suggestions; the margins, windows and rules are ours (``imbalanced_gpu.claims``). Each row's
kind, statement and figures are in ``imbalanced/claim_table.py``; its metric and criterion are built here.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from muonrepro.imbalanced.claim_table import TABLE
from muonrepro.imbalanced.effects import criterion, seed_row
from muonrepro.ledger import Claim

CLAIM_ID = {  # the ledger row of each experiment (its statement and figures: claim_table.py)
    "cifar10": "C13",
    "cifar100": "C13-cifar100",
    "dominoes": "C14",
    "multinli": "C15a",
    "celeba": "C15b",
    "tinystories": "C16",
}
METRIC = {  # each row: one effect per seed (> 0: the claim holds in that seed), judged by stats.verdict
    "cifar10": "effect per seed: min(Muon - SGD early mean test minority-class accuracy, SGD - Muon early mean "
    "majority-minority gap)",
    "dominoes": "effect per seed: min over {muon, shampoo, adam} of final decoded worst-group test accuracy minus "
    "SGD's, minus decoded_margin",
    "multinli": "effect per seed: min(Muon - SGD, Shampoo - SGD, Adam - Muon), final worst-group test accuracy",
    "celeba": "effect per seed: min(Muon, Shampoo) - SGD, final worst-group test accuracy",
    "tinystories": "effect per seed: rho(Muon) - max(rho(Adam), rho(SGD)), rho = (sum over evaluations of the "
    "rare-bucket test-loss drop since step 0) / (the same for the frequent buckets); undefined rho: unusable seed",
}
METRIC["cifar100"] = METRIC["cifar10"]


def final_by_seed(df: pd.DataFrame, metric: str, group: str) -> pd.DataFrame:
    """Value at each run's last evaluation: index seed, one column per optimizer (NaN: no such run)."""
    d = df[(df["metric"] == metric) & (df["group"] == group)]
    last = d.loc[d.groupby(["optimizer", "seed"])["step"].idxmax()]
    return last.pivot(index="seed", columns="optimizer", values="value")


def _missing_runs(df, need, skipped) -> str:
    """Why a row cannot be judged: the needed optimizers without runs (and why they did not run), or ''."""
    have = set(df["optimizer"]) if len(df) else set()
    miss = sorted(set(need) - have)
    if not miss:
        return ""
    notes = [f"{o}: {skipped[o]}" for o in miss if o in skipped]
    return f"no runs of {miss}" + (f" ({'; '.join(notes)})" if notes else "")


def _per_seed(table: pd.DataFrame, fmt: str = ".3f") -> str:
    """'seed s: opt=value, ...' for each seed of an (index seed, column optimizer) table."""
    return "; ".join(
        f"seed {s}: " + ", ".join(f"{o}={v:{fmt}}" for o, v in row.items() if pd.notna(v))
        for s, row in table.iterrows()
    )


def early_means(df: pd.DataFrame, early_fraction: float) -> tuple[pd.DataFrame, float]:
    """Mean test accuracy of the minority and majority classes over the early window (epochs <=
    ``early_fraction`` x the last epoch; step 0 excluded), and their gap (majority - minority), per (optimizer,
    seed); and the window's end (epochs)."""
    d = df[(df["metric"] == "test_acc") & df["group"].isin(["minority", "majority"]) & (df["step"] > 0)]
    end = early_fraction * d["epoch"].max()
    early = d[d["epoch"] <= end + 1e-9]
    if early.empty:
        early = d[d["step"] == d["step"].min()]
    m = early.groupby(["optimizer", "seed", "group"])["value"].mean().unstack("group")
    m["gap"] = m["majority"] - m["minority"]
    return m, end


def cifar_claim(exp, df, cfg, scale, skipped, stats):
    rule = cfg["rules"][CLAIM_ID[exp]]
    what = f"effect (early = first {cfg['early_fraction']:g} of the epochs, step 0 excluded)"
    spec = TABLE.spec(CLAIM_ID[exp], METRIC[exp], criterion(rule, stats, what), scale)
    why = _missing_runs(df, ["muon", "sgd"], skipped)
    if why:
        return spec.not_run(why)
    m, end = early_means(df, cfg["early_fraction"])
    minority, gap = m["minority"].unstack(0), m["gap"].unstack(0)  # index seed, columns optimizer
    effects = pd.concat([minority["muon"] - minority["sgd"], gap["sgd"] - gap["muon"]], axis=1).min(
        axis=1, skipna=False
    )
    evidence = (
        f"imbalanced/gpu/{exp}/metrics.parquet; early window epochs <= {end:.3g}; "
        f"minority accuracy: {_per_seed(minority)}; "
        f"majority-minority gap: {_per_seed(gap)}"
    )
    return seed_row(spec, effects.to_dict(), rule, stats, evidence)


def dominoes_claim(df, cfg, scale, skipped, stats):
    rule = cfg["rules"]["C14"]
    what = f"effect (decoded_margin {cfg['decoded_margin']:g}: our reading of 'far above')"
    spec = TABLE.spec("C14", METRIC["dominoes"], criterion(rule, stats, what), scale)
    need = ["muon", "shampoo", "adam"]
    why = _missing_runs(df, need + ["sgd"], skipped)
    if why:
        return spec.not_run(why)
    dec = final_by_seed(df, "decoded_test_acc", "worst_group")
    raw = final_by_seed(df, "test_acc", "worst_group")
    effects = dec[need].sub(dec["sgd"], axis=0).min(axis=1, skipna=False) - cfg["decoded_margin"]
    ev = (
        f"imbalanced/gpu/dominoes/metrics.parquet; decoded worst-group: {_per_seed(dec)}; "
        f"undecoded worst-group: {_per_seed(raw)}"
    )
    return seed_row(spec, effects.to_dict(), rule, stats, ev)


def celeba_claim(df, cfg, scale, skipped, stats):
    rule = cfg["rules"]["C15b"]
    spec = TABLE.spec("C15b", METRIC["celeba"], criterion(rule, stats, "effect"), scale)
    why = _missing_runs(df, ["muon", "shampoo", "sgd"], skipped)
    if why:
        return spec.not_run(why)
    wg = final_by_seed(df, "test_acc", "worst_group")
    effects = wg[["muon", "shampoo"]].min(axis=1, skipna=False) - wg["sgd"]
    ev = (
        f"imbalanced/gpu/celeba/metrics.parquet; final worst-group: {_per_seed(wg)}; "
        "trained from scratch at this scale "
        "(no ImageNet weights)"
    )
    return seed_row(spec, effects.to_dict(), rule, stats, ev)


def multinli_claim(df, cfg, scale, skipped, model_note, stats):
    rule = cfg["rules"]["C15a"]
    spec = TABLE.spec(
        "C15a", METRIC["multinli"], criterion(rule, stats, "effect (all three margins > 0: the smallest)"), scale
    )
    why = _missing_runs(df, ["muon", "shampoo", "adam", "sgd"], skipped)
    if why:
        return spec.not_run(why)
    wg = final_by_seed(df, "test_acc", "worst_group")
    margins = pd.DataFrame(
        {
            "muon-sgd": wg["muon"] - wg["sgd"],
            "shampoo-sgd": wg["shampoo"] - wg["sgd"],
            "adam-muon": wg["adam"] - wg["muon"],
        }
    )
    effects = margins.min(axis=1, skipna=False)
    ev = (
        f"imbalanced/gpu/multinli/metrics.parquet; final worst-group: {_per_seed(wg)}; "
        f"margins: {_per_seed(margins, '+.3f')}; "
        f"{model_note}"
    )
    return seed_row(spec, effects.to_dict(), rule, stats, ev)


def rare_vs_frequent(df: pd.DataFrame, rare: list[int], frequent: list[int]) -> pd.Series:
    """rho per (optimizer, seed): summed rare-bucket test-loss drop over summed frequent-bucket drop (drops from step 0)."""
    d = df[df["metric"] == "test_loss"]
    out = {}
    for (opt, seed), g in d.groupby(["optimizer", "seed"]):
        w = g.pivot_table(index="step", columns="group", values="value")
        curve = {
            name: w[[f"bucket{b}" for b in bs]].mean(axis=1) for name, bs in (("rare", rare), ("frequent", frequent))
        }
        drop = {k: (c.iloc[0] - c.iloc[1:]).sum() for k, c in curve.items()}
        out[(opt, seed)] = drop["rare"] / drop["frequent"] if drop["frequent"] > 0 else float("nan")
    return pd.Series(out, dtype=float)


def tinystories_claim(df, cfg, scale, skipped, model_note, stats):
    rule = cfg["rules"]["C16"]
    spec = TABLE.spec("C16", METRIC["tinystories"], criterion(rule, stats, "effect"), scale)
    why = _missing_runs(df, ["muon", "adam", "sgd"], skipped)
    if why:
        return spec.not_run(why)
    rho = rare_vs_frequent(df, cfg["rare_buckets"], cfg["frequent_buckets"]).unstack(0)  # index seed
    effects = rho["muon"] - rho[["adam", "sgd"]].max(axis=1, skipna=False)
    undefined = [f"{o} seed {s}" for s, row in rho.iterrows() for o, v in row.items() if not np.isfinite(v)]
    ev = (
        f"imbalanced/gpu/tinystories/metrics.parquet; rare buckets {cfg['rare_buckets']}, "
        f"frequent {cfg['frequent_buckets']}; "
        f"rho: {_per_seed(rho)}; {model_note}"
    )
    if undefined:
        ev += (
            f"; rho undefined (the frequent-bucket test loss never fell below its step-0 value) for "
            f"{', '.join(undefined)}: those seeds are unusable"
        )
    return seed_row(spec, effects.to_dict(), rule, stats, ev)


def diverged_note(df: pd.DataFrame) -> str:
    """Which runs diverged (their last finite evaluation is what the row uses), or ''."""
    d = df[df["metric"] == "diverged"]
    runs = [f"{o} seed {s} at epoch {e:.2f}" for o, s, e in d[["optimizer", "seed", "epoch"]].itertuples(index=False)]
    return f"; diverged runs (last finite evaluation used): {', '.join(runs)}" if runs else ""


def build_claims(
    status: dict,
    metrics: dict[str, pd.DataFrame],
    skipped: dict[str, dict],
    cfg: dict,
    scale: str,
    stats: dict,
    model_notes: dict[str, str] | None = None,
) -> list[Claim]:
    """``status``: data-check dicts by experiment; ``metrics``: tidy metrics of the experiments that ran;
    ``skipped``: per experiment, optimizer -> why it did not run (e.g. Shampoo's package missing); ``cfg``: the
    ``imbalanced_gpu.claims`` slice (``rules`` per row); ``stats``: the top-level ``stats`` block (``level``,
    ``min_seeds``); ``model_notes``: per experiment, what model ran at this scale (said in the evidence)."""
    notes = model_notes or {}
    rows = []
    for exp in ("cifar10", "cifar100", "dominoes", "multinli", "celeba", "tinystories"):
        crit = criterion(cfg["rules"][CLAIM_ID[exp]], stats, "effect")
        spec = TABLE.spec(CLAIM_ID[exp], METRIC[exp], crit, scale)
        st = status.get(exp)
        if st is None:
            rows.append(spec.not_run(f"experiment {exp} not in imbalanced_gpu.experiments"))
            continue
        if exp not in metrics:
            rows.append(spec.not_run(st["message"]))
            continue
        df, sk = metrics[exp], skipped.get(exp, {})
        if exp in ("cifar10", "cifar100"):
            rows.append(cifar_claim(exp, df, cfg, scale, sk, stats))
        elif exp == "dominoes":
            rows.append(dominoes_claim(df, cfg, scale, sk, stats))
        elif exp == "celeba":
            rows.append(celeba_claim(df, cfg, scale, sk, stats))
        elif exp == "multinli":
            rows.append(multinli_claim(df, cfg, scale, sk, notes.get(exp, ""), stats))
        elif exp == "tinystories":
            rows.append(tinystories_claim(df, cfg, scale, sk, notes.get(exp, ""), stats))
        rows[-1] = replace(rows[-1], evidence=rows[-1].evidence + diverged_note(df))
    return rows
