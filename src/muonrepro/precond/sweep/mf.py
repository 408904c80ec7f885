"""Sweeps of the matrix-factorization problems (spec §3.1): symmetric MF (``mf``, ``mf_tight``,
``mf_aligned``) with Muon-S1, GD (best constant step) and Adam, and asymmetric MF (``mf_asym``, extension E1)
with Muon-S1. Muon's eta_0 is a number in units of sqrt(lam_1) or ``l1`` (``budget.eta0_of``); every Muon
row carries Lemma L1's budget columns (``budget.s1_columns``)."""

from __future__ import annotations

import numpy as np

from muonrepro.precond import budget, instances
from muonrepro.precond.optimizers import GD, SimplifiedMuon
from muonrepro.precond.problems import mf as mf_mod
from muonrepro.precond.runner import run
from muonrepro.precond.scalar import gd_step, mf_recursion, t_muon_mf
from muonrepro.precond.steps import StepRule, geometric_etas
from muonrepro.precond.sweep.common import Runs, adam_sweep, best_rows, curve, modes, tune_per_seed


def _labels(c, q, eta0, slack):
    """One ``setting`` label per seed: q and the seed's eta_0 (and the rule it came from)."""
    rule = f" (= {slack:g} D0 (1-q), L1 rule)" if c["muon"]["eta0"] == "l1" else ""
    return [f"q={q:g},eta0={e:.6g}{rule}" for e in eta0]


def _sigma(p):
    return {"sigma": np.linalg.svd(p[0], compute_uv=False)}


def _gd_tuned(ctx, inst, lam, budget_its):
    """GD's best constant step c / lam_1 per seed over ``gd_steps``, extended past an edge choice like every tuned
    lr (``common.tune_per_seed``); the rows' ``lr_grid`` (the c's run) and ``lr_edge`` say so."""

    def step(x):  # lam_1 = 1 and lam_r = 1/kappa for every seed (the jitter keeps the extremes)
        return gd_step(x, lam[0, 0], 1.0 / (lam[0, 0] + lam[0, -1]))

    def make_batch(pairs):
        prob, p0 = mf_mod.stack_symmetric([inst[i] for i, _ in pairs])
        red, rp0, _ = prob.reduce(p0)
        return red, GD(np.array([step(x) for _, x in pairs])), rp0

    runs = Runs(ctx, make_batch, budget_its)
    grid = [float(x) for x in ctx.cfg["gd_steps"]]
    rows, curves = [], {}
    for i, (cs, edge) in enumerate(tune_per_seed(runs, grid, lambda x: [x], ctx.max_extensions)):
        r, errors = runs.rows(i, "gd", cs, [f"eta={step(x):.6g}" for x in cs])
        rows += [{**x, "lr_grid": "; ".join(f"{v:g}" for v in cs), "lr_edge": edge} for x in r]
        curves[("gd", ctx.seeds[i])] = curve(ctx, errors)
    return rows, curves


def symmetric_sweep(ctx):
    d, r = ctx.PS["mf"]["d"], ctx.PS["mf"]["r"]
    c = ctx.cfg
    inst = instances.symmetric_mf(ctx.P, ctx.problem, ctx.seeds, d, r, ctx.kappa)
    aligned = c["init"] == "aligned"
    lam = np.stack([x.lam for x in inst])  # (seeds, r): the jittered spectrum of each seed
    q = c["muon"]["q"]
    prob0, p00 = mf_mod.stack_symmetric(inst)
    D0 = prob0.mode_errors(p00).max(axis=1)  # L1's initial distance (budget module)
    slack = budget.slack(ctx.P, aligned)
    eta0 = budget.eta0_of(c["muon"], np.sqrt(lam[:, 0]), D0, q, slack)  # number: units of sqrt(lam_1) = 1
    bound = (lambda i, e: t_muon_mf(lam[i], eta0[i], q, e)) if aligned else (lambda i, e: np.nan)
    info = ctx.info_rows(eta0, q, bound, np.full(len(inst), np.nan), lam, spectrum_columns=True)
    rows, curves = [], {}
    its = ctx.PS["iters"]
    record_sigma = _sigma if aligned else None
    n = len(ctx.seeds)
    for method in ctx.methods():
        if method == "muon_s1":
            prob, p0 = mf_mod.stack_symmetric(inst)
            opt = SimplifiedMuon(StepRule("geometric", eta0, np.full(n, q)), rel_cutoff=ctx.cutoff)
            res = run(prob, opt, p0, its["muon"], ctx.eps, record=record_sigma)
            l1 = budget.s1_columns(eta0, q, D0, slack, res.iterations_run, prob.mode_errors(res.params).max(axis=1))
            r_, _ = best_rows(ctx, method, res, _labels(c, q, eta0, slack), 1, l1=l1)
            rows += r_
            for s_i, seed in enumerate(ctx.seeds):
                extra = {}
                if aligned:
                    sig = res.records["sigma"][s_i]
                    a = mf_recursion(inst[s_i].a0, lam[s_i], geometric_etas(eta0[s_i], q, res.iterations_run))
                    extra = modes(np.abs(sig - np.sqrt(lam[s_i])))
                    extra["scalar_diff"] = np.abs(sig - -np.sort(-np.abs(a), axis=1)).max(axis=1)
                    extra.update(modes(sig, "sigma_"))  # A8-R3 judges these against the recursion per mode
                    extra.update(modes(a, "a_"))
                curves[(method, seed)] = curve(ctx, res.errors[s_i], keep_all=True, extra=extra)
        elif method == "gd" and not aligned and len(c["gd_steps"]) > 1:
            rows_, curves_ = _gd_tuned(ctx, inst, lam, its["gd"])
            rows += rows_
            curves.update(curves_)
        elif method == "gd":
            # lam_1 = 1 and lam_r = 1/kappa for every seed (the jitter keeps the extremes): one step grid
            steps = [gd_step(x, lam[0, 0], 1.0 / (lam[0, 0] + lam[0, -1])) for x in c["gd_steps"]]
            ns = len(steps)
            prob, p0 = mf_mod.stack_symmetric([x for x in inst for _ in steps])
            red, rp0, _ = prob.reduce(p0)
            res = run(
                red,
                GD(np.tile(steps, n)),
                rp0,
                its["gd"],
                ctx.eps,
                stop=True,
                groups=np.repeat(np.arange(n), ns),
                record=record_sigma,
                record_when=ctx.keep,
            )
            r_, pick = best_rows(ctx, method, res, [f"eta={e:.6g}" for e in steps], ns)
            rows += r_
            for s_i, seed in enumerate(ctx.seeds):
                b = pick[s_i]
                if aligned:
                    t = res.record_t
                    extra = modes(np.abs(res.records["sigma"][b] - np.sqrt(lam[s_i])))
                    curves[(method, seed)] = curve(ctx, res.errors[b][t], keep_all=True, extra=extra, t=t)
                else:
                    curves[(method, seed)] = curve(ctx, res.errors[b])
        elif method == "adam":
            rows_, curves_ = adam_sweep(ctx, mf_mod.stack_symmetric, inst, its["adam"])
            rows += rows_
            curves.update(curves_)
        else:
            raise ValueError(f"precond: method {method!r} is not available for problem {ctx.problem!r}")
    return rows, info, curves


def asymmetric_sweep(ctx):
    S = ctx.PS["mf_asym"]
    c = ctx.cfg
    inst = instances.asymmetric_mf(ctx.P, ctx.problem, ctx.seeds, S["d1"], S["d2"], S["r"], ctx.kappa)
    sig = np.stack([x[2] for x in inst])
    n = len(ctx.seeds)
    q = c["muon"]["q"]
    prob0, p00 = mf_mod.stack_asymmetric(inst)
    D0 = prob0.mode_errors(p00).max(axis=1)
    slack = budget.slack(ctx.P, c["init"] == "aligned")
    eta0 = budget.eta0_of(c["muon"], np.sqrt(sig[:, 0]), D0, q, slack)
    info = ctx.info_rows(eta0, q, lambda i, e: np.nan, np.full(n, np.nan), sig, spectrum_columns=True)
    rows, curves = [], {}
    for method in ctx.methods():
        if method != "muon_s1":
            raise ValueError(f"precond: problem mf_asym supports only muon_s1, got {method!r}")
        prob, p0 = mf_mod.stack_asymmetric(inst)
        opt = SimplifiedMuon(StepRule("geometric", eta0, np.full(n, q)), rel_cutoff=ctx.cutoff)
        res = run(prob, opt, p0, ctx.PS["iters"]["muon"], ctx.eps)
        l1 = budget.s1_columns(eta0, q, D0, slack, res.iterations_run, prob.mode_errors(res.params).max(axis=1))
        r_, _ = best_rows(ctx, method, res, _labels(c, q, eta0, slack), 1, l1=l1)
        rows += r_
        for s_i, seed in enumerate(ctx.seeds):
            curves[(method, seed)] = curve(ctx, res.errors[s_i], keep_all=True)
    return rows, info, curves
