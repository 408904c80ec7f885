"""The ``energy_claims`` rule's job: the paper's rows from its input files and its params (``rules.claims_params``), so
that the rule (``claims_job``) and a published ledger's re-derivation (``ledger.publish``) run the same code."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from muonrepro.energy.claim_table import TABLE
from muonrepro.energy.claims import (
    Criteria,
    accuracy_claim,
    instrument_claim,
    instrument_gate,
    primary_claims,
    sensitivity_claims,
    theory_claims,
)
from muonrepro.energy.rules import CLAIMS_TABLE_FILES
from muonrepro.energy.theory.checks import theory_claim_summary
from muonrepro.ledger import Claim, write_claims
from muonrepro.ledger.sanity_lr import edge_claim


def ledger_rows(inputs, p: dict) -> list[Claim]:
    """The paper's rows from the claims rule's input files (``inputs``: the tables of ``rules.CLAIMS_TABLE_FILES`` by name,
    ``theory``, ``robustness``, ``instrument``, ``lr_choices``) and ``rules.claims_params``."""
    theory = pd.read_csv(inputs["theory"]).to_dict("records")
    tables = {t: pd.read_csv(inputs[t]) for t in CLAIMS_TABLE_FILES}
    rows = theory_claims(theory_claim_summary(theory), p["scale"], {r["check"]: r for r in theory})
    instrument = instrument_claim(pd.read_csv(inputs["instrument"]), tables["energy"], p["scale"], p["max_factor"])
    rows.append(instrument)
    rows += primary_claims(tables, Criteria(**p["criteria"]), scale=p["scale"], estimator=p["estimator"])
    rows.append(accuracy_claim(tables["accuracy"], p["scale"], p["min_acc"]))
    choices = {Path(f).stem.replace("_", "/"): json.loads(Path(f).read_text()) for f in inputs["lr_choices"]}
    rows.append(edge_claim(TABLE, p["scale"], choices, p["max_extensions"], "energy/lr/<arch>_<optimizer>.json"))
    robustness = pd.read_csv(inputs["robustness"], keep_default_na=False)
    rows += sensitivity_claims(robustness, p["scale"], p["criteria"]["min_seeds"], p["grid_note"])
    return instrument_gate(rows, instrument)  # C6a, C6c rest on the checked estimator


def claims_job(smk) -> None:
    """Rule energy_claims: the paper's ledger rows (``ledger_rows``) from the rule's inputs and params."""
    write_claims(ledger_rows(smk.input, dict(smk.params)), smk.output[0])
