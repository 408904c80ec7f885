"""Precond checks against the baselines (spec §7, claim C3): A4 / A5 (GD's iteration count grows with
kappa on MF / ICL), A6 (Muon beats GD) and A7 (Muon beats Adam in a rotated basis). Each is one effect
per seed (the spec's threshold as a signed margin; ratios compared in log10) judged over the seeds by its
sign (rule ``every_seed``).

Count effects use only runs that reached their target (``lookup.usable``): a GD run (A4) or a closed-form
GD count (A5) that does not exist, or a Muon run that did not reach epsilon or started outside Lemma L1's
budget condition (A6, A7), makes the seed unusable, and the row says which run. The one exception is the
*slower* method of a comparison (GD in A6, Adam in A7): a run that did not reach epsilon within its budget
shows that its count exceeds the budget, so ``budget / Muon's count`` is a lower bound of the ratio; it
is used only where that bound already decides the seed (``lookup.certain``), and the evidence says so.
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
    min_certain,
    outcome_text,
    over_seeds,
    sweep_kappas,
    usable,
)
from muonrepro.precond.claim_table import TABLE


def gd_slope_effect(kappas, counts, reached, min_slope) -> float:
    """A4, one seed: ``log-log slope of GD counts vs kappa - min_slope``; a run that did not reach epsilon
    has no count: the seed is unusable (NaN)."""
    if not np.all(np.asarray(reached, bool)):
        return math.nan
    return float(loglog_slope(kappas, counts) - min_slope)


def a4(tab, s):
    c = s.P["claims"]["A4"]
    row = TABLE.spec(
        "A4",
        "mean over seeds of the per-seed effect (GD iterations to epsilon, MF)",
        s.criterion(
            "A4",
            f"log-log slope of GD iterations vs kappa over {s.P['claims']['kappa_min']} <= kappa <= {c['kappa_max']}"
            f" - {c['min_slope']}; only GD runs that reached epsilon (a seed with another run is unusable)",
        ),
        s.scale,
    )
    ks = sweep_kappas(tab, s.P, "mf", hi=c["kappa_max"])
    df = its(tab, "mf", "gd", kappas=ks)
    if df.empty or len(ks) < 2:
        return row.not_run("needs mf/gd counts at >= 2 kappas in the range")
    eps = df.epsilon.iloc[0]
    effects, notes = {}, {}
    for seed, g in df.groupby("seed"):
        effects[seed] = gd_slope_effect(g.kappa, g.iterations, g.reached, c["min_slope"])
        why = usable(g, f"epsilon = {eps:g}")
        if why:
            notes[seed] = f"GD {why}"
        elif effects[seed] <= 0:
            notes[seed] = f"slope {fmt(loglog_slope(g.kappa, g.iterations))} < {c['min_slope']}"
    slopes = ", ".join(
        f"s{seed}: {fmt(loglog_slope(g.kappa, g.iterations))}" for seed, g in df.groupby("seed") if g.reached.all()
    )
    return over_seeds(
        row, s, "A4", effects, f"epsilon={eps:g}; counts {counts_text(df)}; slopes {slopes or 'none'}.", notes
    )


def gd_icl_effect(kappas, counts, K, reached, ratio_lo, ratio_hi, min_slope) -> float:
    """A5, one seed: the smaller of (a) the log10 margin of T_GD / K inside [ratio_lo, ratio_hi] at every
    kappa and (b) the smallest per-decade slope of T_GD vs kappa minus ``min_slope`` (both in decades).
    A closed-form count that does not exist makes the seed unusable."""
    if not np.all(reached):
        return math.nan
    lr = np.log10(np.asarray(counts, float) / np.asarray(K, float))
    band = min((lr - math.log10(ratio_lo)).min(), (math.log10(ratio_hi) - lr).min())
    lk, li = np.log10(np.asarray(kappas, float)), np.log10(np.asarray(counts, float))
    return float(min(band, (np.diff(li) / np.diff(lk)).min() - min_slope))


def a5(tab, s):
    c = s.P["claims"]["A5"]
    row = TABLE.spec(
        "A5",
        "mean over seeds of the per-seed effect (GD iterations to the normalized-gap target, ICL, closed form)",
        s.criterion(
            "A5",
            f"min(log10 margin of T_GD / K inside [{c['ratio_lo']}, {c['ratio_hi']}], smallest per-decade log-log "
            f"slope - {c['min_slope']}) over kappa >= {s.P['claims']['kappa_min']}",
        ),
        s.scale,
    )
    ks = sweep_kappas(tab, s.P, "icl")
    df = its(tab, "icl", "gd", kappas=ks)
    if df.empty or len(ks) < 2:
        return row.not_run("needs icl/gd counts at >= 2 kappas")
    info = tab["info"].query("problem == 'icl'")[["kappa", "seed", "K"]].drop_duplicates()
    m = df.merge(info, on=["kappa", "seed"]).sort_values(["seed", "kappa"])
    effects, notes, ev = {}, {}, []
    for seed, g in m.groupby("seed"):
        effects[seed] = gd_icl_effect(
            g.kappa, g.iterations, g.K, g.reached, c["ratio_lo"], c["ratio_hi"], c["min_slope"]
        )
        if not g.reached.all():
            notes[seed] = (
                f"no closed-form GD count (unstable step or beyond the cap) at kappa {list(g.kappa[~g.reached])}"
            )
            continue
        li, lk = np.log10(g.iterations.to_numpy(float)), np.log10(g.kappa.to_numpy(float))
        ratios, slopes = g.iterations / g.K, np.diff(li) / np.diff(lk)
        ev.append(
            f"s{seed}: T_GD/K {fmt(ratios.min())} to {fmt(ratios.max())}, per-decade "
            f"slopes {', '.join(fmt(x) for x in slopes)}"
        )
        if effects[seed] <= 0:
            notes[seed] = f"T_GD/K from {fmt(ratios.min())} to {fmt(ratios.max())}, smallest slope {fmt(slopes.min())}"
    return over_seeds(
        row, s, "A5", effects, f"epsilon={df.epsilon.iloc[0]:g}; {'; '.join(ev)}; counts {counts_text(df)}.", notes
    )


def ratio_effect(slow, fast, slow_reached, fast_reached, threshold) -> float:
    """``log10(slow / fast) - log10(threshold)`` for two counts. The fast method (Muon) must have reached its
    target (else: unusable, NaN); a slow run out of budget makes the effect a lower bound, kept only when it
    is > 0 (``certain``); a non-positive count: unusable."""
    if slow <= 0 or fast <= 0 or not fast_reached:
        return math.nan
    e = math.log10(slow / fast) - math.log10(threshold)
    return certain(e, lower=not slow_reached)


def a6(tab, s):
    c = s.P["claims"]["A6"]
    k = c["kappa"]
    row = TABLE.spec(
        "A6",
        f"mean over seeds of the per-seed effect (iterations to epsilon at kappa = {k}, MF and ICL)",
        s.criterion(
            "A6",
            f"min over MF, ICL of log10(GD / Muon-S1 iterations) - log10(threshold), thresholds "
            f"{c['min_ratio_mf']:g} (MF) and {c['min_ratio_icl']:g} (ICL); Muon's runs must reach epsilon inside "
            "Lemma L1's budget condition (else the seed is unusable); a GD run out of budget counts as a lower "
            "bound only where that decides",
        ),
        s.scale,
    )
    per_seed, notes, ev = {}, {}, []
    for prob, thr in (("mf", c["min_ratio_mf"]), ("icl", c["min_ratio_icl"])):
        g, m = its(tab, prob, "gd", kappas=[k]), its(tab, prob, "muon_s1", kappas=[k])
        if g.empty or m.empty:
            return row.not_run(f"needs {prob} gd and muon_s1 counts at kappa = {k}")
        eps = m.epsilon.iloc[0]
        mm = g.merge(m, on="seed", suffixes=("_gd", "_mu"))
        for r in mm.itertuples():
            why = usable(m[m.seed == r.seed], f"epsilon = {eps:g}")
            e = math.nan if why else ratio_effect(r.iterations_gd, r.iterations_mu, r.reached_gd, True, thr)
            per_seed.setdefault(r.seed, []).append(e)
            if why:
                notes.setdefault(r.seed, []).append(f"{prob} Muon {why}")
            elif not e > 0:
                notes.setdefault(r.seed, []).append(
                    f"{prob} GD/Muon {fmt(r.iterations_gd / r.iterations_mu)} < {thr:g}"
                    + ("" if r.reached_gd else " (GD out of budget: no decision)")
                )
        ratios = ", ".join(f"s{r.seed}: {fmt(r.iterations_gd / r.iterations_mu)}" for r in mm.itertuples())
        ev.append(
            f"{prob} (epsilon={g.epsilon.iloc[0]:g}): GD {counts_text(g)} vs Muon {counts_text(m)}, ratios {ratios}"
        )
    effects = {seed: min_certain(v) if len(v) == 2 else math.nan for seed, v in per_seed.items()}
    return over_seeds(row, s, "A6", effects, "; ".join(ev) + ".", {k_: "; ".join(v) for k_, v in notes.items()})


def icl_adam_effect(muon_counts, muon_reached, adam_counts, adam_reached, adam_budget, muon_max) -> float:
    """A7's ICL part, one seed: the smallest of ``(muon_max - T_Muon) / muon_max`` over kappa (a Muon run that
    did not reach its target has no count: unknown, NaN) and, for every Adam run that *did* reach its looser
    target, ``-(budget - T_Adam) / budget`` (a failure: Adam reached it within the budget). A known failure
    decides even when a part is unknown (``min_certain``)."""
    terms = []
    for t, ok in zip(muon_counts, muon_reached):
        terms.append((muon_max - t) / muon_max if ok else math.nan)
    for t, ok in zip(adam_counts, adam_reached):
        if ok:
            terms.append(-(adam_budget - t) / adam_budget)
    return min_certain(terms)


def a7(tab, s):
    c = s.P["claims"]["A7"]
    B = s.PS["iters"]["adam_icl"]
    B_mf = s.PS["iters"]["adam"]
    row = TABLE.spec(
        "A7",
        f"mean over seeds of the per-seed effect (kappa >= {c['kappa_min']}, MF and ICL)",
        s.criterion(
            "A7",
            f"min(MF: min over kappa of log10(Adam / Muon-S1 iterations) - log10({c['min_ratio_mf']}); ICL: "
            f"(max over kappa of Muon iterations to the target, <= {c['icl_muon_max_iters']}) as the margin "
            f"({c['icl_muon_max_iters']} - it) / {c['icl_muon_max_iters']}, failing by (budget - T) / budget if any "
            f"Adam run (best of grid) reaches {c['icl_adam_eps']:g} within its budget); Muon's runs must reach their "
            "target inside Lemma L1's budget condition (else the seed is unusable); an MF Adam run that does not "
            "reach epsilon within its budget gives the ratio's lower bound budget / Muon's count, used only where "
            "that decides",
        ),
        s.scale,
    )
    ks = [k for k in sweep_kappas(tab, s.P, "mf") if k >= c["kappa_min"]]
    a, m = its(tab, "mf", "adam", kappas=ks), its(tab, "mf", "muon_s1", kappas=ks)
    ai = its(tab, "icl", "adam", eps=c["icl_adam_eps"], kappas=ks)
    mi = its(tab, "icl", "muon_s1", kappas=ks)
    if a.empty or m.empty or ai.empty or mi.empty:
        return row.not_run(f"needs mf and icl adam / muon_s1 counts at kappa >= {c['kappa_min']}")
    mm = a.merge(m, on=["seed", "kappa"], suffixes=("_ad", "_mu"))
    effects, notes, ev = {}, {}, []
    for seed, g in mm.groupby("seed"):
        why_mf = usable(m[m.seed == seed], f"epsilon = {m.epsilon.iloc[0]:g}")
        why_icl = usable(mi[mi.seed == seed], f"epsilon = {mi.epsilon.iloc[0]:g}")
        mf = (
            math.nan
            if why_mf
            else min_certain(
                ratio_effect(r.iterations_ad, r.iterations_mu, r.reached_ad, True, c["min_ratio_mf"])
                for r in g.itertuples()
            )
        )
        gm, ga = mi[mi.seed == seed], ai[ai.seed == seed]
        icl = icl_adam_effect(
            gm.iterations,
            gm.reached if not why_icl else [False] * len(gm),
            ga.iterations,
            ga.reached,
            B,
            c["icl_muon_max_iters"],
        )
        effects[seed] = min_certain([mf, icl])
        parts = []
        if why_mf:
            parts.append(f"MF Muon {why_mf}")
        if why_icl:
            parts.append(f"ICL Muon {why_icl}")
        if not effects[seed] > 0 and not parts:
            parts.append(f"MF part {fmt(mf)}, ICL part {fmt(icl)}")
        if parts:
            notes[seed] = "; ".join(parts)
        bound = [
            f"k{int(r.kappa)}: Adam not within {B_mf} (ratio >= {fmt(B_mf / r.iterations_mu)})"
            for r in g.itertuples()
            if not r.reached_ad
        ]
        ev.append(
            f"s{seed}: MF Adam/Muon "
            + ", ".join(
                f"k{int(r.kappa)}={'>= ' if not r.reached_ad else ''}{fmt(r.iterations_ad / r.iterations_mu)}"
                for r in g.itertuples()
            )
            + (f" ({'; '.join(bound)})" if bound else "")
            + f"; ICL Adam reached {int(ga.reached.sum())}/{len(ga)} within {B}, Muon max {int(gm.iterations.max())}"
        )
    reached = a[a.reached.astype(bool)]
    return over_seeds(
        row,
        s,
        "A7",
        effects,
        f"{'; '.join(ev)}. MF Adam (budget {B_mf}; {'every run reached epsilon' if len(reached) == len(a) else f'{len(a) - len(reached)}/{len(a)} runs did not reach epsilon within it: shown not to, a lower bound of the ratio'}) "
        f"{counts_text(a)} vs Muon {counts_text(m)}; ICL Adam at {c['icl_adam_eps']:g} (budget {B}) {counts_text(ai)}; "
        f"Muon at {mi.epsilon.iloc[0]:g} {counts_text(mi)}; Muon outcomes MF {outcome_text(m)}, ICL {outcome_text(mi)}.",
        notes,
    )
