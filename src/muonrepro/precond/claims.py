"""Load the precond result tables and write the ledger, table T1 and run metadata (spec §6-§7).

This is the package side of rule ``precond_claims``: it reads the merged iteration and info
tables, the curve files the checks need, the ablation and theory tables, evaluates
``checks.evaluate`` and writes ``claims.csv`` through the shared ledger API.
"""

from __future__ import annotations

import pandas as pd

from muonrepro.ledger import with_figures, write_claims
from muonrepro.precond.checks import evaluate
from muonrepro.precond.layout import split_curves
from muonrepro.precond.table import table_t1
from muonrepro.util.io import atomic_write_csv, atomic_write_json
from muonrepro.util.meta import run_metadata

# the figure(s) that show each row (spec §6.2 figure set R1-R8)
FIGURES = {
    "A1": ["R1_mf_convergence"],
    "A2": ["R2_mf_iterations"],
    "A3": ["R5_icl_iterations"],
    "A4": ["R2_mf_iterations"],
    "A5": ["R5_icl_iterations"],
    "A6": ["R2_mf_iterations", "R5_icl_iterations"],
    "A7": ["R1_mf_convergence", "R8b_adam_rotation"],
    "A8": ["R3_mf_modes"],
    "A8-R3": ["R3_mf_modes"],
    "A9": ["R6_icl_modes"],
    "A10": ["R3_mf_modes"],
    "A11": ["R7_step_rules"],
    "A12": ["R2_mf_iterations", "R5_icl_iterations"],
    "A13": ["R7_step_rules"],
    "A14": ["R4_icl_convergence"],
    "A15": ["R8_orthogonalizer"],
    "E1": ["X1_extensions"],
    "E2": ["X1_extensions"],
}


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


def write_ledger(tables: dict, P: dict, PS: dict, scale: str, claims_path, table_path, meta_path) -> pd.DataFrame:
    rows = with_figures(evaluate(tables, P, PS, scale), FIGURES, "precond")
    df = write_claims(rows, claims_path)
    atomic_write_csv(table_t1(tables["iterations"], P["claims"]["kappa_min"]), table_path)
    atomic_write_json(run_metadata({"precond": P, "scale": scale, "preset": PS}, seed=None, device="cpu"), meta_path)
    return df
