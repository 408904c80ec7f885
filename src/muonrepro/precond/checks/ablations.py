"""Precond ablation checks (spec §7): A13 (constant-step Muon floors at O(eta)) and A15 (NS5 in place
of the exact polar factor loses the kappa-free convergence). Each is one effect per seed (log10 margins,
worst case over the seed's eta x kappa runs) judged over the seeds by its sign (rule ``every_seed``).

A15 is judged against what the exact polar factor reaches on the same instance (issue 25): NS5 misses
the target iff its best error exceeds ``max(target, SVD's best error)`` by at least ``k_decades`` decades.
"""

from __future__ import annotations

import math

import numpy as np

from muonrepro.precond.checks.lookup import fmt, over_seeds
from muonrepro.precond.claim_table import TABLE

TINY = 1e-300  # an error of exactly 0 (never seen in float64 runs) is read as this


def s0_floor_effect(min_errors, etas, min_ratio) -> float:
    """A13, one seed: ``min over runs of log10((min error / eta) / min_ratio)``."""
    r = np.maximum(np.asarray(min_errors, float), TINY) / np.asarray(etas, float)
    return float(np.log10(r.min() / min_ratio))


def a13(tab, s):
    c = s.P["claims"]["A13"]
    row = TABLE.spec(
        "A13",
        "mean over seeds of the per-seed effect (S0 runs, MF, small random init)",
        s.criterion(
            "A13", f"min over eta x kappa of log10((min relative error over the run / eta) / {c['min_ratio']})"
        ),
        s.scale,
    )
    st = tab.get("steps")
    st = None if st is None else st[st.rule == "S0"]
    if st is None or st.empty:
        return row.not_run("no S0 ablation runs")
    effects = {seed: s0_floor_effect(g.min_error, g.eta0, c["min_ratio"]) for seed, g in st.groupby("seed")}
    notes = {
        seed: f"min error / eta {fmt((g.min_error / g.eta0).min())} < {c['min_ratio']}"
        for seed, g in st.groupby("seed")
        if effects[seed] <= 0
    }
    r = st.min_error / st.eta0
    per = ", ".join(f"s{seed}: {fmt((g.min_error / g.eta0).min())}" for seed, g in st.groupby("seed"))
    return over_seeds(
        row,
        s,
        "A13",
        effects,
        f"eta in {[float(x) for x in sorted(st.eta0.unique())]}, kappa in {[int(x) for x in sorted(st.kappa.unique())]}, "
        f"{st.iterations.max()} iterations; min_error/eta from {fmt(r.min())} to {fmt(r.max())}; smallest per seed {per}.",
        notes,
    )


def ns5_effect(ns5_best, svd_best, target, k_decades) -> float:
    """A15, one seed: the smallest over kappa of ``log10(NS5 best error / max(target, SVD best error)) -
    k_decades`` (> 0: NS5 misses what the exact polar factor reaches by more than k decades at every kappa)."""
    ns = np.maximum(np.asarray(ns5_best, float), TINY)
    ref = np.maximum(np.maximum(np.asarray(svd_best, float), TINY), target)
    return float((np.log10(ns / ref) - k_decades).min())


def a15(tab, s):
    c = s.P["claims"]["A15"]
    T = s.PS["iters"]["ns5"]
    row = TABLE.spec(
        "A15",
        f"mean over seeds of the per-seed effect (NS5 and SVD runs of {T} iterations, MF)",
        s.criterion(
            "A15",
            f"min over kappa of log10(NS5's best error in {T} iterations / max({c['target']:g}, SVD's best error on "
            f"the same instance)) - {c['k_decades']:g}",
        ),
        s.scale,
    )
    df = tab.get("ns5")
    if df is None or df.empty:
        return row.not_run("no orthogonalizer ablation table")
    ns, sv = df[df.orthogonalizer == "ns5"], df[df.orthogonalizer == "svd"]
    effects, notes = {}, {}
    for seed in sorted(df.seed.unique()):
        n_, s_ = ns[ns.seed == seed].sort_values("kappa"), sv[sv.seed == seed].sort_values("kappa")
        if list(n_.kappa) != list(s_.kappa):
            effects[seed], notes[seed] = math.nan, "NS5 and SVD runs at different kappas"
            continue
        effects[seed] = ns5_effect(n_.min_error, s_.min_error, c["target"], c["k_decades"])
        if effects[seed] <= 0:
            ref = np.maximum(s_.min_error.to_numpy(float), c["target"])
            gap = np.log10(np.maximum(n_.min_error.to_numpy(float), TINY) / ref)
            notes[seed] = (
                f"NS5 only {fmt(gap.min())} decades above max(target, SVD) at kappa {int(n_.kappa.iloc[int(np.argmin(gap))])}"
            )
    svd_miss = sv[sv.min_error > c["target"]]
    ev = (
        f"kappa in {[int(x) for x in sorted(df.kappa.unique())]}; NS5 best errors "
        + ", ".join(f"k{int(r.kappa)} s{int(r.seed)}={r.min_error:.3g}" for r in ns.itertuples())
        + f"; SVD best errors {fmt(sv.min_error.min())} to {fmt(sv.min_error.max())} (SVD runs above the target "
        f"{c['target']:g}: {len(svd_miss)}/{len(sv)}); smallest NS5 margin over max(target, SVD): "
        f"{fmt(min(effects.values()) + c['k_decades']) if effects else 'none'} decades."
    )
    return over_seeds(row, s, "A15", effects, ev, notes)
