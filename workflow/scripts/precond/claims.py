"""Rule precond_claims: checks A1-A15 (+ E1-E3) -> claims.csv, table T1, run metadata
(muonrepro.precond.claims.claims_job)."""

import sys

from muonrepro.precond.claims import claims_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
claims_job(snakemake)
