"""Precond checks against the baselines (spec §7, claim C3): A4 / A5 (GD's iteration count grows with
kappa on MF / ICL), A6 (Muon beats GD) and A7 (Muon beats Adam in a rotated basis).
"""

from __future__ import annotations

import numpy as np

from muonrepro.precond.checks.lookup import counts_text, fmt, its, judged, loglog_slope, spec, sweep_kappas


def a4(tab, P, scale):
    c = P["claims"]["a4"]
    row = spec(
        "A4",
        "empirical",
        ("R2_mf_iterations",),
        "GD's iteration count grows with kappa on matrix factorization (best constant step)",
        "worst (over seeds) log-log slope of GD iterations to epsilon vs kappa (MF)",
        f"every run reaches epsilon; slope >= {c['min_slope']} over {P['claims']['kappa_min']} <= kappa <= "
        f"{c['kappa_max']}",
        scale,
    )
    ks = sweep_kappas(tab, P, "mf", hi=c["kappa_max"])
    df = its(tab, "mf", "gd", kappas=ks)
    if df.empty or len(ks) < 2:
        return row.not_run("needs mf/gd counts at >= 2 kappas in the range")
    slopes = [loglog_slope(g.kappa, g.iterations) for _, g in df.groupby("seed")]
    return judged(
        row,
        float(min(slopes)),
        df.reached.all() and min(slopes) >= c["min_slope"],
        f"epsilon={df.epsilon.iloc[0]:g}; counts {counts_text(df)}; slopes {', '.join(fmt(s) for s in slopes)}.",
    )


def a5(tab, P, scale):
    c = P["claims"]["a5"]
    row = spec(
        "A5",
        "empirical",
        ("R5_icl_iterations",),
        "GD's iteration count grows with kappa on ICL (closed form, best step of the grid)",
        "worst (over seeds) per-decade log-log slope of GD iterations vs kappa (ICL, closed form)",
        f"T_GD / K in [{c['ratio_lo']}, {c['ratio_hi']}] and every per-decade slope >= {c['min_slope']} "
        f"for kappa >= {P['claims']['kappa_min']}",
        scale,
    )
    ks = sweep_kappas(tab, P, "icl")
    df = its(tab, "icl", "gd", kappas=ks)
    if df.empty or len(ks) < 2:
        return row.not_run("needs icl/gd counts at >= 2 kappas")
    info = tab["info"].query("problem == 'icl'")[["kappa", "seed", "K"]].drop_duplicates()
    m = df.merge(info, on=["kappa", "seed"])
    ratio = m.iterations / m.K
    slopes = []
    for _, g in m.groupby("seed"):
        lk, li = np.log10(g.kappa.to_numpy(float)), np.log10(g.iterations.to_numpy(float))
        slopes += list(np.diff(li) / np.diff(lk))
    ok = m.reached.all() and ratio.between(c["ratio_lo"], c["ratio_hi"]).all() and min(slopes) >= c["min_slope"]
    return judged(
        row,
        float(min(slopes)),
        ok,
        f"epsilon={df.epsilon.iloc[0]:g}; T_GD/K in [{fmt(ratio.min())}, {fmt(ratio.max())}]; per-decade "
        f"slopes {fmt(min(slopes))} to {fmt(max(slopes))}; counts {counts_text(df)}.",
    )


def a6(tab, P, scale):
    c = P["claims"]["a6"]
    k = c["kappa"]
    row = spec(
        "A6",
        "empirical",
        ("R2_mf_iterations", "R5_icl_iterations"),
        "Muon beats GD (C3): far fewer iterations at large kappa",
        f"min over seeds of the iteration ratio GD / Muon-S1 at kappa = {k} (MF; ICL)",
        f"ratio >= {c['min_ratio_mf']:g} on MF and >= {c['min_ratio_icl']:g} on ICL, every seed",
        scale,
    )
    out, ok, ev = [], True, []
    for prob, thr in (("mf", c["min_ratio_mf"]), ("icl", c["min_ratio_icl"])):
        g, m = its(tab, prob, "gd", kappas=[k]), its(tab, prob, "muon_s1", kappas=[k])
        if g.empty or m.empty:
            return row.not_run(f"needs {prob} gd and muon_s1 counts at kappa = {k}")
        mm = g.merge(m, on="seed", suffixes=("_gd", "_mu"))
        r = mm.iterations_gd / mm.iterations_mu
        ok = ok and mm.reached_gd.all() and mm.reached_mu.all() and (r >= thr).all()
        out.append(f"{prob} {fmt(r.min())}")
        ev.append(f"{prob} (epsilon={g.epsilon.iloc[0]:g}): GD {list(g.iterations)} vs Muon {list(m.iterations)}")
    return judged(row, "; ".join(out), ok, "; ".join(ev) + ".")


def a7(tab, P, scale):
    c = P["claims"]["a7"]
    row = spec(
        "A7",
        "empirical",
        ("R1_mf_convergence", "R8b_adam_rotation"),
        "Muon beats Adam (C3) in a rotated spectral basis",
        f"MF: min over seeds and kappa >= {c['kappa_min']} of the ratio Adam / Muon-S1 iterations; ICL: Adam runs "
        f"reaching {c['icl_adam_eps']:g} and Muon's largest count at the ICL target",
        f"MF ratio >= {c['min_ratio_mf']}; ICL: no Adam run (best of grid) reaches {c['icl_adam_eps']:g} within "
        f"its budget while every Muon run reaches the target within {c['icl_muon_max_iters']} iterations",
        scale,
    )
    ks = [k for k in sweep_kappas(tab, P, "mf") if k >= c["kappa_min"]]
    a, m = its(tab, "mf", "adam", kappas=ks), its(tab, "mf", "muon_s1", kappas=ks)
    ai = its(tab, "icl", "adam", eps=c["icl_adam_eps"], kappas=ks)
    mi = its(tab, "icl", "muon_s1", kappas=ks)
    if a.empty or m.empty or ai.empty or mi.empty:
        return row.not_run(f"needs mf and icl adam / muon_s1 counts at kappa >= {c['kappa_min']}")
    mm = a.merge(m, on=["seed", "kappa"], suffixes=("_ad", "_mu"))
    r = mm.iterations_ad / mm.iterations_mu
    ok_mf = mm.reached_mu.all() and (r >= c["min_ratio_mf"]).all()  # an Adam run out of budget only raises r
    ok_icl = (~ai.reached).all() and mi.reached.all() and mi.iterations.max() <= c["icl_muon_max_iters"]
    value = (
        f"mf {fmt(r.min())}; icl adam reached {int(ai.reached.sum())}/{len(ai)}, muon max {int(mi.iterations.max())}"
    )
    ev = (
        f"MF Adam {counts_text(a)} vs Muon {counts_text(m)} (Adam ratio counted at its budget when not reached); "
        f"ICL Adam at {c['icl_adam_eps']:g} {counts_text(ai)}; Muon at {mi.epsilon.iloc[0]:g} {counts_text(mi)}."
    )
    return judged(row, value, ok_mf and ok_icl, ev)
