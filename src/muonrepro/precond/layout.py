"""File layout of the precond pipeline (the output contract) and config slices for the rules.

Used by ``workflow/rules/precond.smk``, the scripts and the figure notebook, so every part names
files the same way. The curves of one problem's sweep are one tidy table
``precond/sweep/{problem}_curves.parquet`` (under the scale's output root ``results/<scale>/``) with key
columns ``problem, method, kappa, seed``.
"""

from __future__ import annotations

import pandas as pd

KEY = ["problem", "method", "kappa", "seed"]


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
