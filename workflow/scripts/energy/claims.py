"""Rule energy_claims: the energy paper's ledger rows (muonrepro.energy.claims_job.claims_job)."""

import sys

from muonrepro.energy.claims_job import claims_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
claims_job(snakemake)
