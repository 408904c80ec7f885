"""Rule imbalanced_linear_ce: Fig. 4 linear cross-entropy model, every rule x lr for every seed
(muonrepro.imbalanced.linear_ce.linear_ce_job)."""

import sys

from muonrepro.imbalanced.linear_ce import linear_ce_job

sys.stderr = sys.stdout = open(snakemake.log[0], "w")
linear_ce_job(snakemake)
