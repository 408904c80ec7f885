"""Precond ablation checks (spec §7): A13 (constant-step Muon floors at O(eta)) and A15 (NS5 in place
of the exact polar factor loses the kappa-free convergence). Each is one effect per seed (the spec's
thresholds as log10 margins, worst case over the seed's eta x kappa runs) judged over the seeds.
"""

from __future__ import annotations

import numpy as np

from muonrepro.precond.checks.lookup import fmt, over_seeds, spec

TINY = 1e-300  # an error of exactly 0 (never seen in float64 runs) is read as this


def s0_floor_effect(min_errors, etas, min_ratio) -> float:
    """A13, one seed: ``min over runs of log10((min error / eta) / min_ratio)``."""
    r = np.maximum(np.asarray(min_errors, float), TINY) / np.asarray(etas, float)
    return float(np.log10(r.min() / min_ratio))


def a13(tab, s):
    c = s.P["claims"]["a13"]
    row = spec(
        "A13",
        "empirical",
        ("R7_step_rules",),
        "Constant-step Muon (S0) does not converge linearly: the error floors at O(eta)",
        "mean over seeds of the per-seed effect (S0 runs, MF, small random init)",
        s.criterion(
            "a13", f"min over eta x kappa of log10((min relative error over the run / eta) / {c['min_ratio']})"
        ),
        s.scale,
    )
    st = tab.get("steps")
    st = None if st is None else st[st.rule == "S0"]
    if st is None or st.empty:
        return row.not_run("no S0 ablation runs")
    effects = {seed: s0_floor_effect(g.min_error, g.eta0, c["min_ratio"]) for seed, g in st.groupby("seed")}
    r = st.min_error / st.eta0
    per = ", ".join(f"s{seed}: {fmt((g.min_error / g.eta0).min())}" for seed, g in st.groupby("seed"))
    return over_seeds(
        row,
        s,
        "a13",
        effects,
        f"eta in {[float(x) for x in sorted(st.eta0.unique())]}, kappa in {[int(x) for x in sorted(st.kappa.unique())]}, "
        f"{st.iterations.max()} iterations; min_error/eta from {fmt(r.min())} to {fmt(r.max())}; smallest per seed {per}.",
    )


def ns5_effect(ns5_final, svd_best, ns5_min_err, svd_max_err) -> float:
    """A15, one seed: the smallest over kappa of ``log10(NS5 final error / ns5_min_err)`` and
    ``log10(svd_max_err / SVD best error)``."""
    ns = np.maximum(np.asarray(ns5_final, float), TINY)
    sv = np.maximum(np.asarray(svd_best, float), TINY)
    return float(min(np.log10(ns / ns5_min_err).min(), np.log10(svd_max_err / sv).min()))


def a15(tab, s):
    c = s.P["claims"]["a15"]
    T = s.PS["iters"]["ns5"]
    row = spec(
        "A15",
        "empirical",
        ("R8_orthogonalizer",),
        "An exact polar factor is needed: NS5 in place of msgn loses the kappa-free convergence (caution)",
        f"mean over seeds of the per-seed effect (NS5 and SVD runs of {T} iterations, MF)",
        s.criterion(
            "a15",
            f"min over kappa of min(log10(NS5 error after {T} iterations / {c['ns5_min_err']:g}), "
            f"log10({c['svd_max_err']:g} / SVD's best error))",
        ),
        s.scale,
    )
    df = tab.get("ns5")
    if df is None or df.empty:
        return row.not_run("no orthogonalizer ablation table")
    ns, sv = df[df.orthogonalizer == "ns5"], df[df.orthogonalizer == "svd"]
    effects = {}
    for seed in sorted(df.seed.unique()):
        n_, s_ = ns[ns.seed == seed].sort_values("kappa"), sv[sv.seed == seed].sort_values("kappa")
        effects[seed] = ns5_effect(n_.final_error, s_.min_error, c["ns5_min_err"], c["svd_max_err"])
    fails = ns[ns.final_error < c["ns5_min_err"]]
    ev = (
        f"kappa in {[int(x) for x in sorted(df.kappa.unique())]}; NS5 final errors "
        + ", ".join(f"k{int(r.kappa)} s{int(r.seed)}={r.final_error:.3g}" for r in ns.itertuples())
        + f"; SVD best errors up to {fmt(sv.min_error.max())}; NS5 runs below {c['ns5_min_err']:g}: {len(fails)}/{len(ns)}."
    )
    return over_seeds(row, s, "a15", effects, ev)
