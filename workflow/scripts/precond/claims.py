"""Rule precond_claims: checks A1-A15 (+ E1-E3) -> claims.csv, table T1, run metadata."""

import sys

from muonrepro.precond.claims import claims_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
df = claims_job(snakemake.input, dict(snakemake.params), snakemake.output)
print(df[["claim_id", "value", "n_seeds", "verdict", "reason"]].to_string())
