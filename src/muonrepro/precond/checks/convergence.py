"""Precond checks of linear and kappa-free convergence (spec §7, claim C2): A1 (Muon-S1 converges
linearly on MF), A2 / A3 (Muon's iteration count is independent of kappa on MF / ICL) and the
extensions E1 (asymmetric MF), E2 (two-factor ICL) and E3 (MF with the spec's tight step budget, outside
Lemma L1's condition). Each of A1-A3, E1, E2 is one effect per seed (the spec's criterion, applied to that
seed's runs across kappa, as a signed margin) judged over the seeds by the sign (rule ``every_seed``).

Only runs inside Lemma L1's budget condition (``iterations.l1_condition``, ``muonrepro.precond.budget``)
speak for the claim: a seed with a run outside it is unusable for the row (those runs are reported apart,
row E3). A count effect uses only runs that reached the target: a seed whose run did not is unusable, and
the row says which run and its outcome (``stalled``: the remaining step budget is below the remaining
distance; ``budget``: the iteration cap). A1 judges the error curves themselves, so a stalled run inside
the condition fails A1 (its error stops decreasing).
"""

from __future__ import annotations

import math

import numpy as np

from muonrepro.precond.budget import condition_values
from muonrepro.precond.checks.lookup import (
    counts_text,
    fmt,
    its,
    judged,
    loglog_slope,
    outcome_text,
    over_seeds,
    sweep_kappas,
    usable,
)
from muonrepro.precond.claim_table import TABLE

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
    c = s.P["claims"]["A1"]
    q = s.P["problems"]["mf"]["muon"]["q"]
    row = TABLE.spec(
        "A1",
        "mean over seeds of the per-seed effect (MF, small random init, every kappa of the sweep)",
        s.criterion(
            "A1",
            f"min over kappa of min({c['slope_rel_tol']} - |fitted slope / ln q - 1|, R^2 - {c['min_r2']}), slope of "
            f"ln(error) vs t over {c['err_hi']:g} >= error >= {c['err_lo']:g}",
        ),
        s.scale,
    )
    keys = sorted(k for k in tab["curves"] if k[0] == "mf" and k[1] == "muon_s1")
    if not keys:
        return row.not_run("no mf/muon_s1 curves in this run")
    runs = its(tab, "mf", "muon_s1")
    fits, lowest = {}, {}
    for key in keys:
        df = tab["curves"][key]
        fits.setdefault(key[3], []).append((key[2], *linear_fit(df.iteration, df.error, c["err_hi"], c["err_lo"])))
        lowest[key[2], key[3]] = float(df.error.min())
    effects, notes = {}, {}
    for seed, fs in fits.items():
        outside = usable(runs[runs.seed == seed].assign(reached=True))  # only the condition matters here
        if outside:
            effects[seed], notes[seed] = math.nan, outside
            continue
        effects[seed] = a1_effect([f[1:] for f in fs], q, c["slope_rel_tol"], c["min_r2"])
        if effects[seed] <= 0:
            notes[seed] = a1_note(
                fs, q, c["slope_rel_tol"], c["min_r2"], {k: lowest[k, seed] for k, *_ in fs}, c["err_lo"]
            )
    ev = "; ".join(
        f"s{seed}: slopes {', '.join(f'k{k}={fmt(b)}' for k, b, _ in fs)}, min R^2 {fmt(np.nanmin([r for *_, r in fs]))}"
        for seed, fs in fits.items()
        if not all(math.isnan(r) for *_, r in fs)
    )
    return over_seeds(
        row,
        s,
        "A1",
        effects,
        f"{len(keys)} runs; ln q = {fmt(np.log(q))}; {ev}; outcomes {outcome_text(runs)}.",
        notes,
    )


def a1_note(fits, q, tol, min_r2, lowest=None, err_lo=None) -> str:
    """Which kappas make a seed fail A1, in words (with the lowest error the run reached, when given)."""
    bad = []
    lowest = lowest or {}
    for k, slope, r2 in fits:
        low = (
            f", lowest error {lowest[k]:.2g} (the stretch ends at {err_lo:g})"
            if k in lowest and err_lo is not None and lowest[k] > err_lo
            else ""
        )
        if math.isnan(r2) and not math.isnan(slope):
            bad.append(f"kappa {k}: the error never falls to the stretch{low}")
        elif not math.isnan(slope) and (abs(slope / math.log(q) - 1) > tol or r2 < min_r2):
            bad.append(f"kappa {k}: slope {fmt(slope)} vs ln q = {fmt(math.log(q))}, R^2 {fmt(r2)}{low}")
    return "; ".join(bad) or "an unfittable stretch"


def kappa_free_effect(kappas, counts, reached, max_ratio, max_abs_slope=None) -> float:
    """One seed's effect of a kappa-free claim: ``max_ratio - max/min count across kappa`` (and, with
    ``max_abs_slope``, the smaller of that and ``max_abs_slope - |log-log slope|``). A run that did not
    reach its target has no count (its number is a cap): the seed is unusable (NaN)."""
    if not np.all(np.asarray(reached, bool)):
        return math.nan
    counts = np.asarray(counts, float)
    e = max_ratio - counts.max() / counts.min()
    if max_abs_slope is not None:
        e = min(e, max_abs_slope - abs(loglog_slope(kappas, counts)))
    return float(e)


def kappa_free(row, tab, s, key, problem, max_ratio, max_abs_slope=None):
    """Judge ``row`` (A2, A3, E1, E2): Muon-S1's iteration counts across kappa >= claims.kappa_min, one
    effect per seed (``kappa_free_effect``) from runs that reached the target inside L1's condition."""
    ks = sweep_kappas(tab, s.P, problem)
    df = its(tab, problem, "muon_s1", kappas=ks)
    if df.empty or len(ks) < 2:
        return row.not_run(f"needs {problem}/muon_s1 counts at >= 2 kappas >= {s.P['claims']['kappa_min']}")
    eps = df.epsilon.iloc[0]
    effects, notes, ratios, slopes = {}, {}, [], []
    for seed, g in df.groupby("seed"):
        why = usable(g, f"epsilon = {eps:g}")
        if why:
            effects[seed], notes[seed] = math.nan, why
            continue
        effects[seed] = kappa_free_effect(g.kappa, g.iterations, g.reached, max_ratio, max_abs_slope)
        ratio, slope = g.iterations.max() / g.iterations.min(), loglog_slope(g.kappa, g.iterations)
        ratios.append(f"s{seed}: {fmt(ratio)}")
        slopes.append(f"s{seed}: {fmt(slope)}")
        if effects[seed] <= 0:
            notes[seed] = f"max/min count {fmt(ratio)} (limit {max_ratio})" + (
                f", |log-log slope| {fmt(abs(slope))} (limit {max_abs_slope})" if max_abs_slope is not None else ""
            )
    ev = (
        f"epsilon={eps:g}; kappas {[int(k) for k in ks]}; outcomes {outcome_text(df)}; counts {counts_text(df)}; "
        f"max/min ratios (seeds with every run reached) {', '.join(ratios) or 'none'}; log-log slopes "
        f"{', '.join(slopes) or 'none'}."
    )
    return over_seeds(row, s, key, effects, ev, notes)


def a2(tab, s):
    c = s.P["claims"]["A2"]
    row = TABLE.spec(
        "A2",
        "mean over seeds of the per-seed effect (Muon-S1 iterations to epsilon, MF)",
        s.criterion(
            "A2",
            f"min({c['max_ratio']} - max/min iterations across kappa >= {s.P['claims']['kappa_min']}, "
            f"{c['max_abs_slope']} - |log-log slope|); only runs that reached epsilon inside Lemma L1's budget "
            "condition (a seed with another run is unusable)",
        ),
        s.scale,
    )
    return kappa_free(row, tab, s, "A2", "mf", c["max_ratio"], c["max_abs_slope"])


def _ratio_row(cid, what, s, key, max_ratio):
    return TABLE.spec(
        cid,
        f"mean over seeds of the per-seed effect (Muon-S1 iterations to epsilon, {what})",
        s.criterion(
            key,
            f"{max_ratio} - max/min iterations across kappa >= {s.P['claims']['kappa_min']}; only runs that reached "
            "epsilon inside Lemma L1's budget condition (a seed with another run is unusable)",
        ),
        s.scale,
    )


def a3(tab, s):
    m = s.P["claims"]["A3"]["max_ratio"]
    row = _ratio_row(
        "A3",
        "ICL, normalized-gap target",
        s,
        "A3",
        m,
    )
    return kappa_free(row, tab, s, "A3", "icl", m)


def e1(tab, s):
    m = s.P["claims"]["A2"]["max_ratio"]
    row = _ratio_row(
        "E1",
        "asymmetric MF",
        s,
        "E1",
        m,
    )
    return kappa_free(row, tab, s, "E1", "mf_asym", m)


def e2(tab, s):
    m = s.P["claims"]["A3"]["max_ratio"]
    row = _ratio_row(
        "E2",
        "two-factor ICL",
        s,
        "E2",
        m,
    )
    return kappa_free(row, tab, s, "E2", "icl_2f", m)


def e3(tab, s):
    """The mf runs with the spec's tight budget (problem mf_tight), outside L1's condition for a random start:
    their stall rate, and whether every run that misses epsilon is a budget stall (spec §5.1, §8 predict it)."""
    P = s.P
    tight = P["problems"].get("mf_tight")
    sl = P["l1_budget"]["slack_unaligned"]
    row = TABLE.spec(
        "E3",
        "stall rate of the mf_tight Muon-S1 runs (kappa x seeds) and their outcomes",
        "every mf_tight run that does not reach epsilon is `stalled` (at its cap T, sum_{s>=T} eta_s < max_i "
        "|sigma_i(U_T) - sqrt(lam_i)|); these runs are not judged for A1/A2 (they say nothing against the claim)",
        s.scale,
        slack=f"{sl:g}",
    )
    df = its(tab, "mf_tight", "muon_s1")
    if tight is None or df.empty:
        return row.not_run("no mf_tight/muon_s1 runs (config precond.problems.mf_tight absent)")
    miss = df[~df.reached.astype(bool)]
    n_st = int((miss.outcome == "stalled").sum())
    outside = int((condition_values(df.l1_condition) == False).fillna(False).sum())  # noqa: E712
    value = f"stalled {n_st}/{len(df)} runs"
    ok = bool((miss.outcome == "stalled").all())
    per_k = ", ".join(
        f"k{int(k)}: {int((g.outcome == 'stalled').sum())}/{len(g)}" for k, g in df.groupby("kappa", sort=True)
    )
    ev = (
        f"eta0 = {tight['muon']['eta0']} sqrt(lam_1), q = {tight['muon']['q']} (eta0/(1-q) = "
        f"{fmt(df.l1_budget.iloc[0])}) against slack x D0 = {fmt(sl * df.l1_distance.min())} to "
        f"{fmt(sl * df.l1_distance.max())}: {outside}/{len(df)} runs outside the condition; stalls per kappa {per_k}; "
        f"outcomes {outcome_text(df)}; counts {counts_text(df)}; remaining budget / distance of the runs that "
        "missed: "
        + (
            ", ".join(
                f"k{int(r.kappa)} s{r.seed}: {r.remaining_budget:.2g} / {r.remaining_distance:.2g}"
                for r in miss.itertuples()
            )
            or "none"
        )
        + "."
    )
    return judged(
        row,
        value,
        ok,
        ev,
        reason=f"{len(miss) - n_st} of the {len(miss)} runs that missed epsilon still had budget at the cap: not a "
        "budget stall",
    )
