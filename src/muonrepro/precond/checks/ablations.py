"""Precond ablation checks (spec §7): A13 (constant-step Muon floors at O(eta)) and A15 (NS5 in place
of the exact polar factor loses the kappa-free convergence).
"""

from __future__ import annotations

from muonrepro.precond.checks.lookup import fmt, judged, spec


def a13(tab, P, scale):
    c = P["claims"]["a13"]
    row = spec(
        "A13",
        "empirical",
        ("R7_step_rules",),
        "Constant-step Muon (S0) does not converge linearly: the error floors at O(eta)",
        "min over eta x kappa x seeds of (min relative error over the run) / eta",
        f">= {c['min_ratio']} (MF, small random init)",
        scale,
    )
    s = tab.get("steps")
    s = None if s is None else s[s.rule == "S0"]
    if s is None or s.empty:
        return row.not_run("no S0 ablation runs")
    r = s.min_error / s.eta0
    return judged(
        row,
        float(r.min()),
        (r >= c["min_ratio"]).all(),
        f"eta in {[float(x) for x in sorted(s.eta0.unique())]}, kappa in {[int(x) for x in sorted(s.kappa.unique())]}, "
        f"{s.iterations.max()} iterations; min_error/eta from {fmt(r.min())} to {fmt(r.max())}.",
    )


def a15(tab, P, PS, scale):
    c = P["claims"]["a15"]
    T = PS["iters"]["ns5"]
    row = spec(
        "A15",
        "empirical",
        ("R8_orthogonalizer",),
        "An exact polar factor is needed: NS5 in place of msgn loses the kappa-free convergence (caution)",
        f"min over kappa x seeds of NS5's error after {T} iterations; max of SVD's best error",
        f"NS5 error >= {c['ns5_min_err']:g} after {T} iterations while SVD reaches <= {c['svd_max_err']:g}, "
        "every kappa and seed",
        scale,
    )
    df = tab.get("ns5")
    if df is None or df.empty:
        return row.not_run("no orthogonalizer ablation table")
    ns, sv = df[df.orthogonalizer == "ns5"], df[df.orthogonalizer == "svd"]
    ok = (ns.final_error >= c["ns5_min_err"]).all() and (sv.min_error <= c["svd_max_err"]).all()
    fails = ns[ns.final_error < c["ns5_min_err"]]
    ev = (
        f"kappa in {[int(x) for x in sorted(df.kappa.unique())]}; NS5 final errors {fmt(ns.final_error.min())} to "
        f"{fmt(ns.final_error.max())}; SVD best errors up to {fmt(sv.min_error.max())}; NS5 runs below the threshold: "
        f"{len(fails)}/{len(ns)}"
        + (f" ({', '.join(f'k{int(r.kappa)} s{int(r.seed)}' for r in fails.itertuples())})" if len(fails) else "")
        + "."
    )
    return judged(row, f"ns5 min {ns.final_error.min():.3g}; svd max {sv.min_error.max():.3g}", ok, ev)
