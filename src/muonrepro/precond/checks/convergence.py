"""Precond checks of linear and kappa-free convergence (spec §7, claim C2): A1 (Muon-S1 converges
linearly on MF), A2 / A3 (Muon's iteration count is independent of kappa on MF / ICL) and the
extensions E1 (asymmetric MF) and E2 (two-factor ICL). Each is one effect per seed (the spec's
criterion, applied to that seed's runs across kappa, as a signed margin) judged over the seeds.
"""

from __future__ import annotations

import math

import numpy as np

from muonrepro.precond.checks.lookup import (
    certain,
    counts_text,
    fmt,
    its,
    loglog_slope,
    over_seeds,
    spec,
    sweep_kappas,
)

NO_DECAY_DEVIATION = 1.0  # |slope / ln q - 1| of an error that never enters the fitting stretch (slope 0)


def linear_fit(t, err, err_hi, err_lo):
    """Least-squares fit of ln(error) against t over the stretch from the first error <= ``err_hi`` to the
    first error <= ``err_lo`` (or the end): (slope, R^2), ``(0, nan)`` when the error never reaches
    ``err_hi``, ``(nan, nan)`` when the stretch has fewer than 3 points."""
    err, t = np.asarray(err, float), np.asarray(t, float)
    i0 = np.flatnonzero(err <= err_hi)
    if not len(i0):
        return 0.0, math.nan
    i1 = np.flatnonzero(err <= err_lo)
    end = i1[0] if len(i1) else len(err) - 1
    y, x = np.log(err[i0[0] : end + 1]), t[i0[0] : end + 1]
    if len(x) < 3:
        return math.nan, math.nan
    b, a = np.polyfit(x, y, 1)
    r2 = 1 - ((y - (a + b * x)) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    return float(b), float(r2)


def a1_effect(fits, q, tol, min_r2) -> float:
    """One seed's A1 effect from its fits ``[(slope, r2), ...]`` (one per kappa): the smallest of
    ``tol - |slope/ln q - 1|`` and ``R^2 - min_r2`` over kappa. A run whose error never enters the stretch
    counts as slope 0 (deviation 1, R^2 margin ignored); an unfittable stretch makes the seed unusable."""
    margins = []
    for slope, r2 in fits:
        if math.isnan(slope):
            return math.nan
        if math.isnan(r2):  # never below err_hi: no decrease at all
            margins.append(tol - NO_DECAY_DEVIATION)
            continue
        margins += [tol - abs(slope / math.log(q) - 1), r2 - min_r2]
    return float(min(margins))


def a1(tab, s):
    c = s.P["claims"]["a1"]
    q = s.P["problems"]["mf"]["muon"]["q"]
    row = spec(
        "A1",
        "empirical",
        ("R1_mf_convergence",),
        "Simplified Muon (exact msgn, geometric step S1) converges linearly on matrix factorization (C2)",
        "mean over seeds of the per-seed effect (MF, small random init, every kappa of the sweep)",
        s.criterion(
            "a1",
            f"min over kappa of min({c['slope_rel_tol']} - |fitted slope / ln q - 1|, R^2 - {c['min_r2']}), slope of "
            f"ln(error) vs t over {c['err_hi']:g} >= error >= {c['err_lo']:g}",
        ),
        s.scale,
    )
    keys = sorted(k for k in tab["curves"] if k[0] == "mf" and k[1] == "muon_s1")
    if not keys:
        return row.not_run("no mf/muon_s1 curves in this run")
    fits = {}
    for key in keys:
        df = tab["curves"][key]
        fits.setdefault(key[3], []).append((key[2], *linear_fit(df.iteration, df.error, c["err_hi"], c["err_lo"])))
    effects = {seed: a1_effect([f[1:] for f in fs], q, c["slope_rel_tol"], c["min_r2"]) for seed, fs in fits.items()}
    ev = "; ".join(
        f"s{seed}: slopes {', '.join(f'k{k}={fmt(b)}' for k, b, _ in fs)}, min R^2 {fmt(np.nanmin([r for *_, r in fs]))}"
        for seed, fs in fits.items()
        if not all(math.isnan(r) for *_, r in fs)
    )
    return over_seeds(row, s, "a1", effects, f"{len(keys)} runs; ln q = {fmt(np.log(q))}; {ev}.")


def kappa_free_effect(kappas, counts, reached, max_ratio, max_abs_slope=None) -> float:
    """One seed's effect of a kappa-free claim: ``max_ratio - max/min count across kappa`` (and, with
    ``max_abs_slope``, the smaller of that and ``max_abs_slope - |log-log slope|``). A run out of budget
    is counted at its budget, which makes the ratio a lower bound: the effect is kept only when that
    already fails (``certain(upper=True)``)."""
    counts = np.asarray(counts, float)
    e = max_ratio - counts.max() / counts.min()
    if not np.all(reached):
        return certain(e, upper=True)
    if max_abs_slope is not None:
        e = min(e, max_abs_slope - abs(loglog_slope(kappas, counts)))
    return float(e)


def kappa_free(row, tab, s, key, problem, max_ratio, max_abs_slope=None):
    """Judge ``row`` (A2, A3, E1, E2): Muon-S1's iteration counts across kappa >= claims.kappa_min, one
    effect per seed (``kappa_free_effect``)."""
    ks = sweep_kappas(tab, s.P, problem)
    df = its(tab, problem, "muon_s1", kappas=ks)
    if df.empty or len(ks) < 2:
        return row.not_run(f"needs {problem}/muon_s1 counts at >= 2 kappas >= {s.P['claims']['kappa_min']}")
    effects, ratios, slopes = {}, [], []
    for seed, g in df.groupby("seed"):
        effects[seed] = kappa_free_effect(g.kappa, g.iterations, g.reached, max_ratio, max_abs_slope)
        ratios.append(f"s{seed}: {fmt(g.iterations.max() / g.iterations.min())}")
        slopes.append(f"s{seed}: {fmt(loglog_slope(g.kappa, g.iterations))}")
    ev = (
        f"epsilon={df.epsilon.iloc[0]:g}; kappas {[int(k) for k in ks]}; counts {counts_text(df)}; max/min ratios "
        f"{', '.join(ratios)}; log-log slopes {', '.join(slopes)}."
    )
    return over_seeds(row, s, key, effects, ev)


def a2(tab, s):
    c = s.P["claims"]["a2"]
    row = spec(
        "A2",
        "empirical",
        ("R2_mf_iterations",),
        "Muon's iteration count to epsilon is independent of kappa on matrix factorization (C2)",
        "mean over seeds of the per-seed effect (Muon-S1 iterations to epsilon, MF)",
        s.criterion(
            "a2",
            f"min({c['max_ratio']} - max/min iterations across kappa >= {s.P['claims']['kappa_min']}, "
            f"{c['max_abs_slope']} - |log-log slope|); a run out of budget counts at its budget (kept only when "
            "the seed fails anyway)",
        ),
        s.scale,
    )
    return kappa_free(row, tab, s, "a2", "mf", c["max_ratio"], c["max_abs_slope"])


def _ratio_row(cid, kind, figures, claim, what, s, key, max_ratio):
    return spec(
        cid,
        kind,
        figures,
        claim,
        f"mean over seeds of the per-seed effect (Muon-S1 iterations to epsilon, {what})",
        s.criterion(
            key,
            f"{max_ratio} - max/min iterations across kappa >= {s.P['claims']['kappa_min']}; a run out of budget "
            "counts at its budget (kept only when the seed fails anyway)",
        ),
        s.scale,
    )


def a3(tab, s):
    m = s.P["claims"]["a3"]["max_ratio"]
    row = _ratio_row(
        "A3",
        "empirical",
        ("R5_icl_iterations",),
        "Muon's iteration count to epsilon is independent of kappa on in-context linear regression (C2)",
        "ICL, normalized-gap target",
        s,
        "a3",
        m,
    )
    return kappa_free(row, tab, s, "a3", "icl", m)


def e1(tab, s):
    m = s.P["claims"]["a2"]["max_ratio"]
    row = _ratio_row(
        "E1",
        "extension",
        ("X1_extensions",),
        "(extension, ours) Simplified Muon is kappa-free on asymmetric MF from a small random init (§3.1, §8)",
        "asymmetric MF",
        s,
        "e1",
        m,
    )
    return kappa_free(row, tab, s, "e1", "mf_asym", m)


def e2(tab, s):
    m = s.P["claims"]["a3"]["max_ratio"]
    row = _ratio_row(
        "E2",
        "extension",
        ("X1_extensions",),
        "(extension, ours) Simplified Muon with one shared S1 schedule is kappa-free on the two-factor "
        "(u, U) ICL model (spec §5.5 expects this to be fragile)",
        "two-factor ICL",
        s,
        "e2",
        m,
    )
    return kappa_free(row, tab, s, "e2", "icl_2f", m)
