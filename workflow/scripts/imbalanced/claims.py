"""Rule imbalanced_claims: the imbalanced paper's ledger (spec §5 items 1-17; GPU-scale rows not_run where their data
is absent) (muonrepro.imbalanced.claims_job.claims_job)."""

import sys

from muonrepro.imbalanced.claims_job import claims_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
claims_job(snakemake)
