"""Rule energy_claims: the energy paper's ledger rows."""

import sys

import pandas as pd

from muonrepro.energy.claims import energy_claims, sensitivity_claims
from muonrepro.energy.theory.checks import theory_claim_summary
from muonrepro.ledger import write_claims

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
p, i = snakemake.params, snakemake.input
summary = theory_claim_summary(pd.read_csv(i.theory).to_dict("records"))
rows = energy_claims(
    summary,
    pd.read_csv(i.gini),
    pd.read_csv(i.accuracy),
    pd.read_csv(i.bins),
    scale=p.scale,
    min_acc=p.min_acc,
    tail_bins=p.tail_bins,
    estimator=p.estimator,
)
rows += sensitivity_claims(pd.read_csv(i.sensitivity), p.scale)
write_claims(rows, snakemake.output[0])
