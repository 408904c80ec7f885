"""What every precond sweep shares: the per-(problem, kappa) context, the best-of-grid rows, curve
tables, the info rows, and the Adam grid (spec §4.4) run on any stacked problem."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from muonrepro.precond import budget
from muonrepro.precond.optimizers import Adam
from muonrepro.precond.runner import dense_then_strided, run


class Ctx:
    """Everything one (problem, kappa) needs: config slices and the seeds."""

    def __init__(self, problem, P, PS, kappa):
        self.problem, self.P, self.PS, self.kappa = problem, P, PS, kappa
        self.cfg = P["problems"][problem]
        self.seeds = list(PS["seeds"])
        self.eps = list(self.cfg["epsilon"])
        self.keep = dense_then_strided(P["curves"]["dense_until"], P["curves"]["stride"])
        self.cutoff = P["msgn_rel_cutoff"]

    def methods(self) -> list[str]:
        return list(self.cfg["methods"])

    def info_rows(self, eta0, q, bound, K, lam, spectrum_columns=False) -> list[dict]:
        """One info row per (seed, epsilon). ``eta0``, ``K``, ``lam`` (n_seeds, ...) per seed; ``bound``
        a function (seed index, epsilon) -> predicted Muon count (NaN when there is none)."""
        rows = []
        for i, seed in enumerate(self.seeds):
            extra = {f"lam_{j + 1}": v for j, v in enumerate(lam[i])} if spectrum_columns else {}
            for e in self.eps:
                rows.append(
                    dict(
                        problem=self.problem,
                        kappa=self.kappa,
                        seed=seed,
                        epsilon=e,
                        eta0=eta0[i],
                        q=q,
                        muon_bound=bound(i, e),
                        K=K[i],
                        lam_min=lam[i][-1],
                        **extra,
                    )
                )
        return rows


def best_rows(ctx, method, res, settings, n_settings, l1=None):
    """Rows (best over the ``n_settings`` runs of each seed) and the index of each seed's curve run.

    Best = fewest iterations to the target; the curve run is the best at the first (primary)
    target, or the lowest final error when no setting reached it. ``l1``: for Muon-S1 (one setting per
    seed), each seed's L1 columns (``budget.s1_columns``), which decide ``stalled`` / ``budget`` for a run
    that did not reach a target; without them (GD, Adam) the L1 columns are NA and such a run is ``budget``.
    ``settings`` is one label per setting, or (one setting) one label per seed.
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
            cols = budget.na_columns() if l1 is None else l1[s_i]
            label = settings[s_i] if len(settings) == len(ctx.seeds) and n_settings == 1 else settings[b % n_settings]
            rows.append(
                dict(
                    problem=ctx.problem,
                    method=method,
                    kappa=ctx.kappa,
                    seed=seed,
                    epsilon=eps,
                    iterations=int(f.min()) if reached else int(res.budget),
                    reached=reached,
                    outcome=budget.outcome(reached, cols["remaining_budget"], cols["remaining_distance"]),
                    setting=label,
                    source="run",
                    **cols,
                )
            )
            if j == 0:
                pick.append(b)
    return rows, pick


def curve(ctx, errors, keep_all=False, extra=None, t=None):
    t = np.arange(len(errors)) if t is None else np.asarray(t)
    mask = np.ones(len(t), bool) if keep_all else np.array([ctx.keep(int(i)) for i in t]) | (t == t[-1])
    df = pd.DataFrame({"iteration": t[mask].astype(np.int64), "error": np.asarray(errors)[mask]})
    for k, v in (extra or {}).items():
        df[k] = np.asarray(v)[mask]
    return df


def modes(values: np.ndarray, prefix="mode_") -> dict:
    return {f"{prefix}{i + 1}": values[:, i] for i in range(values.shape[1])}


def adam_grid(P):
    A = P["adam"]
    return list(itertools.product(A["lr_grid"], A["decay_grid"]))


def adam_sweep(ctx, build, inst, budget):
    """Adam over the lr x decay grid (spec §4.4), all seeds in one batch; best per seed.

    ``build(instances) -> (problem, params0)`` stacks the (repeated) instances."""
    grid = adam_grid(ctx.P)
    A = ctx.P["adam"]
    ng = len(grid)
    prob, p0 = build([x for x in inst for _ in grid])
    lr = np.tile([g[0] for g in grid], len(ctx.seeds))
    qa = np.tile([g[1] for g in grid], len(ctx.seeds))
    opt = Adam(lr, qa, A["beta1"], A["beta2"], A["eps"])
    res = run(prob, opt, p0, budget, ctx.eps, stop=True, groups=np.repeat(np.arange(len(ctx.seeds)), ng))
    rows, pick = best_rows(ctx, "adam", res, [f"lr0={a:g},q_a={b:g}" for a, b in grid], ng)
    curves = {("adam", seed): curve(ctx, res.errors[pick[s_i]]) for s_i, seed in enumerate(ctx.seeds)}
    return rows, curves
