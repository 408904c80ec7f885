"""Checks A1-A15 of spec §7 (and two extension rows E1, E2), each turned into a ledger row.

Every check measures a number from the pipeline's tables, compares it with the criterion of
spec §7 (thresholds in ``config precond.claims``) and returns a ``Claim`` whose verdict is
``supported`` / ``not_supported`` (or ``not_run`` with the reason when the inputs needed are
absent, e.g. a kappa that the scale preset does not include). Criteria are applied to *every*
seed: the reported value is the worst case over seeds.

``tables`` holds: ``iterations``, ``info`` (DataFrames of the sweeps), ``curves`` (dict keyed by
``(problem, method, kappa, seed)``), ``steps`` / ``ns5`` (ablation summaries),
``lemma_scalar``, ``lemma_matrix``, ``decoupling`` and ``mc`` (theory tables).
"""

from __future__ import annotations

import numpy as np

from muonrepro.ledger import Claim

PAPER = "precond"
OURS = "Settings are ours (spec INFERRED reconstruction; the paper's own settings are unknown): see config precond."


def _g(x) -> str:
    return f"{x:.4g}"


class _Row:
    def __init__(self, cid, claim, metric, criterion, scale):
        self.cid, self.claim, self.metric, self.criterion, self.scale = cid, claim, metric, criterion, scale

    def done(self, value, ok: bool, evidence: str) -> Claim:
        return Claim(
            PAPER,
            self.cid,
            self.claim,
            self.metric,
            value,
            self.criterion,
            Claim.verdict_of(bool(ok)),
            self.scale,
            f"{evidence} {OURS}",
        )

    def not_run(self, why: str) -> Claim:
        return Claim(PAPER, self.cid, self.claim, self.metric, float("nan"), self.criterion, "not_run", self.scale, why)


def _its(tab, problem, method, eps=None, kappas=None):
    """Iteration rows of one (problem, method) at one epsilon (default: the smallest listed first)."""
    df = tab["iterations"]
    df = df[(df.problem == problem) & (df.method == method)]
    if df.empty:
        return df
    if eps is None:
        eps = df.epsilon.iloc[0]
    df = df[np.isclose(df.epsilon, eps, rtol=1e-9, atol=0)]
    if kappas is not None:
        df = df[df.kappa.isin(kappas)]
    return df.sort_values(["seed", "kappa"])


def _loglog_slope(k, y) -> float:
    return float(np.polyfit(np.log10(np.asarray(k, float)), np.log10(np.asarray(y, float)), 1)[0])


def _counts(df) -> str:
    return "; ".join(
        f"s{s}: "
        + ", ".join(
            f"k{int(k)}={int(i)}{'' if r else '(not reached)'}" for k, i, r in zip(g.kappa, g.iterations, g.reached)
        )
        for s, g in df.groupby("seed")
    )


def _kappas(tab, P, problem, lo=None, hi=None):
    ks = sorted(tab["iterations"].query("problem == @problem").kappa.unique())
    lo = P["claims"]["kappa_min"] if lo is None else lo
    return [k for k in ks if k >= lo and (hi is None or k <= hi)]


# ----------------------------------------------------------------------------------------------


def a1(tab, P, scale):
    c = P["claims"]["a1"]
    q = P["problems"]["mf"]["muon"]["q"]
    row = _Row(
        "A1",
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
            f"{len(keys)} runs; slopes {_g(min(slopes))} to {_g(max(slopes))} vs ln q = {_g(np.log(q))}; "
            f"min R^2 {_g(min(r2s))}." + (f" Failures: {'; '.join(bad)}." if bad else "")
        )
        if slopes
        else "; ".join(bad)
    )
    return row.done(worst, ok, ev)


def _kappa_free(row, tab, P, problem, max_ratio, max_abs_slope=None):
    ks = _kappas(tab, P, problem)
    df = _its(tab, problem, "muon_s1", kappas=ks)
    if df.empty or len(ks) < 2:
        return row.not_run(f"needs {problem}/muon_s1 counts at >= 2 kappas >= {P['claims']['kappa_min']}")
    ratios, slopes = [], []
    for _, g in df.groupby("seed"):
        ratios.append(g.iterations.max() / g.iterations.min())
        slopes.append(_loglog_slope(g.kappa, g.iterations))
    worst = float(max(ratios))
    ok = df.reached.all() and worst <= max_ratio
    if max_abs_slope is not None:
        ok = ok and max(abs(s) for s in slopes) <= max_abs_slope
    ev = (
        f"epsilon={df.epsilon.iloc[0]:g}; kappas {[int(k) for k in ks]}; counts {_counts(df)}; "
        f"log-log slopes {', '.join(_g(s) for s in slopes)}."
    )
    return row.done(worst, ok, ev)


def a2(tab, P, scale):
    c = P["claims"]["a2"]
    row = _Row(
        "A2",
        "Muon's iteration count to epsilon is independent of kappa on matrix factorization (C2)",
        "worst (over seeds) max/min ratio of Muon-S1 iterations to epsilon across kappa (MF)",
        f"every run reaches epsilon; max/min <= {c['max_ratio']} and |log-log slope| <= {c['max_abs_slope']}"
        f" for kappa >= {P['claims']['kappa_min']}",
        scale,
    )
    return _kappa_free(row, tab, P, "mf", c["max_ratio"], c["max_abs_slope"])


def a3(tab, P, scale):
    c = P["claims"]["a3"]
    row = _Row(
        "A3",
        "Muon's iteration count to epsilon is independent of kappa on in-context linear regression (C2)",
        "worst (over seeds) max/min ratio of Muon-S1 iterations to the normalized-gap target across kappa (ICL)",
        f"every run reaches epsilon; max/min <= {c['max_ratio']} for kappa >= {P['claims']['kappa_min']}",
        scale,
    )
    return _kappa_free(row, tab, P, "icl", c["max_ratio"])


def a4(tab, P, scale):
    c = P["claims"]["a4"]
    row = _Row(
        "A4",
        "GD's iteration count grows with kappa on matrix factorization (best constant step)",
        "worst (over seeds) log-log slope of GD iterations to epsilon vs kappa (MF)",
        f"every run reaches epsilon; slope >= {c['min_slope']} over {P['claims']['kappa_min']} <= kappa <= "
        f"{c['kappa_max']}",
        scale,
    )
    ks = _kappas(tab, P, "mf", hi=c["kappa_max"])
    df = _its(tab, "mf", "gd", kappas=ks)
    if df.empty or len(ks) < 2:
        return row.not_run("needs mf/gd counts at >= 2 kappas in the range")
    slopes = [_loglog_slope(g.kappa, g.iterations) for _, g in df.groupby("seed")]
    return row.done(
        float(min(slopes)),
        df.reached.all() and min(slopes) >= c["min_slope"],
        f"epsilon={df.epsilon.iloc[0]:g}; counts {_counts(df)}; slopes {', '.join(_g(s) for s in slopes)}.",
    )


def a5(tab, P, scale):
    c = P["claims"]["a5"]
    row = _Row(
        "A5",
        "GD's iteration count grows with kappa on ICL (closed form, best step of the grid)",
        "worst (over seeds) per-decade log-log slope of GD iterations vs kappa (ICL, closed form)",
        f"T_GD / K in [{c['ratio_lo']}, {c['ratio_hi']}] and every per-decade slope >= {c['min_slope']} "
        f"for kappa >= {P['claims']['kappa_min']}",
        scale,
    )
    ks = _kappas(tab, P, "icl")
    df = _its(tab, "icl", "gd", kappas=ks)
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
    return row.done(
        float(min(slopes)),
        ok,
        f"epsilon={df.epsilon.iloc[0]:g}; T_GD/K in [{_g(ratio.min())}, {_g(ratio.max())}]; per-decade "
        f"slopes {_g(min(slopes))} to {_g(max(slopes))}; counts {_counts(df)}.",
    )


def a6(tab, P, scale):
    c = P["claims"]["a6"]
    k = c["kappa"]
    row = _Row(
        "A6",
        "Muon beats GD (C3): far fewer iterations at large kappa",
        f"min over seeds of the iteration ratio GD / Muon-S1 at kappa = {k} (MF; ICL)",
        f"ratio >= {c['min_ratio_mf']:g} on MF and >= {c['min_ratio_icl']:g} on ICL, every seed",
        scale,
    )
    out, ok, ev = [], True, []
    for prob, thr in (("mf", c["min_ratio_mf"]), ("icl", c["min_ratio_icl"])):
        g, m = _its(tab, prob, "gd", kappas=[k]), _its(tab, prob, "muon_s1", kappas=[k])
        if g.empty or m.empty:
            return row.not_run(f"needs {prob} gd and muon_s1 counts at kappa = {k}")
        mm = g.merge(m, on="seed", suffixes=("_gd", "_mu"))
        r = mm.iterations_gd / mm.iterations_mu
        ok = ok and mm.reached_gd.all() and mm.reached_mu.all() and (r >= thr).all()
        out.append(f"{prob} {_g(r.min())}")
        ev.append(f"{prob} (epsilon={g.epsilon.iloc[0]:g}): GD {list(g.iterations)} vs Muon {list(m.iterations)}")
    return row.done("; ".join(out), ok, "; ".join(ev) + ".")


def a7(tab, P, scale):
    c = P["claims"]["a7"]
    row = _Row(
        "A7",
        "Muon beats Adam (C3) in a rotated spectral basis",
        f"MF: min over seeds and kappa >= {c['kappa_min']} of the ratio Adam / Muon-S1 iterations; ICL: Adam runs "
        f"reaching {c['icl_adam_eps']:g} and Muon's largest count at the ICL target",
        f"MF ratio >= {c['min_ratio_mf']}; ICL: no Adam run (best of grid) reaches {c['icl_adam_eps']:g} within "
        f"its budget while every Muon run reaches the target within {c['icl_muon_max_iters']} iterations",
        scale,
    )
    ks = [k for k in _kappas(tab, P, "mf") if k >= c["kappa_min"]]
    a, m = _its(tab, "mf", "adam", kappas=ks), _its(tab, "mf", "muon_s1", kappas=ks)
    ai = _its(tab, "icl", "adam", eps=c["icl_adam_eps"], kappas=ks)
    mi = _its(tab, "icl", "muon_s1", kappas=ks)
    if a.empty or m.empty or ai.empty or mi.empty:
        return row.not_run(f"needs mf and icl adam / muon_s1 counts at kappa >= {c['kappa_min']}")
    mm = a.merge(m, on=["seed", "kappa"], suffixes=("_ad", "_mu"))
    r = mm.iterations_ad / mm.iterations_mu
    ok_mf = mm.reached_mu.all() and (r >= c["min_ratio_mf"]).all()  # an Adam run out of budget only raises r
    ok_icl = (~ai.reached).all() and mi.reached.all() and mi.iterations.max() <= c["icl_muon_max_iters"]
    value = f"mf {_g(r.min())}; icl adam reached {int(ai.reached.sum())}/{len(ai)}, muon max {int(mi.iterations.max())}"
    ev = (
        f"MF Adam {_counts(a)} vs Muon {_counts(m)} (Adam ratio counted at its budget when not reached); "
        f"ICL Adam at {c['icl_adam_eps']:g} {_counts(ai)}; Muon at {mi.epsilon.iloc[0]:g} {_counts(mi)}."
    )
    return row.done(value, ok_mf and ok_icl, ev)


def a8(tab, P, PS, scale):
    tol, T = P["claims"]["a8"]["tol"], PS["iters"]["decouple"]
    D = P["decoupling"]
    row = _Row(
        "A8",
        "Scalar decoupling on MF (C4): aligned Muon iterates follow the per-mode scalar recursion",
        f"max |sorted sigma(U_t) - scalar recursion| over t <= {T}, kappa x seeds (aligned init, "
        f"spec §5.2 decoupling settings q = {D['q']})",
        f"<= {tol:g}",
        scale,
    )
    df = tab.get("decoupling")
    if df is None or df.empty:
        return row.not_run("no decoupling table")
    v = float(df.max_diff.max())
    ev = (
        f"{len(df)} runs (d={int(df.d.iloc[0])}, r={int(df.r.iloc[0])}, q={D['q']}, eta0={_g(df.eta0.iloc[0])}), "
        f"recursion a <- a - eta_t sign((a^2 - lam) a); per kappa max "
        + ", ".join(f"k{int(k)}={g.max_diff.max():.1e}" for k, g in df.groupby("kappa"))
        + "."
    )
    ev += " The same check on the R3 runs (another q) is row A8-R3."
    return row.done(v, v <= tol, ev)


def a8_r3(tab, P, PS, scale):
    """A8's comparison on the R3 runs (q of problems.mf_aligned). A8 was first evaluated there and failed;
    it is kept as its own judged row so that moving A8 to the spec's §5.2 settings hides nothing."""
    tol, T = P["claims"]["a8"]["tol"], PS["iters"]["decouple"]
    q = P["problems"]["mf_aligned"]["muon"]["q"]
    row = _Row(
        "A8-R3",
        "Scalar decoupling on MF (C4), on the R3 runs: aligned Muon iterates follow the per-mode scalar recursion",
        f"max |sorted sigma(U_t) - scalar recursion| over t <= {T} (q = {q}, d = {PS['mf']['d']}, r = {PS['mf']['r']})",
        f"<= {tol:g}",
        scale,
    )
    keys = [k for k in tab["curves"] if k[0] == "mf_aligned" and k[1] == "muon_s1"]
    if not keys:
        return row.not_run("no mf_aligned/muon_s1 curves")
    w = max(float(tab["curves"][k].loc[lambda x: x.iteration <= T, "scalar_diff"].max()) for k in keys)
    return row.done(
        w,
        w <= tol,
        (
            f"{len(keys)} runs. Once a mode's error falls to a few % of eta_t the float64 gradient's sign for that mode "
            "is unreliable and trajectories separate by O(eta_t); with eta_80 ~ 1e-8 at q = 0.8 the gap can exceed the "
            "tolerance (a float64 effect, not an exact-arithmetic one)."
        ),
    )


def a9(tab, P, PS, scale):
    c, T = P["claims"]["a9"], PS["iters"]["decouple"]
    row = _Row(
        "A9",
        "Scalar decoupling on ICL (C4): Q^T B_t Q stays diagonal and follows b <- b - eta_t sign(gam b - 1)",
        f"max off-diagonal Frobenius norm and max |diag - recursion|, t < {c['t_early']} and t <= {T}",
        f"(a) t < {c['t_early']}: off-diagonal <= {c['offdiag_early']:g} and diagonal difference <= "
        f"{c['diag_early']:g}; (b) t <= {T}: both <= {c['rel_all']:g} * max_i 1/gam_i; every kappa and seed",
        scale,
    )
    keys = [k for k in tab["curves"] if k[0] == "icl" and k[1] == "muon_s1"]
    if not keys:
        return row.not_run("no icl/muon_s1 curves")
    info = tab["info"].query("problem == 'icl'")
    oe = de = oa = da = 0.0
    ok = True
    for k in keys:
        df = tab["curves"][k]
        eta0 = float(info[(info.kappa == k[2]) & (info.seed == k[3])].eta0.iloc[0])
        scale_b = eta0 / P["problems"]["icl"]["muon"]["eta0"]  # = max_i 1/gam_i
        early, full = df[df.iteration < c["t_early"]], df[df.iteration <= T]
        o1, d1 = early.offdiag.max(), early.scalar_diff.max()
        o2, d2 = full.offdiag.max() / scale_b, full.scalar_diff.max() / scale_b
        ok = ok and o1 <= c["offdiag_early"] and d1 <= c["diag_early"] and o2 <= c["rel_all"] and d2 <= c["rel_all"]
        oe, de, oa, da = max(oe, o1), max(de, d1), max(oa, o2), max(da, d2)
    value = f"early off {oe:.2e}, diag {de:.2e}; all (rel.) off {oa:.2e}, diag {da:.2e}"
    return row.done(value, ok, f"{len(keys)} runs; relative = divided by max_i 1/gam_i.")


def a10(tab, P, scale):
    c = P["claims"]["a10"]
    row = _Row(
        "A10",
        "Every mode converges in the same way (C4): |e_t,i| / eta_t <= 1/(1-q) (Lemma L1 on matrix iterates)",
        "max over q x kappa x seeds x modes x t of (1-q) |sigma_i(U_t) - sqrt(lam_i)| / eta_t (aligned MF)",
        f"|e_t,i|/eta_t <= 1/(1-q) + {c['tol']:g} for every mode and t with eta_t >= {c['eta_floor']:g} "
        "(float64 floor, ours)",
        scale,
    )
    df = tab.get("lemma_matrix")
    if df is None or df.empty:
        return row.not_run("no lemma_matrix table")
    v = float((df.max_ratio / df.bound).max())
    return row.done(
        v,
        df.violations.sum() == 0,
        f"q in {[float(x) for x in sorted(df.q.unique())]}, {len(df)} (q, kappa, seed) cases, {int(df.checked.sum())} "
        f"(mode, t) checks, {int(df.violations.sum())} violations.",
    )


def a11(tab, P, scale):
    c = P["claims"]["a11"]
    row = _Row(
        "A11",
        "Lemma L1 is tight and q >= 1/2 is needed (scalar sweep)",
        "sup_t |e_t|/eta_t of the MF mode recursion per q",
        f"|sup / (1/(1-q)) - 1| <= {c['rel_tol']:g} (relative reading of the spec's 'within 1e-3'; the "
        f"spec's own q = 0.95 value 19.998 passes only so) for q >= 1/2; sup > {c['min_blowup']:g} for q < 1/2",
        scale,
    )
    df = tab.get("lemma_scalar")
    if df is None or df.empty:
        return row.not_run("no lemma_scalar table")
    b, u = df[df.expect == "bounded"], df[df.expect == "unbounded"]
    ok = ((b.sup_ratio / b.bound - 1).abs() <= c["rel_tol"]).all() and (u.sup_ratio > c["min_blowup"]).all()
    value = "; ".join(f"q={r.q:g}: {r.sup_ratio:.6g}/{r.bound:.6g}" for r in df.itertuples())
    return row.done(
        value,
        ok,
        f"{int(P['lemma']['n_modes'])} modes, lam in [{P['lemma']['lam_min']:g}, 1], "
        f"a_0 = {P['lemma']['a0']:g}, eta_0 = 1 - q, steps with eta_t >= "
        f"{P['lemma']['eta_floor']:g}; largest absolute gap "
        f"{_g((b.bound - b.sup_ratio).abs().max())}.",
    )


def a12(tab, P, scale):
    row = _Row(
        "A12",
        "The predicted Muon iteration bound holds (T_Muon for aligned MF, T_Muon^ICL for ICL)",
        "max over kappa x seeds of measured - predicted iterations (MF aligned; ICL)",
        "measured <= predicted for every kappa and seed, both problems",
        scale,
    )
    parts, ok = [], True
    for prob in ("mf_aligned", "icl"):
        m = _its(tab, prob, "muon_s1")
        if m.empty:
            return row.not_run(f"no {prob}/muon_s1 counts")
        info = tab["info"].query("problem == @prob")[["kappa", "seed", "epsilon", "muon_bound"]]
        mm = m.merge(info, on=["kappa", "seed", "epsilon"])
        ok = ok and mm.reached.all() and (mm.iterations <= mm.muon_bound).all()
        parts.append(
            f"{prob} (epsilon={m.epsilon.iloc[0]:g}): measured {mm.iterations.min()}-{mm.iterations.max()} vs "
            f"predicted {int(mm.muon_bound.min())}-{int(mm.muon_bound.max())}, max excess "
            f"{int((mm.iterations - mm.muon_bound).max())}"
        )
    return row.done("; ".join(parts), ok, "Bounds from spec §5.2 / §5.4 with the run's eta_0 and q.")


def a13(tab, P, scale):
    c = P["claims"]["a13"]
    row = _Row(
        "A13",
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
    return row.done(
        float(r.min()),
        (r >= c["min_ratio"]).all(),
        f"eta in {[float(x) for x in sorted(s.eta0.unique())]}, kappa in {[int(x) for x in sorted(s.kappa.unique())]}, "
        f"{s.iterations.max()} iterations; min_error/eta from {_g(r.min())} to {_g(r.max())}.",
    )


def a14(tab, P, scale):
    c = P["claims"]["a14"]
    row = _Row(
        "A14",
        "The closed-form ICL population loss is correct",
        "max relative difference closed form vs Monte Carlo (B = 0, B*, random B)",
        f"<= {c['rel_tol']:g} with >= 1e6 prompts",
        scale,
    )
    df = tab.get("mc")
    if df is None or df.empty:
        return row.not_run("no Monte-Carlo table")
    v = float(df.rel_diff.max())
    ok = v <= c["rel_tol"] and (df.prompts >= 1_000_000).all()
    ev = "; ".join(
        f"{r.matrix}: {r.closed_form:.6g} vs {r.monte_carlo:.6g} +- {r.mc_stderr:.2g}" for r in df.itertuples()
    )
    return row.done(v, ok, f"d={int(df.d.iloc[0])}, N={int(df.N.iloc[0])}, {int(df.prompts.iloc[0])} prompts; {ev}.")


def a15(tab, P, PS, scale):
    c = P["claims"]["a15"]
    T = PS["iters"]["ns5"]
    row = _Row(
        "A15",
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
        f"kappa in {[int(x) for x in sorted(df.kappa.unique())]}; NS5 final errors {_g(ns.final_error.min())} to "
        f"{_g(ns.final_error.max())}; SVD best errors up to {_g(sv.min_error.max())}; NS5 runs below the threshold: "
        f"{len(fails)}/{len(ns)}"
        + (f" ({', '.join(f'k{int(r.kappa)} s{int(r.seed)}' for r in fails.itertuples())})" if len(fails) else "")
        + "."
    )
    return row.done(f"ns5 min {ns.final_error.min():.3g}; svd max {sv.min_error.max():.3g}", ok, ev)


def e1(tab, P, scale):
    row = _Row(
        "E1",
        "(extension, ours) Simplified Muon is kappa-free on asymmetric MF from a small random init (§3.1, §8)",
        "worst (over seeds) max/min ratio of Muon-S1 iterations across kappa (asymmetric MF)",
        f"every run reaches epsilon; max/min <= {P['claims']['a2']['max_ratio']} for kappa >= "
        f"{P['claims']['kappa_min']}",
        scale,
    )
    return _kappa_free(row, tab, P, "mf_asym", P["claims"]["a2"]["max_ratio"])


def e2(tab, P, scale):
    row = _Row(
        "E2",
        "(extension, ours) Simplified Muon with one shared S1 schedule is kappa-free on the two-factor "
        "(u, U) ICL model (spec §5.5 expects this to be fragile)",
        "worst (over seeds) max/min ratio of Muon-S1 iterations across kappa (two-factor ICL)",
        f"every run reaches epsilon; max/min <= {P['claims']['a3']['max_ratio']} for kappa >= "
        f"{P['claims']['kappa_min']}",
        scale,
    )
    return _kappa_free(row, tab, P, "icl_2f", P["claims"]["a3"]["max_ratio"])


def evaluate(tab: dict, P: dict, PS: dict, scale: str) -> list[Claim]:
    """All ledger rows, A1-A15 then the extensions."""
    return [
        a1(tab, P, scale),
        a2(tab, P, scale),
        a3(tab, P, scale),
        a4(tab, P, scale),
        a5(tab, P, scale),
        a6(tab, P, scale),
        a7(tab, P, scale),
        a8(tab, P, PS, scale),
        a8_r3(tab, P, PS, scale),
        a9(tab, P, PS, scale),
        a10(tab, P, scale),
        a11(tab, P, scale),
        a12(tab, P, scale),
        a13(tab, P, scale),
        a14(tab, P, scale),
        a15(tab, P, PS, scale),
        e1(tab, P, scale),
        e2(tab, P, scale),
    ]
