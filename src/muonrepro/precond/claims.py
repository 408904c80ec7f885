"""Load the precond result tables and write the ledger, table T1 and run metadata (spec §6-§7).

This is the package side of rule ``precond_claims`` (``claims_job``): it reads the merged iteration and info
tables, the curve files the checks need, the ablation and theory tables, evaluates
``checks.evaluate`` and writes ``claims.csv`` through the shared ledger API.
"""

from __future__ import annotations

import pandas as pd

from muonrepro.ledger import write_claims
from muonrepro.ledger.sanity_lr import edge_claim
from muonrepro.precond.checks import Setup, evaluate
from muonrepro.precond.claim_table import TABLE
from muonrepro.precond.layout import split_curves
from muonrepro.precond.table import table_t1
from muonrepro.util.io import atomic_write_csv, atomic_write_json
from muonrepro.util.meta import run_metadata


def load_tables(iterations, info, curves, steps, ns5, lemma_scalar, lemma_matrix, decoupling, mc) -> dict:
    return {
        "iterations": pd.read_csv(iterations),
        "info": pd.read_csv(info),
        "curves": split_curves(pd.read_parquet(p) for p in curves),
        "steps": pd.read_csv(steps),
        "ns5": pd.read_csv(ns5),
        "lemma_scalar": pd.read_csv(lemma_scalar),
        "lemma_matrix": pd.read_csv(lemma_matrix),
        "decoupling": pd.read_csv(decoupling),
        "mc": pd.read_csv(mc),
    }


def lr_edge_claim(its: pd.DataFrame, scale: str, P: dict):
    """The ``sanity-lr`` row: every tuned step (Adam's lr, GD's constant step on MF) per (problem, kappa, seed),
    chosen by fewest iterations, is interior to its (extended) grid (``iterations.csv``: ``lr_grid``, ``lr_edge``)."""
    tuned = its.dropna(subset=["lr_edge"]) if "lr_edge" in its else its.iloc[:0]
    tuned = tuned.drop_duplicates(["problem", "method", "kappa", "seed"])

    def configured(r):
        return P["adam"]["lr_grid"] if r.method == "adam" else P["problems"][r.problem]["gd_steps"]

    choices = {
        f"{r.problem}/{r.method}/kappa{r.kappa:g}/s{r.seed}": {
            "tuned": True,
            "edge": r.lr_edge,
            "grid": [float(x) for x in str(r.lr_grid).split("; ")],
            "configured_grid": configured(r),
        }
        for r in tuned.itertuples()
    }
    max_ext = P.get("lr_selection", {}).get("max_extensions", 0)
    return edge_claim(TABLE, scale, choices, max_ext, "precond/iterations.csv (lr_grid, lr_edge)")


def write_ledger(
    tables: dict, P: dict, PS: dict, scale: str, stats: dict, claims_path, table_path, meta_path
) -> pd.DataFrame:
    """``stats``: ``config stats`` (level and min_seeds of the verdicts over seeds)."""
    rows = evaluate(tables, Setup.from_config(P, PS, scale, stats)) + [lr_edge_claim(tables["iterations"], scale, P)]
    df = write_claims(rows, claims_path)
    atomic_write_csv(table_t1(tables["iterations"], P["claims"]["kappa_min"]), table_path)
    atomic_write_json(
        run_metadata({"precond": P, "scale": scale, "preset": PS, "stats": stats}, seed=None, device="cpu"), meta_path
    )
    return df


TABLE_INPUTS = ("iterations", "info", "steps", "ns5", "lemma_scalar", "lemma_matrix", "decoupling", "mc")


def claims_job(smk) -> None:
    """Rule precond_claims: checks A1-A15 (+ E1-E3) -> ``output.claims``, table T1 (``output.table``) and the run
    metadata (``output.meta``), from the rule's inputs and params (``claims_from_inputs``); the verdicts to the
    log."""
    df = claims_from_inputs(smk.input, dict(smk.params), smk.output)
    print(df[["claim_id", "value", "n_seeds", "verdict", "reason"]].to_string())


def claims_from_inputs(inputs, p: dict, out) -> pd.DataFrame:
    """The ledger from plain arguments (the rule's, and a published ledger's re-derivation): ``inputs`` holds the files of ``TABLE_INPUTS`` by name and ``curves`` (one per
    ``CURVE_PROBLEMS``), ``out`` the ``claims``, ``table`` and ``meta`` paths."""
    tables = load_tables(
        *(inputs[k] for k in ("iterations", "info")), inputs["curves"], *(inputs[k] for k in TABLE_INPUTS[2:])
    )
    return write_ledger(
        tables, p["precond"], p["preset"], p["scale"], p["stats"], out["claims"], out["table"], out["meta"]
    )
