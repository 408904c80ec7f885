"""Rule energy_claims: the energy paper's ledger rows."""

import sys

from muonrepro.energy.claims_job import ledger_rows
from muonrepro.ledger import write_claims

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
write_claims(ledger_rows(snakemake.input, dict(snakemake.params)), snakemake.output[0])
