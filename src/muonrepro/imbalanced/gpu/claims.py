"""Ledger rows of the imbalanced paper's GPU-scale experiments: spec §5 items 13-16 (paper = ``imbalanced``).

C13 (CIFAR-10 STEP-20; C13-cifar100 the same on CIFAR-100), C14 (dominoes, decoded worst-group),
C15a (MultiNLI), C15b (CelebA), C16 (TinyStories). An experiment whose data is absent gets a
``not_run`` row whose evidence is the data-check message (config key, expected path, download
command); one whose needed optimizers did not run (Shampoo's optional package) says so. Criteria are the spec's suggestions; the margins and
windows are ours (``imbalanced_gpu.claims``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from muonrepro.ledger import Claim, ClaimSpec

PAPER = "imbalanced"
TEXT = {
    "cifar10": "E2 CIFAR-10 STEP-20: Muon learns minority classes earlier than SGD and narrows the majority-minority gap",
    "cifar100": "E2 CIFAR-100 STEP-20: Muon learns minority classes earlier than SGD and narrows the majority-minority gap",
    "dominoes": "E3 MNIST-CIFAR dominoes: decoded worst-group accuracy of Muon, Shampoo and Adam far above SGD's",
    "multinli": "E4 MultiNLI: worst-group accuracy of Muon and Shampoo above SGD; Adam >= Muon",
    "celeba": "E5 CelebA: worst-group accuracy of Muon and Shampoo above SGD",
    "tinystories": "E6 TinyStories: loss on rare-token buckets falls faster (relative to frequent) for Muon than Adam and SGD",
}
CLAIM_ID = {
    "cifar10": "C13",
    "cifar100": "C13-cifar100",
    "dominoes": "C14",
    "multinli": "C15a",
    "celeba": "C15b",
    "tinystories": "C16",
}
METRIC = {
    "cifar10": "fraction of seeds where Muon beats SGD on both: early mean test minority-class accuracy, and early mean "
    "majority-minority gap (smaller)",
    "dominoes": "final decoded worst-group test accuracy (seed mean): min over {muon, shampoo, adam} minus SGD",
    "multinli": "final worst-group test accuracy (seed mean): min of Muon - SGD, Shampoo - SGD, Adam - Muon",
    "celeba": "final worst-group test accuracy (seed mean): min over {muon, shampoo} minus SGD",
    "tinystories": "rho = (sum over evaluations of the rare-bucket test-loss drop since step 0) / (the same for the "
    "frequent buckets), seed mean: rho(Muon) - max(rho(Adam), rho(SGD))",
}
METRIC["cifar100"] = METRIC["cifar10"]
FIGURE = {  # the figure that shows each experiment (results/figures/imbalanced/<name>.png)
    "cifar10": "e2_cifar_step",
    "cifar100": "e2_cifar_step",
    "dominoes": "e3_dominoes",
    "multinli": "e4_multinli",
    "celeba": "e5_celeba",
    "tinystories": "e6_tinystories",
}


def _spec(exp: str, criterion: str, scale: str) -> ClaimSpec:
    return ClaimSpec(
        PAPER, CLAIM_ID[exp], "empirical", TEXT[exp], METRIC[exp], criterion, scale, figures=(FIGURE[exp],)
    )


def _final(df: pd.DataFrame, metric: str, group: str) -> pd.Series:
    """Seed-mean value at each run's last evaluation, per optimizer."""
    d = df[(df["metric"] == metric) & (df["group"] == group)]
    last = d.loc[d.groupby(["optimizer", "seed"])["step"].idxmax()]
    return last.groupby("optimizer")["value"].mean()


def _missing_runs(df, need, skipped) -> str:
    """Why a row cannot be judged: the needed optimizers without runs (and why they did not run), or ''."""
    have = set(df["optimizer"]) if len(df) else set()
    miss = sorted(set(need) - have)
    if not miss:
        return ""
    notes = [f"{o}: {skipped[o]}" for o in miss if o in skipped]
    return f"no runs of {miss}" + (f" ({'; '.join(notes)})" if notes else "")


def cifar_claim(exp, df, cfg, scale, skipped):
    crit = f">= {cfg['seed_fraction']:.3g} of seeds (early = first {cfg['early_fraction']:g} of the epochs, step 0 excluded)"
    spec = _spec(exp, crit, scale)
    why = _missing_runs(df, ["muon", "sgd"], skipped)
    if why:
        return spec.not_run(why)
    d = df[(df["metric"] == "test_acc") & df["group"].isin(["minority", "majority"]) & (df["step"] > 0)]
    horizon = d["epoch"].max()
    early = d[d["epoch"] <= cfg["early_fraction"] * horizon + 1e-9]
    if early.empty:
        early = d[d["step"] == d["step"].min()]
    m = early.groupby(["optimizer", "seed", "group"])["value"].mean().unstack("group")
    m["gap"] = m["majority"] - m["minority"]
    seeds = sorted(set(m.loc["muon"].index) & set(m.loc["sgd"].index))
    wins, ev = [], []
    for s in seeds:
        mu, sg = m.loc[("muon", s)], m.loc[("sgd", s)]
        wins.append(mu["minority"] > sg["minority"] and mu["gap"] < sg["gap"])
        ev.append(
            f"seed {s}: minority muon={mu['minority']:.3f} sgd={sg['minority']:.3f}, "
            f"gap muon={mu['gap']:.3f} sgd={sg['gap']:.3f}"
        )
    others = ", ".join(
        f"{o}: minority={m.loc[o]['minority'].mean():.3f} gap={m.loc[o]['gap'].mean():.3f}"
        for o in sorted(set(m.index.get_level_values(0)) - {"muon", "sgd"})
    )
    frac = float(np.mean(wins))
    evidence = (
        f"{exp}/metrics.parquet; {len(seeds)} seed(s), early window epochs <= "
        f"{cfg['early_fraction'] * horizon:.3g} of {horizon:g}; "
        + "; ".join(ev)
        + (f"; others (seed mean): {others}" if others else "")
    )
    return spec.judged(round(frac, 4), frac >= cfg["seed_fraction"], evidence)


def dominoes_claim(df, cfg, scale, skipped):
    crit = f">= {cfg['decoded_margin']:g} for each of muon, shampoo, adam (our reading of 'far above')"
    spec = _spec("dominoes", crit, scale)
    why = _missing_runs(df, ["muon", "shampoo", "adam", "sgd"], skipped)
    if why:
        return spec.not_run(why)
    dec = _final(df, "decoded_test_acc", "worst_group")
    raw = _final(df, "test_acc", "worst_group")
    margins = {o: float(dec[o] - dec["sgd"]) for o in ("muon", "shampoo", "adam")}
    value = min(margins.values())
    ev = (
        "dominoes/metrics.parquet; decoded worst-group: "
        + ", ".join(f"{o}={v:.3f}" for o, v in dec.items())
        + "; undecoded worst-group: "
        + ", ".join(f"{o}={v:.3f}" for o, v in raw.items())
        + f"; {df['seed'].nunique()} seed(s)"
    )
    return spec.judged(round(value, 4), value >= cfg["decoded_margin"], ev)


def celeba_claim(df, cfg, scale, skipped):
    crit = "> 0 (Muon and Shampoo both above SGD)"
    spec = _spec("celeba", crit, scale)
    why = _missing_runs(df, ["muon", "shampoo", "sgd"], skipped)
    if why:
        return spec.not_run(why)
    wg = _final(df, "test_acc", "worst_group")
    value = float(min(wg["muon"], wg["shampoo"]) - wg["sgd"])
    ev = (
        "celeba/metrics.parquet; final worst-group: "
        + ", ".join(f"{o}={v:.3f}" for o, v in wg.items())
        + f"; {df['seed'].nunique()} seed(s); trained from scratch at this scale (no ImageNet weights)"
    )
    return spec.judged(round(value, 4), value > 0, ev)


def multinli_claim(df, cfg, scale, skipped, model_note):
    crit = CRITERIA["multinli"]
    spec = _spec("multinli", crit, scale)
    why = _missing_runs(df, ["muon", "shampoo", "adam", "sgd"], skipped)
    if why:
        return spec.not_run(why)
    wg = _final(df, "test_acc", "worst_group")
    margins = {
        "muon-sgd": wg["muon"] - wg["sgd"],
        "shampoo-sgd": wg["shampoo"] - wg["sgd"],
        "adam-muon": wg["adam"] - wg["muon"],
    }
    ok = margins["muon-sgd"] > 0 and margins["shampoo-sgd"] > 0 and margins["adam-muon"] >= 0
    ev = (
        "multinli/metrics.parquet; final worst-group: "
        + ", ".join(f"{o}={v:.3f}" for o, v in wg.items())
        + "; margins: "
        + ", ".join(f"{k}={v:+.3f}" for k, v in margins.items())
        + f"; {df['seed'].nunique()} seed(s); {model_note}"
    )
    return spec.judged(round(float(min(margins.values())), 4), ok, ev)


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


def tinystories_claim(df, cfg, scale, skipped, model_note):
    crit = CRITERIA["tinystories"]
    spec = _spec("tinystories", crit, scale)
    why = _missing_runs(df, ["muon", "adam", "sgd"], skipped)
    if why:
        return spec.not_run(why)
    rho = rare_vs_frequent(df, cfg["rare_buckets"], cfg["frequent_buckets"]).groupby(level=0).mean()
    undefined = [o for o in ("muon", "adam", "sgd") if not np.isfinite(rho[o])]
    if undefined:
        return spec.not_run(
            f"the runs ran, but the frequent-bucket test loss of {undefined} never "
            f"fell below its step-0 value, so rho is undefined; {model_note}",
        )
    value = float(rho["muon"] - max(rho["adam"], rho["sgd"]))
    ev = (
        f"tinystories/metrics.parquet; rare buckets {cfg['rare_buckets']}, frequent "
        f"{cfg['frequent_buckets']}; rho: "
        + ", ".join(f"{o}={v:.3f}" for o, v in rho.items())
        + f"; {df['seed'].nunique()} seed(s); {model_note}"
    )
    return spec.judged(round(value, 4), value > 0, ev)


CRITERIA = {
    "multinli": "Muon - SGD > 0 and Shampoo - SGD > 0 and Adam - Muon >= 0 (value: the smallest margin)",
    "tinystories": "> 0",
}


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
    model_notes: dict[str, str] | None = None,
) -> list[Claim]:
    """``status``: data-check dicts by experiment; ``metrics``: tidy metrics of the experiments that ran;
    ``skipped``: per experiment, optimizer -> why it did not run (e.g. Shampoo's package missing);
    ``model_notes``: per experiment, what model ran at this scale (said in the evidence)."""
    notes = model_notes or {}
    rows = []
    for exp in ("cifar10", "cifar100", "dominoes", "multinli", "celeba", "tinystories"):
        crit = CRITERIA.get(exp, "see spec §5")
        st = status.get(exp)
        if st is None:
            rows.append(_spec(exp, crit, scale).not_run(f"experiment {exp} not in imbalanced_gpu.experiments"))
            continue
        if exp not in metrics:
            rows.append(_spec(exp, crit, scale).not_run(st["message"]))
            continue
        df, sk = metrics[exp], skipped.get(exp, {})
        if exp in ("cifar10", "cifar100"):
            rows.append(cifar_claim(exp, df, cfg, scale, sk))
        elif exp == "dominoes":
            rows.append(dominoes_claim(df, cfg, scale, sk))
        elif exp == "celeba":
            rows.append(celeba_claim(df, cfg, scale, sk))
        elif exp == "multinli":
            rows.append(multinli_claim(df, cfg, scale, sk, notes.get(exp, "")))
        elif exp == "tinystories":
            rows.append(tinystories_claim(df, cfg, scale, sk, notes.get(exp, "")))
        rows[-1] = replace(rows[-1], evidence=rows[-1].evidence + diverged_note(df))
    return rows
