"""What the precond figures R1-R8 and X1 show (``workflow/notebooks/precond_figures.py`` draws it), computed
from the pipeline's tables: the seed spread of the sweep curves, iteration counts per kappa, the step rules'
settings shown in R7 and the orthogonalizers' curves of R8.

``paths`` is the sweep curves split per run, ``{(problem, method, kappa, seed): DataFrame}``
(:func:`muonrepro.precond.layout.split_curves`). A band is ``(x, mean, lo, hi)``: the mean over seeds and the
min-max range over seeds (:func:`muonrepro.plotting.seed_spread_wide`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from muonrepro.plotting import seed_spread, seed_spread_curves, seed_spread_wide


def seeds_of(paths: dict, problem: str, method: str, kappa) -> list[int]:
    """The seeds of one (problem, method, kappa), sorted."""
    return sorted(s for (p, m, k, s) in paths if p == problem and m == method and k == kappa)


def kappas_of(paths: dict, problem: str) -> list[int]:
    """The kappas of one problem's sweep, sorted."""
    return sorted({k for (p, m, k, s) in paths if p == problem})


def first_run(paths: dict, problem: str, method: str, kappa) -> pd.DataFrame:
    """The curves of one (problem, method, kappa)'s first seed."""
    return paths[(problem, method, int(kappa), seeds_of(paths, problem, method, kappa)[0])]


def mode_columns(paths: dict, problem: str, method: str, kappa) -> list[str]:
    """The per-mode columns (``mode_<i>``) of one (problem, method, kappa)'s curves (its first seed's)."""
    return [c for c in first_run(paths, problem, method, kappa).columns if c.startswith("mode_")]


def curve_band(paths: dict, problem: str, method: str, kappa, column: str = "error"):
    """Mean and min-max over seeds of ``column`` against the iteration, on the union of the seeds' recorded
    iterations (a seed's curve is interpolated in log space between its own iterations, never extended past
    its last one: a run that stopped at its target counts no more)."""
    return seed_spread_curves(
        {
            s: paths[(problem, method, int(kappa), int(s))].set_index("iteration")[column]
            for s in seeds_of(paths, problem, method, kappa)
        }
    )


def iterations_by_kappa(its: pd.DataFrame, problem: str, method: str, eps: float) -> pd.DataFrame:
    """Iterations to ``eps`` per kappa (``precond/iterations.csv`` rows of one problem and method): mean and
    min-max over seeds (``mean``, ``lo``, ``hi``, ``n``) and ``all_reached`` (False where some seed stopped at
    the iteration budget and counts as the budget); indexed by kappa, empty when there are no rows."""
    df = its[(its.problem == problem) & (its.method == method) & np.isclose(its.epsilon, eps)]
    st = seed_spread(df, "kappa", "iterations")
    return st.assign(all_reached=df.groupby("kappa").reached.all())


def icl_bound(info: pd.DataFrame, eps: float) -> pd.Series:
    """The predicted Muon iteration count on ICL at ``eps`` per kappa: the largest over seeds."""
    return info[(info.problem == "icl") & np.isclose(info.epsilon, eps)].groupby("kappa").muon_bound.max()


def icl_K(info: pd.DataFrame) -> pd.Series:
    """``K = h_max / h_min`` of the ICL problem per kappa: the mean over seeds."""
    return info[info.problem == "icl"].groupby("kappa").K.mean()


def mode_eigenvalues(info: pd.DataFrame, problem: str, kappa, modes) -> pd.DataFrame:
    """Mean, min and max over seeds of each mode's eigenvalue ``lam_<i>`` (a seed jitters the interior ones),
    one row per mode column ``mode_<i>`` of ``modes``."""
    lam = info[(info.problem == problem) & (info.kappa == kappa)].drop_duplicates("seed")
    rows = {c: lam[f"lam_{c.removeprefix('mode_')}"] for c in modes}
    return pd.DataFrame({c: {"mean": v.mean(), "min": v.min(), "max": v.max()} for c, v in rows.items()}).T


def ablation_kappa(kappas, wanted):
    """The kappa of the step-rule figure: ``wanted`` (config ``precond.ablation.kappa_plot``) if the ablation
    ran it, else the largest it ran."""
    kappas = set(kappas)
    return wanted if wanted in kappas else max(kappas)


def best_setting(steps: pd.DataFrame, rule: str) -> str:
    """The best setting of a step rule (``precond/ablation/steps.csv`` rows, one kappa): the fewest iterations
    to epsilon (mean over seeds; a run that misses counts as its budget), ties broken by the smaller final
    error (mean over seeds)."""
    g = steps[steps.rule == rule].groupby("setting").agg(it=("iterations", "mean"), fin=("final_error", "mean"))
    return g.sort_values(["it", "fin"]).index[0]


def shown_setting(steps: pd.DataFrame, rule: str, preferred: str) -> str:
    """The setting of ``rule`` drawn against the others: ``preferred`` if it was run, else the best one."""
    return preferred if preferred in set(steps[steps.rule == rule].setting) else best_setting(steps, rule)


def setting_band(curves: pd.DataFrame, rule: str, setting: str):
    """Mean and min-max over seeds of the error of one step rule's setting (``steps_curves.parquet``, one kappa)."""
    w = curves[(curves.rule == rule) & (curves.setting == setting)]
    return seed_spread_wide(w.pivot(index="iteration", columns="seed", values="error"))


def orthogonalizer_band(curves: pd.DataFrame, kappa, orthogonalizer: str):
    """Mean and min-max over seeds of the error of one orthogonalizer at one kappa (``ns5_curves.parquet``)."""
    w = curves[(curves.kappa == kappa) & (curves.orthogonalizer == orthogonalizer)]
    return seed_spread_wide(w.pivot(index="iteration", columns="seed", values="error"))
