"""Rule energy_claims: the energy paper's ledger rows."""

import json
import sys
from pathlib import Path

import pandas as pd

from muonrepro.energy.claims import (
    Criteria,
    accuracy_claim,
    instrument_claim,
    instrument_gate,
    primary_claims,
    sensitivity_claims,
    theory_claims,
)
from muonrepro.energy.theory.checks import theory_claim_summary
from muonrepro.ledger import write_claims
from muonrepro.training.lr_select import edge_claim

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
p, i = snakemake.params, snakemake.input
theory = pd.read_csv(i.theory).to_dict("records")
tables = {t: pd.read_csv(i[t]) for t in ("gini", "energy", "bins", "offdiag", "accuracy")}
rows = theory_claims(theory_claim_summary(theory), p.scale, {r["check"]: r for r in theory})
instrument = instrument_claim(pd.read_csv(i.instrument), tables["energy"], p.scale, p.max_factor)
rows.append(instrument)
rows += primary_claims(tables, Criteria(**p.criteria), scale=p.scale, estimator=p.estimator)
rows.append(accuracy_claim(tables["accuracy"], p.scale, p.min_acc))
choices = {Path(f).stem.replace("_", "/"): json.loads(Path(f).read_text()) for f in i.lr_choices}
rows.append(edge_claim("energy", p.scale, choices, p.max_extensions, "energy/lr/<arch>_<optimizer>.json"))
rows += sensitivity_claims(pd.read_csv(i.robustness, keep_default_na=False), p.scale, p.criteria["min_seeds"])
write_claims(instrument_gate(rows, instrument), snakemake.output[0])  # C6a, C6c rest on the checked estimator
