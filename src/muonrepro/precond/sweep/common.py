"""What every precond sweep shares: the per-(problem, kappa) context, the best-of-grid rows (a tuned lr per
seed, its grid extended past an edge choice), curve tables, the info rows, and the Adam grid (spec §4.4) on any
stacked problem."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import numpy as np
import pandas as pd

from muonrepro.precond import budget
from muonrepro.precond.optimizers import Adam
from muonrepro.precond.runner import dense_then_strided, run
from muonrepro.training.lr_select import edge_status, past_edge


class Ctx:
    """Everything one (problem, kappa) needs: config slices and the seeds."""

    def __init__(self, problem, P, PS, kappa):
        self.problem, self.P, self.PS, self.kappa = problem, P, PS, kappa
        self.cfg = P["problems"][problem]
        self.seeds = list(PS["seeds"])
        self.eps = list(self.cfg["epsilon"])
        self.keep = dense_then_strided(P["curves"]["dense_until"], P["curves"]["stride"])
        self.cutoff = P["msgn_rel_cutoff"]
        self.max_extensions = P.get("lr_selection", {}).get("max_extensions", 0)  # config lr_selection

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


class Runs:
    """The runs of one best-of-grid method per seed, gathered over batches: ``(seed index, setting) -> (first
    (n_eps,), errors (iterations run + 1,))``; a batch stops once each of its seeds has a run at the smallest target
    (later iterations cannot change a best-of-seed count)."""

    def __init__(self, ctx, make_batch, budget):
        self.ctx, self.make_batch, self.budget, self.runs = ctx, make_batch, budget, {}

    def train(self, pairs):
        """Run the (seed index, setting) pairs not run yet, in one batch."""
        pairs = [p for p in pairs if p not in self.runs]
        if not pairs:
            return
        prob, opt, p0 = self.make_batch(pairs)
        groups = np.unique([i for i, _ in pairs], return_inverse=True)[1]
        res = run(prob, opt, p0, self.budget, self.ctx.eps, stop=True, groups=groups)
        for k, pair in enumerate(pairs):
            self.runs[pair] = (res.first[k], res.errors[k])

    def score(self, i, settings) -> tuple:
        """The best of seed ``i``'s ``settings`` at the primary target: (0, fewest iterations) if one reached it,
        else (1, lowest final error)."""
        firsts = [self.runs[(i, s)][0][0] for s in settings]
        reached = [f for f in firsts if f >= 0]
        if reached:
            return (0, min(reached))
        finals = [self.runs[(i, s)][1][-1] for s in settings]
        return (1, min((f for f in finals if np.isfinite(f)), default=np.inf))

    def rows(self, i, method, settings, labels):
        """``best_rows`` of seed ``i`` over ``settings`` (the seed's curve: its best run's errors)."""
        one = copy.copy(self.ctx)
        one.seeds = [self.ctx.seeds[i]]
        errs = [self.runs[(i, s)][1] for s in settings]
        padded = np.full((len(errs), max(len(e) for e in errs)), np.nan)
        for k, e in enumerate(errs):
            padded[k, : len(e)] = e
        res = SimpleNamespace(
            errors=padded, first=np.stack([self.runs[(i, s)][0] for s in settings]), budget=self.budget
        )
        rows, pick = best_rows(one, method, res, labels, len(settings))
        return rows, errs[pick[0]]


def tune_per_seed(runs: Runs, grid, settings_of, max_extensions):
    """Each seed's lr chosen on ``grid`` (``settings_of(lr)``: the settings that share an lr; the best of a seed's
    settings by ``Runs.score``, ties to the smaller lr), extended past an edge choice by the one lr protocol
    (``training.lr_select``: one geometric step past that edge, up to ``max_extensions`` times), the seeds that
    need a step run in one batch per round; returns per seed index (the lrs run, the edge status)."""
    n = len(runs.ctx.seeds)
    grids = {i: sorted(float(g) for g in grid) for i in range(n)}

    def chosen(i):
        best = min(grids[i], key=lambda lr: runs.score(i, settings_of(lr)))  # sorted: ties -> the smaller lr
        return None if runs.score(i, settings_of(best))[1] == np.inf else best

    runs.train([(i, s) for i in range(n) for lr in grids[i] for s in settings_of(lr)])
    for _ in range(max_extensions):
        step = {i: past_edge(grids[i], chosen(i)) for i in range(n)}
        step = {i: lr for i, lr in step.items() if lr is not None}
        if not step:
            break
        runs.train([(i, s) for i, lr in step.items() for s in settings_of(lr)])
        for i, lr in step.items():
            grids[i] = sorted(grids[i] + [lr])
    return [(grids[i], edge_status(grids[i], chosen(i), max_extensions)) for i in range(n)]


def adam_sweep(ctx, build, inst, budget):
    """Adam over the lr x decay grid (spec §4.4), all seeds in one batch; best per seed. A seed whose best lr lies at
    an edge of the lr grid runs one more lr past it, with every decay, up to ``ctx.max_extensions`` times (the one lr
    protocol, ``training.lr_select``); the rows' ``lr_grid`` and ``lr_edge`` say which lrs ran and whether the
    choice is interior.

    ``build(instances) -> (problem, params0)`` stacks the (repeated) instances."""
    A = ctx.P["adam"]

    def make_batch(pairs):
        prob, p0 = build([inst[i] for i, _ in pairs])
        lr, qa = (np.array([s[k] for _, s in pairs], dtype=np.float64) for k in (0, 1))
        return prob, Adam(lr, qa, A["beta1"], A["beta2"], A["eps"]), p0

    runs = Runs(ctx, make_batch, budget)

    def settings_of(lr):
        return [(lr, qa) for qa in A["decay_grid"]]

    rows, curves = [], {}
    for i, (lrs, edge) in enumerate(tune_per_seed(runs, A["lr_grid"], settings_of, ctx.max_extensions)):
        settings = [s for lr in lrs for s in settings_of(lr)]
        r, errors = runs.rows(i, "adam", settings, [f"lr0={a:g},q_a={b:g}" for a, b in settings])
        grid_text = "; ".join(f"{lr:g}" for lr in lrs)
        rows += [{**x, "lr_grid": grid_text, "lr_edge": edge} for x in r]
        curves[("adam", ctx.seeds[i])] = curve(ctx, errors)
    return rows, curves
