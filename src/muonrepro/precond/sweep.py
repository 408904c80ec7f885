"""Sweeps over kappa, seeds and methods for one problem (spec §6.2, figures R1-R6, checks A1-A12).

``run_sweep(problem, P, PS)`` takes the method settings ``P = config["precond"]`` and the size
preset ``PS = config["scales"][scale]["precond"]`` and returns

- ``iterations``: one row per (method, kappa, seed, epsilon): the best setting's first iteration
  with error <= epsilon (``reached=False`` and ``iterations=budget`` when the budget ran out),
  the chosen ``setting`` and the ``source`` of the count (``run`` or ``closed_form``);
- ``info``: problem constants per (kappa, seed, epsilon): Muon's eta_0, q, the predicted Muon
  count (§5.2 / §5.4; aligned problems only), GD's condition number K (ICL);
- ``curves``: ``{(method, kappa, seed): DataFrame(iteration, error, ...)}`` of the best setting
  (per-mode columns ``mode_1..``, ``scalar_diff`` and ``offdiag`` where the checks need them).

Every (kappa, seed) instance is drawn from ``np.random.default_rng(seed)``, so the same seed gives
the same basis at every kappa. GD on MF runs in the reduced basis of ``SymmetricMF.reduce``; GD on
ICL is the exact closed form of §5.4.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from muonrepro.precond.optimizers import GD, Adam, SimplifiedMuon
from muonrepro.precond.problems import icl as icl_mod
from muonrepro.precond.problems import mf as mf_mod
from muonrepro.precond.runner import dense_then_strided, run
from muonrepro.precond.scalar import (
    gd_icl_gap,
    gd_icl_iterations,
    gd_icl_modes,
    gd_step,
    icl_recursion,
    mf_recursion,
    t_muon_icl,
    t_muon_mf,
)
from muonrepro.precond.steps import StepRule, geometric_etas

FAMILY = {"mf": "sym", "mf_aligned": "sym", "mf_asym": "asym", "icl": "icl", "icl_axis": "icl", "icl_2f": "icl_2f"}
PROBLEMS = tuple(FAMILY)
METHODS = ("muon_s1", "gd", "adam")


@dataclass
class SweepOutput:
    iterations: pd.DataFrame
    info: pd.DataFrame
    curves: dict


def methods_of(problem: str, P: dict) -> list[str]:
    return list(P["problems"][problem]["methods"])


class _Ctx:
    """Everything one (problem, kappa) needs: config slices and the seeds."""

    def __init__(self, problem, P, PS, kappa):
        self.problem, self.P, self.PS, self.kappa = problem, P, PS, kappa
        self.cfg = P["problems"][problem]
        self.seeds = list(PS["seeds"])
        self.eps = list(self.cfg["epsilon"])
        self.keep = dense_then_strided(P["curves"]["dense_until"], P["curves"]["stride"])
        self.cutoff = P["msgn_rel_cutoff"]


# ----------------------------------------------------------------------------------------------
# helpers: best setting per group, rows, curves


def _best_rows(ctx, method, res, settings, n_settings):
    """Rows (best over the ``n_settings`` runs of each seed) and the index of each seed's curve run.

    Best = fewest iterations to the target; the curve run is the best at the first (primary)
    target, or the lowest final error when no setting reached it.
    """
    rows, pick = [], []
    final = np.where(np.isfinite(res.errors[:, -1]), res.errors[:, -1], np.inf)
    for s_i, seed in enumerate(ctx.seeds):
        idx = np.arange(s_i * n_settings, (s_i + 1) * n_settings)
        for j, eps in enumerate(ctx.eps):
            f = res.first[idx, j].astype(float)
            f[f < 0] = np.inf
            reached = bool(np.isfinite(f).any())
            b = idx[int(np.argmin(f))] if reached else idx[int(np.argmin(final[idx]))]
            rows.append(
                dict(
                    problem=ctx.problem,
                    method=method,
                    kappa=ctx.kappa,
                    seed=seed,
                    epsilon=eps,
                    iterations=int(f.min()) if reached else int(res.budget),
                    reached=reached,
                    setting=settings[b % n_settings],
                    source="run",
                )
            )
            if j == 0:
                pick.append(b)
    return rows, pick


def _curve(ctx, errors, keep_all=False, extra=None, t=None):
    t = np.arange(len(errors)) if t is None else np.asarray(t)
    mask = np.ones(len(t), bool) if keep_all else np.array([ctx.keep(int(i)) for i in t]) | (t == t[-1])
    df = pd.DataFrame({"iteration": t[mask].astype(np.int64), "error": np.asarray(errors)[mask]})
    for k, v in (extra or {}).items():
        df[k] = np.asarray(v)[mask]
    return df


def _modes(values: np.ndarray, prefix="mode_") -> dict:
    return {f"{prefix}{i + 1}": values[:, i] for i in range(values.shape[1])}


# ----------------------------------------------------------------------------------------------
# symmetric and asymmetric MF


def _sym(ctx):
    d, r = ctx.PS["mf"]["d"], ctx.PS["mf"]["r"]
    c = ctx.cfg
    inst = [
        mf_mod.make_symmetric_mf(s, d, r, ctx.kappa, ctx.P["spectrum"], c["rotate"], c["init"], c["init_scale"])
        for s in ctx.seeds
    ]
    aligned = c["init"] == "aligned"
    rows, info, curves = [], [], {}
    lam = inst[0][1]
    q, eta0 = c["muon"]["q"], c["muon"]["eta0"] * np.sqrt(lam[0])
    for seed in ctx.seeds:
        for eps in ctx.eps:
            bound = t_muon_mf(lam, eta0, q, eps) if aligned else np.nan
            info.append(
                dict(
                    problem=ctx.problem,
                    kappa=ctx.kappa,
                    seed=seed,
                    epsilon=eps,
                    eta0=eta0,
                    q=q,
                    muon_bound=bound,
                    K=np.nan,
                    lam_min=lam[-1],
                )
            )
    its = ctx.PS["iters"]
    record_sigma = (lambda p: {"sigma": np.linalg.svd(p[0], compute_uv=False)}) if aligned else None
    for method in methods_of(ctx.problem, ctx.P):
        if method == "muon_s1":
            prob, p0 = mf_mod.stack_symmetric(inst)
            n = len(ctx.seeds)
            opt = SimplifiedMuon(StepRule("geometric", np.full(n, eta0), np.full(n, q)), rel_cutoff=ctx.cutoff)
            res = run(prob, opt, p0, its["muon"], ctx.eps, record=record_sigma)
            r_, pick = _best_rows(ctx, method, res, [f"q={q:g},eta0={eta0:g}"], 1)
            rows += r_
            for s_i, seed in enumerate(ctx.seeds):
                extra = {}
                if aligned:
                    sig = res.records["sigma"][s_i]
                    etas = geometric_etas(eta0, q, res.iterations_run)
                    a = mf_recursion(c["init_scale"], lam, etas)
                    extra = _modes(np.abs(sig - np.sqrt(lam)))
                    extra["scalar_diff"] = np.abs(sig - -np.sort(-np.abs(a), axis=1)).max(axis=1)
                curves[(method, seed)] = _curve(ctx, res.errors[s_i], keep_all=True, extra=extra)
        elif method == "gd":
            steps = [gd_step(x, lam[0], 1.0 / (lam[0] + lam[-1])) for x in c["gd_steps"]]
            ns = len(steps)
            prob, p0 = mf_mod.stack_symmetric([x for x in inst for _ in steps])
            red, rp0, _ = prob.reduce(p0)
            res = run(
                red,
                GD(np.tile(steps, len(ctx.seeds))),
                rp0,
                its["gd"],
                ctx.eps,
                stop=True,
                groups=np.repeat(np.arange(len(ctx.seeds)), ns),
                record=record_sigma,
                record_when=ctx.keep,
            )
            r_, pick = _best_rows(ctx, method, res, [f"eta={e:.6g}" for e in steps], ns)
            rows += r_
            for s_i, seed in enumerate(ctx.seeds):
                b = pick[s_i]
                if aligned:
                    t = res.record_t
                    extra = _modes(np.abs(res.records["sigma"][b] - np.sqrt(lam)))
                    curves[(method, seed)] = _curve(ctx, res.errors[b][t], keep_all=True, extra=extra, t=t)
                else:
                    curves[(method, seed)] = _curve(ctx, res.errors[b])
        elif method == "adam":
            rows_, curves_ = _adam(ctx, mf_mod.stack_symmetric, inst, its["adam"])
            rows += rows_
            curves.update(curves_)
        else:
            raise ValueError(f"precond: method {method!r} is not available for problem {ctx.problem!r}")
    return rows, info, curves


def _adam_grid(P):
    A = P["adam"]
    return list(itertools.product(A["lr_grid"], A["decay_grid"]))


def _adam(ctx, build, inst, budget):
    """Adam over the lr x decay grid (spec §4.4), all seeds in one batch; best per seed.

    ``build(instances) -> (problem, params0)`` stacks the (repeated) instances."""
    grid = _adam_grid(ctx.P)
    A = ctx.P["adam"]
    ng = len(grid)
    prob, p0 = build([x for x in inst for _ in grid])
    lr = np.tile([g[0] for g in grid], len(ctx.seeds))
    qa = np.tile([g[1] for g in grid], len(ctx.seeds))
    opt = Adam(lr, qa, A["beta1"], A["beta2"], A["eps"])
    res = run(prob, opt, p0, budget, ctx.eps, stop=True, groups=np.repeat(np.arange(len(ctx.seeds)), ng))
    rows, pick = _best_rows(ctx, "adam", res, [f"lr0={a:g},q_a={b:g}" for a, b in grid], ng)
    curves = {("adam", seed): _curve(ctx, res.errors[pick[s_i]]) for s_i, seed in enumerate(ctx.seeds)}
    return rows, curves


def _asym(ctx):
    S = ctx.PS["mf_asym"]
    c = ctx.cfg
    inst = [
        mf_mod.make_asymmetric_mf(
            s, S["d1"], S["d2"], S["r"], ctx.kappa, ctx.P["spectrum"], c["rotate"], c["init"], c["init_scale"]
        )
        for s in ctx.seeds
    ]
    sig = inst[0][2]
    q, eta0 = c["muon"]["q"], c["muon"]["eta0"] * np.sqrt(sig[0])
    info = [
        dict(
            problem=ctx.problem,
            kappa=ctx.kappa,
            seed=s,
            epsilon=e,
            eta0=eta0,
            q=q,
            muon_bound=np.nan,
            K=np.nan,
            lam_min=sig[-1],
        )
        for s in ctx.seeds
        for e in ctx.eps
    ]
    rows, curves = [], {}
    for method in methods_of(ctx.problem, ctx.P):
        if method != "muon_s1":
            raise ValueError(f"precond: problem mf_asym supports only muon_s1, got {method!r}")
        prob, p0 = mf_mod.stack_asymmetric(inst)
        n = len(ctx.seeds)
        opt = SimplifiedMuon(StepRule("geometric", np.full(n, eta0), np.full(n, q)), rel_cutoff=ctx.cutoff)
        res = run(prob, opt, p0, ctx.PS["iters"]["muon"], ctx.eps)
        r_, _ = _best_rows(ctx, method, res, [f"q={q:g},eta0={eta0:g}"], 1)
        rows += r_
        for s_i, seed in enumerate(ctx.seeds):
            curves[(method, seed)] = _curve(ctx, res.errors[s_i], keep_all=True)
    return rows, info, curves


# ----------------------------------------------------------------------------------------------
# ICL


def _icl(ctx):
    S = ctx.PS["icl"]
    c = ctx.cfg
    inst = [icl_mod.make_icl(s, S["d"], ctx.kappa, ctx.P["spectrum"], c["rotate"]) for s in ctx.seeds]
    prob = icl_mod.stack_icl(inst, S["N"])
    n, d = len(ctx.seeds), S["d"]
    gam, lam = prob.gam, prob.lam
    q = c["muon"]["q"]
    eta0 = c["muon"]["eta0"] * (1.0 / gam).max(axis=1)  # units of max_i 1/gam_i (spec §5.4)
    info = [
        dict(
            problem=ctx.problem,
            kappa=ctx.kappa,
            seed=seed,
            epsilon=e,
            eta0=eta0[i],
            q=q,
            muon_bound=t_muon_icl(lam[i], gam[i], eta0[i], q, e),
            K=prob.K[i],
            lam_min=lam[i, -1],
        )
        for i, seed in enumerate(ctx.seeds)
        for e in ctx.eps
    ]
    rows, curves = [], {}
    its = ctx.PS["iters"]
    for method in methods_of(ctx.problem, ctx.P):
        if method == "muon_s1":
            opt = SimplifiedMuon(StepRule("geometric", eta0, np.full(n, q)), rel_cutoff=ctx.cutoff)

            def rec(p):
                M = prob.eig_coords(p[0])
                diag = np.diagonal(M, axis1=1, axis2=2).copy()
                M[:, np.arange(d), np.arange(d)] = 0.0
                off = np.sqrt((M * M).sum(axis=(1, 2)))  # directly: no cancellation
                return {"diag": diag, "offdiag": off}

            res = run(prob, opt, (np.zeros((n, d, d)),), its["muon"], ctx.eps, record=rec)
            r_, _ = _best_rows(ctx, method, res, [f"q={q:g},eta0={c['muon']['eta0']:g}/gam_min"], 1)
            rows += r_
            for i, seed in enumerate(ctx.seeds):
                diag = res.records["diag"][i]
                b = icl_recursion(0.0, gam[i], geometric_etas(eta0[i], q, res.iterations_run))
                extra = _modes(np.abs(diag - 1.0 / gam[i]))
                extra["offdiag"] = res.records["offdiag"][i]
                extra["scalar_diff"] = np.abs(diag - b).max(axis=1)
                curves[(method, seed)] = _curve(ctx, res.errors[i], keep_all=True, extra=extra)
        elif method == "gd":
            r_, c_ = _icl_gd(ctx, prob)
            rows += r_
            curves.update(c_)
        elif method == "adam":
            build = lambda xs: (icl_mod.stack_icl(xs, S["N"]), (np.zeros((len(xs), d, d)),))  # noqa: E731
            r_, c_ = _adam(ctx, build, inst, its["adam_icl"])
            rows += r_
            curves.update(c_)
        else:
            raise ValueError(f"precond: method {method!r} is not available for problem {ctx.problem!r}")
    return rows, info, curves


def _icl_gd(ctx, prob):
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
                    setting=f"eta={steps[k]:.6g}",
                    source="closed_form",
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
        extra = _modes(gd_icl_modes(t, h, gam, steps[k]))
        curves[("gd", seed)] = _curve(ctx, err, keep_all=True, extra=extra, t=t)
    return rows, curves


def _icl_2f(ctx):
    S = ctx.PS["icl"]
    c = ctx.cfg
    inst = [icl_mod.make_icl(s, S["d"], ctx.kappa, ctx.P["spectrum"], c["rotate"]) for s in ctx.seeds]
    prob = icl_mod.TwoFactorICL(icl_mod.stack_icl(inst, S["N"]))
    n, d = len(ctx.seeds), S["d"]
    q = c["muon"]["q"]
    eta0 = c["muon"]["eta0"] * np.sqrt((1.0 / prob.icl.gam).max(axis=1))  # units of sqrt(max 1/gam) (§5.5)
    info = [
        dict(
            problem=ctx.problem,
            kappa=ctx.kappa,
            seed=seed,
            epsilon=e,
            eta0=eta0[i],
            q=q,
            muon_bound=np.nan,
            K=prob.icl.K[i],
            lam_min=prob.icl.lam[i, -1],
        )
        for i, seed in enumerate(ctx.seeds)
        for e in ctx.eps
    ]
    rows, curves = [], {}
    for method in methods_of(ctx.problem, ctx.P):
        if method != "muon_s1":
            raise ValueError(f"precond: problem icl_2f supports only muon_s1, got {method!r}")
        p0 = (np.full(n, c["u0"]), np.broadcast_to(c["U0_scale"] * np.eye(d) / np.sqrt(d), (n, d, d)).copy())
        opt = SimplifiedMuon(StepRule("geometric", eta0, np.full(n, q)), rel_cutoff=ctx.cutoff)
        res = run(prob, opt, p0, ctx.PS["iters"]["icl_2f"], ctx.eps)
        r_, _ = _best_rows(ctx, method, res, [f"q={q:g},eta0={c['muon']['eta0']:g}*sqrt(max 1/gam)"], 1)
        rows += r_
        for i, seed in enumerate(ctx.seeds):
            curves[(method, seed)] = _curve(ctx, res.errors[i], keep_all=True)
    return rows, info, curves


_RUNNERS = {"sym": _sym, "asym": _asym, "icl": _icl, "icl_2f": _icl_2f}


def run_sweep(problem: str, P: dict, PS: dict) -> SweepOutput:
    if problem not in FAMILY:
        raise ValueError(f"precond: unknown problem {problem!r}; known: {PROBLEMS}")
    rows, info, curves = [], [], {}
    for kappa in PS["kappas"]:
        r_, i_, c_ = _RUNNERS[FAMILY[problem]](_Ctx(problem, P, PS, kappa))
        rows += r_
        info += i_
        curves.update({(m, kappa, s): df for (m, s), df in c_.items()})
    return SweepOutput(pd.DataFrame(rows), pd.DataFrame(info), curves)
