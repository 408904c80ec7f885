"""File layout of the precond pipeline (the output contract) and config slices for the rules.

Used by ``workflow/rules/precond.smk``, the scripts and the figure notebook, so every part names
files the same way. The curves of one problem's sweep are one tidy table
``precond/sweep/{problem}_curves.parquet`` (under the scale's output root ``results/<scale>/``) with key
columns ``problem, method, kappa, seed``. The merged iteration table ``precond/iterations.csv`` (rule
precond_iterations: ``iterations_job``) has the contract columns ``ITERATION_COLUMNS`` first, then the sweeps'
other columns.
"""

from __future__ import annotations

import pandas as pd

from muonrepro.util.io import atomic_write_csv

KEY = ["problem", "method", "kappa", "seed"]
# the output contract's columns of the iteration table, first in precond/iterations.csv
ITERATION_COLUMNS = KEY + ["epsilon", "iterations", "reached", "outcome", "l1_condition"]


def curves_table(problem: str, curves: dict) -> pd.DataFrame:
    """``{(method, kappa, seed): DataFrame(iteration, error, ...)}`` of one sweep -> one tidy table."""
    frames = [df.assign(problem=problem, method=m, kappa=int(k), seed=int(s)) for (m, k, s), df in curves.items()]
    out = pd.concat(frames, ignore_index=True)
    return out[KEY + [c for c in out.columns if c not in KEY]]


def split_curves(tables) -> dict:
    """Tidy curve tables -> ``{(problem, method, kappa, seed): DataFrame}``, each with the columns its
    sweep recorded (a column another method of the same problem has is dropped where all-NaN)."""
    out = {}
    for t in tables:
        for (p, m, k, s), g in t.groupby(KEY, sort=False):
            g = g.drop(columns=KEY).reset_index(drop=True)
            extra = [c for c in g.columns if c not in ("iteration", "error") and g[c].isna().all()]
            out[(p, m, int(k), int(s))] = g.drop(columns=extra)
    return out


def config_slice(P: dict, *keys: str, problems=()) -> dict:
    """The part of ``config["precond"]`` a rule depends on (unrelated edits do not rerun it)."""
    out = {k: P[k] for k in keys}
    if problems:
        out["problems"] = {p: P["problems"][p] for p in problems}
    return out


def iterations_job(smk) -> None:
    """Rule precond_iterations: the per-problem sweep tables concatenated, ``input.iterations`` ->
    ``output.iterations`` (``ITERATION_COLUMNS`` first) and ``input.info`` -> ``output.info``."""
    its = pd.concat([pd.read_csv(p) for p in smk.input.iterations], ignore_index=True)
    its = its[ITERATION_COLUMNS + [c for c in its.columns if c not in ITERATION_COLUMNS]]
    atomic_write_csv(its, smk.output.iterations)
    atomic_write_csv(pd.concat([pd.read_csv(p) for p in smk.input.info], ignore_index=True), smk.output.info)
    print(f"{len(its)} iteration rows")
