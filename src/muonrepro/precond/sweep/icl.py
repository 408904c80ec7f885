"""Sweeps of the in-context regression problems (spec §3.2): the reduced model (``icl``, ``icl_axis``)
with Muon-S1, GD (exact closed form, §5.4) and Adam, and the two-factor (u, U) model (``icl_2f``,
extension E2) with Muon-S1."""

from __future__ import annotations

import numpy as np

from muonrepro.precond import budget, instances
from muonrepro.precond.optimizers import SimplifiedMuon
from muonrepro.precond.problems import icl as icl_mod
from muonrepro.precond.runner import run
from muonrepro.precond.scalar import gd_icl_gap, gd_icl_iterations, gd_icl_modes, gd_step, icl_recursion, t_muon_icl
from muonrepro.precond.steps import StepRule, geometric_etas, kept_cond_F
from muonrepro.precond.sweep.common import adam_sweep, best_rows, curve, modes


def icl_sweep(ctx):
    S = ctx.PS["icl"]
    c = ctx.cfg
    inst = instances.icl(ctx.P, ctx.problem, ctx.seeds, S["d"], ctx.kappa)
    prob = icl_mod.stack_icl(inst, S["N"])
    n, d = len(ctx.seeds), S["d"]
    gam, lam = prob.gam, prob.lam
    q = c["muon"]["q"]
    B0 = np.zeros((n, d, d))  # spec §3.2: diagonal in Lam's eigenbasis, an aligned start
    D0 = prob.mode_errors(B0).max(axis=1)  # = max_i 1/gam_i
    slack = budget.slack(ctx.P, True)
    eta0 = budget.eta0_of(c["muon"], (1.0 / gam).max(axis=1), D0, q, slack)  # units of max_i 1/gam_i (spec §5.4)
    info = ctx.info_rows(eta0, q, lambda i, e: t_muon_icl(lam[i], gam[i], eta0[i], q, e), prob.K, lam)
    rows, curves = [], {}
    its = ctx.PS["iters"]
    for method in ctx.methods():
        if method == "muon_s1":
            opt = SimplifiedMuon(StepRule("geometric", eta0, np.full(n, q)), rel_cutoff=ctx.cutoff)

            def rec(p):
                M = prob.eig_coords(p[0])
                diag = np.diagonal(M, axis1=1, axis2=2).copy()
                M[:, np.arange(d), np.arange(d)] = 0.0
                off = np.sqrt((M * M).sum(axis=(1, 2)))  # directly: no cancellation
                return {"diag": diag, "offdiag": off, "grad_cond": kept_cond_F(prob.grad_B(p[0]), ctx.cutoff)}

            res = run(prob, opt, (B0,), its["muon"], ctx.eps, record=rec)
            l1 = budget.s1_columns(eta0, q, D0, slack, res.iterations_run, prob.mode_errors(res.params[0]).max(axis=1))
            label = "l1 rule" if c["muon"]["eta0"] == "l1" else f"{c['muon']['eta0']:g}/gam_min"
            r_, _ = best_rows(ctx, method, res, [f"q={q:g},eta0={e:.6g} ({label})" for e in eta0], 1, l1=l1)
            rows += r_
            for i, seed in enumerate(ctx.seeds):
                diag = res.records["diag"][i]
                b = icl_recursion(0.0, gam[i], geometric_etas(eta0[i], q, res.iterations_run))
                extra = modes(np.abs(diag - 1.0 / gam[i]))
                extra["offdiag"] = res.records["offdiag"][i]
                extra["scalar_diff"] = np.abs(diag - b).max(axis=1)
                extra["grad_cond"] = res.records["grad_cond"][i]  # A9's early-window round-off tolerance
                curves[(method, seed)] = curve(ctx, res.errors[i], keep_all=True, extra=extra)
        elif method == "gd":
            r_, c_ = _gd_closed_form(ctx, prob)
            rows += r_
            curves.update(c_)
        elif method == "adam":
            build = lambda xs: (icl_mod.stack_icl(xs, S["N"]), (np.zeros((len(xs), d, d)),))  # noqa: E731
            r_, c_ = adam_sweep(ctx, build, inst, its["adam_icl"])
            rows += r_
            curves.update(c_)
        else:
            raise ValueError(f"precond: method {method!r} is not available for problem {ctx.problem!r}")
    return rows, info, curves


def _gd_closed_form(ctx, prob):
    """GD from B_0 = 0 in closed form (§5.4): best step of the grid per seed and epsilon."""
    rows, curves = [], {}
    dense = ctx.P["curves"]["dense_until"]
    for i, seed in enumerate(ctx.seeds):
        h, gam, lam = prob.curvatures[i], prob.gam[i], prob.lam[i]
        w = lam**2 / gam
        steps = [gd_step(x, h.max(), 2.0 / (h.max() + h.min())) for x in ctx.cfg["gd_steps"]]
        T = np.array([[gd_icl_iterations(h, w, eta, e) for e in ctx.eps] for eta in steps])  # (steps, eps)
        for j, e in enumerate(ctx.eps):
            k = int(np.argmin(T[:, j]))
            ok = bool(np.isfinite(T[k, j]))
            rows.append(
                dict(
                    problem=ctx.problem,
                    method="gd",
                    kappa=ctx.kappa,
                    seed=seed,
                    epsilon=e,
                    iterations=int(T[k, j]) if ok else -1,
                    reached=ok,
                    outcome=budget.outcome(ok),  # not reached: no finite count below the closed form's cap
                    setting=f"eta={steps[k]:.6g}",
                    source="closed_form",
                    **budget.na_columns(),
                )
            )
        k = int(np.argmin(T[:, 0]))
        t_end = max(dense, int(1.1 * T[k, 0])) if np.isfinite(T[k, 0]) else dense
        t = np.unique(
            np.concatenate(
                [np.arange(min(dense, t_end + 1)), np.round(np.geomspace(dense, t_end, 400)).astype(np.int64)]
            )
        )
        err = gd_icl_gap(t, h, w, steps[k])
        extra = modes(gd_icl_modes(t, h, gam, steps[k]))
        curves[("gd", seed)] = curve(ctx, err, keep_all=True, extra=extra, t=t)
    return rows, curves


def icl_two_factor_sweep(ctx):
    S = ctx.PS["icl"]
    c = ctx.cfg
    inst = instances.icl(ctx.P, ctx.problem, ctx.seeds, S["d"], ctx.kappa)
    prob = icl_mod.TwoFactorICL(icl_mod.stack_icl(inst, S["N"]))
    n, d = len(ctx.seeds), S["d"]
    q = c["muon"]["q"]
    if c["muon"]["eta0"] == "l1":
        raise ValueError("precond: icl_2f has no Lemma L1 statement (spec §5.5): eta0 must be a number, not 'l1'")
    eta0 = c["muon"]["eta0"] * np.sqrt((1.0 / prob.icl.gam).max(axis=1))  # units of sqrt(max 1/gam) (§5.5)
    info = ctx.info_rows(eta0, q, lambda i, e: np.nan, prob.icl.K, prob.icl.lam)
    rows, curves = [], {}
    for method in ctx.methods():
        if method != "muon_s1":
            raise ValueError(f"precond: problem icl_2f supports only muon_s1, got {method!r}")
        p0 = (np.full(n, c["u0"]), np.broadcast_to(c["U0_scale"] * np.eye(d) / np.sqrt(d), (n, d, d)).copy())
        opt = SimplifiedMuon(StepRule("geometric", eta0, np.full(n, q)), rel_cutoff=ctx.cutoff)
        res = run(prob, opt, p0, ctx.PS["iters"]["icl_2f"], ctx.eps)
        # no L1 statement (modes coupled through u): condition NA; the stall test uses U's distance given u_T
        D_T = prob.mode_errors(res.params).max(axis=1)
        l1 = budget.s1_columns(eta0, q, np.full(n, np.nan), np.nan, res.iterations_run, D_T, applicable=False)
        r_, _ = best_rows(ctx, method, res, [f"q={q:g},eta0={c['muon']['eta0']:g}*sqrt(max 1/gam)"], 1, l1=l1)
        rows += r_
        for i, seed in enumerate(ctx.seeds):
            curves[(method, seed)] = curve(ctx, res.errors[i], keep_all=True)
    return rows, info, curves
