"""Precond checks of linear and kappa-free convergence (spec §7, claim C2): A1 (Muon-S1 converges
linearly on MF), A2 / A3 (Muon's iteration count is independent of kappa on MF / ICL) and the
extensions E1 (asymmetric MF) and E2 (two-factor ICL).
"""

from __future__ import annotations

import numpy as np

from muonrepro.precond.checks.lookup import counts_text, fmt, its, judged, loglog_slope, spec, sweep_kappas


def a1(tab, P, scale):
    c = P["claims"]["a1"]
    q = P["problems"]["mf"]["muon"]["q"]
    row = spec(
        "A1",
        "empirical",
        ("R1_mf_convergence",),
        "Simplified Muon (exact msgn, geometric step S1) converges linearly on matrix factorization (C2)",
        "worst |fitted slope of ln(rel. error) / ln q - 1| over kappa x seeds (MF, small random init)",
        f"slope of ln(error) vs t over the stretch {c['err_hi']:g} >= error >= {c['err_lo']:g} within "
        f"{c['slope_rel_tol']:.0%} of ln q and R^2 > {c['min_r2']} for every kappa and seed",
        scale,
    )
    keys = [k for k in tab["curves"] if k[0] == "mf" and k[1] == "muon_s1"]
    if not keys:
        return row.not_run("no mf/muon_s1 curves in this run")
    devs, r2s, slopes, bad = [], [], [], []
    for key in sorted(keys):
        err = tab["curves"][key].error.to_numpy()
        t = tab["curves"][key].iteration.to_numpy()
        i0 = np.flatnonzero(err <= c["err_hi"])
        if not len(i0):
            bad.append(f"k{key[2]} s{key[3]} never below {c['err_hi']:g}")
            devs.append(np.inf)
            continue
        i1 = np.flatnonzero(err <= c["err_lo"])
        end = i1[0] if len(i1) else len(err) - 1
        sl = slice(i0[0], end + 1)
        y, x = np.log(err[sl]), t[sl].astype(float)
        if len(x) < 3:
            bad.append(f"k{key[2]} s{key[3]} stretch too short")
            devs.append(np.inf)
            continue
        b, a = np.polyfit(x, y, 1)
        r2 = 1 - ((y - (a + b * x)) ** 2).sum() / ((y - y.mean()) ** 2).sum()
        slopes.append(b)
        devs.append(abs(b / np.log(q) - 1))
        r2s.append(r2)
    worst = float(max(devs))
    ok = worst <= c["slope_rel_tol"] and len(r2s) == len(keys) and min(r2s) > c["min_r2"]
    ev = (
        (
            f"{len(keys)} runs; slopes {fmt(min(slopes))} to {fmt(max(slopes))} vs ln q = {fmt(np.log(q))}; "
            f"min R^2 {fmt(min(r2s))}." + (f" Failures: {'; '.join(bad)}." if bad else "")
        )
        if slopes
        else "; ".join(bad)
    )
    return judged(row, worst, ok, ev)


def kappa_free(row, tab, P, problem, max_ratio, max_abs_slope=None):
    """Judge ``row`` (A2, A3, E1, E2): Muon-S1's iteration counts across kappa >= claims.kappa_min, worst
    max/min ratio over seeds (and optionally the |log-log slope|)."""
    ks = sweep_kappas(tab, P, problem)
    df = its(tab, problem, "muon_s1", kappas=ks)
    if df.empty or len(ks) < 2:
        return row.not_run(f"needs {problem}/muon_s1 counts at >= 2 kappas >= {P['claims']['kappa_min']}")
    ratios, slopes = [], []
    for _, g in df.groupby("seed"):
        ratios.append(g.iterations.max() / g.iterations.min())
        slopes.append(loglog_slope(g.kappa, g.iterations))
    worst = float(max(ratios))
    ok = df.reached.all() and worst <= max_ratio
    if max_abs_slope is not None:
        ok = ok and max(abs(s) for s in slopes) <= max_abs_slope
    ev = (
        f"epsilon={df.epsilon.iloc[0]:g}; kappas {[int(k) for k in ks]}; counts {counts_text(df)}; "
        f"log-log slopes {', '.join(fmt(s) for s in slopes)}."
    )
    return judged(row, worst, ok, ev)


def a2(tab, P, scale):
    c = P["claims"]["a2"]
    row = spec(
        "A2",
        "empirical",
        ("R2_mf_iterations",),
        "Muon's iteration count to epsilon is independent of kappa on matrix factorization (C2)",
        "worst (over seeds) max/min ratio of Muon-S1 iterations to epsilon across kappa (MF)",
        f"every run reaches epsilon; max/min <= {c['max_ratio']} and |log-log slope| <= {c['max_abs_slope']}"
        f" for kappa >= {P['claims']['kappa_min']}",
        scale,
    )
    return kappa_free(row, tab, P, "mf", c["max_ratio"], c["max_abs_slope"])


def a3(tab, P, scale):
    c = P["claims"]["a3"]
    row = spec(
        "A3",
        "empirical",
        ("R5_icl_iterations",),
        "Muon's iteration count to epsilon is independent of kappa on in-context linear regression (C2)",
        "worst (over seeds) max/min ratio of Muon-S1 iterations to the normalized-gap target across kappa (ICL)",
        f"every run reaches epsilon; max/min <= {c['max_ratio']} for kappa >= {P['claims']['kappa_min']}",
        scale,
    )
    return kappa_free(row, tab, P, "icl", c["max_ratio"])


def e1(tab, P, scale):
    row = spec(
        "E1",
        "extension",
        ("X1_extensions",),
        "(extension, ours) Simplified Muon is kappa-free on asymmetric MF from a small random init (§3.1, §8)",
        "worst (over seeds) max/min ratio of Muon-S1 iterations across kappa (asymmetric MF)",
        f"every run reaches epsilon; max/min <= {P['claims']['a2']['max_ratio']} for kappa >= "
        f"{P['claims']['kappa_min']}",
        scale,
    )
    return kappa_free(row, tab, P, "mf_asym", P["claims"]["a2"]["max_ratio"])


def e2(tab, P, scale):
    row = spec(
        "E2",
        "extension",
        ("X1_extensions",),
        "(extension, ours) Simplified Muon with one shared S1 schedule is kappa-free on the two-factor "
        "(u, U) ICL model (spec §5.5 expects this to be fragile)",
        "worst (over seeds) max/min ratio of Muon-S1 iterations across kappa (two-factor ICL)",
        f"every run reaches epsilon; max/min <= {P['claims']['a3']['max_ratio']} for kappa >= "
        f"{P['claims']['kappa_min']}",
        scale,
    )
    return kappa_free(row, tab, P, "icl_2f", P["claims"]["a3"]["max_ratio"])
