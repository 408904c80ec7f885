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
CURVE_PROBLEMS = ("mf", "mf_aligned", "icl")  # the sweeps whose curves the claims check (their Muon-S1 runs)


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


def sweep_params(config: dict, problem: str) -> dict:
    """``precond_sweep``'s ``precond`` param for one problem: the method settings it reads, and the lr rule."""
    P = config["precond"]
    keys = ("spectrum", "spectrum_jitter", "msgn_rel_cutoff", "curves", "adam", "l1_budget")
    return {**config_slice(P, *keys, problems=[problem]), "lr_selection": config["lr_selection"]}


def figures_params(config: dict, scale: str) -> dict:
    """The figure notebook's parameters: which kappas its panels show, targets, sizes."""
    P, PS = config["precond"], config["scales"][scale]["precond"]
    return {
        "scale": scale,
        "kappa_panels": [k for k in PS["kappas"] if k in (10, 100, 1000)] or PS["kappas"][:3],
        "kappa_modes": 1000 if 1000 in PS["kappas"] else PS["kappas"][-1],
        "kappa_min": P["claims"]["kappa_min"],
        "kappa_ablation": P["ablation"]["kappa_plot"],
        "mf_eps": P["problems"]["mf"]["epsilon"][0],
        "icl_eps": P["problems"]["icl"]["epsilon"],
        "muon": {p: P["problems"][p]["muon"] for p in P["problems"]},
        "mf_init": P["problems"]["mf"]["init"],
        "sizes": {k: PS[k] for k in ("mf", "mf_asym", "icl", "ns5")},
        "ns5": P["ablation"]["ns5"],
        "dpi": config["figures"]["dpi"],
    }


def claims_params(config: dict, scale: str) -> dict:
    """The ``precond_claims`` rule's params (config slices), also used to re-derive a published ledger."""
    return {
        "precond": {**config["precond"], "lr_selection": config["lr_selection"]},
        "preset": config["scales"][scale]["precond"],
        "scale": scale,
        "stats": config["stats"],
    }


def iterations_job(smk) -> None:
    """Rule precond_iterations: the per-problem sweep tables concatenated, ``input.iterations`` ->
    ``output.iterations`` (``ITERATION_COLUMNS`` first) and ``input.info`` -> ``output.info``."""
    its = pd.concat([pd.read_csv(p) for p in smk.input.iterations], ignore_index=True)
    its = its[ITERATION_COLUMNS + [c for c in its.columns if c not in ITERATION_COLUMNS]]
    atomic_write_csv(its, smk.output.iterations)
    atomic_write_csv(pd.concat([pd.read_csv(p) for p in smk.input.info], ignore_index=True), smk.output.info)
    print(f"{len(its)} iteration rows")
